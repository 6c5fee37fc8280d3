// OCP MX v1.0 formats (docs/numerics.md, "OCP MX formats"). Notation: se =
// floor(log2(max|x|)) - emax (clamped at -127), v = x / 2^se, an element value
// is rounded to nearest even on its grid (quantum 2^(max(floor(log2 v), emin)
// - M)) and saturated to the largest normal.
#include <catch2/catch.hpp>

#include <array>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "numerics/format.h"
#include "numerics/ocp_mx.h"
#include "test_util.h"

using namespace pimlab::numerics;
using numtest::B;
using numtest::F;
using numtest::hex32;

namespace {
using Block32 = std::array<float, 32>;

Block32 roundtrip(MxElem e, const Block32& in, MxBlock* enc = nullptr) {
  const MxBlock b = mx_encode(e, in.data());
  if (enc) *enc = b;
  Block32 out{};
  mx_decode(e, b, out.data());
  return out;
}
}  // namespace

TEST_CASE("ocp mx: element parameters", "[ocpmx]") {
  // OCP MX v1.0 element tables: emax and the largest normal of each type.
  CHECK(mx_elem_info(MxElem::fp8_e4m3).emax == 8);
  CHECK(mx_elem_info(MxElem::fp8_e4m3).max_normal == 448.0);
  CHECK(mx_elem_info(MxElem::fp8_e5m2).emax == 15);
  CHECK(mx_elem_info(MxElem::fp8_e5m2).max_normal == 57344.0);
  CHECK(mx_elem_info(MxElem::fp6_e3m2).emax == 4);
  CHECK(mx_elem_info(MxElem::fp6_e3m2).max_normal == 28.0);
  CHECK(mx_elem_info(MxElem::fp6_e2m3).emax == 2);
  CHECK(mx_elem_info(MxElem::fp6_e2m3).max_normal == 7.5);
  CHECK(mx_elem_info(MxElem::fp4_e2m1).emax == 2);
  CHECK(mx_elem_info(MxElem::fp4_e2m1).max_normal == 6.0);
  CHECK(mx_elem_info(MxElem::int8).emax == 0);
  CHECK(mx_elem_info(MxElem::int8).max_normal == 1.984375);
  // FP4 E2M1 codes 0..7: 0, 0.5 (subnormal), then 1.0, 1.5, 2, 3, 4, 6.
  const double fp4[8] = {0, 0.5, 1, 1.5, 2, 3, 4, 6};
  for (int c = 0; c < 8; ++c) CHECK(mx_elem_value(MxElem::fp4_e2m1, static_cast<std::uint8_t>(c)) == fp4[c]);
  CHECK(mx_elem_value(MxElem::fp4_e2m1, 0x0F) == -6.0);
  // E4M3: 0x7E = S.1111.110 = 1.75 * 2^8; 0x01 = 2^-9; 0x7F is NaN.
  CHECK(mx_elem_value(MxElem::fp8_e4m3, 0x7E) == 448.0);
  CHECK(mx_elem_value(MxElem::fp8_e4m3, 0x01) == std::ldexp(1.0, -9));
  CHECK(std::isnan(mx_elem_value(MxElem::fp8_e4m3, 0x7F)));
  // E5M2: 0x7B = 0.11110.11 = 1.75 * 2^15; 0x7C = +Inf.
  CHECK(mx_elem_value(MxElem::fp8_e5m2, 0x7B) == 57344.0);
  CHECK(std::isinf(mx_elem_value(MxElem::fp8_e5m2, 0x7C)));
  // E3M2 0x1F = 1.75 * 2^4; E2M3 0x1F = 1.875 * 2^2; int8 0x81 = -127/64.
  CHECK(mx_elem_value(MxElem::fp6_e3m2, 0x1F) == 28.0);
  CHECK(mx_elem_value(MxElem::fp6_e2m3, 0x1F) == 7.5);
  CHECK(mx_elem_value(MxElem::int8, 0x81) == -1.984375);
}

