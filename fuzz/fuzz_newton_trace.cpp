// The Newton / NeuPIMs transaction trace (pim/newton_trace.h), as `pimlab
// replay --format newton` reads it, for each PIM type (dual, single, dram).
#include <cstdint>
#include <sstream>

#include "fuzz_common.h"
#include "pim/newton_trace.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace pim = pimlab::pim;
  const std::string text = pimlab::fuzz::text_of(data, size);
  for (pim::PimType type : {pim::PimType::Dual, pim::PimType::Single, pim::PimType::Dram}) {
    pimlab::fuzz::accept_bad_input([&] {
      std::istringstream in(text);
      (void)pim::read_newton_trace(in, "fuzz", type);
    });
  }
  return 0;
}
