// Memory controller of one HBM channel on top of the ChannelEngine.
//
// One bounded request queue per pseudo-channel, requests beyond it waiting in
// that pseudo-channel's front end in arrival order; FR-FCFS (ready row hits first,
// then the oldest request); open-page (default) or closed-page policy; writes
// drained per pseudo-channel between a high and a low watermark; all-bank
// refresh every nREFI per pseudo-channel (or per-bank refresh every nREFIpb, or
// off); one row and one column command per cycle (HBM's two command buses,
// default) or one command per cycle.
//
// Event-driven: step(now) issues what is ready at `now` and returns the next
// cycle at which anything can issue, so the caller never ticks idle cycles.
#pragma once

#include <algorithm>
#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "dram/checker.h"
#include "dram/energy.h"
#include "dram/engine.h"

namespace pimlab::dram {

enum class PagePolicy : std::uint8_t { Open, Closed };
enum class RefreshMode : std::uint8_t { AllBank, PerBank, Off };

// Defaults and their reasons: docs/dram.md, "Controller".
struct ControllerConfig {
  int queue_size = 32;       // requests per pseudo-channel queue
  PagePolicy page_policy = PagePolicy::Open;
  int write_high = 24;       // a pseudo-channel starts draining writes at this many queued writes
  int write_low = 8;         // ... and stops at this many
  bool dual_command_bus = true;  // HBM: separate row and column command buses
  RefreshMode refresh = RefreshMode::AllBank;
  // An idle channel skips whole refresh periods in O(1) once one period has
  // repeated the previous one exactly (ChannelController::run_idle); the
  // counts and energy are those of issuing every refresh. false: every
  // refresh of an idle gap is issued and checked.
  bool fast_idle_refresh = true;
};

// Overrides from {"queue_size", "page_policy": "open"|"closed", "write_high",
// "write_low", "dual_command_bus", "refresh": "all-bank"|"per-bank"|"off",
// "fast_idle_refresh"};
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
  // A controller of channel `ch` with the spec, configuration and command set
  // of `proto`, copied instead of built (the engine's compiled rule table
  // included): the memory system builds channel 0's and copies it for the
  // others. `proto` must not have received a request or issued a command
  // (std::logic_error otherwise); the copy has no checker and no hook.
  ChannelController(const ChannelController& proto, ChannelId ch);
  ChannelController& operator=(const ChannelController&) = delete;

  // Whether the queue of pseudo-channel p is full (a request to p enqueued
  // now waits in p's front end).
  bool full(PchId p) const { return static_cast<int>(m_q[idx(p)].size()) >= m_cfg.queue_size; }
  // Always false: the controller never refuses a request (a request beyond its
  // pseudo-channel's queue waits in that pseudo-channel's front end, in
  // arrival order, and enters the queue when a slot frees), so a caller that
  // admits requests while !full() never stalls one pseudo-channel behind
  // another.
  bool full() const { return false; }
  // Requests queued or waiting, in all pseudo-channels / in p.
  std::size_t pending() const { return m_pending; }
  std::size_t pending(PchId p) const { return m_q[idx(p)].size() + m_wait[idx(p)].size(); }
  // Adds a request (its address must belong to this channel): into its
  // pseudo-channel's queue, or behind the requests waiting for it. A request
  // that waits enters the queue at the end of the step() in which a slot
  // frees, and can be scheduled from the next cycle on.
  void enqueue(const Request& r);

  // Issues the command(s) that are ready at `now` (one per command bus) and
  // returns the next cycle > now at which a command may become ready (a
  // refresh deadline included), or kNever when there is nothing to do.
  Cycle step(Cycle now);

  // Serves the queued requests from the step cycle `now` on, as repeated
  // step() calls would (same commands, cycles and completions), when they are
  // the channel's only requests and all go to one row of one bank in one
  // direction (open page, no write drain, nothing waiting): true, with `last`
  // the cycle of the last step that issued and `next` what that step
  // returned. It stops before the cycle at which a refresh falls due, leaving
  // the rest queued for step() from `next` on. false, with nothing changed,
  // when the requests are not of that kind or nothing issues before the next
  // refresh deadline. A front end that runs one transaction at a time calls
  // it instead of one step() per command.
  bool serve_alone(Cycle now, Cycle& last, Cycle& next);

