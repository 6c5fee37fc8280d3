// IEEE binary32 / binary16 / bfloat16 conversions and the FP32 arithmetic of
// the PIM processing unit. Every rounding rule is written down in
// docs/numerics.md; this code follows that text.
#pragma once

#include <cstdint>
#include <cstring>

#if defined(__FAST_MATH__)
#error "pimlab numerics must be compiled without -ffast-math (docs/numerics.md)"
#endif

namespace pimlab::numerics {

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

// One step of a 16-lane FP16 multiplier array with an adder tree (the Newton /
// NeuPIMs per-bank units and the AttAcc units): the 16 products
// fp16(a_i) * fp16(b_i), exact in FP32, summed pairwise in plain IEEE FP32
// (round to nearest even): ((p0+p1)+(p2+p3)) + ... over 4 levels.
float fp16_tree16(const std::uint16_t* a, const std::uint16_t* b);

// FP32 -> BF16 with round-to-nearest-even; NaN stays a quiet NaN.
std::uint16_t fp32_to_bf16(float x);
float bf16_to_fp32(std::uint16_t b);

// ---- FP32 arithmetic of the PIM unit (docs/numerics.md, "PU arithmetic") ----
// IEEE binary32 multiply / add with round-to-nearest-even, except:
//  - subnormal inputs are read as zero of the same sign (DAZ),
//  - a subnormal result is flushed to zero of the result's sign (FTZ),
//  - a result whose magnitude rounds above FLT_MAX saturates to +-FLT_MAX.
// Inputs must be finite (the unit never sees Inf/NaN: the formats reject them).
// Inline: they sit on the hot path of every PU model and bench. The host's
// binary32 * and + are IEEE round-to-nearest-even with gradual underflow
// (pimlab is compiled without -ffast-math; x86-64 without -march has no FMA to
// contract into); DAZ is applied to the operands and FTZ / saturation to that
// correctly rounded result.
namespace detail {
// DAZ: an FP32 subnormal reads as zero of its sign.
inline float daz(float x) {
  const std::uint32_t u = bits_of(x);
  return (u & 0x7F800000u) == 0 ? float_of(u & 0x80000000u) : x;
}
// FTZ and saturation applied to an IEEE round-to-nearest-even result.
inline float ftz_sat(float r) {
  const std::uint32_t u = bits_of(r);
  const std::uint32_t e = u & 0x7F800000u;
  if (e == 0) return float_of(u & 0x80000000u);  // subnormal (or zero) -> zero of the result's sign
  if (e == 0x7F800000u) return float_of((u & 0x80000000u) | 0x7F7FFFFFu);  // rounded to Inf -> FLT_MAX
  return r;
}
}  // namespace detail

inline float pu_mul(float a, float b) { return detail::ftz_sat(detail::daz(a) * detail::daz(b)); }
inline float pu_add(float a, float b) { return detail::ftz_sat(detail::daz(a) + detail::daz(b)); }

}  // namespace pimlab::numerics
