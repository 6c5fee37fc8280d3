# Helpers shared by every folder's CMakeLists.txt.

# Adds every immediate subfolder of the current folder that has a CMakeLists.txt.
function(pimlab_add_subdirectories)
  file(GLOB children LIST_DIRECTORIES true RELATIVE ${CMAKE_CURRENT_SOURCE_DIR} ${CMAKE_CURRENT_SOURCE_DIR}/*)
  list(SORT children)
  foreach(child IN LISTS children)
    if(IS_DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR}/${child} AND EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/${child}/CMakeLists.txt)
      add_subdirectory(${child})
    endif()
  endforeach()
endfunction()

# pimlab_unit_test(NAME name SOURCES a.cpp ... LIBS lib ... [LABELS l ...])
# A Catch2 test binary of pure C++ cores (no SystemC); each TEST_CASE becomes
# one ctest test, labelled `unit` plus LABELS.
function(pimlab_unit_test)
  cmake_parse_arguments(T "" "NAME" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${T_NAME} ${T_SOURCES})
  target_link_libraries(${T_NAME} PRIVATE pimlab_catch_main pimlab_options ${T_LIBS})
  set_property(GLOBAL APPEND PROPERTY PIMLAB_UNIT_TESTS ${T_NAME})
  # Labels are set from a second include file: a list passed through
  # catch_discover_tests(PROPERTIES LABELS "a;b") reaches set_tests_properties
  # split into separate arguments, so only the first label would stick.
  # --warn NoTests: a case the test's spec does not reach fails instead of
  # passing with "No tests ran" (a ';' in a TEST_CASE name splits it, as a
  # CMake list, into a spec that matches nothing).
  catch_discover_tests(${T_NAME} TEST_PREFIX "${T_NAME}: " TEST_LIST ${T_NAME}_TESTS EXTRA_ARGS --warn NoTests)
  set(labels unit ${T_LABELS})
  file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/${T_NAME}_labels.cmake
    "if(${T_NAME}_TESTS)\n  set_tests_properties(\${${T_NAME}_TESTS} PROPERTIES LABELS \"${labels}\")\nendif()\n")
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES ${CMAKE_CURRENT_BINARY_DIR}/${T_NAME}_labels.cmake)
endfunction()

# pimlab_bench(<area> SOURCES a.cpp ... LIBS lib ... [ARGS arg ...] [SCRIPT file.cmake] [COMMENT text])
# The speed bench of one component: executable pimlab_bench_<area> built from
# the component's bench_<area>.cpp, custom target bench_<area> that runs it
# (with ARGS, or through SCRIPT, which gets -DBENCH=<executable>), registered
# in the top-level `bench` target. It runs under the heap policy of every
# pimlab executable (sc_models/core/process/heap_policy.h).
function(pimlab_bench area)
  cmake_parse_arguments(B "" "SCRIPT;COMMENT" "SOURCES;LIBS;ARGS" ${ARGN})
  add_executable(pimlab_bench_${area} ${B_SOURCES})
  target_link_libraries(pimlab_bench_${area} PRIVATE ${B_LIBS} pimlab_heap_policy pimlab_options)
  if(B_SCRIPT)
    set(cmd ${CMAKE_COMMAND} -DBENCH=$<TARGET_FILE:pimlab_bench_${area}> -P ${B_SCRIPT})
  else()
    set(cmd $<TARGET_FILE:pimlab_bench_${area}> ${B_ARGS})
  endif()
  if(NOT B_COMMENT)
    set(B_COMMENT "bench_${area}")
  endif()
  add_custom_target(bench_${area} COMMAND ${cmd} DEPENDS pimlab_bench_${area} USES_TERMINAL COMMENT "${B_COMMENT}")
  set_property(GLOBAL APPEND PROPERTY PIMLAB_BENCH_TARGETS bench_${area})
endfunction()

# pimlab_e2e(<group> <name> ARGS arg ... [PREFIX word] [EXPECT_RC n] [JSON "k=v|k=v"] [JSON_ONLY]
#            [STDOUT_MATCH re] [STDERR_MATCH re] [FILE_FIRST_LINES "file|ref|N"] [INPUT_FILE f]
#            [LABELS l ...])
# An end-to-end test e2e_<group>.<name>: runs `pimlab [PREFIX] ARGS` and checks
# its exit status, outputs and JSON keys with tests/e2e/run_check.cmake;
# labels `e2e` plus LABELS.
function(pimlab_e2e group name)
  cmake_parse_arguments(E "JSON_ONLY" "PREFIX;EXPECT_RC;JSON;STDOUT_MATCH;STDERR_MATCH;FILE_FIRST_LINES;INPUT_FILE"
                        "ARGS;LABELS" ${ARGN})
  set(args ${E_PREFIX} ${E_ARGS})
  list(JOIN args "|" cmd)
  set(defs -DCMD=$<TARGET_FILE:pimlab>|${cmd})
  foreach(k EXPECT_RC JSON STDOUT_MATCH STDERR_MATCH FILE_FIRST_LINES INPUT_FILE)
    if(DEFINED E_${k})
      list(APPEND defs "-D${k}=${E_${k}}")
    endif()
  endforeach()
  if(E_JSON_ONLY)
    list(APPEND defs -DJSON_ONLY=1)
  endif()
  add_test(NAME e2e_${group}.${name} COMMAND ${CMAKE_COMMAND} ${defs} -P ${PROJECT_SOURCE_DIR}/tests/e2e/run_check.cmake)
  set(labels e2e ${E_LABELS})
  set_tests_properties(e2e_${group}.${name} PROPERTIES LABELS "${labels}")
endfunction()
