#include "npu/gemm.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>
#include <utility>

#include "npu/systolic.h"

namespace pimlab::npu {

const char* to_string(Operand o) {
  switch (o) {
    case Operand::x: return "x";
    case Operand::w: return "w";
    case Operand::bias: return "bias";
    case Operand::y: return "y";
  }
  return "?";
}

const char* to_string(Bound b) { return b == Bound::compute ? "compute" : "bandwidth"; }

namespace {

std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }
std::int64_t round_up(std::int64_t a, std::int64_t b) { return ceil_div(a, b) * b; }

// Columns of the row-major tensor an operand lives in.
std::int64_t tensor_cols(const GemmShape& s, Operand o) {
  switch (o) {
    case Operand::x: return s.k;
    case Operand::w: return s.n;
    case Operand::bias: return s.n;
    case Operand::y: return s.n;
  }
  return 0;
}

}  // namespace

std::vector<ByteRange> byte_ranges(const GemmShape& shape, int element_bytes, const Transfer& t) {
  const std::int64_t ld = tensor_cols(shape, t.operand);
  std::vector<ByteRange> out;
  for (std::int64_t r = 0; r < t.block.rows; ++r) {
    const std::int64_t off = ((t.block.row0 + r) * ld + t.block.col0) * element_bytes;
    const std::int64_t len = t.block.cols * element_bytes;
    if (!out.empty() && out.back().offset + out.back().bytes == off)
      out.back().bytes += len;
    else
      out.push_back(ByteRange{off, len});
  }
  return out;
}

std::int64_t GemmPlan::read_bytes() const {
  std::int64_t b = 0;
  for (const auto& t : transfers)
    if (!t.write) b += t.bytes;
  return b;
}

std::int64_t GemmPlan::write_bytes() const {
  std::int64_t b = 0;
  for (const auto& t : transfers)
    if (t.write) b += t.bytes;
  return b;
}

