// Independent HBM rule checker.
//
// A second implementation of the HBM timing rules, written from the timing
// table in docs/dram.md and sharing nothing with the engine's rule evaluation:
// it keeps the recent command history of each pseudo-channel and checks every
// new command pairwise against it (plus the four-activate window, the bank
// states and the command bus). Used on every command in the tests and, by
// default, in trace replay.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "dram/spec.h"
#include "dram/types.h"

namespace pimlab::dram {

enum class CheckedKind : std::uint8_t { ACT, PRE, PREA, RD, WR, REF, REFPB };

// "ACT", "PRE", ... -> kind; throws std::invalid_argument for other names.
CheckedKind checked_kind(const std::string& name);
const char* checked_name(CheckedKind k);

struct CheckedCommand {
  CheckedKind kind;
  PchId pch{};
  BankGroupId bg{};
  BankId bank{};
  RowId row{};
  Cycle t = 0;
};

struct Violation {
  std::string rule;     // "tRCD_RD", "tFAW", "state", "bus", ...
  std::string message;  // both commands, their cycles, needed and actual distance
};

class RuleChecker {
 public:
  RuleChecker(const DramSpec& spec, bool dual_command_bus = false);

  // Checks `c` against everything issued before on this channel, records it and
  // returns its violations (empty when legal).
  std::vector<Violation> check(const CheckedCommand& c);

  // Another agent's use of the channel (docs/dram.md, "Sharing the banks"):
  // record_external enters `c` into the history and the bank states without
  // checking it (the agent checks its own commands), so later commands are
  // checked against it; block_until(t) makes any later command before cycle t
  // a violation ("external").
  void record_external(const CheckedCommand& c);
  void block_until(Cycle t);

  std::uint64_t commands_checked() const { return m_checked; }
  std::uint64_t violations() const { return m_violations; }
  const std::vector<Violation>& first_violations() const { return m_first; }  // up to 16

 private:
  enum class Rel : std::uint8_t { SameBank, SameBankGroup, DiffBankGroup, SamePch };
  struct Entry {
    const char* rule;
    CheckedKind prev;
    CheckedKind next;
    Rel rel;
    int min_distance;
  };
  void apply_state(const CheckedCommand& c, std::vector<Violation>* out, const std::string& here);
  static bool wide(CheckedKind k) { return k == CheckedKind::PREA || k == CheckedKind::REF; }
  bool related(Rel r, const CheckedCommand& a, const CheckedCommand& b) const;

  DramSpec m_spec;
  bool m_dual;
  std::vector<Entry> m_table;
  int m_window = 0;  // longest distance in the table: older history is dropped
  static constexpr int kKinds = 7;
  // Entries per (previous, next) pair, as indices into m_table (so a copied
  // checker reads its own table), and the longest distance into each next
  // kind: the backward scan of the history stops there.
  std::vector<std::vector<std::uint8_t>> m_pair;  // index prev * kKinds + next
  int m_reach[kKinds] = {0, 0, 0, 0, 0, 0, 0};
  std::vector<std::deque<CheckedCommand>> m_hist;  // per pseudo-channel
  std::vector<int> m_open;                          // open row per bank, -1 closed
  Cycle m_last_bus[2] = {-1, -1};
  Cycle m_last_t = -1;
  Cycle m_blocked_until = -1;  // first cycle after the last external interval
  std::uint64_t m_checked = 0, m_violations = 0;
  std::vector<Violation> m_first;
};

}  // namespace pimlab::dram
