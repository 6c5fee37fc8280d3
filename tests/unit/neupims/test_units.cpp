// The per-bank PIM units (pim/newton_unit.h) on the NeuPIMs attention streams
// with seeded FP16 data:
//  - bit-exact against an independent loop written here from the documented
//    arithmetic (16 exact FP32 products, pairwise FP32 tree, FP32 accumulator
//    from +0, FP16 result), for q*K^T logits and p*V outputs;
//  - against the FP64 golden (golden::attention_decode_f64) end to end:
//    logits scaled by 1/sqrt(128) in FP32, softmax on the host
//    (golden::host_softmax), p in FP16, then p*V on PIM.
#include <catch2/catch.hpp>

#include <cmath>
#include <random>
#include <utility>
#include <vector>

#include "firmware/neupims/streams.h"
#include "firmware/neupims/check.h"
#include "golden/attention.h"
#include "golden/newton.h"
#include "numerics/fp.h"

using namespace pimlab;
namespace np = pimlab::firmware::neupims;

namespace {

// Uniform in [-1, 1) from the raw 64-bit output (no library distribution),
// rounded to FP16.
std::vector<std::uint16_t> seeded(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 g(seed);
  std::vector<std::uint16_t> v(n);
  for (auto& x : v) x = numerics::fp32_to_fp16(static_cast<float>(static_cast<double>(g() >> 11) * 0x1p-52 - 1.0));
  return v;
}
float f(std::uint16_t h) { return numerics::fp16_to_fp32(h); }

// The documented MAC order over n values (n a multiple of 16; zeros pad).
float dot_unit(const std::vector<float>& a, const std::vector<float>& b) {
  float acc = 0.0f;
  for (std::size_t k = 0; k < a.size(); k += 16) {
    float lvl[16];
    for (int i = 0; i < 16; ++i) lvl[i] = a[k + i] * b[k + i];
    for (int n = 16; n > 1; n /= 2)
      for (int i = 0; i < n / 2; ++i) lvl[i] = lvl[2 * i] + lvl[2 * i + 1];
    acc = acc + lvl[0];
  }
  return f(numerics::fp32_to_fp16(acc));
}

}  // namespace