TEST_CASE("mxfp8 e4m3: rounding, carries, saturation, subnormals, zeros", "[ocpmx]") {
  // max|x| = 500: floor(log2) = 8 = emax -> se = 0, scale code 127, v = x.
  // E4M3: bias 7, emin -6, M 3, smallest subnormal 2^-9.
  //  448 -> exact (0x7E).  1.0 -> exact (0x38).
  //  15.5 in [8,16), quantum 1: tie between 15 (1.111b, odd) and 16 (even):
  //       16 = 2^4, the carry reaches the exponent: field 11 -> 0x58.
  //  15.25 -> 15 (0x57).
  //  500 in [256,512), quantum 32: 15.625 -> 16 -> 512 > 448: saturates (0x7E).
  //  -480 = -15 * 32 > 448 in magnitude: saturates to -448 (0xFE).
  //  464 = 14.5 * 32: tie between 448 (mantissa 110, even) and 480: 448.
  //  2^-10 = half of 2^-9: tie to 0 -> +0.  3 * 2^-10 = 1.5 units -> 2 -> 2^-8 (0x02).
  //  -2^-11 -> -0 (0x80).  +0, -0 keep their sign.
  //  15 * 2^-10 = 7.5 units: tie between 7 (largest subnormal, odd) and 8 =
  //       2^-6, the smallest normal (0x08).
  //  0.3f (0x3E99999A) in [0.25,0.5), quantum 2^-5: 9.6 -> 10 -> 0.3125 (0x2A).
  //  -17 in [16,32), quantum 2: 8.5 -> tie -> 8 -> -16 (0xD8).
  const Block32 in = {448.0f,  1.0f,        15.5f, 15.25f, 500.0f, -480.0f,   464.0f, 0x1p-10f,
                      3 * 0x1p-10f, -0x1p-11f, 0.0f, -0.0f, 15 * 0x1p-10f, F(0x3E99999Au), -17.0f};
  const Block32 expect = {448.0f, 1.0f, 16.0f, 15.0f, 448.0f, -448.0f, 448.0f, 0.0f,
                          0x1p-8f, -0.0f, 0.0f, -0.0f, 0x1p-6f, 0.3125f, -16.0f};
  const std::array<std::uint8_t, 15> codes = {0x7E, 0x38, 0x58, 0x57, 0x7E, 0xFE, 0x7E, 0x00,
                                              0x02, 0x80, 0x00, 0x80, 0x08, 0x2A, 0xD8};
  MxBlock b;
  const Block32 out = roundtrip(MxElem::fp8_e4m3, in, &b);
  CHECK(int(b.scale) == 127);
  for (int i = 0; i < 15; ++i) {
    INFO("element " << i);
    CHECK(hex32(B(out[i])) == hex32(B(expect[i])));
    CHECK(int(b.codes[i]) == int(codes[i]));
  }
  // The same block times 2^-20: max 500 * 2^-20 has floor(log2) = -12, se =
  // -20 (scale code 107); every element code is the same and every value is
  // the one above times 2^-20.
  Block32 small{};
  for (int i = 0; i < 32; ++i) small[i] = in[i] * 0x1p-20f;
  MxBlock bs;
  const Block32 outs = roundtrip(MxElem::fp8_e4m3, small, &bs);
  CHECK(int(bs.scale) == 107);
  for (int i = 0; i < 15; ++i) {
    INFO("element " << i);
    CHECK(hex32(B(outs[i])) == hex32(B(expect[i] * 0x1p-20f)));
    CHECK(int(bs.codes[i]) == int(codes[i]));
  }
}

TEST_CASE("mxfp8 e5m2: rounding, carry into the exponent, saturation", "[ocpmx]") {
  // max|x| = 61440 = 1.875 * 2^15: se = 15 - 15 = 0. E5M2: bias 15, emin -14,
  // M 2, smallest subnormal 2^-16.
  //  57344 exact (0x7B).  61440, quantum 2^13: 7.5 -> tie -> 8 -> 2^16 > 57344: saturates.
  //  3.75 in [2,4), quantum 0.5: 7.5 -> tie -> 8 -> 4.0 (carry into the exponent, 0x44).
  //  3.625: 7.25 -> 7 -> 3.5 (0x43).  2^-16 exact (0x01).  2^-17: half unit, tie -> 0.
  //  3 * 2^-17 = 1.5 units -> 2 -> 2^-15 (0x02).
  const Block32 in = {57344.0f, 61440.0f, 3.75f, 3.625f, 0x1p-16f, 0x1p-17f, 3 * 0x1p-17f};
  const Block32 expect = {57344.0f, 57344.0f, 4.0f, 3.5f, 0x1p-16f, 0.0f, 0x1p-15f};
  const std::array<std::uint8_t, 7> codes = {0x7B, 0x7B, 0x44, 0x43, 0x01, 0x00, 0x02};
  MxBlock b;
  const Block32 out = roundtrip(MxElem::fp8_e5m2, in, &b);
  CHECK(int(b.scale) == 127);
  for (int i = 0; i < 7; ++i) {
    INFO("element " << i);
    CHECK(hex32(B(out[i])) == hex32(B(expect[i])));
    CHECK(int(b.codes[i]) == int(codes[i]));
  }
}

