# Runs `pimlab layers` on the reference vectors file and compares its output
# with the file (check_layers_vectors).
#   -DPIMLAB=... -DCHECKER=... -DHOST=a100 -DGPUS=N -DVECTORS=file -DOUT=file
execute_process(COMMAND ${PIMLAB} layers --host ${HOST} --gpus ${GPUS} --csv ${VECTORS}
                RESULT_VARIABLE rc OUTPUT_FILE ${OUT} ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "pimlab layers exit status ${rc}: ${err}")
endif()
execute_process(COMMAND ${CHECKER} ${VECTORS} ${OUT} ${GPUS} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("${out}")
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "mismatches:\n${err}")
endif()
