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
  const bool bank = level == AttaccLevel::Bank;
  const int quarters = bank ? 4 : 1;
  const int atoms = bank ? (D + 63) / 64 : (D + 15) / 16;  // per quarter
  for (int t = 0; t < L; ++t) {
    float acc[4] = {0.0f, 0.0f, 0.0f, 0.0f};
    for (int b = 0; b < quarters; ++b)
      for (int k = 0; k < atoms; ++k) {
        std::uint16_t x[16] = {}, y[16] = {};
        for (int i = 0; i < 16; ++i) {
          const int d = (b * atoms + k) * 16 + i;
          if (d >= D) continue;
          x[i] = K[static_cast<std::size_t>(t) * static_cast<std::size_t>(D) + static_cast<std::size_t>(d)];
          y[i] = q[static_cast<std::size_t>(d)];
        }
        acc[b] = acc[b] + numerics::fp16_tree16(x, y);
      }
    const float s = bank ? (acc[0] + acc[1]) + (acc[2] + acc[3]) : acc[0];
    r.scores[static_cast<std::size_t>(t)] = fp32_to_fp16(s);
  }
  const float scale = 1.0f / std::sqrt(static_cast<float>(D));
  std::vector<float> s(static_cast<std::size_t>(L)), p(static_cast<std::size_t>(L));
  for (int t = 0; t < L; ++t) s[static_cast<std::size_t>(t)] = fp16_to_fp32(r.scores[static_cast<std::size_t>(t)]) * scale;
  host_softmax(s.data(), p.data(), static_cast<std::size_t>(L));
  for (int t = 0; t < L; ++t) r.probs[static_cast<std::size_t>(t)] = fp32_to_fp16(p[static_cast<std::size_t>(t)]);
  const int lanes = level == AttaccLevel::Buffer ? 2 : 16;
  std::vector<float> acc(static_cast<std::size_t>(lanes) * static_cast<std::size_t>(D), 0.0f);
  for (int t = 0; t < L; ++t) {
    const int lane = t % lanes;
    const float pt = fp16_to_fp32(r.probs[static_cast<std::size_t>(t)]);
    for (int d = 0; d < D; ++d) {
      float& a = acc[static_cast<std::size_t>(lane) * static_cast<std::size_t>(D) + static_cast<std::size_t>(d)];
      a = a + fp16_to_fp32(V[static_cast<std::size_t>(t) * static_cast<std::size_t>(D) + static_cast<std::size_t>(d)]) * pt;
    }
  }
  r.out.assign(static_cast<std::size_t>(D), 0.0f);
  const int groups = level == AttaccLevel::Buffer ? 2 : 4;
  for (int g = 0; g < groups; ++g)
    for (int d = 0; d < D; ++d) {
      auto A = [&](int lane) { return acc[static_cast<std::size_t>(lane) * static_cast<std::size_t>(D) + static_cast<std::size_t>(d)]; };
      const float v = level == AttaccLevel::Buffer ? A(g) : (A(4 * g) + A(4 * g + 1)) + (A(4 * g + 2) + A(4 * g + 3));
      r.out[static_cast<std::size_t>(d)] = r.out[static_cast<std::size_t>(d)] + fp16_to_fp32(fp32_to_fp16(v));
    }
  return r;
}

}  // namespace pimlab::golden
