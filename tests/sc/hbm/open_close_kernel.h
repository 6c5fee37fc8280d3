// A PIM kernel without unit work on pseudo-channel 0, bank group 0, shared by
// the SystemC tests of PIM and memory traffic sharing a channel:
// REFRESH_BARRIER, ACT4 (opens row 5 of banks 0..3), PRECHARGE (closes them).
// PIM engine cycles (docs/pim_protocols.md): barrier 1; ACT4 2 (no rule from
// the barrier, one command per cycle); PRECHARGE 2 + nRAS = 36
// (act4_to_precharge) on hbm2-pimba. The kernel is done in its cycle 37.
#pragma once

#include <cstdint>

#include "pim/command.h"
#include "tlm/hbm/pim_path.h"

namespace pimlab::test {

inline tlm_hbm::PimExtension open_close_kernel() {
  tlm_hbm::PimExtension ext;
  pim::Command barrier;
  barrier.kind = pim::CmdKind::RefreshBarrier;
  barrier.sched = 0;
  ext.program.stream.push_back(barrier);
  pim::Command act;
  act.kind = pim::CmdKind::Act4;
  act.bank_group = 0;
  ext.program.stream.push_back(act);
  pim::Command pre;
  pre.kind = pim::CmdKind::Precharge;
  ext.program.stream.push_back(pre);
  for (std::uint8_t b = 0; b < 4; ++b) {
    ext.program.rows.push_back({1, 0, 0, b, 5});
    ext.program.rows.push_back({2, 0, 0, b, -1});
  }
  return ext;
}
inline constexpr std::uint64_t kOpenCloseKernelLast = 36;  // cycle of its PRECHARGE

}  // namespace pimlab::test
