#include "golden/attacc.h"

#include <cmath>
#include <stdexcept>

#include "golden/attention.h"
#include "numerics/fp.h"

namespace pimlab::golden {

AttaccAttention attacc_attention(AttaccLevel level, int D, int L, const std::vector<std::uint16_t>& K,
                                 const std::vector<std::uint16_t>& V, const std::vector<std::uint16_t>& q) {
  if (D < 1 || L < 1) throw std::invalid_argument("attacc golden: d_head and len must be >= 1");
  const std::size_t n = static_cast<std::size_t>(D) * static_cast<std::size_t>(L);
  if (K.size() != n || V.size() != n || q.size() != static_cast<std::size_t>(D))
    throw std::invalid_argument("attacc golden: K, V need len x d_head values and q d_head");
  using numerics::fp16_to_fp32;
  using numerics::fp32_to_fp16;
  AttaccAttention r;
  r.scores.resize(static_cast<std::size_t>(L));
  r.probs.resize(static_cast<std::size_t>(L));
  const bool bank = level == AttaccLevel::Bank, buffer = level == AttaccLevel::Buffer;
  const int nsrc = buffer ? 32 : 4;
  const int atoms = bank ? (D + 63) / 64 : (D + 15) / 16;  // per key (bank: per quarter)
  const int keys_per_lane = buffer ? (L + 1) / 2 : (L + 15) / 16;
  // Source bank of MAC atom x (the placement's address mapping).
  auto src = [&](long x) -> int {
    return buffer ? static_cast<int>((x % 8) * 4 + (x / 8) % 4) : static_cast<int>((x / 32) % 4);
  };
  auto pairwise = [](float* v, int n) {
    for (; n > 1; n /= 2)
      for (int i = 0; i < n / 2; ++i) v[i] = v[2 * i] + v[2 * i + 1];
    return v[0];
  };
  for (int t = 0; t < L; ++t) {
    float acc[32] = {};
    const int n = buffer ? t / 2 : t / 16;
    for (int b = 0; b < (bank ? 4 : 1); ++b)
      for (int k = 0; k < atoms; ++k) {
        std::uint16_t x[16] = {}, y[16] = {};
        for (int i = 0; i < 16; ++i) {
          const int d = (b * atoms + k) * 16 + i;
          if (d >= D) continue;
          x[i] = K[static_cast<std::size_t>(t) * static_cast<std::size_t>(D) + static_cast<std::size_t>(d)];
          y[i] = q[static_cast<std::size_t>(d)];
        }
        float& a = acc[bank ? b : src(k + static_cast<long>(n) * atoms)];
        a = a + numerics::fp16_tree16(x, y);
      }
    r.scores[static_cast<std::size_t>(t)] = fp32_to_fp16(pairwise(acc, nsrc));
  }
  const float scale = 1.0f / std::sqrt(static_cast<float>(D));
  std::vector<float> s(static_cast<std::size_t>(L)), p(static_cast<std::size_t>(L));
  for (int t = 0; t < L; ++t) s[static_cast<std::size_t>(t)] = fp16_to_fp32(r.scores[static_cast<std::size_t>(t)]) * scale;
  host_softmax(s.data(), p.data(), static_cast<std::size_t>(L));
  for (int t = 0; t < L; ++t) r.probs[static_cast<std::size_t>(t)] = fp32_to_fp16(p[static_cast<std::size_t>(t)]);
  const int lanes = buffer ? 2 : 16;
  const int srcs = bank ? 1 : nsrc;
  // acc[lane][source][d]
  std::vector<float> acc(static_cast<std::size_t>(lanes * srcs) * static_cast<std::size_t>(D), 0.0f);
  for (int t = 0; t < L; ++t) {
    const int lane = t % lanes, k = t / lanes;
    const float pt = fp16_to_fp32(r.probs[static_cast<std::size_t>(t)]);
    for (int d = 0; d < D; ++d) {
      const int j = bank ? 0 : src(k + static_cast<long>(d / 16) * keys_per_lane);
      float& a = acc[(static_cast<std::size_t>(lane * srcs + j)) * static_cast<std::size_t>(D) + static_cast<std::size_t>(d)];
      a = a + fp16_to_fp32(V[static_cast<std::size_t>(t) * static_cast<std::size_t>(D) + static_cast<std::size_t>(d)]) * pt;
    }
  }
  auto lane_value = [&](int lane, int d) {
    float v[32];
    for (int j = 0; j < srcs; ++j) v[j] = acc[static_cast<std::size_t>(lane * srcs + j) * static_cast<std::size_t>(D) + static_cast<std::size_t>(d)];
    return pairwise(v, srcs);
  };
  r.out.assign(static_cast<std::size_t>(D), 0.0f);
  const int groups = buffer ? 2 : 4;
  for (int g = 0; g < groups; ++g)
    for (int d = 0; d < D; ++d) {
      const float v = buffer ? lane_value(g, d)
                             : (lane_value(4 * g, d) + lane_value(4 * g + 1, d)) + (lane_value(4 * g + 2, d) + lane_value(4 * g + 3, d));
      r.out[static_cast<std::size_t>(d)] = r.out[static_cast<std::size_t>(d)] + fp16_to_fp32(fp32_to_fp16(v));
    }
  return r;
}

}  // namespace pimlab::golden
