// Independent re-validation of a Newton / NeuPIMs command stream
// (docs/pim_protocols.md, "Newton / NeuPIMs family"; docs/testing.md, "How
// independent the checkers are").
//
// The checker has its own table, written out from the constraint tables of
// neupims_pim.md §4.1 in their own form — "a command issued at t sets, in
// every bank of a relation (same bank, other banks of its bank group, other
// bank groups of its rank, other rank; a G_ACT's group or rank; all banks),
// the earliest cycle of each later command" — plus the physical rules the
// faithful default adds (docs/pim_protocols.md, quirks 1, 2a, 2b). It reads
// nothing of newton_command_set(): not its rule rows, scopes, distance
// expressions or class table, and shares no code with dram::ChannelEngine.
// Beside the timing table it checks one command per cycle, the four-
// activation window per rank, and the row-buffer state each command needs
// (§3, §4.3): the row an access reads is open; REF finds both buffers of its
// rank closed; COMP / READRES / COMPS_READRES find the GEMV row open in the
// PIM buffer of all 32 banks; in DUAL one row is never open in both buffers.
#pragma once

#include <string>
#include <vector>

#include "dram/spec.h"
#include "pim/newton.h"
#include "pim/newton_controller.h"

namespace pimlab::pim {

struct NewtonViolation {
  std::size_t index = 0;  // position in the stream
  std::string rule;       // the rule name, "command_bus", "tFAW" or "state"
  std::string what;
};

std::vector<NewtonViolation> check_newton(const NewtonOptions& o, const dram::Timing& t,
                                          const std::vector<NewtonIssued>& stream, std::size_t max_report = 100);

// Which banks a checker row binds, relative to the issued command.
enum class NewtonRelation : std::uint8_t {
  SameBank,         // a single-bank command's own bank
  OtherBanksSameBg, // the other 3 banks of its bank group
  OtherBgsSameRank, // the 12 banks of the other bank groups of its rank
  OtherRank,        // the 16 banks of the other rank
  SameRank,         // all 16 banks of its rank (its own bank included)
  Group,            // a G_ACT's 4 banks
  All,              // all 32 banks (an all-bank command)
};
const char* relation_name(NewtonRelation r);

// One row of the checker's own table: after `from` issues at t, `to` may not
// issue in a bank of `rel` before t + distance(timing, from's argument).
struct NewtonCheckRow {
  const char* name;  // the rule's name (shared vocabulary with the engine's rows)
  NewtonClass from;
  NewtonRelation rel;
  NewtonClass to;
  int (*distance)(const dram::Timing&, std::uint32_t arg);
};

// The table for one flavour and mode (rows with a distance <= 0 at every
// argument are left out: they never bind beyond one command per cycle).
std::vector<NewtonCheckRow> newton_check_table(const NewtonOptions& o);

}  // namespace pimlab::pim
