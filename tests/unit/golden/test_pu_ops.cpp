// Hand-derived vectors for the per-atom PIM-unit operations (golden/pu_ops.h).
// Every expected value below is derived in the comments from the rules in
// docs/numerics.md ("Pimba MX8" and "PU arithmetic"); none was produced by
// running the code under test.
//
// Notation: an MX8 element value is m * 2^(pe - 132) with pe the pair exponent
// (E or E-1). For E = 127 and pe = 127 the step is 2^-5, for pe = 126 it is
// 2^-6; sig = 2^23 | mantissa; round-half-up m = (sig + 2^(17+d)) >> (18+d).
#include <catch2/catch.hpp>

#include <array>
#include <cmath>
#include <cstdint>

#include "golden/pu_ops.h"
#include "numerics/fp.h"
#include "numerics/mx8.h"

using pimlab::golden::attend_atom;
using pimlab::golden::decode_atom;
using pimlab::golden::kAtom;
using pimlab::golden::load_mx8_slice;
using pimlab::golden::score_atom;
using pimlab::golden::score_tree;
using pimlab::golden::su_atom;
namespace numerics = pimlab::numerics;

namespace {

// A block whose 16 elements all have sign `neg` and magnitude `m`, shared
// exponent E, every pair at E-1 when `low` is set.
numerics::Mx8Block uniform_block(int E, int m, bool neg = false, bool low = false) {
  numerics::Mx8Fields f;
  f.shared_exp = static_cast<std::uint8_t>(E);
  for (int i = 0; i < 16; ++i) {
    f.sign[i] = neg;
    f.mag[i] = static_cast<std::uint8_t>(m);
  }
  for (int j = 0; j < 8; ++j) f.pair_low[j] = low;
  return numerics::mx8_pack_fields(f);
}

bool same_bits(float a, float b) { return numerics::bits_of(a) == numerics::bits_of(b); }

}  // namespace

TEST_CASE("su_atom: products, round-half-up write-back, micro-exponents, signed zero", "[golden][pu_ops]") {
  // h row: all 32 elements 1.0 = 32 * 2^(127-132): E = 127, m = 32, pairs at E.
  std::array<numerics::Mx8Block, 2> h_in = {uniform_block(127, 32), uniform_block(127, 32)};
  const float gk = 0.5f, k = 1.0f, q = 2.0f;
  // gv not written: all 1.0, so g = pu_mul(0.5, 1) = 0.5, a = pu_mul(1, 0.5) = 0.5,
  // b = pu_mul(1, v[c]) = v[c], y[c] = 0.5 + v[c] (every sum below is exact in FP32).
  std::array<float, kAtom> v{};
  v[0] = 0.5f;                // y0  = 1.0
  v[1] = std::ldexp(1.f, -7);  // y1  = 0.5078125
  v[2] = std::ldexp(1.f, -7);  // y2  = 0.5078125
  v[3] = std::ldexp(3.f, -7);  // y3  = 0.5234375
  v[16] = 1.5f;               // y16 = 2.0
  v[17] = -0.5f;              // y17 = 0.5 + (-0.5) = +0 (IEEE exact-zero sum)
  v[20] = -1.0f;              // y20 = -0.5
  v[22] = std::ldexp(1.f, -9); // y22 = 0.501953125
  v[23] = std::ldexp(1.f, -9); // y23 = 0.501953125
  // all other y = 0.5.
  //
  // Block 0: largest exponent is y0's (1.0, e = 127) -> E = 127.
  //  pair 0 (y0, y1): y0 has e = E -> pe = 127 (bit 0 clear).
  //    y0: d = 0, sig = 2^23, m = (2^23 + 2^17) >> 18 = 32 -> 1.0.
  //    y1: e = 126, d = 1, sig = 2^23 + 2^17 (1.015625 = 1 + 2^-6),
  //        m = (2^23 + 2^17 + 2^18) >> 19 = 16 -> 16 * 2^-5 = 0.5 (low bits lost).
  //  pair 1 (y2, y3): both e = 126 < E -> pe = 126 (bit set), d = 0.
  //    y2: m = (2^23 + 2^17 + 2^17) >> 18 = 33 -> 33 * 2^-6 = 0.515625
  //        (exactly half-way between 32 and 33: half rounds UP, unlike RNE).
  //    y3: sig = 2^23 + 3*2^17, m = (2^23 + 2^19) >> 18 = 34 -> 0.53125 (half-way, up).
  //  pairs 2..7: 0.5, pe = 126, m = 32 -> 0.5 exact. Micro-exponent byte = 0xFE.
  // Block 1: largest is y16 = 2.0 (e = 128) -> E = 128.
  //  pair 8 (y16, y17): pe = 128; y16 m = 32 -> 32 * 2^-4 = 2.0; y17 = +0 -> m = 0, +0.
  //  pair 9: 0.5, 0.5: pe = 127, d = 1, m = (2^23 + 2^18) >> 19 = 16 -> 0.5.
  //  pair 10: -0.5, 0.5 -> -0.5, 0.5 (sign kept).
  //  pair 11: 0.501953125 = 0.5 (1 + 2^-8): sig = 2^23 + 2^15, d = 1,
  //           m = (2^23 + 2^15 + 2^18) >> 19 = 16 -> 0.5 (a value 2^-8 below the
  //           pair's top keeps fewer bits than one at the top).
  //  pairs 12..15: 0.5. Micro-exponent byte = 0xFE.
  std::array<float, kAtom> want_h;
  want_h.fill(0.5f);
  want_h[0] = 1.0f;
  want_h[2] = 0.515625f;
  want_h[3] = 0.53125f;
  want_h[16] = 2.0f;
  want_h[17] = 0.0f;
  want_h[20] = -0.5f;
  // o_acc starts at 0.25: o[c] = pu_add(0.25, pu_mul(h'[c], 2)) = 0.25 + 2 h'[c], exact.
  std::array<float, kAtom> o;
  o.fill(0.25f);
  std::array<numerics::Mx8Block, 2> h_out;
  std::array<float, kAtom> h_new;
  su_atom(h_in.data(), k, q, gk, v.data(), nullptr, numerics::Rounding::nearest, nullptr, o.data(),
          h_out.data(), h_new.data());
  for (int c = 0; c < kAtom; ++c) {
    INFO("element " << c);
    CHECK(same_bits(h_new[c], want_h[c]));
    CHECK(same_bits(o[c], 0.25f + 2.0f * want_h[c]));
  }
  CHECK_FALSE(std::signbit(h_new[17]));
  // The packed blocks carry the derived exponents and micro-exponent bits.
  CHECK(h_out[0].bytes[14] == 127);
  CHECK(h_out[0].bytes[15] == 0xFE);
  CHECK(h_out[1].bytes[14] == 128);
  CHECK(h_out[1].bytes[15] == 0xFE);
  // h_new is exactly the decode of what was written back.
  std::array<float, kAtom> dec;
  decode_atom(h_out.data(), dec.data());
  for (int c = 0; c < kAtom; ++c) CHECK(same_bits(dec[c], h_new[c]));
}

