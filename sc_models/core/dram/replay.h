// Plain memory-trace replay through the command-level HBM controller.
//
// Trace format, one request per line:  <cycle> <R|W> <hex address>
//   cycle: decimal arrival cycle (tCK of the spec), non-decreasing;
//   address: byte address, "0x" prefix optional, decoded by the address mapping.
// Blank lines and lines starting with '#' are skipped. A malformed line throws
// std::invalid_argument "<file>:<line>: <what>".
#pragma once

#include <istream>
#include <string>

#include <nlohmann/json.hpp>

namespace pimlab::dram {

// Runs the trace in `path` and returns the stats document:
//   {"config": {effective spec, controller, mapping}, "stats": {commands, reads,
//    writes, row_hits, row_misses, row_conflicts, bandwidth_GBps,
//    read_latency_cycles {avg,min,max,p99}, read_latency_ns {...}, refreshes,
//    total_cycles, checker_violations, ...}}
// `config` (all keys optional; unknown keys are errors):
//   "preset":     one of preset_names() (default "hbm2-pimba")
//   "spec":       overrides for spec_from_json ({"org": {...}, "timing": {...}})
//   "mapping":    address mapping, MSB first, e.g. "ro_ba_bg_pc_ch_co" or a JSON list
//   "controller": {"queue_size", "page_policy": "open"|"closed", "write_high",
//                  "write_low", "dual_command_bus", "refresh": "all-bank"|"per-bank"|"off"}
//   "check":      run the independent rule checker on every command (default true
//                 here; `pimlab replay --format mem` turns it on with --check)
// The stats add energy_pj, energy_breakdown_pj and standby_cycles (dram/energy.h).
nlohmann::json replay_mem_trace(const std::string& path,
                                const nlohmann::json& config = nlohmann::json::object());
// Reads a replay configuration file (one JSON object with the keys above) and
// checks it; a missing file, invalid JSON, an unknown key or a bad value throws
// std::invalid_argument naming the file and the key.
nlohmann::json read_replay_config(const std::string& path);
// Same, reading from a stream; `name` is used in error messages.
nlohmann::json replay_mem_trace(std::istream& in, const std::string& name,
                                const nlohmann::json& config = nlohmann::json::object());

}  // namespace pimlab::dram
