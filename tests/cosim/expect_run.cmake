# cmake -DCMD="prog|arg|..." -DEXPECT_RC=N [-DMATCH=regex] [-DNOMATCH=regex] -P expect_run.cmake
# Runs CMD, requires its exit status to be EXPECT_RC and its output (stdout +
# stderr) to match MATCH (if given) and not NOMATCH (if given).
string(REPLACE "|" ";" CMD "${CMD}")
execute_process(COMMAND ${CMD} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("${out}${err}")
if(NOT rc EQUAL EXPECT_RC)
  message(FATAL_ERROR "exit status ${rc}, expected ${EXPECT_RC}")
endif()
if(DEFINED MATCH AND NOT "${out}${err}" MATCHES "${MATCH}")
  message(FATAL_ERROR "output does not match '${MATCH}'")
endif()
if(DEFINED NOMATCH AND "${out}${err}" MATCHES "${NOMATCH}")
  message(FATAL_ERROR "output matches '${NOMATCH}'")
endif()
