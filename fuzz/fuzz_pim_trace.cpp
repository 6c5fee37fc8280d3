// The PIM command trace of the Pimba / HBM-PIM families (pim/trace.h), as
// `pimlab replay --format pimba` reads it: the header line, then every
// command; with the default limits and with the reference reader's names
// only. Every command read must print back to a line that reads the same.
#include <cstdint>
#include <cstdlib>
#include <sstream>

#include "fuzz_common.h"
#include "pim/trace.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace pim = pimlab::pim;
  const std::string text = pimlab::fuzz::text_of(data, size);
  pimlab::fuzz::accept_bad_input([&] {
    const std::string first = text.substr(0, text.find('\n'));
    (void)pim::parse_trace_header(first, "fuzz", 1);
  });
  for (bool reference : {false, true}) {
    pim::TraceLimits limits;
    limits.reference_names_only = reference;
    pimlab::fuzz::accept_bad_input([&] {
      std::istringstream in(text);
      for (const pim::Command& c : pim::read_trace(in, "fuzz", limits)) {
        const std::string line = pim::format_trace_line(c);
        pim::Command back;
        if (!pim::parse_trace_line(line, "fuzz", 1, limits, back) || pim::format_trace_line(back) != line) std::abort();
      }
    });
  }
  return 0;
}
