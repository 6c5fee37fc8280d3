# `pimlab run --platform`: a run's decode iterations executed on the SystemC
# platform, checked against the separate commands a user would chain
# (`pimlab platform FILE --program DIR` on the program `pimlab compile` wrote
# for the run's first decode iteration) and against itself.
#   -DPIMLAB=path  -DARGS="run|--model|...|--json|-"  (the run, '|'-separated; --platform-iterations all)
#   -DPLATFORM=file  -DPROGRAM=dir  (the first decode iteration, compiled)  -DITERATIONS=N (decode iterations)
# Checks: the run twice gives identical documents (determinism); iteration 1's
# platform time is bit for bit the one `pimlab platform --program` gives (the
# same compiler, driver and platform: no tolerance); every decode iteration
# is listed in order with its back-end time equal to the run's own iteration
# time; generation_time_s is the sum of the iterations' platform times and
# tokens_per_s the run's tokens over it (relative 1e-12: the rounding of a sum
# of doubles).
cmake_minimum_required(VERSION 3.22)
include(${CMAKE_CURRENT_LIST_DIR}/../run_twice.cmake)
pimlab_run_twice(out)
execute_process(COMMAND ${PIMLAB} platform ${PLATFORM} --program ${PROGRAM} --first-instances --json -
                RESULT_VARIABLE rc OUTPUT_VARIABLE alone ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "pimlab platform --program: exit status ${rc}\n${err}")
endif()
string(JSON want GET "${alone}" iteration iteration_time_s)
string(JSON n LENGTH "${out}" stats platform iterations)
if(NOT n EQUAL ITERATIONS)
  message(FATAL_ERROR "stats.platform.iterations has ${n} entries, expected ${ITERATIONS}")
endif()
string(JSON got GET "${out}" stats platform iterations 0 platform_s)
if(NOT got STREQUAL want)
  message(FATAL_ERROR "iteration 1 on the platform: ${got} s in the run, ${want} s by pimlab platform --program")
endif()
string(JSON per_it GET "${out}" stats iteration_time_s)
set(sum 0)
math(EXPR last "${n} - 1")
foreach(i RANGE ${last})
  string(JSON it GET "${out}" stats platform iterations ${i} iteration)
  math(EXPR want_it "${i} + 1")
  if(NOT it EQUAL want_it)
    message(FATAL_ERROR "stats.platform.iterations.${i}.iteration = ${it}, expected ${want_it}")
  endif()
  string(JSON p GET "${out}" stats platform iterations ${i} platform_s)
  string(JSON b GET "${out}" stats platform iterations ${i} backend_s)
  set(sum "${sum} + ${p}")
  set(backend_list "${backend_list} ${b}")
endforeach()
string(JSON gen GET "${out}" stats platform generation_time_s)
string(JSON tps GET "${out}" stats platform tokens_per_s)
string(JSON tokens GET "${out}" stats decode_tokens)
string(JSON backend_gen GET "${out}" stats generation_time_s)
execute_process(COMMAND awk "BEGIN {
  s = ${sum}; bad = 0
  if (s <= 0 || (${gen} - s > 1e-12 * s) || (s - ${gen} > 1e-12 * s)) { print \"generation_time_s ${gen} is not the sum \" s; bad = 1 }
  t = ${tokens} / s; if ((${tps} - t > 1e-12 * t) || (t - ${tps} > 1e-12 * t)) { print \"tokens_per_s ${tps}, expected \" t; bad = 1 }
  n = split(\"${backend_list}\", b, \" \"); bs = 0; for (i = 1; i <= n; ++i) bs += b[i]
  g = ${backend_gen}; if ((bs - g > 1e-12 * g) || (g - bs > 1e-12 * g)) { print \"back-end times sum to \" bs \", the run's generation_time_s is \" g; bad = 1 }
  exit bad }" RESULT_VARIABLE bad OUTPUT_VARIABLE why)
if(bad)
  message(FATAL_ERROR "${why}")
endif()
message(STATUS "iteration 1: ${got} s on the platform (as pimlab platform --program); generation ${gen} s, back-end ${backend_gen} s")
