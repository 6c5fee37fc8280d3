// The INT8 attention slice on UCLM cores against golden_cim (reference
// uclm.md §5.4): bit-exact, row-streamed = batch order, write-then-compute.
#include <catch2/catch.hpp>

#include "cim/attention.h"
#include "cim_test_util.h"
#include "golden/synth.h"
#include "golden_cim/attention.h"

using namespace pimlab::cim;
namespace g = pimlab::golden_cim;
using pimlab::golden::SynthRng;

namespace {
g::AttentionSliceInput golden_input(std::uint64_t seed, int L, int dm, int dh, bool causal) {
  SynthRng rng(seed);
  auto r8 = [&](std::size_t n, int span) {
    std::vector<std::int8_t> v(n);
    for (auto& x : v) x = static_cast<std::int8_t>(static_cast<int>(rng.next() % (2 * span + 1)) - span);
    return v;
  };
  g::AttentionSliceInput in;
  in.L = L;
  in.d_model = dm;
  in.d_head = dh;
  in.X = r8(static_cast<std::size_t>(L) * dm, 127);
  in.Wq = r8(static_cast<std::size_t>(dm) * dh, 40);
  in.Wk = r8(static_cast<std::size_t>(dm) * dh, 40);
  in.Wv = r8(static_cast<std::size_t>(dm) * dh, 40);
  in.rq_q = in.rq_k = in.rq_v = g::requant_for(1.0 / 512);
  in.rq_score = g::requant_for(1024.0 / 2000.0);
  in.rq_out = g::requant_for(1.0 / 300);
  in.causal = causal;
  return in;
}
AttentionSlice to_tile(const g::AttentionSliceInput& in) {
  AttentionSlice a;
  a.L = in.L;
  a.d_model = in.d_model;
  a.d_head = in.d_head;
  a.X = in.X;
  a.Wq = in.Wq;
  a.Wk = in.Wk;
  a.Wv = in.Wv;
  auto c = [](const g::Requant& r) { return Requant{r.M, r.sh}; };
  a.rq_q = c(in.rq_q);
  a.rq_k = c(in.rq_k);
  a.rq_v = c(in.rq_v);
  a.rq_score = c(in.rq_score);
  a.rq_out = c(in.rq_out);
  a.causal = in.causal;
  return a;
}
}  // namespace

TEST_CASE("attention slice on the tile is bit-exact against golden (seeded, causal and not)") {
  for (bool causal : {false, true})
    for (int L : {5, 64, 130}) {
      const g::AttentionSliceInput in = golden_input(77 + L, L, 128, 64, causal);
      const g::AttentionSliceOutput ref = g::attention_slice(in);
      Chip chip{TileConfig{}};
      const AttentionRun run = attention_on_chip(chip, to_tile(in));
      INFO("L " << L << " causal " << causal);
      CHECK(run.Q == ref.Q);
      CHECK(run.K == ref.K);
      CHECK(run.V == ref.V);
      CHECK(run.S == ref.S);
      CHECK(run.P == ref.P);
      CHECK(run.O32 == ref.O32);
      CHECK(run.O == ref.O);
      // The softmax is not degenerate: some probabilities are above zero.
      int nonzero = 0;
      for (auto p : run.P) nonzero += p > 0;
      CHECK(nonzero >= L);
    }
}

TEST_CASE("row-streamed execution gives the codes of batch order, sooner") {
  const g::AttentionSliceInput in = golden_input(9, 96, 64, 64, false);
  Chip a{TileConfig{}}, b{TileConfig{}};
  AttentionRunOptions batch;
  batch.streamed = false;
  const AttentionRun s = attention_on_chip(a, to_tile(in));
  const AttentionRun t = attention_on_chip(b, to_tile(in), batch);
  CHECK(s.O == t.O);
  CHECK(s.P == t.P);
  CHECK(s.cycles < t.cycles);
}

TEST_CASE("write-then-compute: q K^T waits for delayed K writes, never reads stale weights") {
  const g::AttentionSliceInput in = golden_input(21, 40, 64, 64, false);
  const g::AttentionSliceOutput ref = g::attention_slice(in);
  Chip chip{TileConfig{}};
  AttentionRunOptions opt;
  opt.k_write_delay = 5000;
  const AttentionRun run = attention_on_chip(chip, to_tile(in), opt);
  CHECK(run.kv_written > 5000);
  CHECK(run.first_qk_start >= run.kv_written);
  CHECK(run.O == ref.O);
  Chip fast{TileConfig{}};
  CHECK(attention_on_chip(fast, to_tile(in)).cycles + 5000 <= run.cycles);
}

TEST_CASE("ADC clip in P V: 255 over 64 tokens with V = -1 gives -16065") {
  Chip chip{TileConfig{}};
  const auto y = cimtest::chip_mvm(chip, std::vector<int>(64, 255), std::vector<std::int8_t>(64 * 64, -1), 64, 64, InputKind::Uint8);
  CHECK(y[0] == -16065);
}
