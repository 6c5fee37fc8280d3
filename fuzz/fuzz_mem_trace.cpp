// The plain memory trace (dram/replay.h), parsed and replayed through the
// command-level HBM controller with the independent rule checker on, as
// `pimlab replay --format mem --check` does. Refresh is off: with it, an idle
// gap costs time linear in its length (every refresh of the gap is issued and
// checked, 10^7 cycles take ~0.05 s), so a two-line trace with arrival 10^15
// would run for days -- the model's cost, not a parser fault (docs/fuzzing.md).
// Without refresh an idle gap is one event; refresh itself is fuzzed through
// fuzz_replay_config.
#include <cstdint>
#include <sstream>

#include <nlohmann/json.hpp>

#include "dram/replay.h"
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::istringstream in(pimlab::fuzz::text_of(data, size));
  pimlab::fuzz::accept_bad_input([&] {
    (void)pimlab::dram::replay_mem_trace(in, "fuzz", nlohmann::json{{"check", true}, {"controller", {{"refresh", "off"}}}});
  });
  return 0;
}
