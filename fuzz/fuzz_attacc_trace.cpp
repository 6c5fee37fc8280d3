// The AttAcc request trace (pim/attacc_trace.h) and its header line, as
// `pimlab replay --format attacc` reads them.
#include <cstdint>
#include <sstream>

#include "fuzz_common.h"
#include "pim/attacc_trace.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace pim = pimlab::pim;
  const std::string text = pimlab::fuzz::text_of(data, size);
  pimlab::fuzz::accept_bad_input([&] {
    std::istringstream in(text);
    (void)pim::read_attacc_trace(in, "fuzz", 16);
  });
  pimlab::fuzz::accept_bad_input([&] {
    const auto nl = text.find('\n');
    (void)pim::parse_trace_header(text.substr(0, nl), "fuzz", 1);
  });
  return 0;
}
