// The standard input of `pimlab quantize` (sim/quantize_input.h): the values
// read are then quantized with every format, and with mx8's stochastic
// rounding, as the command does.
#include <cstdint>
#include <sstream>

#include "fuzz_common.h"
#include "numerics/format.h"
#include "numerics/rng.h"
#include "quantize_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace nm = pimlab::numerics;
  pimlab::fuzz::accept_bad_input([&] {
    std::istringstream in(pimlab::fuzz::text_of(data, size));
    const std::vector<float> values = pimlab::cli::read_quantize_input(in);
    for (const nm::FormatInfo& f : nm::all_formats()) (void)nm::quantize(f.format, values);
    nm::SrRng rng(1);
    (void)nm::quantize(nm::Format::mx8, values, nm::Rounding::stochastic, &rng);
  });
  return 0;
}
