// Memory controller of one HBM channel on top of the ChannelEngine.
//
// Bounded request queue shared by the channel's pseudo-channels; FR-FCFS (ready
// row hits first, then the oldest request); open-page (default) or closed-page
// policy; writes drained between a high and a low watermark; all-bank refresh
// every nREFI per pseudo-channel (or per-bank refresh every nREFIpb, or off);
// one command per cycle, or one per row and column command bus.
//
// Event-driven: step(now) issues what is ready at `now` and returns the next
// cycle at which anything can issue, so the caller never ticks idle cycles.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "dram/checker.h"
#include "dram/engine.h"

namespace pimlab::dram {

enum class PagePolicy : std::uint8_t { Open, Closed };
enum class RefreshMode : std::uint8_t { AllBank, PerBank, Off };

struct ControllerConfig {
  int queue_size = 32;       // requests per channel (both pseudo-channels)
  PagePolicy page_policy = PagePolicy::Open;
  int write_high = 24;       // start draining writes at this many queued writes
  int write_low = 8;         // ... and stop at this many
  bool dual_command_bus = false;
  RefreshMode refresh = RefreshMode::AllBank;
};

// Overrides from {"queue_size", "page_policy": "open"|"closed", "write_high",
// "write_low", "dual_command_bus", "refresh": "all-bank"|"per-bank"|"off"};
// unknown keys and bad values throw std::invalid_argument naming them.
ControllerConfig controller_config_from_json(const nlohmann::json& j, ControllerConfig base = {});
nlohmann::json to_json(const ControllerConfig& c);

enum class RowOutcome : std::uint8_t { Hit, Miss, Conflict };

struct Request {
  std::uint64_t id = 0;
  bool write = false;
  Address addr;
  Cycle arrival = 0;
};

struct Completion {
  Request req;
  Cycle column_issue = 0;  // cycle of its RD / WR
  Cycle done = 0;          // last cycle of its data burst + 1 (RD: issue + nCL + nBL)
  RowOutcome outcome = RowOutcome::Hit;
};

// A bank command of another agent in HBM terms: an activate of one bank (a PIM
// ACT4 is four of them, one per bank of its bank group) or a precharge of
// every bank of a pseudo-channel (a PIM PRECHARGE*).
struct ExternalCommand {
  enum class Kind : std::uint8_t { Activate, PrechargeAll };
  Kind kind = Kind::Activate;
  Address addr;  // Activate: pch, bg, bank, row; PrechargeAll: pch
  Cycle t = 0;
};

// Another agent's use of the channel's banks (a PIM kernel): it held the
// channel from `begin` to `end` - 1 and issued `commands` (any order; every
// bank must be closed after them; docs/dram.md, "Sharing the banks").
// `refreshed`: the agent's own refresh model covered the refreshes that fell
// due meanwhile.
struct ExternalUse {
  Cycle begin = 0;
  Cycle end = 0;
  std::vector<ExternalCommand> commands;
  bool refreshed = true;
};

class ChannelController {
 public:
  // `set` defaults to hbm_command_set(); another set must contain the HBM
  // classes by name (tests use this to run a deliberately broken rule table).
  ChannelController(const DramSpec& spec, const ControllerConfig& cfg, ChannelId ch = ChannelId{0},
                    const CommandSet* set = nullptr);

  bool full() const { return static_cast<int>(m_q.size()) >= m_cfg.queue_size; }
  std::size_t pending() const { return m_q.size(); }
  // Adds a request (its address must belong to this channel). Throws
  // std::logic_error when full.
  void enqueue(const Request& r);

  // Issues the command(s) that are ready at `now` (one per command bus) and
  // returns the next cycle > now at which a command may become ready (a
  // refresh deadline included), or kNever when there is nothing to do.
  Cycle step(Cycle now);

