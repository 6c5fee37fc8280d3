// The `pimlab` executable: dispatches to the subcommands registered in
// sim/cmd_*.cpp. Exit status (README, "Command-line contract"): 0 success,
// 1 a verification mismatch, 2 bad input or usage, 3 an internal or I/O error,
// 130 interrupted; every error is one line on standard error.
#include <exception>
#include <iostream>
#include <stdexcept>
#include <string>

#include "cli.h"
#include "pim/newton_controller.h"

namespace {
void print_usage(std::ostream& os) {
  os << "usage: pimlab <command> [options]\n\n"
        "pimlab models LLM-serving hardware that computes in or near memory (host NPU,\n"
        "HBM-PIM channels, CIM tiles) and verifies the RTL of its PIM processing unit.\n\n"
        "commands:\n";
  for (const auto& [name, cmd] : pimlab::cli::registry()) {
    std::string left = "  " + name;
    os << left << std::string(left.size() < 14 ? 14 - left.size() : 1, ' ') << cmd.summary << "\n";
  }
  os << "\n'pimlab <command> --help' describes each command; 'pimlab --version' prints the version.\n";
}
}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    print_usage(std::cerr);
    return 2;
  }
  std::string name = argv[1];
  if (name == "-h" || name == "--help" || name == "help") {
    print_usage(std::cout);
    return 0;
  }
  if (name == "--version") {
    // The git revision is the one the build tree was configured from.
    std::cout << "pimlab " << PIMLAB_VERSION << " (git " << PIMLAB_GIT_SHA << ", " << PIMLAB_BUILD_TYPE << " build)\n";
    return 0;
  }
  auto& reg = pimlab::cli::registry();
  auto it = reg.find(name);
  if (it == reg.end()) {
    std::cerr << "pimlab: error: unknown command '" << name << "' (see 'pimlab --help')\n";
    return 2;
  }
  try {
    return it->second.run(argc, argv);
  } catch (const pimlab::cli::UsageError& e) {
    std::cerr << "pimlab " << name << ": error: " << e.what() << "\n";
    return 2;
  } catch (const std::invalid_argument& e) {
    // Library cores throw invalid_argument for bad input (NaN on input, a bad
    // config value, a malformed trace line): the user's error, not pimlab's.
    std::cerr << "pimlab " << name << ": error: " << e.what() << "\n";
    return 2;
  } catch (const pimlab::pim::NewtonStall& e) {
    // A Newton / NeuPIMs channel that stopped making progress (replay, kernel
    // --family neupims): the controller's failure, never the input's.
    std::cerr << "pimlab " << name << ": error: " << e.what() << "\n";
    return 3;
  } catch (const std::exception& e) {
    // Anything else is pimlab's failure or the system's (a write that failed,
    // memory): never the mismatch status 1.
    std::cerr << "pimlab " << name << ": error: " << e.what() << "\n";
    return 3;
  } catch (...) {
    std::cerr << "pimlab " << name << ": error: unknown exception\n";
    return 3;
  }
}
