# Installs the C firmware kit alone (cmake --install --component firmware) into
# a fresh prefix, then builds the C consumer project against it with
# find_package(comframe_firmware CONFIG REQUIRED) and runs it, with the kit's
# table-driven and table-less CRC-32C. When arm-none-eabi-gcc is installed the
# same project also cross-compiles the kit for a Cortex-M3 from the installed
# sources (the package is architecture-independent).
# Variables: BUILD_DIR (comframe's build tree), SOURCE_DIR (this folder), WORK_DIR.
file(REMOVE_RECURSE ${WORK_DIR})
execute_process(COMMAND ${CMAKE_COMMAND} --install ${BUILD_DIR} --component firmware --prefix ${WORK_DIR}/prefix
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
if(rc)
  message(FATAL_ERROR "cmake --install --component firmware failed (${rc}):\n${out}")
endif()
foreach(f share/comframe/firmware/include/comframe/firmware/device.h share/comframe/firmware/src/device.c
          share/cmake/comframe_firmware/comframe_firmwareConfig.cmake)
  if(NOT EXISTS ${WORK_DIR}/prefix/${f})
    message(FATAL_ERROR "the install did not write ${f}:\n${out}")
  endif()
endforeach()
if(EXISTS ${WORK_DIR}/prefix/lib OR EXISTS ${WORK_DIR}/prefix/bin)
  message(FATAL_ERROR "the firmware component installed more than the kit:\n${out}")
endif()

function(build name)
  execute_process(COMMAND ${CMAKE_COMMAND} -S ${SOURCE_DIR}/firmware_project -B ${WORK_DIR}/${name}
                          -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix ${ARGN}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(rc)
    message(FATAL_ERROR "configuring the firmware consumer (${name}) failed:\n${out}")
  endif()
  execute_process(COMMAND ${CMAKE_COMMAND} --build ${WORK_DIR}/${name} RESULT_VARIABLE rc OUTPUT_VARIABLE out
                  ERROR_VARIABLE out)
  if(rc)
    message(FATAL_ERROR "building the firmware consumer (${name}) failed:\n${out}")
  endif()
endfunction()

build(host)
foreach(program firmware_consumer firmware_consumer_tableless)
  execute_process(COMMAND ${WORK_DIR}/host/${program} RESULT_VARIABLE rc OUTPUT_VARIABLE out)
  set(expected "crc e3069283 slots 4 reply 7 9 describe 1\n")
  if(program STREQUAL "firmware_consumer")
    set(expected "crc e3069283 slots 2 reply 7 9 describe 1\n")
  endif()
  if(NOT rc EQUAL 0 OR NOT out STREQUAL expected)
    message(FATAL_ERROR "${program} ran with status ${rc} and printed: ${out}(expected: ${expected})")
  endif()
  message(STATUS "${program} built against the installed kit and printed: ${out}")
endforeach()

find_program(ARM_GCC arm-none-eabi-gcc)
if(ARM_GCC)
  build(cortex_m3 -DKIT_ONLY=ON -DCMAKE_SYSTEM_NAME=Generic -DCMAKE_SYSTEM_PROCESSOR=arm
        -DCMAKE_C_COMPILER=${ARM_GCC} "-DCMAKE_C_FLAGS=-mcpu=cortex-m3 -mthumb -Os -ffreestanding"
        -DCMAKE_TRY_COMPILE_TARGET_TYPE=STATIC_LIBRARY)
  message(STATUS "the installed kit cross-compiled for a Cortex-M3 with ${ARM_GCC}")
else()
  message(STATUS "arm-none-eabi-gcc is not installed: the Cortex-M3 build of the installed kit was not tried")
endif()
