// The merged sweep CSV `pimlab plot` reads (sweep/plot.h, read_csv).
#include <cstdint>
#include <sstream>

#include "fuzz_common.h"
#include "sweep/plot.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  pimlab::fuzz::accept_bad_input([&] {
    std::istringstream in(pimlab::fuzz::text_of(data, size));
    (void)pimlab::sweep::read_csv(in, "fuzz");
  });
  return 0;
}
