// A user's platform file (serving/platform.h), read with platform_from_file
// as `pimlab run --system FILE` does.
#include <cstdint>

#include "fuzz_common.h"
#include "serving/platform.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string& path = pimlab::fuzz::input_file(data, size, ".json");
  pimlab::fuzz::accept_bad_input([&] { (void)pimlab::serving::platform_from_file(path); });
  return 0;
}
