// Shared by the fuzz harnesses (fuzz/README.md): what counts as a correct
// refusal of bad input, and the input as a file for parsers that read a path.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>

#include <unistd.h>

#include "cli.h"

namespace pimlab::fuzz {

inline std::string text_of(const std::uint8_t* data, std::size_t size) {
  return std::string(reinterpret_cast<const char*>(data), size);
}

// Runs `parse`. The documented refusals of bad input -- std::invalid_argument
// (and its subclasses such as the config's ConfigError) and cli::UsageError --
// are correct answers and are swallowed; any other exception leaves the
// harness, which libFuzzer (and the regression driver) report as a finding,
// like a crash, a hang, a leak or undefined behaviour.
template <class F>
void accept_bad_input(F&& parse) {
  try {
    parse();
  } catch (const std::invalid_argument&) {
  } catch (const pimlab::cli::UsageError&) {
  }
}

// Writes the input to a file of this process and returns its path; the same
// path each call, removed at exit. The directory is $TMPDIR when set, else
// /dev/shm when it is a writable directory (memory-backed: a harness rewrites
// the file at every execution), else /tmp.
inline const std::string& input_file(const std::uint8_t* data, std::size_t size, const char* suffix) {
  static const std::string path = [&] {
    const char* env = std::getenv("TMPDIR");
    std::string dir = env && *env ? env : ::access("/dev/shm", W_OK | X_OK) == 0 ? "/dev/shm" : "/tmp";
    return dir + "/pimlab_fuzz_" + std::to_string(::getpid()) + suffix;
  }();
  static const bool registered = [] {
    std::atexit([] { std::remove(path.c_str()); });
    return true;
  }();
  (void)registered;
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) throw std::runtime_error("fuzz harness: cannot write " + path);
  if (size && std::fwrite(data, 1, size, f) != size) {
    std::fclose(f);
    throw std::runtime_error("fuzz harness: cannot write " + path);
  }
  std::fclose(f);
  return path;
}

}  // namespace pimlab::fuzz
