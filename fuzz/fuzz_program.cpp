// A compiled program's host kernel list (firmware/compiler/program.h), as
// `pimlab compile --read DIR` reads it. Extra check: what is read writes to
// text that reads back and writes to the same text.
#include <cstdint>
#include <cstdlib>
#include <sstream>

#include "firmware/compiler/program.h"
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace fc = pimlab::firmware::compiler;
  pimlab::fuzz::accept_bad_input([&] {
    std::istringstream in(pimlab::fuzz::text_of(data, size));
    fc::SystemProgram p;
    p.host = fc::read_host_kernels(in, "fuzz", &p.header);
    std::ostringstream once;
    fc::write_host_kernels(once, p);
    std::istringstream again(once.str());
    fc::SystemProgram q;
    q.host = fc::read_host_kernels(again, "fuzz", &q.header);
    std::ostringstream twice;
    fc::write_host_kernels(twice, q);
    if (once.str() != twice.str()) std::abort();
  });
  return 0;
}
