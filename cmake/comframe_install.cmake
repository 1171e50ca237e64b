include(CMakePackageConfigHelpers)
set(COMFRAME_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/comframe)
set(COMFRAME_FIRMWARE_INSTALL_DIR ${CMAKE_INSTALL_DATADIR}/comframe/firmware)
set(COMFRAME_FIRMWARE_CMAKE_DIR ${CMAKE_INSTALL_DATADIR}/cmake/comframe_firmware)

install(EXPORT comframeTargets NAMESPACE comframe:: DESTINATION ${COMFRAME_CMAKE_DIR})
export(EXPORT comframeTargets NAMESPACE comframe:: FILE ${CMAKE_CURRENT_BINARY_DIR}/comframeTargets.cmake)

configure_package_config_file(cmake/comframeConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/comframeConfig.cmake
  INSTALL_DESTINATION ${COMFRAME_CMAKE_DIR})
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/comframeConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES
  ${CMAKE_CURRENT_BINARY_DIR}/comframeConfig.cmake
  ${CMAKE_CURRENT_BINARY_DIR}/comframeConfigVersion.cmake
  DESTINATION ${COMFRAME_CMAKE_DIR})

# The C firmware kit, as sources (firmware kits are compiled by the firmware
# project, for its target), with its own architecture-independent package
# comframe_firmware; comframe's package loads it too. Its files are the
# component "firmware": cmake --install BUILD --component firmware installs the kit alone.
if(TARGET comframe_firmware)
  install(DIRECTORY firmware/include firmware/src DESTINATION ${COMFRAME_FIRMWARE_INSTALL_DIR} COMPONENT firmware)
  configure_package_config_file(cmake/comframe_firmwareConfig.cmake.in
    ${CMAKE_CURRENT_BINARY_DIR}/comframe_firmwareConfig.cmake
    INSTALL_DESTINATION ${COMFRAME_FIRMWARE_CMAKE_DIR}
    PATH_VARS COMFRAME_FIRMWARE_INSTALL_DIR)
  write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/comframe_firmwareConfigVersion.cmake
    COMPATIBILITY SameMinorVersion ARCH_INDEPENDENT)
  install(FILES
    ${CMAKE_CURRENT_BINARY_DIR}/comframe_firmwareConfig.cmake
    ${CMAKE_CURRENT_BINARY_DIR}/comframe_firmwareConfigVersion.cmake
    DESTINATION ${COMFRAME_FIRMWARE_CMAKE_DIR} COMPONENT firmware)
endif()
