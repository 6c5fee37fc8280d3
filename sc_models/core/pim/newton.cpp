#include "pim/newton.h"

#include <cstdio>
#include <stdexcept>
#include <vector>

namespace pimlab::pim {

const char* pim_type_name(PimType t) {
  switch (t) {
    case PimType::Dual: return "dual";
    case PimType::Single: return "single";
    case PimType::Dram: return "dram";
  }
  return "?";
}

PimType parse_pim_type(const std::string& s) {
  if (s == "dual") return PimType::Dual;
  if (s == "single") return PimType::Single;
  if (s == "dram") return PimType::Dram;
  throw std::invalid_argument("unknown PIM type '" + s + "' (allowed: dual, single, dram)");
}

const char* txn_type_name(TxnType t) {
  switch (t) {
    case TxnType::Read: return "READ";
    case TxnType::Write: return "WRITE";
    case TxnType::GWrite: return "GWRITE";
    case TxnType::PHeader: return "P_HEADER";
    case TxnType::Comp: return "COMP";
    case TxnType::ReadRes: return "READRES";
    case TxnType::CompsReadRes: return "COMPS_READRES";
  }
  return "?";
}

TxnType parse_txn_type(const std::string& s) {
  for (TxnType t : {TxnType::Read, TxnType::Write, TxnType::GWrite, TxnType::PHeader, TxnType::Comp,
                    TxnType::ReadRes, TxnType::CompsReadRes})
    if (s == txn_type_name(t)) return t;
  throw std::invalid_argument("unknown transaction type '" + s +
                              "' (allowed: READ, WRITE, GWRITE, P_HEADER, COMP, READRES, COMPS_READRES)");
}

NewtonAddress decode_newton_address(std::uint64_t addr) {
  if (addr >> kNewtonAddressBits)
    throw std::invalid_argument("address 0x" + [&] {
      char b[32];
      std::snprintf(b, sizeof b, "%llx", static_cast<unsigned long long>(addr));
      return std::string(b);
    }() + " has bits above bit 34 (the channel holds 2^35 bytes)");
  NewtonAddress a;
  std::uint64_t v = addr >> 6;
  a.col = static_cast<int>(v & 15);
  v >>= 4;
  a.channel = static_cast<int>(v & 31);
  v >>= 5;
  a.bank = static_cast<int>(v & 3);
  v >>= 2;
  a.bg = static_cast<int>(v & 3);
  v >>= 2;
  a.rank = static_cast<int>(v & 1);
  v >>= 1;
  a.row = static_cast<int>(v & 32767);
  return a;
}

std::uint64_t encode_newton_address(const NewtonAddress& a) {
  std::uint64_t v = static_cast<std::uint64_t>(a.row & 32767);
  v = (v << 1) | static_cast<std::uint64_t>(a.rank & 1);
  v = (v << 2) | static_cast<std::uint64_t>(a.bg & 3);
  v = (v << 2) | static_cast<std::uint64_t>(a.bank & 3);
  v = (v << 5) | static_cast<std::uint64_t>(a.channel & 31);
  v = (v << 4) | static_cast<std::uint64_t>(a.col & 15);
  return v << 6;
}

namespace {
int floor_log2(std::uint64_t v) {
  int l = 0;
  while (v > 1) {
    v >>= 1;
    ++l;
  }
  return l;
}
// rank*16 + bg*4 + bank <-> the 5-bit bank field of the PIM encodings.
NewtonAddress with_bank_field(int channel, int row, int field, int col) {
  NewtonAddress a;
  a.channel = channel;
  a.row = row;
  a.col = col;
  a.rank = (field >> 4) & 1;
  a.bg = (field >> 2) & 3;
  a.bank = field & 3;
  return a;
}
int bank_field(const NewtonAddress& a) { return a.rank * 16 + a.bg * 4 + a.bank; }
}  // namespace

Txn make_txn(TxnType t, std::uint64_t addr) {
  Txn x;
  x.type = t;
  x.addr = addr;
  x.a = decode_newton_address(addr);
  switch (t) {
    case TxnType::PHeader:
      x.num_comps = std::uint64_t{1} << (x.a.col & 7);
      x.num_readres = std::uint64_t{1} << bank_field(x.a);
      x.gwrite_header = (x.a.col & 8) != 0;
      break;
    case TxnType::CompsReadRes:
      x.num_comps = static_cast<std::uint64_t>(bank_field(x.a)) + 1;
      x.last = x.a.col == 1;
      break;
    case TxnType::ReadRes: x.last = x.a.col == 1; break;
    default: break;
  }
  return x;
}

std::uint64_t p_header_addr(int channel, int row, std::uint64_t num_comps, std::uint64_t num_readres) {
  // The fields hold log2 of each count (rounded down): 3 bits of column for
  // num_comps, the 5-bit bank field for num_readres. A larger count would
  // wrap (256 COMPs would read as 1) and mislead the refresh-deadline check.
  if (num_comps < 1 || num_comps > 255)
    throw std::invalid_argument("P_HEADER num_comps " + std::to_string(num_comps) +
                                " out of range [1, 255] (log2 in 3 bits; counts are rounded down to a power of two)");
  if (num_readres < 1 || num_readres > 0xFFFFFFFFull)
    throw std::invalid_argument("P_HEADER num_readres " + std::to_string(num_readres) +
                                " out of range [1, 4294967295] (log2 in 5 bits; counts are rounded down to a power of two)");
  return encode_newton_address(
      with_bank_field(channel, row, floor_log2(num_readres) & 31, floor_log2(num_comps) & 7));
}
std::uint64_t comps_readres_addr(int channel, int row, int num_comps, bool last) {
  if (num_comps < 1 || num_comps > 32)
    throw std::invalid_argument("COMPS_READRES num_comps " + std::to_string(num_comps) + " out of range [1, 32]");
  return encode_newton_address(with_bank_field(channel, row, num_comps - 1, last ? 1 : 0));
}
std::uint64_t comp_addr(int channel, int row) { return encode_newton_address(with_bank_field(channel, row, 0, 0)); }
std::uint64_t readres_addr(int channel, int row, bool last) {
  return encode_newton_address(with_bank_field(channel, row, 0, last ? 1 : 0));
}
std::uint64_t normal_addr(int channel, int rank, int bg, int bank, int row, int col) {
  NewtonAddress a;
  a.channel = channel;
  a.rank = rank;
  a.bg = bg;
  a.bank = bank;
  a.row = row;
  a.col = col;
  return encode_newton_address(a);
}

dram::DramSpec newton_spec() {
  dram::DramSpec s;
  s.name = "hbm2-newton";
  s.org.channels = 32;
  s.org.pseudo_channels = 2;  // DRAMsim3's 2 ranks
  s.org.bank_groups = 4;
  s.org.banks_per_group = 4;
  s.org.rows = 32768;
  s.org.columns = 16;         // 64 B requests (BL4 x 128 bit) in a 1 KB row
  s.org.atom_bytes = 64;
  s.org.page_bytes = 1024;
  dram::Timing& t = s.t;
  t.tCK_ps = 1000;
  t.nBL = 2;
  t.nCL = 14;
  t.nCWL = 4;
  t.nRCDRD = 14;
  t.nRCDWR = 14;
  t.nRP = 14;
  t.nRAS = 34;
  t.nRC = 48;
  t.nWR = 16;
  t.nRTPS = 5;
  t.nRTPL = 5;
  t.nCCDS = 1;
  t.nCCDL = 2;
  t.nRRDS = 4;
  t.nRRDL = 6;
  t.nWTRS = 6;
  t.nWTRL = 8;
  t.nFAW = 30;
  t.nRFC = 260;
  t.nRFCpb = 260;  // per-bank refresh is disabled in the configuration
  t.nREFI = 3900;
  t.nREFIpb = 3900;
  // IDD currents of §7 (NewtonEnergy's per-event values follow from them;
  // test "newton energy: IDD events and background" derives them again).
  s.p.VDD_mV = 1200;
  s.p.IDD0 = 65;
  s.p.IDD2N = 40;
  s.p.IDD3N = 55;
  s.p.IDD4R = 390;
  s.p.IDD4W = 500;
  s.p.IDD5AB = 250;
  dram::validate(s);
  return s;
}

const char* newton_class_name(NewtonClass c) {
  static const char* names[] = {"ACT",     "PRE",    "READ",          "WRITE",   "REF",
                                "GWRITE",  "G_ACT",  "PIM_PRECHARGE", "COMP",    "READRES",
                                "COMPS_READRES", "P_HEADER"};
  return names[static_cast<int>(c)];
}

dram::CommandSet newton_command_set(const NewtonOptions& o) {
  using dram::BankEffect;
  using dram::Bus;
  using dram::Target;
  using S = dram::Scope;
  const bool dual = o.type == PimType::Dual;
  const bool artifact = o.artifact_compatible;
  dram::CommandSet s;
  s.name = std::string("newton-") + pim_type_name(o.type);
  const int pim_buf = dual ? 1 : 0;
  // One command bus per channel (hbm_dual_cmd off). COMP / READRES /
  // COMPS_READRES do not check the row (the controller establishes it);
  // P_HEADER takes a command slot and has no rule and no effect.
  s.classes = {
      {"ACT", Target::Bank, BankEffect::Open, Bus::Row},
      {"PRE", Target::Bank, BankEffect::Close, Bus::Row},
      {"READ", Target::Bank, BankEffect::Access, Bus::Row},
      {"WRITE", Target::Bank, BankEffect::Access, Bus::Row},
      {"REF", Target::PseudoChannel, BankEffect::Refresh, Bus::Row},
      {"GWRITE", Target::Bank, BankEffect::Access, Bus::Row},
      {"G_ACT", Target::BankGroup, BankEffect::Open, Bus::Row, pim_buf},
      {"PIM_PRECHARGE", Target::Bank, BankEffect::Close, Bus::Row, pim_buf},
      {"COMP", Target::Channel, BankEffect::None, Bus::Row, pim_buf},
      {"READRES", Target::Channel, BankEffect::None, Bus::Row, pim_buf},
      {"COMPS_READRES", Target::Channel, BankEffect::None, Bus::Row, pim_buf},
      {"P_HEADER", Target::Channel, BankEffect::None, Bus::Row},
  };
  // The rows of neupims_pim.md §4.1. Scopes relative to the previous
  // command's banks: SB same bank, SBG its bank group (same bank included),
  // OBG other bank groups of its rank, PC its rank (pseudo-channel), OPC the
  // other rank, CH the channel. Names of derived distances:
  //   col = max(burst, tCCD_L) = 2 (RD->RD, WR->WR);   tRTRS = 2 (rank switch)
  //   RD->WR = RL + burst - WL + tRTRS = nCL+nBL-nCWL+2 = 14
  //   WR->RD = WL + burst + tWTR = nCWL+nBL+nWTRL (14) / nCWL+nBL+nWTRS (12)
  //   WR->PRE = WL + burst + tWR = 22;  GWRITE = (tCCD_S + tCCD_L) x 32 = 96
  //   READRES -> G_ACT = tRTP + tRP = 19
  const char* rdwr_turn = "nCL+nBL-nCWL+2";
  const char* gw = "32*nCCDS+32*nCCDL";
  std::vector<dram::Rule>& r = s.rules;
  auto add = [&](const char* name, const char* from, const char* to, S sc, const char* d, int nth = 1) {
    r.push_back({name, from, to, sc, d, nth});
  };
  // ACT issued.
  add("tRC", "ACT", "ACT", S::SameBank, "nRC");
  add("tRRD_L", "ACT", "ACT", S::SameBankGroup, "nRRDL");
  add("tRRD_S", "ACT", "ACT", S::OtherBankGroup, "nRRDS");
  add("tFAW", "ACT", "ACT", S::PseudoChannel, "nFAW", 4);
  add("tRCD_RD", "ACT", "READ", S::SameBank, "nRCDRD");
  add("tRCD_WR", "ACT", "WRITE", S::SameBank, "nRCDWR");
  add("tRCD_GWRITE", "ACT", "GWRITE", S::SameBank, "nRCDRD");
  add("tRAS", "ACT", "PRE", S::SameBank, "nRAS");
  add("act_to_gact_bank", "ACT", "G_ACT", S::SameBank, dual ? "nRRDL" : "nRC");
  add("act_to_gact_bg", "ACT", "G_ACT", S::SameBankGroup, "nRRDL");
  add("act_to_gact_rank", "ACT", "G_ACT", S::OtherBankGroup, "nRRDS");
  // PRE issued.
  add("tRP", "PRE", "ACT", S::SameBank, "nRP");
  add("tRP_REF", "PRE", "REF", S::SameBank, "nRP");
  if (!dual && !artifact) add("tRP_GACT", "PRE", "G_ACT", S::SameBank, "nRP");  // quirk 2
  // READ issued.
  add("rd_to_rd", "READ", "READ", S::PseudoChannel, "max(nBL, nCCDL)");
  add("tRTRS_rd_to_rd", "READ", "READ", S::OtherPseudoChannel, "nBL+2");
  add("rd_to_wr", "READ", "WRITE", S::Channel, rdwr_turn);
  add("tRTP", "READ", "PRE", S::SameBank, "nRTPL");
  add("rd_to_gwrite", "READ", "GWRITE", S::PseudoChannel, "max(nBL, nCCDL)");
  for (const char* pim : {"COMP", "COMPS_READRES", "READRES"})
    add("rd_to_pim", "READ", pim, dual ? S::OtherBankGroup : S::PseudoChannel, "max(nBL, nCCDL)");
  add("tRTRS_rd_to_readres", "READ", "READRES", S::OtherPseudoChannel, "nBL+2");
  // WRITE issued.
  add("tWTR_L", "WRITE", "READ", S::SameBankGroup, "nCWL+nBL+nWTRL");
  add("tWTR_S", "WRITE", "READ", S::OtherBankGroup, "nCWL+nBL+nWTRS");
  add("wr_to_wr", "WRITE", "WRITE", S::Channel, "max(nBL, nCCDL)");
  add("tWR", "WRITE", "PRE", S::SameBank, "nCWL+nBL+nWR");
  add("tWTR_L_gwrite", "WRITE", "GWRITE", S::SameBankGroup, "nCWL+nBL+nWTRL");
  add("tWTR_S_gwrite", "WRITE", "GWRITE", S::OtherBankGroup, "nCWL+nBL+nWTRS");
  for (const char* pim : {"COMP", "COMPS_READRES", "READRES"}) {
    if (!dual) add("tWTR_L_pim", "WRITE", pim, S::SameBankGroup, "nCWL+nBL+nWTRL");
    add("tWTR_S_pim", "WRITE", pim, S::OtherBankGroup, "nCWL+nBL+nWTRS");
  }
  // REF issued (the 16 banks of the rank).
  add("tRFC", "REF", "ACT", S::PseudoChannel, "nRFC");
  add("tRFC", "REF", "REF", S::PseudoChannel, "nRFC");
  add("tRFC", "REF", "G_ACT", S::PseudoChannel, "nRFC");
  // G_ACT issued: its 4 banks, and the whole rank (tFAW: a G_ACT activates 4 banks).
  // Faithful (quirk 2): a G_ACT activates 4 banks, i.e. a full four-activation
  // window by itself, so no ACT of its rank may precede it within nFAW either
  // (the artifact only blocks ACT / G_ACT for nFAW after it).
  if (!artifact) add("gact_in_faw", "ACT", "G_ACT", S::PseudoChannel, "nFAW");
  add("gact_to_act_bank", "G_ACT", "ACT", S::SameBank, dual ? "nRRDL" : "nRC");
  add("gact_faw", "G_ACT", "ACT", S::PseudoChannel, "nFAW");
  add("gact_to_gact_bank", "G_ACT", "G_ACT", S::SameBank, "nRC");
  add("gact_faw", "G_ACT", "G_ACT", S::PseudoChannel, "nFAW");
  add("gact_to_comp", "G_ACT", "COMP", S::PseudoChannel, "nRCDRD");
  add("gact_to_comp", "G_ACT", "COMPS_READRES", S::PseudoChannel, "nRCDRD");
  add("gact_to_comp", "G_ACT", "READRES", S::SameBank, "nRCDRD");
  add("gact_to_pim_precharge", "G_ACT", "PIM_PRECHARGE", S::SameBank, "nRAS");
  // PIM_PRECHARGE issued.
  add("tRP_pim_ref", "PIM_PRECHARGE", "REF", S::SameBank, "nRP");
  add("tRP_pim_gact", "PIM_PRECHARGE", "G_ACT", S::SameBank, "nRP");
  // COMP issued (SINGLE; all 32 banks).
  add("comp_to_rd", "COMP", "READ", S::Channel, "max(nBL, nCCDL)");
  add("comp_to_wr", "COMP", "WRITE", S::Channel, rdwr_turn);
  add("comp_to_gwrite", "COMP", "GWRITE", S::Channel, "max(nBL, nCCDL)");
  add("comp_to_comp", "COMP", "COMP", S::Channel, "nCCDL");
  add("comp_to_readres", "COMP", "READRES", S::Channel, "nCCDL");
  // The first COMP after a READRES (argument 1) fills the adder tree: its
  // READRES waits 6 cycles (3 MAC steps of tCCD_L).
  add("adder_tree_fill", "COMP", "READRES", S::Channel, "3*nCCDL*n");
  add("comp_to_precharge", "COMP", "PIM_PRECHARGE", S::Channel, "nRTPL");
  add("comp_to_precharge", "COMP", "PRE", S::Channel, "nRTPL");
  // READRES issued (SINGLE; all 32 banks).
  add("readres_to_rd", "READRES", "READ", S::Channel, "nBL+2");
  add("readres_to_wr", "READRES", "WRITE", S::Channel, rdwr_turn);
  add("readres_to_gwrite", "READRES", "GWRITE", S::Channel, "max(nBL, nCCDL)");
  add("readres_to_comp", "READRES", "COMP", S::Channel, "nCCDL");
  add("readres_to_readres", "READRES", "READRES", S::Channel, "nCCDL");
  add("readres_to_gact", "READRES", "G_ACT", S::Channel, "nRTPL+nRP");
  add("readres_to_precharge", "READRES", "PIM_PRECHARGE", S::Channel, "nRTPL");
  add("readres_to_precharge", "READRES", "PRE", S::Channel, "nRTPL");
  // COMPS_READRES issued (DUAL; all 32 banks). The next one waits for this
  // one's MACs: 2 * (max(num_comps, 6) + 1).
  add("readres_to_rd", "COMPS_READRES", "READ", S::Channel, "nBL+2");
  add("readres_to_wr", "COMPS_READRES", "WRITE", S::Channel, rdwr_turn);
  add("readres_to_gwrite", "COMPS_READRES", "GWRITE", S::Channel, "max(nBL, nCCDL)");
  add("readres_to_gact", "COMPS_READRES", "G_ACT", S::Channel, "nRTPL+nRP");
  add("readres_to_comp", "COMPS_READRES", "COMP", S::Channel, "nCCDL");
  add("readres_to_readres", "COMPS_READRES", "READRES", S::Channel, "nCCDL");
  add("comps_readres_mac", "COMPS_READRES", "COMPS_READRES", S::Channel, "max(7*nCCDL, nCCDL*n + nCCDL)");
  if (artifact) {
    // Quirk 1: the PIM precharge ignores the MACs still running.
    add("readres_to_precharge", "COMPS_READRES", "PIM_PRECHARGE", S::Channel, "nRTPL");
  } else {
    // The results are read after the MACs (2 * max(num_comps, 6) cycles).
    add("comps_readres_to_precharge", "COMPS_READRES", "PIM_PRECHARGE", S::Channel,
        "max(6*nCCDL + nRTPL, nCCDL*n + nRTPL)");
  }
  // GWRITE issued: the row goes to the global buffer through the channel's
  // internal bus for 96 cycles.
  add("gwrite_bank", "GWRITE", "READ", S::SameBank, gw);
  add("gwrite_bank", "GWRITE", "WRITE", S::SameBank, gw);
  add("gwrite_bank", "GWRITE", "PRE", S::SameBank, gw);
  add("gwrite_to_rd", "GWRITE", "READ", S::PseudoChannel, "max(nBL, nCCDL)");
  add("gwrite_to_wr", "GWRITE", "WRITE", S::PseudoChannel, rdwr_turn);
  add("gwrite_busy", "GWRITE", "GWRITE", S::PseudoChannel, gw);
  add("gwrite_busy", "GWRITE", "COMP", S::PseudoChannel, gw);
  add("gwrite_busy", "GWRITE", "COMPS_READRES", S::PseudoChannel, gw);
  add("gwrite_busy", "GWRITE", "READRES", S::PseudoChannel, gw);
  return s;
}

}  // namespace pimlab::pim
