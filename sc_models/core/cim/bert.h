// HASTILY-style BERT encoder on UCLM cores (docs/cim.md, reference uclm.md
// §1.3, §1.6): a row-granular pipeline model. Every weight matrix of every
// layer is resident in its own UCLMs; per layer the stages QKV projection,
// attention (q K^T, softmax with lookups, P V; K and V written as weights),
// output projection (+ residual, LayerNorm) and the FFN (GELU; + residual,
// LayerNorm) each take one token row per interval. A stage's interval is the
// larger of its UCLM occupancy per row (t_mvm per MVM plus lookup batches)
// and its VFU work per row spread over the stage's cores. The K/V boundary
// (attention starts after all L rows of K and V are written) makes an
// N-layer encoder take (N + 1) L I + fill cycles, I the slowest interval.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cim/config.h"

namespace pimlab::cim {

struct BertModel {
  std::string name;
  int layers = 12, d_model = 768, heads = 12, d_head = 64, d_ff = 3072;
};
BertModel bert_model(const std::string& name);  // "base" or "large"; throws std::invalid_argument

struct BertStage {
  std::string name;
  std::int64_t uclms = 0, cores = 0;
  std::int64_t uclm_cycles = 0, vfu_cycles = 0, interval = 0;  // per token row
};

struct BertRun {
  BertModel model;
  int seq = 0;
  std::vector<BertStage> stages;        // one layer
  int attn_cores_per_head = 0;
  int lut_uclms_per_head = 0;
  std::int64_t interval_cycles = 0;     // slowest stage
  std::string bottleneck;
  std::int64_t cycles = 0;              // (N + 1) L I + fill
  double latency_us = 0;
  double ops = 0;                       // 2 x MACs of the encoder at this length
  double tops = 0, sequences_per_s = 0;
  double energy_uj = 0, tops_per_w = 0;
  std::int64_t uclms_total = 0, cores_total = 0;
};

// attn_cores_per_head = 0: the smallest count whose attention interval does
// not exceed t_mvm (the balanced pipeline HASTILY's bound assumes).
BertRun bert_encoder(const TileConfig& cfg, const EnergyConfig& e, const BertModel& m, int seq,
                     int attn_cores_per_head = 0);

}  // namespace pimlab::cim