GemmPlan plan_gemm(const NpuConfig& cfg, const GemmShape& shape) {
  validate(cfg);
  if (shape.m < 1 || shape.k < 1 || shape.n < 1)
    throw std::invalid_argument("gemm: m, k and n must be >= 1 (got " + std::to_string(shape.m) + " x " +
                                std::to_string(shape.k) + " x " + std::to_string(shape.n) + ")");
  GemmPlan plan;
  plan.shape = shape;
  plan.element_bytes = cfg.element_bytes;
  const std::int64_t eb = cfg.element_bytes;
  // Block extents: a stationary block is rows (k) x cols (tokens); streamed
  // blocks carry `cols` output-feature rows (NeuPIMs: 128 everywhere).
  const std::int64_t bt = cfg.systolic.cols, bk = cfg.systolic.rows, bo = cfg.systolic.cols;

  // L2 tile (system.md §2.2 step 1): halve the largest of (m, k, n) — the
  // first on ties — until X, W and Y blocks (each extent rounded up to the
  // block size) fit one scratchpad buffer and Y fits one accumulator buffer.
  const std::int64_t buffers = cfg.double_buffered ? 2 : 1;
  const std::int64_t spad = cfg.scratchpad_bytes / buffers;
  const std::int64_t acc = cfg.accumulator_bytes / buffers;
  std::int64_t d[3] = {shape.m, shape.k, shape.n};
  auto fits = [&]() {
    const std::int64_t m = round_up(d[0], bt), k = round_up(d[1], bk), n = round_up(d[2], bo);
    return (m * k + k * n + m * n) * eb <= spad && m * n * eb <= acc;
  };
  while (!fits()) {
    if (d[0] <= bt && d[1] <= bk && d[2] <= bo)  // validate() rules this out
      throw std::logic_error("gemm: one block of each operand does not fit the scratchpad");
    int i = 0;
    if (d[1] > d[i]) i = 1;
    if (d[2] > d[i]) i = 2;
    d[i] = (d[i] + 1) / 2;
  }
  plan.l2_m = d[0];
  plan.l2_k = d[1];
  plan.l2_n = d[2];

  auto add_transfer = [&](Operand op, bool write, Block b, int tile) {
    Transfer t;
    t.id = static_cast<int>(plan.transfers.size());
    t.operand = op;
    t.write = write;
    t.block = b;
    t.bytes = b.rows * b.cols * eb;
    t.l2_tile = tile;
    plan.transfers.push_back(t);
    return t.id;
  };

  // Tile order (NeuPIMs MatMul, transposed): output features outer, tokens, K inner.
  const std::int64_t tn = ceil_div(shape.n, plan.l2_n), tm = ceil_div(shape.m, plan.l2_m),
                     tk = ceil_div(shape.k, plan.l2_k);
  {
    const std::int64_t steps =
        tn * tm * tk * ceil_div(plan.l2_m, bt) * ceil_div(plan.l2_k, bk) * ceil_div(plan.l2_n, bo);
    plan.steps.reserve(static_cast<std::size_t>(steps));
    plan.transfers.reserve(static_cast<std::size_t>(2 * steps + tn * tm * tk * ceil_div(plan.l2_n, bo)));
    plan.tiles.reserve(static_cast<std::size_t>(tn * tm * tk));
  }
  for (std::int64_t on = 0; on < tn; ++on)
    for (std::int64_t om = 0; om < tm; ++om)
      for (std::int64_t ok = 0; ok < tk; ++ok) {
        L2Tile tile;
        tile.m0 = om * plan.l2_m;
        tile.m = std::min(plan.l2_m, shape.m - tile.m0);
        tile.k0 = ok * plan.l2_k;
        tile.k = std::min(plan.l2_k, shape.k - tile.k0);
        tile.n0 = on * plan.l2_n;
        tile.n = std::min(plan.l2_n, shape.n - tile.n0);
        const int ti = static_cast<int>(plan.tiles.size());
        tile.first_step = static_cast<int>(plan.steps.size());
        const bool first_k = ok == 0, last_k = ok == tk - 1;
        const std::int64_t nbt = ceil_div(tile.m, bt), nbk = ceil_div(tile.k, bk), nbo = ceil_div(tile.n, bo);
        std::vector<int> bias_of(static_cast<std::size_t>(nbo), -1);
        if (shape.bias && first_k)
          for (std::int64_t o = 0; o < nbo; ++o) {
            const std::int64_t c0 = tile.n0 + o * bo;
            bias_of[o] = add_transfer(Operand::bias, false, Block{0, 1, c0, std::min(bo, shape.n - c0)}, ti);
            tile.reads.push_back(bias_of[o]);
          }
        std::vector<int> w_of(static_cast<std::size_t>(nbk * nbo), -1);
        std::vector<int> x_of(static_cast<std::size_t>(nbt * nbk), -1);
        auto step = [&](std::int64_t b, std::int64_t c, std::int64_t o) {
          const std::int64_t t0 = tile.m0 + b * bt, ts = std::min(bt, tile.m0 + tile.m - t0);
          const std::int64_t k0 = tile.k0 + c * bk, ks = std::min(bk, tile.k0 + tile.k - k0);
          const std::int64_t o0 = tile.n0 + o * bo, os = std::min(bo, tile.n0 + tile.n - o0);
          if (b == 0) {
            w_of[c * nbo + o] = add_transfer(Operand::w, false, Block{k0, ks, o0, os}, ti);
            tile.reads.push_back(w_of[c * nbo + o]);
          }
          if (o == 0) {
            x_of[b * nbk + c] = add_transfer(Operand::x, false, Block{t0, ts, k0, ks}, ti);
            tile.reads.push_back(x_of[b * nbk + c]);
          }
          L1Step s;
          s.l2_tile = ti;
          s.tok0 = t0;
          s.toks = ts;
          s.k0 = k0;
          s.ks = ks;
          s.out0 = o0;
          s.outs = os;
          s.preload = o == 0;
          s.x_transfer = x_of[b * nbk + c];
          s.w_transfer = w_of[c * nbo + o];
          s.bias_transfer = c == 0 ? bias_of[o] : -1;
          if (last_k && c == nbk - 1) {
            s.y_transfer = add_transfer(Operand::y, true, Block{t0, ts, o0, os}, ti);
            tile.writes.push_back(s.y_transfer);
          }
          plan.steps.push_back(s);
        };
        // Step order. artifact: token block, K block, output block (NeuPIMs).
        // faithful: K block outermost, so every token block consumes a
        // streamed W block while it is in the scratchpad, on parallel arrays.
        if (cfg.mode == Mode::artifact) {
          for (std::int64_t b = 0; b < nbt; ++b)
            for (std::int64_t c = 0; c < nbk; ++c)
              for (std::int64_t o = 0; o < nbo; ++o) step(b, c, o);
        } else {
          for (std::int64_t c = 0; c < nbk; ++c)
            for (std::int64_t b = 0; b < nbt; ++b)
              for (std::int64_t o = 0; o < nbo; ++o) step(b, c, o);
        }
        tile.steps = static_cast<int>(plan.steps.size()) - tile.first_step;
        plan.tiles.push_back(std::move(tile));
      }
  return plan;
}

