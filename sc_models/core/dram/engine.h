// Command-level timing engine of one channel: bank state machines (one or more
// row buffers per bank) plus the rule table of a CommandSet, evaluated for any
// command class — plain HBM and every PIM command family. Pure C++.
//
// earliest(c) is the first cycle at which c satisfies every rule and the
// command bus; state_allows(c) says whether the bank state permits c at all.
// issue(c, t) commits it. The engine never ticks: callers (the memory
// controller, the PIM command-stream scheduler) jump between the cycles
// earliest() returns.
//
// A rule binds against every earlier command of its `from` class in its scope:
// the engine keeps, per rule and scope unit (bank, bank group, pseudo-channel
// or channel), the maximum of issue cycle + distance(argument), so rules whose
// distance depends on the previous command's argument cost the same as the
// others. nth-rules (tFAW) keep a ring of the last issue cycles.
#pragma once

#include <cassert>
#include <string>
#include <vector>

#include "dram/rules.h"
#include "dram/spec.h"
#include "dram/types.h"

namespace pimlab::dram {

struct Command {
  ClassId cls = 0;
  Address addr;            // fields finer than the class's Target are ignored
  std::uint32_t arg = 0;   // the argument rules read as n (a PIM command's register
                           // writes or result reads); for a fits_refresh_interval
                           // class, the cycles of the work it opens
};

// Planted timing faults, for the fault-injection tests only (docs/testing.md,
// "Planted timing faults"): while one is set, every ChannelEngine constructed
// compiles the rule rows named `rule` with their distance `cycles` shorter
// (every term of a max(), the argument term included). The independent
// checkers never read an engine's compiled table, so they must flag what the
// shortened rule lets through. Process-wide and not thread-safe: set it only
// in single-threaded test programs, and clear it (nullptr) afterwards.
struct PlantedRuleFault {
  std::string rule;
  int cycles = 1;
};
void set_planted_rule_fault(const PlantedRuleFault* f);
// Rule rows the planted fault has shortened since it was set (0: the name
// matched no row of any engine built since).
std::uint64_t planted_rule_fault_rows();

class ChannelEngine {
 public:
  // dual_command_bus: HBM's separate row and column command buses (one row and
  // one column command per cycle); otherwise one command per cycle.
  ChannelEngine(const DramSpec& spec, const CommandSet& set, bool dual_command_bus = false);

  // First cycle >= not_before at which `c` meets every timing rule, finds its
  // command bus free, is not before the last issued command and (a
  // fits_refresh_interval class) fits before the next refresh. Ignores the
  // bank state. Throws std::invalid_argument for a fits_refresh_interval
  // command whose work can never fit (argument >= nREFI).
  Cycle earliest(const Command& c, Cycle not_before = 0) const {
    return earliest_after(c, rules_ready(c), not_before);
  }
  // earliest() in two parts, for schedulers that cache the first: the bound
  // the rule table alone puts on `c`, which changes only when a command that
  // can reach c's pseudo-channels issues (generation() tells), and the rest
  // (not_before, command bus, last issue, refresh fit) given that bound.
  Cycle rules_ready(const Command& c) const {
    // The common case inline: a command inside one pseudo-channel whose rules
    // each read one accumulator (ACT, PRE, RD, WR; the Pimba family's
    // pseudo-channel-wide commands).
    if (!m_cls[c.cls].unit_query) return rules_ready_slow(c);
    const BankUnits u = units(c);
    Cycle t = 0;
    for (const Compiled& r : m_by_next[c.cls]) {
      const Cycle v = m_acc[r.acc + static_cast<std::size_t>(u.of(r.unit))];
      if (v > t) t = v;
    }
    return t;
  }
  Cycle earliest_after(const Command& c, Cycle rules_ready, Cycle not_before) const {
    const ClassInfo& ci = m_cls[c.cls];
    // Never before the last issued command (time only moves forward).
    Cycle t = rules_ready > not_before ? rules_ready : not_before;
    const Cycle bus = m_bus_free[ci.bus_index];
    if (bus > t) t = bus;
    if (m_last_issue > t) t = m_last_issue;
    return ci.fits_refresh_interval ? fit_refresh_interval(c, t) : t;
  }
  // earliest_after() for a scheduler that asks only after everything issued so
  // far: not_before > last_issue() and no command bus is held past not_before
  // (no block_until() beyond it; an issue at t frees its bus at t + 1). Then the
  // bus and last-issue bounds cannot bind, and only the rule bound and the
  // refresh fit are evaluated; the result equals earliest_after()'s.
  Cycle earliest_after_last(const Command& c, Cycle rules_ready, Cycle not_before) const {
    const ClassInfo& ci = m_cls[c.cls];
    assert(not_before > m_last_issue && not_before >= m_bus_free[ci.bus_index]);
    const Cycle t = rules_ready > not_before ? rules_ready : not_before;
    return ci.fits_refresh_interval ? fit_refresh_interval(c, t) : t;
  }
  // Incremented whenever an issued command may move rules_ready() of a
  // command in pseudo-channel p.
  std::uint64_t generation(PchId p) const { return m_gen[static_cast<std::size_t>(idx(p))]; }
  // Whether the bank state admits `c` (ACT on closed banks, RD/WR on the open
  // row, ...). On false, `why` (if given) says what is wrong.
  bool state_allows(const Command& c, std::string* why = nullptr) const {
    return m_cls[c.cls].stateless || state_allows_slow(c, why);
  }
  // Commits `c` at cycle t. Throws std::logic_error if t < earliest(c), if the
  // state forbids it, or if t goes back in time.
  void issue(const Command& c, Cycle t);
  // issue() without re-evaluating what the caller has just established:
  // earliest(c, t) == t and state_allows(c) (a scheduler that evaluated both
  // to choose c). The rule checker still sees every command.
  void issue_unchecked(const Command& c, Cycle t) {
    const ClassInfo& cc = m_cls[c.cls];
    if (!cc.unit_commit) return commit(c, t);
    // commit() of a class that changes no bank state, bumps one accumulator
    // per rule and moves one pseudo-channel's generation, inline.
    m_last_issue = t;
    ++m_gen[static_cast<std::size_t>(idx(c.addr.pch))];
    bump_units(c, t);
    take_bus(cc, t);
  }

