#include "cim/chip.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace pimlab::cim {

ChipStats ChipStats::since(const ChipStats& b) const {
  ChipStats d;
  d.mvms = mvms - b.mvms;
  d.adc_conversions = adc_conversions - b.adc_conversions;
  d.macs = macs - b.macs;
  d.lookups = lookups - b.lookups;
  d.row_writes = row_writes - b.row_writes;
  d.vfu_lane_ops = vfu_lane_ops - b.vfu_lane_ops;
  d.mode_switches = mode_switches - b.mode_switches;
  d.mvm_wait_cycles = mvm_wait_cycles - b.mvm_wait_cycles;
  return d;
}

void ChipStats::collect(stats::Sink& s) const {
  s.add("mvms", mvms, "MVMs", "UCLM MVMs (core cim::ChipStats)");
  s.add("adc_conversions", adc_conversions, "conversions", "ADC conversions");
  s.add("macs", macs, "MACs", "INT8 MACs (array_rows x array_cols per MVM)");
  s.add("lookups", lookups, "lookups", "exp-ROM lookups in lookup mode");
  s.add("row_writes", row_writes, "array rows", "array rows written, bit-planes counted separately");
  s.add("vfu_lane_ops", vfu_lane_ops, "lane ops", "vector-unit lane operations");
  s.add("mode_switches", mode_switches, "switches", "compute <-> lookup mode switches");
  s.add("mvm_wait_cycles", mvm_wait_cycles, "cycles",
        "cycles MVMs waited for a busy or lookup-mode UCLM or a pending write");
}

Chip::Chip(const TileConfig& cfg, const EnergyConfig& energy) : m_cfg(cfg), m_energy(energy) {
  cfg.validate();
  energy.validate();
  m_uclms.resize(static_cast<std::size_t>(cfg.uclms()));
  m_vfu_free.assign(static_cast<std::size_t>(cfg.cores()), 0);
}

Chip::UclmState& Chip::state(int core, int u) {
  UclmState& s = slot(core, u);
  if (!s.arrays) s.arrays = std::make_unique<Uclm>(m_cfg);
  return s;
}

Chip::UclmState& Chip::slot(int core, int u) {
  if (core < 0 || core >= m_cfg.cores()) throw std::invalid_argument("core " + std::to_string(core) + " is outside the chip's " + std::to_string(m_cfg.cores()) + " cores");
  if (u < 0 || u >= m_cfg.uclms_per_core) throw std::invalid_argument("UCLM " + std::to_string(u) + " is outside [0, " + std::to_string(m_cfg.uclms_per_core - 1) + "]");
  return m_uclms[static_cast<std::size_t>(core) * m_cfg.uclms_per_core + u];
}

Uclm& Chip::uclm(int core, int u) { return *state(core, u).arrays; }

std::int64_t Chip::uclm_free(int core, int u) const {
  return m_uclms.at(static_cast<std::size_t>(core) * m_cfg.uclms_per_core + u).free_at;
}

std::int64_t Chip::write_row(int core, int u, int row, const std::int8_t* w, int n, std::int64_t ready) {
  UclmState& s = state(core, u);
  s.arrays->write_row(row, w, n);
  const std::int64_t start = std::max(ready, s.free_at);
  if (s.lookup_mode) { s.lookup_mode = false; ++m_stats.mode_switches; }
  s.free_at = start + 1;
  s.data_ready = std::max(s.data_ready, s.free_at);
  m_stats.row_writes += static_cast<std::uint64_t>(m_cfg.weight_bits);
  return s.free_at;
}

std::int64_t Chip::write_col(int core, int u, int col, const std::int8_t* w, int n, std::int64_t ready) {
  UclmState& s = state(core, u);
  s.arrays->write_col(col, w, n);
  const std::int64_t start = std::max(ready, s.free_at);
  if (s.lookup_mode) { s.lookup_mode = false; ++m_stats.mode_switches; }
  s.free_at = start + 1;
  s.data_ready = std::max(s.data_ready, s.free_at);
  m_stats.row_writes += static_cast<std::uint64_t>(m_cfg.weight_bits);
  return s.free_at;
}

std::int64_t Chip::mvm(int core, int u, const std::vector<int>& x, InputKind kind, std::int64_t ready,
                       std::vector<std::int32_t>& out) {
  UclmState& s = state(core, u);
  out = s.arrays->mvm(x, kind);
  return issue_mvm(s, ready);
}

std::int64_t Chip::mvm_timing(int core, int u, std::int64_t ready) { return issue_mvm(slot(core, u), ready); }

std::int64_t Chip::issue_mvm(UclmState& s, std::int64_t ready) {
  const std::int64_t start = std::max({ready, s.free_at, s.data_ready});
  m_stats.mvm_wait_cycles += static_cast<std::uint64_t>(start - ready);
  if (s.lookup_mode) { s.lookup_mode = false; ++m_stats.mode_switches; }
  s.free_at = start + m_cfg.t_mvm();
  ++m_stats.mvms;
  m_stats.adc_conversions += static_cast<std::uint64_t>(m_cfg.input_bits) * m_cfg.weight_bits * m_cfg.array_cols;
  m_stats.macs += static_cast<std::uint64_t>(m_cfg.array_cols) * m_cfg.array_rows;
  return s.free_at;
}

std::int64_t Chip::lookup_batch(int core, int u, const int* d, int n, std::uint16_t* out, std::int64_t ready) {
  if (n < 1 || n > m_cfg.lookups_per_batch())
    throw std::invalid_argument("lookup batch of " + std::to_string(n) + " exceeds one lookup per array");
  UclmState& s = state(core, u);
  for (int k = 0; k < n; ++k) out[k] = s.arrays->lookup(k, d[k]);
  const std::int64_t start = std::max(ready, s.free_at);
  if (!s.lookup_mode) { s.lookup_mode = true; ++m_stats.mode_switches; }
  s.free_at = start + m_cfg.lookup_cycles;
  m_stats.lookups += static_cast<std::uint64_t>(n);
  return s.free_at;
}

std::int64_t Chip::vfu(int core, std::int64_t elements, int ops, std::int64_t ready) {
  if (core < 0 || core >= m_cfg.cores()) throw std::invalid_argument("core " + std::to_string(core) + " is outside the chip");
  std::int64_t& f = m_vfu_free[static_cast<std::size_t>(core)];
  const std::int64_t start = std::max(ready, f);
  f = start + ((elements + m_cfg.vfu_lanes - 1) / m_cfg.vfu_lanes) * ops;
  m_stats.vfu_lane_ops += static_cast<std::uint64_t>(elements) * static_cast<std::uint64_t>(ops);
  return f;
}

std::int64_t Chip::tree(int n_cores, std::int64_t ready) {
  int levels = 0;
  while ((1 << levels) < n_cores) ++levels;
  m_stats.vfu_lane_ops += static_cast<std::uint64_t>(n_cores > 1 ? n_cores - 1 : 0);
  return ready + static_cast<std::int64_t>(levels) * (m_cfg.hop_cycles + 1) + static_cast<std::int64_t>(levels) * m_cfg.hop_cycles;
}

double Chip::energy_pj() const {
  return static_cast<double>(m_stats.macs) * m_energy.mac_pj +
         static_cast<double>(m_stats.adc_conversions) * m_energy.adc_conversion_pj +
         static_cast<double>(m_stats.row_writes) * m_energy.row_write_pj +
         static_cast<double>(m_stats.lookups) * m_energy.lookup_pj +
         static_cast<double>(m_stats.vfu_lane_ops) * m_energy.vfu_op_pj;
}

}  // namespace pimlab::cim
