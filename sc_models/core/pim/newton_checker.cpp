#include "pim/newton_checker.h"

#include <algorithm>
#include <array>
#include <deque>

namespace pimlab::pim {

namespace {

using C = NewtonClass;
using R = NewtonRelation;

constexpr int kBanks = 32;  // 2 ranks x 4 bank groups x 4 banks
constexpr int kClasses = static_cast<int>(C::kCount);

// Derived distances, named as neupims_pim.md §4.1 gives their values for the
// NeuPIMs configuration (in parentheses).
int col(const dram::Timing& t, std::uint32_t) { return std::max(t.nBL, t.nCCDL); }        // RD->RD, WR->WR (2)
int rd_to_wr(const dram::Timing& t, std::uint32_t) { return t.nCL + t.nBL - t.nCWL + 2; }  // RL+burst-WL+tRTRS (14)
int rank_switch(const dram::Timing& t, std::uint32_t) { return t.nBL + 2; }                // burst + tRTRS (4)
int wtr_l(const dram::Timing& t, std::uint32_t) { return t.nCWL + t.nBL + t.nWTRL; }       // (14)
int wtr_s(const dram::Timing& t, std::uint32_t) { return t.nCWL + t.nBL + t.nWTRS; }       // (12)
int wr_to_pre(const dram::Timing& t, std::uint32_t) { return t.nCWL + t.nBL + t.nWR; }     // (22)
int rtp(const dram::Timing& t, std::uint32_t) { return t.nRTPL; }                          // (5)
int ccd_l(const dram::Timing& t, std::uint32_t) { return t.nCCDL; }                        // (2)
int rc(const dram::Timing& t, std::uint32_t) { return t.nRC; }                             // (48)
int rrd_l(const dram::Timing& t, std::uint32_t) { return t.nRRDL; }                        // (6)
int rrd_s(const dram::Timing& t, std::uint32_t) { return t.nRRDS; }                        // (4)
int rcd_rd(const dram::Timing& t, std::uint32_t) { return t.nRCDRD; }                      // (14)
int rcd_wr(const dram::Timing& t, std::uint32_t) { return t.nRCDWR; }                      // (14)
int ras(const dram::Timing& t, std::uint32_t) { return t.nRAS; }                           // (34)
int rp(const dram::Timing& t, std::uint32_t) { return t.nRP; }                             // (14)
int rfc(const dram::Timing& t, std::uint32_t) { return t.nRFC; }                           // (260)
int faw(const dram::Timing& t, std::uint32_t) { return t.nFAW; }                           // (30)
int readres_to_gact(const dram::Timing& t, std::uint32_t) { return t.nRTPL + t.nRP; }      // (19)
// GWRITE moves a row to the global buffer: 32 x (tCCD_S + tCCD_L) (96).
int gwrite(const dram::Timing& t, std::uint32_t) { return 32 * (t.nCCDS + t.nCCDL); }
// The first COMP after a READRES (argument 1) fills the adder tree: three MAC
// steps before the READRES (6).
int adder_fill(const dram::Timing& t, std::uint32_t first) { return first ? 3 * t.nCCDL : 0; }
// COMPS_READRES of n MACs: the next one waits 2·(max(n, 6) + 1) at tCCD_L = 2.
int comps_mac(const dram::Timing& t, std::uint32_t n) {
  return t.nCCDL * (static_cast<int>(std::max<std::uint32_t>(n, 6)) + 1);
}
// Faithful (quirk 1): its results are read out after the MACs, then tRTP.
int comps_to_pim_pre(const dram::Timing& t, std::uint32_t n) {
  return t.nCCDL * static_cast<int>(std::max<std::uint32_t>(n, 6)) + t.nRTPL;
}

bool single_bank(C c) {
  return c == C::ACT || c == C::PRE || c == C::READ || c == C::WRITE || c == C::GWRITE || c == C::PIM_PRECHARGE;
}
bool all_bank(C c) { return c == C::COMP || c == C::READRES || c == C::COMPS_READRES || c == C::P_HEADER; }

int bank_index(int rank, int bg, int bank) { return (rank * 4 + bg) * 4 + bank; }

// Whether bank b is in relation `r` to the issued command c.
bool related(R r, const NewtonIssued& c, int b) {
  const int rank = b / 16, bg = (b / 4) % 4, bank = b % 4;
  switch (r) {
    case R::SameBank: return rank == c.rank && bg == c.bg && bank == c.bank;
    case R::OtherBanksSameBg: return rank == c.rank && bg == c.bg && bank != c.bank;
    case R::OtherBgsSameRank: return rank == c.rank && bg != c.bg;
    case R::OtherRank: return rank != c.rank;
    case R::SameRank: return rank == c.rank;
    case R::Group: return rank == c.rank && bg == c.bg;
    case R::All: return true;
  }
  return false;
}

// The banks a command needs (its timing is checked in each).
void needed_banks(const NewtonIssued& c, std::vector<int>& out) {
  out.clear();
  if (single_bank(c.cls)) {
    out.push_back(bank_index(c.rank, c.bg, c.bank));
  } else if (c.cls == C::G_ACT) {
    for (int k = 0; k < 4; ++k) out.push_back(bank_index(c.rank, c.bg, k));
  } else if (c.cls == C::REF) {
    for (int k = 0; k < 16; ++k) out.push_back(c.rank * 16 + k);
  } else if (c.cls != C::P_HEADER) {
    for (int k = 0; k < kBanks; ++k) out.push_back(k);
  }
}

bool valid_coordinates(const NewtonIssued& c) {
  if (all_bank(c.cls)) return true;
  if (c.rank < 0 || c.rank > 1) return false;
  if (c.cls == C::REF) return true;
  if (c.bg < 0 || c.bg > 3) return false;
  if (c.cls == C::G_ACT) return true;
  return c.bank >= 0 && c.bank <= 3;
}

}  // namespace

const char* relation_name(NewtonRelation r) {
  static const char* names[] = {"same bank",  "other banks of its bank group", "other bank groups of its rank",
                                "other rank", "its rank",                      "its bank group",
                                "all banks"};
  return names[static_cast<int>(r)];
}

std::vector<NewtonCheckRow> newton_check_table(const NewtonOptions& o) {
  const bool dual = o.type == PimType::Dual;
  const bool faithful = !o.artifact_compatible;
  std::vector<NewtonCheckRow> v;
  auto row = [&](const char* name, C from, R rel, C to, int (*d)(const dram::Timing&, std::uint32_t)) {
    v.push_back({name, from, rel, to, d});
  };
  const C pims[] = {C::COMP, C::COMPS_READRES, C::READRES};

  // READ issued. Same bank: READ 2, WRITE 14, PRE 5, GWRITE 2, PIM 0/2; other
  // banks of the BG: the same but PRE; other BGs: PIM 2 in both flavours;
  // other rank: READ 4, WRITE 14, READRES 4.
  for (R rel : {R::SameBank, R::OtherBanksSameBg, R::OtherBgsSameRank}) {
    row("rd_to_rd", C::READ, rel, C::READ, col);
    row("rd_to_wr", C::READ, rel, C::WRITE, rd_to_wr);
    row("rd_to_gwrite", C::READ, rel, C::GWRITE, col);
    if (!dual || rel == R::OtherBgsSameRank)
      for (C p : pims) row("rd_to_pim", C::READ, rel, p, col);
  }
  row("tRTP", C::READ, R::SameBank, C::PRE, rtp);
  row("tRTRS_rd_to_rd", C::READ, R::OtherRank, C::READ, rank_switch);
  row("rd_to_wr", C::READ, R::OtherRank, C::WRITE, rd_to_wr);
  row("tRTRS_rd_to_readres", C::READ, R::OtherRank, C::READRES, rank_switch);

  // WRITE issued. Same bank and BG: READ 14, WRITE 2, GWRITE 14, PIM 0/14,
  // PRE 22 (same bank); other BGs: READ 12, WRITE 2, GWRITE 12, PIM 12; other
  // rank: WRITE 2 (READ and READRES -6: nothing beyond the command bus).
  for (R rel : {R::SameBank, R::OtherBanksSameBg}) {
    row("tWTR_L", C::WRITE, rel, C::READ, wtr_l);
    row("wr_to_wr", C::WRITE, rel, C::WRITE, col);
    row("tWTR_L_gwrite", C::WRITE, rel, C::GWRITE, wtr_l);
    if (!dual)
      for (C p : pims) row("tWTR_L_pim", C::WRITE, rel, p, wtr_l);
  }
  row("tWR", C::WRITE, R::SameBank, C::PRE, wr_to_pre);
  row("tWTR_S", C::WRITE, R::OtherBgsSameRank, C::READ, wtr_s);
  row("wr_to_wr", C::WRITE, R::OtherBgsSameRank, C::WRITE, col);
  row("tWTR_S_gwrite", C::WRITE, R::OtherBgsSameRank, C::GWRITE, wtr_s);
  for (C p : pims) row("tWTR_S_pim", C::WRITE, R::OtherBgsSameRank, p, wtr_s);
  row("wr_to_wr", C::WRITE, R::OtherRank, C::WRITE, col);

  // ACT issued. Same bank: ACT 48, READ 14, WRITE 14, PRE 34, G_ACT 6/48,
  // GWRITE 14; other banks of the BG: ACT 6, G_ACT 6; other BGs: ACT 4, G_ACT 4.
  row("tRC", C::ACT, R::SameBank, C::ACT, rc);
  row("tRCD_RD", C::ACT, R::SameBank, C::READ, rcd_rd);
  row("tRCD_WR", C::ACT, R::SameBank, C::WRITE, rcd_wr);
  row("tRCD_GWRITE", C::ACT, R::SameBank, C::GWRITE, rcd_rd);
  row("tRAS", C::ACT, R::SameBank, C::PRE, ras);
  row("act_to_gact_bank", C::ACT, R::SameBank, C::G_ACT, dual ? rrd_l : rc);
  row("tRRD_L", C::ACT, R::OtherBanksSameBg, C::ACT, rrd_l);
  row("act_to_gact_bg", C::ACT, R::OtherBanksSameBg, C::G_ACT, rrd_l);
  row("tRRD_S", C::ACT, R::OtherBgsSameRank, C::ACT, rrd_s);
  row("act_to_gact_rank", C::ACT, R::OtherBgsSameRank, C::G_ACT, rrd_s);
  // Faithful (quirk 2b): a G_ACT activates 4 banks, a full window by itself.
  if (faithful) row("gact_in_faw", C::ACT, R::SameRank, C::G_ACT, faw);

  // PRE issued: ACT 14, REF 14 in its bank; faithful SINGLE (quirk 2a): G_ACT 14.
  row("tRP", C::PRE, R::SameBank, C::ACT, rp);
  row("tRP_REF", C::PRE, R::SameBank, C::REF, rp);
  if (faithful && !dual) row("tRP_GACT", C::PRE, R::SameBank, C::G_ACT, rp);

  // REF issued: the 16 banks of its rank: ACT, REF, G_ACT 260.
  for (C to : {C::ACT, C::REF, C::G_ACT}) row("tRFC", C::REF, R::SameRank, to, rfc);

  // G_ACT issued. Its 4 banks: ACT 6/48, G_ACT 48, COMP 14, COMPS_READRES 14,
  // READRES 14, PIM_PRECHARGE 34; its rank: ACT 30, G_ACT 30, COMP 14,
  // COMPS_READRES 14.
  row("gact_to_act_bank", C::G_ACT, R::Group, C::ACT, dual ? rrd_l : rc);
  row("gact_to_gact_bank", C::G_ACT, R::Group, C::G_ACT, rc);
  for (C p : pims) row("gact_to_comp", C::G_ACT, R::Group, p, rcd_rd);
  row("gact_to_pim_precharge", C::G_ACT, R::Group, C::PIM_PRECHARGE, ras);
  row("gact_faw", C::G_ACT, R::SameRank, C::ACT, faw);
  row("gact_faw", C::G_ACT, R::SameRank, C::G_ACT, faw);
  row("gact_to_comp", C::G_ACT, R::SameRank, C::COMP, rcd_rd);
  row("gact_to_comp", C::G_ACT, R::SameRank, C::COMPS_READRES, rcd_rd);

  // PIM_PRECHARGE issued: REF 14, G_ACT 14 in its bank.
  row("tRP_pim_ref", C::PIM_PRECHARGE, R::SameBank, C::REF, rp);
  row("tRP_pim_gact", C::PIM_PRECHARGE, R::SameBank, C::G_ACT, rp);

  // COMP issued (all 32 banks): READ 2, WRITE 14, GWRITE 2, COMP 2, READRES 2,
  // PIM_PRECHARGE 5, PRE 5; the adder-tree fill READRES 6.
  row("comp_to_rd", C::COMP, R::All, C::READ, col);
  row("comp_to_wr", C::COMP, R::All, C::WRITE, rd_to_wr);
  row("comp_to_gwrite", C::COMP, R::All, C::GWRITE, col);
  row("comp_to_comp", C::COMP, R::All, C::COMP, ccd_l);
  row("comp_to_readres", C::COMP, R::All, C::READRES, ccd_l);
  row("adder_tree_fill", C::COMP, R::All, C::READRES, adder_fill);
  row("comp_to_precharge", C::COMP, R::All, C::PIM_PRECHARGE, rtp);
  row("comp_to_precharge", C::COMP, R::All, C::PRE, rtp);

  // READRES and COMPS_READRES issued (all 32 banks): READ 4, WRITE 14, GWRITE 2,
  // COMP 2, READRES 2, G_ACT 19, PIM_PRECHARGE 5, PRE 5 (READRES) / 0
  // (COMPS_READRES); the next COMPS_READRES after 2·(max(n, 6) + 1).
  for (C from : {C::READRES, C::COMPS_READRES}) {
    row("readres_to_rd", from, R::All, C::READ, rank_switch);
    row("readres_to_wr", from, R::All, C::WRITE, rd_to_wr);
    row("readres_to_gwrite", from, R::All, C::GWRITE, col);
    row("readres_to_comp", from, R::All, C::COMP, ccd_l);
    row("readres_to_readres", from, R::All, C::READRES, ccd_l);
    row("readres_to_gact", from, R::All, C::G_ACT, readres_to_gact);
  }
  row("readres_to_precharge", C::READRES, R::All, C::PIM_PRECHARGE, rtp);
  row("readres_to_precharge", C::READRES, R::All, C::PRE, rtp);
  row("comps_readres_mac", C::COMPS_READRES, R::All, C::COMPS_READRES, comps_mac);
  if (faithful) row("comps_readres_to_precharge", C::COMPS_READRES, R::All, C::PIM_PRECHARGE, comps_to_pim_pre);
  else row("readres_to_precharge", C::COMPS_READRES, R::All, C::PIM_PRECHARGE, rtp);

  // GWRITE issued. Same bank: READ, WRITE, PRE, COMP, COMPS_READRES 96; other
  // banks of its rank: READ 2, WRITE 14, GWRITE, COMP, COMPS_READRES, READRES
  // 96. The artifact sets no GWRITE or READRES bound in the GWRITE's own bank;
  // faithful: the bank's row is being copied for 96 cycles, so a second GWRITE
  // of that bank waits too (a READRES needs every bank and waits anyway).
  for (C to : {C::READ, C::WRITE, C::PRE}) row("gwrite_bank", C::GWRITE, R::SameBank, to, gwrite);
  for (C to : {C::COMP, C::COMPS_READRES}) row("gwrite_busy", C::GWRITE, R::SameBank, to, gwrite);
  if (faithful) row("gwrite_busy", C::GWRITE, R::SameBank, C::GWRITE, gwrite);
  for (R rel : {R::OtherBanksSameBg, R::OtherBgsSameRank}) {
    row("gwrite_to_rd", C::GWRITE, rel, C::READ, col);
    row("gwrite_to_wr", C::GWRITE, rel, C::WRITE, rd_to_wr);
    for (C to : {C::GWRITE, C::COMP, C::COMPS_READRES, C::READRES}) row("gwrite_busy", C::GWRITE, rel, to, gwrite);
  }
  return v;
}

std::vector<NewtonViolation> check_newton(const NewtonOptions& o, const dram::Timing& t,
                                          const std::vector<NewtonIssued>& stream, std::size_t max_report) {
  std::vector<NewtonViolation> out;
  auto report = [&](std::size_t i, const std::string& rule, const std::string& what) {
    if (max_report == 0 || out.size() < max_report) out.push_back({i, rule, what});
  };
  const bool dual = o.type == PimType::Dual;
  const int pim_buf = dual ? 1 : 0;
  const std::vector<NewtonCheckRow> table = newton_check_table(o);
  const std::size_t nrows = table.size();
  std::array<std::vector<std::size_t>, kClasses> by_from, by_to;
  for (std::size_t r = 0; r < nrows; ++r) {
    by_from[static_cast<std::size_t>(table[r].from)].push_back(r);
    by_to[static_cast<std::size_t>(table[r].to)].push_back(r);
  }
  // Per bank and table row: the latest bound set (cycle before which `to` may
  // not issue) and the issue cycle of the command that set it.
  struct Bound {
    std::uint64_t until = 0, from_cycle = 0;
  };
  std::vector<Bound> bound(static_cast<std::size_t>(kBanks) * nrows);
  auto at = [&](int bank, std::size_t r) -> Bound& { return bound[static_cast<std::size_t>(bank) * nrows + r]; };
  std::array<std::deque<std::uint64_t>, 2> acts;  // the last four ACTs per rank
  std::array<std::array<int, 2>, kBanks> open{};  // open row per bank and buffer, -1 closed
  for (auto& b : open) b = {-1, -1};
  std::vector<int> need;
  for (std::size_t i = 0; i < stream.size(); ++i) {
    const NewtonIssued& c = stream[i];
    if (static_cast<int>(c.cls) >= kClasses) {
      report(i, "order", "command class " + std::to_string(static_cast<int>(c.cls)) + " unknown");
      continue;
    }
    // The message prefix, built only when something is reported.
    auto when = [&] { return std::string(newton_class_name(c.cls)) + " at " + std::to_string(c.cycle); };
    if (!valid_coordinates(c)) {
      report(i, "order", when() + ": bank coordinates out of range");
      continue;
    }
    if (i > 0 && c.cycle <= stream[i - 1].cycle)
      report(i, "command_bus", when() + " not after the previous command (" + std::to_string(stream[i - 1].cycle) + ")");
    // Timing: every bound on this command in every bank it needs (one report
    // per table row, naming the bank with the latest bound).
    needed_banks(c, need);
    for (std::size_t r : by_to[static_cast<std::size_t>(c.cls)]) {
      int worst = -1;
      for (int b : need)
        if (at(b, r).until > c.cycle && (worst < 0 || at(b, r).until > at(worst, r).until)) worst = b;
      if (worst < 0) continue;
      const Bound& w = at(worst, r);
      const NewtonCheckRow& row = table[r];
      report(i, row.name, when() + " only " + std::to_string(c.cycle - w.from_cycle) + " cycles after " +
                              newton_class_name(row.from) + " (bank " + std::to_string(worst) + ", " +
                              relation_name(row.rel) + ", needs " + std::to_string(w.until - w.from_cycle) + ")");
    }
    if (c.cls == C::ACT) {
      auto& win = acts[static_cast<std::size_t>(c.rank)];
      if (win.size() == 4 && c.cycle < win.front() + static_cast<std::uint64_t>(std::max(0, t.nFAW)))
        report(i, "tFAW", when() + ": the 4th previous ACT of rank " + std::to_string(c.rank) + " was at " +
                              std::to_string(win.front()) + " (needs " + std::to_string(t.nFAW) + ")");
      win.push_back(c.cycle);
      if (win.size() > 4) win.pop_front();
    }
    // Row-buffer state.
    auto state = [&](int b, const std::string& what) {
      report(i, "state", when() + ": bank " + std::to_string(b) + " " + what);
    };
    switch (c.cls) {
      case C::ACT: {
        const int b = need[0];
        if (open[b][0] >= 0) state(b, "has row " + std::to_string(open[b][0]) + " open");
        if (dual && open[b][1] == c.row) state(b, "has row " + std::to_string(c.row) + " open in its PIM buffer");
        open[b][0] = c.row;
        break;
      }
      case C::G_ACT:
        for (int b : need) {
          if (open[b][pim_buf] >= 0 && open[b][pim_buf] != c.row)
            state(b, "has row " + std::to_string(open[b][pim_buf]) + " open");
          if (dual && open[b][0] == c.row) state(b, "has row " + std::to_string(c.row) + " open in its normal buffer");
          open[b][pim_buf] = c.row;
        }
        break;
      case C::PRE:
      case C::PIM_PRECHARGE: {
        const int b = need[0];
        const int buf = c.cls == C::PRE ? 0 : pim_buf;
        if (open[b][buf] < 0) state(b, "is closed");
        open[b][buf] = -1;
        break;
      }
      case C::READ:
      case C::WRITE:
      case C::GWRITE: {
        const int b = need[0];
        if (open[b][0] != c.row) state(b, "does not have row " + std::to_string(c.row) + " open");
        break;
      }
      case C::REF:
        for (int b : need)
          if (open[b][0] >= 0 || open[b][1] >= 0) state(b, "is open");
        break;
      case C::COMP:
      case C::READRES:
      case C::COMPS_READRES:
        for (int b : need)
          if (open[b][pim_buf] != c.row) {
            state(b, "does not have the GEMV row " + std::to_string(c.row) + " open" + (dual ? " in its PIM buffer" : ""));
            break;  // one report per command
          }
        break;
      default: break;
    }
    // Bounds this command sets.
    for (std::size_t r : by_from[static_cast<std::size_t>(c.cls)]) {
      const int d = table[r].distance(t, c.arg);
      if (d <= 0) continue;
      const std::uint64_t until = c.cycle + static_cast<std::uint64_t>(d);
      for (int b = 0; b < kBanks; ++b) {
        if (!related(table[r].rel, c, b)) continue;
        Bound& x = at(b, r);
        if (until > x.until) x = {until, c.cycle};
      }
    }
  }
  return out;
}

}  // namespace pimlab::pim
