#include "golden_cim/accuracy.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "golden/synth.h"
#include "golden_cim/softmax.h"

namespace pimlab::golden_cim {

ExpAccuracy exp_accuracy(ExpVariant v, double eps) {
  ExpAccuracy a;
  a.mant_rel_min = 1e9;
  a.mant_rel_max = -1e9;
  a.out_bound_slack = 1e300;
  std::uint32_t prev = 0;
  for (std::int32_t code = kMinDeltaCode; code <= 0; ++code) {
    const double delta = std::ldexp(static_cast<double>(code), -10);
    const double ref = std::exp(delta);
    const ExpFields f = exp_fields(code, v);
    const double rel = std::ldexp(static_cast<double>(f.m), -24 - f.q) / ref - 1.0;
    a.mant_rel_min = std::min(a.mant_rel_min, rel);
    a.mant_rel_max = std::max(a.mant_rel_max, rel);
    const std::uint32_t e = lut_exp(code, v);
    const double ref24 = std::ldexp(ref, 24);
    a.out_bound_slack = std::min(a.out_bound_slack, ref24 * eps + 0.5 - std::fabs(static_cast<double>(e) - ref24));
    if (e < prev) a.monotone = false;
    prev = e;
  }
  return a;
}

SoftmaxAccuracy softmax_accuracy(ExpVariant v, int n, double sigma, int rows, std::uint64_t seed) {
  SoftmaxAccuracy a;
  for (int row = 0; row < rows; ++row) {
    auto g = pimlab::golden::SynthRng::stream(seed, static_cast<std::uint64_t>(row));
    std::vector<std::int64_t> x(static_cast<std::size_t>(n));
    for (auto& c : x) c = std::llround(std::ldexp(sigma * g.normal(), 10));
    const SoftmaxRow r = softmax_codes(x, {}, v, 1);
    const std::int64_t mx = *std::max_element(x.begin(), x.end());
    std::vector<double> p(static_cast<std::size_t>(n));
    double z = 0;
    for (int i = 0; i < n; ++i) z += (p[i] = std::exp(std::ldexp(static_cast<double>(x[i] - mx), -10)));
    for (int i = 0; i < n; ++i) {
      p[i] /= z;
      const double p16 = std::ldexp(static_cast<double>(r.p16[i]), -16);
      a.p16_max_abs = std::max(a.p16_max_abs, std::fabs(p16 - p[i]));
      if (p[i] >= 0.01) a.p16_max_rel = std::max(a.p16_max_rel, std::fabs(p16 / p[i] - 1.0));
      a.u8_max_abs = std::max(a.u8_max_abs, std::fabs(r.u8[i] / 255.0 - p[i]));
    }
  }
  return a;
}

}  // namespace pimlab::golden_cim
