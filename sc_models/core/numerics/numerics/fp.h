// IEEE binary32 / binary16 / bfloat16 conversions and the FP32 arithmetic of
// the PIM processing unit. Every rounding rule is written down in
// docs/numerics.md; this code follows that text.
#pragma once

#include <cstdint>
#include <cstring>

namespace pimlab::num {

inline std::uint32_t bits_of(float f) {
  std::uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
}
inline float float_of(std::uint32_t u) {
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

// FP32 -> FP16 with round-to-nearest-even; overflow rounds to +-Inf, subnormal
// FP16 results are produced (gradual underflow), NaN stays NaN (quiet, payload
// truncated, never turned into Inf).
std::uint16_t fp32_to_fp16(float x);
// Exact: every FP16 value (subnormals included) is an FP32 value.
float fp16_to_fp32(std::uint16_t h);

// FP32 -> BF16 with round-to-nearest-even; NaN stays a quiet NaN.
std::uint16_t fp32_to_bf16(float x);
float bf16_to_fp32(std::uint16_t b);

// ---- FP32 arithmetic of the PIM unit (docs/numerics.md, "PU arithmetic") ----
// IEEE binary32 multiply / add with round-to-nearest-even, except:
//  - subnormal inputs are read as zero of the same sign (DAZ),
//  - a subnormal result is flushed to zero of the result's sign (FTZ),
//  - a result whose magnitude rounds above FLT_MAX saturates to +-FLT_MAX.
// Inputs must be finite (the unit never sees Inf/NaN: the formats reject them).
float pu_mul(float a, float b);
float pu_add(float a, float b);

}  // namespace pimlab::num
