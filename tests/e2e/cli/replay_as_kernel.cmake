# Replaying the trace `pimlab kernel --trace-out` wrote, without any option,
# gives the kernel's own numbers: the header carries the variant, the preset
# and the channel count the kernel ran with.
#   -DPIMLAB=path -DTRACE=path -DKERNEL_ARGS="a|b|..."
string(REPLACE "|" ";" kargs "${KERNEL_ARGS}")
execute_process(COMMAND ${PIMLAB} kernel ${kargs} --trace-out ${TRACE} --json
                RESULT_VARIABLE rc OUTPUT_VARIABLE kout ERROR_VARIABLE kerr)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "kernel: exit status ${rc}\n${kerr}")
endif()
execute_process(COMMAND ${PIMLAB} replay ${TRACE} --json RESULT_VARIABLE rc OUTPUT_VARIABLE rout ERROR_VARIABLE rerr)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "replay without options: exit status ${rc}\n${rerr}")
endif()
foreach(key cycles commands num_act num_comp num_rdwr energy_pj time_ns refreshes)
  string(JSON k GET "${kout}" ${key})
  string(JSON r GET "${rout}" ${key})
  if(NOT k STREQUAL r)
    message(FATAL_ERROR "${key}: kernel ${k}, replay ${r}")
  endif()
endforeach()
string(JSON kd GET "${kout}" config dram)
string(JSON rd GET "${rout}" config dram)
string(JSON used GET "${rout}" channels_used)
if(NOT kd STREQUAL rd)
  message(FATAL_ERROR "dram: kernel ${kd}, replay ${rd}")
endif()
message(STATUS "replay = kernel: ${used} channels used, dram ${kd}")