TEST_CASE("mxfp6 e3m2 / e2m3 and mxfp4 e2m1: rounding and saturation", "[ocpmx]") {
  {
    // E3M2: bias 3, emax 4, emin -2, M 2, unit 2^-4. max|x| = 30: se = 0.
    //  28 exact (0x1F).  30, quantum 4: 7.5 -> 8 -> 32 > 28: saturates.
    //  5.5 in [4,8), quantum 1: tie between 5 (odd) and 6 -> 6 (0x16).
    //  0.09375 = 1.5 units -> 2 -> 0.125 (0x02).  -0.03125 = half unit -> -0 (0x20).
    const Block32 in = {28.0f, 30.0f, 5.5f, 0.09375f, -0.03125f};
    const Block32 expect = {28.0f, 28.0f, 6.0f, 0.125f, -0.0f};
    const std::array<std::uint8_t, 5> codes = {0x1F, 0x1F, 0x16, 0x02, 0x20};
    MxBlock b;
    const Block32 out = roundtrip(MxElem::fp6_e3m2, in, &b);
    CHECK(int(b.scale) == 127);
    for (int i = 0; i < 5; ++i) {
      INFO("e3m2 element " << i);
      CHECK(hex32(B(out[i])) == hex32(B(expect[i])));
      CHECK(int(b.codes[i]) == int(codes[i]));
    }
  }
  {
    // E2M3: bias 1, emax 2, emin 0, M 3, unit 2^-3. max|x| = 7.75: se = 0.
    //  7.5 exact (0x1F).  7.75, quantum 0.5: 15.5 -> tie -> 16 -> 8 > 7.5: saturates.
    //  0.0625 = half unit -> 0.  0.1875 = 1.5 units -> 2 -> 0.25 (0x02).
    //  1.0625 in [1,2), quantum 0.125: 8.5 -> tie -> 8 -> 1.0 (0x08).
    //  0.9375 = 7.5 units: tie between 7 (largest subnormal) and 8 = 1.0, the
    //  smallest normal (0x08).
    const Block32 in = {7.5f, 7.75f, 0.0625f, 0.1875f, 1.0625f, 0.9375f};
    const Block32 expect = {7.5f, 7.5f, 0.0f, 0.25f, 1.0f, 1.0f};
    const std::array<std::uint8_t, 6> codes = {0x1F, 0x1F, 0x00, 0x02, 0x08, 0x08};
    MxBlock b;
    const Block32 out = roundtrip(MxElem::fp6_e2m3, in, &b);
    for (int i = 0; i < 6; ++i) {
      INFO("e2m3 element " << i);
      CHECK(hex32(B(out[i])) == hex32(B(expect[i])));
      CHECK(int(b.codes[i]) == int(codes[i]));
    }
  }
  {
    // E2M1: bias 1, emax 2, emin 0, M 1, unit 0.5. max|x| = 7: se = 0.
    //  6 exact (0x7).  5 in [4,8), quantum 2: 2.5 -> tie -> 2 -> 4 (0x6).
    //  7: 3.5 -> 4 -> 8 > 6: saturates.  2.5 in [2,4), quantum 1: tie -> 2 (0x4).
    //  0.25 = half unit -> 0.  0.75 = 1.5 units -> 2 -> 1.0 (0x2).
    //  1.25 in [1,2), quantum 0.5: 2.5 -> 2 -> 1.0.  -3 exact (0xD).
    const Block32 in = {6.0f, 5.0f, 7.0f, 2.5f, 0.25f, 0.75f, 1.25f, -3.0f};
    const Block32 expect = {6.0f, 4.0f, 6.0f, 2.0f, 0.0f, 1.0f, 1.0f, -3.0f};
    const std::array<std::uint8_t, 8> codes = {0x7, 0x6, 0x7, 0x4, 0x0, 0x2, 0x2, 0xD};
    MxBlock b;
    const Block32 out = roundtrip(MxElem::fp4_e2m1, in, &b);
    for (int i = 0; i < 8; ++i) {
      INFO("e2m1 element " << i);
      CHECK(hex32(B(out[i])) == hex32(B(expect[i])));
      CHECK(int(b.codes[i]) == int(codes[i]));
    }
  }
  {
    // E2M1, max|x| = 1.9: floor(log2) = 0, se = -2 (X = 0.25, scale code 125).
    //  1.9 -> v = 7.6 in [4,8), quantum 2: 3.8 -> 4 -> 8 > 6: saturates -> 6 * 0.25 = 1.5
    //  (the OCP scale rule can clip the block maximum).
    //  0.3f -> v = 1.2 in [1,2), quantum 0.5: 2.4 -> 2 -> 1.0 -> 0.25.
    //  0.9f -> v = 3.6 in [2,4), quantum 1: 3.6 -> 4 -> 4 * 0.25 = 1.0.
    const Block32 in = {1.9f, 0.3f, 0.9f};
    MxBlock b;
    const Block32 out = roundtrip(MxElem::fp4_e2m1, in, &b);
    CHECK(int(b.scale) == 125);
    CHECK(out[0] == 1.5f);
    CHECK(out[1] == 0.25f);
    CHECK(out[2] == 1.0f);
  }
}

