# Runs the coverage build of the bench on each test, merges the coverage
# files with verilator_coverage, writes an annotated copy of the RTL and
# prints line and toggle coverage (cov_summary.py).
#   cmake -DEXE=<pim_pu_tb_cov> -DTESTS=<;-list> -DOUT=<dir> -DRTL_DIR=<rtl dir>
#         -DMIN_LINE=<percent> -P coverage.cmake
file(REMOVE_RECURSE ${OUT})
file(MAKE_DIRECTORY ${OUT})
set(dats)
set(seed 1)
foreach(t IN LISTS TESTS)
  set(ENV{PIM_PU_COV_FILE} ${OUT}/${t}.dat)
  execute_process(COMMAND ${EXE} --test ${t} --seed ${seed} --comps 20000 +verilator+rand+reset+2 +verilator+seed+${seed}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "coverage run of test ${t} failed (${rc}):\n${out}${err}")
  endif()
  list(APPEND dats ${OUT}/${t}.dat)
  math(EXPR seed "${seed} + 1")
endforeach()
execute_process(COMMAND verilator_coverage --write ${OUT}/merged.dat ${dats} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "verilator_coverage --write failed")
endif()
execute_process(COMMAND verilator_coverage --annotate ${OUT}/annotated --annotate-min 1 ${OUT}/merged.dat
                OUTPUT_VARIABLE ann RESULT_VARIABLE rc)
message("${ann}annotated sources: ${OUT}/annotated")
get_filename_component(here ${CMAKE_CURRENT_LIST_FILE} DIRECTORY)
execute_process(COMMAND python3 ${here}/cov_summary.py ${OUT}/merged.dat --min-line ${MIN_LINE} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "line coverage below ${MIN_LINE} %")
endif()
