// Small builders for hand-written PIM command streams in the tests.
#pragma once

#include <vector>

#include "dram/spec.h"
#include "pim/command.h"
#include "pim/protocol.h"

namespace pimtest {

using pimlab::pim::CmdKind;
using pimlab::pim::Command;

inline Command cmd(CmdKind k, int pch = 0, unsigned arg = 0) {
  Command c;
  c.kind = k;
  c.pch = static_cast<std::uint8_t>(pch);
  c.arg = arg;
  return c;
}
// A barrier with the given estimate inputs (sched 1 unless told).
inline Command barrier(int pch, unsigned regs, int v_count, int comps, int sched = 1) {
  Command c = cmd(CmdKind::RefreshBarrier, pch, regs);
  c.v_count = static_cast<std::uint8_t>(v_count);
  c.comps = static_cast<std::uint16_t>(comps);
  c.sched = static_cast<std::uint8_t>(sched);
  return c;
}
// HBM2 as used by Pimba: nBL 2, nCCDL 4 (col 4), nRRDS 4, nFAW 30, nRCD 14/14,
// nRAS 34, nRP 14, nRTPL 6, nWR 16, nREFI 3900.
inline pimlab::dram::DramSpec pimba_timing() {
  return pimlab::dram::preset("hbm2-pimba");
}

}  // namespace pimtest
