// OCP Microscaling (MX v1.0) formats: blocks of 32 elements sharing one E8M0
// power-of-two scale. Element types MXINT8, FP8 E4M3 / E5M2, FP6 E3M2 / E2M3
// and FP4 E2M1. docs/numerics.md ("OCP MX formats") states the rules this code
// follows: scale exponent, element rounding (nearest even), saturation, zeros.
#pragma once

#include <array>
#include <cstdint>

namespace pimlab::numerics {

enum class MxElem { int8, fp8_e4m3, fp8_e5m2, fp6_e3m2, fp6_e2m3, fp4_e2m1 };

inline constexpr int kMxBlock = 32;

struct MxElemInfo {
  const char* name;   // "int8", "fp8-e4m3", ...
  int bits;           // code width: 8, 6 or 4
  int ebits;          // exponent field width (0 for int8)
  int mbits;          // mantissa field width (int8: 6 fraction bits)
  int bias;           // exponent bias (int8: unused)
  int emax;           // exponent of the largest normal (int8: 0)
  double max_normal;  // largest finite magnitude
};
const MxElemInfo& mx_elem_info(MxElem e);

// One block as stored: the E8M0 scale code (X = 2^(scale - 127); 255 = NaN is
// never written) and 32 element codes in the low `bits` bits of each byte:
// {sign, exponent, mantissa} for the FP types, two's complement for int8.
struct MxBlock {
  std::uint8_t scale = 0;
  std::array<std::uint8_t, kMxBlock> codes{};
  bool operator==(const MxBlock& o) const { return scale == o.scale && codes == o.codes; }
};

// Quantizes 32 finite FP32 values (round to nearest even, saturating).
// Throws std::invalid_argument naming the element for NaN or Inf.
MxBlock mx_encode(MxElem e, const float* in32);
// Exact: every stored value is an FP32 value. Throws std::invalid_argument for
// codes the encoder never writes (NaN scale, NaN/Inf element codes).
void mx_decode(MxElem e, const MxBlock& b, float* out32);
// The value of one element code without the block scale (exact).
double mx_elem_value(MxElem e, std::uint8_t code);

}  // namespace pimlab::numerics
