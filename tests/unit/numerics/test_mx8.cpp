// Pimba MX8 (docs/numerics.md, "Pimba MX8"). Notation in the derivations:
// e = biased FP32 exponent, sig = 2^23 | mantissa, E = block maximum of e,
// pe = pair exponent, d = pe - e, round-half-up m = (sig + 2^(17+d)) >> (18+d),
// value = m * 2^(pe - 132).
#include <catch2/catch.hpp>

#include <array>
#include <cmath>
#include <stdexcept>
#include <string>

#include "numerics/format.h"
#include "numerics/mx8.h"
#include "test_util.h"

using namespace pimlab::numerics;
using numtest::B;
using numtest::F;
using numtest::hex32;

namespace {
using Block16 = std::array<float, 16>;

Block16 roundtrip(const Block16& in, Rounding mode = Rounding::nearest, SrRng* rng = nullptr) {
  Block16 out{};
  mx8_decode(mx8_encode(in.data(), mode, rng), out.data());
  return out;
}
}  // namespace

TEST_CASE("mx8: micro-exponent for a pair one exponent below the block maximum", "[mx8]") {
  // x0 = 1.0 (e 127, sig 0x800000), x1 = 0.75 (e 126, sig 0xC00000),
  // x2 = 0.375 (e 125, sig 0xC00000), x3 = 0.3 (0x3E99999A: e 125,
  // sig 0x99999A = 10066330), the rest +0. E = 127.
  // Pair 0 holds e = E: pe = 127. Pairs 1..7 are all below E: pe = 126,
  // micro-exponent bits 0xFE.
  //   x0: d 0, m = (2^23 + 2^17) >> 18 = 32 -> 32 * 2^-5 = 1.0
  //   x1: d 1, m = (12582912 + 2^18) >> 19 = floor(24.5) = 24 -> 24 * 2^-5 = 0.75
  //   x2: d 1 (pe 126), m = 24 -> 24 * 2^-6 = 0.375
  //   x3: d 1, m = (10066330 + 262144) >> 19 = floor(19.70) = 19
  //       -> 19 * 2^-6 = 0.296875 (0x3E980000). Without the micro-exponent
  //       (pe 127, d 2) it would be (10066330 + 2^19) >> 20 = 10 -> 0.3125.
  const Block16 in = {1.0f, 0.75f, 0.375f, F(0x3E99999Au)};
  const Mx8Block b = mx8_encode(in.data(), Rounding::nearest);
  const Mx8Fields f = mx8_unpack_fields(b);
  CHECK(f.shared_exp == 127);
  CHECK_FALSE(f.pair_low[0]);
  for (int j = 1; j < 8; ++j) CHECK(f.pair_low[j]);
  CHECK(int(f.mag[0]) == 32);
  CHECK(int(f.mag[1]) == 24);
  CHECK(int(f.mag[2]) == 24);
  CHECK(int(f.mag[3]) == 19);
  // Packed: fields {sign, m} at bits 7i: 0x20 | 0x18 << 7 | 0x18 << 14 |
  // 0x13 << 21 = 0x02660C20 -> bytes 20 0C 66 02, then zeros; byte 14 = E =
  // 0x7F, byte 15 = 0xFE.
  const std::array<std::uint8_t, 16> expect = {0x20, 0x0C, 0x66, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x7F, 0xFE};
  CHECK(b.bytes == expect);
  const Block16 out = roundtrip(in);
  CHECK(out[0] == 1.0f);
  CHECK(out[1] == 0.75f);
  CHECK(out[2] == 0.375f);
  CHECK(hex32(B(out[3])) == "0x3e980000");
  for (int i = 4; i < 16; ++i) CHECK(hex32(B(out[i])) == "0x00000000");
}

