# cmake -DPIMLAB=<pimlab> -DCASE=<case> -DWORK=<dir> -P check_accuracy.cmake
# Runs `pimlab accuracy` and checks exit status and output.
cmake_minimum_required(VERSION 3.22)
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})

# run(<out-var> <expected-exit> args...): runs pimlab, sets <out-var> (stdout)
# and <out-var>_ERR (stderr), fails on another exit status.
function(run var want)
  execute_process(COMMAND ${PIMLAB} ${ARGN} WORKING_DIRECTORY ${WORK}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL want)
    message(FATAL_ERROR "pimlab ${ARGN}: exit ${rc}, expected ${want}\nstdout:\n${out}\nstderr:\n${err}")
  endif()
  set(${var} "${out}" PARENT_SCOPE)
  set(${var}_ERR "${err}" PARENT_SCOPE)
endfunction()

# The table rows: "<name> <bits> <o max> <o mean> <state>" in the given order.
function(check_rows text)
  set(num "[0-9]\\.[0-9][0-9][0-9]e[-+][0-9][0-9]")
  string(REGEX MATCH "\nformat +bits/elem +o rel err max +o rel err mean +state rel err\n" hdr "${text}")
  if(NOT hdr)
    message(FATAL_ERROR "table header missing:\n${text}")
  endif()
  string(REGEX REPLACE ".*\nformat [^\n]*\n" "" body "${text}")
  string(REGEX REPLACE "\n$" "" body "${body}")
  string(REPLACE "\n" ";" lines "${body}")
  list(LENGTH lines n)
  list(LENGTH ARGN want_n)
  if(NOT n EQUAL want_n)
    message(FATAL_ERROR "expected ${want_n} rows (${ARGN}), got ${n}:\n${body}")
  endif()
  foreach(i RANGE 0 ${n})
    if(i EQUAL n)
      break()
    endif()
    list(GET lines ${i} line)
    list(GET ARGN ${i} pair)
    string(REPLACE ":" ";" pair "${pair}")
    list(GET pair 0 name)
    list(GET pair 1 bits)
    if(NOT line MATCHES "^${name} +${bits} +${num} +${num} +${num}$")
      message(FATAL_ERROR "row ${i} '${line}' is not '${name} ${bits} <3 errors>'")
    endif()
  endforeach()
endfunction()

if(CASE STREQUAL "determinism")
  # Same arguments and seed: identical bytes on stdout and in the JSON file.
  run(a 0 accuracy --steps 6 --heads 2 --seed 7 --json a.json)
  run(b 0 accuracy --steps 6 --heads 2 --seed 7 --json b.json)
  if(NOT a STREQUAL b)
    message(FATAL_ERROR "two runs with seed 7 differ:\n${a}\n---\n${b}")
  endif()
  file(READ ${WORK}/a.json ja)
  file(READ ${WORK}/b.json jb)
  if(NOT ja STREQUAL jb)
    message(FATAL_ERROR "the JSON files of two runs with seed 7 differ")
  endif()
  # Stochastic rounding is seeded too.
  run(s1 0 accuracy --model hgrn2-2.7b --steps 3 --heads 1 --rounding stochastic --formats mx8,fp16)
  run(s2 0 accuracy --model hgrn2-2.7b --steps 3 --heads 1 --rounding stochastic --formats mx8,fp16)
  if(NOT s1 STREQUAL s2)
    message(FATAL_ERROR "two stochastic-rounding runs differ")
  endif()
  check_rows("${s1}" "mx8/sr:8.00" "fp16:16.00")
  # Another seed gives other inputs.
  run(c 0 accuracy --steps 6 --heads 2 --seed 8)
  if(a STREQUAL c)
    message(FATAL_ERROR "seeds 7 and 8 printed the same table")
  endif()
elseif(CASE STREQUAL "table")
  # Default formats in order; names as pimlab prints them; bits per element
  # from the formats' definitions (int8: 8 + 32-bit scale / 32; MXFP8: 8 + 8 / 32).
  run(t 0 accuracy --steps 3 --heads 1)
  if(NOT t MATCHES "^pimlab accuracy: mamba2-2.7b state update: state 128 x 64 \\(d_state x head_dim\\) per head, 1 of 80 heads, 3 steps")
    message(FATAL_ERROR "unexpected first line:\n${t}")
  endif()
  check_rows("${t}" "mx8:8.00" "int8:9.00" "mxfp8-e4m3:8.25" "mxfp8-e5m2:8.25" "fp16:16.00" "bf16:16.00")
  # Aliases and other format names; the list order is kept.
  run(u 0 accuracy --model retnet-2.7b --steps 1 --heads 1 --formats fp32,e5m2,mxint8,mxfp4-e2m1)
  check_rows("${u}" "fp32:32.00" "mxfp8-e5m2:8.25" "mxint8:8.25" "mxfp4-e2m1:4.25")
  # FP32 storage is the PU's own precision: its errors are far below 1e-4.
  string(REGEX MATCH "\nfp32 +32.00 +([0-9.e+-]+) +([0-9.e+-]+) +([0-9.e+-]+)" m "${u}")
  if(NOT CMAKE_MATCH_1 MATCHES "e-(0[5-9]|1[0-9])$")
    message(FATAL_ERROR "fp32 o error ${CMAKE_MATCH_1} is not below 1e-4")
  endif()