  // Closes the channel for another agent (docs/dram.md, "Sharing the banks").
  // Needs an empty queue (std::logic_error otherwise). From cycle `now` on:
  // refreshes already due at `now` issue first (PREA + REF, as step() would);
  // then every pseudo-channel with open banks is precharged, by a PRE when one
  // bank is open and a PREA when several are, each at its earliest legal cycle
  // (tRAS, tRTP, tWR, command bus), through the attached checker and the
  // command hook like every command. Returns the first cycle >= now at which
  // an ACT may issue to every bank of the channel (tRP after each precharge,
  // tRFC after a refresh, tRC, tRRD, tFAW).
  Cycle close_all(Cycle now);
  // Books another agent's use of the banks after close_all(): its commands
  // enter the engine and the checker in time order without a rule check (the
  // agent checked them by its own rules), so tRP after its last precharges and
  // tRC, tRRD, tFAW after its activates bind the controller's next commands;
  // no command issues before u.end; refresh deadlines not issued before u.end
  // are dropped when u.refreshed (the cadence continues on the controller's
  // grid), otherwise they stay due and issue from u.end on. Throws
  // std::logic_error when requests are queued, a bank is open, u.begin is not
  // after the last issued command, u.end < u.begin, or a command lies outside
  // [u.begin, u.end); std::invalid_argument for a command outside the
  // organisation or one that leaves a bank open.
  void account_external(const ExternalUse& u);

  // Refresh deadlines count from `t0` (the first cycle the channel runs).
  void set_time_origin(Cycle t0);

  // Every issued command is re-validated by this checker when set (not owned).
  void attach_checker(RuleChecker* c) { m_checker = c; }
  // Called after each issued command (for traces and tests).
  void set_command_hook(std::function<void(const Command&, Cycle)> f) { m_hook = std::move(f); }

  // Completed requests since the last take (moved out).
  std::vector<Completion> take_completions() { return std::move(m_done); }

  const ChannelEngine& engine() const { return m_engine; }
  const std::vector<std::uint64_t>& commands_by_class() const { return m_cmd_count; }
  std::uint64_t commands() const { return m_cmds; }
  std::uint64_t refreshes() const;
  std::uint64_t checker_violations() const { return m_violations; }
  const std::vector<std::string>& violation_messages() const { return m_violation_msgs; }

 private:
  struct Entry {
    Request req;
    bool act_for_me = false;
    bool pre_for_me = false;
  };
  struct Cand {
    Command cmd;
    Cycle ready;
    int prio;       // 0 refresh, 1 row hit, 2 closed-page precharge, 3 ACT/PRE of a request
    std::size_t q;  // queue position (age) or SIZE_MAX
  };
  void build_candidates(Cycle now, std::vector<Cand>& out);
  void issue(const Cand& c, Cycle now);
  bool bank_blocked_by_refresh(PchId p, BankGroupId g, BankId b, Cycle now) const;

  DramSpec m_spec;
  ControllerConfig m_cfg;
  ChannelId m_ch;
  ChannelEngine m_engine;
  HbmClassIds m_id;
  std::vector<CheckedKind> m_kind;  // engine class -> checker kind
  std::vector<Entry> m_q;           // arrival order
  bool m_draining = false;
  std::vector<Cycle> m_ref_due;     // per pseudo-channel
  std::vector<int> m_refpb_bank;    // per pseudo-channel: next bank (bg-major) to refresh
  std::vector<Completion> m_done;
  std::vector<Cand> m_cands;
  // Scratch of build_candidates (kept to avoid allocation per step).
  std::vector<char> m_eligible_hit, m_any_hit, m_claimed;
  std::vector<Cycle> m_earliest_cache;     // per (bank, class), valid when stamp matches
  std::vector<std::uint64_t> m_cache_stamp;
  std::uint64_t m_stamp = 0;
  // m_cands stays valid until a command issues, a request arrives or a refresh
  // falls due (candidate ready cycles depend on nothing else).
  bool m_dirty = true;
  Cycle m_built_at = -1;
  std::vector<std::uint64_t> m_cmd_count;
  std::uint64_t m_cmds = 0;
  RuleChecker* m_checker = nullptr;
  std::uint64_t m_violations = 0;
  std::vector<std::string> m_violation_msgs;
  std::function<void(const Command&, Cycle)> m_hook;
};

}  // namespace pimlab::dram
