// The plain memory trace (dram/replay.h), parsed and replayed through the
// command-level HBM controller with the independent rule checker on, as
// `pimlab replay --format mem --check` does, with the default controller:
// all-bank refresh on, idle gaps skipped by whole refresh periods
// (fast_idle_refresh, docs/dram.md "Idle gaps"), so a trace whose arrivals
// are 10^17 cycles apart costs a few refresh periods per channel, not days.
#include <cstdint>
#include <sstream>

#include <nlohmann/json.hpp>

#include "dram/replay.h"
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::istringstream in(pimlab::fuzz::text_of(data, size));
  pimlab::fuzz::accept_bad_input([&] {
    (void)pimlab::dram::replay_mem_trace(in, "fuzz", nlohmann::json{{"check", true}});
  });
  return 0;
}
