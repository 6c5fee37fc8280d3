// Independent re-validation of an issued channel stream against a protocol's
// rule table (docs/pim_protocols.md, "Channel engine"). It shares no code with the
// engine's scheduling: it evaluates the rule rows term by term against the
// latest issue of every (class, argument) seen so far in the pseudo-channel,
// and checks order, the command bus, refresh slots, the barrier rule and the
// controller window from the issue cycles alone.
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

}  // namespace pimlab::pim
