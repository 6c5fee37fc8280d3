// The AttAcc processing units (pim/attacc_unit.h) driven by the issued command
// stream of the timing model, on seeded FP16 data, per placement:
//  - bit-exact against golden::attacc_attention (the units' documented order),
//    scores, probabilities and outputs, with no data hazard;
//  - the outputs against the FP64 golden within a stated bound;
//  - planted faults in the accumulation (a MAC executed twice, a MAC with the
//    wrong operand atom, a lost MAC) are detected;
//  - artifact-compatible mode: the generator's quirks give wrong results,
//    which the check reports;
//  - a KV layout that cannot hold the heads is refused.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

#include "dram/spec.h"
#include "firmware/attacc/data.h"
#include "firmware/attacc/generator.h"
#include "golden/attacc.h"
#include "golden/attention.h"
#include "numerics/fp.h"
#include "pim/attacc.h"
#include "pim/attacc_unit.h"

using namespace pimlab;
namespace fa = pimlab::firmware::attacc;

namespace {

struct Run {
  fa::AttentionSpec s;
  std::vector<pim::AttaccStatement> trace;
  std::vector<pim::AttaccOp> ops;
  pim::AttaccResult res;
  std::vector<fa::HeadData> data;
};

Run timed(pim::AttaccPlacement pl, int heads, int len, bool art = false, int d_head = 128) {
  Run r;
  r.s.placement = pl;
  r.s.heads = heads;
  r.s.len = len;
  r.s.d_head = d_head;
  r.s.artifact_compatible = art;
  r.trace = fa::generate(r.s, &r.ops);
  pim::AttaccOptions o;
  o.artifact_compatible = art;
  r.res = pim::run_attacc_stack(dram::preset("attacc-hbm3-5.2"), r.trace, o, true);
  r.data = fa::seeded_heads(r.s, 7);
  return r;
}

fa::VerifyReport computed(const Run& r, std::vector<pim::AttaccIssued>* replace_ch0 = nullptr) {
  pim::AttaccUnits u(fa::unit_config(r.s));
  fa::load_heads(r.s, r.data, u);
  pim::AttaccResult res = r.res;
  if (replace_ch0) res.issued[0] = *replace_ch0;
  fa::execute_issued(r.trace, r.ops, res, u);
  return fa::verify_heads(r.s, r.data, u);
}

const pim::AttaccPlacement kPlacements[] = {pim::AttaccPlacement::Bank, pim::AttaccPlacement::BankGroup,
                                            pim::AttaccPlacement::Buffer};

}  // namespace

TEST_CASE("attacc units: every placement bit-exact against the golden in the units' order", "[attacc][units]") {
  for (pim::AttaccPlacement pl : kPlacements)
    for (int heads : {3, 20, 40})
      for (int len : {1, 100, 300}) {
        const Run r = timed(pl, heads, len);
        const fa::VerifyReport v = computed(r);
        INFO(pim::placement_name(pl) << " heads " << heads << " len " << len << ": " << v.first_mismatch << " / "
                                     << v.first_hazard);
        CHECK(v.heads == heads);
        CHECK(v.scores == static_cast<std::uint64_t>(heads) * len);
        CHECK(v.outputs == static_cast<std::uint64_t>(heads) * 128);
        CHECK(v.ok());
        CHECK(v.hazards == 0);
      }
}

TEST_CASE("attacc units: d_head 256 and 64 (other atom counts per key)", "[attacc][units]") {
  for (pim::AttaccPlacement pl : kPlacements)
    for (int d : {64, 256}) {
      const Run r = timed(pl, 18, 77, false, d);
      const fa::VerifyReport v = computed(r);
      INFO(pim::placement_name(pl) << " d_head " << d << ": " << v.first_mismatch);
      CHECK(v.ok());
      CHECK(v.hazards == 0);
    }
}

TEST_CASE("attacc units: outputs against the FP64 golden", "[attacc][units]") {
  // Error budget per output (|V| < 1, sum p = 1): the scores are FP16
  // (relative 2^-11 of |s * scale| <= smax), moving each p_t by at most a
  // factor exp(+-2 * 2^-11 * smax) after normalisation; p is rounded to FP16
  // (2^-11); each group partial is rounded to FP16 (2^-11 of its magnitude
  // <= 1, 4 groups at most); the FP32 sums stay below 2^-13.
  // Bound: 2^-11 * (4 * smax + 1 + 4) + 2^-13.
  for (pim::AttaccPlacement pl : kPlacements) {
    const Run r = timed(pl, 16, 500);
    pim::AttaccUnits u(fa::unit_config(r.s));
    fa::load_heads(r.s, r.data, u);
    fa::execute_issued(r.trace, r.ops, r.res, u);
    for (int h = 0; h < 16; ++h) {
      const fa::HeadData& d = r.data[static_cast<std::size_t>(h)];
      std::vector<double> K(d.k.size()), V(d.v.size()), q(d.q.size());
      for (std::size_t i = 0; i < K.size(); ++i) K[i] = numerics::fp16_to_fp32(d.k[i]);
      for (std::size_t i = 0; i < V.size(); ++i) V[i] = numerics::fp16_to_fp32(d.v[i]);
      for (std::size_t i = 0; i < q.size(); ++i) q[i] = numerics::fp16_to_fp32(d.q[i]);
      const std::vector<double> ref = golden::attention_decode_f64(128, 500, K, V, q, 1);
      const std::vector<std::uint16_t> s = u.scores(h, 0);
      double smax = 0;
      for (std::uint16_t x : s) smax = std::max(smax, std::fabs(numerics::fp16_to_fp32(x) / std::sqrt(128.0)));
      const double tol = std::ldexp(1.0, -11) * (4 * smax + 5) + std::ldexp(1.0, -13);
      const std::vector<float> o = u.outputs(h, 0);
      double worst = 0;
      for (int x = 0; x < 128; ++x) worst = std::max(worst, std::fabs(ref[static_cast<std::size_t>(x)] - o[static_cast<std::size_t>(x)]));
      INFO(pim::placement_name(pl) << " head " << h << " worst " << worst << " tol " << tol);
      CHECK(worst <= tol);
    }
  }
}

