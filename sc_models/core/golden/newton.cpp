#include "golden/newton.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "golden/attention.h"
#include "numerics/fp.h"

namespace pimlab::golden {

namespace {

constexpr int kDHead = 128;
constexpr int kChunk = 512;  // tokens of one p.V partial (one global-buffer row)

float f(std::uint16_t h) { return numerics::fp16_to_fp32(h); }

// The unit's dot product of a[0..n) and b[0..n) (n padded to 16 with zeros),
// rounded to FP16.
std::uint16_t unit_dot(const float* a, const float* b, int n) {
  float acc = 0.0f;
  for (int k = 0; k < n; k += 16) {
    float lvl[16];
    for (int i = 0; i < 16; ++i) lvl[i] = k + i < n ? a[k + i] * b[k + i] : 0.0f;
    for (int w = 16; w > 1; w /= 2)
      for (int i = 0; i < w / 2; ++i) lvl[i] = lvl[2 * i] + lvl[2 * i + 1];
    acc = acc + lvl[0];
  }
  return numerics::fp32_to_fp16(acc);
}

}  // namespace

NewtonAttention newton_attention(int width, int len, const std::vector<std::uint16_t>& K,
                                 const std::vector<std::uint16_t>& V, const std::vector<std::uint16_t>& q) {
  if (width < kDHead || width % kDHead != 0)
    throw std::invalid_argument("newton attention: width " + std::to_string(width) + " (allowed: a positive multiple of 128)");
  if (len < 1) throw std::invalid_argument("newton attention: len " + std::to_string(len) + " (allowed: >= 1)");
  const std::size_t L = static_cast<std::size_t>(len), E = static_cast<std::size_t>(width);
  if (K.size() != L * E || V.size() != L * E || q.size() != E)
    throw std::invalid_argument("newton attention: K and V need len x width values, q width");
  const std::size_t h = E / kDHead;
  NewtonAttention r;
  r.logits.resize(h * L);
  r.probs.resize(h * L);
  r.out.assign(h * kDHead, 0.0f);
  std::vector<float> a(kChunk), b(kChunk), sc(L), p(L);
  const float scale = 1.0f / std::sqrt(static_cast<float>(kDHead));
  for (std::size_t hh = 0; hh < h; ++hh) {
    for (int x = 0; x < kDHead; ++x) b[static_cast<std::size_t>(x)] = f(q[hh * kDHead + static_cast<std::size_t>(x)]);
    for (std::size_t t = 0; t < L; ++t) {
      for (int x = 0; x < kDHead; ++x) a[static_cast<std::size_t>(x)] = f(K[t * E + hh * kDHead + static_cast<std::size_t>(x)]);
      r.logits[hh * L + t] = unit_dot(a.data(), b.data(), kDHead);
      sc[t] = f(r.logits[hh * L + t]) * scale;
    }
    host_softmax(sc.data(), p.data(), L);
    for (std::size_t t = 0; t < L; ++t) r.probs[hh * L + t] = numerics::fp32_to_fp16(p[t]);
    for (int x = 0; x < kDHead; ++x) {
      float o = 0.0f;
      for (std::size_t c0 = 0; c0 < L; c0 += kChunk) {
        const int n = static_cast<int>(std::min<std::size_t>(kChunk, L - c0));
        for (int i = 0; i < n; ++i) {
          a[static_cast<std::size_t>(i)] = f(V[(c0 + static_cast<std::size_t>(i)) * E + hh * kDHead + static_cast<std::size_t>(x)]);
          b[static_cast<std::size_t>(i)] = f(r.probs[hh * L + c0 + static_cast<std::size_t>(i)]);
        }
        o = o + f(unit_dot(a.data(), b.data(), n));
      }
      r.out[hh * kDHead + static_cast<std::size_t>(x)] = o;
    }
  }
  return r;
}

}  // namespace pimlab::golden
