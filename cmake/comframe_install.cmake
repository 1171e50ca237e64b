include(CMakePackageConfigHelpers)
set(COMFRAME_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/comframe)

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
