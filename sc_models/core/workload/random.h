// Seeded random numbers whose values are fixed by this file alone: std::mt19937_64 (whose output
// sequence the C++ standard specifies) with pimlab's own transformations, because the standard
// library's distributions differ between implementations. Same seed => same numbers, bit for bit.
#pragma once

#include <cstdint>
#include <random>

namespace pimlab::workload {

// SplitMix64 finaliser: derives independent seeds for separate streams from one user seed.
std::uint64_t splitmix64(std::uint64_t x);

class Rng {
 public:
  explicit Rng(std::uint64_t seed) : m_engine(seed) {}
  std::uint64_t next() { return m_engine(); }
  // Uniform integer in [0, n), n >= 1: draws x until x < 2^64 - (2^64 mod n), returns x mod n
  // (rejection, so exactly uniform).
  std::uint64_t below(std::uint64_t n);
  // Uniform double in (0, 1]: ((x >> 11) + 1) * 2^-53.
  double unit_open0();
  // Exponential with the given rate (> 0): -log(u) / rate with u = unit_open0().
  double exponential(double rate);

 private:
  std::mt19937_64 m_engine;
};

}  // namespace pimlab::workload
