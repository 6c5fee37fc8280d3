// Running a set of PIM channel streams the way `pimlab kernel` and
// `pimlab replay --format pimba` both do: the engine (independent channels, or
// one global reader in artifact-compatible mode), the optional independent
// checker, energy and time, and the result keys both commands report.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "pim/attacc.h"
#include "pim/engine.h"
#include "pim/protocol.h"
#include "pim/variant.h"
#include "cli.h"
#include "stats/stats.h"

namespace pimlab::sim {

struct PimRunReport {
  pim::MultiChannelRun run;
  bool checked = false;
  std::uint64_t violations = 0;
  std::vector<std::string> messages;  // the first few violations, readable
  double energy_pj = 0.0;
  double time_ns = 0.0;
  // The stats schema of the result (stats/stats.h): cycles, num_act,
  // num_comp, num_rdwr, energy_pj, commands, time_ns, last_issue_cycle,
  // refreshes (+ checker_violations when checked).
  void collect(stats::Sink& sink) const;
  // Its value-only view (+ checker_messages): the `pimlab kernel` / `pimlab
  // replay` JSON of the Pimba family.
  nlohmann::json result_json() const;
};

// feed_order null: every channel fed independently; otherwise one global
// reader walks the commands in that channel order (the reference's behaviour).
// The clock time_ns converts kernel cycles at, from --pim-clock-mhz: with
// --artifact-compatible the Pimba paper's PIM clock (default 1512 MHz);
// otherwise 0 = the preset's own tCK, and --pim-clock-mhz is an error.
double pim_clock_option(const cli::Args& a, bool artifact_compatible);
// The clock in MHz that time_ns used (pim_clock_option's result, or the preset's).
double time_clock_mhz(double pim_clock_mhz, const dram::DramSpec& spec);

PimRunReport run_pim_streams(const pim::Protocol& protocol, const pimlab::dram::DramSpec& timing,
                             const std::vector<std::vector<pim::Command>>& streams, int num_pch,
                             const std::vector<std::uint16_t>* feed_order, bool check, const pim::Variant& variant,
                             double pim_clock_mhz);  // > 0: time_ns at this clock (artifact-compatible); 0: the preset's tCK

// AttAcc (`pimlab kernel --family attacc`, `pimlab replay --format attacc`):
// the stack run, the optional independent checker and the result keys
// (pim/attacc_trace.h attacc_json, + checker_violations when checked).
struct AttaccRunReport {
  nlohmann::json result;
  std::uint64_t violations = 0;
  std::string first_violation;  // "channel C command I: rule: what"
  double wall_s = 0.0;
};
AttaccRunReport run_attacc_trace(const pimlab::dram::DramSpec& spec, const std::vector<pim::AttaccStatement>& trace,
                                 pim::AttaccPlacement placement, bool artifact_compatible, bool check,
                                 pim::AttaccResult* recorded = nullptr);  // with recorded: the run, every issued command kept
// The human-readable table of an AttAcc result (standard output).
void print_attacc_result(const nlohmann::json& result, long long tck_ps, double wall_s);

}  // namespace pimlab::sim
