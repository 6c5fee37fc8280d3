// Golden integer softmax (reference uclm.md §5.3).
#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "golden/synth.h"
#include "golden_cim/accuracy.h"
#include "golden_cim/softmax.h"

using namespace pimlab::golden_cim;
using pimlab::golden::SynthRng;

namespace {
std::vector<std::int64_t> gauss_codes(std::uint64_t seed, int n, double sigma) {
  SynthRng g(seed);
  std::vector<std::int64_t> x(static_cast<std::size_t>(n));
  for (auto& c : x) c = std::llround(std::ldexp(sigma * g.normal(), 10));
  return x;
}
}  // namespace

TEST_CASE("all-equal rows give p16 = round-half-up(2^16 / n)") {
  // Derivation: every e = E, sum = n E, p16 = floor((E 2^16 + floor(n E / 2)) / (n E)).
  struct Row { int n; std::uint32_t p16; std::uint8_t u8; };
  for (const Row r : {Row{1, 65536, 255}, Row{3, 21845, 85}, Row{64, 1024, 4}, Row{65, 1008, 4}}) {
    const SoftmaxRow s = softmax_codes(std::vector<std::int64_t>(static_cast<std::size_t>(r.n), 777), {}, ExpVariant::B);
    INFO("n " << r.n);
    for (int i = 0; i < r.n; ++i) {
      CHECK(s.p16[i] == r.p16);
      CHECK(s.u8[i] == r.u8);
    }
  }
  // n >= 511: p16 <= 128, u8 = (128 255 + 2^15) >> 16 = 0.
  for (int n : {511, 512, 8192}) {
    const SoftmaxRow s = softmax_codes(std::vector<std::int64_t>(static_cast<std::size_t>(n), -5), {}, ExpVariant::B);
    CHECK(s.u8[0] == 0);
    CHECK(s.u8[n - 1] == 0);
  }
  const SoftmaxRow s510 = softmax_codes(std::vector<std::int64_t>(510, 0), {}, ExpVariant::B);
  CHECK(s510.u8[0] == 1);  // p16 = 129 (65536/510 = 128.5 rounds up): 129 * 255 + 32768 >= 65536
}

TEST_CASE("lengths, ties, shift invariance and core-partition invariance") {
  for (int n : {1, 2, 63, 64, 65, 128, 512, 1024, 8192}) {
    auto x = gauss_codes(100 + n, n, 3.0);
    if (n >= 4) x[1] = x[2] = x[3];  // ties
    const SoftmaxRow ref = softmax_codes(x, {}, ExpVariant::B, 1);
    INFO("n " << n);
    CHECK(ref.sum > 0);
    if (n >= 4) {
      CHECK(ref.p16[1] == ref.p16[2]);
      CHECK(ref.p16[2] == ref.p16[3]);
    }
    // The max code gives e = exp(0).
    std::int64_t mx = x[0];
    for (auto c : x) mx = c > mx ? c : mx;
    CHECK(ref.max == mx);
    auto shifted = x;
    for (auto& c : shifted) c += 123457;
    const SoftmaxRow sh = softmax_codes(shifted, {}, ExpVariant::B, 1);
    CHECK(sh.p16 == ref.p16);
    CHECK(sh.u8 == ref.u8);
    for (int cores : {2, 4, 16}) {
      if (cores > n) continue;
      const SoftmaxRow c = softmax_codes(x, {}, ExpVariant::B, cores);
      CHECK(c.sum == ref.sum);
      CHECK(c.max == ref.max);
      CHECK(c.p16 == ref.p16);
      CHECK(c.u8 == ref.u8);
    }
  }
}

TEST_CASE("masked entries give exactly 0, a fully masked row gives zeros") {
  std::vector<std::int64_t> x = {100, 5000, -300, 2000};
  std::vector<std::uint8_t> mask = {0, 1, 0, 1};
  const SoftmaxRow s = softmax_codes(x, mask, ExpVariant::B);
  CHECK(s.p16[1] == 0);
  CHECK(s.p16[3] == 0);
  CHECK(s.u8[1] == 0);
  const SoftmaxRow two = softmax_codes({100, -300}, {}, ExpVariant::B);
  CHECK(s.p16[0] == two.p16[0]);
  CHECK(s.p16[2] == two.p16[1]);
  const SoftmaxRow all = softmax_codes(x, {1, 1, 1, 1}, ExpVariant::B, 2);
  CHECK(all.sum == 0);
  CHECK(all.p16 == std::vector<std::uint32_t>(4, 0));
}

TEST_CASE("very wide score ranges: far terms get e = 0 and p = 0") {
  const SoftmaxRow s = softmax_codes({0, -20 * 1024, -40 * 1024}, {}, ExpVariant::B);
  CHECK(s.e[1] == 0u);
  CHECK(s.e[2] == 0u);
  CHECK(s.p16[0] == 65536u);
  CHECK(s.p16[1] == 0u);
}

TEST_CASE("softmax accuracy against float64 within the stated thresholds") {
  // Thresholds of reference uclm.md §5.3 (Gaussian scores, sigma 1, 3, 6;
  // n = 128, 512, 1024 with 20 rows, n = 8192 with 3 rows). Basis: a one-sided
  // exp error of width eps gives |dp| <= eps / 4, plus half an output step.
  struct Th { double p16_abs, p16_rel, u8_abs; };
  const Th thA{1.4e-3, 0.0062, 3.4e-3}, thB{2.5e-5, 0.001, 2.0e-3};
  for (ExpVariant v : {ExpVariant::A, ExpVariant::B}) {
    const Th& th = v == ExpVariant::A ? thA : thB;
    for (double sigma : {1.0, 3.0, 6.0})
      for (int n : {128, 512, 1024, 8192}) {
        const SoftmaxAccuracy a = softmax_accuracy(v, n, sigma, n == 8192 ? 3 : 20, 42);
        INFO("variant " << variant_name(v) << " sigma " << sigma << " n " << n);
        CHECK(a.p16_max_abs <= th.p16_abs);
        CHECK(a.p16_max_rel <= th.p16_rel);
        CHECK(a.u8_max_abs <= th.u8_abs);
      }
  }
}

TEST_CASE("score scaling and requantisation: multiplier-shift with round-half-up") {
  Requant rq{3, 2};  // x 3/4
  CHECK(scale_round(10, rq) == 8);   // 30/4 = 7.5 -> 8
  CHECK(scale_round(-10, rq) == -7); // -7.5 -> -7 (arithmetic shift of -30 + 2)
  CHECK(requant_int8(1000, rq) == 127);
  CHECK(requant_int8(-1000, rq) == -128);
  const Requant r = requant_for(0.125 * 1024 / 8.0);
  CHECK(std::ldexp(static_cast<double>(r.M), -r.sh) == Approx(16.0).epsilon(1e-9));
}
