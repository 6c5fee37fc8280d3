// The Newton / NeuPIMs channel controller (neupims_pim.md §5-§7): transaction
// queues, per-bank command queues and a PIM command queue, the DUAL / SINGLE /
// DRAM command selection with its refresh-deadline check and GEMV latency
// estimate, rank-staggered refresh, responses and the IDD energy model. Every
// timing question is asked of the one rule engine (dram::ChannelEngine over
// newton_command_set()); the controller only decides what to ask and what to
// issue. Cycle-driven like the simulator it reproduces: one tick() per clock.
// With NewtonOptions::event_skip a driver may, after a tick, jump over the
// cycles in which provably nothing happens (idle_until(), skip_to()): a tick
// that changed no state but the clock and the background energy repeats
// itself until the first of: a refused command's first legal cycle, a
// response, the refresh timer, the refresh-deadline slack wrapping or
// crossing a threshold the controller compares it with.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <queue>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

#include "dram/engine.h"
#include "pim/newton.h"
#include "stats/stats.h"

namespace pimlab::pim {

struct NewtonCounters {
  std::uint64_t cycles = 0;  // last response handed back + 1
  std::uint64_t responses = 0, expected = 0;
  std::uint64_t num_read_cmds = 0, num_write_cmds = 0, num_act_cmds = 0, num_pre_cmds = 0, num_ref_cmds = 0,
                num_gact_cmds = 0, num_gwrite_cmds = 0, num_comp_cmds = 0, num_readres_cmds = 0,
                num_pim_precharge_cmds = 0, num_p_header_cmds = 0;
  double energy_pj = 0;         // events + background
  double background_pj = 0;
  // The stats schema of these counters (stats/stats.h; `expected` is the
  // driver's bookkeeping, not a stat): the keys of newton_json and the
  // channel's newton_* stats. Defined in newton_trace.cpp.
  void collect(stats::Sink& sink) const;
  // Of energy_pj, the PIM commands' part (G_ACT, COMP, READRES, GWRITE at
  // the figures of NewtonEnergy; a COMPS_READRES counts as its COMPs and one
  // READRES); the rest is the DRAM's (normal commands, refresh, background).
  double pim_pj() const;
};

// One issued command (the trace, and what the checker re-validates).
struct NewtonIssued {
  std::uint64_t cycle = 0;
  NewtonClass cls = NewtonClass::ACT;
  int rank = -1, bg = -1, bank = -1, row = -1;
  std::uint32_t arg = 0;  // the engine argument (COMPS_READRES num_comps, first-COMP flag)
};

class NewtonChannel {
 public:
  explicit NewtonChannel(const NewtonOptions& o);

  // Front end: whether `t` is accepted now, and handing it over (the caller
  // checked will_accept). A DUAL controller rejects a NeuPIMs gwrite header
  // (std::invalid_argument); SINGLE drops it; DRAM rejects PIM transactions.
  bool will_accept(const Txn& t) const;
  void add(const Txn& t);
  // One clock: responses, refresh timer, refresh step, command selection,
  // one transaction to the command queues.
  void tick();
  // After tick(): the first cycle >= clk() at which the controller's state
  // can change again (clk() if the last tick changed state or event_skip is
  // off). Ticks before it change nothing but the clock and the background
  // energy, provided no transaction is added.
  std::uint64_t idle_until() const;
  // Advances the clock to `t` (clk() <= t <= idle_until()) as that many idle
  // ticks would: background energy per cycle, nothing else.
  void skip_to(std::uint64_t t);

  std::uint64_t clk() const { return m_clk; }
  std::uint64_t outstanding() const { return m_outstanding; }
  const NewtonCounters& counters() const { return m_cnt; }
  // Cycle of the last response handed back (-1: none yet).
  std::int64_t last_response() const { return m_last_response; }
  void set_trace(std::vector<NewtonIssued>* t) { m_trace = t; }
  // Each response handed back (tick() step 1) appends {the transaction's tag,
  // the cycle} to `s` (not owned; nullptr: none). A READ merged with an
  // earlier READ of the same address answers with its own tag; a P_HEADER
  // never answers.
  struct Response {
    std::uint64_t tag = 0, cycle = 0;
  };
  void set_response_sink(std::vector<Response>* s) { m_sink = s; }
  const dram::CommandSet& command_set() const { return m_engine.command_set(); }
  const dram::ChannelEngine& engine() const { return m_engine; }

