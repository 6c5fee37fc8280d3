#include "cim/bert.h"

#include <algorithm>
#include <stdexcept>

namespace pimlab::cim {

namespace {
std::int64_t cdiv(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }
// VFU operations per element (docs/cim.md): softmax 8 (max 1, subtract and
// scale 2, mantissa and shift 2, sum 1, divide 1, requantise 1) + score scale 1;
// LayerNorm 6 (mean, centre, square-accumulate, normalise, scale, shift);
// GELU 2 (table lookup in the VFU ROM, multiply); residual add 1; requantise 1.
constexpr int kSoftmaxOps = 9, kLayerNormOps = 6, kGeluOps = 2, kResidualOps = 1;
}  // namespace

BertModel bert_model(const std::string& name) {
  BertModel m;
  m.name = name;
  if (name == "base") return m;  // 12 layers, 768, 12 heads, 3072
  if (name == "large") {
    m.layers = 24;
    m.d_model = 1024;
    m.heads = 16;
    m.d_ff = 4096;
    return m;
  }
  throw std::invalid_argument("--model: unknown value '" + name + "' (allowed: base, large)");
}

BertRun bert_encoder(const TileConfig& cfg, const EnergyConfig& e, const BertModel& m, int seq, int attn_cores_per_head) {
  cfg.validate();
  e.validate();
  if (seq < 1) throw std::invalid_argument("--seq " + std::to_string(seq) + " must be >= 1");
  if (m.d_head != cfg.array_rows)
    throw std::invalid_argument("d_head " + std::to_string(m.d_head) + " must equal the array rows " + std::to_string(cfg.array_rows));
  const std::int64_t R = cfg.array_rows, C = cfg.array_cols, U = cfg.uclms_per_core, lanes = cfg.vfu_lanes, T = cfg.t_mvm();
  BertRun run;
  run.model = m;
  run.seq = seq;
  double mvms_per_row = 0, lane_ops_per_row = 0, lookups_per_row = 0, writes_per_row = 0;
  auto weight_stage = [&](const std::string& name, std::int64_t rows, std::int64_t cols, std::int64_t extra_ops_per_out) {
    BertStage s;
    s.name = name;
    const std::int64_t rb = cdiv(rows, R), cb = cdiv(cols, C);
    s.uclms = rb * cb;
    s.cores = cdiv(s.uclms, U);
    s.uclm_cycles = T;
    const std::int64_t ops = cols * (rb - 1 + 1 + extra_ops_per_out);  // partial adds + requantise + extras
    s.vfu_cycles = cdiv(ops, s.cores * lanes);
    s.interval = std::max(s.uclm_cycles, s.vfu_cycles);
    mvms_per_row += static_cast<double>(s.uclms);
    lane_ops_per_row += static_cast<double>(ops);
    run.stages.push_back(s);
  };
  const std::int64_t d = m.d_model;
  weight_stage("qkv", d, 3 * d, 0);
  // Attention: per head K^T and V in ceil(L/64) UCLMs each.
  {
    BertStage s;
    s.name = "attention";
    const std::int64_t kv = 2 * cdiv(seq, C);
    const std::int64_t per_head_ops = static_cast<std::int64_t>(kSoftmaxOps) * seq + m.d_head * (cdiv(seq, R) - 1 + 1);
    int ch = attn_cores_per_head;
    const std::int64_t min_cores = cdiv(kv, U);
    if (ch == 0) {
      ch = static_cast<int>(std::max(min_cores, cdiv(per_head_ops, T * lanes)));
      // one more core when the spare UCLMs cannot serve the lookups in time
      while ((ch * U - kv) * T < cdiv(seq, cfg.lookups_per_batch()) * cfg.lookup_cycles && ch < 1 << 20) ++ch;
    }
    if (ch < min_cores)
      throw std::invalid_argument("attention cores per head " + std::to_string(ch) + " cannot hold K and V (" + std::to_string(kv) + " UCLMs)");
    const std::int64_t spare = ch * U - kv;
    const std::int64_t lut_batches = cdiv(seq, cfg.lookups_per_batch());
    // Lookups on spare UCLMs when there are any, else on the K^T UCLMs (mode-switch contention).
    const std::int64_t lut_cycles = spare > 0 ? cdiv(lut_batches, spare) * cfg.lookup_cycles
                                              : T + cdiv(lut_batches, cdiv(seq, C)) * cfg.lookup_cycles;
    s.uclms = static_cast<std::int64_t>(m.heads) * kv;
    s.cores = static_cast<std::int64_t>(m.heads) * ch;
    s.uclm_cycles = std::max(T, lut_cycles);
    s.vfu_cycles = cdiv(per_head_ops, ch * lanes);
    s.interval = std::max(s.uclm_cycles, s.vfu_cycles);
    run.attn_cores_per_head = ch;
    run.lut_uclms_per_head = static_cast<int>(spare);
    mvms_per_row += static_cast<double>(m.heads * kv);
    lane_ops_per_row += static_cast<double>(m.heads * per_head_ops);
    lookups_per_row += static_cast<double>(m.heads) * seq;
    writes_per_row += static_cast<double>(m.heads) * 2.0 * cfg.weight_bits;  // one K column + one V row per head
    run.stages.push_back(s);
  }
  weight_stage("out_proj", d, d, kResidualOps + kLayerNormOps);
  weight_stage("ffn1", d, m.d_ff, kGeluOps);
  weight_stage("ffn2", m.d_ff, d, kResidualOps + kLayerNormOps);
  std::int64_t I = 0, fill = 0;
  for (const auto& s : run.stages) {
    if (s.interval > I) {
      I = s.interval;
      run.bottleneck = s.name;
    }
    fill += s.interval;
    run.uclms_total += s.uclms * m.layers;
    run.cores_total += s.cores * m.layers;
  }
  run.interval_cycles = I;
  const std::int64_t N = m.layers;
  run.cycles = (N + 1) * seq * I + N * fill;
  run.latency_us = cfg.ns(run.cycles) / 1000.0;
  const double macs_per_token_layer = 4.0 * d * d + 2.0 * d * m.d_ff + 2.0 * seq * d;
  run.ops = 2.0 * macs_per_token_layer * seq * N;
  run.tops = run.ops / (run.latency_us * 1e-6) / 1e12;
  run.sequences_per_s = 1e6 / run.latency_us;
  const double per_row_pj = mvms_per_row * (static_cast<double>(R * C) * e.mac_pj +
                                            static_cast<double>(cfg.input_bits) * cfg.weight_bits * C * e.adc_conversion_pj) +
                            lookups_per_row * e.lookup_pj + lane_ops_per_row * e.vfu_op_pj + writes_per_row * e.row_write_pj;
  run.energy_uj = per_row_pj * seq * N * 1e-6;
  run.tops_per_w = run.ops / (run.energy_uj * 1e-6) / 1e12;
  return run;
}

}  // namespace pimlab::cim
