# The document of an interrupted `pimlab run --platform-drives` (-DOUT=file):
# the run's interrupted flag set (stats.platform.interrupted too when the
# signal cut an iteration on the platform short; not when it fell in an
# iteration's last stage instance or between iterations, which then finish),
# the run cut short, its decode iterations those the platform finished, its
# generation time theirs (the same sum, bit for bit), and no run-wide platform
# figures for an incomplete run.
cmake_minimum_required(VERSION 3.22)
file(READ "${OUT}" doc)
string(JSON run_flag GET "${doc}" stats interrupted)
if(NOT run_flag)
  message(FATAL_ERROR "stats.interrupted is ${run_flag}")
endif()
string(JSON its GET "${doc}" stats decode_iterations)
string(JSON n LENGTH "${doc}" stats platform iterations)
if(NOT its EQUAL n OR its GREATER_EQUAL 39)
  message(FATAL_ERROR "${its} decode iterations in the run, ${n} on the platform (39 in a whole run)")
endif()
string(JSON gen GET "${doc}" stats generation_time_s)
string(JSON plat GET "${doc}" stats platform platform_s)
if(NOT gen STREQUAL plat)
  message(FATAL_ERROR "generation ${gen} s, platform ${plat} s")
endif()
string(JSON whole ERROR_VARIABLE absent GET "${doc}" stats platform generation_time_s)
if(NOT absent)
  message(FATAL_ERROR "stats.platform.generation_time_s ${whole} for an incomplete run")
endif()
message(STATUS "PASS: ${its} decode iterations finished on the platform before the interrupt")