 private:
  enum class Kind : std::uint8_t { None, Act, Pre, Read, Write, Ref, GWrite, GAct, PimPre, Comp, ReadRes, CompsReadRes, PHeader };
  struct Req {  // a queued command-level request (normal queue or PIM queue)
    Txn t;
    std::uint64_t id = 0;
  };
  struct Cand {  // a command to issue and where it comes from
    Kind k = Kind::None;
    int rank = 0, bg = 0, bank = 0, row = 0;
    std::uint32_t arg = 0;
  };
  int bank_index(int r, int g, int b) const { return (r * 4 + g) * 4 + b; }
  int normal_row(int bi) const;
  int pim_row(int bi) const;
  bool legal(const Cand& c) const { return first_legal(c) == static_cast<dram::Cycle>(m_clk); }
  // First cycle >= now at which `c` meets every rule (the engine's earliest()
  // with the rule-table part cached; with event_skip, for a refused command,
  // possibly a lower bound of it, > now); a refusal also lowers m_wake.
  dram::Cycle first_legal(const Cand& c) const;
  // Everything a tick may change but the clock, background energy and caches.
  struct Snapshot {
    std::uint64_t issued, responses, next_id, qepoch, outstanding;
    std::size_t ref_pending, read_q, write_buf, pim_txq, pim_q;
    int gw_bank, reserved_row, rr, draining, next_ref_rank;
    bool skip_pim, gwriting, pim_mode, first_comp, in_ref, rw_lock;
    std::uint64_t rw_addr;
    std::int64_t remain_slack;
    bool operator==(const Snapshot& o) const;
  };
  Snapshot snapshot() const;
  dram::Command engine_cmd(const Cand& c) const;
  Kind required_normal(int bi, const Txn& t) const;
  Kind required_pim(int bi, const Txn& t) const;
  Cand all_bank(const Txn& head, Kind self, bool self_timed);
  Cand pim_head();
  Cand normal_scan();
  bool deadline_check(const Txn& t);
  // Issues `c`; a READ / WRITE leaves bank queue `queue` at position `pos`.
  void issue(const Cand& c, int queue = 0, std::size_t pos = 0);
  void complete_at(std::uint64_t when, bool gwrite, std::uint64_t tag);
  bool try_refresh();
  void move_transaction();
  bool normal_queues_empty() const;

  NewtonOptions m_opt;
  NewtonTiming m_tm;
  NewtonEnergy m_en;
  dram::ChannelEngine m_engine;
  std::uint64_t m_clk = 0;
  std::uint64_t m_next_id = 0;
  // Front end and transaction queues.
  std::size_t m_resp_limit;
  std::uint64_t m_outstanding = 0;
  std::deque<Txn> m_read_q, m_write_buf, m_pim_txq;
  // address -> reads waiting for one READ: their count, the first one's tag
  // and the tags of the others.
  struct PendingRead {
    int count = 0;
    std::uint64_t tag = 0;
    std::vector<std::uint64_t> more;
  };
  std::unordered_map<std::uint64_t, PendingRead> m_pending_reads;  // looked up by address only
  // Command queues.
  std::vector<std::deque<Req>> m_bank_q;
  // Per bank queue: queued READs and WRITEs per row (rows with none removed).
  struct RowCount {
    int row, reads, writes;
  };
  std::vector<std::vector<RowCount>> m_row_count;
  const RowCount* row_count(int queue, int row) const;
  void count_row(int queue, const Txn& t, int delta);
  std::vector<int> m_writes_q;                  // per bank queue: queued WRITEs
  std::deque<Req> m_pim_q;
  int m_rr = 0;  // round-robin pointer over the 32 bank queues
  // Bank bookkeeping beyond the engine's open rows.
  std::vector<int> m_hits;
  // Controller state (§6).
  bool m_skip_pim = false, m_gwriting = false, m_pim_mode = false;
  int m_gw_bank = -1;
  int m_reserved_row = -1;
  std::int64_t m_remain_slack = 0;
  bool m_first_comp = true;  // SINGLE: the next COMP fills the adder tree
  // Refresh.
  std::deque<int> m_ref_pending;
  int m_next_ref_rank = 0;
  bool m_in_ref = false;
  // Write draining.
  int m_draining = 0;
  bool m_rw_lock = false;
  std::uint64_t m_rw_addr = 0;
  // Responses: completion cycle (min-heap), flag = GWRITE, the tag.
  struct Resp {
    std::uint64_t when;
    bool gwrite;
    std::uint64_t tag;
    bool operator>(const Resp& o) const {
      return when != o.when ? when > o.when : gwrite != o.gwrite ? gwrite > o.gwrite : tag > o.tag;
    }
  };
  std::priority_queue<Resp, std::vector<Resp>, std::greater<Resp>> m_resp;
  std::vector<Response>* m_sink = nullptr;
  std::int64_t m_last_response = -1;
  NewtonCounters m_cnt;
  // all_bank(): nothing can change before m_bank_wait_until unless a command
  // issues (event_skip: unless a row buffer opens or closes, or the head changes).
  std::uint64_t m_issued = 0, m_bank_wait_issued = ~0ull, m_bank_wait_head = 0;
  std::uint64_t m_row_epoch = 0;  // commands that opened or closed row buffers
  std::uint64_t m_bg_epoch = ~0ull;  // m_row_epoch of m_idle_bg
  dram::Cycle m_bank_wait_until = 0;
  int m_bank_wait_kind = -1;
  // normal_scan(): a refused scan stays refused until `until` while nothing it
  // reads changes (issues, bank queues, budget, refresh and PIM state).
  struct ScanWait {
    bool valid = false;
    std::uint64_t issued = 0, qepoch = 0;
    std::int64_t slack = 0;
    int ref_rank = -1, gw_bank = -1, reserved = -1;
    bool gwriting = false, pim_q_empty = true;
    dram::Cycle until = 0;
  } m_scan_wait;
  std::uint64_t m_qepoch = 0;  // bank-queue changes
  // rules_ready() per (kind, bank), valid while both ranks' engine generations are unchanged.
  struct ReadyCache {
    std::uint64_t g0 = ~0ull, g1 = ~0ull;
    dram::Cycle ready = 0;
    // event_skip: the last first-legal cycle found. Rule bounds, the command
    // bus and the last issue only grow, so it stays a lower bound: before it
    // the command is refused without asking the engine.
    dram::Cycle lower = 0;
  };
  mutable std::vector<ReadyCache> m_ready;
  std::vector<bool> m_one_rank;  // per class: a command at a rank touches that rank only
  // event_skip: per bank queue, a visit of normal_scan that yielded nothing,
  // its inputs and the first cycle at which one of its refusals can end.
  struct BankWait {
    std::uint64_t epoch = ~0ull;  // m_bank_epoch of the queue
    int reserved = -1, slack_class = -1, open = -1, pim_open = -1, hits = -1;
    dram::Cycle until = 0;
    bool same_inputs(const BankWait& o) const {
      return epoch == o.epoch && reserved == o.reserved && slack_class == o.slack_class && open == o.open &&
             pim_open == o.pim_open && hits == o.hits;
    }
  };
  std::vector<BankWait> m_bank_wait;
  std::vector<std::uint64_t> m_bank_epoch;  // per bank queue: changes of its contents
  // Event skipping: the tick's earliest wake-up and whether it asked the
  // refresh-deadline check (whose slack falls by one per cycle).
  mutable dram::Cycle m_wake = dram::kNever;
  bool m_deadline_asked = false;
  bool m_quiet = false;  // the last tick changed no state
  double m_idle_bg[2] = {0, 0};  // background energy per rank of the last tick
  std::vector<NewtonIssued>* m_trace = nullptr;
};

// The driver found the channel making no progress: for kCycles cycles no
// transaction was accepted, no response handed back and no command but
// REF / PRE issued before every transaction had answered (a controller that can no
// longer serve its queues). An internal error (exit status 3 in the
// programs), never bad input. The message is one line naming the cycle and
// the outstanding responses, after an optional context.
class NewtonStall : public std::runtime_error {
 public:
  static constexpr std::uint64_t kCycles = 200000;
  NewtonStall(std::uint64_t cycle, std::uint64_t outstanding, const std::string& context = {});
  std::uint64_t cycle() const { return m_cycle; }
  std::uint64_t outstanding() const { return m_outstanding; }

