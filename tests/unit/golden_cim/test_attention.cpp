// Golden INT8 attention slice (reference uclm.md §5.4) against a direct
// composition of the exact products, the requantisation and the softmax.
#include <catch2/catch.hpp>

#include <vector>

#include "golden/synth.h"
#include "golden_cim/attention.h"
#include "golden_cim/mvm.h"

using namespace pimlab::golden_cim;
using pimlab::golden::SynthRng;

namespace {
AttentionSliceInput make_input(std::uint64_t seed, int L, int dm, int dh) {
  SynthRng g(seed);
  auto r8 = [&](std::size_t n) {
    std::vector<std::int8_t> v(n);
    for (auto& x : v) x = static_cast<std::int8_t>(static_cast<int>(g.next() % 61) - 30);
    return v;
  };
  AttentionSliceInput in;
  in.L = L;
  in.d_model = dm;
  in.d_head = dh;
  in.X = r8(static_cast<std::size_t>(L) * dm);
  in.Wq = r8(static_cast<std::size_t>(dm) * dh);
  in.Wk = r8(static_cast<std::size_t>(dm) * dh);
  in.Wv = r8(static_cast<std::size_t>(dm) * dh);
  in.rq_q = in.rq_k = in.rq_v = requant_for(1.0 / 256);
  in.rq_score = requant_for(1024.0 / 8.0 / 64.0);
  in.rq_out = requant_for(1.0 / 255);
  return in;
}
}  // namespace

TEST_CASE("attention slice equals the direct composition with exact products") {
  for (bool causal : {false, true}) {
    AttentionSliceInput in = make_input(5, 70, 96, 64);
    in.causal = causal;
    in.adc_bits = 0;
    const AttentionSliceOutput o = attention_slice(in);
    in.adc_bits = 6;
    const AttentionSliceOutput o6 = attention_slice(in);
    CHECK(o6.O == o.O);  // random data: no column count reaches 64
    const int L = in.L, dm = in.d_model, dh = in.d_head;
    std::vector<std::int8_t> Q(static_cast<std::size_t>(L) * dh), K(Q.size()), V(Q.size());
    for (int t = 0; t < L; ++t) {
      std::vector<int> x(in.X.begin() + t * dm, in.X.begin() + (t + 1) * dm);
      const auto q = mvm_exact(x, in.Wq, dm, dh), k = mvm_exact(x, in.Wk, dm, dh), v = mvm_exact(x, in.Wv, dm, dh);
      for (int f = 0; f < dh; ++f) {
        Q[t * dh + f] = requant_int8(q[f], in.rq_q);
        K[t * dh + f] = requant_int8(k[f], in.rq_k);
        V[t * dh + f] = requant_int8(v[f], in.rq_v);
      }
    }
    CHECK(o.Q == Q);
    CHECK(o.K == K);
    CHECK(o.V == V);
    for (int i = 0; i < L; ++i) {
      std::vector<std::int32_t> s(static_cast<std::size_t>(L));
      std::vector<std::uint8_t> mask(static_cast<std::size_t>(L), 0);
      for (int t = 0; t < L; ++t) {
        std::int32_t acc = 0;
        for (int f = 0; f < dh; ++f) acc += Q[i * dh + f] * K[t * dh + f];
        s[t] = acc;
        mask[t] = causal && t > i;
      }
      const SoftmaxRow row = softmax_scores(s, in.rq_score, mask, in.variant);
      for (int f = 0; f < dh; ++f) {
        std::int32_t acc = 0;
        for (int t = 0; t < L; ++t) acc += row.u8[t] * V[t * dh + f];
        INFO("row " << i << " feature " << f);
        REQUIRE(o.O32[i * dh + f] == acc);
        REQUIRE(o.O[i * dh + f] == requant_int8(acc, in.rq_out));
      }
      if (causal && i + 1 < L) CHECK(o.P[i * L + L - 1] == 0);
    }
  }
}

TEST_CASE("attention slice rejects inconsistent sizes") {
  AttentionSliceInput in = make_input(1, 4, 8, 8);
  in.Wk.pop_back();
  CHECK_THROWS_AS(attention_slice(in), std::invalid_argument);
}
