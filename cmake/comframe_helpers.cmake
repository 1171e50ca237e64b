# Shared settings for every comframe target.
function(comframe_target_defaults target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic)
  if(COMFRAME_SANITIZE)
    target_compile_options(${target} PRIVATE -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
    target_link_options(${target} PRIVATE -fsanitize=address,undefined)
  endif()
  if(COMFRAME_TSAN)
    target_compile_options(${target} PRIVATE -fsanitize=thread -fno-omit-frame-pointer)
    target_link_options(${target} PRIVATE -fsanitize=thread)
  endif()
  if(COMFRAME_COVERAGE)  # clang's source-based coverage (scripts/fuzz_coverage.sh)
    target_compile_options(${target} PRIVATE -fprofile-instr-generate -fcoverage-mapping)
    target_link_options(${target} PRIVATE -fprofile-instr-generate)
  endif()
  if(COMFRAME_FUZZ)  # libFuzzer's coverage instrumentation everywhere; fuzz/ links the fuzzer itself
    target_compile_options(${target} PRIVATE -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
                                             -fno-sanitize-recover=undefined)
    target_link_options(${target} PRIVATE -fsanitize=address,undefined)
  endif()
endfunction()

# comframe_add_layer(NAME core SOURCES ... DEPENDS ...): one library per layer,
# exported as comframe::NAME, public headers under NAME/include.
function(comframe_add_layer)
  cmake_parse_arguments(L "" "NAME;DIR" "SOURCES;PUBLIC_DEPENDS;PRIVATE_DEPENDS" ${ARGN})
  set(target comframe_${L_NAME})
  add_library(${target} ${L_SOURCES})
  add_library(comframe::${L_NAME} ALIAS ${target})
  set_target_properties(${target} PROPERTIES
    EXPORT_NAME ${L_NAME}
    OUTPUT_NAME comframe_${L_NAME}
    POSITION_INDEPENDENT_CODE ON)
  target_include_directories(${target} PUBLIC
    $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  target_compile_features(${target} PUBLIC cxx_std_20)
  target_link_libraries(${target} PUBLIC ${L_PUBLIC_DEPENDS} PRIVATE ${L_PRIVATE_DEPENDS})
  comframe_target_defaults(${target})
  install(TARGETS ${target} EXPORT comframeTargets
    ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
    LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
    RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
  install(DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR}/include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
endfunction()

# comframe_add_test(NAME SOURCES ... LIBS ...): one gtest executable, registered with CTest.
function(comframe_add_test name)
  cmake_parse_arguments(T "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE ${T_LIBS} GTest::gtest GTest::gtest_main)
  comframe_target_defaults(${name})
  set_property(GLOBAL APPEND PROPERTY COMFRAME_TEST_PROGRAMS ${name})
  # Each test is labelled with its program's name: `ctest -L '^transport_tests$'` runs one
  # program's tests, `ctest -L '_tests$'` those of every folder's program.
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 PROPERTIES TIMEOUT 300 LABELS ${name})
endfunction()

# comframe_add_test_dir(PREFIX LIBS … [DEFINITIONS …] [DEPENDS …] [ALONE stem …]):
# the *_test.cpp of the calling folder make one test program PREFIX_tests, a unity
# build: CMake puts COMFRAME_TEST_UNITY_BATCH files in each translation unit, so the
# headers and templates they share are compiled once per batch, not once per file
# (under ASan a folder compiles in about half the time). So that the files of a
# batch do not clash, each keeps its code in a namespace named after it
# (`namespace frame_channel_test { … }`, after its #includes); a specialization of
# a library template goes outside it. A file named in ALONE (its stem, as
# codegen_thermo_test) is a program of its own, PREFIX_<stem>, for sources or flags of
# its own. Every program can include "support/…" and "<layer>/…" from tests/ and knows
# the source tree as COMFRAME_SOURCE_DIR. With COMFRAME_TEST_SELECT set (paths under
# tests/, as in scripts/tsan_tests.txt) only the files it names are built.
set(COMFRAME_TEST_UNITY_BATCH 6 CACHE STRING "Test files per translation unit of a folder's test program (0: all)")
function(comframe_add_test_dir prefix)
  cmake_parse_arguments(T "" "" "LIBS;DEFINITIONS;DEPENDS;ALONE" ${ARGN})
  file(GLOB sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*_test.cpp)
  set(merged)
  set(programs)
  foreach(src ${sources})
    get_filename_component(stem ${src} NAME_WE)
    file(RELATIVE_PATH rel ${PROJECT_SOURCE_DIR}/tests ${src})
    if(DEFINED COMFRAME_TEST_SELECT AND NOT rel IN_LIST COMFRAME_TEST_SELECT)
      continue()
    endif()
    if(stem IN_LIST T_ALONE)
      comframe_add_test(${prefix}_${stem} SOURCES ${src} LIBS ${T_LIBS})
      list(APPEND programs ${prefix}_${stem})
    else()
      list(APPEND merged ${src})
    endif()
  endforeach()
  if(merged)
    comframe_add_test(${prefix}_tests SOURCES ${merged} LIBS ${T_LIBS})
    set_target_properties(${prefix}_tests PROPERTIES UNITY_BUILD ON UNITY_BUILD_BATCH_SIZE ${COMFRAME_TEST_UNITY_BATCH})
    list(APPEND programs ${prefix}_tests)
  endif()
  foreach(target ${programs})
    target_include_directories(${target} PRIVATE ${PROJECT_SOURCE_DIR}/tests)
    target_compile_definitions(${target} PRIVATE COMFRAME_SOURCE_DIR="${PROJECT_SOURCE_DIR}" ${T_DEFINITIONS})
    if(T_DEPENDS)
      add_dependencies(${target} ${T_DEPENDS})
    endif()
  endforeach()
endfunction()
