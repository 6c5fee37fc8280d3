#include "golden_cim/softmax.h"

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace pimlab::golden_cim {

std::int64_t scale_round(std::int64_t v, const Requant& rq) {
  if (rq.sh < 0 || rq.sh > 62) throw std::invalid_argument("requantisation shift " + std::to_string(rq.sh) + " is outside [0, 62]");
  const std::int64_t p = v * rq.M;
  if (rq.sh == 0) return p;
  return (p + (std::int64_t{1} << (rq.sh - 1))) >> rq.sh;
}

std::int8_t requant_int8(std::int32_t y, const Requant& rq) {
  const std::int64_t v = scale_round(y, rq);
  return static_cast<std::int8_t>(v < -128 ? -128 : v > 127 ? 127 : v);
}

Requant requant_for(double factor) {
  if (!(factor > 0) || factor >= 1048576.0) throw std::invalid_argument("requantisation factor must be in (0, 2^20)");
  // Largest sh (<= 62) with round(factor 2^sh) < 2^31.
  int sh = 0;
  while (sh < 62 && std::ldexp(factor, sh + 1) < 2147483647.0) ++sh;
  Requant rq;
  rq.sh = sh;
  rq.M = static_cast<std::int32_t>(std::llround(std::ldexp(factor, sh)));
  return rq;
}

std::int64_t tree_max(std::vector<std::int64_t> v) {
  if (v.empty()) return std::numeric_limits<std::int64_t>::min();
  while (v.size() > 1) {
    std::vector<std::int64_t> next;
    for (std::size_t i = 0; i < v.size(); i += 2) next.push_back(i + 1 < v.size() ? (v[i] > v[i + 1] ? v[i] : v[i + 1]) : v[i]);
    v.swap(next);
  }
  return v[0];
}

std::uint64_t tree_sum(std::vector<std::uint64_t> v) {
  if (v.empty()) return 0;
  while (v.size() > 1) {
    std::vector<std::uint64_t> next;
    for (std::size_t i = 0; i < v.size(); i += 2) next.push_back(i + 1 < v.size() ? v[i] + v[i + 1] : v[i]);
    v.swap(next);
  }
  return v[0];
}

SoftmaxRow softmax_codes(const std::vector<std::int64_t>& x_code, const std::vector<std::uint8_t>& mask, ExpVariant v,
                         int cores) {
  const std::size_t L = x_code.size();
  if (!mask.empty() && mask.size() != L)
    throw std::invalid_argument("softmax mask has " + std::to_string(mask.size()) + " entries, expected " + std::to_string(L));
  if (cores < 1 || (L > 0 && static_cast<std::size_t>(cores) > L))
    throw std::invalid_argument("softmax cores " + std::to_string(cores) + " is outside [1, " + std::to_string(L) + "]");
  auto masked = [&](std::size_t i) { return !mask.empty() && mask[i] != 0; };
  // Core k holds [begin(k), begin(k+1)).
  auto begin = [&](std::size_t k) {
    const std::size_t base = L / cores, extra = L % cores;
    return k * base + (k < extra ? k : extra);
  };
  SoftmaxRow r;
  r.x = x_code;
  std::vector<std::int64_t> local_max(static_cast<std::size_t>(cores), std::numeric_limits<std::int64_t>::min());
  bool any = false;
  for (std::size_t k = 0; k < static_cast<std::size_t>(cores); ++k)
    for (std::size_t i = begin(k); i < begin(k + 1); ++i)
      if (!masked(i)) {
        any = true;
        if (x_code[i] > local_max[k]) local_max[k] = x_code[i];
      }
  r.e.assign(L, 0);
  r.p16.assign(L, 0);
  r.u8.assign(L, 0);
  if (!any) return r;  // fully masked row: zeros
  r.max = tree_max(local_max);
  std::vector<std::uint64_t> local_sum(static_cast<std::size_t>(cores), 0);
  for (std::size_t k = 0; k < static_cast<std::size_t>(cores); ++k)
    for (std::size_t i = begin(k); i < begin(k + 1); ++i)
      if (!masked(i)) {
        r.e[i] = lut_exp(x_code[i] - r.max, v);
        local_sum[k] += r.e[i];
      }
  r.sum = tree_sum(local_sum);
  for (std::size_t i = 0; i < L; ++i) {
    if (masked(i)) continue;
    r.p16[i] = static_cast<std::uint32_t>(((static_cast<std::uint64_t>(r.e[i]) << 16) + r.sum / 2) / r.sum);
    r.u8[i] = static_cast<std::uint8_t>((static_cast<std::uint64_t>(r.p16[i]) * 255 + (1u << 15)) >> 16);
  }
  return r;
}

SoftmaxRow softmax_scores(const std::vector<std::int32_t>& S, const Requant& scale, const std::vector<std::uint8_t>& mask,
                          ExpVariant v, int cores) {
  std::vector<std::int64_t> x(S.size(), 0);
  for (std::size_t i = 0; i < S.size(); ++i)
    if (mask.empty() || !mask[i]) x[i] = scale_round(S[i], scale);
  return softmax_codes(x, mask, v, cores);
}

}  // namespace pimlab::golden_cim
