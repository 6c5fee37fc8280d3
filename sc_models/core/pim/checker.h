// Independent re-validation of an issued Pimba-family channel stream
// (docs/pim_protocols.md, "Channel engine"; docs/testing.md, "How independent
// the checkers are"). It has its own table of the timing rules and its own
// refresh-barrier estimate, written out from pim_commands.md ("Timing rules")
// as C++ functions: it reads no rule row, distance expression or estimate of
// pimba_protocol() and shares no code with dram::ChannelEngine. Against the
// latest issue of every (class, argument) of the pseudo-channel it checks each
// rule, and from the issue cycles alone order, the command bus, refresh slots
// (or, under the Full model, each refresh), the barrier rule and the
// controller window. The Protocol argument gives only the window and the
// refresh model.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "pim/command.h"
#include "pim/protocol.h"

namespace pimlab::pim {

struct Violation {
  std::size_t index = 0;  // position of the offending command in the stream
  std::string rule;       // rule name ("comp_to_comp", "order", "command_bus", "window", ...)
  std::string what;       // human-readable detail
};

// `stream` is one channel's commands in controller order, `cycles` their issue
// cycles. Returns at most `max_report` violations (all if 0).
// Under the Full refresh model pass the channel's refresh cycles: each
// refresh must be due (j-th at >= (j+1)*nREFI), find every bank precharged
// (precharge + nRP, no ACT4 since), have the bus to itself, and keep ACT4s
// nRFC away.
std::vector<Violation> check_channel(const Protocol& protocol, const dram::DramSpec& spec,
                                     const std::vector<Command>& stream,
                                     const std::vector<std::uint64_t>& cycles, int num_pch,
                                     std::size_t max_report = 100,
                                     const std::vector<std::uint64_t>* refresh_cycles = nullptr);

// The checker's own rule table: after `from` (argument n) issues at t, `to`
// may not issue in the same pseudo-channel before t + distance(timing, n).
struct PimbaCheckRow {
  const char* name;
  CmdKind from, to;
  int (*distance)(const dram::Timing&, std::uint32_t n);
};
const std::vector<PimbaCheckRow>& pimba_check_table();
// The checker's own REFRESH_BARRIER estimate (pim_commands.md).
int pimba_check_barrier_estimate(const dram::Timing& t, const BarrierArgs& b);

}  // namespace pimlab::pim
