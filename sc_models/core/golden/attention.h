// Golden decode attention for the query heads of one KV group (MHA: one head;
// GQA: several query heads sharing K and V): s = q K^T / sqrt(d_head), stable
// softmax, o = p V. FP64 reference and a format version that follows
// docs/numerics.md ("Kernel-level layout and order", decode attention) step by
// step; with MX8 it is composed of golden::score_atom / attend_atom calls.
#pragma once

#include <vector>

#include "numerics/format.h"
#include "numerics/mx8.h"

namespace pimlab::golden {

// The K/V cache of one KV head as stored: token-major, each token's d_head
// values contiguous, quantized token by token when appended (blocks run along
// the token's vector, so appending equals quantizing the whole cache).
class KvCache {
 public:
  // d_head: a positive multiple of 32 (one atom); throws std::invalid_argument.
  KvCache(numerics::Format format, int d_head);

  // Appends one token (d_head values each), rounded to nearest in the format.
  void append(const float* k, const float* v);
  void append(const std::vector<float>& k, const std::vector<float>& v);

  numerics::Format format() const { return m_format; }
  int d_head() const { return m_d; }
  int tokens() const { return m_tokens; }
  // Stored values dequantized to FP32, tokens x d_head.
  const std::vector<float>& k_values() const { return m_k; }
  const std::vector<float>& v_values() const { return m_v; }
  // MX8 only: packed blocks, token-major (d_head/16 per token).
  const std::vector<numerics::Mx8Block>& k_blocks() const { return m_kb; }
  const std::vector<numerics::Mx8Block>& v_blocks() const { return m_vb; }

 private:
  numerics::Format m_format;
  int m_d;
  int m_tokens = 0;
  std::vector<float> m_k, m_v;
  std::vector<numerics::Mx8Block> m_kb, m_vb;
};

// The intermediate values of one head, for inspection and tests.
struct AttentionTrace {
  std::vector<float> scores;  // s_t after the scale multiply
  std::vector<float> p;       // softmax weights as stored in the ATTEND register
};

// The host-side softmax of decode attention, in plain FP32 (docs/numerics.md):
// m = max s; e_t = expf(s_t - m); Z = sum of e_t in token order from +0;
// p_t = e_t / Z. The one implementation used by the golden kernel and by the
// co-simulation's host step. L >= 1.
void host_softmax(const float* s, float* p, std::size_t L);

// Format version. q: heads x d_head (the query heads sharing this cache);
// returns heads x d_head. For each head independently:
//  SCORE  q quantized in the format; per chunk (dims 32i.., tokens 32j..)
//         part[t] = pu_add(+0, tree(atom_t . q_i)); s_t = sum over i in
//         increasing order from +0 (pu_add), then pu_mul(s_t, fp32(1/sqrt(d))).
//  softmax on the host in FP32: m = max s; e_t = expf(s_t - m); Z = sum e_t in
//         token order from +0; p_t = e_t / Z; p quantized in the format in
//         blocks along the tokens.
//  ATTEND per chunk part[d] = sum over the chunk's tokens in order of
//         pu_mul(V[t][d], p_t) (pu_add from +0); o[d] = sum of the partials
//         over token chunks j in increasing order from +0.
// Throws std::invalid_argument for an empty cache, heads < 1 or a q of the
// wrong size. trace (optional) receives one entry per head.
std::vector<float> attention_decode(const KvCache& kv, const std::vector<float>& q, int heads,
                                    std::vector<AttentionTrace>* trace = nullptr);

// FP64 reference: K, V tokens x d_head, q heads x d_head (any d_head >= 1,
// tokens >= 1). s_t = (sum_d q_d K_td) / sqrt(d_head); p = exp(s - max s) / Z;
// o_d = sum_t p_t V_td.
std::vector<double> attention_decode_f64(int d_head, int tokens, const std::vector<double>& K,
                                         const std::vector<double>& V, const std::vector<double>& q, int heads);

}  // namespace pimlab::golden
