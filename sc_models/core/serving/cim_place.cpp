#include "serving/cim_place.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <queue>
#include <stdexcept>
#include <utility>

#include "cim/chip.h"
#include "cim/softmax.h"

namespace pimlab::serving {

namespace {
std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }
}  // namespace

const char* cim_place_name(CimPlace p) {
  switch (p) {
    case CimPlace::softmax: return "softmax";
    case CimPlace::ffn: return "ffn";
    case CimPlace::none: break;
  }
  return "none";
}

CimPlace parse_cim_place(const std::string& s) {
  if (s == "none") return CimPlace::none;
  if (s == "softmax") return CimPlace::softmax;
  if (s == "ffn") return CimPlace::ffn;
  throw std::invalid_argument("value \"" + s + "\"; allowed: \"none\", \"softmax\", \"ffn\"");
}

CimPlacement::CimPlacement(const CimSystem& s, const model::ModelConfig& m, int tp, int pp) : m_s(s) {
  m_s.tile.validate();
  m_s.energy.validate();
  if (m_s.place == CimPlace::softmax && (m_s.softmax_cores < 1 || m_s.softmax_cores > m_s.tile.cores()))
    throw std::invalid_argument("softmax_cores " + std::to_string(m_s.softmax_cores) + " is out of range [1, " +
                                std::to_string(m_s.tile.cores()) + "] (the chip's cores)");
  if (m_s.place == CimPlace::softmax && !model::has_attention(m.family))
    throw std::invalid_argument("model " + m.name + " has no attention softmax to place on CIM (family " +
                                std::string(model::family_name(m.family)) + "; allowed here: cim.place \"ffn\" or \"none\")");
  if (m_s.place != CimPlace::ffn) return;
  model::GraphOptions go;
  go.batch = 1;
  go.context = 1;
  go.tp = tp;
  bool seen1 = false;
  for (const model::Operator& op : model::decode_graph(m, go)) {
    if (op.name == "ffn_1" && !seen1) {
      seen1 = true;
      m_ffn.k1 = op.k;
      m_ffn.n1 = op.n;
      m_ffn.gated = m.gated_ffn;
      m_ffn.instances = op.repeat / std::max(1, pp);
    } else if (op.name == "ffn_2" && m_ffn.k2 == 0) {
      m_ffn.k2 = op.k;
      m_ffn.n2 = op.n;
    }
  }
  if (!seen1 || m_ffn.k2 == 0)
    throw std::invalid_argument("model " + m.name + " has no FFN (operators ffn_1 and ffn_2) to place on CIM");
  if (ffn_uclms() > m_s.tile.uclms())
    throw std::invalid_argument("the FFN of " + m.name + " does not fit the CIM tiles: its INT8 weights need " +
                                std::to_string(ffn_uclms()) + " UCLMs (" + std::to_string(ffn_uclms_per_layer()) + " x " +
                                std::to_string(m_ffn.instances) + " layers) but " + std::to_string(m_s.tile.tiles) +
                                " tiles hold " + std::to_string(m_s.tile.uclms()));
}

void CimPlacement::describe(std::map<std::string, std::string>& d) const {
  const cim::TileConfig& t = m_s.tile;
  d["cim_place"] = cim_place_name(m_s.place);
  std::string ops;
  for (const auto& x : operators()) ops += (ops.empty() ? "" : ",") + x;
  d["cim_operators"] = ops;
  d["cim_tiles"] = std::to_string(t.tiles);
  d["cim_cores"] = std::to_string(t.cores());
  d["cim_uclms"] = std::to_string(t.uclms());
  d["cim_link_width_bytes"] = std::to_string(m_s.link.width_bytes);
  d["cim_link_clock_mhz"] = std::to_string(m_s.link.clock_mhz);
  d["cim_link_latency_cycles"] = std::to_string(m_s.link.latency_cycles);
  if (m_s.place == CimPlace::softmax) {
    d["cim_softmax_cores"] = std::to_string(m_s.softmax_cores);
    d["cim_softmax_groups"] = std::to_string(softmax_groups());
  } else {
    d["cim_ffn_uclms"] = std::to_string(ffn_uclms());
  }
}

std::vector<std::string> CimPlacement::operators() const {
  if (m_s.place == CimPlace::softmax) return {"attention_softmax"};
  if (m_s.place == CimPlace::ffn) return {"ffn_1", "act", "ffn_2"};
  return {};
}

