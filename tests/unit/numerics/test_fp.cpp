// FP16 / BF16 conversions and the PU's FP32 multiply/add (docs/numerics.md,
// "FP32, FP16, BF16" and "PU arithmetic").
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>

#include "numerics/fp.h"
#include "test_util.h"

using namespace pimlab::numerics;
using numtest::B;
using numtest::F;
using numtest::hex32;

namespace {
// The value of an FP16 bit pattern straight from the IEEE definition, in
// double: (-1)^s * (1024 + m) * 2^(e - 25) for a normal, m * 2^-24 for a
// subnormal. An independent oracle for fp16_to_fp32.
double fp16_value(unsigned h) {
  const unsigned s = h >> 15, e = (h >> 10) & 31u, m = h & 1023u;
  const double mag = e ? std::ldexp(1024.0 + m, static_cast<int>(e) - 25) : std::ldexp(static_cast<double>(m), -24);
  return s ? -mag : mag;
}
}  // namespace

TEST_CASE("fp16: all 65536 patterns round-trip through FP32 exactly", "[fp16]") {
  for (unsigned h = 0; h < 65536; ++h) {
    const float f = fp16_to_fp32(static_cast<std::uint16_t>(h));
    const std::uint16_t back = fp32_to_fp16(f);
    const bool is_nan16 = ((h >> 10) & 31u) == 31u && (h & 1023u) != 0;
    INFO("fp16 pattern " << h);
    if (is_nan16) {
      // NaN stays NaN (same sign) both ways, never turned into Inf.
      REQUIRE(std::isnan(f));
      REQUIRE((B(f) >> 31) == (h >> 15));
      REQUIRE((back & 0x7C00u) == 0x7C00u);
      REQUIRE((back & 0x03FFu) != 0);
      REQUIRE((back >> 15) == (h >> 15));
    } else {
      if (((h >> 10) & 31u) == 31u)
        REQUIRE(std::isinf(f));
      else
        REQUIRE(static_cast<double>(f) == fp16_value(h));  // exact value (and -0 keeps its bits below)
      REQUIRE(back == h);
    }
  }
}

TEST_CASE("fp16: round to nearest even, carries, overflow, underflow", "[fp16]") {
  // 2 - 2^-11 (0x3FFFF000: exponent 127, mantissa 0x7FF000) lies halfway
  // between 1.9990234375 (FP16 0x3BFF, odd mantissa) and 2.0 (0x4000): the tie
  // goes to even, and the round-up carries into the exponent.
  CHECK(fp32_to_fp16(F(0x3FFFF000u)) == 0x4000u);
  // 1 + 2^-11 (0x3F801000): halfway between 1.0 (0x3C00, even) and 1 + 2^-10.
  CHECK(fp32_to_fp16(F(0x3F801000u)) == 0x3C00u);
  // 1 + 3*2^-11 (0x3F803000): halfway between 0x3C01 (odd) and 0x3C02 (even).
  CHECK(fp32_to_fp16(F(0x3F803000u)) == 0x3C02u);
  // Just above the 1 + 2^-11 tie (one FP32 ulp more): rounds up.
  CHECK(fp32_to_fp16(F(0x3F801001u)) == 0x3C01u);
  // Largest finite: 65504 = 0x477FE000 -> 0x7BFF. 65520 = 65504 + 16 is halfway
  // to 2^16 (which encodes as 0x7C00, even mantissa): rounds to +Inf. One FP32
  // ulp below 65520 (0x477FEFFF) stays at 65504.
  CHECK(fp32_to_fp16(F(0x477FE000u)) == 0x7BFFu);
  CHECK(fp32_to_fp16(F(0x477FF000u)) == 0x7C00u);
  CHECK(fp32_to_fp16(F(0xC77FF000u)) == 0xFC00u);
  CHECK(fp32_to_fp16(F(0x477FEFFFu)) == 0x7BFFu);
  // Subnormal FP16 (unit 2^-24). 2^-25 (0x33000000) is half a unit: tie to 0.
  // 1.5 * 2^-25 (0x33400000) = 0.75 unit -> 1. 3 * 2^-25 (0x33C00000) = 1.5
  // units, tie between 1 (odd) and 2 -> 2.
  CHECK(fp32_to_fp16(F(0x33000000u)) == 0x0000u);
  CHECK(fp32_to_fp16(F(0x33400000u)) == 0x0001u);
  CHECK(fp32_to_fp16(F(0x33C00000u)) == 0x0002u);
  CHECK(fp32_to_fp16(F(0xB3C00000u)) == 0x8002u);
  // 2047 * 2^-25 = 1023.5 units (0x387FE000: 1.9990234375 * 2^-15): tie between
  // the largest subnormal 0x03FF (odd) and 1024 units = smallest normal 0x0400.
  CHECK(fp32_to_fp16(F(0x387FE000u)) == 0x0400u);
  // FP32 subnormals are far below half an FP16 unit: zero of their sign.
  CHECK(fp32_to_fp16(F(0x00000001u)) == 0x0000u);
  CHECK(fp32_to_fp16(F(0x807FFFFFu)) == 0x8000u);
  CHECK(fp32_to_fp16(F(0x80000000u)) == 0x8000u);
  // Inf and NaN: Inf stays Inf; a NaN stays a quiet NaN of its sign, even a
  // signalling one whose payload is all in the truncated low bits.
  CHECK(fp32_to_fp16(F(0x7F800000u)) == 0x7C00u);
  CHECK(fp32_to_fp16(F(0xFF800000u)) == 0xFC00u);
  CHECK(fp32_to_fp16(F(0x7F800001u)) == 0x7E00u);
  CHECK(fp32_to_fp16(F(0xFFC00000u)) == 0xFE00u);
}