TEST_CASE("mxint8: implicit 2^-6, ties to even, symmetric saturation, no -0", "[ocpmx]") {
  {
    // max|x| = 1.5: floor(log2) = 0 = se (emax 0). q = RNE(64 v):
    //  1.5 -> 96 (0x60).  2^-7 -> 0.5 -> tie -> 0.  3 * 2^-7 -> 1.5 -> 2 -> 2^-5.
    //  -1.0 -> -64 (0xC0).  -0 -> 0 (+0: two's complement has no -0).
    //  -2^-8 -> -0.25 -> 0 -> +0.  0.3f -> 19.2 -> 19 -> 19/64 = 0.296875.
    const Block32 in = {1.5f, 0x1p-7f, 3 * 0x1p-7f, -1.0f, -0.0f, -0x1p-8f, 0.3f};
    const Block32 expect = {1.5f, 0.0f, 0x1p-5f, -1.0f, 0.0f, 0.0f, 0.296875f};
    const std::array<std::uint8_t, 7> codes = {0x60, 0x00, 0x02, 0xC0, 0x00, 0x00, 0x13};
    MxBlock b;
    const Block32 out = roundtrip(MxElem::int8, in, &b);
    CHECK(int(b.scale) == 127);
    for (int i = 0; i < 7; ++i) {
      INFO("element " << i);
      CHECK(hex32(B(out[i])) == hex32(B(expect[i])));
      CHECK(int(b.codes[i]) == int(codes[i]));
    }
  }
  {
    // max|x| = 1.9921875 = 255/128: se = 0; 64 v = 127.5 -> tie -> 128 -> 127
    // (1.984375, 0x7F); the negative saturates symmetrically to -127 (0x81),
    // never -128.
    const Block32 in = {1.9921875f, -1.9921875f, 1.0f};
    MxBlock b;
    const Block32 out = roundtrip(MxElem::int8, in, &b);
    CHECK(out[0] == 1.984375f);
    CHECK(out[1] == -1.984375f);
    CHECK(out[2] == 1.0f);
    CHECK(int(b.codes[0]) == 0x7F);
    CHECK(int(b.codes[1]) == 0x81);
  }
  {
    // max|x| = 3: se = 1, v = x / 2. 3 -> 1.5 -> 96 -> 3.0. 0.3f -> 0.15 ->
    // 9.6 -> 10 -> 10/64 * 2 = 0.3125. 0.01 -> 0.32 -> 0 -> +0.
    const Block32 in = {3.0f, 0.3f, 0.01f};
    MxBlock b;
    const Block32 out = roundtrip(MxElem::int8, in, &b);
    CHECK(int(b.scale) == 128);
    CHECK(out[0] == 3.0f);
    CHECK(out[1] == 0.3125f);
    CHECK(hex32(B(out[2])) == "0x00000000");
  }
}

