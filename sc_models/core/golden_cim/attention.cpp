#include "golden_cim/attention.h"

#include <stdexcept>
#include <string>

#include "golden_cim/mvm.h"

namespace pimlab::golden_cim {

namespace {
std::vector<std::int8_t> project(const AttentionSliceInput& in, const std::vector<std::int8_t>& W, const Requant& rq) {
  std::vector<std::int8_t> out(static_cast<std::size_t>(in.L) * in.d_head);
  for (int t = 0; t < in.L; ++t) {
    std::vector<int> x(in.X.begin() + static_cast<std::ptrdiff_t>(t) * in.d_model,
                       in.X.begin() + static_cast<std::ptrdiff_t>(t + 1) * in.d_model);
    const auto y = mvm_bitserial(x, W, in.d_model, in.d_head, InputKind::Int8, in.adc_bits);
    for (int j = 0; j < in.d_head; ++j) out[static_cast<std::size_t>(t) * in.d_head + j] = requant_int8(y[j], rq);
  }
  return out;
}
}  // namespace

AttentionSliceOutput attention_slice(const AttentionSliceInput& in) {
  if (in.L < 1 || in.d_model < 1 || in.d_head < 1) throw std::invalid_argument("attention slice needs L, d_model, d_head >= 1");
  const std::size_t w = static_cast<std::size_t>(in.d_model) * in.d_head;
  if (in.X.size() != static_cast<std::size_t>(in.L) * in.d_model || in.Wq.size() != w || in.Wk.size() != w || in.Wv.size() != w)
    throw std::invalid_argument("attention slice: X must be L x d_model and W_Q, W_K, W_V d_model x d_head");
  AttentionSliceOutput o;
  o.Q = project(in, in.Wq, in.rq_q);
  o.K = project(in, in.Wk, in.rq_k);
  o.V = project(in, in.Wv, in.rq_v);
  const int L = in.L, dh = in.d_head;
  // K^T as weights: rows = head features, columns = tokens.
  std::vector<std::int8_t> Kt(static_cast<std::size_t>(dh) * L);
  for (int t = 0; t < L; ++t)
    for (int f = 0; f < dh; ++f) Kt[static_cast<std::size_t>(f) * L + t] = o.K[static_cast<std::size_t>(t) * dh + f];
  o.S.resize(static_cast<std::size_t>(L) * L);
  o.P.resize(static_cast<std::size_t>(L) * L);
  o.O32.resize(static_cast<std::size_t>(L) * dh);
  o.O.resize(static_cast<std::size_t>(L) * dh);
  for (int i = 0; i < L; ++i) {
    std::vector<int> q(o.Q.begin() + static_cast<std::ptrdiff_t>(i) * dh, o.Q.begin() + static_cast<std::ptrdiff_t>(i + 1) * dh);
    const auto s = mvm_bitserial(q, Kt, dh, L, InputKind::Int8, in.adc_bits);
    std::vector<std::uint8_t> mask;
    if (in.causal) {
      mask.assign(static_cast<std::size_t>(L), 0);
      for (int t = i + 1; t < L; ++t) mask[t] = 1;
    }
    const SoftmaxRow row = softmax_scores(s, in.rq_score, mask, in.variant, 1);
    std::vector<int> p(static_cast<std::size_t>(L));
    for (int t = 0; t < L; ++t) {
      o.S[static_cast<std::size_t>(i) * L + t] = s[t];
      o.P[static_cast<std::size_t>(i) * L + t] = row.u8[t];
      p[t] = row.u8[t];
    }
    const auto y = mvm_bitserial(p, o.V, L, dh, InputKind::Uint8, in.adc_bits);
    for (int f = 0; f < dh; ++f) {
      o.O32[static_cast<std::size_t>(i) * dh + f] = y[f];
      o.O[static_cast<std::size_t>(i) * dh + f] = requant_int8(y[f], in.rq_out);
    }
  }
  return o;
}

}  // namespace pimlab::golden_cim