TEST_CASE("mx8: packed byte layout of a hand-built block", "[mx8]") {
  // Element 1 = {sign 1, m 1}: field 0x41 at bits 7..13 -> bit 7 (byte 0 bit 7)
  //   and bit 13 (byte 1 bit 5): byte 0 = 0x80, byte 1 = 0x20.
  // Element 8 = {0, 42 = 0b101010}: bits 56..62 = byte 7 bits 0..6 -> 0x2A.
  // Element 9 = {0, 1}: bit 63 = byte 7 bit 7 -> byte 7 = 0xAA.
  // Element 15 = {1, 63}: 0x7F at bits 105..111 = byte 13 bits 1..7 -> 0xFE.
  // E = 0x85 (133); pairs 1 and 7 use E - 1: byte 15 = 0b10000010 = 0x82.
  Mx8Fields f;
  f.shared_exp = 0x85;
  f.pair_low[1] = f.pair_low[7] = true;
  f.sign[1] = true;
  f.mag[1] = 1;
  f.mag[8] = 42;
  f.mag[9] = 1;
  f.sign[15] = true;
  f.mag[15] = 63;
  const Mx8Block b = mx8_pack_fields(f);
  const std::array<std::uint8_t, 16> expect = {0x80, 0x20, 0, 0, 0, 0, 0, 0xAA, 0, 0, 0, 0, 0, 0xFE, 0x85, 0x82};
  CHECK(b.bytes == expect);
  // Unpacking gives the fields back.
  const Mx8Fields g = mx8_unpack_fields(b);
  CHECK(g.shared_exp == 0x85);
  CHECK(g.pair_low == f.pair_low);
  CHECK(g.sign == f.sign);
  CHECK(g.mag == f.mag);
  // Values: pair 0 and 4 use pe = 133: element 1 = -1 * 2^1 = -2, element 8 =
  // 42 * 2 = 84, element 9 = 2; pair 7 uses 132: element 15 = -63 * 2^0.
  float out[16];
  mx8_decode(b, out);
  CHECK(out[1] == -2.0f);
  CHECK(out[8] == 84.0f);
  CHECK(out[9] == 2.0f);
  CHECK(out[15] == -63.0f);
  CHECK(hex32(B(out[0])) == "0x00000000");
  CHECK(hex32(B(out[14])) == "0x00000000");
  // A 7th magnitude bit does not fit.
  f.mag[3] = 64;
  CHECK_THROWS_AS(mx8_pack_fields(f), std::invalid_argument);
}

TEST_CASE("mx8: a carry out of the 6-bit field saturates, a carry below it rounds up", "[mx8]") {
  // 1.9921875 = 255/128: e 127, sig 0xFF0000 = 16711680, the block maximum, d 0:
  // m = (16711680 + 2^17) >> 18 = floor(64.25) = 64 -> saturates to 63
  // -> 63 * 2^-5 = 1.96875.
  // 0.99609375 = 255/256 in the same pair: e 126, d 1: m = (16711680 + 2^18)
  // >> 19 = floor(32.375) = 32 -> 32 * 2^-5 = 1.0 (rounds up into the pair
  // exponent, which the field holds).
  // -1.9921875 in pair 1 (pe 127): same magnitude -> -1.96875.
  const Block16 in = {1.9921875f, 0.99609375f, -1.9921875f, 0.5f};
  const Block16 out = roundtrip(in);
  CHECK(out[0] == 1.96875f);
  CHECK(out[1] == 1.0f);
  CHECK(out[2] == -1.96875f);
  CHECK(out[3] == 0.5f);  // e 126, d 1, sig 2^23: m = (2^23 + 2^18) >> 19 = 16 -> 0.5
}

