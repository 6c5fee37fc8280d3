# pimlab_run_twice(OUT): runs ${PIMLAB} with the '|'-separated ${ARGS} twice;
# fails on a non-zero exit status or when the two standard outputs differ
# (same configuration => byte-identical output); sets OUT to the output.
function(pimlab_run_twice out_var)
  string(REPLACE "|" ";" args "${ARGS}")
  execute_process(COMMAND ${PIMLAB} ${args} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "pimlab ${ARGS}: exit status ${rc}\n${err}")
  endif()
  execute_process(COMMAND ${PIMLAB} ${args} OUTPUT_VARIABLE out2)
  if(NOT out STREQUAL out2)
    message(FATAL_ERROR "two runs of the same configuration differ")
  endif()
  set(${out_var} "${out}" PARENT_SCOPE)
endfunction()