TEST_CASE("attacc units: planted faults in the accumulation are detected", "[attacc][units]") {
  for (pim::AttaccPlacement pl : kPlacements) {
    const Run r = timed(pl, 16, 100);
    REQUIRE(computed(r).ok());
    const std::vector<pim::AttaccIssued>& ch0 = r.res.issued[0];
    auto is_score_mac = [&](const pim::AttaccIssued& c) {
      return c.stmt >= 0 && r.ops[static_cast<std::size_t>(c.stmt)].phase == pim::AttaccPhase::ScoreMac;
    };
    const auto first = std::find_if(ch0.begin(), ch0.end(), is_score_mac);
    REQUIRE(first != ch0.end());
    INFO(pim::placement_name(pl));
    {  // one MAC accumulated twice (what the artifact's extra MAC does)
      std::vector<pim::AttaccIssued> v = ch0;
      v.insert(v.begin() + (first - ch0.begin()), *first);
      const fa::VerifyReport rep = computed(r, &v);
      CHECK(!rep.ok());
      CHECK(rep.scores_mismatched > 0);
    }
    {  // one MAC multiplied with the wrong q atom
      Run w = r;
      pim::AttaccOp& op = w.ops[static_cast<std::size_t>(first->stmt)];
      op.k = (op.k + 1) % (pl == pim::AttaccPlacement::Bank ? 2 : 8);
      const fa::VerifyReport rep = computed(w);
      CHECK(rep.hazards == 0);
      CHECK(rep.scores_mismatched > 0);
    }
    {  // one MAC lost
      std::vector<pim::AttaccIssued> v = ch0;
      v.erase(v.begin() + (first - ch0.begin()));
      const fa::VerifyReport rep = computed(r, &v);
      CHECK(rep.scores_mismatched > 0);
      CHECK(rep.hazards > 0);
    }
  }
}

TEST_CASE("attacc units: artifact-compatible streams compute wrong results, and the check says so", "[attacc][units]") {
  for (pim::AttaccPlacement pl : kPlacements) {
    // Two iterations: the extra score MAC doubles key 0's first atom, part D
    // re-runs the first head's context, so the second head's outputs are never moved.
    const Run r = timed(pl, 20, 100, true);
    const fa::VerifyReport v = computed(r);
    INFO(pim::placement_name(pl));
    CHECK(!v.ok());
    CHECK(v.scores_mismatched > 0);
    CHECK(v.outputs_mismatched > 0);
  }
}

TEST_CASE("attacc units: a KV layout whose heads overlap is refused", "[attacc][units]") {
  fa::AttentionSpec s;
  s.placement = pim::AttaccPlacement::BankGroup;
  s.heads = 17;  // two iterations
  s.len = 3000;  // 3000 x 2 B > max-len 4096: the K regions of iterations 0 and 1 overlap
  pim::AttaccUnits u(fa::unit_config(s));
  CHECK_THROWS_WITH(fa::load_heads(s, fa::seeded_heads(s, 1), u), Catch::Contains("raise --max-len"));
  s.dbyte = 1;
  CHECK_THROWS_WITH(fa::load_heads(s, fa::seeded_heads(s, 1), u), Catch::Contains("allowed: 2"));
}

TEST_CASE("attacc golden: the shared FP16 tree is pairwise", "[attacc][units]") {
  // 2048 * 2^-12 at lane 0 and fifteen 2^-12: pairwise, lanes 1..15 sum
  // exactly before they meet lane 0's 0.5.
  std::uint16_t a[16], b[16];
  for (int i = 0; i < 16; ++i) {
    a[i] = numerics::fp32_to_fp16(i == 0 ? 2048.0f : 1.0f);
    b[i] = numerics::fp32_to_fp16(1.0f / 4096.0f);
  }
  float lvl[16];
  for (int i = 0; i < 16; ++i) lvl[i] = numerics::fp16_to_fp32(a[i]) * numerics::fp16_to_fp32(b[i]);
  for (int n = 16; n > 1; n /= 2)
    for (int i = 0; i < n / 2; ++i) lvl[i] = lvl[2 * i] + lvl[2 * i + 1];
  CHECK(numerics::fp16_tree16(a, b) == lvl[0]);
  CHECK(lvl[0] == 0.5f + 15.0f / 4096.0f);
}
