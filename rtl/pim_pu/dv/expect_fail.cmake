# Runs a fault-variant bench and passes only if it FAILS with a mismatch
# report (exit status 1 and "MISMATCH" / "FAIL:" in the output): the bench
# must catch the planted fault.
#   cmake -DEXE=<bench> -DARGS=<;-list> -P expect_fail.cmake
execute_process(COMMAND ${EXE} ${ARGS} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("${out}${err}")
if(NOT rc EQUAL 1)
  message(FATAL_ERROR "expected exit status 1 (mismatch), got '${rc}'")
endif()
if(NOT out MATCHES "MISMATCH" OR NOT out MATCHES "FAIL: [0-9]+ mismatches")
  message(FATAL_ERROR "the bench failed without a mismatch report")
endif()
message("fault caught: the bench reported mismatches as expected")