TEST_CASE("bf16: round to nearest even, carries, overflow, NaN", "[bf16]") {
  // BF16 keeps the top 16 bits. 0x3FFF8000: kept 0x3FFF (1.9921875, odd), the
  // dropped 0x8000 is exactly half an ulp: tie -> even 0x4000 = 2.0 (carry into
  // the exponent).
  CHECK(fp32_to_bf16(F(0x3FFF8000u)) == 0x4000u);
  // 0x3F808000: kept 0x3F80 (1.0, even) + half ulp -> stays 0x3F80.
  CHECK(fp32_to_bf16(F(0x3F808000u)) == 0x3F80u);
  // 0x3F808001: above the tie -> 0x3F81.
  CHECK(fp32_to_bf16(F(0x3F808001u)) == 0x3F81u);
  // 0x7F7F8000: kept 0x7F7F (largest finite BF16, odd) + half ulp -> 0x7F80 = +Inf.
  CHECK(fp32_to_bf16(F(0x7F7F8000u)) == 0x7F80u);
  CHECK(fp32_to_bf16(F(0xFF7FFFFFu)) == 0xFF80u);  // -FLT_MAX is above the tie too
  // Subnormals use the same bit arithmetic: 0x00008000 ties to 0 (even);
  // 0x00018000 ties from 0x0001 (odd) up to 0x0002.
  CHECK(fp32_to_bf16(F(0x00008000u)) == 0x0000u);
  CHECK(fp32_to_bf16(F(0x00018000u)) == 0x0002u);
  CHECK(fp32_to_bf16(F(0x80000000u)) == 0x8000u);
  // NaN whose payload is only in the low bits stays a quiet NaN of its sign.
  CHECK(fp32_to_bf16(F(0x7F800001u)) == 0x7FC0u);
  CHECK(fp32_to_bf16(F(0xFF800001u)) == 0xFFC0u);
  CHECK(fp32_to_bf16(F(0x7F800000u)) == 0x7F80u);
  // BF16 -> FP32 is the 16 bits followed by 16 zeros.
  CHECK(B(bf16_to_fp32(0x3F81u)) == 0x3F810000u);
  CHECK(B(bf16_to_fp32(0x8001u)) == 0x80010000u);
}

TEST_CASE("pu_add / pu_mul: round to nearest even on ties", "[pu]") {
  // 1 + 2^-24 (2^-24 = 0x33800000): halfway between 1.0 (even) and 1 + 2^-23.
  CHECK(hex32(B(pu_add(1.0f, F(0x33800000u)))) == "0x3f800000");
  // (1 + 2^-23) + 2^-24: halfway between 1 + 2^-23 (odd, 0x3F800001) and
  // 1 + 2^-22 (0x3F800002, even).
  CHECK(hex32(B(pu_add(F(0x3F800001u), F(0x33800000u)))) == "0x3f800002");
  // (1 + 2^-23) * 1.5 = 1.5 + 2^-23 + 2^-24: halfway between 0x3FC00001 (odd)
  // and 0x3FC00002 (even).
  CHECK(hex32(B(pu_mul(F(0x3F800001u), 1.5f))) == "0x3fc00002");
  // (1 + 2^-12)^2 = 1 + 2^-11 + 2^-24: halfway between 1 + 2^-11 (0x3F801000,
  // even) and 0x3F801001.
  CHECK(hex32(B(pu_mul(F(0x3F800800u), F(0x3F800800u)))) == "0x3f801000");
}

