// Independent re-validation of a Newton / NeuPIMs command stream
// (docs/pim_protocols.md, "Newton / NeuPIMs family"). It shares no evaluation
// code with dram::ChannelEngine: it walks the rule rows of the command set one
// at a time against the latest issue of every (class, argument, touched banks)
// seen so far, decides each row's scope from the two commands' bank ranges,
// counts activations per rank for nth-rules (tFAW), and checks one command per
// cycle and the row-buffer state each command needs.
#pragma once

#include <string>
#include <vector>

#include "dram/rules.h"
#include "pim/newton_controller.h"

namespace pimlab::pim {

struct NewtonViolation {
  std::size_t index = 0;  // position in the stream
  std::string rule;       // the rule name, "command_bus", "order" or "state"
  std::string what;
};

std::vector<NewtonViolation> check_newton(const dram::CommandSet& set, const dram::Timing& t,
                                          const std::vector<NewtonIssued>& stream, std::size_t max_report = 100);

}  // namespace pimlab::pim
