// All channels of a device behind one front end: a request enters its
// pseudo-channel's queue at its arrival cycle, or as soon as that queue has
// room; a full queue holds back only the later requests to the same queue
// (arrival order per queue), never those of other queues. The channels run
// independently, and time jumps from event to event.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include <nlohmann/json.hpp>

#include "dram/address_map.h"
#include "dram/checker.h"
#include "dram/controller.h"
#include "stats/stats.h"

namespace pimlab::dram {

struct MemRequest {
  Cycle arrival = 0;
  bool write = false;
  std::uint64_t address = 0;
};

// The scalar results of one MemorySystem::run (the nested ones — commands per
// class, read latency distribution, energy breakdown, standby cycles — are
// objects of their own).
struct MemoryStats {
  std::uint64_t commands = 0, reads = 0, writes = 0, row_hits = 0, row_misses = 0, row_conflicts = 0, bytes = 0;
  Cycle total_cycles = 0;  // first arrival to the end of the last burst
  double total_ns = 0, bandwidth_GBps = 0;
  std::uint64_t refreshes = 0, idle_refresh_periods_skipped = 0;
  double energy_pj = 0;
  std::uint64_t events = 0, checker_violations = 0;
  bool checker_enabled = false;
  // The stats schema (stats/stats.h): the keys of `pimlab replay --format mem`.
  void collect(stats::Sink& sink) const;
};

class MemorySystem {
 public:
  // check: re-validate every command with a RuleChecker per channel.
  MemorySystem(const DramSpec& spec, const ControllerConfig& cfg, const AddressMap& map, bool check = true);

  // Pulls requests from `next` (false = no more; arrivals must not decrease)
  // and runs until every request has completed. Returns the "stats" object of
  // docs/dram.md: commands (total and per class), reads, writes, row_hits,
  // row_misses, row_conflicts, bytes, bandwidth_GBps, read_latency_cycles and
  // read_latency_ns {avg, min, max, p99}, refreshes, total_cycles, energy_pj
  // with energy_breakdown_pj and standby_cycles (dram/energy.h; from the
  // first arrival to the end of the last burst), checker_violations (and the
  // first messages).
  nlohmann::json run(const std::function<bool(MemRequest&)>& next);

  ChannelController& channel(int c) { return *m_ctrl.at(c); }
  // Event-loop iterations of the last run (time jumps; idle cycles cost nothing).
  std::uint64_t events() const { return m_events; }

 private:
  DramSpec m_spec;
  ControllerConfig m_cfg;
  AddressMap m_map;
  std::vector<std::unique_ptr<ChannelController>> m_ctrl;
  std::vector<std::unique_ptr<RuleChecker>> m_checkers;
  std::uint64_t m_events = 0;
};

}  // namespace pimlab::dram