  // Commands of another agent on the channel (a PIM command stream, timed and
  // checked by its own rules; docs/dram.md, "Sharing the banks"):
  // record_external commits `c` at cycle t without checking rules or bank
  // state, so its rules bind later commands and its bank effect applies.
  // Throws std::logic_error if t goes back in time.
  void record_external(const Command& c, Cycle t);
  // No command issues before cycle t on any command bus (the other agent
  // holds the channel up to t - 1).
  void block_until(Cycle t);

  // Row buffer `buf` of a bank (0 = the bank's row buffer).
  bool is_open(PchId p, BankGroupId g, BankId b, int buf = 0) const { return open_at(bank_index(p, g, b), buf) >= 0; }
  RowId open_row(PchId p, BankGroupId g, BankId b, int buf = 0) const { return RowId{open_at(bank_index(p, g, b), buf)}; }
  // Banks of pseudo-channel p with any row buffer open (kept up to date by
  // every commit, so O(1)).
  int open_banks(PchId p) const { return m_open_banks[static_cast<std::size_t>(idx(p))]; }
  // Banks of the channel with any row buffer open.
  int open_banks() const { return m_open_total; }

  const DramSpec& spec() const { return m_spec; }
  const CommandSet& command_set() const { return m_set; }
  Cycle last_issue() const { return m_last_issue; }

  // Skipping idle time (ChannelController::run_idle). time_state appends the
  // engine's state as seen from cycle t: every timing bound relative to t,
  // those at or before t (which bind nothing from t on) as one value, and the
  // bank states; two engines with equal time_state at t and at t + d behave
  // alike, shifted by d, for every command from then on. shift_time(d) moves
  // every recorded cycle d later (the state d cycles on). Only for command
  // sets whose rules do not read absolute time (absolute_time_free()).
  void time_state(Cycle t, std::vector<Cycle>& out) const;
  void shift_time(Cycle d);
  // No class of the set places commands by absolute time (fits_refresh_interval).
  bool absolute_time_free() const;

