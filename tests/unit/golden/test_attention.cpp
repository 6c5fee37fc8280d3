// Golden decode attention: format versions vs FP64 within the derived running
// bound, MX8 composed of score_atom / attend_atom, GQA = per-head MHA, expf
// pinned, bad shapes rejected.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "error_bound.h"
#include "golden/attention.h"
#include "golden/pu_ops.h"
#include "golden/synth.h"
#include "numerics/fp.h"

using namespace pimlab::golden;
namespace numerics = pimlab::numerics;
using golden_test::Bounded;

namespace {

struct Data {
  int d, L, heads;
  std::vector<float> K, V, q;
};

Data make_data(int d, int L, int heads, std::uint64_t seed, double q_scale) {
  SynthRng g(seed);
  Data x{d, L, heads, {}, {}, {}};
  x.K.resize(static_cast<std::size_t>(L) * d);
  x.V.resize(x.K.size());
  x.q.resize(static_cast<std::size_t>(heads) * d);
  for (auto& v : x.K) v = static_cast<float>(g.normal());
  for (auto& v : x.V) v = static_cast<float>(g.normal());
  for (auto& v : x.q) v = static_cast<float>(q_scale * g.normal());
  return x;
}

KvCache fill(numerics::Format f, const Data& x) {
  KvCache kv(f, x.d);
  for (int t = 0; t < x.L; ++t) kv.append(x.K.data() + t * x.d, x.V.data() + t * x.d);
  return kv;
}

std::vector<double> f64(const std::vector<float>& v) { return {v.begin(), v.end()}; }

// The running bound of one head, following the kernel's operations:
//  s_t  = scale * sum_d q^_d K^_td: 32-term trees (5 levels) + 1 add from +0 per
//         chunk + one host add per dimension block, then one pu_mul by the
//         FP32-rounded scale (|scale32 - scale| <= u scale);
//  e_t  = expf(s_t - m): |exp(x + dx) - exp(x)| <= exp(x)(exp(|dx|) - 1), plus
//         expf's own error below 1 ulp <= 2u relative; the max m is off by at
//         most max_t err(s_t);
//  Z    = sum of L terms in token order (L roundings);
//  p_t  = e_t / Z: |e^/Z^ - e/Z| <= (err_e Z + e err_Z) / (Z (Z - err_Z)), plus
//         one rounding; then quantized in the format along the tokens; both
//         p^_t and p_t lie in [0, 1], so 1 caps the bound;
//  o_d  = sum_t p^_t V^_td: 32 in-chunk additions + one host add per token
//         chunk + 1 on any path.
std::vector<Bounded> bound_head(numerics::Format f, const Data& x, int h) {
  const int d = x.d, L = x.L;
  std::vector<Bounded> K(x.K.size()), V(x.V.size());
  for (int t = 0; t < L; ++t) {
    const std::vector<float> kt(x.K.begin() + t * d, x.K.begin() + (t + 1) * d);
    const std::vector<float> vt(x.V.begin() + t * d, x.V.begin() + (t + 1) * d);
    auto kb = golden_test::quantized(f, kt), vb = golden_test::quantized(f, vt);
    std::copy(kb.begin(), kb.end(), K.begin() + t * d);
    std::copy(vb.begin(), vb.end(), V.begin() + t * d);
  }
  const auto q = golden_test::quantized(f, std::vector<float>(x.q.begin() + h * d, x.q.begin() + (h + 1) * d));
  const double scale = 1.0 / std::sqrt(static_cast<double>(d));
  const Bounded scale32{scale, golden_test::kU32 * scale};
  std::vector<Bounded> s(L);
  double m = -HUGE_VAL, m_err = 0;
  for (int t = 0; t < L; ++t) {
    std::vector<Bounded> terms(d);
    for (int i = 0; i < d; ++i) terms[i] = golden_test::mul(K[t * d + i], q[i]);
    s[t] = golden_test::mul(golden_test::sum_of(terms, 5 + 1 + d / 32), scale32);
    m = std::max(m, s[t].v);
    m_err = std::max(m_err, s[t].err);
  }
  std::vector<Bounded> e(L);
  for (int t = 0; t < L; ++t) {
    const Bounded diff = golden_test::sub(s[t], Bounded{m, m_err});
    const double ev = std::exp(diff.v);
    Bounded et{ev, ev * std::expm1(diff.err)};
    et.err += 2 * golden_test::kU32 * et.mag() + golden_test::kU64Slack * ev;
    e[t] = et;
  }
  const Bounded Z = golden_test::sum_of(e, L);
  std::vector<Bounded> p(L);
  for (int t = 0; t < L; ++t) {
    // Both the computed and the exact weight lie in [0, 1]: where the
    // perturbation bound exceeds 1 (or Z's bound reaches Z), 1 bounds it.
    Bounded pt{e[t].v / Z.v, Z.err < Z.v ? (e[t].err * Z.v + e[t].v * Z.err) / (Z.v * (Z.v - Z.err)) : 1.0};
    p[t] = golden_test::rounded32(pt);
  }
  golden_test::quantize_bound(f, p.data(), p.size());
  for (auto& pt : p) pt.err = std::min(pt.err, 1.0);
  std::vector<Bounded> o(d);
  for (int i = 0; i < d; ++i) {
    std::vector<Bounded> terms(L);
    for (int t = 0; t < L; ++t) terms[t] = golden_test::mul(V[t * d + i], p[t]);
    o[i] = golden_test::sum_of(terms, 32 + (L + 31) / 32 + 1);
  }
  return o;
}

}  // namespace

