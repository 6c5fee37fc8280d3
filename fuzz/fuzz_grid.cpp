// A sweep grid (sweep/grid.h), as `pimlab sweep GRID.json` reads it: parsed,
// expanded into points, and every point's `pimlab run` arguments built.
#include <cstdint>

#include "fuzz_common.h"
#include "sweep/grid.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace sw = pimlab::sweep;
  pimlab::fuzz::accept_bad_input([&] {
    const sw::Grid g = sw::parse_grid(pimlab::fuzz::text_of(data, size), "fuzz");
    for (const sw::Point& p : g.points) (void)sw::run_arguments(p, p.platform.is_null() ? "" : "platform.json");
  });
  return 0;
}
