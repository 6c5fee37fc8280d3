// A request-length histogram (workload/lengths.h), the table the sharegpt and
// alpaca workloads sample; a table read is sampled once.
#include <cstdint>
#include <sstream>

#include "fuzz_common.h"
#include "workload/lengths.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  pimlab::fuzz::accept_bad_input([&] {
    std::istringstream in(pimlab::fuzz::text_of(data, size));
    (void)pimlab::workload::LengthTable::parse_histogram(in, "fuzz");
  });
  return 0;
}
