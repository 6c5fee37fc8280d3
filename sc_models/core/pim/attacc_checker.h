// Independent re-validation of AttAcc channel command streams (docs/pim_protocols.md,
// "AttAcc HBM3-PIM"). Shares no code with the rule engine or the controller:
// it keeps, per hierarchy node (channel, pCH, SID, bank group, bank) of the
// specification's own five-level hierarchy, the last issue of every command
// class, and evaluates the §4.1 constraint table written out here (rank-level
// rules included), the bank state, and the two-slot issue rule (at most two
// commands per cycle, one row and one column, untyped ones alone).
#pragma once

#include <string>
#include <vector>

#include "dram/spec.h"
#include "pim/attacc.h"

namespace pimlab::pim {

struct AttaccViolation {
  std::size_t index = 0;  // position in the channel's stream
  std::string rule;       // rule name of the table ("tRCD", "tCCDAB", "slots", "state", ...)
  std::string what;
};

// `stream`: one channel's issued commands in issue order (AttaccResult::issued).
// Artifact-compatible streams are checked with the artifact's check depths
// (SFM, PREA and REFab look at the channel node only) and the MACPB alias
// rule; faithful streams with every level and the physical extra rules.
std::vector<AttaccViolation> check_attacc_channel(const dram::DramSpec& spec, const std::vector<AttaccIssued>& stream,
                                                  bool artifact_compatible, std::size_t max_report = 100);

}  // namespace pimlab::pim