TEST_CASE("su_atom: carry out of the 6-bit field saturates, gv register, in place", "[golden][pu_ops]") {
  // Block 0: element 0 = 63 * 2^-5 = 1.96875, element 1 = 1.0 (m = 32), rest 0; E = 127.
  numerics::Mx8Fields f0;
  f0.shared_exp = 127;
  f0.mag[0] = 63;
  f0.mag[1] = 32;
  // Block 1: all -1.0 (E = 127, m = 32, sign set).
  std::array<numerics::Mx8Block, 2> h = {numerics::mx8_pack_fields(f0), uniform_block(127, 32, true)};
  const float gk = 1.0f, k = std::ldexp(1.f, -6), q = 0.5f;
  std::array<float, kAtom> v{}, gv;
  gv.fill(2.0f);
  gv[0] = 1.0f;
  gv[1] = 0.5f;
  v[0] = 1.5f;
  // c0: g = 1, a = 1.96875, b = 2^-6 * 1.5 = 0.0234375, y = 1.9921875 = 2 - 2^-7.
  //     E = 127, pe = 127, sig = 2^24 - 2^16, m = (2^24 - 2^16 + 2^17) >> 18 = 64
  //     -> carry out of 6 bits -> saturates to 63 -> 1.96875.
  // c1: g = 0.5, a = 0.5, b = 0, y = 0.5: pair 0 at pe = 127, d = 1,
  //     m = (2^23 + 2^18) >> 19 = 16 -> 0.5.
  // c2..15: h = 0, g = 2, a = 0, b = 0 -> y = +0 (pairs 1..7 both e = 0 < E: bit set).
  // c16..31: g = 2, a = -2, b = 2^-6 * 0 = 0, y = -2 + 0 = -2: E = 128, all pairs at E,
  //     m = 32 -> -2.0 exactly.
  // o starts at +0: o[c] = pu_add(+0, pu_mul(h'[c], 0.5)).
  std::array<float, kAtom> o;
  o.fill(0.0f);
  su_atom(h.data(), k, q, gk, v.data(), gv.data(), numerics::Rounding::nearest, nullptr, o.data(),
          h.data());  // written back in place
  std::array<float, kAtom> hn;
  decode_atom(h.data(), hn.data());
  CHECK(hn[0] == 1.96875f);
  CHECK(hn[1] == 0.5f);
  CHECK(o[0] == 0.984375f);
  CHECK(o[1] == 0.25f);
  for (int c = 2; c < 16; ++c) {
    CHECK(same_bits(hn[c], 0.0f));
    CHECK(same_bits(o[c], 0.0f));
  }
  for (int c = 16; c < kAtom; ++c) {
    CHECK(hn[c] == -2.0f);
    CHECK(o[c] == -1.0f);
  }
  CHECK(h[0].bytes[14] == 127);
  CHECK(h[0].bytes[15] == 0xFE);
  CHECK(h[1].bytes[14] == 128);
  CHECK(h[1].bytes[15] == 0x00);
}

