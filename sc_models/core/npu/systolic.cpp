#include "npu/systolic.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace pimlab::npu {

namespace {

void check_tile(ArrayShape shape, const TileSpec& t, std::size_t index, bool have_prev, int prev_k, int prev_n) {
  auto fail = [&](const std::string& what) {
    throw std::invalid_argument("systolic tile " + std::to_string(index) + ": " + what);
  };
  if (shape.rows < 1 || shape.cols < 1) throw std::invalid_argument("systolic array: rows and cols must be >= 1");
  if (t.m < 1) fail("m = " + std::to_string(t.m) + "; allowed: >= 1");
  if (t.k < 1 || t.k > shape.rows)
    fail("k = " + std::to_string(t.k) + "; allowed: [1, " + std::to_string(shape.rows) + "]");
  if (t.n < 1 || t.n > shape.cols)
    fail("n = " + std::to_string(t.n) + "; allowed: [1, " + std::to_string(shape.cols) + "]");
  if (t.weights_ready < 0 || t.inputs_ready < 0) fail("ready cycles must be >= 0");
  if (t.reuse_weights && !have_prev) fail("the first tile cannot reuse weights");
  if (t.reuse_weights && (t.k != prev_k || t.n != prev_n))
    fail("reuses the weights of a " + std::to_string(prev_k) + "x" + std::to_string(prev_n) + " block but is " +
         std::to_string(t.k) + "x" + std::to_string(t.n));
}

}  // namespace

ArrayTimeline::ArrayTimeline(ArrayShape shape) : m_shape(shape) {
  if (shape.rows < 1 || shape.cols < 1) throw std::invalid_argument("systolic array: rows and cols must be >= 1");
}

TileTiming ArrayTimeline::add(const TileSpec& t) {
  check_tile(m_shape, t, 0, m_any, m_prev_k, m_prev_n);
  TileTiming r;
  Cycle s = std::max(t.inputs_ready, m_injector_free);
  if (!t.reuse_weights) {
    const int b = 1 - m_last_load_buffer;
    Cycle L = std::max(t.weights_ready, m_buffer_free[b]);
    if (m_any_load) L = std::max(L, m_loader_free);
    m_loader_free = L + t.k;
    m_last_load_buffer = b;
    m_any_load = true;
    r.load_start = L;
    r.buffer = b;
    s = std::max(s, L + 1);
  } else {
    r.buffer = m_buffer;
  }
  r.stream_start = s;
  r.end = s + t.m + m_shape.rows + t.n - 2;
  m_injector_free = s + t.m;
  m_buffer_free[r.buffer] = s + t.m + m_shape.cols - 2;
  m_buffer = r.buffer;
  m_prev_k = t.k;
  m_prev_n = t.n;
  m_any = true;
  m_end = std::max(m_end, r.end);
  return r;
}

std::vector<TileTiming> array_schedule(ArrayShape shape, const std::vector<TileSpec>& tiles) {
  ArrayTimeline tl(shape);
  std::vector<TileTiming> out;
  out.reserve(tiles.size());
  for (const auto& t : tiles) out.push_back(tl.add(t));
  return out;
}

// ---------------------------------------------------------------- cycle level

