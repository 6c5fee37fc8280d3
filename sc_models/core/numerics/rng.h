// The stochastic-rounding generator shared by the golden numerics, the
// behavioural PIM unit and the RTL: Marsaglia's xorshift32 with shifts
// (13, 17, 5). One step per quantized value; the 8 random bits of that value
// are bits [31:24] of the new state. Seed 0 is mapped to 0x9E3779B9 (the
// all-zero state is a fixed point). docs/numerics.md states the draw order.
#pragma once

#include <cstdint>

namespace pimlab::numerics {

class SrRng {
 public:
  explicit SrRng(std::uint32_t seed = 1) : m_state(seed ? seed : 0x9E3779B9u) {}
  std::uint32_t next() {
    std::uint32_t x = m_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    m_state = x;
    return x;
  }
  // The 8 random bits of one stochastically rounded value.
  std::uint8_t next8() { return static_cast<std::uint8_t>(next() >> 24); }
  std::uint32_t state() const { return m_state; }

 private:
  std::uint32_t m_state;
};

}  // namespace pimlab::numerics
