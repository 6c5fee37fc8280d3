# `pimlab run --mode overlap` on a platform with CIM tiles (docs/serving.md,
# "CIM tiles" and "`overlap` on the GPU-host systems"): properties derived from
# the schedule, checked on the run's own JSON.
#   -DPIMLAB=path   -DARGS="run|--model|...|--json|-" (without --mode; '|'-separated)
#   -DSUB=N         the sub-batch count of the overlap run
# Checks:
#  - the overlap run twice gives identical documents (determinism);
#  - it ran in mode overlap with N sub-batches and CIM time ran under host work
#    (0 < stats.cim.hidden_s <= stats.cim.time_s);
#  - the generation time (the sum of the iterations' makespans) is at most the
#    busy times of host, PIM and CIM added, and at least each of them;
#  - with no PIM: generation time = host busy + CIM busy - CIM time hidden
#    (no moment idle, host and tiles the only resources);
#  - the categories add up to the generation time;
#  - the CIM energy is the serial run's (the same rows / FFN token rows);
#  - one sub-batch is the serial run: generation time, energy, CIM time.
# Tolerance: relative 1e-9, the rounding of the double sums over 127 iterations
# (and of the busy times rebuilt from utilisation fractions).
cmake_minimum_required(VERSION 3.22)
string(REPLACE "|" ";" args "${ARGS}")
function(run_json var)
  execute_process(COMMAND ${PIMLAB} ${args} ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "pimlab ${ARGS} ${ARGN}: exit status ${rc}\n${err}")
  endif()
  set(${var} "${out}" PARENT_SCOPE)
endfunction()
# Fails unless the awk condition on g (got) and w (want) holds.
function(expect what got want cond)
  execute_process(COMMAND awk "BEGIN { g = ${got}; w = ${want}; exit !(${cond}) }" RESULT_VARIABLE bad)
  if(bad)
    message(FATAL_ERROR "${what}: got ${got}, expected ${cond} with w = ${want}")
  endif()
endfunction()
set(near "(g - w <= 1e-9 * w && w - g <= 1e-9 * w)")

run_json(serial --mode serial)
run_json(one --mode overlap --sub-batches 1)
run_json(over --mode overlap --sub-batches ${SUB})
run_json(over2 --mode overlap --sub-batches ${SUB})
if(NOT over STREQUAL over2)
  message(FATAL_ERROR "two runs of the same configuration differ")
endif()

string(JSON mode GET "${over}" stats hardware mode)
string(JSON sb GET "${over}" stats hardware sub_batches)
if(NOT mode STREQUAL "overlap" OR NOT sb STREQUAL "${SUB}")
  message(FATAL_ERROR "stats.hardware.mode = ${mode}, sub_batches = ${sb}; expected overlap, ${SUB}")
endif()
string(JSON gen GET "${over}" stats generation_time_s)
string(JSON uh GET "${over}" stats utilisation host_busy)
string(JSON up GET "${over}" stats utilisation pim_busy)
string(JSON uc GET "${over}" stats utilisation cim_busy)
string(JSON ct GET "${over}" stats cim time_s)
string(JSON hidden GET "${over}" stats cim hidden_s)
string(JSON ce GET "${over}" stats cim energy_j)
expect("stats.cim.hidden_s" ${hidden} ${ct} "g > 0 && g <= w * (1 + 1e-9)")
expect("utilisation.cim_busy x generation time" "${uc} * ${gen}" ${ct} "${near}")
expect("generation time against the busy times added"
       ${gen} "(${uh} + ${up} + ${uc}) * ${gen}" "g <= w * (1 + 1e-9)")
foreach(u host_busy ${uh} pim_busy ${up} cim_busy ${uc})
  if(u MATCHES "^[a-z]")
    set(name ${u})
    continue()
  endif()
  expect("generation time against utilisation.${name}" ${gen} "${u} * ${gen}" "g >= w * (1 - 1e-9)")
endforeach()
expect("pim_busy" ${up} 0 "g >= 0")
execute_process(COMMAND awk "BEGIN { exit !(${up} == 0) }" RESULT_VARIABLE has_pim)
if(NOT has_pim)
  expect("generation time = host busy + CIM busy - CIM hidden" ${gen} "${uh} * ${gen} + ${ct} - ${hidden}" "${near}")
endif()
string(JSON n LENGTH "${over}" stats breakdown)
set(sum "0")
math(EXPR last "${n} - 1")
foreach(i RANGE ${last})
  string(JSON cat MEMBER "${over}" stats breakdown ${i})
  string(JSON t GET "${over}" stats breakdown ${cat} time_s)
  set(sum "${sum} + ${t}")
endforeach()
expect("categories added up" "${sum}" ${gen} "${near}")

string(JSON se GET "${serial}" stats cim energy_j)
expect("CIM energy against the serial run" ${ce} ${se} "${near}")
foreach(key "generation_time_s" "energy_j" "tokens_per_s")
  string(JSON a GET "${serial}" stats ${key})
  string(JSON b GET "${one}" stats ${key})
  expect("one sub-batch: ${key} against the serial run" ${b} ${a} "${near}")
endforeach()
string(JSON a GET "${serial}" stats cim time_s)
string(JSON b GET "${one}" stats cim time_s)
expect("one sub-batch: stats.cim.time_s against the serial run" ${b} ${a} "${near}")
string(JSON b GET "${one}" stats cim hidden_s)
expect("one sub-batch: stats.cim.hidden_s" ${b} 0 "g == 0")
