#include "workload/random.h"

#include <cmath>
#include <stdexcept>

namespace pimlab::workload {

std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

std::uint64_t Rng::below(std::uint64_t n) {
  if (n == 0) throw std::invalid_argument("Rng::below(0)");
  // 2^64 mod n, computed in 64 bits: (2^64 - n) mod n.
  const std::uint64_t rem = (0 - n) % n;
  const std::uint64_t limit = 0 - rem;  // 2^64 - rem; 0 stands for 2^64 (rem == 0)
  for (;;) {
    const std::uint64_t x = next();
    if (rem == 0 || x < limit) return x % n;
  }
}

double Rng::unit_open0() { return static_cast<double>((next() >> 11) + 1) * 0x1.0p-53; }

double Rng::exponential(double rate) { return -std::log(unit_open0()) / rate; }

}  // namespace pimlab::workload
