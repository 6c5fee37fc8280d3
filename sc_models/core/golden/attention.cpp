#include "golden/attention.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "golden/pu_ops.h"
#include "numerics/fp.h"

namespace pimlab::golden {

namespace {
[[noreturn]] void bad(const std::string& what) { throw std::invalid_argument("decode attention: " + what); }
}  // namespace

KvCache::KvCache(numerics::Format format, int d_head) : m_format(format), m_d(d_head) {
  if (d_head < kAtom || d_head % kAtom != 0)
    bad("d_head = " + std::to_string(d_head) + " is not a positive multiple of 32 (one 32-element atom)");
}

void KvCache::append(const float* k, const float* v) {
  const std::size_t d = static_cast<std::size_t>(m_d), base = m_k.size();
  m_k.resize(base + d);
  m_v.resize(base + d);
  if (m_format == numerics::Format::mx8) {
    const std::size_t nb = d / numerics::kMx8Block, bbase = m_kb.size();
    m_kb.resize(bbase + nb);
    m_vb.resize(bbase + nb);
    for (std::size_t b = 0; b < nb; ++b) {
      m_kb[bbase + b] = numerics::mx8_encode(k + b * numerics::kMx8Block, numerics::Rounding::nearest);
      m_vb[bbase + b] = numerics::mx8_encode(v + b * numerics::kMx8Block, numerics::Rounding::nearest);
      numerics::mx8_decode(m_kb[bbase + b], m_k.data() + base + b * numerics::kMx8Block);
      numerics::mx8_decode(m_vb[bbase + b], m_v.data() + base + b * numerics::kMx8Block);
    }
  } else {
    numerics::quantize(m_format, k, m_k.data() + base, d);
    numerics::quantize(m_format, v, m_v.data() + base, d);
  }
  ++m_tokens;
}

void KvCache::append(const std::vector<float>& k, const std::vector<float>& v) {
  if (static_cast<int>(k.size()) != m_d || static_cast<int>(v.size()) != m_d)
    bad("appended k/v have " + std::to_string(k.size()) + "/" + std::to_string(v.size()) +
        " elements, expected d_head = " + std::to_string(m_d));
  append(k.data(), v.data());
}

void host_softmax(const float* s, float* p, std::size_t L) {
  const float m = *std::max_element(s, s + L);
  float Z = 0.0f;
  for (std::size_t t = 0; t < L; ++t) {
    p[t] = std::exp(s[t] - m);  // std::exp(float) is the C library's expf
    Z = Z + p[t];
  }
  for (std::size_t t = 0; t < L; ++t) p[t] = p[t] / Z;
}

std::vector<float> attention_decode(const KvCache& kv, const std::vector<float>& q, int heads,
                                    std::vector<AttentionTrace>* trace) {
  const int d = kv.d_head(), L = kv.tokens();
  if (L < 1) bad("the KV cache is empty (no tokens)");
  if (heads < 1) bad("heads = " + std::to_string(heads) + " (must be >= 1)");
  if (static_cast<long long>(q.size()) != static_cast<long long>(heads) * d)
    bad("q has " + std::to_string(q.size()) + " elements, expected heads x d_head = " +
        std::to_string(static_cast<long long>(heads) * d));
  const numerics::Format f = kv.format();
  const bool mx8 = f == numerics::Format::mx8;
  const int dim_blocks = d / kAtom;           // i: 32 dimensions per chunk
  const int blocks_per_token = d / numerics::kMx8Block;
  // The scale is rounded to FP32 first, then applied with pu_mul.
  const float scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(d)));
  std::vector<float> out(static_cast<std::size_t>(heads) * d);
  std::vector<float> qq(d), s(L), p(L), pq(L);
  if (trace) trace->assign(static_cast<std::size_t>(heads), {});
  for (int h = 0; h < heads; ++h) {
    numerics::quantize(f, q.data() + static_cast<std::size_t>(h) * d, qq.data(), d);
    // SCORE: per token, chunk partials over i in increasing order.
    for (int t = 0; t < L; ++t) {
      float acc = 0.0f;
      for (int i = 0; i < dim_blocks; ++i) {
        float part;
        if (mx8)
          part = score_atom(kv.k_blocks().data() + static_cast<std::size_t>(t) * blocks_per_token + 2 * i,
                            qq.data() + i * kAtom, 0.0f);
        else
          part = numerics::pu_add(0.0f, score_tree(kv.k_values().data() + static_cast<std::size_t>(t) * d + i * kAtom,
                                              qq.data() + i * kAtom));
        acc = numerics::pu_add(acc, part);
      }
      s[t] = numerics::pu_mul(acc, scale);
    }
    host_softmax(s.data(), p.data(), static_cast<std::size_t>(L));
    numerics::quantize(f, p.data(), pq.data(), static_cast<std::size_t>(L));
    // ATTEND: per dimension block i and token chunk j, then over j in order.
    float* o = out.data() + static_cast<std::size_t>(h) * d;
    float part[kAtom];
    for (int i = 0; i < dim_blocks; ++i) {
      float* oi = o + i * kAtom;
      for (int c = 0; c < kAtom; ++c) oi[c] = 0.0f;
      for (int t0 = 0; t0 < L; t0 += kAtom) {
        const int t1 = std::min(t0 + kAtom, L);
        for (float& a : part) a = 0.0f;
        for (int t = t0; t < t1; ++t) {
          if (mx8)
            attend_atom(kv.v_blocks().data() + static_cast<std::size_t>(t) * blocks_per_token + 2 * i, pq[t], part);
          else
            attend(kv.v_values().data() + static_cast<std::size_t>(t) * d + i * kAtom, pq[t], part);
        }
        for (int c = 0; c < kAtom; ++c) oi[c] = numerics::pu_add(oi[c], part[c]);
      }
    }
    if (trace) {
      (*trace)[h].scores = s;
      (*trace)[h].p = pq;
    }
  }
  return out;
}

