// Statistics: every model that counts something implements stats_provider;
// one walker visits the SystemC object tree once at the end of a run (or on
// SIGINT) and builds a single JSON document
//
//   { "meta":   {generator, version, systemc, sim_time_ps, partial, ...},
//     "config": the effective configuration (Config::effective()),
//     "stats":  { "<hierarchical name>": { "<stat>": {"value", "unit", "description"} } } }
//
// Every stat carries a unit and a description: the sink is the core schema's
// (stats/stats.h, pure C++), so a shell hands it to the describing function of
// the core counters it holds (`collect(stats::Sink&)`) instead of naming
// those counters again. Derived values (bandwidth, utilisation, averages) are
// computed by the provider when it is asked, i.e. at dump time, from its raw
// counters.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>
#include <systemc>
#include <tlm>

#include "stats/stats.h"

namespace pimlab::tlm_common {

// Collects one provider's stats: the core schema's sink (a group of the
// document is written through stats::Document).
using StatsSink = stats::Sink;

class stats_provider {
 public:
  virtual ~stats_provider() = default;
  // Adds this object's stats (raw counters and derived values) to `sink`.
  virtual void collect_stats(StatsSink& sink) const = 0;
  // Resets the counters (e.g. after a warm-up phase). Optional.
  virtual void reset_stats() {}
};

// Transactions a target answered with a TLM error response, one counter per
// status, under the same stat names on every target (`address_errors`,
// `burst_errors`, `byte_enable_errors`, `command_errors`, `generic_errors`).
struct ResponseErrors {
  std::uint64_t address = 0, burst = 0, byte_enable = 0, command = 0, generic = 0;
  // Counts one answer; TLM_OK_RESPONSE and TLM_INCOMPLETE_RESPONSE are not errors.
  void count(tlm::tlm_response_status status);
  // `burst_cause` and `generic_cause` name what this target answers those for
  // (appended to the description in parentheses when not empty).
  void collect(StatsSink& sink, const std::string& burst_cause = "", const std::string& generic_cause = "") const;
  void reset() { *this = ResponseErrors{}; }
};

struct StatsMeta {
  bool partial = false;   // the run was interrupted; stats cover the part that ran
  std::string reason;     // why the run ended ("finished", "SIGINT", an error text)
};

// Walks every sc_object below the top-level objects; every object that is a
// stats_provider contributes one group keyed by its hierarchical name.
nlohmann::json collect_stats();
nlohmann::json build_stats_document(const StatsMeta& meta);
void write_stats_document(const std::string& path, const StatsMeta& meta);
// Calls reset_stats() on every provider.
void reset_all_stats();

}  // namespace pimlab::tlm_common
