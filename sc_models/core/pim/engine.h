// Event-driven command-level engine of HBM-PIM channels running Pimba-family
// streams (docs/pim_protocols.md, "Channel engine").
//
// Semantics (pim_commands.md, "Timing rules"):
//  - cycles are numbered from 1 (the first cycle in which a command can issue);
//  - one command per channel per cycle (the pseudo-channels share the bus);
//  - a pseudo-channel's commands issue strictly in stream order;
//  - each channel's controller holds at most `window` pending commands (both
//    pseudo-channels together), filled in stream order as slots free: at the
//    start of a cycle the front end hands over commands, then every channel
//    issues the oldest of its pending commands that is ready;
//  - refresh (Protocol::refresh): Slot (default, the contract) = cycles
//    k*nREFI .. k*nREFI + refresh_slots - 1 (k >= 1) are taken; Full = a REFab
//    due every nREFI issues once all banks are precharged (precharge + nRP),
//    ACT4s wait nRFC after it, no round starts while it is due; Off = none;
//  - a REFRESH_BARRIER may issue at cycle c only if
//    (c mod nREFI) + barrier_estimate < nREFI.
// Front end: by default every channel is fed from its own stream
// (independent channels). With a feed order (one channel id per command of a
// global trace), one reader walks that trace and stops at the first command
// whose channel is full, as the reference simulator's trace reader does.
// The engine never ticks: it asks the command-level rule engine of each
// channel (dram::ChannelEngine, the one every command family runs on) for the
// first cycle at which each pseudo-channel head in the window is legal, and
// jumps to the earliest. This is the command-stream side of the channel
// controller: window, stream order, feed order and the refresh model.
#pragma once

#include <cstdint>
#include <vector>

#include "pim/command.h"
#include "pim/protocol.h"
#include "pim/variant.h"

namespace pimlab::pim {

struct ChannelRun {
  std::uint64_t last_issue_cycle = 0;  // cycle of the last command; 0 for an empty stream
  Counters counters;
};

// Several channels (one controller each).
struct MultiChannelRun {
  std::uint64_t cycles = 0;             // kernel completion: last issue + 1 (0 if nothing ran)
  std::uint64_t last_issue_cycle = 0;   // over all channels
  Counters counters;                    // summed over channels
  std::vector<std::uint64_t> channel_last_issue;
  std::vector<std::vector<std::uint64_t>> refresh_cycles;  // per channel, Full refresh model only
};

class ChannelEngine {
 public:
  // spec: the DRAM device (timing and organisation) the family runs on.
  ChannelEngine(const Protocol& protocol, const dram::DramSpec& spec);

  // Runs channels fed from their own streams (controller order each). Every
  // command's pch must be < num_pch. If issue_cycles is given it receives one
  // cycle per command of every channel. Throws std::invalid_argument for a
  // stream that can never issue (a round whose barrier estimate does not fit
  // in nREFI, a pch out of range).
  MultiChannelRun run(const std::vector<std::vector<Command>>& channel_streams, int num_pch,
                      std::vector<std::vector<std::uint64_t>>* issue_cycles = nullptr) const;
  // Same, with one global reader: feed_order[i] is the channel of the i-th
  // command of the global trace; channel c's commands, in that order, are
  // channel_streams[c].
  MultiChannelRun run(const std::vector<std::vector<Command>>& channel_streams, int num_pch,
                      const std::vector<std::uint16_t>& feed_order,
                      std::vector<std::vector<std::uint64_t>>* issue_cycles = nullptr) const;
  // One channel.
  ChannelRun run(const std::vector<Command>& stream, int num_pch,
                 std::vector<std::uint64_t>* issue_cycles = nullptr) const;

  const dram::DramSpec& spec() const { return m_spec; }
  const Protocol& protocol() const { return m_p; }

 private:
  MultiChannelRun simulate(const std::vector<std::vector<Command>>& streams, int num_pch,
                           const std::vector<std::uint16_t>* feed_order,
                           std::vector<std::vector<std::uint64_t>>* issue_cycles) const;
  Protocol m_p;
  dram::DramSpec m_spec;
};

// Convenience: ChannelEngine::run over independent channels.
inline MultiChannelRun run_channels(const ChannelEngine& engine,
                                    const std::vector<std::vector<Command>>& channel_streams, int num_pch,
                                    std::vector<std::vector<std::uint64_t>>* issue_cycles = nullptr) {
  return engine.run(channel_streams, num_pch, issue_cycles);
}

// Energy with the reference's conventions: act*num_act + rdwr*num_rdwr + comp*num_comp.
struct EnergyTable {
  double act_pj = 901.12, rdwr_pj = 919.04, comp_pj = 478.72;
};
double energy_pj(const Counters& c, const EnergyTable& e);
// A variant's per-event energies on a DRAM preset. The variant's figures are
// the reference's, for HBM2's 16 banks per pseudo-channel; a COMP steps the
// unit of every bank the round activated (all bank groups of the
// pseudo-channel), so on a preset with more banks per pseudo-channel
// (hbm3-5200: two stack IDs, 32) one COMP does proportionally more work and
// costs proportionally more: the energy per MAC stays the variant's.
EnergyTable energy_table(const Variant& v, const dram::DramSpec& s);

// True if cycle c is taken by a refresh (cycles k*nREFI .. k*nREFI+slots-1, k >= 1).
bool is_refresh_slot(std::uint64_t c, int nREFI, int slots);

}  // namespace pimlab::pim