std::vector<double> attention_decode_f64(int d_head, int tokens, const std::vector<double>& K,
                                         const std::vector<double>& V, const std::vector<double>& q, int heads) {
  if (d_head < 1 || tokens < 1 || heads < 1)
    bad("shape d_head = " + std::to_string(d_head) + ", tokens = " + std::to_string(tokens) +
        ", heads = " + std::to_string(heads) + " (each must be >= 1)");
  const std::size_t d = static_cast<std::size_t>(d_head), L = static_cast<std::size_t>(tokens);
  if (K.size() != L * d || V.size() != L * d)
    bad("K/V have " + std::to_string(K.size()) + "/" + std::to_string(V.size()) +
        " elements, expected tokens x d_head = " + std::to_string(L * d));
  if (q.size() != static_cast<std::size_t>(heads) * d)
    bad("q has " + std::to_string(q.size()) + " elements, expected heads x d_head = " +
        std::to_string(static_cast<std::size_t>(heads) * d));
  const double scale = 1.0 / std::sqrt(static_cast<double>(d_head));
  std::vector<double> out(static_cast<std::size_t>(heads) * d, 0.0), s(L);
  for (int h = 0; h < heads; ++h) {
    const double* qh = q.data() + h * d;
    double m = -HUGE_VAL;
    for (std::size_t t = 0; t < L; ++t) {
      double acc = 0.0;
      for (std::size_t k = 0; k < d; ++k) acc += qh[k] * K[t * d + k];
      s[t] = acc * scale;
      m = std::max(m, s[t]);
    }
    double Z = 0.0;
    for (std::size_t t = 0; t < L; ++t) {
      s[t] = std::exp(s[t] - m);
      Z += s[t];
    }
    double* o = out.data() + h * d;
    for (std::size_t t = 0; t < L; ++t) {
      const double p = s[t] / Z;
      for (std::size_t k = 0; k < d; ++k) o[k] += p * V[t * d + k];
    }
  }
  return out;
}

}  // namespace pimlab::golden