TEST_CASE("pu_add / pu_mul: subnormal inputs read as zero (DAZ)", "[pu]") {
  // 2^-127 (0x00400000) * 2^100 would be 2^-27 in IEEE; with DAZ it is 0 * 2^100.
  CHECK(hex32(B(pu_mul(F(0x00400000u), F(0x71800000u)))) == "0x00000000");
  CHECK(hex32(B(pu_mul(F(0x80400000u), F(0x71800000u)))) == "0x80000000");
  // 2^-127 + 2^-127 would be 2^-126 (normal) in IEEE; with DAZ it is +0 + +0.
  CHECK(hex32(B(pu_add(F(0x00400000u), F(0x00400000u)))) == "0x00000000");
  // A subnormal operand does not disturb a normal one.
  CHECK(hex32(B(pu_add(1.0f, F(0x007FFFFFu)))) == "0x3f800000");
}

TEST_CASE("pu_add / pu_mul: subnormal results flush to zero (FTZ)", "[pu]") {
  // 2^-100 (0x0D800000) * 2^-30 (0x30800000) = 2^-130: subnormal -> +0 / -0.
  CHECK(hex32(B(pu_mul(F(0x0D800000u), F(0x30800000u)))) == "0x00000000");
  CHECK(hex32(B(pu_mul(F(0x8D800000u), F(0x30800000u)))) == "0x80000000");
  // 1.5 * 2^-126 - 2^-126 = 2^-127 exactly: subnormal -> zero of its sign.
  CHECK(hex32(B(pu_add(F(0x00C00000u), F(0x80800000u)))) == "0x00000000");
  CHECK(hex32(B(pu_add(F(0x80C00000u), F(0x00800000u)))) == "0x80000000");
  // 2^-63 * 2^-63 = 2^-126 = FLT_MIN is normal and kept.
  CHECK(hex32(B(pu_mul(F(0x20000000u), F(0x20000000u)))) == "0x00800000");
  // (2 - 2^-23) * 2^-64 (0x1FFFFFFF) times 2^-63 (0x20000000) = 2^-126 - 2^-150
  // exactly. IEEE rounding (subnormal grid 2^-149) puts it halfway between
  // 0x007FFFFF (odd) and 0x00800000 (even): the IEEE result is FLT_MIN, a
  // normal, so FTZ (which looks at the rounded IEEE result) keeps it.
  CHECK(hex32(B(pu_mul(F(0x1FFFFFFFu), F(0x20000000u)))) == "0x00800000");
}

TEST_CASE("pu_add / pu_mul: overflow saturates to +-FLT_MAX", "[pu]") {
  // 2^127 * 2 = 2^128 -> Inf in IEEE -> FLT_MAX (0x7F7FFFFF).
  CHECK(hex32(B(pu_mul(F(0x7F000000u), 2.0f))) == "0x7f7fffff");
  CHECK(hex32(B(pu_mul(F(0xFF000000u), 2.0f))) == "0xff7fffff");
  // FLT_MAX + 2^103 (0x73000000, half an ulp of FLT_MAX): tie, FLT_MAX's
  // mantissa is odd, rounds up to 2^128 -> saturates.
  CHECK(hex32(B(pu_add(F(0x7F7FFFFFu), F(0x73000000u)))) == "0x7f7fffff");
  CHECK(hex32(B(pu_add(F(0xFF7FFFFFu), F(0xFF7FFFFFu)))) == "0xff7fffff");
}

TEST_CASE("pu_add: exact zero sums follow IEEE", "[pu]") {
  // x + (-x) = +0 in round to nearest, whichever operand is negative.
  CHECK(hex32(B(pu_add(1.5f, -1.5f))) == "0x00000000");
  CHECK(hex32(B(pu_add(-1.5f, 1.5f))) == "0x00000000");
  // -0 + -0 = -0; +0 + -0 = +0.
  CHECK(hex32(B(pu_add(-0.0f, -0.0f))) == "0x80000000");
  CHECK(hex32(B(pu_add(0.0f, -0.0f))) == "0x00000000");
  // A product's zero has the XOR of the signs.
  CHECK(hex32(B(pu_mul(-0.0f, 3.0f))) == "0x80000000");
}