TEST_CASE("su_atom: stochastic write-back draws one value per element in order", "[golden][pu_ops]") {
  // Same row as the first case. With stochastic rounding
  // m = (sig + r * 2^(10+d)) >> (18+d), r = bits [31:24] of the element's draw.
  // Elements whose sig has no bits below the kept 6 stay exact for every r
  // (r * 2^(10+d) < 2^(18+d) never carries). The others:
  //  y1  = 0.5078125, d = 1, low 19 bits = 2^17: carries iff 2^17 + r*2^11 >= 2^19,
  //        i.e. r >= 192 -> 17 * 2^-5 = 0.53125, else 0.5;
  //  y2  = 0.5078125, d = 0, low 18 bits = 2^17: carries iff r >= 128 -> 0.515625 else 0.5;
  //  y3  = 0.5234375, d = 0, low 18 bits = 2^17: iff r >= 128 -> 0.53125 else 0.515625;
  //  y22, y23 = 0.501953125, d = 1, low 19 bits = 2^15: iff 2^15 + r*2^11 >= 2^19,
  //        i.e. r >= 240 -> 0.53125, else 0.5.
  std::array<numerics::Mx8Block, 2> h_in = {uniform_block(127, 32), uniform_block(127, 32)};
  std::array<float, kAtom> v{};
  v[0] = 0.5f;
  v[1] = v[2] = std::ldexp(1.f, -7);
  v[3] = std::ldexp(3.f, -7);
  v[16] = 1.5f;
  v[17] = -0.5f;
  v[20] = -1.0f;
  v[22] = v[23] = std::ldexp(1.f, -9);
  for (std::uint32_t seed : {1u, 7u, 12345u, 0xDEADBEEFu}) {
    numerics::SrRng draws(seed);
    std::array<int, kAtom> r;
    for (int c = 0; c < kAtom; ++c) r[c] = draws.next8();
    std::array<float, kAtom> want;
    want.fill(0.5f);
    want[0] = 1.0f;
    want[1] = r[1] >= 192 ? 0.53125f : 0.5f;
    want[2] = r[2] >= 128 ? 0.515625f : 0.5f;
    want[3] = r[3] >= 128 ? 0.53125f : 0.515625f;
    want[16] = 2.0f;
    want[17] = 0.0f;
    want[20] = -0.5f;
    want[22] = r[22] >= 240 ? 0.53125f : 0.5f;
    want[23] = r[23] >= 240 ? 0.53125f : 0.5f;
    numerics::SrRng rng(seed);
    std::array<float, kAtom> o{}, hn;
    std::array<numerics::Mx8Block, 2> h_out;
    su_atom(h_in.data(), 1.0f, 1.0f, 0.5f, v.data(), nullptr, numerics::Rounding::stochastic, &rng,
            o.data(), h_out.data(), hn.data());
    INFO("seed " << seed);
    for (int c = 0; c < kAtom; ++c) {
      INFO("element " << c << " r " << r[c]);
      CHECK(same_bits(hn[c], want[c]));
    }
    // Exactly 32 draws were taken, zeros included.
    CHECK(rng.state() == draws.state());
  }
}

