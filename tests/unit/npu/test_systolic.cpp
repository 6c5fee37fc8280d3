// The weight-stationary array: the closed form (ArrayTimeline) equals the
// cycle-by-cycle PE-grid model tile by tile on 4x4, 8x8 and non-square arrays
// for every tile-shape edge case, and the grid computes the right values.
#include <catch2/catch.hpp>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "npu/systolic.h"

using namespace pimlab::npu;

namespace {

// A GEMM Y[M x N] = A[M x K] . W[K x N] cut into array tiles: for each
// (k-block, n-block) stationary block, the M rows stream in passes of at most
// `pass` rows (passes after the first reuse the weights). Optional seeded
// random operand-ready cycles.
struct Case {
  int M, K, N, pass;
  bool n_outer;
  std::uint64_t seed;  // 0 = everything ready at cycle 0
};

template <class T>
struct Built {
  std::vector<TileData<T>> tiles;
  struct Where {
    int kb, nb, row0;
  };
  std::vector<Where> where;
};

template <class T>
Built<T> build(ArrayShape s, const Case& c, const std::vector<T>& A, const std::vector<T>& W) {
  Built<T> b;
  std::mt19937_64 rng(c.seed);
  auto rnd = [&](int span) { return c.seed == 0 ? 0 : static_cast<Cycle>(rng() % static_cast<std::uint64_t>(span)); };
  const int nkb = (c.K + s.rows - 1) / s.rows, nnb = (c.N + s.cols - 1) / s.cols;
  Cycle clock = 0;  // ready times grow along the sequence, with jitter
  auto add_block = [&](int kb, int nb) {
    const int k0 = kb * s.rows, k = std::min(s.rows, c.K - k0);
    const int n0 = nb * s.cols, n = std::min(s.cols, c.N - n0);
    for (int r0 = 0; r0 < c.M; r0 += c.pass) {
      const int m = std::min(c.pass, c.M - r0);
      TileData<T> t;
      t.spec.m = m;
      t.spec.k = k;
      t.spec.n = n;
      t.spec.reuse_weights = r0 > 0;
      clock += rnd(3 * s.rows);
      t.spec.weights_ready = r0 > 0 ? 0 : clock + rnd(2 * s.rows);
      t.spec.inputs_ready = clock + rnd(2 * s.rows);
      if (r0 == 0) {
        t.w.resize(static_cast<std::size_t>(k) * n);
        for (int i = 0; i < k; ++i)
          for (int j = 0; j < n; ++j)
            t.w[static_cast<std::size_t>(i) * n + j] = W[static_cast<std::size_t>(k0 + i) * c.N + n0 + j];
      }
      t.a.resize(static_cast<std::size_t>(m) * k);
      for (int i = 0; i < m; ++i)
        for (int j = 0; j < k; ++j)
          t.a[static_cast<std::size_t>(i) * k + j] = A[static_cast<std::size_t>(r0 + i) * c.K + k0 + j];
      b.tiles.push_back(std::move(t));
      b.where.push_back({kb, nb, r0});
    }
  };
  if (c.n_outer) {
    for (int nb = 0; nb < nnb; ++nb)
      for (int kb = 0; kb < nkb; ++kb) add_block(kb, nb);
  } else {
    for (int kb = 0; kb < nkb; ++kb)
      for (int nb = 0; nb < nnb; ++nb) add_block(kb, nb);
  }
  return b;
}

// Runs one case: timing of every tile equal between the two models, and the
// accumulated outputs equal to the plain matrix product (exact in integers).
void check_case(ArrayShape s, const Case& c) {
  std::mt19937_64 vals(c.seed * 7919 + static_cast<std::uint64_t>(c.M * 131 + c.K * 17 + c.N));
  std::vector<std::int64_t> A(static_cast<std::size_t>(c.M) * c.K), W(static_cast<std::size_t>(c.K) * c.N);
  for (auto& v : A) v = static_cast<std::int64_t>(vals() % 19) - 9;
  for (auto& v : W) v = static_cast<std::int64_t>(vals() % 23) - 11;
  const auto b = build(s, c, A, W);
  std::vector<TileSpec> specs;
  for (const auto& t : b.tiles) specs.push_back(t.spec);
  const auto closed = array_schedule(s, specs);
  const auto cyc = run_cycle_level(s, b.tiles);
  INFO("array " << s.rows << "x" << s.cols << " M=" << c.M << " K=" << c.K << " N=" << c.N << " pass=" << c.pass
                << " n_outer=" << c.n_outer << " seed=" << c.seed);
  REQUIRE(closed.size() == cyc.timing.size());
  Cycle closed_end = 0;
  for (std::size_t j = 0; j < closed.size(); ++j) {
    INFO("tile " << j);
    CHECK(cyc.timing[j].load_start == closed[j].load_start);
    CHECK(cyc.timing[j].stream_start == closed[j].stream_start);
    CHECK(cyc.timing[j].end == closed[j].end);
    CHECK(cyc.timing[j].buffer == closed[j].buffer);
    closed_end = std::max(closed_end, closed[j].end);
  }
  CHECK(cyc.cycles == closed_end);
  CHECK(cyc.macs == std::int64_t{c.M} * c.K * c.N);
  // Accumulate the tile outputs (the accumulator's job) and compare.
  std::vector<std::int64_t> Y(static_cast<std::size_t>(c.M) * c.N, 0);
  for (std::size_t j = 0; j < b.tiles.size(); ++j) {
    const auto& sp = b.tiles[j].spec;
    const auto& w = b.where[j];
    for (int i = 0; i < sp.m; ++i)
      for (int q = 0; q < sp.n; ++q)
        Y[static_cast<std::size_t>(w.row0 + i) * c.N + w.nb * s.cols + q] +=
            cyc.out[j][static_cast<std::size_t>(i) * sp.n + q];
  }
  bool same = true;
  for (int i = 0; i < c.M; ++i)
    for (int q = 0; q < c.N; ++q) {
      std::int64_t ref = 0;
      for (int k = 0; k < c.K; ++k)
        ref += A[static_cast<std::size_t>(i) * c.K + k] * W[static_cast<std::size_t>(k) * c.N + q];
      same = same && ref == Y[static_cast<std::size_t>(i) * c.N + q];
    }
  CHECK(same);
}

std::vector<int> edge(int a) {  // 1, a-1, a, a+1, 2a+1 (deduplicated, >= 1)
  std::vector<int> v;
  for (int x : {1, a - 1, a, a + 1, 2 * a + 1})
    if (x >= 1 && (v.empty() || v.back() != x)) v.push_back(x);
  return v;
}

}  // namespace

