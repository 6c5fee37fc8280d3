// Symmetric INT8 with one FP32 scale per block of 32 values: scale =
// max|x| / 127, q = round-half-even(x / scale) clamped to +-127, value =
// q * scale. docs/numerics.md ("Symmetric INT8") states how each division and
// product is rounded.
#pragma once

#include <array>
#include <cstdint>

namespace pimlab::numerics {

inline constexpr int kInt8Block = 32;

struct Int8Block {
  float scale = 1.0f;
  std::array<std::int8_t, kInt8Block> q{};
};

// Throws std::invalid_argument naming the element for NaN or Inf.
Int8Block int8_encode(const float* in32);
// out[i] = fp32(q[i] * scale), rounded to nearest even.
void int8_decode(const Int8Block& b, float* out32);

}  // namespace pimlab::numerics
