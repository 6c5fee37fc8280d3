// Symmetric INT8, one FP32 scale per 32 values, following docs/numerics.md
// ("Symmetric INT8").
#include "numerics/int8.h"

#include <cfloat>
#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "numerics/fp.h"

namespace pimlab::numerics {

namespace {

// Rounds a finite, non-negative FP32 quotient to an integer, ties to even,
// saturating at 127. a - trunc(a) is exact for a < 2^23.
int round_half_even_sat127(float a) {
  if (a >= 127.5f) return 127;  // 127.5 itself rounds to 128 (even) and saturates too
  const int t = static_cast<int>(a);
  const float frac = a - static_cast<float>(t);
  int q = t;
  if (frac > 0.5f || (frac == 0.5f && (t & 1))) ++q;
  return q > 127 ? 127 : q;
}

}  // namespace

Int8Block int8_encode(const float* in32) {
  // Step 1: reject NaN/Inf; amax = max|x|.
  float amax = 0.0f;
  for (int i = 0; i < kInt8Block; ++i) {
    const std::uint32_t u = bits_of(in32[i]);
    if ((u & 0x7F800000u) == 0x7F800000u) {
      char buf[96];
      std::snprintf(buf, sizeof buf, "int8: element %d is %s (0x%08x); only finite values can be quantized", i,
                    (u & 0x7FFFFFu) ? "NaN" : ((u >> 31) ? "-Inf" : "+Inf"), static_cast<unsigned>(u));
      throw std::invalid_argument(buf);
    }
    const float a = float_of(u & 0x7FFFFFFFu);
    if (a > amax) amax = a;
  }
  Int8Block b;
  // Step 2: scale = fp32(amax / 127), one IEEE division rounded to nearest
  // even. A scale of zero (all-zero block, or amax <= 127 * 2^-150) becomes 1.
  b.scale = amax / 127.0f;
  if (b.scale == 0.0f) b.scale = 1.0f;
  // Step 3: q = RNE(fp32(x / scale)) saturated to +-127: the division is an
  // IEEE FP32 division rounded to nearest even, then that FP32 quotient is
  // rounded to an integer, ties to even.
  for (int i = 0; i < kInt8Block; ++i) {
    const float quot = in32[i] / b.scale;
    const int m = round_half_even_sat127(quot < 0.0f ? -quot : quot);
    b.q[i] = static_cast<std::int8_t>(quot < 0.0f ? -m : m);
  }
  return b;
}

void int8_decode(const Int8Block& b, float* out32) {
  // Step 4: value = fp32(q * scale): the integer q converts to FP32 exactly,
  // the product is rounded to nearest even; a product that rounds beyond
  // FLT_MAX (|q| = 127 and max|x| within an ulp of FLT_MAX, since scale may
  // round up) saturates to +-FLT_MAX. q = 0 gives +0.
  for (int i = 0; i < kInt8Block; ++i) {
    const float v = static_cast<float>(b.q[i]) * b.scale;
    out32[i] = std::isinf(v) ? std::copysign(FLT_MAX, v) : v;
  }
}

}  // namespace pimlab::numerics
