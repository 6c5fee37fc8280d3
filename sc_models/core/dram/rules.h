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
};

// Scope of a rule, relative to the previous command's touched banks:
enum class Scope : std::uint8_t {
  SameBank,        // the two commands touch a common bank
  SameBankGroup,   // ... a common bank group (includes the same bank)
  OtherBankGroup,  // same pseudo-channel, some pair of touched banks in different bank groups
  PseudoChannel,   // a common pseudo-channel
  Channel,         // anywhere in the channel
};

const char* scope_name(Scope s);

// next may issue no earlier than prev + distance, where prev is the nth most
// recent command of class `from` in the scope (nth = 4 for tFAW: the 5th ACT
// in a pseudo-channel waits nFAW after the 1st). nth > 1 needs scope
// PseudoChannel or Channel. `distance` is a sum of timing names and integers,
// e.g. "nCL+nBL+1-nCWL"; `name` is the JEDEC parameter the rule implements.
struct Rule {
  std::string name;
  std::string from;
  std::string to;
  Scope scope;
  std::string distance;
  int nth = 1;
};

struct CommandSet {
  std::vector<CommandClass> classes;
  std::vector<Rule> rules;

  // Index of the class named `name`; throws std::invalid_argument if absent.
  ClassId id(const std::string& name) const;
  const CommandClass& cls(ClassId c) const { return classes.at(c); }
};

// The HBM command set: ACT, PRE, PREA, RD, WR, REF (all-bank, per pseudo-
// channel), REFPB (per bank) and the rules of docs/dram.md.
CommandSet hbm_command_set();

// The ids of the HBM classes in a command set that contains them (the HBM set
// or one extended with PIM rows); throws like CommandSet::id for a missing one.
struct HbmClassIds {
  ClassId ACT, PRE, PREA, RD, WR, REF, REFPB;
  static HbmClassIds of(const CommandSet& s) {
    return {s.id("ACT"), s.id("PRE"), s.id("PREA"), s.id("RD"), s.id("WR"), s.id("REF"), s.id("REFPB")};
  }
};

// Evaluates a distance expression against the timing; throws
// std::invalid_argument naming an unknown term.
int eval_distance(const std::string& expr, const Timing& t);

}  // namespace pimlab::dram
