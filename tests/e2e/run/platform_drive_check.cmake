# `pimlab run --platform FILE --platform-drives`: the serving loop on the
# platform's iteration times, checked against the same run whose loop keeps
# the back-end's times (report mode) and against itself.
#   -DPIMLAB=path  -DARGS="run|...|--platform|FILE|--json|-"  ('|'-separated, without the mode options)
#   -DARRIVAL=s  (when the trace's third request arrives)
# The trace puts that arrival between the end of the first decode iteration as
# the back-end times it and as the platform does (the premise, checked first),
# so the two loops must differ in exactly this way:
#  - the loop whose first iteration ends at or after the arrival admits the
#    third request at the second iteration (2 decode iterations, peak batch 3);
#    the other only after the first two are done (3 iterations, peak batch 2);
#  - the first iteration is the same program on a fresh platform in both runs:
#    its platform time is the same bit for bit;
#  - driven, the run's generation time is the platform's (stats.platform
#    platform_s, its generation_time_s: the same sum), the categories add up to
#    it (relative 1e-12: sums of doubles in another order), and the third
#    request's time to first token is the end of the driven iteration that
#    admits it (the first, or the first two, on the platform) less its
#    arrival (the loop's clock; 1e-12 likewise);
#  - energy (an NPU system): the first iteration's platform energy is the same
#    bit for bit in both runs; driven, the run's energy is the platform's
#    (stats.platform platform_energy_j, relative 1e-12) and not the
#    back-end's, and the categories' energies add up to it (1e-12);
#  - the driven run twice gives identical documents.
cmake_minimum_required(VERSION 3.22)
include(${CMAKE_CURRENT_LIST_DIR}/../run_twice.cmake)
set(base "${ARGS}")
set(ARGS "${base}|--platform-drives|--platform-first-instances")
pimlab_run_twice(drive)
string(REPLACE "|" ";" args "${base}|--platform-iterations|1|--platform-first-instances")
execute_process(COMMAND ${PIMLAB} ${args} RESULT_VARIABLE rc OUTPUT_VARIABLE report ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "pimlab ${base} --platform-iterations 1: exit status ${rc}\n${err}")
endif()
string(JSON b1 GET "${report}" stats platform iterations 0 backend_s)
string(JSON p1_report GET "${report}" stats platform iterations 0 platform_s)
string(JSON p1 GET "${drive}" stats platform iterations 0 platform_s)
execute_process(COMMAND awk "BEGIN { exit !(${b1} < ${ARRIVAL} && ${ARRIVAL} <= ${p1}) }" RESULT_VARIABLE rc_backend_first)  # 0: the back-end is faster
execute_process(COMMAND awk "BEGIN { exit !(${p1} < ${ARRIVAL} && ${ARRIVAL} <= ${b1}) }" RESULT_VARIABLE rc_platform_first)  # 0: the platform is
if(rc_backend_first AND rc_platform_first)
  message(FATAL_ERROR "premise: the arrival ${ARRIVAL} s must lie between the first iteration's back-end time ${b1} s "
                      "and its platform time ${p1} s; choose another arrival in tests/data/serving/platform/arrivals.csv")
endif()
if(rc_backend_first EQUAL 0)  # b1 < arrival <= p1: the driven loop admits it at the second iteration
  set(expect "drive,2,3" "report,3,2")
  set(admitted "${p1}")
else()  # p1 < arrival <= b1: the report loop does; the driven one after two iterations
  set(expect "drive,3,2" "report,2,3")
  string(JSON p2 GET "${drive}" stats platform iterations 1 platform_s)
  set(admitted "${p1} + ${p2}")
endif()
if(NOT p1 STREQUAL p1_report)
  message(FATAL_ERROR "the first iteration on the platform: ${p1} s driven, ${p1_report} s in report mode")
endif()
string(JSON e1 GET "${drive}" stats platform iterations 0 platform_energy_j)
string(JSON e1_report GET "${report}" stats platform iterations 0 platform_energy_j)
if(NOT e1 STREQUAL e1_report)
  message(FATAL_ERROR "the first iteration's energy on the platform: ${e1} J driven, ${e1_report} J in report mode")
endif()
foreach(item ${expect})
  string(REPLACE "," ";" pair "${item}")
  list(GET pair 0 which)
  list(GET pair 1 want_its)
  list(GET pair 2 want_peak)
  string(JSON its GET "${${which}}" stats decode_iterations)
  string(JSON peak GET "${${which}}" stats peak_batch)
  if(NOT its EQUAL want_its OR NOT peak EQUAL want_peak)
    message(FATAL_ERROR "${which}: ${its} decode iterations, peak batch ${peak}; expected ${want_its} and ${want_peak}")
  endif()
endforeach()
string(JSON gen GET "${drive}" stats generation_time_s)
string(JSON plat GET "${drive}" stats platform platform_s)
string(JSON plat_gen GET "${drive}" stats platform generation_time_s)
if(NOT gen STREQUAL plat OR NOT gen STREQUAL plat_gen)
  message(FATAL_ERROR "driven: generation_time_s ${gen}, stats.platform.platform_s ${plat}, its generation_time_s ${plat_gen}")
endif()
string(JSON ncat LENGTH "${drive}" stats breakdown)
set(cats 0)
set(cat_energy 0)
math(EXPR last "${ncat} - 1")
foreach(i RANGE ${last})
  string(JSON name MEMBER "${drive}" stats breakdown ${i})
  string(JSON t GET "${drive}" stats breakdown ${name} time_s)
  string(JSON ej GET "${drive}" stats breakdown ${name} energy_j)
  set(cats "${cats} + ${t}")
  set(cat_energy "${cat_energy} + ${ej}")
endforeach()
string(JSON energy GET "${drive}" stats energy_j)
string(JSON plat_energy GET "${drive}" stats platform platform_energy_j)
string(JSON be_energy GET "${drive}" stats platform backend_energy_j)
string(JSON ttft GET "${drive}" stats ttft_s p99)
execute_process(COMMAND awk "BEGIN {
  g = ${gen}; c = ${cats}; bad = 0
  if ((c - g > 1e-12 * g) || (g - c > 1e-12 * g)) { print \"the categories add up to \" c \" s, the generation time is \" g \" s\"; bad = 1 }
  e = ${energy}; pe = ${plat_energy}; ce = ${cat_energy}
  if ((e - pe > 1e-12 * pe) || (pe - e > 1e-12 * pe)) { print \"energy_j \" e \" J, the platform's \" pe \" J\"; bad = 1 }
  if (e == ${be_energy}) { print \"energy_j \" e \" J is the back-end's\"; bad = 1 }
  if ((ce - e > 1e-12 * e) || (e - ce > 1e-12 * e)) { print \"the categories' energies add up to \" ce \" J, energy_j is \" e \" J\"; bad = 1 }
  w = ${admitted} - ${ARRIVAL}; t = ${ttft}
  if ((t - w > 1e-12 * w) || (w - t > 1e-12 * w)) { print \"time to first token p99 \" t \" s, expected \" w \" s\"; bad = 1 }
  exit bad }" RESULT_VARIABLE bad OUTPUT_VARIABLE why)
if(bad)
  message(FATAL_ERROR "${why}")
endif()
message(STATUS "first iteration: back-end ${b1} s, platform ${p1} s; driven: generation ${gen} s")