std::int64_t CimPlacement::ffn_uclms_per_layer() const {
  const std::int64_t R = m_s.tile.array_rows, C = m_s.tile.array_cols;
  return ceil_div(m_ffn.k1, R) * ceil_div(m_ffn.n1, C) + ceil_div(m_ffn.k2, R) * ceil_div(m_ffn.n2, C);
}

CimTransfer CimPlacement::transfer(std::int64_t bytes_in, std::int64_t bytes_out) const {
  CimTransfer x;
  x.bytes_in = bytes_in;
  x.bytes_out = bytes_out;
  // The host's input link and the tiles' output link of the router, both with the link keys.
  // No data, no transaction.
  if (bytes_in > 0)
    x.in_s = static_cast<double>(noc::transaction_ps(m_s.link, m_s.link, noc::Dir::request, static_cast<std::uint64_t>(bytes_in))) * 1e-12;
  if (bytes_out > 0)
    x.out_s = static_cast<double>(noc::transaction_ps(m_s.link, m_s.link, noc::Dir::response, static_cast<std::uint64_t>(bytes_out))) * 1e-12;
  return x;
}

std::int64_t CimPlacement::softmax_groups() const { return std::max<std::int64_t>(1, m_s.tile.cores() / m_s.softmax_cores); }

CimOpCost CimPlacement::softmax_layer(const std::vector<std::int64_t>& lengths, std::int64_t heads) {
  using Slot = std::pair<std::int64_t, std::int64_t>;  // (free cycle, group)
  std::priority_queue<Slot, std::vector<Slot>, std::greater<Slot>> free;
  for (std::int64_t g = 0; g < softmax_groups(); ++g) free.push({0, g});
  CimOpCost c;
  double pj = 0;
  std::int64_t scores = 0;
  for (const std::int64_t L : lengths) {
    scores += L * heads;
    auto it = m_row_cache.find(L);
    if (it == m_row_cache.end()) {
      const cim::SoftmaxLatency r = cim::softmax_latency(m_s.tile, cim::SoftmaxSetting::MultiCore, L, m_s.softmax_cores, 1);
      ++m_simulated;
      it = m_row_cache.emplace(L, std::make_pair(r.cycles, r.energy_pj)).first;
    }
    for (std::int64_t h = 0; h < heads; ++h) {
      Slot s = free.top();
      free.pop();
      s.first += it->second.first;
      c.cycles = std::max(c.cycles, s.first);
      free.push(s);
      pj += it->second.second;
      ++c.rows;
    }
  }
  c.tiles_s = m_s.tile.ns(c.cycles) * 1e-9;
  // In: the host's int32 scores; out: UINT8 probabilities (docs/cim.md section 5.3).
  c.transfer = transfer(4 * scores, scores);
  c.time_s = c.transfer.in_s + c.tiles_s + c.transfer.out_s;
  c.energy_j = pj * 1e-12;
  return c;
}

