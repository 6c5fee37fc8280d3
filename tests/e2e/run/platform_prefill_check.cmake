# `pimlab run --prefill whole --platform FILE --platform-drives` (-DPIMLAB, -DARGS '|'-separated):
# a fixed batch of two requests at t = 0, one prefill pass and one decode
# iteration, both on the platform. Checks: the pass is listed (2 requests, 126
# tokens); the run's prefill time is its platform time and differs from the
# back-end's (the platform ran it); both requests' time to first token is that
# time (admitted at 0, first token at the end of the pass); the decode
# iteration follows it and the end-to-end time is their sum (relative 1e-12).
cmake_minimum_required(VERSION 3.22)
string(REPLACE "|" ";" args "${ARGS}")
execute_process(COMMAND ${PIMLAB} ${args} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "pimlab ${ARGS}: exit status ${rc}\n${err}")
endif()
string(JSON n LENGTH "${out}" stats platform prefill)
string(JSON reqs GET "${out}" stats platform prefill 0 requests)
string(JSON tokens GET "${out}" stats platform prefill 0 tokens)
if(NOT n EQUAL 1 OR NOT reqs EQUAL 2 OR NOT tokens EQUAL 126)
  message(FATAL_ERROR "stats.platform.prefill: ${n} passes, the first of ${reqs} requests and ${tokens} tokens; expected 1, 2, 126")
endif()
# The run's prefill figure (stats.<run_key>) is the platform's (stats.platform.prefill.0.<key>), not the back-end's.
function(check_platform_figure run_key key)
  string(JSON v GET "${out}" stats ${run_key})
  string(JSON v_plat GET "${out}" stats platform prefill 0 platform_${key})
  string(JSON v_be GET "${out}" stats platform prefill 0 backend_${key})
  if(NOT v STREQUAL v_plat OR v STREQUAL v_be)
    message(FATAL_ERROR "${run_key} ${v}: the platform's is ${v_plat}, the back-end's ${v_be}")
  endif()
endfunction()
check_platform_figure(prefill_time_s s)
check_platform_figure(prefill_energy_j energy_j)  # an NPU system's energy: the platform's count
string(JSON pre GET "${out}" stats prefill_time_s)
string(JSON pre_be GET "${out}" stats platform prefill 0 backend_s)
string(JSON ttft50 GET "${out}" stats ttft_s p50)
string(JSON ttft99 GET "${out}" stats ttft_s p99)
string(JSON dec GET "${out}" stats generation_time_s)
string(JSON e2e GET "${out}" stats end_to_end_time_s)
execute_process(COMMAND awk "BEGIN {
  p = ${pre}; bad = 0
  if (${ttft50} != p || ${ttft99} != p) { print \"time to first token ${ttft50} / ${ttft99} s, the prefill pass took \" p \" s\"; bad = 1 }
  s = p + ${dec}; e = ${e2e}
  if ((e - s > 1e-12 * s) || (s - e > 1e-12 * s)) { print \"end to end \" e \" s, prefill + decode \" s \" s\"; bad = 1 }
  exit bad }" RESULT_VARIABLE bad OUTPUT_VARIABLE why)
if(bad)
  message(FATAL_ERROR "${why}")
endif()
message(STATUS "prefill on the platform ${pre} s (back-end ${pre_be} s), decode ${dec} s")
