#include "dram/checker.h"

#include <algorithm>
#include <stdexcept>

namespace pimlab::dram {

CheckedKind checked_kind(const std::string& name) {
  static const std::pair<const char*, CheckedKind> names[] = {
      {"ACT", CheckedKind::ACT}, {"PRE", CheckedKind::PRE}, {"PREA", CheckedKind::PREA},
      {"RD", CheckedKind::RD},   {"WR", CheckedKind::WR},   {"REF", CheckedKind::REF},
      {"REFPB", CheckedKind::REFPB}};
  for (const auto& [n, k] : names)
    if (name == n) return k;
  throw std::invalid_argument("rule checker: command '" + name +
                              "' is not an HBM command; allowed: ACT, PRE, PREA, RD, WR, REF or REFPB");
}

const char* checked_name(CheckedKind k) {
  switch (k) {
    case CheckedKind::ACT: return "ACT";
    case CheckedKind::PRE: return "PRE";
    case CheckedKind::PREA: return "PREA";
    case CheckedKind::RD: return "RD";
    case CheckedKind::WR: return "WR";
    case CheckedKind::REF: return "REF";
    case CheckedKind::REFPB: return "REFPB";
  }
  return "?";
}

RuleChecker::RuleChecker(const DramSpec& spec, bool dual_command_bus) : m_spec(spec), m_dual(dual_command_bus) {
  const Timing& T = spec.t;
  using K = CheckedKind;
  // The timing table of docs/dram.md, one line per (previous, next, relation).
  m_table = {
      {"tRC", K::ACT, K::ACT, Rel::SameBank, T.nRC},
      {"tRRD_L", K::ACT, K::ACT, Rel::SameBankGroup, T.nRRDL},
      {"tRRD_S", K::ACT, K::ACT, Rel::DiffBankGroup, T.nRRDS},
      {"tRCD_RD", K::ACT, K::RD, Rel::SameBank, T.nRCDRD},
      {"tRCD_WR", K::ACT, K::WR, Rel::SameBank, T.nRCDWR},
      {"tRAS", K::ACT, K::PRE, Rel::SameBank, T.nRAS},
      {"tRAS", K::ACT, K::PREA, Rel::SameBank, T.nRAS},
      {"tRP", K::PRE, K::ACT, Rel::SameBank, T.nRP},
      {"tRP", K::PREA, K::ACT, Rel::SameBank, T.nRP},
      {"tRP", K::PRE, K::REF, Rel::SameBank, T.nRP},
      {"tRP", K::PREA, K::REF, Rel::SameBank, T.nRP},
      {"tRP", K::PRE, K::REFPB, Rel::SameBank, T.nRP},
      {"tRP", K::PREA, K::REFPB, Rel::SameBank, T.nRP},
      {"tCCD_L", K::RD, K::RD, Rel::SameBankGroup, T.nCCDL},
      {"tCCD_S", K::RD, K::RD, Rel::DiffBankGroup, T.nCCDS},
      {"tBURST", K::RD, K::RD, Rel::SamePch, T.nBL},
      {"tCCD_L", K::WR, K::WR, Rel::SameBankGroup, T.nCCDL},
      {"tCCD_S", K::WR, K::WR, Rel::DiffBankGroup, T.nCCDS},
      {"tBURST", K::WR, K::WR, Rel::SamePch, T.nBL},
      // Read data occupies [RD+CL, RD+CL+BL); write data starts at WR+CWL and
      // needs one idle bus cycle after the read data.
      {"tRTW", K::RD, K::WR, Rel::SamePch, T.nCL + T.nBL + 1 - T.nCWL},
      // Write data ends at WR+CWL+BL; then tWTR before a read.
      {"tWTR_L", K::WR, K::RD, Rel::SameBankGroup, T.nCWL + T.nBL + T.nWTRL},
      {"tWTR_S", K::WR, K::RD, Rel::DiffBankGroup, T.nCWL + T.nBL + T.nWTRS},
      {"tRTP_L", K::RD, K::PRE, Rel::SameBank, T.nRTPL},
      {"tRTP_L", K::RD, K::PREA, Rel::SameBank, T.nRTPL},
      // Write data ends at WR+CWL+BL; then tWR before the precharge.
      {"tWR", K::WR, K::PRE, Rel::SameBank, T.nCWL + T.nBL + T.nWR},
      {"tWR", K::WR, K::PREA, Rel::SameBank, T.nCWL + T.nBL + T.nWR},
      {"tRFC", K::REF, K::ACT, Rel::SameBank, T.nRFC},
      {"tRFC", K::REF, K::REF, Rel::SamePch, T.nRFC},
      {"tRFCpb", K::REFPB, K::ACT, Rel::SameBank, T.nRFCpb},
      {"tRFCpb", K::REFPB, K::REFPB, Rel::SameBank, T.nRFCpb},
      {"tRRD_REFPB", K::REFPB, K::REFPB, Rel::SamePch, T.nRRDS},
      {"tRRD_REFPB", K::REFPB, K::ACT, Rel::SamePch, T.nRRDS},
      {"tRRD_REFPB", K::ACT, K::REFPB, Rel::SamePch, T.nRRDS},
  };
  m_window = T.nFAW;
  for (const Entry& e : m_table) m_window = std::max(m_window, e.min_distance);
  m_pair.assign(kKinds * kKinds, {});
  for (std::size_t i = 0; i < m_table.size(); ++i) {
    const Entry& e = m_table[i];
    m_pair[static_cast<int>(e.prev) * kKinds + static_cast<int>(e.next)].push_back(static_cast<std::uint8_t>(i));
    m_reach[static_cast<int>(e.next)] = std::max(m_reach[static_cast<int>(e.next)], e.min_distance);
  }
  m_reach[static_cast<int>(K::ACT)] = std::max(m_reach[static_cast<int>(K::ACT)], T.nFAW);
  m_hist.resize(spec.org.pseudo_channels);
  m_open.assign(static_cast<std::size_t>(spec.org.pseudo_channels) * spec.org.bank_groups * spec.org.banks_per_group, -1);
}

bool RuleChecker::related(Rel r, const CheckedCommand& a, const CheckedCommand& b) const {
  if (a.pch != b.pch) return false;
  const bool any_wide = wide(a.kind) || wide(b.kind);
  switch (r) {
    case Rel::SamePch: return true;
    case Rel::SameBankGroup: return any_wide || a.bg == b.bg;
    case Rel::DiffBankGroup: return (any_wide && m_spec.org.bank_groups > 1) || a.bg != b.bg;
    case Rel::SameBank: return any_wide || (a.bg == b.bg && a.bank == b.bank);
  }
  return false;
}

std::vector<Violation> RuleChecker::check(const CheckedCommand& c) {
  std::vector<Violation> out;
  ++m_checked;
  const std::string here = std::string(checked_name(c.kind)) + "@" + std::to_string(c.t) + " (pch" +
                           std::to_string(idx(c.pch)) + " bg" + std::to_string(idx(c.bg)) + " bank" +
                           std::to_string(idx(c.bank)) + ")";
  const int np = m_spec.org.pseudo_channels;
  if (idx(c.pch) < 0 || idx(c.pch) >= np || idx(c.bg) < 0 || idx(c.bg) >= m_spec.org.bank_groups ||
      idx(c.bank) < 0 || idx(c.bank) >= m_spec.org.banks_per_group) {
    out.push_back({"address", here + ": coordinates outside the organisation"});
    m_violations += out.size();
    return out;
  }
  // Command bus: one command per cycle (per bus with separate row/column buses).
  if (c.t < m_last_t) out.push_back({"order", here + ": issued before the previous command (cycle " + std::to_string(m_last_t) + ")"});
  const bool column = c.kind == CheckedKind::RD || c.kind == CheckedKind::WR;
  const int bus = m_dual && column ? 1 : 0;
  if (c.t == m_last_bus[bus]) out.push_back({"bus", here + ": a command already uses the command bus in this cycle"});
  if (c.t < m_blocked_until)
    out.push_back({"external", here + ": inside an interval held by another agent (up to cycle " +
                                   std::to_string(m_blocked_until - 1) + ")"});

  // Pairwise timing against the recent history of the pseudo-channel.
  auto& hist = m_hist[idx(c.pch)];
  const int reach = m_reach[static_cast<int>(c.kind)];
  for (auto it = hist.rbegin(); it != hist.rend(); ++it) {
    const CheckedCommand& p = *it;
    if (c.t - p.t >= reach) break;  // nothing older can constrain this kind
    for (const std::uint8_t ei : m_pair[static_cast<int>(p.kind) * kKinds + static_cast<int>(c.kind)]) {
      const Entry& e = m_table[ei];
      if (!related(e.rel, p, c)) continue;
      if (c.t - p.t < e.min_distance)
        out.push_back({e.rule, here + " after " + checked_name(p.kind) + "@" + std::to_string(p.t) + " (bg" +
                                   std::to_string(idx(p.bg)) + " bank" + std::to_string(idx(p.bank)) + "): needs " +
                                   std::to_string(e.min_distance) + " cycles, got " + std::to_string(c.t - p.t)});
    }
  }
  // Four-activate window: at most 4 ACTs in any nFAW cycles of a pseudo-channel.
  if (c.kind == CheckedKind::ACT) {
    int acts = 0;
    Cycle oldest = c.t;
    for (auto it = hist.rbegin(); it != hist.rend() && c.t - it->t < m_spec.t.nFAW; ++it)
      if (it->kind == CheckedKind::ACT) {
        ++acts;
        oldest = std::min(oldest, it->t);
      }
    if (acts >= 4)
      out.push_back({"tFAW", here + ": 5th ACT within nFAW = " + std::to_string(m_spec.t.nFAW) +
                                 " cycles of the ACT@" + std::to_string(oldest)});
  }
  apply_state(c, &out, here);

  hist.push_back(c);
  while (!hist.empty() && c.t - hist.front().t >= m_window) hist.pop_front();
  m_last_bus[bus] = std::max(m_last_bus[bus], c.t);
  m_last_t = std::max(m_last_t, c.t);
  m_violations += out.size();
  for (const Violation& v : out)
    if (m_first.size() < 16) m_first.push_back(v);
  return out;
}

void RuleChecker::apply_state(const CheckedCommand& c, std::vector<Violation>* out, const std::string& here) {
  // Bank state; violations are reported only when `out` is given.
  const int G = m_spec.org.bank_groups, B = m_spec.org.banks_per_group;
  auto bank_at = [&](int g, int b) -> int& { return m_open[(static_cast<std::size_t>(idx(c.pch)) * G + g) * B + b]; };
  int& mine = bank_at(idx(c.bg), idx(c.bank));
  switch (c.kind) {
    case CheckedKind::ACT:
      if (out && mine >= 0) out->push_back({"state", here + ": ACT to a bank with row " + std::to_string(mine) + " open"});
      mine = idx(c.row);
      break;
    case CheckedKind::PRE:
      if (out && mine < 0) out->push_back({"state", here + ": PRE to a closed bank"});
      mine = -1;
      break;
    case CheckedKind::PREA:
      for (int g = 0; g < G; ++g)
        for (int b = 0; b < B; ++b) bank_at(g, b) = -1;
      break;
    case CheckedKind::RD:
    case CheckedKind::WR:
      if (out && mine != idx(c.row))
        out->push_back({"state", here + ": column access to row " + std::to_string(idx(c.row)) +
                                    (mine < 0 ? " of a closed bank" : " while row " + std::to_string(mine) + " is open")});
      break;
    case CheckedKind::REF:
      for (int g = 0; g < G; ++g)
        for (int b = 0; b < B; ++b)
          if (bank_at(g, b) >= 0) {
            if (out) out->push_back({"state", here + ": REF while bg" + std::to_string(g) + " bank" + std::to_string(b) + " is open"});
            g = G;
            break;
          }
      break;
    case CheckedKind::REFPB:
      if (out && mine >= 0) out->push_back({"state", here + ": REFPB to an open bank"});
      break;
  }
}

void RuleChecker::record_external(const CheckedCommand& c) {
  const int np = m_spec.org.pseudo_channels;
  if (idx(c.pch) < 0 || idx(c.pch) >= np || idx(c.bg) < 0 || idx(c.bg) >= m_spec.org.bank_groups ||
      idx(c.bank) < 0 || idx(c.bank) >= m_spec.org.banks_per_group)
    throw std::invalid_argument("rule checker: external command outside the organisation");
  if (c.t < m_last_t)
    throw std::logic_error("rule checker: external command at cycle " + std::to_string(c.t) +
                           " before the previous command (cycle " + std::to_string(m_last_t) + ")");
  apply_state(c, nullptr, std::string());
  auto& hist = m_hist[idx(c.pch)];
  hist.push_back(c);
  while (!hist.empty() && c.t - hist.front().t >= m_window) hist.pop_front();
  m_last_t = c.t;
}

void RuleChecker::block_until(Cycle t) { m_blocked_until = std::max(m_blocked_until, t); }

}  // namespace pimlab::dram