  // Runs an idle channel (nothing queued or waiting; std::logic_error
  // otherwise) from the step cycle `next` up to `until`: the same as
  // `while (next < until) next = step(next);`, returned value included. With
  // fast_idle_refresh, a refresh on, every bank closed and no command hook
  // set, it marks the channel's state relative to the time (the engine's
  // timing state, bank states, refresh deadlines and rotation, standby
  // bookkeeping) at a step cycle and again one refresh period later (nREFI
  // all-bank; nREFIpb x banks per pseudo-channel per-bank); when the two are
  // equal and the period had no checker violation, the channel would repeat
  // that period until `until`, so the remaining whole periods before `until`
  // are skipped in O(1): their commands, closed banks and active standby
  // cycles are added as multiples of the period's, and every recorded cycle
  // moves on by the skipped time. Skipped commands are counted, not issued:
  // the checker and a hook see only the periods that ran.
  Cycle run_idle(Cycle next, Cycle until);
  // Refresh periods run_idle skipped.
  std::uint64_t idle_refresh_periods_skipped() const { return m_idle_skipped; }

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

  // Refresh deadlines and the background-cycle count start at `t0` (the first
  // cycle the channel runs).
  void set_time_origin(Cycle t0);

  // What the IDD energy model needs (dram/energy.h), summed over the channel's
  // pseudo-channels: the controller's own command counts, the banks its
  // precharges closed, and pseudo-channel cycles from the time origin to
  // `until` in active standby (a bank open, or a refresh in progress: tRFC
  // after REF, tRFCpb after REFPB) and in precharged standby (the rest; an
  // external agent's interval counts as precharged, its energy is its own).
  EnergyCounts energy_counts(Cycle until) const;

  // Every issued command is re-validated by this checker when set (not owned).
  void attach_checker(RuleChecker* c) { m_checker = c; }
  // Called after each issued command (for traces and tests).
  void set_command_hook(std::function<void(const Command&, Cycle)> f) { m_hook = std::move(f); }

  // Completed requests since the last take (moved out).
  std::vector<Completion> take_completions() { return std::move(m_done); }
  // The same into `out` (cleared first): its storage and the controller's are
  // swapped, so a caller that keeps `out` between calls allocates nothing.
  void take_completions(std::vector<Completion>& out) {
    out.clear();
    out.swap(m_done);
  }

  const ChannelEngine& engine() const { return m_engine; }
  const std::vector<std::uint64_t>& commands_by_class() const { return m_cmd_count; }
  std::uint64_t commands() const { return m_cmds; }
  std::uint64_t refreshes() const;
  std::uint64_t checker_violations() const { return m_violations; }
  const std::vector<std::string>& violation_messages() const { return m_violation_msgs; }

 private:
  // Member-wise copy, for the constructor above only (a public copy would
  // share the checker and the channel).
  ChannelController(const ChannelController&) = default;

  struct Entry {
    Request req;
    std::uint64_t seq = 0;  // enqueue order over all pseudo-channels (age)
    int bank = 0;           // bank within the pseudo-channel, bg-major
    bool act_for_me = false;
    bool pre_for_me = false;
  };
  struct Cand {
    Command cmd;
    Cycle ready;
    int prio;           // 0 refresh, 1 row hit, 2 closed-page precharge, 3 ACT/PRE of a request
    std::uint64_t age;  // Entry::seq, or 0 for refresh and closed-page precharges
    std::size_t q;      // position in its pseudo-channel's queue, or SIZE_MAX
  };
  void build_candidates(int p, Cycle now, std::vector<Cand>& out);
  void issue(const Cand& c, Cycle now);
  // After a step that issued: builds the dirty
  // pseudo-channels' candidates as step(t1) would (a build that would start
  // or stop a write drain excepted: that pseudo-channel stays dirty) and
  // returns the first cycle >= t1 at which one is ready (t1 when one stayed
  // dirty). step(t1) would issue nothing before it and change nothing else, so
  // the caller skips those steps; a request enqueued meanwhile marks its
  // pseudo-channel dirty as before. The write-drain state is the same as
  // with a build at t1: building one queue twice changes it at most once.
  Cycle look_ahead(Cycle t1);
  // The end of a step at `now`: waiting requests enter the freed slots, and
  // after an issue the look-ahead; returns the next step cycle from `next`
  // (the earliest candidate when nothing issued).
  Cycle step_tail(Cycle now, bool issued, Cycle next);
  bool bank_blocked_by_refresh(PchId p, BankGroupId g, BankId b, Cycle now) const;
  // Adds pseudo-channel p's active-standby cycles up to t (state unchanged since m_bg_at[p]).
  void advance_background(int p, Cycle t);
  Cycle active_between(int p, Cycle from, Cycle to) const;
  // The state run_idle compares, relative to cycle t.
  void idle_state(Cycle t, std::vector<Cycle>& out) const;

