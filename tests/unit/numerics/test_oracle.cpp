// Randomised cross-checks against independent oracles written from the
// definitions (not from the implementation's integer arithmetic):
//  - OCP MX elements: the nearest value among all finite codes of the element
//    type (ties to the code with an even last bit), clamped to the largest
//    normal, with the scale from frexp; MXINT8 with nearbyint in double.
//  - pu_mul / pu_add: the exact (mul) or once-rounded-in-double (add, innocuous
//    double rounding since 53 >= 2*24 + 2) result converted to float, then
//    DAZ/FTZ/saturation applied.
// Inputs come from a fixed-seed generator, so every run checks the same cases.
#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cfloat>
#include <cmath>
#include <vector>

#include "numerics/fp.h"
#include "numerics/ocp_mx.h"
#include "numerics/rng.h"
#include "test_util.h"

using namespace pimlab::numerics;
using numtest::B;
using numtest::F;
using numtest::hex32;

namespace {

// A finite FP32 value with a random sign, mantissa and an exponent in
// [lo, hi] (biased; 0 = subnormal).
float random_float(SrRng& g, unsigned lo, unsigned hi) {
  const std::uint32_t r = g.next();
  const std::uint32_t e = lo + g.next() % (hi - lo + 1);
  return F((r & 0x80000000u) | (e << 23) | (r & 0x7FFFFFu));
}

struct Candidate {
  double value;
  std::uint8_t code;
};

// All non-negative finite values of an FP element type, from the element
// definition: field 0 -> m * 2^(1-bias-M), else (1 + m/2^M) * 2^(field-bias);
// E4M3 S.1111.111 and E5M2 exponent 11111 are not finite.
std::vector<Candidate> candidates(MxElem et) {
  const MxElemInfo& in = mx_elem_info(et);
  std::vector<Candidate> c;
  for (unsigned field = 0; field < (1u << in.ebits); ++field)
    for (unsigned m = 0; m < (1u << in.mbits); ++m) {
      if (et == MxElem::fp8_e4m3 && field == 15 && m == 7) continue;
      if (et == MxElem::fp8_e5m2 && field == 31) continue;
      const double v = field == 0 ? std::ldexp(static_cast<double>(m), 1 - in.bias - in.mbits)
                                  : std::ldexp(1.0 + std::ldexp(static_cast<double>(m), -in.mbits),
                                               static_cast<int>(field) - in.bias);
      c.push_back({v, static_cast<std::uint8_t>((field << in.mbits) | m)});
    }
  return c;
}

double oracle_element(const std::vector<Candidate>& c, double v) {
  const double a = std::fabs(v);
  const Candidate* best = &c[0];
  for (const auto& k : c) {
    const double d = std::fabs(k.value - a), db = std::fabs(best->value - a);
    if (d < db || (d == db && (k.code & 1u) == 0 && (best->code & 1u) != 0)) best = &k;
  }
  return std::copysign(best->value, v);  // largest normal is the last candidate: clamping is implied
}

}  // namespace

TEST_CASE("ocp mx: agrees with a nearest-code oracle on random blocks", "[ocpmx][oracle]") {
  SrRng g(99);
  const MxElem types[] = {MxElem::fp8_e4m3, MxElem::fp8_e5m2, MxElem::fp6_e3m2, MxElem::fp6_e2m3,
                          MxElem::fp4_e2m1, MxElem::int8};
  // Exponent windows: ordinary, subnormal-heavy (scale clamping) and near FLT_MAX.
  const unsigned windows[][2] = {{110, 140}, {0, 12}, {240, 254}, {120, 128}};
  for (MxElem et : types) {
    const MxElemInfo& in = mx_elem_info(et);
    const auto cand = et == MxElem::int8 ? std::vector<Candidate>{} : candidates(et);
    for (const auto& w : windows)
      for (int blk = 0; blk < 300; ++blk) {
        std::array<float, 32> x{};
        for (auto& v : x) v = random_float(g, w[0], w[1]);
        if (blk % 7 == 0) x[blk % 32] = 0.0f;
        std::array<float, 32> out{};
        mx_decode(et, mx_encode(et, x.data()), out.data());
        double amax = 0;
        for (float v : x) amax = std::fmax(amax, std::fabs(static_cast<double>(v)));
        int se = -127;
        if (amax > 0) {
          int e2;
          std::frexp(amax, &e2);  // amax = f * 2^e2, f in [0.5, 1): floor(log2) = e2 - 1
          se = std::max(e2 - 1 - in.emax, -127);
        }
        for (int i = 0; i < 32; ++i) {
          const double v = std::ldexp(static_cast<double>(x[i]), -se);
          double q;
          if (et == MxElem::int8) {
            double n = std::nearbyint(v * 64.0);  // default rounding mode: to nearest even
            n = std::fmax(-127.0, std::fmin(127.0, n));
            q = n / 64.0;
            if (q == 0.0) q = 0.0;  // no -0 in two's complement
          } else {
            q = oracle_element(cand, v);
          }
          const float expect = static_cast<float>(std::ldexp(q, se));  // exact
          INFO(in.name << " input " << hex32(B(x[i])) << " se " << se);
          REQUIRE(hex32(B(out[i])) == hex32(B(expect)));
        }
      }
  }
}