TEST_CASE("mx8: values flushed to zero or keeping fewer bits by alignment", "[mx8]") {
  // Block maximum 1.0 at element 0 (E = 127); every other value sits in pair 0
  // with 1.0 (pe 127) or in a pair below E (pe 126):
  //  x1 = 2^-7 (e 120, pair 0, d 7): m = (2^23 + 2^24) >> 25 = floor(0.75) = 0 -> +0.
  //  x2 = -2^-8 (e 119), x3 = 2^-8: pair 1, both below E, pe 126, d 7:
  //       m = (2^23 + 2^24) >> 25 = 0 -> -0 and +0. A value 2^-8 times the
  //       block maximum keeps no bit at all, micro-exponent or not.
  //  x4 = 0.171875 = 1.011b * 2^-3 (e 124, sig 0xB00000 = 11534336), x5 = 1.0
  //       (pair 2 holds E: pe 127): x4 has d 3, m = (11534336 + 2^20) >> 21 =
  //       floor(6.0) = 6 -> 6 * 2^-5 = 0.1875: three significant bits (110b)
  //       instead of 1011b (the tie at 5.5 rounds half up).
  //  x6 = 0.046875 = 1.5 * 2^-5 (e 122, sig 0xC00000), x7 = 1.0: d 5,
  //       m = (12582912 + 2^22) >> 23 = 2 -> 2 * 2^-5 = 0.0625: one bit left.
  //  x8 = 2^-6 (e 121), x9 = 1.0: d 6, m = (2^23 + 2^23) >> 24 = 1 -> 2^-5:
  //       exactly half of the last kept bit rounds up.
  const Block16 in = {1.0f, 0.0078125f, -0.00390625f, 0.00390625f, 0.171875f, 1.0f, 0.046875f, 1.0f,
                      0.015625f, 1.0f};
  const Block16 out = roundtrip(in);
  CHECK(hex32(B(out[1])) == "0x00000000");
  CHECK(hex32(B(out[2])) == "0x80000000");
  CHECK(hex32(B(out[3])) == "0x00000000");
  CHECK(out[4] == 0.1875f);
  CHECK(out[6] == 0.0625f);
  CHECK(out[8] == 0.03125f);
}

TEST_CASE("mx8: signed zeros and FP32 subnormals", "[mx8]") {
  // Subnormals have e = 0 and sig = 0: zero of their sign. Pair 0 (-0, +0),
  // pair 1 (0x00000001, 0x80400000), x4 = 1.0 (E 127).
  const Block16 in = {-0.0f, 0.0f, F(0x00000001u), F(0x80400000u), 1.0f};
  const Block16 out = roundtrip(in);
  CHECK(hex32(B(out[0])) == "0x80000000");
  CHECK(hex32(B(out[1])) == "0x00000000");
  CHECK(hex32(B(out[2])) == "0x00000000");
  CHECK(hex32(B(out[3])) == "0x80000000");
  CHECK(out[4] == 1.0f);
  // A block of zeros and subnormals only: E = 0, no pair can use E - 1, every
  // magnitude is 0; bytes 14 and 15 are 0, the signs are kept.
  const Block16 z = {F(0x80000001u), F(0x007FFFFFu), -0.0f};
  const Mx8Block bz = mx8_encode(z.data(), Rounding::nearest);
  CHECK(int(bz.bytes[14]) == 0);
  CHECK(int(bz.bytes[15]) == 0);
  // Element 0 sign at bit 6, element 2 sign at bit 20 (byte 2 bit 4).
  CHECK(int(bz.bytes[0]) == 0x40);
  CHECK(int(bz.bytes[2]) == 0x10);
  const Block16 zo = roundtrip(z);
  CHECK(hex32(B(zo[0])) == "0x80000000");
  CHECK(hex32(B(zo[1])) == "0x00000000");
  CHECK(hex32(B(zo[2])) == "0x80000000");
}

TEST_CASE("mx8: largest and smallest exponents", "[mx8]") {
  // FLT_MAX (0x7F7FFFFF): e 254, sig 0xFFFFFF, d 0: m = (16777215 + 2^17) >> 18
  // = 64 -> 63 -> 63 * 2^(254-132) = 1.96875 * 2^127: exponent 254, mantissa
  // 0.96875 * 2^23 = 0x7C0000 -> 0x7F7C0000.
  // 2^127 (0x7F000000) in pair 1 (pe 254): m = 32 -> 2^127.
  const Block16 big = {F(0x7F7FFFFFu), F(0xFF7FFFFFu), F(0x7F000000u)};
  const Block16 ob = roundtrip(big);
  CHECK(hex32(B(ob[0])) == "0x7f7c0000");
  CHECK(hex32(B(ob[1])) == "0xff7c0000");
  CHECK(hex32(B(ob[2])) == "0x7f000000");
  // FLT_MIN = 2^-126 (e 1): E = 1, m = 32 -> 32 * 2^(1-132) = 2^-126.
  // 1.5 * 2^-126 (0x00C00000): m = 48 -> 48 * 2^-131 = 1.5 * 2^-126.
  // Pair 1 = (2^-149 subnormal, +0): both e 0 < E = 1, pe = 0, m = 0.
  const Block16 small = {F(0x00800000u), F(0x00C00000u), F(0x00000001u), 0.0f};
  const Mx8Block bs = mx8_encode(small.data(), Rounding::nearest);
  CHECK(int(bs.bytes[14]) == 1);
  CHECK(int(bs.bytes[15]) == 0xFE);
  const Block16 os = roundtrip(small);
  CHECK(hex32(B(os[0])) == "0x00800000");
  CHECK(hex32(B(os[1])) == "0x00c00000");
  CHECK(hex32(B(os[2])) == "0x00000000");
}

