# cmake -DCMD="prog|args..." -P same_digest.cmake
# Runs CMD --json with --units behavioural, mixed and rtl; all three must
# match the golden kernels and report the same digest (every compared value,
# the kernels' cycles, each unit's busy cycles) and the same kernel cycles.
string(REPLACE "|" ";" CMD "${CMD}")
set(first "")
foreach(units behavioural mixed rtl)
  execute_process(COMMAND ${CMD} --units ${units} --json RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "--units ${units}: exit status ${rc}\n${out}${err}")
  endif()
  string(JSON digest GET "${out}" digest)
  string(JSON cycles GET "${out}" kernel_cycles)
  string(JSON verdict GET "${out}" verdict)
  message("--units ${units}: verdict ${verdict}, digest ${digest}, kernel cycles ${cycles}")
  if(NOT verdict STREQUAL "match")
    message(FATAL_ERROR "--units ${units}: verdict ${verdict}")
  endif()
  if(first STREQUAL "")
    set(first "${digest}/${cycles}")
  elseif(NOT first STREQUAL "${digest}/${cycles}")
    message(FATAL_ERROR "--units ${units}: ${digest}/${cycles} differs from behavioural ${first}")
  endif()
endforeach()
