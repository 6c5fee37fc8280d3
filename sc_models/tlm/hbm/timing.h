// The one interface between the HBM channel shell and the command-level DRAM
// engine that times it. The shell turns a transaction into the 32-byte atoms
// it touches and hands them over in one call; the timing source decides when
// each atom's commands (ACT/RD/WR/PRE/REF) issue and says when the last one
// completes. Pure C++: an adapter over sc_models/core/dram implements it.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "dram/spec.h"

namespace pimlab::tlm_hbm {

using Cycle = std::int64_t;

struct AtomAccess {
  std::uint64_t addr = 0;  // byte address of the atom (atom-aligned)
  bool write = false;
};

// One issued DRAM command, for waveforms and logs.
enum class CmdCode : std::uint8_t { none = 0, act, pre, rd, wr, ref, pim };
const char* cmd_name(CmdCode c);
struct IssuedCommand {
  Cycle cycle = 0;
  CmdCode code = CmdCode::none;
  int pch = 0, bank_group = 0, bank = 0;  // bank_group/bank -1 = all of the pseudo-channel
  int row = -1;                           // ACT: the opened row
};

// Result of one batch.
struct AccessTiming {
  Cycle arrival = 0;      // cycle the batch entered the controller
  Cycle first_issue = 0;  // first command of the batch
  Cycle done = 0;         // last data beat of the batch completed
  std::uint64_t commands = 0, activates = 0, precharges = 0, refreshes = 0, reads = 0, writes = 0;
  std::uint64_t row_hits = 0;  // atoms served from an already open row
};

class TimingSource {
 public:
  virtual ~TimingSource() = default;
  // Human-readable: engine, preset, controller policy.
  virtual std::string describe() const = 0;
  virtual std::int64_t tck_ps() const = 0;
  // The device the timing models (organisation and timing; the PIM path runs
  // the PIM family's rules on it).
  virtual const dram::DramSpec& spec() const = 0;
  virtual std::uint64_t capacity_bytes() const = 0;
  virtual std::uint32_t atom_bytes() const = 0;
  virtual std::uint32_t page_bytes() const = 0;
  virtual int pseudo_channels() const = 0;
  virtual int bank_groups() const = 0;     // per pseudo-channel
  virtual int banks_per_group() const = 0;
  // All `atoms` arrive at cycle `arrival` (in this order). The engine issues
  // every command they need and returns when the last one is done. Engine
  // state (open rows, refresh, bus) carries over between calls; a batch that
  // arrives before the engine's last issue waits behind it.
  virtual AccessTiming access(const std::vector<AtomAccess>& atoms, Cycle arrival) = 0;
  // Byte address of column 0 of a row (the address mapping), and whether every
  // row is page_bytes() contiguous bytes starting there (the column field is
  // the least significant), which the PIM path needs to compute in place.
  virtual std::uint64_t row_address(int pch, int bank_group, int bank, int row) const = 0;
  virtual bool rows_contiguous() const = 0;
  virtual int rows() const = 0;  // per bank
  // Cycle of the last command the engine issued (-1: none yet).
  virtual Cycle last_activity() const = 0;

  // Bank state shared with the PIM path (docs/tlm.md, "PIM path"); a source
  // without bank state keeps these defaults (nothing to close, nothing to book).
  // close_rows: before a kernel, close every row memory traffic left open,
  // from cycle `now` on; `done` is the first cycle at which the kernel may
  // activate any bank (all precharged, tRP elapsed); the counters count the
  // commands this issued.
  virtual AccessTiming close_rows(Cycle now) {
    AccessTiming t;
    t.arrival = t.first_issue = t.done = now;
    return t;
  }
  // After a kernel: it held the channel from `begin` to `end` - 1 and issued
  // `bank_commands` (act: one bank; pre with bank_group = bank = -1: every
  // bank of the pseudo-channel), leaving every bank closed. `refreshed`: its
  // own refresh model covered the refreshes that fell due meanwhile.
  virtual void pim_interval(Cycle /*begin*/, Cycle /*end*/, const std::vector<IssuedCommand>& /*bank_commands*/,
                            bool /*refreshed*/) {}

  // Incremental operation (the channel's queued front end, docs/tlm.md
  // "Front ends"): requests of several initiators enter the one controller
  // queue with their arrival cycles and a tag, the caller advances the
  // engine cycle by cycle (skipping what next_event() says is idle) and
  // collects completions by tag. A source without it keeps these defaults.
  virtual bool incremental() const { return false; }
  // Request `tag` (unique among the outstanding ones) touches `atoms` and
  // arrives at `arrival`. A request arriving at a cycle the engine has
  // already run joins it after that cycle (it can be scheduled from the next
  // one on). The engine first catches up with what an idle controller does
  // (refresh) up to the arrival.
  virtual void submit(std::uint64_t /*tag*/, const std::vector<AtomAccess>& /*atoms*/, Cycle /*arrival*/) {
    throw std::logic_error("timing source: no incremental interface");
  }
  // Runs every cycle <= `until` at which something can happen.
  virtual void advance(Cycle /*until*/) {}
  // Runs an idle source (nothing outstanding) on to cycle `until` (the
  // cycles before it): what an idle controller does meanwhile (refresh,
  // background energy), which is otherwise caught up lazily when the next
  // request arrives, so that its counters cover the time to there. A busy
  // source, or one that counts nothing while idle, ignores it.
  virtual void settle(Cycle /*until*/) {}
  // First cycle > the last one run at which advance() can change anything
  // (a command, a completion, an admission); kNoEvent when nothing is
  // outstanding (an idle controller's refreshes are caught up lazily).
  static constexpr Cycle kNoEvent = std::numeric_limits<Cycle>::max();
  virtual Cycle next_event() const { return kNoEvent; }
  // Requests finished since the last call, in completion order: `done` is
  // the cycle after the last data beat (the last command of a PIM program);
  // arrival and first_issue as in access(); the command counters of a
  // completion stay 0 (take_command_counts() has them).
  struct Done {
    std::uint64_t tag = 0;
    AccessTiming timing;
  };
  virtual std::vector<Done> take_done() { return {}; }
  // Commands issued since the last call (summed; arrival/done unused).
  virtual AccessTiming take_command_counts() { return {}; }

  // Called for each command the engine issues (tracing); may be empty.
  std::function<void(const IssuedCommand&)> on_command;

 protected:
  // access() of a source whose engine has only the incremental interface:
  // submits `atoms` under `tag` (a tag no caller uses), advances until that
  // request is done and returns its timing with the commands issued for it
  // (`counts`: the source's counters since the last take_command_counts(),
  // left as they were).
  AccessTiming access_incrementally(const std::vector<AtomAccess>& atoms, Cycle arrival, std::uint64_t tag,
                                    AccessTiming& counts) {
    const AccessTiming before = counts;
    counts = AccessTiming{};
    submit(tag, atoms, arrival);
    AccessTiming result;
    for (bool done = false; !done;) {
      advance(next_event());
      for (const Done& d : take_done())
        if (d.tag == tag) {
          result = d.timing;
          done = true;
        }
    }
    result.commands = counts.commands;
    result.activates = counts.activates;
    result.precharges = counts.precharges;
    result.refreshes = counts.refreshes;
    result.reads = counts.reads;
    result.writes = counts.writes;
    counts = before;
    return result;
  }
};

}  // namespace pimlab::tlm_hbm