TEST_CASE("newton units: q*K^T and p*V bit-exact, end to end against the golden attention", "[neupims][units]") {
  for (int L : {100, 600}) {
    for (pim::PimType type : {pim::PimType::Dual, pim::PimType::Single}) {
      const int E = 1280, h = E / 128;  // 10 heads: a partial 4-head chunk
      np::AttentionData d;
      d.k = seeded(static_cast<std::size_t>(L) * E, 1 + L);
      d.v = seeded(static_cast<std::size_t>(L) * E, 2 + L);
      d.q = seeded(static_cast<std::size_t>(E), 3 + L);
      np::AttentionSpec s;
      s.type = type;
      s.len = L;
      s.width = E;
      pim::NewtonUnits units;
      const std::vector<float> logits = np::run_attention_data(s, d, units);
      // Logits: the independent loop, token by token.
      int exact = 0;
      for (int hh = 0; hh < h; ++hh)
        for (int t = 0; t < L; ++t) {
          std::vector<float> a(128), b(128);
          for (int x = 0; x < 128; ++x) {
            a[static_cast<std::size_t>(x)] = f(d.k[static_cast<std::size_t>(t) * E + hh * 128 + x]);
            b[static_cast<std::size_t>(x)] = f(d.q[static_cast<std::size_t>(hh * 128 + x)]);
          }
          exact += dot_unit(a, b) == logits[static_cast<std::size_t>(hh) * L + t];
        }
      CHECK(exact == h * L);
      // Host softmax of the scaled logits, p in FP16.
      d.p.assign(static_cast<std::size_t>(h) * L, 0);
      const float scale = 1.0f / std::sqrt(128.0f);
      std::vector<float> sc(static_cast<std::size_t>(L)), p(static_cast<std::size_t>(L));
      for (int hh = 0; hh < h; ++hh) {
        for (int t = 0; t < L; ++t) sc[static_cast<std::size_t>(t)] = logits[static_cast<std::size_t>(hh) * L + t] * scale;
        golden::host_softmax(sc.data(), p.data(), static_cast<std::size_t>(L));
        for (int t = 0; t < L; ++t) d.p[static_cast<std::size_t>(hh) * L + t] = numerics::fp32_to_fp16(p[static_cast<std::size_t>(t)]);
      }
      s.op = np::Op::Attend;
      const std::vector<float> o = np::run_attention_data(s, d, units);
      // Outputs: the independent loop per 512-token chunk, FP16 partials summed in FP32.
      exact = 0;
      for (int hh = 0; hh < h; ++hh)
        for (int x = 0; x < 128; ++x) {
          float want = 0.0f;
          for (int c = 0; c * 512 < L; ++c) {
            std::vector<float> a(512, 0.0f), b(512, 0.0f);
            for (int i = 0; i < 512 && c * 512 + i < L; ++i) {
              a[static_cast<std::size_t>(i)] = f(d.v[static_cast<std::size_t>(c * 512 + i) * E + hh * 128 + x]);
              b[static_cast<std::size_t>(i)] = f(d.p[static_cast<std::size_t>(hh) * L + c * 512 + i]);
            }
            const int nc = std::min(32, (std::min(512, L - c * 512) + 15) / 16);
            a.resize(static_cast<std::size_t>(nc) * 16);
            b.resize(static_cast<std::size_t>(nc) * 16);
            want = want + dot_unit(a, b);
          }
          exact += want == o[static_cast<std::size_t>(hh) * 128 + x];
        }
      CHECK(exact == h * 128);
      // Against the FP64 golden on the same FP16 inputs. Error budget (|V| < 1,
      // sum p = 1): the logits are FP16 (relative 2^-11; |s*scale| <= smax), so
      // each p_t moves by at most a factor exp(+-2 * 2^-11 * smax) after
      // normalisation; p is rounded to FP16 (2^-11); each chunk partial is
      // rounded to FP16 (2^-11 of its magnitude <= 1); FP32 sums are below
      // that by 2^-13. Bound: 2^-11 * (4 * smax + 1 + chunks) + 2^-13.
      std::vector<double> K(d.k.size()), V(d.v.size());
      for (int hh = 0; hh < h; ++hh) {
        std::vector<double> Kh(static_cast<std::size_t>(L) * 128), Vh(Kh.size()), qh(128);
        double smax = 0;
        for (int t = 0; t < L; ++t)
          for (int x = 0; x < 128; ++x) {
            Kh[static_cast<std::size_t>(t) * 128 + x] = f(d.k[static_cast<std::size_t>(t) * E + hh * 128 + x]);
            Vh[static_cast<std::size_t>(t) * 128 + x] = f(d.v[static_cast<std::size_t>(t) * E + hh * 128 + x]);
          }
        for (int x = 0; x < 128; ++x) qh[static_cast<std::size_t>(x)] = f(d.q[static_cast<std::size_t>(hh * 128 + x)]);
        for (int t = 0; t < L; ++t)
          smax = std::max(smax, std::fabs(static_cast<double>(logits[static_cast<std::size_t>(hh) * L + t]) * scale));
        const std::vector<double> ref = golden::attention_decode_f64(128, L, Kh, Vh, qh, 1);
        const double chunks = std::ceil(L / 512.0);
        const double tol = std::ldexp(1.0, -11) * (4 * smax + 1 + chunks) + std::ldexp(1.0, -13);
        double worst = 0;
        for (int x = 0; x < 128; ++x)
          worst = std::max(worst, std::fabs(ref[static_cast<std::size_t>(x)] - o[static_cast<std::size_t>(hh) * 128 + x]));
        INFO("L " << L << " head " << hh << " worst " << worst << " tol " << tol);
        CHECK(worst <= tol);
      }
    }
  }
}

