// A decode-batch snapshot (workload/snapshot.h), as `pimlab run --workload
// snapshot:FILE` and `pimlab workload` read it.
#include <cstdint>
#include <sstream>

#include "fuzz_common.h"
#include "workload/snapshot.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  pimlab::fuzz::accept_bad_input([&] {
    std::istringstream in(pimlab::fuzz::text_of(data, size));
    (void)pimlab::workload::parse_snapshot(in, "fuzz");
  });
  return 0;
}