TEST_CASE("pu_mul / pu_add: agree with a double-precision oracle on random operands", "[pu][oracle]") {
  SrRng g(7);
  auto daz = [](float x) { return std::fpclassify(x) == FP_SUBNORMAL ? std::copysign(0.0f, x) : x; };
  auto finish = [](double exact_or_once_rounded) {
    float r = static_cast<float>(exact_or_once_rounded);  // round to nearest even, gradual underflow
    if (std::isinf(r)) return std::copysign(FLT_MAX, r);
    if (std::fpclassify(r) == FP_SUBNORMAL) return std::copysign(0.0f, r);
    return r;
  };
  const unsigned windows[][2] = {{100, 150}, {0, 70}, {1, 3}, {200, 254}, {126, 128}};
  for (const auto& wa : windows)
    for (const auto& wb : windows)
      for (int k = 0; k < 2000; ++k) {
        const float a = random_float(g, wa[0], wa[1]);
        const float b = random_float(g, wb[0], wb[1]);
        const double da = daz(a), db = daz(b);
        INFO("a " << hex32(B(a)) << " b " << hex32(B(b)));
        REQUIRE(hex32(B(pu_mul(a, b))) == hex32(B(finish(da * db))));
        REQUIRE(hex32(B(pu_add(a, b))) == hex32(B(finish(da + db))));
      }
}

TEST_CASE("fp32_to_fp16: agrees with a nearest-value oracle on random inputs", "[fp16][oracle]") {
  // Non-negative finite FP16 codes 0x0000..0x7BFF are increasing in value, so
  // the nearest code is found by binary search over their values (computed from
  // the IEEE definition); ties take the even code; from 65520 = (65504 + 2^16)/2
  // on, IEEE rounds to Inf.
  std::vector<double> val(0x7C00);
  for (unsigned h = 0; h < 0x7C00; ++h) {
    const unsigned e = h >> 10, m = h & 1023u;
    val[h] = e ? std::ldexp(1024.0 + m, static_cast<int>(e) - 25) : std::ldexp(static_cast<double>(m), -24);
  }
  SrRng g(5);
  for (int k = 0; k < 200000; ++k) {
    const float x = random_float(g, k % 3 == 0 ? 0 : 90, k % 3 == 2 ? 160 : 145);
    const double a = std::fabs(static_cast<double>(x));
    unsigned expect;
    if (a >= 65520.0) {
      expect = 0x7C00;
    } else {
      const auto it = std::lower_bound(val.begin(), val.end(), a);
      unsigned hi = static_cast<unsigned>(it - val.begin());
      if (hi == val.size()) hi = 0x7BFF;
      const unsigned lo = hi ? hi - 1 : 0;
      const double dl = a - val[lo], dh = val[hi] - a;
      expect = dl < dh ? lo : dh < dl ? hi : ((lo & 1u) ? hi : lo);
      if (val[hi] == a) expect = hi;
    }
    expect |= (B(x) >> 16) & 0x8000u;
    INFO("input " << hex32(B(x)));
    REQUIRE(fp32_to_fp16(x) == expect);
  }
}
