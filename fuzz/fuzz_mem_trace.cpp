// The plain memory trace (dram/replay.h), parsed and replayed through the
// command-level HBM controller with the independent rule checker on, as
// `pimlab replay --format mem --check` does.
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
