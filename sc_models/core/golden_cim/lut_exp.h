// Golden LUT exponential of the UCLM (docs/cim.md, reference uclm.md §5.2).
//
// Input: delta = x - max <= 0 in Q.10 (delta_code = delta * 2^10); codes below
// -32768 give 0. t = -delta log2(e) with 24 fraction bits,
//   t24 = (-delta_code * LOG2E + 2^15) >> 16,  LOG2E = round(log2(e) 2^30);
// q = t24 >> 24, d = (t24 >> 17) & 127, r = t24 & (2^17 - 1).
// Table T[d] = round(2^(-d/128) 2^16) in UQ0.16, T[0] saturated to 65535.
// Mantissa (24 bits): variant A (residual = 1) m = T[d] 2^8; variant B (first
// order residual 2^-r ~ 1 - r ln2) m = T[d] 2^8 - ((T[d] r LN2 + 2^31) >> 32),
// LN2 = round(ln2 2^16). Output UQ0.24: e = (m + (2^q >> 1)) >> q for q <= 24,
// 0 for q >= 25.
#pragma once

#include <array>
#include <cstdint>

namespace pimlab::golden_cim {

constexpr std::int64_t kLog2e = 1549082005;  // round(log2(e) * 2^30) = 0x5C551D95
constexpr std::int64_t kLn2 = 45426;         // round(ln(2) * 2^16)
constexpr std::int32_t kMinDeltaCode = -32768;
constexpr std::uint32_t kExpOne = 65535u << 8;  // exp(0) = 16,776,960, the largest output

enum class ExpVariant { A, B };

// The 128 ROM constants T[d] (UQ0.16).
const std::array<std::uint16_t, 128>& exp_table();

// The decomposition of one input code (for tests and the accuracy report).
struct ExpFields {
  std::int64_t t24;
  int q, d;
  std::int64_t r;
  std::uint32_t m;  // 24-bit mantissa
};
// delta_code must be in [-32768, 0]; throws std::invalid_argument otherwise.
ExpFields exp_fields(std::int32_t delta_code, ExpVariant v);

// e^delta in UQ0.24. delta_code > 0 throws std::invalid_argument; codes below
// -32768 give 0.
std::uint32_t lut_exp(std::int64_t delta_code, ExpVariant v);

const char* variant_name(ExpVariant v);

}  // namespace pimlab::golden_cim