template <class T>
CycleLevelResult<T> run_cycle_level(ArrayShape shape, const std::vector<TileData<T>>& tiles) {
  const int R = shape.rows, C = shape.cols;
  const int N = static_cast<int>(tiles.size());
  for (int j = 0; j < N; ++j) {
    const auto& s = tiles[j].spec;
    check_tile(shape, s, static_cast<std::size_t>(j), j > 0, j > 0 ? tiles[j - 1].spec.k : 0,
               j > 0 ? tiles[j - 1].spec.n : 0);
    if (static_cast<std::int64_t>(tiles[j].a.size()) != std::int64_t{s.m} * s.k)
      throw std::invalid_argument("systolic tile " + std::to_string(j) + ": a must hold m*k values");
    if (!s.reuse_weights && static_cast<std::int64_t>(tiles[j].w.size()) != std::int64_t{s.k} * s.n)
      throw std::invalid_argument("systolic tile " + std::to_string(j) + ": w must hold k*n values");
  }

  struct In {
    bool v = false;
    int tile = 0, i = 0, buf = 0;
    T val{};
  };
  struct Ps {
    bool v = false;
    int tile = 0, i = 0;
    T val{};
  };
  auto at = [C](int r, int c) { return static_cast<std::size_t>(r) * C + c; };
  std::vector<T> wbuf[2] = {std::vector<T>(static_cast<std::size_t>(R) * C, T{}),
                            std::vector<T>(static_cast<std::size_t>(R) * C, T{})};
  std::vector<int> wtile[2] = {std::vector<int>(R, -1), std::vector<int>(R, -1)};  // tile whose row is held
  std::vector<Cycle> wcycle[2] = {std::vector<Cycle>(R, -1), std::vector<Cycle>(R, -1)};
  std::vector<In> a(static_cast<std::size_t>(R) * C), na(a.size());
  std::vector<Ps> p(a.size()), np(a.size());

  // Per tile: buffer, the tile that loaded its weights, load and stream start.
  std::vector<int> buf(N, -1), base(N, -1);
  std::vector<Cycle> start(N, -1), load(N, -1);
  CycleLevelResult<T> res;
  res.timing.resize(N);
  res.out.resize(N);
  std::int64_t outputs_left = 0;
  for (int j = 0; j < N; ++j) {
    res.out[j].assign(static_cast<std::size_t>(tiles[j].spec.m) * tiles[j].spec.n, T{});
    outputs_left += std::int64_t{tiles[j].spec.m} * tiles[j].spec.n;
    base[j] = tiles[j].spec.reuse_weights ? base[j - 1] : j;
  }

  int next_stream = 0;  // next tile to start streaming
  int next_load = 0;    // next tile whose weights are (being) written
  int load_row = 0;     // next row of that load
  int last_load_buf = 1;
  Cycle last_write = -1;  // cycle of the last weight-row write
  int first_active = 0;   // tiles below this have injected everything
  const Cycle limit = 100000000;

  auto skip_reused = [&]() {
    while (next_load < N && tiles[next_load].spec.reuse_weights) ++next_load;
  };
  skip_reused();

  for (Cycle t = 0; outputs_left > 0; ++t) {
    if (t > limit) throw std::logic_error("systolic cycle model: no progress");
    // 1. Start the next tile's stream if the physical state allows it.
    if (next_stream < N) {
      const int j = next_stream;
      const auto& s = tiles[j].spec;
      bool ok = t >= s.inputs_ready;
      if (j > 0) ok = ok && t >= start[j - 1] + tiles[j - 1].spec.m;
      if (ok) {
        const int b = tiles[j].spec.reuse_weights ? buf[j - 1] : buf[j];
        ok = b >= 0 && wtile[b][0] == base[j] && wcycle[b][0] <= t - 1;
        if (ok) {
          buf[j] = b;
          start[j] = t;
          ++next_stream;
        }
      }
    }
    // 2. One clock of the PE grid.
    while (first_active < next_stream) {
      const auto& s = tiles[first_active].spec;
      if (start[first_active] + s.m - 1 + (s.k - 1) < t)
        ++first_active;
      else
        break;
    }
    for (int r = 0; r < R; ++r) {
      // The input entering PE(r,0) this cycle.
      In inj;
      for (int j = first_active; j < next_stream; ++j) {
        const auto& s = tiles[j].spec;
        const Cycle i = t - start[j] - r;
        if (r < s.k && i >= 0 && i < s.m) {
          const int b = buf[j];
          if (wtile[b][r] != base[j] || wcycle[b][r] > t - 1)
            throw std::logic_error("systolic cycle model: tile " + std::to_string(j) + " reads weight row " +
                                   std::to_string(r) + " before it is written (cycle " + std::to_string(t) + ")");
          inj.v = true;
          inj.tile = j;
          inj.i = static_cast<int>(i);
          inj.buf = b;
          inj.val = tiles[j].a[static_cast<std::size_t>(i) * s.k + r];
          break;
        }
      }
      for (int c = 0; c < C; ++c) {
        const In in = c == 0 ? inj : a[at(r, c - 1)];
        Ps ps;
        if (r > 0) ps = p[at(r - 1, c)];
        if (in.v) {
          if (r == 0) {
            ps.v = true;
            ps.tile = in.tile;
            ps.i = in.i;
            ps.val = T{};
          } else if (!ps.v || ps.tile != in.tile || ps.i != in.i) {
            throw std::logic_error("systolic cycle model: input of tile " + std::to_string(in.tile) + " row " +
                                   std::to_string(in.i) + " misses its partial sum at PE(" + std::to_string(r) + "," +
                                   std::to_string(c) + ")");
          }
          ps.val = ps.val + in.val * wbuf[in.buf][at(r, c)];
          if (c < tiles[in.tile].spec.n) ++res.macs;
        }
        na[at(r, c)] = in;
        np[at(r, c)] = ps;
        if (r == R - 1 && ps.v) {
          const auto& s = tiles[ps.tile].spec;
          if (c < s.n) {
            res.out[ps.tile][static_cast<std::size_t>(ps.i) * s.n + c] = ps.val;
            res.timing[ps.tile].end = std::max(res.timing[ps.tile].end, t + 1);
            --outputs_left;
          }
        }
      }
    }
    std::swap(a, na);
    std::swap(p, np);
    // 3. The weight loader writes one row at the end of the cycle.
    if (next_load < N && t > last_write && t >= tiles[next_load].spec.weights_ready) {
      const int j = next_load;
      const auto& s = tiles[j].spec;
      const int b = load_row == 0 ? 1 - last_load_buf : buf[j];
      const int r = load_row;
      bool free = true;
      // An input of buffer b still in row r (columns 0..C-2 move on and read it next cycle).
      for (int c = 0; c + 1 < C && free; ++c) {
        const In& in = a[at(r, c)];
        if (in.v && in.buf == b) free = false;
      }
      // An earlier tile of buffer b (its own load or the one it reuses) that has
      // not yet injected all of row r, or not even started.
      for (int u = 0; u < j && free; ++u) {
        if (buf[base[u]] != b || r >= tiles[u].spec.k) continue;
        if (start[u] < 0 || start[u] + tiles[u].spec.m - 1 + r > t) free = false;
      }
      if (free) {
        if (r == 0) {
          buf[j] = b;
          last_load_buf = b;
          load[j] = t;
        }
        for (int c = 0; c < s.n; ++c) wbuf[b][at(r, c)] = tiles[j].w[static_cast<std::size_t>(r) * s.n + c];
        wtile[b][r] = j;
        wcycle[b][r] = t;
        last_write = t;
        if (++load_row == s.k) {
          load_row = 0;
          ++next_load;
          skip_reused();
        }
      }
    }
  }
  for (int j = 0; j < N; ++j) {
    res.timing[j].load_start = tiles[j].spec.reuse_weights ? -1 : load[j];
    res.timing[j].stream_start = start[j];
    res.timing[j].buffer = buf[j];
    res.cycles = std::max(res.cycles, res.timing[j].end);
  }
  return res;
}

template CycleLevelResult<std::int64_t> run_cycle_level(ArrayShape, const std::vector<TileData<std::int64_t>>&);
template CycleLevelResult<double> run_cycle_level(ArrayShape, const std::vector<TileData<double>>&);

}  // namespace pimlab::npu
