// BERT encoder dataflow on UCLM cores: consistency checks of the pipeline
// model against the spec's bounds (reference uclm.md §1.6, §5.5).
#include <catch2/catch.hpp>

#include "cim/bert.h"

using namespace pimlab::cim;

TEST_CASE("BERT-base at 512: the pipeline obeys (N + 1) L T_MVM and reports its bottleneck") {
  const TileConfig cfg;
  const BertRun r = bert_encoder(cfg, EnergyConfig{}, bert_model("base"), 512);
  // Lower bound: (N + 1) seqLen T_MVM = 13 x 512 x 64 cycles.
  CHECK(r.cycles >= 13LL * 512 * 64);
  CHECK(r.interval_cycles >= cfg.t_mvm());
  CHECK(!r.bottleneck.empty());
  // Ops: 12 layers x 512 tokens x 2 x (4 d^2 + 2 d d_ff + 2 L d) MACs.
  CHECK(r.ops == Approx(12.0 * 512 * 2 * (4.0 * 768 * 768 + 2.0 * 768 * 3072 + 2.0 * 512 * 768)));
  // The balanced attention keeps its interval at t_mvm.
  for (const auto& s : r.stages)
    if (s.name == "attention") CHECK(s.interval == cfg.t_mvm());
  // Energy: an MVM alone is calibrated to 8 TOPS/W; lookups, VFU work and
  // writes only add energy.
  CHECK(r.tops_per_w < 8.0);
  CHECK(r.tops_per_w > 4.0);
}

TEST_CASE("BERT-large takes longer than base, bad model names are rejected") {
  const TileConfig cfg;
  const BertRun b = bert_encoder(cfg, EnergyConfig{}, bert_model("base"), 256);
  const BertRun l = bert_encoder(cfg, EnergyConfig{}, bert_model("large"), 256);
  CHECK(l.cycles > b.cycles);
  CHECK(l.uclms_total > b.uclms_total);
  CHECK_THROWS_WITH(bert_model("huge"), Catch::Contains("allowed: base, large"));
  CHECK_THROWS_AS(bert_encoder(cfg, EnergyConfig{}, bert_model("base"), 0), std::invalid_argument);
}
