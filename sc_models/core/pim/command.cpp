#include "pim/command.h"

namespace pimlab::pim {

const char* class_name(CmdKind k) {
  switch (k) {
    case CmdKind::RefreshBarrier: return "REFRESH_BARRIER";
    case CmdKind::Act4WithReg: return "ACT4_WITH_REG_n";
    case CmdKind::Act4: return "ACT4";
    case CmdKind::RegWrite: return "REG_WRITE";
    case CmdKind::Comp: return "COMP";
    case CmdKind::PrechargeWithResult: return "PRECHARGE_WITH_RESULT_r";
    case CmdKind::Precharge: return "PRECHARGE";
    case CmdKind::Result: return "RESULT";
    case CmdKind::Refresh: return "REFab";
  }
  return "?";
}

std::string trace_name(CmdKind k, std::uint32_t arg) {
  switch (k) {
    case CmdKind::RefreshBarrier: return "refresh_barrier";
    case CmdKind::Act4WithReg: return "act4_with_reg_" + std::to_string(arg);
    case CmdKind::Act4: return "act4";
    case CmdKind::RegWrite: return "reg_write";
    case CmdKind::Comp: return "comp";
    case CmdKind::PrechargeWithResult: return "precharge_with_result_" + std::to_string(arg);
    case CmdKind::Precharge: return "precharge";
    case CmdKind::Result: return "result";
    case CmdKind::Refresh: return "refresh";
  }
  return "?";
}

Counters& Counters::operator+=(const Counters& o) {
  num_act += o.num_act;
  num_comp += o.num_comp;
  num_rdwr += o.num_rdwr;
  commands += o.commands;
  refreshes += o.refreshes;
  return *this;
}

void Counters::collect(stats::Sink& s) const {
  s.add("num_act", num_act, "banks", "banks activated by PIM commands (4 per ACT4*)");
  s.add("num_comp", num_comp, "commands", "COMP commands of the PIM streams");
  s.add("num_rdwr", num_rdwr, "accesses", "column accesses of the PIM streams (reference convention)");
  s.add("commands", commands, "commands", "stream commands issued (refreshes excluded)");
  s.add("refreshes", refreshes, "commands", "all-bank refreshes issued by the controller");
}

}  // namespace pimlab::pim