TEST_CASE("score_tree / score_atom: pairwise tree order, then accumulate", "[golden][pu_ops]") {
  // x atom: all 1.0 (E = 127, m = 32), so p_i = pu_mul(1, q_i) = q_i.
  std::array<numerics::Mx8Block, 2> x = {uniform_block(127, 32), uniform_block(127, 32)};
  std::array<float, kAtom> q{};
  q[0] = 16777216.0f;  // 2^24
  q[16] = 1.0f;
  q[17] = 1.0f;
  // Tree: level 1 t0 = 2^24 + 0 = 2^24, t8 = 1 + 1 = 2; levels 2..4 add zeros;
  // level 5: 2^24 + 2 = 16777218 (representable: spacing above 2^24 is 2).
  // (Accumulating in element order would give 2^24 + 1 -> 2^24 (tie, even) twice.)
  CHECK(score_atom(x.data(), q.data(), 0.0f) == 16777218.0f);
  // acc = 1: 1 + 16777218 = 16777219, a tie between 16777218 (odd significand)
  // and 16777220 (even) -> 16777220.
  CHECK(score_atom(x.data(), q.data(), 1.0f) == 16777220.0f);
  // Level-1 pairs: q = [2^24, 0, 1, 1, 0...]: t0 = 2^24, t1 = 2 -> 16777218.
  std::array<float, kAtom> q2{};
  q2[0] = 16777216.0f;
  q2[2] = 1.0f;
  q2[3] = 1.0f;
  std::array<float, kAtom> ones;
  ones.fill(1.0f);
  CHECK(score_tree(ones.data(), q2.data()) == 16777218.0f);
  // Signed products: x0 = 1.5 (m = 48, pe = 127), x1 = -0.75 (m = 24, sign, pe = 127);
  // q0 = 2, q1 = 4: p0 = 3, p1 = -3, t = 3 + (-3) = +0; acc = -0: -0 + +0 = +0.
  numerics::Mx8Fields f;
  f.shared_exp = 127;
  f.mag[0] = 48;
  f.mag[1] = 24;
  f.sign[1] = true;
  std::array<numerics::Mx8Block, 2> x3 = {numerics::mx8_pack_fields(f), numerics::mx8_pack_fields(numerics::Mx8Fields{})};
  std::array<float, kAtom> q3{};
  q3[0] = 2.0f;
  q3[1] = 4.0f;
  const float s = score_atom(x3.data(), q3.data(), -0.0f);
  CHECK(same_bits(s, 0.0f));
}

TEST_CASE("attend_atom: element-wise multiply by p, accumulate", "[golden][pu_ops]") {
  // Block 0: all 1.0 except element 1 = -1.0 (E = 127, m = 32, pe = 127).
  numerics::Mx8Fields f0;
  f0.shared_exp = 127;
  for (int i = 0; i < 16; ++i) f0.mag[i] = 32;
  f0.sign[1] = true;
  // Block 1: every pair at E-1 = 126, m = 48 -> 48 * 2^-6 = 0.75.
  std::array<numerics::Mx8Block, 2> x = {numerics::mx8_pack_fields(f0), uniform_block(127, 48, false, true)};
  const float p = 0.25f;
  std::array<float, kAtom> acc;
  acc.fill(0.0f);
  acc[0] = 16777216.0f;  // 2^24 + 0.25 -> 2^24 (below half the spacing of 2)
  acc[1] = 1.0f;         // 1 + (-0.25) = 0.75
  for (int c = 16; c < kAtom; ++c) acc[c] = -0.1875f;  // -0.1875 + 0.1875 = +0
  attend_atom(x.data(), p, acc.data());
  CHECK(acc[0] == 16777216.0f);
  CHECK(acc[1] == 0.75f);
  for (int c = 2; c < 16; ++c) CHECK(acc[c] == 0.25f);  // 0 + 0.25
  for (int c = 16; c < kAtom; ++c) CHECK(same_bits(acc[c], 0.0f));
}

TEST_CASE("load_mx8_slice: a register slice holds the round-half-up MX8 values", "[golden][pu_ops]") {
  // Two blocks; block 0 = [1.0, 0.5078125, 0.5078125, 0.5234375, 0.5 ...] as in the
  // first case -> [1.0, 0.5, 0.515625, 0.53125, 0.5 ...]; block 1 all 3.0
  // (E = 128, m = 48 -> 48 * 2^-4 = 3.0, exact).
  std::array<float, kAtom> in;
  in.fill(0.5f);
  in[0] = 1.0f;
  in[1] = in[2] = 0.5078125f;
  in[3] = 0.5234375f;
  for (int c = 16; c < kAtom; ++c) in[c] = 3.0f;
  load_mx8_slice(in.data(), in.data());  // in place
  CHECK(in[0] == 1.0f);
  CHECK(in[1] == 0.5f);
  CHECK(in[2] == 0.515625f);
  CHECK(in[3] == 0.53125f);
  for (int c = 4; c < 16; ++c) CHECK(in[c] == 0.5f);
  for (int c = 16; c < kAtom; ++c) CHECK(in[c] == 3.0f);
}
