// One co-simulation in this process (docs/cosim.md): SystemC elaborates once
// per process, and the pimlab executable reaches sc_main() (sim/cmd_cosim.cpp)
// through sc_core::sc_elab_and_sim(). Used by `pimlab cosim` and by
// `pimlab run --functional`.
#pragma once

#include "tlm/pim_rtl/cosim.h"

namespace pimlab::sim {

// Runs `o` (validated by the caller); returns tlm_pim_rtl::run_cosim's exit
// status (0 match, 1 mismatch, 2 bad configuration, 3 internal error, 130
// interrupted). tlm_pim_rtl::last_figures() / last_document() describe the run.
int run_cosim_process(const tlm_pim_rtl::CosimOptions& o, const char* argv0);

}  // namespace pimlab::sim
