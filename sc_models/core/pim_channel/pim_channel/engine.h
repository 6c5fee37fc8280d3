// Event-driven command-level engine of one HBM-PIM channel running a Pimba
// family stream (docs/pim_protocols.md, "Channel engine").
//
// Semantics (pim_commands.md, "Timing rules"):
//  - cycles are numbered from 1 (the first cycle in which a command can issue);
//  - one command per channel per cycle (the pseudo-channels share the bus);
//  - a pseudo-channel's commands issue strictly in stream order;
//  - the controller window holds the first `window` unissued commands of the
//    channel stream (both pseudo-channels together, refilled in stream order
//    as slots free); in each cycle the oldest window command that is ready
//    issues;
//  - every nREFI cycles (cycles k*nREFI, k >= 1) an all-bank refresh takes the
//    command slot for `refresh_slots` cycles;
//  - a REFRESH_BARRIER may issue at cycle c only if
//    (c mod nREFI) + barrier_estimate < nREFI.
// The engine never ticks: from each issue it computes, per pseudo-channel
// head, the first cycle at which that head is legal, and jumps there.
#pragma once

#include <cstdint>
#include <vector>

#include "pim_channel/command.h"
#include "pim_channel/protocol.h"

namespace pimlab::pim {

struct ChannelRun {
  std::uint64_t last_issue_cycle = 0;  // cycle of the last command; 0 for an empty stream
  Counters counters;
};

class ChannelEngine {
 public:
  ChannelEngine(const Protocol& protocol, const PimTiming& timing);

  // Runs one channel's stream (controller order). Every command's pch must be
  // < num_pch. If issue_cycles is given it receives one cycle per command.
  // Throws std::invalid_argument for a stream that can never issue (a round
  // whose barrier estimate does not fit in nREFI, a pch out of range).
  ChannelRun run(const Command* stream, std::size_t n, int num_pch,
                 std::vector<std::uint64_t>* issue_cycles = nullptr) const;
  ChannelRun run(const std::vector<Command>& stream, int num_pch,
                 std::vector<std::uint64_t>* issue_cycles = nullptr) const {
    return run(stream.data(), stream.size(), num_pch, issue_cycles);
  }

  const PimTiming& timing() const { return m_t; }
  const Protocol& protocol() const { return m_p; }

 private:
  Protocol m_p;
  PimTiming m_t;
  CompiledRules m_rules;
  // For each previous kind, the next kinds it constrains.
  std::vector<CmdKind> m_next_of[kNumCmdKinds];
};

// Several channels (each one controller, independent of the others).
struct MultiChannelRun {
  std::uint64_t cycles = 0;             // kernel completion: last issue + 1 (0 if nothing ran)
  std::uint64_t last_issue_cycle = 0;   // over all channels
  Counters counters;                    // summed over channels
  std::vector<std::uint64_t> channel_last_issue;
};
MultiChannelRun run_channels(const ChannelEngine& engine,
                             const std::vector<std::vector<Command>>& channel_streams, int num_pch,
                             std::vector<std::vector<std::uint64_t>>* issue_cycles = nullptr);

// Energy with the reference's conventions: act*num_act + rdwr*num_rdwr + comp*num_comp.
struct EnergyTable {
  double act_pj = 901.12, rdwr_pj = 919.04, comp_pj = 478.72;
};
double energy_pj(const Counters& c, const EnergyTable& e);

// True if cycle c is taken by a refresh (cycles k*nREFI .. k*nREFI+slots-1, k >= 1).
bool is_refresh_slot(std::uint64_t c, int nREFI, int slots);

}  // namespace pimlab::pim
