// A PIM command protocol as data: the timing parameters it reads, its timing
// rules as rows (previous command class -> next command class, minimum
// distance as an expression of the timing parameters and of the previous
// command's argument n or r) and the refresh-barrier estimate.
//
// The engine (engine.h) only interprets these rows; a second family (Newton /
// NeuPIMs, AttAcc) is another table of the same shape (docs/pim_protocols.md).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dram/spec.h"
#include "pim/command.h"

namespace pimlab::pim {

// Timing parameters a PIM protocol reads, in tCK cycles (tCK_ps in ps).
// Taken from a DRAM preset (dram/spec.h); `col` is derived.
struct PimTiming {
  std::int64_t tCK_ps = 0;
  int nBL = 0, nCCDS = 0, nCCDL = 0, nRRDS = 0, nRRDL = 0, nFAW = 0, nRCDRD = 0, nRCDWR = 0,
      nRP = 0, nRAS = 0, nRTPS = 0, nRTPL = 0, nWR = 0, nRFC = 0, nREFI = 0;
  int col() const { return nBL > nCCDL ? nBL : nCCDL; }  // one column access: max(nBL, nCCD_L)
};
PimTiming timing_from_spec(const dram::DramSpec& s);

enum class Param : std::uint8_t {
  None, nBL, nCCDS, nCCDL, nRRDS, nRRDL, nFAW, nRCDRD, nRCDWR, nRP, nRAS, nRTPS, nRTPL, nWR, col
};
const char* param_name(Param p);
int param_value(const PimTiming& t, Param p);

// One term of a distance expression:
//   constant + mult * value(param) * (times_arg ? arg of the previous command : 1).
// `Param::None` stands for 1.
struct Term {
  int constant = 0;
  Param param = Param::None;
  int mult = 1;
  bool times_arg = false;
  int eval(const PimTiming& t, std::uint32_t arg) const;
  std::string text() const;  // "n*col + 2"
};

// prev -> next must be at least max(terms) cycles apart (same pseudo-channel).
struct TimingRule {
  std::string name;             // "act4_reg_to_act4_reg": one unit test per rule, named after it
  std::vector<CmdKind> prev;
  std::vector<CmdKind> next;
  std::vector<Term> terms;      // the distance is the maximum of the terms
  std::string text() const;     // "max(nRRDS, nFAW, n*col + 2)"
  int distance(const PimTiming& t, std::uint32_t prev_arg) const;
};

// How the REFRESH_BARRIER estimates its round (pim_commands.md, REFRESH_BARRIER).
// A barrier may issue at cycle c only if (c mod nREFI) + estimate < nREFI.
int barrier_estimate(const PimTiming& t, const BarrierArgs& b);

// How all-bank refresh is modelled (docs/pim_protocols.md, "Channel engine", refresh).
enum class RefreshModel : std::uint8_t {
  Off,   // no refresh command (what the reference simulator does)
  Slot,  // the reference contract: cycles k*nREFI .. k*nREFI + refresh_slots - 1 are taken
  Full,  // a REFab command: due every nREFI, issues once every bank is precharged
         // (precharge + nRP), takes its cycle, and no ACT4 may follow within nRFC;
         // while it is due a new round (REFRESH_BARRIER) waits for it, unless
         // another pseudo-channel is still open (the refresh is then postponed)
};
const char* refresh_model_name(RefreshModel m);  // "off", "slot", "full"
// Throws std::invalid_argument naming the value and the allowed names.
RefreshModel parse_refresh_model(const std::string& s);

struct Protocol {
  std::string name;                 // "pimba-family"
  std::vector<TimingRule> rules;
  int window = 32;                  // controller window: pending commands per channel (both pch)
  RefreshModel refresh = RefreshModel::Slot;
  int refresh_slots = 1;            // Slot model: command slots a refresh takes every nREFI
  // Command slots taken by refresh under the Slot model (0 otherwise).
  int slot_cycles() const { return refresh == RefreshModel::Slot ? refresh_slots : 0; }
};

// The Pimba family (Pimba, HBM-PIM, time-multiplexed, pipelined share it).
// Default: the reference contract, where an all-bank refresh takes one command
// slot every nREFI. artifact_compatible: the reference simulator issues no
// refresh command at all (its all-bank refresh manager finds no rank level in
// the HBM organisation), so only the barrier's window rule remains, and its
// controller window holds 33 commands instead of 32
// (docs/pim_protocols.md, "Default and artifact-compatible mode").
Protocol pimba_protocol(bool artifact_compatible = false);

// The rules evaluated for one timing set: dist[prev][next] = (base, per-arg)
// so the engine computes prev_issue + max(base, arg_mult*arg + arg_const)
// without walking terms. Every pair without a rule has base = -inf.
class CompiledRules {
 public:
  CompiledRules(const Protocol& p, const PimTiming& t);
  // Earliest distance of `next` after a `prev` issued with argument prev_arg;
  // a negative value means no rule between them.
  int distance(CmdKind prev, std::uint32_t prev_arg, CmdKind next) const {
    const Entry& e = m_e[index_of(prev)][index_of(next)];
    if (!e.any) return -1;
    long long v = static_cast<long long>(e.arg_mult) * prev_arg + e.arg_const;
    return static_cast<int>(v > e.base ? v : e.base);
  }
  bool has_rule(CmdKind prev, CmdKind next) const { return m_e[index_of(prev)][index_of(next)].any; }

 private:
  struct Entry {
    bool any = false;
    int base = -1;       // max of the argument-free terms
    int arg_mult = 0;    // the argument term mult*value(param)*arg + constant (at most one per pair)
    int arg_const = -1;
  };
  Entry m_e[kNumCmdKinds][kNumCmdKinds];
};

}  // namespace pimlab::pim
