// DRAM command sets and timing rules as data.
//
// A command set is a list of command classes (what a command touches and what
// it does to the bank state) and a list of timing rules
//   (previous class, next class, scope, minimum distance expression, n-th).
// The engine evaluates any such table; PIM command families (Pimba, Newton /
// NeuPIMs G_ACT / COMP / READRES, AttAcc all-bank / same-bank MACs) are added
// as more classes and rows, not as engine code.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dram/spec.h"

namespace pimlab::dram {

using ClassId = std::uint16_t;

// Which banks one command of a class touches, given its address.
enum class Target : std::uint8_t {
  Bank,           // the addressed bank
  BankGroup,      // every bank of the addressed bank group (e.g. Newton G_ACT)
  PseudoChannel,  // every bank of the addressed pseudo-channel (PREA, REF)
  Channel,        // every bank of the channel (e.g. NeuPIMs COMP, AttAcc ACTAB)
  // The addressed bank index in every bank group of every pseudo-channel
  // (AttAcc same-bank ACTSB / MACSB / PRESB).
  BankIndex,
  // The addressed bank (bank group and index) in every pseudo-channel
  // (AttAcc per-bank ACTPB / MACPB / PREPB, broadcast to both pCHs).
  BankAllPseudoChannels,
};

// What the command does to the touched banks' state; the engine refuses a
// command whose precondition does not hold.
enum class BankEffect : std::uint8_t {
  None,        // no precondition, no change (e.g. READRES)
  Open,        // precondition: banks closed; opens the addressed row
  Close,       // precondition: single-bank target must be open; closes (PREA: any)
  Access,      // precondition: banks open at the addressed row (RD, WR, COMP)
  Refresh,     // precondition: banks closed; banks busy per the rules
};

// HBM has separate row and column command buses; with one shared bus (the
// default) every class competes for the same slot.
enum class Bus : std::uint8_t { Row, Column };

struct CommandClass {
  std::string name;   // "ACT", "RD", ... (unique within the set)
  Target target;
  BankEffect effect;
  Bus bus;
  // The row buffer of each touched bank that the class opens, accesses or
  // closes: 0 = the bank's row buffer; a design with a second, PIM-only row
  // buffer per bank (NeuPIMs) gives its PIM classes 1. Refresh needs every
  // row buffer of its banks closed.
  int row_buffer = 0;
  // A command that opens a unit of work which must end before the next
  // all-bank refresh (Pimba's REFRESH_BARRIER): its argument is the cycles
  // that work needs, and it may issue at cycle c only if
  // (c mod nREFI) + argument < nREFI.
  bool fits_refresh_interval = false;
};

// Scope of a rule, relative to the previous command's touched banks:
enum class Scope : std::uint8_t {
  SameBank,        // the two commands touch a common bank
  SameBankGroup,   // ... a common bank group (includes the same bank)
  OtherBankGroup,  // same pseudo-channel, some pair of touched banks in different bank groups
  PseudoChannel,   // a common pseudo-channel
  Channel,         // anywhere in the channel
  OtherPseudoChannel,  // some pair of touched banks in different pseudo-channels
                       // (e.g. a rank-to-rank turnaround such as tRTRS)
};

const char* scope_name(Scope s);

// next may issue no earlier than prev + distance, where prev is any earlier
// command of class `from` in the scope, or, with nth > 1, the nth most recent
// one (nth = 4 for tFAW: the 5th ACT in a pseudo-channel waits nFAW after the
// 1st). nth > 1 needs scope PseudoChannel or Channel and a distance without
// `n`. `distance` is a sum of products of timing names and integers, or the
// max() of several such sums, e.g. "nCL+nBL+1-nCWL" or
// "max(nRRDS, nFAW, n*col+2)"; `n` is the previous command's argument (a PIM
// command's register writes or result reads) and `col` = max(nBL, nCCDL), one
// column access. `name` is the JEDEC parameter (or PIM rule) it implements.
struct Rule {
  std::string name;
  std::string from;
  std::string to;
  Scope scope;
  std::string distance;
  int nth = 1;
};

struct CommandSet {
  std::string name;  // "hbm", "pimba-family", ...
  std::vector<CommandClass> classes;
  std::vector<Rule> rules;

  // Row buffers per bank: 1 + the largest row_buffer of any class.
  int row_buffers() const;

  // Index of the class named `name`; throws std::invalid_argument if absent.
  ClassId id(const std::string& name) const;
  const CommandClass& cls(ClassId c) const { return classes.at(c); }
};

// The HBM command set: ACT, PRE, PREA, RD, WR, REF (all-bank, per pseudo-
// channel), REFPB (per bank) and the rules of docs/dram.md. Built once per
// process (it does not depend on the spec); copy it to extend it.
const CommandSet& hbm_command_set();

// The ids of the HBM classes in a command set that contains them (the HBM set
// or one extended with PIM rows); throws like CommandSet::id for a missing one.
struct HbmClassIds {
  ClassId ACT, PRE, PREA, RD, WR, REF, REFPB;
  static HbmClassIds of(const CommandSet& s) {
    return {s.id("ACT"), s.id("PRE"), s.id("PREA"), s.id("RD"), s.id("WR"), s.id("REF"), s.id("REFPB")};
  }
};

// A distance expression evaluated for one timing set:
//   distance(n) = max(base, arg_mult * n + arg_const)   (base alone when arg_mult == 0)
// where n is the previous command's argument.
struct Distance {
  static constexpr int kNone = -(1 << 29);  // base of a max() whose every term depends on n
  int base = kNone;
  int arg_mult = 0;
  int arg_const = 0;
  bool uses_arg() const { return arg_mult != 0; }
  int at(std::uint32_t n) const {
    if (arg_mult == 0) return base;
    const long long v = static_cast<long long>(arg_mult) * n + arg_const;
    return v > base ? static_cast<int>(v) : base;
  }
};

// Compiles a distance expression; throws std::invalid_argument naming an
// unknown name, a malformed term, or two n-terms of different weight.
Distance compile_distance(const std::string& expr, const Timing& t);
// A distance without `n`; throws std::invalid_argument otherwise.
int eval_distance(const std::string& expr, const Timing& t);

}  // namespace pimlab::dram