TEST_CASE("array: one tile, hand-derived timing (4x4)") {
  // R = C = 4, m = 3, k = 4, n = 4, all ready at 0: weight row 0 written in
  // cycle 0 (L = 0), input row 0 enters PE(0,0) in cycle 1 (s = L + 1), the
  // last output (i = 2, c = 3) leaves the bottom in cycle s + 2 + 3 + 3 = 9,
  // so the tile ends at 10 = s + m + R + n - 2.
  ArrayShape s{4, 4};
  TileData<std::int64_t> t;
  t.spec.m = 3;
  t.spec.k = 4;
  t.spec.n = 4;
  for (int i = 0; i < 16; ++i) t.w.push_back(i - 5);
  for (int i = 0; i < 12; ++i) t.a.push_back(3 - i);
  const auto r = run_cycle_level(s, std::vector<TileData<std::int64_t>>{t});
  CHECK(r.timing[0].load_start == 0);
  CHECK(r.timing[0].stream_start == 1);
  CHECK(r.cycles == 10);
  CHECK(array_schedule(s, {t.spec})[0].end == 10);
  for (int i = 0; i < 3; ++i)
    for (int c = 0; c < 4; ++c) {
      std::int64_t ref = 0;
      for (int k = 0; k < 4; ++k) ref += t.a[i * 4 + k] * t.w[k * 4 + c];
      CHECK(r.out[0][i * 4 + c] == ref);
    }
}

TEST_CASE("array: a partial tile still drains through all R rows, but only to column n-1") {
  // k = 2, n = 3 on 8x8, m = 1: s = 1, end = 1 + 1 + 8 + 3 - 2 = 11 (the
  // partial sum passes the six unused rows; columns 3..7 are not waited for).
  ArrayShape s{8, 8};
  TileData<std::int64_t> t;
  t.spec = TileSpec{1, 2, 3};
  t.w = {1, 2, 3, 4, 5, 6};
  t.a = {7, 8};
  const auto r = run_cycle_level(s, std::vector<TileData<std::int64_t>>{t});
  CHECK(r.cycles == 11);
  CHECK(r.out[0] == std::vector<std::int64_t>{7 * 1 + 8 * 4, 7 * 2 + 8 * 5, 7 * 3 + 8 * 6});
}

TEST_CASE("array: closed form equals the cycle-level model on every tile-shape edge case") {
  for (ArrayShape s : {ArrayShape{4, 4}, ArrayShape{8, 8}, ArrayShape{4, 8}, ArrayShape{8, 4}}) {
    for (int M : {1, 2, s.rows - 1, s.rows, s.rows + 1, 3 * s.rows})
      for (int K : edge(s.rows))
        for (int N : edge(s.cols))
          for (bool n_outer : {false, true}) {
            check_case(s, Case{M, K, N, M, n_outer, 0});             // whole M per stationary block
            if (M > 2) check_case(s, Case{M, K, N, 2, n_outer, 0});  // passes of 2 rows (weights reused)
          }
  }
}