TEST_CASE("attention: expf is pinned by test vectors", "[golden][attention]") {
  // The softmax uses the C library's expf; these are the correctly rounded
  // FP32 values of e^x (e^-1 = 0.36787944117..., nearest FP32 0x3EBC5AB2, ...).
  CHECK(numerics::bits_of(std::exp(-1.0f)) == 0x3EBC5AB2u);
  CHECK(numerics::bits_of(std::exp(-0.5f)) == 0x3F1B4598u);
  CHECK(numerics::bits_of(std::exp(-2.0f)) == 0x3E0A9555u);
  CHECK(numerics::bits_of(std::exp(-10.0f)) == 0x383E6BCEu);
  CHECK(numerics::bits_of(std::exp(0.0f)) == 0x3F800000u);
}

TEST_CASE("attention: format versions vs FP64 within the derived bound", "[golden][attention]") {
  for (numerics::Format f : {numerics::Format::fp32, numerics::Format::fp16, numerics::Format::bf16, numerics::Format::mx8}) {
    for (int L : {1, 45, 200}) {
      const Data x = make_data(128, L, 2, 100 + L, 2.0);
      const KvCache kv = fill(f, x);
      const auto o = attention_decode(kv, x.q, x.heads);
      const auto o64 = attention_decode_f64(x.d, x.L, f64(x.K), f64(x.V), f64(x.q), x.heads);
      for (int h = 0; h < x.heads; ++h) {
        const auto b = bound_head(f, x, h);
        for (int i = 0; i < x.d; ++i) {
          INFO(numerics::info(f).name << " L " << L << " head " << h << " dim " << i << " o " << o[h * x.d + i]
                                 << " f64 " << o64[h * x.d + i] << " bound " << b[i].err);
          REQUIRE(std::fabs(o[h * x.d + i] - o64[h * x.d + i]) <= b[i].err);
        }
      }
    }
  }
}

