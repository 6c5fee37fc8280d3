// The bounded line reader every text trace goes through (textio/text_input.h):
// lines of an input up to a small bound, so over-long lines are reached.
#include <cstdint>
#include <cstdlib>
#include <sstream>

#include "fuzz_common.h"
#include "textio/text_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace tio = pimlab::textio;
  const std::string text = pimlab::fuzz::text_of(data, size);
  for (std::size_t bound : {std::size_t{16}, tio::kMaxLineLength}) {
    pimlab::fuzz::accept_bad_input([&] {
      std::istringstream in(text);
      std::string line;
      std::size_t n = 0, total = 0;
      while (tio::read_line(in, line, "fuzz", n + 1, bound)) {
        ++n;
        if (line.size() > bound || line.find('\n') != std::string::npos || line.find('\0') != std::string::npos)
          std::abort();
        total += line.size() + 1;
      }
      if (total > text.size() + 1) std::abort();  // never more text than given
    });
  }
  return 0;
}