TEST_CASE("ocp mx: all-zero, tiny and largest blocks", "[ocpmx]") {
  // All-zero block: scale code 0 (2^-127), zeros keep their sign in FP types.
  {
    const Block32 in = {-0.0f, 0.0f};
    MxBlock b;
    const Block32 out = roundtrip(MxElem::fp8_e4m3, in, &b);
    CHECK(int(b.scale) == 0);
    CHECK(int(b.codes[0]) == 0x80);
    CHECK(hex32(B(out[0])) == "0x80000000");
    CHECK(hex32(B(out[1])) == "0x00000000");
  }
  // max|x| = 2^-129 (FP32 subnormal 0x00100000 = 2^20 * 2^-149): floor(log2)
  // - 8 = -137 is below E8M0's range: se clamps to -127 (code 0), v = 2^-2
  // (exact in E4M3).
  // 1.5 * 2^-133 (0x00018000): v = 1.5 * 2^-6, exact (normal, emin -6).
  // 2^-149 (0x00000001): v = 2^-22, below half of 2^-9 -> 0.
  {
    const Block32 in = {F(0x00100000u), F(0x00018000u), F(0x00000001u)};
    MxBlock b;
    const Block32 out = roundtrip(MxElem::fp8_e4m3, in, &b);
    CHECK(int(b.scale) == 0);
    CHECK(hex32(B(out[0])) == "0x00100000");
    CHECK(hex32(B(out[1])) == "0x00018000");
    CHECK(hex32(B(out[2])) == "0x00000000");
  }
  // FLT_MAX = (2 - 2^-23) * 2^127:
  //  E4M3: se = 127 - 8 = 119 (code 246), v = (2 - 2^-23) * 2^8, quantum 32:
  //        15.99.. -> 16 -> 512 > 448 -> 448 * 2^119 = 1.75 * 2^127 = 0x7F600000.
  //  E5M2: se = 112 (code 239), v -> 2^16 > 57344 -> 1.75 * 2^15 * 2^112 = 0x7F600000.
  //  E2M1: se = 125, v = 3.99.. -> quantum 2 -> 4 -> 8 > 6 -> 1.5 * 2^127 = 0x7F400000.
  //  INT8: se = 127 (code 254), 64 v = 127.99.. -> 128 -> 127 -> 1.984375 * 2^127 = 0x7F7E0000.
  {
    const Block32 in = {F(0x7F7FFFFFu), F(0xFF7FFFFFu)};
    MxBlock b;
    Block32 out = roundtrip(MxElem::fp8_e4m3, in, &b);
    CHECK(int(b.scale) == 246);
    CHECK(hex32(B(out[0])) == "0x7f600000");
    CHECK(hex32(B(out[1])) == "0xff600000");
    out = roundtrip(MxElem::fp8_e5m2, in, &b);
    CHECK(int(b.scale) == 239);
    CHECK(hex32(B(out[0])) == "0x7f600000");
    out = roundtrip(MxElem::fp4_e2m1, in, &b);
    CHECK(hex32(B(out[1])) == "0xff400000");
    out = roundtrip(MxElem::int8, in, &b);
    CHECK(int(b.scale) == 254);
    CHECK(hex32(B(out[0])) == "0x7f7e0000");
    CHECK(hex32(B(out[1])) == "0xff7e0000");
  }
}

TEST_CASE("ocp mx: NaN/Inf rejected, invalid codes rejected on decode", "[ocpmx]") {
  Block32 in{};
  in[30] = std::nanf("");
  try {
    mx_encode(MxElem::fp8_e5m2, in.data());
    FAIL("NaN accepted");
  } catch (const std::invalid_argument& e) {
    CHECK(std::string(e.what()).find("element 30") != std::string::npos);
  }
  MxBlock b;
  b.scale = 127;
  b.codes[3] = 0x7F;  // E4M3 NaN
  float out[32];
  CHECK_THROWS_AS(mx_decode(MxElem::fp8_e4m3, b, out), std::invalid_argument);
  b.codes[3] = 0;
  b.scale = 0xFF;  // E8M0 NaN
  CHECK_THROWS_AS(mx_decode(MxElem::fp8_e4m3, b, out), std::invalid_argument);
}