CimOpCost CimPlacement::ffn_layer(std::int64_t rows) {
  if (m_s.place != CimPlace::ffn) throw std::logic_error("FFN on CIM without the ffn placement");
  CimOpCost c;
  c.rows = rows;
  auto it = m_ffn_cache.find(rows);
  if (it == m_ffn_cache.end()) {
    cim::Chip chip(m_s.tile, m_s.energy);
    const cim::TileConfig& t = m_s.tile;
    const std::int64_t R = t.array_rows, C = t.array_cols, upc = t.uclms_per_core;
    const int act_ops = 2 + (m_ffn.gated ? 1 : 0);  // GELU/SiLU as bert.h counts it (2), x up when gated
    std::int64_t end = 0;
    // One matrix: UCLM base + c x rb + r holds row block r of column block c;
    // returns when its last column block has left the VFU.
    auto matrix = [&](std::int64_t base, std::int64_t k, std::int64_t n, int post_ops, std::int64_t ready) {
      const std::int64_t rb = ceil_div(k, R), cb = ceil_div(n, C);
      std::int64_t done_all = ready;
      for (std::int64_t cbi = 0; cbi < cb; ++cbi) {
        const std::int64_t cols = std::min(C, n - cbi * C);
        // Each core holding row blocks of this column block adds its own
        // partial sums on its VFU; the cores' sums then meet in a binary tree
        // (one hop and one add per level, the HASTILY reduce of uclm.md §1.3).
        std::vector<std::pair<std::int64_t, std::int64_t>> parts;  // (core, partial sum ready)
        std::int64_t local = 0;
        for (std::int64_t r = 0; r < rb; ++r) {
          const std::int64_t g = base + cbi * rb + r, core = g / upc;
          const std::int64_t done = chip.mvm_timing(static_cast<int>(core), static_cast<int>(g % upc), ready);
          if (parts.empty() || parts.back().first != core) {
            if (local > 1) parts.back().second = chip.vfu(static_cast<int>(parts.back().first), cols, static_cast<int>(local - 1), parts.back().second);
            parts.push_back({core, done});
            local = 0;
          }
          parts.back().second = std::max(parts.back().second, done);
          ++local;
        }
        if (local > 1) parts.back().second = chip.vfu(static_cast<int>(parts.back().first), cols, static_cast<int>(local - 1), parts.back().second);
        for (std::size_t step = 1; step < parts.size(); step *= 2)
          for (std::size_t i = 0; i + step < parts.size(); i += 2 * step)
            parts[i].second = chip.vfu(static_cast<int>(parts[i].first), cols, 1,
                                       std::max(parts[i].second, parts[i + step].second + t.hop_cycles));
        done_all = std::max(done_all, chip.vfu(static_cast<int>(parts[0].first), cols, 1 + post_ops, parts[0].second));
      }
      return done_all;
    };
    const std::int64_t base2 = ceil_div(m_ffn.k1, R) * ceil_div(m_ffn.n1, C);
    std::vector<std::int64_t> ends;  // the block's end after rows 0..b
    std::vector<double> pj;          // the chip's energy after rows 0..b
    double energy = 0;
    bool done = false;
    for (std::int64_t b = 0; b < rows && !done; ++b) {
      const std::int64_t h = matrix(0, m_ffn.k1, m_ffn.n1, act_ops, 0);
      end = std::max(end, matrix(base2, m_ffn.k2, m_ffn.n2, 0, h + t.hop_cycles));  // gather the hidden vector
      energy = chip.energy_pj();
      if (!m_ffn_extrapolate || rows <= kFfnExactRows) continue;
      ends.push_back(end);
      pj.push_back(energy);
      const auto n = static_cast<std::int64_t>(ends.size());
      if (n < kFfnExactRows || n == rows) continue;
      // A period c: ends[i] - ends[i - c] the same over the last window, and
      // the same energy per row (relative 1e-12: sums of doubles).
      const double e_row = pj[static_cast<std::size_t>(n - 1)] - pj[static_cast<std::size_t>(n - 2)];
      bool flat = true;
      for (std::int64_t i = n - kFfnPeriodWindow; i < n && flat; ++i)
        flat = std::abs((pj[static_cast<std::size_t>(i)] - pj[static_cast<std::size_t>(i - 1)]) - e_row) <= 1e-12 * std::abs(e_row);
      if (!flat) continue;
      for (std::int64_t c = 1; c <= 8 && !done; ++c) {
        const std::int64_t d = ends[static_cast<std::size_t>(n - 1)] - ends[static_cast<std::size_t>(n - 1 - c)];
        bool periodic = true;
        for (std::int64_t i = n - kFfnPeriodWindow; i < n && periodic; ++i)
          periodic = ends[static_cast<std::size_t>(i)] - ends[static_cast<std::size_t>(i - c)] == d;
        if (!periodic) continue;
        // Row rows - 1 = j + k c with j among the last c rows simulated.
        const std::int64_t last = n - 1, target = rows - 1;
        const std::int64_t j = last - (c - (target - last) % c) % c;
        end = ends[static_cast<std::size_t>(j)] + (target - j) / c * d;
        energy = pj[static_cast<std::size_t>(last)] + static_cast<double>(target - last) * e_row;
        ++m_ffn_extrapolated;
        done = true;
      }
    }
    ++m_simulated;
    it = m_ffn_cache.emplace(rows, std::make_pair(end, energy)).first;
  }
  c.cycles = it->second.first;
  c.tiles_s = m_s.tile.ns(c.cycles) * 1e-9;
  // In: the rows' INT8 activations (k1 each); out: the ffn_2 output, requantised
  // to INT8 by the block's last VFU op (n2 each).
  c.transfer = transfer(rows * m_ffn.k1, rows * m_ffn.n2);
  c.time_s = c.transfer.in_s + c.tiles_s + c.transfer.out_s;
  c.energy_j = it->second.second * 1e-12;
  return c;
}

}  // namespace pimlab::serving