LinkDma::LinkDma(double bytes_per_cycle, Cycle latency) : m_bw(bytes_per_cycle), m_latency(latency) {
  if (!(bytes_per_cycle > 0) || !std::isfinite(bytes_per_cycle))
    throw std::invalid_argument("npu dma: bandwidth must be a positive number of bytes per cycle");
  if (latency < 0) throw std::invalid_argument("npu dma: latency must be >= 0");
}

Cycle LinkDma::transfer(const Transfer& t, Cycle issue) {
  const double begin = std::max(static_cast<double>(issue), m_free);
  const double dur = static_cast<double>(t.bytes) / m_bw;
  m_free = begin + dur;
  m_busy += dur;
  m_bytes += t.bytes;
  return static_cast<Cycle>(std::ceil(m_free)) + m_latency;
}

Cycle DmaPort::complete(const Transfer& t) {
  throw std::logic_error("npu dma: complete() of transfer " + std::to_string(t.id) +
                         " on a port whose post() never leaves a transfer pending");
}

GemmTiming run_gemm(const NpuConfig& cfg, const GemmPlan& plan, DmaPort& dma, Cycle start) {
  validate(cfg);
  GemmTiming tm;
  tm.start = start;
  tm.compute_end = start;
  tm.end = start;
  tm.macs = plan.shape.m * plan.shape.k * plan.shape.n;
  const int T = static_cast<int>(plan.tiles.size());
  const int buffers = cfg.double_buffered ? 2 : 1;
  std::vector<Cycle> arrival(plan.transfers.size(), -1);
  std::vector<Cycle> tile_issue(static_cast<std::size_t>(T), start);
  Cycle last_issue = start;  // the DMA queue is in order

  auto issue_reads = [&](int i, Cycle at) {
    at = std::max(at, last_issue);
    last_issue = at;
    tile_issue[i] = at;
    for (int id : plan.tiles[i].reads) {
      const Transfer& t = plan.transfers[id];
      arrival[id] = dma.post(t, at);
      if (arrival[id] != kPending && arrival[id] < at)
        throw std::logic_error("npu dma: a transfer completed before it was issued");
      tm.read_bytes += t.bytes;
    }
  };
  // A read's arrival, asked of the port when a step first needs it.
  auto arrived = [&](int id) {
    if (arrival[id] == kPending) arrival[id] = dma.complete(plan.transfers[id]);
    return arrival[id];
  };
  for (int i = 0; i < std::min(buffers, T); ++i) issue_reads(i, start);

  const int R = cfg.systolic.rows, C = cfg.systolic.cols;
  // artifact pipeline state
  const Cycle art_size = std::max(1, C / cfg.systolic.count);  // "loop_size / 8"
  const Cycle art_latency = R + C - 2 + std::max<Cycle>(art_size, 4);
  Cycle prev_issue = start - 1;
  bool any_in_pipe = false;
  Cycle back_start = 0, back_finish = 0, back_size = 0;
  // faithful state
  std::vector<ArrayTimeline> arrays(static_cast<std::size_t>(cfg.systolic.count), ArrayTimeline(ArrayShape{R, C}));
  int next_array = 0, cur_array = 0;

  std::vector<int> pending_y;  // the tile's posted Y writes whose completion is not known yet
  for (int i = 0; i < T; ++i) {
    const L2Tile& tile = plan.tiles[i];
    std::map<std::pair<std::int64_t, std::int64_t>, Cycle> block_end;  // (tok0, out0) -> last K step end
    Cycle tile_done = tile_issue[i];
    for (int si = tile.first_step; si < tile.first_step + tile.steps; ++si) {
      const L1Step& s = plan.steps[si];
      const Cycle x_ready = std::max(arrived(s.x_transfer), tile_issue[i]);
      Cycle w_ready = std::max(arrived(s.w_transfer), tile_issue[i]);
      if (s.bias_transfer >= 0) w_ready = std::max(w_ready, arrived(s.bias_transfer));
      Cycle end;
      if (cfg.mode == Mode::artifact) {
        const Cycle issue = std::max({x_ready, w_ready, prev_issue + 1});
        prev_issue = issue;
        Cycle st;
        if (any_in_pipe && back_finish > issue)
          st = back_start + (s.preload ? R : std::max<Cycle>(back_size, 4));
        else
          st = issue + (s.preload ? 2 * R - 1 : 0);
        back_start = st;
        back_finish = st + art_latency;
        back_size = art_size;
        any_in_pipe = true;
        end = back_finish;
      } else {
        if (s.preload) {
          cur_array = next_array;
          next_array = (next_array + 1) % cfg.systolic.count;
        }
        TileSpec spec;
        spec.m = static_cast<int>(s.outs);
        spec.k = static_cast<int>(s.ks);
        spec.n = static_cast<int>(s.toks);
        spec.reuse_weights = !s.preload;
        spec.weights_ready = x_ready;
        spec.inputs_ready = w_ready;
        end = arrays[cur_array].add(spec).end;
      }
      ++tm.steps;
      if (s.preload) ++tm.preloads;
      Cycle& be = block_end[{s.tok0, s.out0}];
      be = std::max(be, end);
      tm.compute_end = std::max(tm.compute_end, end);
      tile_done = std::max(tile_done, end);
      if (s.y_transfer >= 0) {
        const Transfer& y = plan.transfers[s.y_transfer];
        const Cycle at = std::max(be, last_issue);
        last_issue = at;
        const Cycle done = dma.post(y, at);
        if (done == kPending) {
          pending_y.push_back(s.y_transfer);
        } else {
          if (done < at) throw std::logic_error("npu dma: a transfer completed before it was issued");
          tile_done = std::max(tile_done, done);
        }
        tm.write_bytes += y.bytes;
      }
    }
    // Writes left pending must complete before the tile's buffer is reused
    // by the reads of tile i + buffers; the last tiles' writes are waited
    // for at the end (later tiles' writes may go out meanwhile).
    if (i + buffers < T) {
      for (int id : pending_y) tile_done = std::max(tile_done, dma.complete(plan.transfers[id]));
      pending_y.clear();
    }
    tm.end = std::max(tm.end, tile_done);
    if (i + buffers < T) issue_reads(i + buffers, tile_done);
  }
  for (int id : pending_y) tm.end = std::max(tm.end, dma.complete(plan.transfers[id]));
  return tm;
}