elseif(CASE STREQUAL "json")
  run(j 0 accuracy --model gla-2.7b --steps 2 --heads 1 --formats mx8,bf16 --seed 3 --json out.json)
  file(READ ${WORK}/out.json doc)
  string(JSON model GET "${doc}" parameters model)
  string(JSON steps GET "${doc}" parameters steps)
  string(JSON heads GET "${doc}" parameters heads)
  string(JSON seed GET "${doc}" parameters seed)
  string(JSON nres LENGTH "${doc}" results)
  string(JSON f0 GET "${doc}" results 0 format)
  string(JSON f1 GET "${doc}" results 1 format)
  string(JSON b1 GET "${doc}" results 1 bits_per_element)
  string(JSON e0 GET "${doc}" results 0 o_rel_err_max)
  if(NOT (model STREQUAL "gla-2.7b" AND steps EQUAL 2 AND heads EQUAL 1 AND seed EQUAL 3 AND nres EQUAL 2
          AND f0 STREQUAL "mx8" AND f1 STREQUAL "bf16" AND b1 EQUAL 16))
    message(FATAL_ERROR "JSON parameters/results wrong:\n${doc}")
  endif()
  # The JSON carries the figure the table prints (both present, the JSON in full precision).
  string(REGEX MATCH "\nmx8 +8.00 +([0-9]\\.[0-9]+e[-+][0-9]+)" m "${j}")
  if(CMAKE_MATCH_1 STREQUAL "" OR NOT e0 MATCHES "^0\\.[0-9]+")
    message(FATAL_ERROR "mx8 row or JSON o_rel_err_max missing:\n${j}\n${doc}")
  endif()
elseif(CASE STREQUAL "opt")
  run(o 0 accuracy --model opt-7b --steps 2 --heads 2 --context 64 --formats mx8,fp16,bf16)
  if(NOT o MATCHES "opt-7b decode attention: d_head 128, MHA, 2 of 32 query heads, 2 decode steps after 64 context tokens")
    message(FATAL_ERROR "unexpected header:\n${o}")
  endif()
  check_rows("${o}" "mx8:8.00" "fp16:16.00" "bf16:16.00")
elseif(CASE STREQUAL "errors")
  # Bad input: exit 2, one line on stderr naming the problem.
  foreach(spec
      "--model;gpt-5|unknown value 'gpt-5'"
      "--formats;mx8,fp12|unknown value 'fp12'"
      "--steps;0|--steps 0 is out of range"
      "--steps;ten|--steps 'ten' is not an integer"
      "--seed;-3|--seed '-3' is not a non-negative integer"
      "--heads;0|--heads 0 is out of range"
      "--heads;81|heads = 81"
      "--frobnicate|unknown option '--frobnicate'"
      "--formats;mx8,mx8|listed twice"
      "--context;10|--context applies to opt-7b only"
      "--model;opt-7b;--rounding;stochastic|applies to the state update"
      "--rounding;up|unknown value 'up'"
      "extra|unexpected argument 'extra'")
    string(REPLACE "|" ";" parts "${spec}")
    list(GET parts -1 want)
    list(REMOVE_AT parts -1)
    run(e 2 accuracy ${parts})
    if(NOT e_ERR MATCHES "^pimlab accuracy: error: [^\n]*\n$" OR NOT e_ERR MATCHES "${want}")
      message(FATAL_ERROR "pimlab accuracy ${parts}: stderr '${e_ERR}' is not one line containing '${want}'")
    endif()
  endforeach()
  # A file that cannot be written is an I/O error: exit 3, one line.
  run(e 3 accuracy --json ${WORK}/no/such/dir/x.json)
  if(NOT e_ERR MATCHES "^pimlab accuracy: error: --json: cannot write [^\n]*\n$")
    message(FATAL_ERROR "pimlab accuracy --json <unwritable>: stderr '${e_ERR}'")
  endif()
  run(e 2 run --steps 3)
  if(NOT e_ERR MATCHES "^pimlab run: error: unknown option '--steps'")
    message(FATAL_ERROR "pimlab run --steps: '${e_ERR}'")
  endif()
else()
  message(FATAL_ERROR "unknown CASE '${CASE}'")
endif()
