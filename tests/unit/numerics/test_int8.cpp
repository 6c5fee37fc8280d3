// Symmetric INT8 (docs/numerics.md, "Symmetric INT8"): scale = fp32(max|x| /
// 127), q = RNE(fp32(x / scale)) saturated to +-127, value = fp32(q * scale).
#include <catch2/catch.hpp>

#include <array>
#include <cmath>
#include <stdexcept>
#include <string>

#include "numerics/int8.h"
#include "test_util.h"

using namespace pimlab::numerics;
using numtest::B;
using numtest::F;
using numtest::hex32;

namespace {
using Block32 = std::array<float, 32>;
Block32 roundtrip(const Block32& in, Int8Block* enc = nullptr) {
  const Int8Block b = int8_encode(in.data());
  if (enc) *enc = b;
  Block32 out{};
  int8_decode(b, out.data());
  return out;
}
}  // namespace

TEST_CASE("int8: scale 1, ties to even, signs", "[int8]") {
  // max|x| = 127: scale = 127 / 127 = 1 exactly, x / 1 = x.
  //  2.5 -> tie -> 2; 3.5 -> tie -> 4; -2.5 -> -2; 0.4 -> 0; -0 -> q 0 -> +0;
  //  -127 -> -127.
  const Block32 in = {127.0f, 2.5f, 3.5f, -2.5f, 0.4f, -0.0f, -127.0f};
  Int8Block b;
  const Block32 out = roundtrip(in, &b);
  CHECK(b.scale == 1.0f);
  CHECK(int(b.q[1]) == 2);
  CHECK(int(b.q[2]) == 4);
  CHECK(int(b.q[3]) == -2);
  CHECK(out[0] == 127.0f);
  CHECK(out[1] == 2.0f);
  CHECK(out[2] == 4.0f);
  CHECK(out[3] == -2.0f);
  CHECK(hex32(B(out[4])) == "0x00000000");
  CHECK(hex32(B(out[5])) == "0x00000000");
  CHECK(out[6] == -127.0f);
}

TEST_CASE("int8: the rounded scale and the double rounding of x / scale", "[int8]") {
  // max|x| = 1: 1/127 = 2^-7 * 128/127 and 128/127 = 1 + 2^-7 + 2^-14 + 2^-21 +
  // 2^-28 + ... (binary 1.0000001 repeating). 23 fraction bits keep 2^-7,
  // 2^-14, 2^-21; the rest (2^-28 + ...) is below half an ulp (2^-24):
  //   scale = 2^-7 (1 + 2^-7 + 2^-14 + 2^-21) = 0x3C010204.
  // Since 127 (1 + 2^-7 + 2^-14 + 2^-21) = 2^7 - 2^-21:
  //   1 / scale = 127 / (1 - 2^-28) = 127 + 127 * 2^-28 + ... -> FP32 (ulp 2^-17) 127.0 -> q 127;
  //   127 * scale = 1 - 2^-28 -> FP32 1.0 (nearest; 1 - 2^-24 is farther).
  //   0.5 / scale = 63.5 (1 + 2^-28 + ...) -> FP32 (ulp 2^-18) 63.5 -> tie -> q 64;
  //   64 * scale = 0.5 (1 + 2^-7 + 2^-14 + 2^-21) exact = 0x3F010204.
  //   0.25 / scale -> 31.75 -> q 32 -> 0.25 (1 + ...) = 0x3E810204.
  //   -1 -> q -127 -> -1.0.
  const Block32 in = {1.0f, 0.5f, 0.25f, -1.0f};
  Int8Block b;
  const Block32 out = roundtrip(in, &b);
  CHECK(hex32(B(b.scale)) == "0x3c010204");
  CHECK(int(b.q[0]) == 127);
  CHECK(int(b.q[1]) == 64);
  CHECK(int(b.q[2]) == 32);
  CHECK(int(b.q[3]) == -127);
  CHECK(hex32(B(out[0])) == "0x3f800000");
  CHECK(hex32(B(out[1])) == "0x3f010204");
  CHECK(hex32(B(out[2])) == "0x3e810204");
  CHECK(hex32(B(out[3])) == "0xbf800000");
}

TEST_CASE("int8: zero and tiny blocks get scale 1 and FLT_MAX saturates", "[int8]") {
  // All-zero block: scale 1, q 0, +0 everywhere.
  {
    const Block32 in = {-0.0f};
    Int8Block b;
    const Block32 out = roundtrip(in, &b);
    CHECK(b.scale == 1.0f);
    CHECK(hex32(B(out[0])) == "0x00000000");
  }
  // max|x| = 2^-149: 2^-149 / 127 < 2^-150 rounds to 0 -> scale 1 -> q 0.
  {
    const Block32 in = {F(0x00000001u), F(0x80000001u)};
    Int8Block b;
    const Block32 out = roundtrip(in, &b);
    CHECK(b.scale == 1.0f);
    CHECK(hex32(B(out[0])) == "0x00000000");
    CHECK(hex32(B(out[1])) == "0x00000000");
  }
  // max|x| = FLT_MAX = (2^24 - 1) 2^104. 2^24 - 1 = 127 * 132104 + 7, so
  // FLT_MAX / 127 = (132104 + 7/127) 2^104 = (8454656 + 448/127) 2^98 =
  // 8454659.53 * 2^98 -> scale = 8454660 * 2^98.
  // FLT_MAX / scale = 1073741760 / 8454660 = 127 - 60/8454660 = 127 - 7.1e-6,
  // FP32 (ulp 2^-17 = 7.63e-6) -> 127 - 2^-17 -> q 127.
  // 127 * scale = (2^30 - 4) 2^98: 24-bit rounding (ulp 64) gives 2^128 -> Inf
  // -> saturated to FLT_MAX.
  {
    const Block32 in = {F(0x7F7FFFFFu), F(0xFF7FFFFFu)};
    Int8Block b;
    const Block32 out = roundtrip(in, &b);
    CHECK(b.scale == std::ldexp(8454660.0f, 98));
    CHECK(int(b.q[0]) == 127);
    CHECK(hex32(B(out[0])) == "0x7f7fffff");
    CHECK(hex32(B(out[1])) == "0xff7fffff");
  }
}

TEST_CASE("int8: NaN/Inf rejected naming the element", "[int8]") {
  Block32 in{};
  in[17] = INFINITY;
  try {
    int8_encode(in.data());
    FAIL("Inf accepted");
  } catch (const std::invalid_argument& e) {
    CHECK(std::string(e.what()).find("element 17") != std::string::npos);
  }
}
