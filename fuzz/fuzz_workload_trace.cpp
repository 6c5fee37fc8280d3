// A request trace (workload/trace.h), as `pimlab run --workload FILE.csv`
// reads it. A trace read must write back to text that reads the same.
#include <cstdint>
#include <cstdlib>
#include <sstream>

#include "fuzz_common.h"
#include "workload/trace.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace wl = pimlab::workload;
  pimlab::fuzz::accept_bad_input([&] {
    std::istringstream in(pimlab::fuzz::text_of(data, size));
    const wl::Requests r = wl::parse_trace(in, "fuzz");
    std::ostringstream out;
    wl::write_trace(out, r);
    std::istringstream again(out.str());
    std::ostringstream out2;
    wl::write_trace(out2, wl::parse_trace(again, "again"));
    if (out2.str() != out.str()) std::abort();
  });
  return 0;
}