TEST_CASE("mx8: NaN and Inf are rejected naming the element", "[mx8]") {
  Block16 in{};
  in[5] = std::nanf("");
  try {
    mx8_encode(in.data(), Rounding::nearest);
    FAIL("NaN accepted");
  } catch (const std::invalid_argument& e) {
    CHECK(std::string(e.what()).find("element 5") != std::string::npos);
  }
  in[5] = 0.0f;
  in[12] = -INFINITY;
  try {
    mx8_encode(in.data(), Rounding::nearest);
    FAIL("-Inf accepted");
  } catch (const std::invalid_argument& e) {
    CHECK(std::string(e.what()).find("element 12") != std::string::npos);
    CHECK(std::string(e.what()).find("-Inf") != std::string::npos);
  }
  // Through the format interface, the index is the one in the whole vector.
  std::vector<float> v(40, 1.0f);
  v[21] = INFINITY;
  try {
    quantize(Format::mx8, v);
    FAIL("Inf accepted");
  } catch (const std::invalid_argument& e) {
    CHECK(std::string(e.what()).find("input 21") != std::string::npos);
  }
}

TEST_CASE("mx8: decode rejects blocks no finite input produces", "[mx8]") {
  Mx8Block b;
  b.bytes[14] = 0xFF;
  float out[16];
  CHECK_THROWS_AS(mx8_decode(b, out), std::invalid_argument);
  b.bytes[14] = 0;
  b.bytes[15] = 0x01;  // pair 0 uses E - 1 with E = 0
  CHECK_THROWS_AS(mx8_decode(b, out), std::invalid_argument);
}

TEST_CASE("rng: xorshift32 (13, 17, 5) steps and seed 0", "[mx8][rng]") {
  // From state 1: x ^= x << 13 -> 0x2001; x ^= x >> 17 -> 0x2001; x ^= x << 5
  // -> 0x2001 ^ 0x40020 = 0x42021 (r = bits 31..24 = 0x00).
  // Next: 0x42021 ^ 0x84042000 = 0x84000021; ^ (>> 17 = 0x4200) = 0x84004221;
  // ^ (<< 5 = 0x80084420) = 0x04080601 (r = 0x04).
  SrRng r(1);
  CHECK(r.next() == 0x00042021u);
  CHECK(r.next8() == 0x04u);
  CHECK(r.state() == 0x04080601u);
  CHECK(SrRng(0).state() == 0x9E3779B9u);
}

TEST_CASE("mx8: stochastic rounding adds the drawn bits below the kept ones", "[mx8][stochastic]") {
  // Seed 1 draws r = 0x00 for element 0 and r = 0x04 for element 1 (above).
  // x0 = x1 = 1 + 255 * 2^-13 (sig 0x83FC00 = 8649728, the block maximum, d 0);
  // the aligned value is 32 + 255/256 units of 2^-5.
  //   stochastic x0: m = (8649728 + 0 * 2^10) >> 18 = 32 -> 1.0
  //   stochastic x1: m = (8649728 + 4 * 2^10) >> 18 = floor(33.0) = 33 -> 1.03125
  //   round-half-up: m = (8649728 + 2^17) >> 18 = 33 for both.
  const float x = 1.0f + 255.0f / 8192.0f;
  const Block16 in = {x, x};
  SrRng rng(1);
  const Block16 out = roundtrip(in, Rounding::stochastic, &rng);
  CHECK(out[0] == 1.0f);
  CHECK(out[1] == 1.03125f);
  const Block16 near = roundtrip(in);
  CHECK(near[0] == 1.03125f);
  // Every element draws once, zeros and flushed values included: 16 steps.
  SrRng a(7), b(7);
  const Block16 zeros{};
  mx8_encode(zeros.data(), Rounding::stochastic, &a);
  for (int i = 0; i < 16; ++i) b.next();
  CHECK(a.state() == b.state());
  // Stochastic without a generator is an error.
  CHECK_THROWS_AS(mx8_encode(in.data(), Rounding::stochastic, nullptr), std::invalid_argument);
}

