// The Newton / NeuPIMs PIM command family as data (docs/pim_protocols.md,
// "Newton / NeuPIMs family"): the HBM2 channel of NewtonSim (2 ranks = 2
// pseudo-channels x 4 bank groups x 4 banks, 1 GHz), its transactions and
// their address encodings, its command classes (ACT, PRE, READ, WRITE, REF,
// GWRITE, G_ACT, PIM_PRECHARGE, COMP, READRES, COMPS_READRES, P_HEADER) and
// the timing rules of the three flavours as rows of the one rule engine
// (dram::ChannelEngine). DUAL (NeuPIMs) gives its PIM classes the bank's
// second, PIM-only row buffer (row_buffer = 1).
#pragma once

#include <cstdint>
#include <string>

#include "dram/rules.h"
#include "dram/spec.h"

namespace pimlab::pim {

// Which controller and bank organisation (neupims_pim.md, flavour table).
enum class PimType : std::uint8_t {
  Dual,    // NeuPIMs: normal + PIM row buffer per bank
  Single,  // Newton: one row buffer shared by PIM and normal traffic
  Dram,    // plain DRAM controller, no PIM transactions
};
const char* pim_type_name(PimType t);             // "dual", "single", "dram"
PimType parse_pim_type(const std::string& s);     // throws std::invalid_argument

// Transactions handed to the memory (neupims_pim.md §2).
enum class TxnType : std::uint8_t { Read, Write, GWrite, PHeader, Comp, ReadRes, CompsReadRes };
const char* txn_type_name(TxnType t);             // "READ", "WRITE", "GWRITE", ...
// Throws std::invalid_argument naming the word and the allowed names.
TxnType parse_txn_type(const std::string& s);
inline bool is_pim_txn(TxnType t) { return t != TxnType::Read && t != TxnType::Write; }

// Address layout `rorabgbachco`, LSB first: byte offset 6 bits | column 4 |
// channel 5 | bank 2 | bank group 2 | rank 1 | row 15 (35 bits).
struct NewtonAddress {
  int channel = 0, rank = 0, bg = 0, bank = 0, row = 0, col = 0;
};
constexpr int kNewtonAddressBits = 35;
// Throws std::invalid_argument for an address with bits above bit 34.
NewtonAddress decode_newton_address(std::uint64_t addr);
std::uint64_t encode_newton_address(const NewtonAddress& a);

// One transaction with its decoded fields.
struct Txn {
  TxnType type = TxnType::Read;
  std::uint64_t addr = 0;
  NewtonAddress a;
  // P_HEADER: num_comps = 2^(column & 7), num_readres = 2^(rank*16+bg*4+bank)
  // (only the refresh-deadline estimate reads them). COMPS_READRES:
  // num_comps = rank*16+bg*4+bank + 1. COMPS_READRES / READRES: last = column 1.
  std::uint64_t num_comps = 0, num_readres = 0;
  bool last = false;
  bool gwrite_header = false;  // P_HEADER with column bit 3 (NeuPIMs' own gwrite flag)
  // The driver's name for the transaction, handed back with its response
  // (NewtonChannel::set_response_sink); the controller never reads it.
  std::uint64_t tag = 0;
};
Txn make_txn(TxnType t, std::uint64_t addr);
// Encoders of the driver side (the micro-benchmark and the attention streams).
// p_header_addr: the counts are rounded down to powers of two; num_comps
// 1..255 (log2 <= 7), num_readres 1..2^32-1 (log2 <= 31), else
// std::invalid_argument naming the value and the range (no wrapping).
std::uint64_t p_header_addr(int channel, int row, std::uint64_t num_comps, std::uint64_t num_readres);
std::uint64_t comps_readres_addr(int channel, int row, int num_comps, bool last);  // num_comps 1..32
std::uint64_t comp_addr(int channel, int row);
std::uint64_t readres_addr(int channel, int row, bool last);
std::uint64_t normal_addr(int channel, int rank, int bg, int bank, int row, int col);

// The HBM2 8 Gb x128 channel of the NeuPIMs configuration (neupims_pim.md §1):
// 2 pseudo-channels (DRAMsim3's ranks), 4 x 4 banks, 32768 rows of 1 KB, 64 B
// requests, 1 GHz. nRTPL = nRTPS = 5 (the default the simulator falls back
// to), nREFI = 3900 per rank (staggered: one REF every 1950 cycles).
dram::DramSpec newton_spec();

// Options that change the rule rows (the faithful default vs the artifact).
struct NewtonOptions {
  PimType type = PimType::Dual;
  // Reproduce the simulator's quirks (neupims_pim.md §12); default: the
  // physical rules (docs/pim_protocols.md lists each deviation).
  bool artifact_compatible = false;
  // Controller speed-up that leaves every result bit unchanged (tested
  // against the plain controller): cycles in which nothing can happen are
  // jumped over, and refusals (of a command, a bank queue's visit, the PIM
  // head) are remembered until their first legal cycle while their inputs
  // are unchanged (pim/newton_controller.h). false: the plain cycle-stepped
  // controller.
  bool event_skip = true;
};

// The command set: classes in NewtonClass order and the flavour's rule rows.
// Arguments n the rules read: COMPS_READRES = its num_comps; COMP = 1 for the
// first COMP after a READRES (adder-tree fill), else 0.
dram::CommandSet newton_command_set(const NewtonOptions& o);

// Class ids of newton_command_set() (its class order).
enum class NewtonClass : std::uint16_t {
  ACT, PRE, READ, WRITE, REF, GWRITE, G_ACT, PIM_PRECHARGE, COMP, READRES, COMPS_READRES, P_HEADER, kCount
};
const char* newton_class_name(NewtonClass c);
inline dram::ClassId cid(NewtonClass c) { return static_cast<dram::ClassId>(c); }

// Cycles constants of the controller (neupims_pim.md §1, §5).
struct NewtonTiming {
  int read_delay = 16;     // RL + burst: READ, READRES, COMPS_READRES data return
  int gwrite_delay = 96;   // (tCCD_S + tCCD_L) x 32
  int refresh_stagger = 1950;  // tREFI / 2: one rank refreshes every 1950 cycles
};

// IDD energy per event in pJ (neupims_pim.md §7, VDD 1.2 V).
struct NewtonEnergy {
  double act = 828, read = 804, write = 1068, ref = 60840, g_act = 3312, comp = 3216, readres = 804,
         gwrite = 12864, bg_active = 66, bg_idle = 48;
};

}  // namespace pimlab::pim