 private:
  std::uint64_t m_cycle, m_outstanding;
};

// A workload of two transaction streams replayed as the calibration driver
// does: each cycle the PIM stream is pushed while the memory accepts, then
// the memory stream, then one clock passes. Runs until every answering
// transaction has answered. Throws NewtonStall when the channel stops
// making progress.
struct NewtonWorkload {
  std::vector<Txn> pim, mem;
};
// `responses`: when set, every response (transaction tag, cycle) in the order delivered.
// `end_state`: when set, receives the channel as the run left it (without
// its trace and response sinks), e.g. to run it on while idle.
NewtonCounters run_newton(const NewtonOptions& o, const NewtonWorkload& w, std::vector<NewtonIssued>* trace = nullptr,
                          std::vector<NewtonChannel::Response>* responses = nullptr,
                          std::unique_ptr<NewtonChannel>* end_state = nullptr);

// Runs an idle channel (nothing queued or outstanding) on to cycle `until`:
// its background and refresh, with idle cycles skipped when event_skip is on.
// `after_tick`, when set, is called after every tick (e.g. to book the
// commands it issued). Throws std::logic_error if it is not idle.
void run_idle_until(NewtonChannel& ch, std::uint64_t until, const std::function<void()>& after_tick = {});

// The calibration micro-benchmark (tests/data/neupims/README.md): `gemvs`
// GEMVs on rows 100 + g, each P_HEADER(row, C*R, R) then R COMPS_READRES(C)
// (DUAL) or R x (C COMP + READRES) (SINGLE), optionally preceded by a plain
// P_HEADER(row 0, 1, 1) and GWRITE(bank 0, row 0); `loads` iterations of 16
// READs (rank 0, bank group j/4, bank j%4, row 10 + l, column (j + l) % 16).
NewtonWorkload newton_microbench(PimType type, int gemvs, int comps_per_readres, int readres, int loads, bool gwrite);

}  // namespace pimlab::pim