TEST_CASE("mx8: stochastic rounding is reproducible from its seed", "[mx8][stochastic]") {
  std::vector<float> v(16 * 64);
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = std::ldexp(1.0f + static_cast<float>(i % 97) / 97.0f, -int(i % 5));
  SrRng r1(12345), r2(12345), r3(54321);
  const auto a = quantize(Format::mx8, v, Rounding::stochastic, &r1);
  const auto b = quantize(Format::mx8, v, Rounding::stochastic, &r2);
  const auto c = quantize(Format::mx8, v, Rounding::stochastic, &r3);
  CHECK(a == b);
  CHECK(a != c);
  CHECK(r1.state() == r2.state());
}

TEST_CASE("mx8: stochastic rounding is unbiased in expectation", "[mx8][stochastic]") {
  // x = 1 + 77 * 2^-13 is 32 + 77/256 units of 2^-5 (d 0, sig = 2^23 + 77 * 2^10).
  // m = (sig + r * 2^10) >> 18 = 33 exactly when r >= 256 - 77, so with r
  // uniform on 0..255 the value rounds up with probability p = 77/256 and
  // E[value] = x exactly (the 8 random bits cover the 8 bits below the kept
  // ones, and x has none further down). Over N = 65536 draws (4096 blocks of
  // 16) the fraction of round-ups has standard deviation sqrt(p(1-p)/N) =
  // 0.00179 for an ideal generator; the test allows 5 of them (the chance an
  // ideal generator fails is below 1e-6; the sequence is fixed by the seed, so
  // the result is deterministic). Round-half-up would be off by 0.30.
  const float x = 1.0f + 77.0f / 8192.0f;
  const int blocks = 4096;
  std::vector<float> v(16 * blocks, x);
  SrRng rng(2024);
  const auto q = quantize(Format::mx8, v, Rounding::stochastic, &rng);
  long ups = 0;
  for (float y : q) {
    REQUIRE((y == 1.0f || y == 1.03125f));
    ups += y == 1.03125f;
  }
  const double n = static_cast<double>(q.size());
  const double p = 77.0 / 256.0;
  const double frac = static_cast<double>(ups) / n;
  CHECK(std::fabs(frac - p) <= 5.0 * std::sqrt(p * (1.0 - p) / n));
  // The same holds for a value aligned below its pair exponent: y = -(1 + 77 *
  // 2^-11) * 2^-2 next to 1.0 (e 125, d 2, sig = 2^23 + 77 * 2^12, so sig / 2^20
  // = 8 + 77/256 and r * 2^12 adds r/256): rounds to -9 * 2^-5 with
  // probability 77/256, else to -8 * 2^-5.
  std::vector<float> w(16 * blocks);
  for (std::size_t i = 0; i < w.size(); i += 2) {
    w[i] = 1.0f;
    w[i + 1] = -0.25f * (1.0f + 77.0f / 2048.0f);
  }
  const auto qw = quantize(Format::mx8, w, Rounding::stochastic, &rng);
  long downs = 0;
  for (std::size_t i = 1; i < qw.size(); i += 2) {
    REQUIRE((qw[i] == -0.25f || qw[i] == -0.28125f));
    downs += qw[i] == -0.28125f;
  }
  const double nw = static_cast<double>(qw.size() / 2);
  CHECK(std::fabs(static_cast<double>(downs) / nw - p) <= 5.0 * std::sqrt(p * (1.0 - p) / nw));
}
