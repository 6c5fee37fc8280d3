// Long random regressions of the channel engines under their independent
// checkers (docs/testing.md, "Random regressions" and "Planted timing
// faults").
//
// Each family runs seeded random traffic in chunks; every command the engine
// issues is re-validated by the family's independent checker:
//   hbm     plain memory: dram::MemorySystem (controller + rule engine) on
//           random read/write requests, dram::RuleChecker on every command;
//   pimba   Pimba-family command streams through pim::ChannelEngine, every
//           issue cycle re-checked by pim::check_channel;
//   newton  Newton / NeuPIMs PIM transactions through pim::NewtonChannel
//           (DUAL, SINGLE; DRAM chunks carry host traffic), every command
//           re-checked by pim::check_newton;
//   attacc  AttAcc HBM3-PIM request traces through run_attacc_stack, every
//           channel's commands re-checked by pim::check_attacc_channel;
//   mixed   host reads/writes and PIM transactions at the same time on one
//           Newton / NeuPIMs channel (the family whose controller serves both),
//           every command re-checked by pim::check_newton.
// A chunk's traffic and configuration (preset, controller options, refresh
// model, artifact mode) are drawn from std::mt19937_64 seeded with
// (seed, chunk index), so a run is a pure function of (family, seed,
// command budget).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "pim/newton.h"

namespace pimlab::regress {

struct FamilyResult {
  std::string family;
  std::uint64_t commands = 0;    // commands issued and re-validated by the checker
  std::uint64_t violations = 0;  // checker reports
  std::uint64_t chunks = 0;
  std::uint64_t digest = 0;      // FNV-1a over every chunk's issue cycles / statistics
  std::map<std::string, std::uint64_t> by_rule;  // violations per checker rule name
  std::vector<std::string> first;                // up to 8 violation messages
};

const std::vector<std::string>& family_names();  // hbm, pimba, newton, attacc, mixed

// The Newton / NeuPIMs controller types the newton and mixed families rotate
// over, chunk by chunk: chunk k runs types[k % n] (n = types.size()),
// faithful or artifact-compatible as (k / n) is even or odd. A DRAM chunk
// carries host traffic only (the newton family's chunks then get some).
const std::vector<pim::PimType>& all_newton_types();  // dual, single, dram
// Parses a comma list of dual, single, dram (each at most once); throws
// std::invalid_argument naming the word and the allowed ones.
std::vector<pim::PimType> parse_newton_types(const std::string& list);

// Runs `family` until at least `commands` commands were checked (whole
// chunks; the last chunk may overshoot). Throws std::invalid_argument for an
// unknown family or an empty type list, pim::NewtonStall (with family, seed
// and chunk) when a Newton controller stops making progress.
FamilyResult run_family(const std::string& family, std::uint64_t seed, std::uint64_t commands,
                        const std::vector<pim::PimType>& newton_types = all_newton_types());

}  // namespace pimlab::regress
