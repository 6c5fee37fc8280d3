#include "cim/attention.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace pimlab::cim {

namespace {
std::int64_t rq(std::int64_t v, const Requant& r) {
  const std::int64_t p = v * r.M;
  return r.sh == 0 ? p : (p + (std::int64_t{1} << (r.sh - 1))) >> r.sh;
}
std::int8_t sat8(std::int64_t v) { return static_cast<std::int8_t>(std::clamp<std::int64_t>(v, -128, 127)); }

struct Slot {
  int core, u;
};

// A weight matrix (rows x cols) tiled over UCLMs: block (rb, cb).
struct Tiled {
  int rows = 0, cols = 0, rb = 0, cb = 0;
  std::vector<Slot> slots;  // rb-major
  const Slot& at(int r, int c) const { return slots[static_cast<std::size_t>(r) * cb + c]; }
};

class Allocator {
 public:
  explicit Allocator(const TileConfig& cfg) : m_cfg(cfg) {}
  Tiled tile(int rows, int cols) {
    Tiled t;
    t.rows = rows;
    t.cols = cols;
    t.rb = (rows + m_cfg.array_rows - 1) / m_cfg.array_rows;
    t.cb = (cols + m_cfg.array_cols - 1) / m_cfg.array_cols;
    for (int i = 0; i < t.rb * t.cb; ++i) {
      if (m_next >= m_cfg.uclms())
        throw std::invalid_argument("the attention slice needs more UCLMs than the chip has (" + std::to_string(m_cfg.uclms()) + ")");
      t.slots.push_back({static_cast<int>(m_next / m_cfg.uclms_per_core), static_cast<int>(m_next % m_cfg.uclms_per_core)});
      ++m_next;
    }
    return t;
  }
  int used() const { return static_cast<int>(m_next); }

 private:
  const TileConfig& m_cfg;
  std::int64_t m_next = 0;
};

// y = x W over a tiled matrix: MVMs on every block, VFU adds the row-block
// partials on the core of block (0, cb). Returns the completion time.
std::int64_t tiled_mvm(Chip& chip, const Tiled& t, const std::vector<int>& x, InputKind kind, std::int64_t ready,
                       std::vector<std::int64_t>& y) {
  const TileConfig& cfg = chip.config();
  y.assign(static_cast<std::size_t>(t.cols), 0);
  std::int64_t done = ready;
  for (int cb = 0; cb < t.cb; ++cb) {
    std::int64_t partials_ready = ready;
    for (int rb = 0; rb < t.rb; ++rb) {
      const int r0 = rb * cfg.array_rows, r1 = std::min(t.rows, r0 + cfg.array_rows);
      std::vector<int> xs(x.begin() + r0, x.begin() + r1);
      std::vector<std::int32_t> out;
      partials_ready = std::max(partials_ready, chip.mvm(t.at(rb, cb).core, t.at(rb, cb).u, xs, kind, ready, out));
      for (int j = 0; j < cfg.array_cols && cb * cfg.array_cols + j < t.cols; ++j) y[cb * cfg.array_cols + j] += out[j];
    }
    const int width = std::min(cfg.array_cols, t.cols - cb * cfg.array_cols);
    const std::int64_t adds = chip.vfu(t.at(0, cb).core, width, t.rb - 1 + 1, partials_ready);  // adds + requant/scale
    done = std::max(done, adds);
  }
  return done;
}

void load(Chip& chip, const Tiled& t, const std::vector<std::int8_t>& W) {
  const TileConfig& cfg = chip.config();
  for (int rb = 0; rb < t.rb; ++rb)
    for (int cb = 0; cb < t.cb; ++cb)
      for (int i = 0; i < cfg.array_rows && rb * cfg.array_rows + i < t.rows; ++i) {
        const int r = rb * cfg.array_rows + i, c0 = cb * cfg.array_cols;
        const int n = std::min(cfg.array_cols, t.cols - c0);
        chip.write_row(t.at(rb, cb).core, t.at(rb, cb).u, i, W.data() + static_cast<std::size_t>(r) * t.cols + c0, n, 0);
      }
}
}  // namespace

