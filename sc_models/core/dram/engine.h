// Command-level timing engine of one HBM channel: bank state machines plus the
// rule table of a CommandSet, evaluated for any command class. Pure C++.
//
// earliest(c) is the first cycle at which c satisfies every rule and the
// command bus; state_allows(c) says whether the bank state permits c at all.
// issue(c, t) commits it. The engine never ticks: callers jump between the
// cycles earliest() returns.
#pragma once

#include <string>
#include <vector>

#include "dram/rules.h"
#include "dram/spec.h"
#include "dram/types.h"

namespace pimlab::dram {

struct Command {
  ClassId cls = 0;
  Address addr;  // fields finer than the class's Target are ignored
};

class ChannelEngine {
 public:
  // dual_command_bus: HBM's separate row and column command buses (one row and
  // one column command per cycle); otherwise one command per cycle.
  ChannelEngine(const DramSpec& spec, const CommandSet& set, bool dual_command_bus = false);

  // First cycle at which `c` meets every timing rule, finds its command bus
  // free and is not before the last issued command. Ignores the bank state.
  Cycle earliest(const Command& c) const;
  // Whether the bank state admits `c` (ACT on closed banks, RD/WR on the open
  // row, ...). On false, `why` (if given) says what is wrong.
  bool state_allows(const Command& c, std::string* why = nullptr) const;
  // Commits `c` at cycle t. Throws std::logic_error if t < earliest(c), if the
  // state forbids it, or if t goes back in time.
  void issue(const Command& c, Cycle t);

  // Commands of another agent on the channel (a PIM command stream, timed and
  // checked by its own rules; docs/dram.md, "Sharing the banks"):
  // record_external commits `c` at cycle t without checking rules or bank
  // state, so its rules bind later commands and its bank effect applies.
  // Throws std::logic_error if t goes back in time.
  void record_external(const Command& c, Cycle t);
  // No command issues before cycle t on any command bus (the other agent
  // holds the channel up to t - 1).
  void block_until(Cycle t);

  bool is_open(PchId p, BankGroupId g, BankId b) const { return m_open[bank_index(p, g, b)] >= 0; }
  RowId open_row(PchId p, BankGroupId g, BankId b) const { return RowId{m_open[bank_index(p, g, b)]}; }
  int open_banks(PchId p) const;

  const DramSpec& spec() const { return m_spec; }
  const CommandSet& command_set() const { return m_set; }
  // The evaluated distance of each rule of the set, in rule order.
  const std::vector<int>& distances() const { return m_dist; }
  Cycle last_issue() const { return m_last_issue; }

 private:
  struct Compiled {
    ClassId from;
    Scope scope;
    int distance;
    int nth;
  };
  struct Span {  // touched banks: pch [p0,p1), bg [g0,g1), bank [b0,b1)
    int p0, p1, g0, g1, b0, b1;
  };
  Span span(const Command& c) const;
  void commit(const Command& c, Cycle t);  // state and history update of issue / record_external
  int bank_index(PchId p, BankGroupId g, BankId b) const {
    return (idx(p) * m_bgs + idx(g)) * m_banks + idx(b);
  }
  int bank_index(int p, int g, int b) const { return (p * m_bgs + g) * m_banks + b; }
  int bg_index(int p, int g) const { return p * m_bgs + g; }

  DramSpec m_spec;
  CommandSet m_set;
  bool m_dual;
  int m_pchs, m_bgs, m_banks, m_nclasses;
  std::vector<int> m_dist;
  std::vector<std::vector<Compiled>> m_by_next;  // per next class
  int m_hist = 1;                                 // ring depth for nth rules
  // Last issue cycle of each class at each level (index: class * count + unit).
  std::vector<Cycle> m_last_bank, m_last_bg, m_last_pch, m_last_ch;
  // Ring of the last m_hist issue cycles per class and pseudo-channel / channel.
  std::vector<Cycle> m_ring_pch, m_ring_ch;
  std::vector<int> m_ring_pch_pos, m_ring_ch_pos;
  std::vector<int> m_open;  // open row per bank, -1 = closed
  Cycle m_bus_free[2] = {0, 0};
  Cycle m_last_issue = -1;
};

}  // namespace pimlab::dram
