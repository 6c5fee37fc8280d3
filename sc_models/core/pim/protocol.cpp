#include "pim/protocol.h"

#include <algorithm>
#include <stdexcept>

namespace pimlab::pim {

PimTiming timing_from_spec(const dram::DramSpec& s) {
  PimTiming t;
  t.tCK_ps = s.t.tCK_ps;
  t.nBL = s.t.nBL;
  t.nCCDS = s.t.nCCDS;
  t.nCCDL = s.t.nCCDL;
  t.nRRDS = s.t.nRRDS;
  t.nRRDL = s.t.nRRDL;
  t.nFAW = s.t.nFAW;
  t.nRCDRD = s.t.nRCDRD;
  t.nRCDWR = s.t.nRCDWR;
  t.nRP = s.t.nRP;
  t.nRAS = s.t.nRAS;
  t.nRTPS = s.t.nRTPS;
  t.nRTPL = s.t.nRTPL;
  t.nWR = s.t.nWR;
  t.nRFC = s.t.nRFC;
  t.nREFI = s.t.nREFI;
  return t;
}

const char* param_name(Param p) {
  switch (p) {
    case Param::None: return "1";
    case Param::nBL: return "nBL";
    case Param::nCCDS: return "nCCDS";
    case Param::nCCDL: return "nCCDL";
    case Param::nRRDS: return "nRRDS";
    case Param::nRRDL: return "nRRDL";
    case Param::nFAW: return "nFAW";
    case Param::nRCDRD: return "nRCDRD";
    case Param::nRCDWR: return "nRCDWR";
    case Param::nRP: return "nRP";
    case Param::nRAS: return "nRAS";
    case Param::nRTPS: return "nRTPS";
    case Param::nRTPL: return "nRTPL";
    case Param::nWR: return "nWR";
    case Param::col: return "col";
  }
  return "?";
}

int param_value(const PimTiming& t, Param p) {
  switch (p) {
    case Param::None: return 1;
    case Param::nBL: return t.nBL;
    case Param::nCCDS: return t.nCCDS;
    case Param::nCCDL: return t.nCCDL;
    case Param::nRRDS: return t.nRRDS;
    case Param::nRRDL: return t.nRRDL;
    case Param::nFAW: return t.nFAW;
    case Param::nRCDRD: return t.nRCDRD;
    case Param::nRCDWR: return t.nRCDWR;
    case Param::nRP: return t.nRP;
    case Param::nRAS: return t.nRAS;
    case Param::nRTPS: return t.nRTPS;
    case Param::nRTPL: return t.nRTPL;
    case Param::nWR: return t.nWR;
    case Param::col: return t.col();
  }
  return 0;
}

int Term::eval(const PimTiming& t, std::uint32_t arg) const {
  long long v = static_cast<long long>(mult) * param_value(t, param);
  if (times_arg) v *= arg;
  return static_cast<int>(v + constant);
}

std::string Term::text() const {
  std::string s;
  if (mult != 1) s += std::to_string(mult) + "*";
  if (times_arg) s += "arg*";
  s += param_name(param);
  if (param == Param::None && !times_arg && mult == 1) s = std::to_string(constant);
  else if (constant > 0) s += " + " + std::to_string(constant);
  else if (constant < 0) s += " - " + std::to_string(-constant);
  return s;
}

std::string TimingRule::text() const {
  if (terms.size() == 1) return terms[0].text();
  std::string s = "max(";
  for (std::size_t i = 0; i < terms.size(); ++i) s += (i ? ", " : "") + terms[i].text();
  return s + ")";
}

int TimingRule::distance(const PimTiming& t, std::uint32_t prev_arg) const {
  int d = 0;
  bool first = true;
  for (const Term& term : terms) {
    int v = term.eval(t, prev_arg);
    d = first ? v : std::max(d, v);
    first = false;
  }
  return d;
}

int barrier_estimate(const PimTiming& t, const BarrierArgs& b) {
  const int col = t.col();
  const int read_all = 8 * static_cast<int>(b.v_count) * col;  // results of the round
  const int regs = static_cast<int>(b.regs);
  int est = 0;
  if (b.sched) {
    // ACT4_WITH_REG: the register writes of one ACT4 are spread over the 4
    // bank groups, ceil(regs/4) column slots each.
    const int w = 1 + ((regs + 3) / 4) * col;
    est += 3 * std::max({t.nRRDS, t.nFAW, w});    // ACT4 -> ACT4, three times
    est += std::max({t.nRCDRD, t.nRCDWR, w});     // last ACT4 -> first COMP
    est += std::max(t.nRP, read_all);             // PRECHARGE_WITH_RESULT
  } else {
    est += 4 * std::max(t.nRRDS, t.nFAW);
    est += regs * col;
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

namespace {
Term P(Param p) { return Term{0, p, 1, false}; }
Term ArgCol(int constant) { return Term{constant, Param::col, 1, true}; }
}  // namespace

Protocol pimba_protocol(bool artifact_compatible) {
  using K = CmdKind;
  Protocol p;
  p.name = "pimba-family";
  // The reference's request buffer accepts a request while it holds <= 32,
  // so it holds up to 33 (docs/pim_protocols.md, "Default and
  // artifact-compatible mode").
  p.window = artifact_compatible ? 33 : 32;
  p.refresh = artifact_compatible ? RefreshModel::Off : RefreshModel::Slot;
  p.refresh_slots = 1;
  p.rules = {
      {"act4_reg_to_act4_reg", {K::Act4WithReg}, {K::Act4WithReg},
       {P(Param::nRRDS), P(Param::nFAW), ArgCol(2)}},
      {"act4_reg_to_comp", {K::Act4WithReg}, {K::Comp},
       {P(Param::nRCDRD), P(Param::nRCDWR), ArgCol(2)}},
      {"act4_to_act4_or_reg_write", {K::Act4}, {K::Act4, K::RegWrite},
       {P(Param::nRRDS), P(Param::nFAW)}},
      {"act4_to_comp", {K::Act4}, {K::Comp}, {P(Param::nRCDRD), P(Param::nRCDWR)}},
      {"reg_write_to_reg_write_or_comp", {K::RegWrite}, {K::RegWrite, K::Comp}, {P(Param::col)}},
      {"comp_to_comp", {K::Comp}, {K::Comp}, {P(Param::nCCDL)}},
      {"comp_to_precharge", {K::Comp}, {K::PrechargeWithResult, K::Precharge},
       {P(Param::nRTPL), P(Param::nWR)}},
      {"act4_to_precharge", {K::Act4WithReg, K::Act4}, {K::PrechargeWithResult, K::Precharge},
       {P(Param::nRAS)}},
      {"precharge_with_result_to_barrier", {K::PrechargeWithResult}, {K::RefreshBarrier},
       {P(Param::nRP), ArgCol(1)}},
      {"precharge_to_barrier", {K::Precharge}, {K::RefreshBarrier}, {P(Param::nRP)}},
      {"precharge_to_result", {K::Precharge}, {K::Result}, {P(Param::nRP)}},
      {"result_to_result", {K::Result}, {K::Result}, {P(Param::col)}},
  };
  return p;
}

CompiledRules::CompiledRules(const Protocol& p, const PimTiming& t) {
  for (const TimingRule& r : p.rules) {
    for (CmdKind a : r.prev) {
      for (CmdKind b : r.next) {
        Entry& e = m_e[index_of(a)][index_of(b)];
        e.any = true;
        for (const Term& term : r.terms) {
          if (!term.times_arg) {
            e.base = std::max(e.base, term.eval(t, 0));
            continue;
          }
          const int mult = term.mult * param_value(t, term.param);
          if (e.arg_mult != 0 && (e.arg_mult != mult))
            throw std::invalid_argument("protocol '" + p.name + "': rule '" + r.name +
                                        "' gives a second argument term for one command pair");
          e.arg_mult = mult;
          e.arg_const = std::max(e.arg_const, term.constant);
        }
      }
    }
  }
}

}  // namespace pimlab::pim