AttentionRun attention_on_chip(Chip& chip, const AttentionSlice& a, const AttentionRunOptions& opt) {
  const TileConfig& cfg = chip.config();
  const int L = a.L, dm = a.d_model, dh = a.d_head;
  if (L < 1 || dm < 1 || dh < 1) throw std::invalid_argument("attention slice needs L, d_model, d_head >= 1");
  const std::size_t w = static_cast<std::size_t>(dm) * dh;
  if (a.X.size() != static_cast<std::size_t>(L) * dm || a.Wq.size() != w || a.Wk.size() != w || a.Wv.size() != w)
    throw std::invalid_argument("attention slice: X must be L x d_model and W_Q, W_K, W_V d_model x d_head");
  Allocator alloc(cfg);
  const Tiled tq = alloc.tile(dm, dh), tk = alloc.tile(dm, dh), tv = alloc.tile(dm, dh);
  const Tiled tkt = alloc.tile(dh, L);  // K^T: features x tokens
  const Tiled tvv = alloc.tile(L, dh);  // V: tokens x features
  load(chip, tq, a.Wq);
  load(chip, tk, a.Wk);
  load(chip, tv, a.Wv);

  AttentionRun run;
  run.Q.resize(static_cast<std::size_t>(L) * dh);
  run.K.resize(run.Q.size());
  run.V.resize(run.Q.size());
  std::vector<std::int64_t> q_ready(static_cast<std::size_t>(L), 0);
  // 1. projections, K and V written as weights
  for (int t = 0; t < L; ++t) {
    std::vector<int> x(a.X.begin() + static_cast<std::ptrdiff_t>(t) * dm, a.X.begin() + static_cast<std::ptrdiff_t>(t + 1) * dm);
    std::vector<std::int64_t> yq, yk, yv;
    q_ready[t] = tiled_mvm(chip, tq, x, InputKind::Int8, 0, yq);
    const std::int64_t k_ready = tiled_mvm(chip, tk, x, InputKind::Int8, 0, yk);
    const std::int64_t v_ready = tiled_mvm(chip, tv, x, InputKind::Int8, 0, yv);
    for (int f = 0; f < dh; ++f) {
      run.Q[static_cast<std::size_t>(t) * dh + f] = sat8(rq(yq[f], a.rq_q));
      run.K[static_cast<std::size_t>(t) * dh + f] = sat8(rq(yk[f], a.rq_k));
      run.V[static_cast<std::size_t>(t) * dh + f] = sat8(rq(yv[f], a.rq_v));
    }
    // K row t -> column t of K^T (one column write per feature row block).
    for (int rb = 0; rb < tkt.rb; ++rb) {
      const int f0 = rb * cfg.array_rows, n = std::min(cfg.array_rows, dh - f0);
      const Slot& s = tkt.at(rb, t / cfg.array_cols);
      run.kv_written = std::max(run.kv_written, chip.write_col(s.core, s.u, t % cfg.array_cols,
                                                               run.K.data() + static_cast<std::size_t>(t) * dh + f0, n,
                                                               k_ready + opt.k_write_delay));
    }
    for (int cb = 0; cb < tvv.cb; ++cb) {
      const int f0 = cb * cfg.array_cols, n = std::min(cfg.array_cols, dh - f0);
      const Slot& s = tvv.at(t / cfg.array_rows, cb);
      run.kv_written = std::max(run.kv_written, chip.write_row(s.core, s.u, t % cfg.array_rows,
                                                               run.V.data() + static_cast<std::size_t>(t) * dh + f0, n, v_ready));
    }
  }
  // Softmax placement: the cores holding K^T, lookups in their K^T UCLMs.
  std::vector<SoftmaxCoreSlot> slots;
  for (const Slot& s : tkt.slots) {
    if (slots.empty() || slots.back().core != s.core) slots.push_back({s.core, {}});
    slots.back().lut_uclms.push_back(s.u);
  }
  if (static_cast<int>(slots.size()) > L) slots.resize(static_cast<std::size_t>(L));
  run.S.resize(static_cast<std::size_t>(L) * L);
  run.P.resize(run.S.size());
  run.O32.resize(run.Q.size());
  run.O.resize(run.Q.size());
  run.first_qk_start = -1;
  // 2. q K^T per row (all rows first in batch order)
  std::vector<std::int64_t> s_ready(static_cast<std::size_t>(L));
  std::vector<std::vector<std::int64_t>> x_codes(static_cast<std::size_t>(L));
  std::int64_t end = 0, batch_barrier = 0;
  auto qk_row = [&](int i) {
    std::vector<int> q(run.Q.begin() + static_cast<std::ptrdiff_t>(i) * dh, run.Q.begin() + static_cast<std::ptrdiff_t>(i + 1) * dh);
    for (const Slot& s : tkt.slots) {
      const std::int64_t st = std::max(q_ready[i], chip.uclm_free(s.core, s.u));
      if (run.first_qk_start < 0 || st < run.first_qk_start) run.first_qk_start = st;
    }
    std::vector<std::int64_t> y;
    const std::int64_t t = tiled_mvm(chip, tkt, q, InputKind::Int8, q_ready[i], y);
    x_codes[i].assign(static_cast<std::size_t>(L), 0);
    for (int k = 0; k < L; ++k) {
      run.S[static_cast<std::size_t>(i) * L + k] = static_cast<std::int32_t>(y[k]);
      const bool masked = a.causal && k > i;
      x_codes[i][k] = masked ? 0 : rq(y[k], a.rq_score);  // the scale is the VFU op counted in tiled_mvm
    }
    s_ready[i] = t;
  };
  auto rest_row = [&](int i, std::int64_t ready) {
    std::vector<std::uint8_t> mask;
    if (a.causal) {
      mask.assign(static_cast<std::size_t>(L), 0);
      for (int k = i + 1; k < L; ++k) mask[k] = 1;
    }
    const SoftmaxTimedRow sm = softmax_on_chip(chip, x_codes[i], mask, slots, ready);
    std::vector<int> p(static_cast<std::size_t>(L));
    for (int k = 0; k < L; ++k) p[k] = run.P[static_cast<std::size_t>(i) * L + k] = sm.u8[k];
    std::vector<std::int64_t> y;
    const std::int64_t t = tiled_mvm(chip, tvv, p, InputKind::Uint8, sm.end, y);
    for (int f = 0; f < dh; ++f) {
      run.O32[static_cast<std::size_t>(i) * dh + f] = static_cast<std::int32_t>(y[f]);
      run.O[static_cast<std::size_t>(i) * dh + f] = sat8(rq(y[f], a.rq_out));
    }
    end = std::max(end, t);
  };
  if (opt.streamed) {
    for (int i = 0; i < L; ++i) {
      qk_row(i);
      rest_row(i, s_ready[i]);
    }
  } else {
    for (int i = 0; i < L; ++i) qk_row(i);
    for (int i = 0; i < L; ++i) batch_barrier = std::max(batch_barrier, s_ready[i]);
    for (int i = 0; i < L; ++i) rest_row(i, batch_barrier);
  }
  run.cycles = end;
  run.uclms_used = alloc.used();
  return run;
}

}  // namespace pimlab::cim
