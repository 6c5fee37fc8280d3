// main() of the co-simulation programs that link another Verilated variant
// than pimlab does (planted faults, the untraced library for benchmarks):
// `<program> [pimlab cosim options]` runs `pimlab cosim` with those options
// (sim/cmd_cosim.cpp, compiled into this program, provides the command and
// sc_main). Exit status as pimlab's: 0 match, 1 mismatch, 2 bad input,
// 3 internal or I/O error, 130 interrupted.
#include <cstdio>
#include <exception>
#include <stdexcept>
#include <vector>

#include "cli.h"

int main(int argc, char** argv) {
  std::vector<char*> args{argv[0], const_cast<char*>("cosim")};
  for (int i = 1; i < argc; ++i) args.push_back(argv[i]);
  args.push_back(nullptr);
  try {
    return pimlab::cli::registry().at("cosim").run(static_cast<int>(args.size()) - 1, args.data());
  } catch (const pimlab::cli::UsageError& e) {
    std::fprintf(stderr, "%s cosim: error: %s\n", argv[0], e.what());
    return 2;
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "%s cosim: error: %s\n", argv[0], e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s cosim: error: %s\n", argv[0], e.what());
    return 3;
  }
}