TEST_CASE("newton units: golden::newton_attention is the documented loop and the functional check matches it", "[neupims][units]") {
  // golden::newton_attention against the loop above (logits, and the outputs
  // from its own FP16 probabilities), then firmware::neupims::check_attention
  // (the units on seeded data against that golden) for both flavours.
  const int L = 530, E = 256, h = 2;  // two 512-token chunks, the second partial
  const std::vector<std::uint16_t> K = seeded(static_cast<std::size_t>(L) * E, 11), V = seeded(K.size(), 12),
                                   q = seeded(E, 13);
  const golden::NewtonAttention g = golden::newton_attention(E, L, K, V, q);
  int exact = 0;
  for (int hh = 0; hh < h; ++hh) {
    std::vector<float> b(128);
    for (int x = 0; x < 128; ++x) b[static_cast<std::size_t>(x)] = f(q[static_cast<std::size_t>(hh * 128 + x)]);
    for (int t = 0; t < L; ++t) {
      std::vector<float> a(128);
      for (int x = 0; x < 128; ++x) a[static_cast<std::size_t>(x)] = f(K[static_cast<std::size_t>(t) * E + hh * 128 + x]);
      exact += dot_unit(a, b) == f(g.logits[static_cast<std::size_t>(hh) * L + t]);
    }
    for (int x = 0; x < 128; ++x) {
      float want = 0.0f;
      for (int c = 0; c * 512 < L; ++c) {
        const int n = std::min(512, L - c * 512), padded = (n + 15) / 16 * 16;
        std::vector<float> a(static_cast<std::size_t>(padded), 0.0f), p(a.size(), 0.0f);
        for (int i = 0; i < n; ++i) {
          a[static_cast<std::size_t>(i)] = f(V[static_cast<std::size_t>(c * 512 + i) * E + hh * 128 + x]);
          p[static_cast<std::size_t>(i)] = f(g.probs[static_cast<std::size_t>(hh) * L + c * 512 + i]);
        }
        want = want + dot_unit(a, p);
      }
      exact += want == g.out[static_cast<std::size_t>(hh) * 128 + x];
    }
  }
  CHECK(exact == h * L + h * 128);
  CHECK_THROWS_AS(golden::newton_attention(100, L, K, V, q), std::invalid_argument);
  for (pim::PimType type : {pim::PimType::Dual, pim::PimType::Single}) {
    np::AttentionCheck c;
    np::check_attention(type, E, L, 7, "test", c);
    CHECK(c.mismatches == 0);
    CHECK(c.jobs == 1);
    CHECK(c.kernels == 2);
    CHECK(c.values_compared == static_cast<std::uint64_t>(h * L + h * 128));
    CHECK(c.kernel_cycles > 0);
  }
}

TEST_CASE("newton units: check_attention on a target runs the same streams in GWRITE-led segments and reports a difference",
          "[neupims][units]") {
  // A target over the same units that counts segments and cycles them as one
  // per segment, and flips the low bit of one result of the p*V stream: the
  // logits still match, exactly one output differs and the report names it.
  struct Flipping : np::TimedTarget {
    pim::NewtonUnits u;
    np::UnitsTarget in{u};
    int segments = 0, flip_at = -1;
    std::uint64_t cycles = 0;
    void write_row(int bank, int row, const std::vector<std::uint16_t>& v) override { in.write_row(bank, row, v); }
    std::vector<std::vector<std::uint16_t>> run(const std::vector<pim::Txn>& t) override {
      CHECK(t.front().type == pim::TxnType::GWrite);  // every segment starts at its GWRITE
      for (std::size_t i = 1; i < t.size(); ++i) CHECK(t[i].type != pim::TxnType::GWrite);
      std::vector<std::vector<std::uint16_t>> r = in.run(t);
      if (segments++ == flip_at) r.front()[0] ^= 1;
      ++cycles;
      return r;
    }
    std::uint64_t take_cycles() override { return std::exchange(cycles, 0); }
  };
  const int E = 256, L = 530;  // 2 heads: q*K^T 1 segment; p*V 2 heads x 2 chunks = 4
  Flipping t;
  t.flip_at = 1;  // the first p*V segment
  np::AttentionCheck c;
  np::check_attention(pim::PimType::Dual, E, L, 7, "flipped", c, &t);
  CHECK(t.segments == 1 + 4);
  CHECK(c.kernel_cycles == 1 + 4);
  CHECK(c.values_compared == static_cast<std::uint64_t>(2 * L + 2 * 128));
  CHECK(c.mismatches == 1);
  CHECK(c.first_mismatch.rfind("flipped: output 0 is ", 0) == 0);
  // Unflipped, the same target matches.
  Flipping ok;
  np::AttentionCheck d;
  np::check_attention(pim::PimType::Dual, E, L, 7, "ok", d, &ok);
  CHECK(d.mismatches == 0);
  CHECK(d.values_compared == c.values_compared);
}
