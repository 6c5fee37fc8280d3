// A compiled program's host file (firmware/compiler/program.h), as
// `pimlab compile --read DIR` reads it: the GPU host's kernel list
// (host.kernels), or the NPU host's instruction stream (host.npu) when the
// first line names that kind. Extra check: what is read writes to text that
// reads back and writes to the same text.
#include <cstdint>
#include <cstdlib>
#include <sstream>

#include "firmware/compiler/program.h"
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace fc = pimlab::firmware::compiler;
  pimlab::fuzz::accept_bad_input([&] {
    const std::string text = pimlab::fuzz::text_of(data, size);
    const bool npu = text.find(" host.npu") < text.find('\n');
    auto read = [&](std::istream& is, fc::SystemProgram& p) {
      if (npu)
        p.npu = fc::read_host_npu(is, "fuzz", &p.header);
      else
        p.host = fc::read_host_kernels(is, "fuzz", &p.header);
    };
    auto write = [&](std::ostream& os, const fc::SystemProgram& p) {
      if (npu)
        fc::write_host_npu(os, p);
      else
        fc::write_host_kernels(os, p);
    };
    std::istringstream in(text);
    fc::SystemProgram p;
    read(in, p);
    std::ostringstream once;
    write(once, p);
    std::istringstream again(once.str());
    fc::SystemProgram q;
    read(again, q);
    std::ostringstream twice;
    write(twice, q);
    if (once.str() != twice.str()) std::abort();
  });
  return 0;
}
