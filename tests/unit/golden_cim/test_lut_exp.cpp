// Golden LUT exponential (reference uclm.md §5.2).
#include <catch2/catch.hpp>

#include <cmath>

#include "golden_cim/accuracy.h"
#include "golden_cim/lut_exp.h"

using namespace pimlab::golden_cim;

TEST_CASE("exp table: 128 entries round(2^(-d/128) 2^16), T[0] saturated") {
  const auto& T = exp_table();
  CHECK(T[0] == 65535);
  CHECK(T[127] == 32946);
  for (int d = 1; d < 128; ++d) {
    const double v = std::ldexp(std::exp2(-d / 128.0), 16);
    INFO("d " << d);
    CHECK(T[d] == static_cast<std::uint16_t>(std::floor(v + 0.5)));
    CHECK(std::fabs(v - std::floor(v) - 0.5) > 1e-3);  // far from a rounding tie
  }
}

TEST_CASE("exp constants and the decomposition of a few codes") {
  CHECK(kLog2e == std::llround(std::ldexp(std::log2(std::exp(1.0)), 30)));
  CHECK(kLog2e == 0x5C551D95);
  CHECK(kLn2 == std::llround(std::ldexp(std::log(2.0), 16)));
  CHECK(lut_exp(0, ExpVariant::A) == 16776960u);
  CHECK(lut_exp(0, ExpVariant::B) == 16776960u);
  // delta = -1: t = log2(e) = 1.4427, so q = 1 and d = floor(0.4427 128) = 56.
  const ExpFields f = exp_fields(-1024, ExpVariant::B);
  CHECK(f.t24 == ((1024LL * kLog2e + 32768) >> 16));
  CHECK(f.q == 1);
  CHECK(f.d == 56);
  CHECK(lut_exp(-32769, ExpVariant::B) == 0u);
  CHECK(lut_exp(-32768, ExpVariant::B) == 0u);  // q >= 25
  CHECK_THROWS_AS(lut_exp(1, ExpVariant::B), std::invalid_argument);
}

TEST_CASE("exp against float64 over every code: variant A within the stated bounds") {
  // Bounds: mantissa relative error in [-0.0016 %, +0.5443 %]; output within
  // 2^24 e^d 0.005443 + 0.5 for every code; non-decreasing in delta.
  const ExpAccuracy a = exp_accuracy(ExpVariant::A, 0.005443);
  CHECK(a.mant_rel_min >= -0.000016);
  CHECK(a.mant_rel_max <= 0.005443);
  CHECK(a.mant_rel_max > 0.0054);  // the one-sided error reaches the table step
  CHECK(a.out_bound_slack >= 0);
  CHECK(a.monotone);
}

TEST_CASE("exp against float64 over every code: variant B within the stated bounds") {
  // Bounds: |mantissa relative error| <= 0.0030 %; output within
  // 2^24 e^d 0.000030 + 0.5; non-decreasing.
  const ExpAccuracy b = exp_accuracy(ExpVariant::B, 0.000030);
  CHECK(b.mant_rel_min >= -0.000030);
  CHECK(b.mant_rel_max <= 0.000030);
  CHECK(b.out_bound_slack >= 0);
  CHECK(b.monotone);
}

TEST_CASE("exp outputs round to zero from about delta = -17.3") {
  // 2^24 e^d < 0.5 for d < ln(2^-25) = -17.33.
  CHECK(lut_exp(-17 * 1024, ExpVariant::B) > 0u);
  CHECK(lut_exp(-18 * 1024, ExpVariant::B) == 0u);
}