TEST_CASE("attention: GQA equals per-head MHA", "[golden][attention]") {
  const Data x = make_data(64, 70, 4, 7, 1.0);
  for (numerics::Format f : {numerics::Format::fp32, numerics::Format::fp16, numerics::Format::mx8, numerics::Format::int8}) {
    const KvCache kv = fill(f, x);
    const auto all = attention_decode(kv, x.q, 4);
    for (int h = 0; h < 4; ++h) {
      const std::vector<float> qh(x.q.begin() + h * 64, x.q.begin() + (h + 1) * 64);
      const auto one = attention_decode(kv, qh, 1);
      REQUIRE(std::memcmp(one.data(), all.data() + h * 64, 64 * sizeof(float)) == 0);
    }
  }
  const auto all64 = attention_decode_f64(64, 70, f64(x.K), f64(x.V), f64(x.q), 4);
  for (int h = 0; h < 4; ++h) {
    const std::vector<double> qh(x.q.begin() + h * 64, x.q.begin() + (h + 1) * 64);
    const auto one = attention_decode_f64(64, 70, f64(x.K), f64(x.V), qh, 1);
    for (int i = 0; i < 64; ++i) REQUIRE(one[i] == all64[h * 64 + i]);
  }
}

TEST_CASE("attention: MX8 is score_atom / softmax / attend_atom chunk by chunk", "[golden][attention]") {
  const Data x = make_data(64, 40, 1, 5, 2.0);
  const KvCache kv = fill(numerics::Format::mx8, x);
  std::vector<AttentionTrace> tr;
  const auto o = attention_decode(kv, x.q, 1, &tr);
  const auto q = numerics::quantize(numerics::Format::mx8, x.q);
  const float scale = static_cast<float>(1.0 / 8.0);  // 1/sqrt(64), exact in FP32
  std::vector<float> s(40), p(40);
  for (int t = 0; t < 40; ++t) {
    float acc = 0.0f;
    for (int i = 0; i < 2; ++i) acc = numerics::pu_add(acc, score_atom(kv.k_blocks().data() + t * 4 + 2 * i, q.data() + 32 * i, 0.0f));
    s[t] = numerics::pu_mul(acc, scale);
    REQUIRE(numerics::bits_of(s[t]) == numerics::bits_of(tr[0].scores[t]));
  }
  float m = s[0];
  for (float v : s) m = std::max(m, v);
  float Z = 0.0f;
  for (int t = 0; t < 40; ++t) Z = Z + (p[t] = std::exp(s[t] - m));
  for (auto& v : p) v = v / Z;
  p = numerics::quantize(numerics::Format::mx8, p);
  REQUIRE(p == tr[0].p);
  for (int i = 0; i < 2; ++i) {
    float oi[32] = {};
    for (int j = 0; j < 2; ++j) {  // tokens 0..31, then 32..39
      float part[32] = {};
      for (int t = 32 * j; t < std::min(40, 32 * j + 32); ++t) attend_atom(kv.v_blocks().data() + t * 4 + 2 * i, p[t], part);
      for (int c = 0; c < 32; ++c) oi[c] = numerics::pu_add(oi[c], part[c]);
    }
    for (int c = 0; c < 32; ++c) REQUIRE(numerics::bits_of(oi[c]) == numerics::bits_of(o[32 * i + c]));
  }
}

TEST_CASE("attention: invalid shapes are rejected", "[golden][attention]") {
  CHECK_THROWS_AS(KvCache(numerics::Format::fp16, 100), std::invalid_argument);
  CHECK_THROWS_AS(KvCache(numerics::Format::fp16, 0), std::invalid_argument);
  KvCache kv(numerics::Format::mx8, 64);
  CHECK_THROWS_AS(attention_decode(kv, std::vector<float>(64), 1), std::invalid_argument);  // empty cache
  kv.append(std::vector<float>(64, 1.0f), std::vector<float>(64, 1.0f));
  CHECK_THROWS_AS(kv.append(std::vector<float>(63), std::vector<float>(64)), std::invalid_argument);
  CHECK_THROWS_AS(attention_decode(kv, std::vector<float>(64), 2), std::invalid_argument);
  CHECK_THROWS_AS(attention_decode(kv, std::vector<float>(64), 0), std::invalid_argument);
  CHECK_THROWS_AS(attention_decode_f64(64, 2, std::vector<double>(127), std::vector<double>(128), std::vector<double>(64), 1),
                  std::invalid_argument);
  CHECK_THROWS_AS(attention_decode_f64(0, 1, {}, {}, {}, 1), std::invalid_argument);
}
