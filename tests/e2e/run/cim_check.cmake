# `pimlab run` with CIM tiles on the platform: stats.cim against the CIM core's
# own figures, computed apart from the run.
#   -DPIMLAB=path   -DARGS="run|--model|...|--json|-"  (the run, '|'-separated)
#   softmax: -DLENS="101,102" -DCORES=4 -DTIME_FACTOR=N -DENERGY_FACTOR=M
#     expected time_s = sum over LENS of N x the cycles of `pimlab cim softmax --len L --cores CORES` ns,
#     expected energy_j = sum over LENS of M x its energy_pj
#     plus -DLINK_TIME_S=t, the host-to-tiles link's share of the time (derived in CMakeLists.txt)
#   FFN (derived by hand in CMakeLists.txt): -DEXPECT_TIME_S=x -DEXPECT_ENERGY_J=y
#   both: -DTRANSFER_S=t -DTRANSFER_BYTES=b, the link's stats.cim.transfer_s and transfer_bytes
#   -DPLACE=softmax|ffn   -DOPERATORS="[\"attention_softmax\"]"
# The run is done twice and must give identical documents (determinism).
# Tolerance: relative 1e-9, the rounding of the double sums.
cmake_minimum_required(VERSION 3.22)
include(${CMAKE_CURRENT_LIST_DIR}/../run_twice.cmake)
pimlab_run_twice(out)
string(JSON place GET "${out}" stats cim place)
string(JSON time GET "${out}" stats cim time_s)
string(JSON energy GET "${out}" stats cim energy_j)
string(JSON ops GET "${out}" stats cim operators)
string(JSON by_place GET "${out}" stats energy_by_place_j cim)
string(JSON transfer_s GET "${out}" stats cim transfer_s)
string(JSON transfer_bytes GET "${out}" stats cim transfer_bytes)
if(NOT place STREQUAL PLACE)
  message(FATAL_ERROR "stats.cim.place = ${place}, expected ${PLACE}")
endif()
string(REGEX REPLACE "[ \n]" "" ops "${ops}")
if(NOT ops STREQUAL OPERATORS)
  message(FATAL_ERROR "stats.cim.operators = ${ops}, expected ${OPERATORS}")
endif()
if(DEFINED LENS)
  set(want_t "${LINK_TIME_S}")
  set(want_e "0")
  string(REPLACE "," ";" lens "${LENS}")
  foreach(L IN LISTS lens)
    execute_process(COMMAND ${PIMLAB} cim softmax --len ${L} --cores ${CORES} --json - RESULT_VARIABLE rc OUTPUT_VARIABLE s)
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR "pimlab cim softmax --len ${L}: exit status ${rc}")
    endif()
    string(JSON cyc GET "${s}" cycles)
    string(JSON epj GET "${s}" energy_pj)
    set(want_t "${want_t} + ${TIME_FACTOR} * ${cyc} * 1e-9")
    set(want_e "${want_e} + ${ENERGY_FACTOR} * ${epj} * 1e-12")
  endforeach()
else()
  set(want_t "${EXPECT_TIME_S}")
  set(want_e "${EXPECT_ENERGY_J}")
endif()
foreach(pair "time_s;${time};${want_t}" "energy_j;${energy};${want_e}" "energy_by_place_j.cim;${by_place};${want_e}"
             "transfer_s;${transfer_s};${TRANSFER_S}" "transfer_bytes;${transfer_bytes};${TRANSFER_BYTES}")
  list(GET pair 0 what)
  list(GET pair 1 got)
  list(GET pair 2 want)
  execute_process(COMMAND awk "BEGIN { g = ${got}; w = ${want}; d = g - w; if (d < 0) d = -d; exit !(w > 0 && d <= 1e-9 * w) }"
                  RESULT_VARIABLE bad)
  if(bad)
    message(FATAL_ERROR "stats.cim ${what} = ${got}, expected ${want}")
  endif()
endforeach()
