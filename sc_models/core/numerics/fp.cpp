// FP32 <-> FP16 / BF16 conversions and the PIM unit's FP32 multiply and add.
// The rules are those of docs/numerics.md ("FP32, FP16, BF16" and "PU
// arithmetic"); every step below is one of them.
#include "numerics/fp.h"

#include <cfloat>
#include <cmath>

// pu_mul / pu_add use the host's IEEE binary32 arithmetic; -ffast-math (which
// may flush subnormals, reassociate or assume no NaN) would change results.
#if defined(__FAST_MATH__)
#error "pimlab numerics must be compiled without -ffast-math (docs/numerics.md)"
#endif

namespace pimlab::numerics {

namespace {

constexpr std::uint32_t kSignBit = 0x80000000u;
constexpr std::uint32_t kExpMask = 0x7F800000u;
constexpr std::uint32_t kManMask = 0x007FFFFFu;

// Shifts `v` right by `s` (1..31) and rounds to nearest, ties to even.
inline std::uint32_t shift_right_rne(std::uint32_t v, unsigned s) {
  const std::uint32_t q = v >> s;
  const std::uint32_t rem = v & ((1u << s) - 1u);
  const std::uint32_t half = 1u << (s - 1u);
  return (rem > half || (rem == half && (q & 1u))) ? q + 1u : q;
}

}  // namespace

std::uint16_t fp32_to_fp16(float x) {
  const std::uint32_t u = bits_of(x);
  const std::uint16_t sign = static_cast<std::uint16_t>((u >> 16) & 0x8000u);
  const std::uint32_t exp = (u & kExpMask) >> 23;
  const std::uint32_t man = u & kManMask;
  if (exp == 0xFF) {
    if (man == 0) return sign | 0x7C00u;                                     // +-Inf
    return static_cast<std::uint16_t>(sign | 0x7E00u | (man >> 13));        // quiet NaN, payload truncated
  }
  if (exp == 0) return sign;  // FP32 zero or subnormal: < 2^-126, far below half of FP16's 2^-24
  const int e16 = static_cast<int>(exp) - 127 + 15;
  if (e16 >= 31) return sign | 0x7C00u;  // >= 2^16 > largest FP16 (65504) rounds to Inf
  if (e16 >= 1) {
    // Normal: keep 10 of 23 mantissa bits; a carry out of the mantissa
    // increments the exponent field (and 0x7BFF + 1 = 0x7C00 is Inf).
    const std::uint32_t r = shift_right_rne((static_cast<std::uint32_t>(e16) << 23) | man, 13);
    return static_cast<std::uint16_t>(sign | r);
  }
  // Subnormal FP16: value = sig * 2^(exp-150), FP16 unit 2^-24, so the field
  // is sig * 2^(exp-126) = sig >> (126 - exp), rounded to nearest even.
  const unsigned shift = 126u - exp;  // >= 14
  if (shift > 24) return sign;       // sig < 2^24 <= half of the unit: rounds to zero
  const std::uint32_t sig = man | 0x800000u;
  return static_cast<std::uint16_t>(sign | shift_right_rne(sig, shift));  // 0x400 = smallest normal
}

float fp16_to_fp32(std::uint16_t h) {
  const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000u) << 16;
  const std::uint32_t exp = (h >> 10) & 0x1Fu;
  std::uint32_t man = h & 0x3FFu;
  if (exp == 0x1F) return float_of(sign | kExpMask | (man << 13));  // Inf, or NaN with its payload
  if (exp != 0) return float_of(sign | ((exp + 112u) << 23) | (man << 13));
  if (man == 0) return float_of(sign);
  // Subnormal man * 2^-24: normalise into an FP32 normal (leading one moved
  // to bit 10, the exponent of bit 10 being -14 before the shift).
  const int shift = __builtin_clz(man) - 21;  // man < 2^10: clz >= 22
  man <<= shift;
  const int e = -14 - shift;
  return float_of(sign | (static_cast<std::uint32_t>(e + 127) << 23) | ((man & 0x3FFu) << 13));
}

float fp16_tree16(const std::uint16_t* a, const std::uint16_t* b) {
  float lvl[16];
  for (int i = 0; i < 16; ++i) lvl[i] = fp16_to_fp32(a[i]) * fp16_to_fp32(b[i]);
  for (int n = 16; n > 1; n /= 2)
    for (int i = 0; i < n / 2; ++i) lvl[i] = lvl[2 * i] + lvl[2 * i + 1];
  return lvl[0];
}

std::uint16_t fp32_to_bf16(float x) {
  const std::uint32_t u = bits_of(x);
  if ((u & kExpMask) == kExpMask && (u & kManMask) != 0)
    return static_cast<std::uint16_t>((u >> 16) | 0x0040u);  // quiet NaN of the same sign
  // Keep the top 16 bits, round the low 16 to nearest even. Same exponent
  // field as FP32, so subnormals and the carry into the exponent (up to Inf)
  // fall out of the integer addition.
  const std::uint32_t lsb = (u >> 16) & 1u;
  return static_cast<std::uint16_t>((u + 0x7FFFu + lsb) >> 16);
}

float bf16_to_fp32(std::uint16_t b) { return float_of(static_cast<std::uint32_t>(b) << 16); }

}  // namespace pimlab::numerics