 private:
  struct ClassInfo {  // what the hot paths read of a CommandClass
    Target target;
    BankEffect effect;
    Bus bus;
    int row_buffer;
    bool fits_refresh_interval;
    bool stateless;   // no precondition on the bank state (None, or Close of several banks)
    bool gens_all;    // an issue moves generation() of every pseudo-channel
    // The command stays inside one pseudo-channel and every rule into it
    // (narrow_query) / out of it (narrow_commit) reads / bumps one scope unit
    // of the command's own (bank, bank group, pseudo-channel, channel), or
    // walks the other bank groups / pseudo-channels: rules_ready() and
    // commit() take the per-unit path instead of walking the span.
    bool narrow_query;
    bool narrow_commit;
    // narrow_query without nth rules and "other" scopes: one accumulator per
    // rule (rules_ready's inline path).
    bool unit_query;
    // narrow_commit, no bank-state change, no ring, one pseudo-channel's
    // generation (issue_unchecked's inline path).
    bool unit_commit;
    std::uint8_t bus_index;  // m_bus_free entry: 1 = the column bus of a dual command bus
    bool bank_unit;          // some rule into or out of the class has scope same-bank
  };
  // A rule as commit() applies it: bump the accumulators of its (next class,
  // scope) by issue + distance(arg).
  struct Bump {
    std::size_t acc;
    Scope scope;
    std::uint8_t unit;  // unit_of(scope): the BankUnits entry a narrow commit bumps
    Distance distance;
  };
  // Scope unit of a command inside one pseudo-channel: the accumulator of
  // scope `s` that a command touching bank `bank` (bank group `bg`,
  // pseudo-channel `p`) bumps sits at acc + u[unit_of(s)] (the same unit the
  // generic walk over its span reaches; entry 3 is the channel's one unit).
  // Fields finer than the command's target are read only for scopes its
  // class is narrow for.
  struct BankUnits {
    int u[4];
    BankUnits(int bank, int bg, int p) : u{bank, bg, p, 0} {}
    int of(std::uint8_t unit) const { return u[unit]; }
  };
  static std::uint8_t unit_of(Scope s) {
    switch (s) {
      case Scope::SameBank: return 0;
      case Scope::SameBankGroup:
      case Scope::OtherBankGroup: return 1;
      case Scope::PseudoChannel:
      case Scope::OtherPseudoChannel: return 2;
      case Scope::Channel: break;
    }
    return 3;
  }
  struct Compiled {
    ClassId from;
    Scope scope;
    Distance distance;
    int nth;
    std::size_t acc;  // nth == 1: offset of the accumulators of its (next class, scope)
    std::uint8_t unit;  // unit_of(scope)
  };
  struct Span {  // touched banks: pch [p0,p1), bg [g0,g1), bank [b0,b1)
    int p0, p1, g0, g1, b0, b1;
  };
  Span span(const Command& c) const {
    const int p = idx(c.addr.pch), g = idx(c.addr.bg), b = idx(c.addr.bank);
    switch (m_cls[c.cls].target) {
      case Target::Bank: return {p, p + 1, g, g + 1, b, b + 1};
      case Target::BankGroup: return {p, p + 1, g, g + 1, 0, m_banks};
      case Target::PseudoChannel: return {p, p + 1, 0, m_bgs, 0, m_banks};
      case Target::BankIndex: return {0, m_pchs, 0, m_bgs, b, b + 1};
      case Target::BankAllPseudoChannels: return {0, m_pchs, g, g + 1, b, b + 1};
      case Target::Channel: break;
    }
    return {0, m_pchs, 0, m_bgs, 0, m_banks};
  }
  BankUnits units(const Command& c) const {
    const int p = idx(c.addr.pch), g = idx(c.addr.bg);
    return BankUnits{m_cls[c.cls].bank_unit ? bank_index(p, g, idx(c.addr.bank)) : 0, bg_index(p, g), p};
  }
  // A narrow_commit class's rule bounds: one accumulator per rule.
  void bump_units(const Command& c, Cycle t) {
    const BankUnits u = units(c);
    for (const Bump& r : m_by_from[c.cls]) {
      const Cycle when = t + r.distance.at(c.arg);
      Cycle& x = m_acc[r.acc + static_cast<std::size_t>(u.of(r.unit))];
      if (when > x) x = when;
    }
  }
  void take_bus(const ClassInfo& cc, Cycle t) {
    Cycle& b = m_bus_free[cc.bus_index];
    if (t + 1 > b) b = t + 1;
  }
  Cycle rules_ready_slow(const Command& c) const;  // rules_ready() of a class that is not unit_query
  Cycle rules_ready_span(const Command& c) const;  // rules_ready() of a command of any span
  void commit(const Command& c, Cycle t);  // state and history update of issue / record_external
  void commit_bumps(const Command& c, Cycle t, const Span& s);  // commit()'s rule bounds, any span
  void commit_banks(const Command& c);  // commit()'s bank-state update of an Open / Close class
  bool state_allows_slow(const Command& c, std::string* why) const;
  Cycle fit_refresh_interval(const Command& c, Cycle t) const;
  int open_at(int bank, int buf) const { return m_open[static_cast<std::size_t>(bank) * m_bufs + buf]; }
  int bank_index(PchId p, BankGroupId g, BankId b) const {
    return (idx(p) * m_bgs + idx(g)) * m_banks + idx(b);
  }
  int bank_index(int p, int g, int b) const { return (p * m_bgs + g) * m_banks + b; }
  int bg_index(int p, int g) const { return p * m_bgs + g; }

  DramSpec m_spec;
  CommandSet m_set;
  bool m_dual;
  int m_pchs, m_bgs, m_banks, m_nclasses, m_bufs;
  // Per next class: one entry per scope of its nth == 1 rules (their shared
  // accumulators; distance unused) plus its nth > 1 rules.
  std::vector<std::vector<Compiled>> m_by_next;
  std::vector<std::vector<Bump>> m_by_from;  // per previous class: its nth == 1 rules
  // Per rule and scope unit: max over earlier commands of issue + distance(arg).
  std::vector<Cycle> m_acc;
  int m_hist = 1;                           // ring depth for nth rules
  int m_ring_reach = 0;                     // longest distance of an nth rule
  // Ring of the last m_hist issue cycles per class and pseudo-channel / channel.
  std::vector<Cycle> m_ring_pch, m_ring_ch;
  std::vector<int> m_ring_pch_pos, m_ring_ch_pos;
  std::vector<ClassInfo> m_cls;
  std::vector<char> m_ringed;  // per class: some nth rule reads its ring
  std::vector<std::uint64_t> m_gen;  // per pseudo-channel: see generation()
  std::vector<int> m_open;     // open row per bank and row buffer, -1 = closed
  std::vector<int> m_open_banks;  // per pseudo-channel: banks with any row buffer open
  int m_open_total = 0;           // ... summed over the channel
  Cycle m_bus_free[2] = {0, 0};
  Cycle m_last_issue = -1;
};

}  // namespace pimlab::dram