  DramSpec m_spec;
  ControllerConfig m_cfg;
  ChannelId m_ch;
  ChannelEngine m_engine;
  HbmClassIds m_id;
  std::vector<CheckedKind> m_kind;  // engine class -> checker kind
  std::vector<std::vector<Entry>> m_q;  // per pseudo-channel, arrival order (the scheduler sees these)
  std::vector<std::deque<Entry>> m_wait;  // per pseudo-channel: front end, beyond queue_size
  std::size_t m_pending = 0;
  std::uint64_t m_seq = 0;
  std::vector<char> m_draining;         // per pseudo-channel
  std::vector<Cycle> m_ref_due;     // per pseudo-channel
  Cycle m_ref_min = kNever;         // the earliest of m_ref_due (update_ref_min() after each change)
  void update_ref_min() { m_ref_min = m_ref_due.empty() ? kNever : *std::min_element(m_ref_due.begin(), m_ref_due.end()); }
  std::vector<int> m_refpb_bank;    // per pseudo-channel: next bank (bg-major) to refresh
  std::vector<Completion> m_done;
  std::vector<std::vector<Cand>> m_cands;  // per pseudo-channel
  // Scratch of build_candidates (kept to avoid allocation per step).
  std::vector<std::uint8_t> m_bank_flags;  // per bank of the pseudo-channel being built
  std::vector<int> m_rows;  // per queued request of the pseudo-channel being built: its bank's open row, -1 closed
  // Per (pseudo-channel, bank, class): earliest cycle and the invalidation
  // tick at which it was computed (0: never). It is valid while no
  // invalidation of its bank (stamp 0), bank group, pseudo-channel or of all
  // came later: issue() bumps m_tick and stamps the level its rules reach,
  // so invalidating a bank group or a pseudo-channel costs O(1).
  struct CachedEarliest {
    Cycle ready = 0;
    std::uint64_t stamp = 0;
  };
  std::vector<CachedEarliest> m_earliest_cache;
  std::vector<std::uint64_t> m_inv_pch;  // per (pseudo-channel, class): tick of its last invalidation
  std::vector<std::uint64_t> m_inv_bg;   // per (pseudo-channel, bank group, class)
  std::uint64_t m_inv_all = 0;           // tick of the last invalidation of everything
  std::uint64_t m_tick = 1;
  // Per class: the classes a rule leads to, and how far (0 the same bank, 1
  // its bank group, 2 the pseudo-channel; at least the class's own target).
  struct Affect {
    ClassId to;
    int reach;
  };
  std::vector<std::vector<Affect>> m_affects;
  void invalidate_all_earliest() { m_inv_all = ++m_tick; }
  // A pseudo-channel's candidates stay valid until a command of that
  // pseudo-channel issues, a request arrives in its queue or its refresh falls
  // due: no HBM rule crosses pseudo-channels, and the shared command buses
  // only ever delay a candidate to the next cycle, which step() observes by
  // allowing one command per bus and cycle. A command set with a rule of
  // channel scope or a class that touches the whole channel invalidates all.
  std::vector<char> m_dirty;        // per pseudo-channel
  std::vector<Cycle> m_built_at;    // per pseudo-channel
  std::vector<Cycle> m_min_ready;   // per pseudo-channel: earliest ready cycle of its candidates
  std::vector<int> m_column_bus;    // per class: 1 if it uses the column command bus
  std::vector<char> m_cls_wide;     // per class: 1 if it targets the whole channel
  bool m_channel_wide = false;
  // Energy bookkeeping (docs/dram.md, "Energy").
  std::uint64_t m_banks_closed = 0;
  std::vector<Cycle> m_bg_at;          // per pseudo-channel: active cycles counted up to here
  std::vector<Cycle> m_bg_active;      // per pseudo-channel
  std::vector<Cycle> m_refresh_until;  // per pseudo-channel: end of the running refresh
  Cycle m_origin = 0;
  std::vector<std::uint64_t> m_cmd_count;
  std::uint64_t m_cmds = 0;
  RuleChecker* m_checker = nullptr;
  std::uint64_t m_violations = 0;
  std::vector<std::string> m_violation_msgs;
  std::function<void(const Command&, Cycle)> m_hook;
  // run_idle: the refresh period (0: never skip), the mark and what has
  // happened since (m_epoch counts everything but step()).
  Cycle m_idle_period = 0;
  std::uint64_t m_epoch = 0;
  struct IdleMark {
    bool valid = false;
    std::uint64_t epoch = 0;
    Cycle t = 0;
    std::vector<Cycle> state;
    std::vector<std::uint64_t> cmd_count;
    std::uint64_t cmds = 0, banks_closed = 0, violations = 0;
    std::vector<Cycle> bg_active;
  };
  IdleMark m_mark;
  std::vector<Cycle> m_idle_scratch;
  std::uint64_t m_idle_skipped = 0;
};

}  // namespace pimlab::dram
