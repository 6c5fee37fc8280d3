// Seeded synthetic data for the golden kernels' tests and `pimlab accuracy`:
// a small, fully specified generator so that a seed gives the same inputs on
// every platform and standard library (std::normal_distribution does not).
#pragma once

#include <cmath>
#include <cstdint>

namespace pimlab::golden {

// SplitMix64 (Steele, Lea, Flood 2014): state += 0x9E3779B97F4A7C15, then the
// standard 64-bit finaliser.
class SynthRng {
 public:
  explicit SynthRng(std::uint64_t seed) : m_state(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (m_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform in (0, 1): the top 53 bits, offset by half a step (never 0 or 1).
  double uniform() { return (static_cast<double>(next() >> 11) + 0.5) * 0x1.0p-53; }
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  // Standard normal by Box-Muller (the cosine branch only; one value per call).
  double normal() {
    const double u1 = uniform(), u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }
  // A generator for an independent stream derived from this seed and an index.
  static SynthRng stream(std::uint64_t seed, std::uint64_t index) {
    SynthRng r(seed ^ (0xD1B54A32D192ED03ull * (index + 1)));
    r.next();
    return r;
  }

 private:
  std::uint64_t m_state;
};

inline double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

}  // namespace pimlab::golden