Roofline gemm_roofline(const NpuConfig& cfg, const GemmShape& s, double bytes_per_s) {
  if (!(bytes_per_s > 0)) throw std::invalid_argument("npu roofline: bandwidth must be > 0 bytes/s");
  Roofline r;
  r.flops = 2.0 * static_cast<double>(s.m) * static_cast<double>(s.k) * static_cast<double>(s.n);
  const double elems = static_cast<double>(s.m * s.k + s.k * s.n + s.m * s.n + (s.bias ? s.n : 0));
  r.bytes = elems * cfg.element_bytes;
  r.compute_s = r.flops / (cfg.peak_flops_per_cycle() * static_cast<double>(cfg.clock_mhz) * 1e6);
  r.memory_s = r.bytes / bytes_per_s;
  r.time_s = std::max(r.compute_s, r.memory_s);
  r.bound = r.compute_s >= r.memory_s ? Bound::compute : Bound::bandwidth;
  return r;
}

GemmReport time_gemm(const NpuConfig& cfg, const GemmShape& shape, double bytes_per_s, Cycle dma_latency) {
  GemmReport rep;
  rep.roofline = gemm_roofline(cfg, shape, bytes_per_s);
  const GemmPlan plan = plan_gemm(cfg, shape);
  LinkDma link(bytes_per_s * cfg.cycle_s(), dma_latency);
  rep.timing = run_gemm(cfg, plan, link, 0);
  InstantDma instant;
  const GemmTiming c = run_gemm(cfg, plan, instant, 0);
  rep.time_s = static_cast<double>(rep.timing.end - rep.timing.start) * cfg.cycle_s();
  rep.compute_only_s = static_cast<double>(c.end - c.start) * cfg.cycle_s();
  rep.transfer_s = link.busy_cycles() * cfg.cycle_s();
  rep.limiter = rep.compute_only_s >= rep.transfer_s ? Bound::compute : Bound::bandwidth;
  return rep;
}

}  // namespace pimlab::npu