TEST_CASE("array: closed form equals the cycle-level model when operands arrive late (seeded)") {
  // Ready cycles drawn from std::mt19937_64 (modulo, no library distribution):
  // loads wait for weights, streams for inputs, the rest follows.
  for (ArrayShape s : {ArrayShape{4, 4}, ArrayShape{8, 8}})
    for (std::uint64_t seed = 1; seed <= 12; ++seed)
      for (int M : {1, s.rows + 1, 3 * s.rows})
        for (int K : {1, s.rows, 2 * s.rows + 1})
          for (int N : {s.cols - 1, 2 * s.cols + 1}) check_case(s, Case{M, K, N, M > 2 ? 3 : M, seed % 2 == 0, seed});
}

TEST_CASE("array: floating-point values accumulate top to bottom, exactly as a sequential sum") {
  // Each partial sum adds a*w row 0 first, so a sequential double sum in the
  // same order is bit-identical.
  ArrayShape s{8, 8};
  std::mt19937_64 rng(42);
  auto u = [&]() { return static_cast<double>(rng() >> 11) * 0x1.0p-53 - 0.5; };
  TileData<double> t;
  t.spec = TileSpec{5, 7, 6};
  for (int i = 0; i < 7 * 6; ++i) t.w.push_back(u());
  for (int i = 0; i < 5 * 7; ++i) t.a.push_back(u());
  const auto r = run_cycle_level(s, std::vector<TileData<double>>{t});
  for (int i = 0; i < 5; ++i)
    for (int c = 0; c < 6; ++c) {
      double ref = 0;
      for (int k = 0; k < 7; ++k) ref = ref + t.a[i * 7 + k] * t.w[k * 6 + c];
      CHECK(r.out[0][i * 6 + c] == ref);
    }
}

TEST_CASE("array: 128x128, faithful timing against the NeuPIMs instruction numbers") {
  ArrayShape s{128, 128};
  // One 16-row tile: the artifact counts 128 + 128 - 2 + 16 = 270 cycles with
  // the weights already in place; the physical array needs one more cycle,
  // the lead of the weight wavefront (row 0 written in cycle 0, input in 1).
  CHECK(array_schedule(s, {TileSpec{16, 128, 128}})[0].end == 271);
  // Back-to-back new stationary tiles of 16 rows: the single weight-write
  // port spaces them by k = 128 cycles (L_j = L_{j-1} + 128), the artifact's
  // PRELOAD spacing; 16-row passes on the same weights follow every 16 cycles,
  // the artifact's GEMM spacing.
  const auto t = array_schedule(s, {TileSpec{16, 128, 128}, TileSpec{16, 128, 128}, TileSpec{16, 128, 128},
                                    TileSpec{16, 128, 128, true}, TileSpec{16, 128, 128, true}});
  CHECK(t[1].stream_start - t[0].stream_start == 128);
  CHECK(t[2].stream_start - t[1].stream_start == 128);
  CHECK(t[3].stream_start - t[2].stream_start == 16);
  CHECK(t[4].stream_start - t[3].stream_start == 16);
  // Where they differ: a stationary block streaming 24 passes of 16 rows
  // (384 cycles) hides the next block's 128-cycle load; the artifact adds
  // 128 + 16 * 23 = 496 cycles per block (system.md §2.2) instead of 384.
  std::vector<TileSpec> seq;
  for (int blk = 0; blk < 3; ++blk)
    for (int p = 0; p < 24; ++p) seq.push_back(TileSpec{16, 128, 128, p > 0});
  const auto u = array_schedule(s, seq);
  CHECK(u[24].stream_start - u[0].stream_start == 384);
  CHECK(u[48].stream_start - u[24].stream_start == 384);
  // The cycle-level grid agrees on the first two blocks (48 tiles, 128x128 PEs).
  std::vector<TileData<std::int64_t>> data;
  for (int j = 0; j < 48; ++j) {
    TileData<std::int64_t> d;
    d.spec = seq[j];
    if (!d.spec.reuse_weights) d.w.assign(128 * 128, 1);
    d.a.assign(16 * 128, 1);
    data.push_back(std::move(d));
  }
  const auto r = run_cycle_level(s, data);
  CHECK(r.timing[24].stream_start == u[24].stream_start);
  CHECK(r.cycles == u[47].end);
  CHECK(r.out[47][0] == 128);
}

TEST_CASE("array: bad tiles are rejected with the reason") {
  ArrayShape s{4, 4};
  CHECK_THROWS_WITH(array_schedule(s, {TileSpec{1, 5, 4}}), Catch::Contains("k = 5") && Catch::Contains("[1, 4]"));
  CHECK_THROWS_WITH(array_schedule(s, {TileSpec{1, 4, 0}}), Catch::Contains("n = 0"));
  CHECK_THROWS_WITH(array_schedule(s, {TileSpec{1, 4, 4, true}}), Catch::Contains("first tile cannot reuse"));
  CHECK_THROWS_WITH(array_schedule(s, {TileSpec{1, 4, 4}, TileSpec{1, 3, 4, true}}), Catch::Contains("reuses"));
}
