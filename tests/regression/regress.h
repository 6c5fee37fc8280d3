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
//           (DUAL and SINGLE), every command re-checked by pim::check_newton;
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

// Runs `family` until at least `commands` commands were checked (whole
// chunks; the last chunk may overshoot). Throws std::invalid_argument for an
// unknown family.
// newton_single: the newton and mixed families alternate DUAL (NeuPIMs) and
// SINGLE (Newton) chunks instead of running DUAL only. Off by default: the
// SINGLE controller stops making progress on some of this random traffic
// (docs/testing.md, "Findings").
FamilyResult run_family(const std::string& family, std::uint64_t seed, std::uint64_t commands,
                        bool newton_single = false);

}  // namespace pimlab::regress
