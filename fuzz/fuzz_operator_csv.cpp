// The operator table `pimlab layers --csv FILE` reads (gpu/operators.h).
#include <cstdint>
#include <sstream>

#include "fuzz_common.h"
#include "gpu/operators.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  pimlab::fuzz::accept_bad_input([&] {
    std::istringstream in(pimlab::fuzz::text_of(data, size));
    (void)pimlab::gpu::read_operator_csv(in, "fuzz");
  });
  return 0;
}
