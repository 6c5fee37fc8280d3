#include "pim/protocol.h"

#include <algorithm>
#include <stdexcept>

namespace pimlab::pim {

int barrier_estimate(const dram::Timing& t, const BarrierArgs& b) {
  const int c = col(t);
  const int read_all = 8 * static_cast<int>(b.v_count) * c;  // results of the round
  const int regs = static_cast<int>(b.regs);
  int est = 0;
  if (b.sched) {
    // ACT4_WITH_REG: the register writes of one ACT4 are spread over the 4
    // bank groups, ceil(regs/4) column slots each.
    const int w = 1 + ((regs + 3) / 4) * c;
    est += 3 * std::max({t.nRRDS, t.nFAW, w});    // ACT4 -> ACT4, three times
    est += std::max({t.nRCDRD, t.nRCDWR, w});     // last ACT4 -> first COMP
    est += std::max(t.nRP, read_all);             // PRECHARGE_WITH_RESULT
  } else {
    est += 4 * std::max(t.nRRDS, t.nFAW);
    est += regs * c;
    est += t.nRP + read_all;
  }
  est += static_cast<int>(b.comps) * t.nCCDL;     // COMP -> COMP
  est += std::max(t.nRTPL, t.nWR);                // last COMP -> precharge
  return est;
}

const char* refresh_model_name(RefreshModel m) {
  switch (m) {
    case RefreshModel::Off: return "off";
    case RefreshModel::Slot: return "slot";
    case RefreshModel::Full: return "full";
  }
  return "?";
}

RefreshModel parse_refresh_model(const std::string& s) {
  if (s == "off") return RefreshModel::Off;
  if (s == "slot") return RefreshModel::Slot;
  if (s == "full") return RefreshModel::Full;
  throw std::invalid_argument("unknown refresh model '" + s + "' (allowed: slot, full, off)");
}

dram::CommandSet engine_command_set(const Protocol& p) {
  dram::CommandSet s = p.set;
  if (p.refresh != RefreshModel::Full) return s;
  using S = dram::Scope;
  for (const char* pre : {"PRECHARGE_WITH_RESULT_r", "PRECHARGE"})
    s.rules.push_back({"refresh_after_precharge", pre, "REFab", S::PseudoChannel, "nRP"});
  for (const char* act : {"ACT4_WITH_REG_n", "ACT4"})
    s.rules.push_back({"refresh_to_act4", "REFab", act, S::PseudoChannel, "nRFC"});
  return s;
}

Protocol pimba_protocol(bool artifact_compatible) {
  using dram::BankEffect;
  using dram::Bus;
  using dram::Target;
  using S = dram::Scope;
  Protocol p;
  p.name = "pimba-family";
  p.set.name = "pimba-family";
  // Classes in CmdKind order. An ACT4 opens the 4 banks of its bank group, a
  // precharge closes every bank of the pseudo-channel, COMP and the register
  // and result transfers use the open banks without changing their state. The
  // family has one command bus per channel (the engine's single bus).
  p.set.classes = {
      {"REFRESH_BARRIER", Target::PseudoChannel, BankEffect::None, Bus::Row, 0, true},
      {"ACT4_WITH_REG_n", Target::BankGroup, BankEffect::Open, Bus::Row},
      {"ACT4", Target::BankGroup, BankEffect::Open, Bus::Row},
      {"REG_WRITE", Target::PseudoChannel, BankEffect::None, Bus::Column},
      {"COMP", Target::PseudoChannel, BankEffect::None, Bus::Column},
      {"PRECHARGE_WITH_RESULT_r", Target::PseudoChannel, BankEffect::Close, Bus::Row},
      {"PRECHARGE", Target::PseudoChannel, BankEffect::Close, Bus::Row},
      {"RESULT", Target::PseudoChannel, BankEffect::None, Bus::Column},
      {"REFab", Target::Channel, BankEffect::Refresh, Bus::Row},
  };
  // The rule rows of pim_commands.md, "Timing rules"; a rule with several
  // previous or next classes is one row per pair, under one name. Every rule
  // holds within the pseudo-channel. n = the previous command's argument.
  struct Row {
    const char* name;
    std::vector<const char*> prev, next;
    const char* distance;
  };
  const Row rows[] = {
      {"act4_reg_to_act4_reg", {"ACT4_WITH_REG_n"}, {"ACT4_WITH_REG_n"}, "max(nRRDS, nFAW, n*col + 2)"},
      {"act4_reg_to_comp", {"ACT4_WITH_REG_n"}, {"COMP"}, "max(nRCDRD, nRCDWR, n*col + 2)"},
      {"act4_to_act4_or_reg_write", {"ACT4"}, {"ACT4", "REG_WRITE"}, "max(nRRDS, nFAW)"},
      {"act4_to_comp", {"ACT4"}, {"COMP"}, "max(nRCDRD, nRCDWR)"},
      {"reg_write_to_reg_write_or_comp", {"REG_WRITE"}, {"REG_WRITE", "COMP"}, "col"},
      {"comp_to_comp", {"COMP"}, {"COMP"}, "nCCDL"},
      {"comp_to_precharge", {"COMP"}, {"PRECHARGE_WITH_RESULT_r", "PRECHARGE"}, "max(nRTPL, nWR)"},
      {"act4_to_precharge", {"ACT4_WITH_REG_n", "ACT4"}, {"PRECHARGE_WITH_RESULT_r", "PRECHARGE"}, "nRAS"},
      {"precharge_with_result_to_barrier", {"PRECHARGE_WITH_RESULT_r"}, {"REFRESH_BARRIER"}, "max(nRP, n*col + 1)"},
      {"precharge_to_barrier", {"PRECHARGE"}, {"REFRESH_BARRIER"}, "nRP"},
      {"precharge_to_result", {"PRECHARGE"}, {"RESULT"}, "nRP"},
      {"result_to_result", {"RESULT"}, {"RESULT"}, "col"},
  };
  for (const Row& r : rows)
    for (const char* a : r.prev)
      for (const char* b : r.next) p.set.rules.push_back({r.name, a, b, S::PseudoChannel, r.distance});
  // The reference's request buffer accepts a request while it holds <= 32,
  // so it holds up to 33 (docs/pim_protocols.md, "Default and
  // artifact-compatible mode").
  p.window = artifact_compatible ? 33 : 32;
  p.refresh_slots = 1;
  p.refresh = artifact_compatible ? RefreshModel::Off : RefreshModel::Slot;
  return p;
}

int rule_distance(const dram::Rule& r, const dram::Timing& t, std::uint32_t n) {
  return dram::compile_distance(r.distance, t).at(n);
}

}  // namespace pimlab::pim
