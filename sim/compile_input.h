// What `pimlab compile` and `pimlab run --platform` both take from a GPU
// system's back-end for the compiler: its PIM channels (Pimba family) or its
// AttAcc device, so that the programs name what the back-end times.
#pragma once

#include "firmware/compiler/program.h"
#include "serving/gpu_backend.h"

namespace pimlab::sim {

inline void take_gpu_pim(const serving::Backend& be, firmware::compiler::CompileInput& in) {
  const auto* g = dynamic_cast<const serving::GpuBackend*>(&be);
  if (!g) return;
  if (g->pim()) {
    in.pim_channels = g->pim()->options().channels;
    in.pim_dram = g->pim()->options().dram;
  }
  if (g->attacc()) {
    const serving::AttaccPimOptions& ao = g->attacc()->options();
    in.attacc_placement = ao.placement;
    in.attacc_stacks = ao.stacks;
    in.attacc_dram = ao.dram;
    in.attacc_max_len = ao.max_len;
  }
}

}  // namespace pimlab::sim
