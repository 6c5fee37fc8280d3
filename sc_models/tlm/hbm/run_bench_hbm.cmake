# Runs the HBM channel benchmark once per pattern, checker setting and mapping.
message("bench_hbm: HBM channel TLM target (hbm2-pimba, one channel, FR-FCFS open page)")
message("| mapping (q: queued) | pattern   | checker |     calls |  calls/s wall |  atoms/s wall | sim GB/s   | row hits |")
message("|---------------------|-----------|---------|-----------|---------------|---------------|------------|----------|")
message("(pim_su rows: calls = kernels of 2 x 128x256 MX8 SU (64 chunks), atoms/s column = unit commands/s)")
# pattern;count;checker;mapping. ro_ba_co_bg_pc_ch puts the column field above
# bank group and pseudo-channel: consecutive atoms rotate both (tCCD_S bound).
foreach(run "random32;200000;0;ro_ba_bg_pc_ch_co" "random32;200000;1;ro_ba_bg_pc_ch_co"
            "burst64k;400;0;ro_ba_bg_pc_ch_co" "burst64k;400;1;ro_ba_bg_pc_ch_co"
            "burst64k;400;0;ro_ba_co_bg_pc_ch"
            "strided;2000;0;ro_ba_bg_pc_ch_co" "strided;2000;1;ro_ba_bg_pc_ch_co"
            "pim_su;200;0;ro_ba_bg_pc_ch_co"
            "random32;200000;0;ro_ba_bg_pc_ch_co;queued" "burst64k;400;0;ro_ba_bg_pc_ch_co;queued"
            "strided;2000;0;ro_ba_bg_pc_ch_co;queued")
  list(GET run 0 pattern)
  list(GET run 1 count)
  list(GET run 2 check)
  list(GET run 3 mapping)
  set(frontend immediate)
  list(LENGTH run n)
  if(n GREATER 4)
    list(GET run 4 frontend)
  endif()
  execute_process(COMMAND ${BENCH} ${pattern} ${count} ${check} ${mapping} ${frontend} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "bench_hbm: ${pattern} ${mapping} failed (${rc})")
  endif()
endforeach()
