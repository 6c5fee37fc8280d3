// The configuration file of `pimlab replay --format mem --config FILE`
// (dram/replay.h): read and checked with read_replay_config, then used to
// replay a short fixed trace (a read, a write and a row conflict).
#include <cstdint>
#include <sstream>

#include <nlohmann/json.hpp>

#include "dram/replay.h"
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string& path = pimlab::fuzz::input_file(data, size, ".json");
  pimlab::fuzz::accept_bad_input([&] {
    const nlohmann::json cfg = pimlab::dram::read_replay_config(path);
    std::istringstream in("0 R 0x0\n4 W 0x40\n8 R 0x10000000\n40 R 0x1040\n");
    (void)pimlab::dram::replay_mem_trace(in, "fixed", cfg);
  });
  return 0;
}
