// The Pimba family PIM command set (docs/pim_protocols.md): command kinds,
// their trace names and one issued/queued command as a compact value.
//
// A command carries, besides what its timing needs (kind, channel,
// pseudo-channel, the argument n or r, the barrier's four arguments), a link to
// the round it belongs to, so a data-moving model can find which bank of which
// bank group receives which chunk and how many register writes (see
// firmware/pimba/generator.h, Round).
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "stats/stats.h"

namespace pimlab::pim {

// Command classes of the Pimba family. `Refresh` is the controller's all-bank
// refresh; it never appears in a generated stream or a trace file.
enum class CmdKind : std::uint8_t {
  RefreshBarrier = 0,   // refresh_barrier ch pch sched regs v_count comps
  Act4WithReg,          // act4_with_reg_<n>: activate the 4 banks of one bank group + n register writes
  Act4,                 // act4 (without command scheduling)
  RegWrite,             // reg_write
  Comp,                 // comp: one compute step in all banks of the pseudo-channel
  PrechargeWithResult,  // precharge_with_result_<r>: precharge + r result reads
  Precharge,            // precharge (without command scheduling)
  Result,               // result
  Refresh,              // all-bank refresh (controller-internal)
};
inline constexpr int kNumCmdKinds = 9;

inline constexpr int index_of(CmdKind k) { return static_cast<int>(k); }

// Upper-case class name, as used in the rule table ("ACT4_WITH_REG_n").
const char* class_name(CmdKind k);
// Trace spelling of a command of kind k with argument arg
// ("act4_with_reg_16", "precharge_with_result_8", "comp", ...).
std::string trace_name(CmdKind k, std::uint32_t arg);
// Kinds whose trace name carries the argument (n or r).
inline constexpr bool has_arg(CmdKind k) {
  return k == CmdKind::Act4WithReg || k == CmdKind::PrechargeWithResult;
}
inline constexpr bool is_act4(CmdKind k) { return k == CmdKind::Act4WithReg || k == CmdKind::Act4; }
inline constexpr bool is_precharge(CmdKind k) {
  return k == CmdKind::PrechargeWithResult || k == CmdKind::Precharge;
}

// The barrier's arguments: the generator's estimate inputs for the round it opens.
struct BarrierArgs {
  std::uint8_t sched = 1;    // 1 = command scheduling (ACT4_WITH_REG / PRECHARGE_WITH_RESULT)
  std::uint8_t v_count = 1;  // atoms of the v slice per bank (= element bytes)
  std::uint16_t comps = 0;   // COMP commands of the round
  std::uint32_t regs = 0;    // register writes of the round (sum of n)
};

// One command of a stream. 20 bytes; millions of them are simulated.
struct Command {
  CmdKind kind = CmdKind::Comp;
  std::uint8_t pch = 0;
  std::uint8_t bank_group = 0;  // ACT4*: the bank group it opens; else 0
  std::uint8_t sched = 1;       // barrier only
  std::uint16_t ch = 0;
  std::uint16_t comps = 0;      // barrier only
  std::uint32_t arg = 0;        // n (ACT4_WITH_REG_n), r (PRECHARGE_WITH_RESULT_r); barrier: regs
  std::uint32_t round = 0;      // index of the round in the generating program (0 for replayed traces)
  std::uint8_t v_count = 0;     // barrier only

  BarrierArgs barrier() const {
    BarrierArgs b;
    b.sched = sched;
    b.v_count = v_count;
    b.comps = comps;
    b.regs = arg;
    return b;
  }
};

// Event counters with the reference's conventions (pim_commands.md,
// "Counters and energy").
struct Counters {
  std::uint64_t num_act = 0;   // +4 per ACT4*
  std::uint64_t num_comp = 0;  // +1 per COMP
  std::uint64_t num_rdwr = 0;  // +n per ACT4_WITH_REG_n, +1 per REG_WRITE, +8r+1 per PRECHARGE_WITH_RESULT_r, +1 per RESULT
  std::uint64_t commands = 0;  // stream commands (refreshes excluded)
  std::uint64_t refreshes = 0; // all-bank refreshes issued by the controller

  void count(const Command& c) {
    switch (c.kind) {
      case CmdKind::Act4WithReg:
        num_act += 4;
        num_rdwr += c.arg;
        break;
      case CmdKind::Act4: num_act += 4; break;
      case CmdKind::RegWrite: num_rdwr += 1; break;
      case CmdKind::Comp: num_comp += 1; break;
      case CmdKind::PrechargeWithResult: num_rdwr += 8ull * c.arg + 1; break;
      case CmdKind::Result: num_rdwr += 1; break;
      case CmdKind::Refresh: ++refreshes; return;
      case CmdKind::RefreshBarrier:
      case CmdKind::Precharge: break;
    }
    ++commands;
  }
  Counters& operator+=(const Counters& o);
  // The stats schema of these counters (stats/stats.h): the keys of the
  // `pimlab kernel` / `pimlab replay` JSON and the channel's pim_* stats.
  void collect(stats::Sink& sink) const;
};

}  // namespace pimlab::pim
