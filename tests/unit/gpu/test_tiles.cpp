// The pieces of the tile search with hand-derived expectations (system.md
// §1.4): traffic of a tiling, threadblocks, wave utilisation, the L1 search
// (capacity, u^2 weighting, first strict minimum, clipping) and the L2 search
// (multiples of the L1 tile plus the full dimension, capacity, the L1 tile
// always allowed, first strict minimum).
#include <catch2/catch.hpp>

#include <stdexcept>

#include "gpu/host.h"
#include "gpu/roofline.h"

using namespace pimlab::gpu;

namespace {

Host toy(int sms, double l1, double l2) {
  Host h = preset("a100");
  h.name = "toy";
  h.sms = sms;
  h.l1_bytes_per_sm = l1;
  h.l2_bytes = l2;
  return h;
}

Operator op(OpClass c, std::int64_t m, std::int64_t n, std::int64_t k, std::int64_t num_op, int dbyte) {
  Operator o;
  o.cls = c;
  o.name = "t";
  o.category = "gemm";
  o.m = m;
  o.n = n;
  o.k = k;
  o.num_op = num_op;
  o.dbyte = dbyte;
  return o;
}

}  // namespace

TEST_CASE("wave utilisation: threadblocks over whole waves of SMs", "[gpu][tiles]") {
  CHECK(wave_utilisation(108, 108) == 1.0);
  CHECK(wave_utilisation(216, 108) == 1.0);
  CHECK(wave_utilisation(1, 108) == 1.0 / 108.0);
  CHECK(wave_utilisation(109, 108) == 109.0 / 216.0);  // 2 waves, second nearly empty
  CHECK(wave_utilisation(320, 108) == 320.0 / 324.0);  // 3 waves of 108
  CHECK(wave_utilisation(7, 1) == 1.0);                // one SM: always full
}

TEST_CASE("threadblocks: tiles x num_op for FC, num_op for the other classes", "[gpu][tiles]") {
  // 100 x 70 with 32 x 64 tiles: ceil(100/32) = 4 rows x ceil(70/64) = 2 columns.
  CHECK(threadblocks(op(OpClass::FC, 100, 70, 10, 3, 2), 32, 64) == 4 * 2 * 3);
  CHECK(threadblocks(op(OpClass::MATMUL, 100, 70, 10, 3, 2), 32, 64) == 3);
  CHECK(threadblocks(op(OpClass::NORM, 100, 70, 1, 5, 2), 1, 1) == 5);
}

TEST_CASE("traffic of a tiling: A per tile column, B per tile row, C once", "[gpu][tiles]") {
  // m 100, n 70, k 10, 3 ops, 2 bytes, tiles 32 x 64:
  // A: ceil(70/64) = 2 x 100 x 10 = 2000; B: ceil(100/32) = 4 x 70 x 10 = 2800;
  // C: 7000; (2000 + 2800 + 7000) x 2 x 3 = 70800.
  CHECK(traffic_bytes(op(OpClass::FC, 100, 70, 10, 3, 2), 32, 64) == 70800);
  // Whole-matrix tile: every operand once: (1000 + 700 + 7000) x 2 = 17400.
  CHECK(traffic_bytes(op(OpClass::FC, 100, 70, 10, 1, 2), 100, 70) == 17400);
}

TEST_CASE("L1 search weighs traffic by 1/u^2 and keeps the first strict minimum", "[gpu][tiles]") {
  // FC 64 x 64 x 64 on 4 SMs, capacities unlimited. Cost = T / u^2 with
  // T = (a + b + 1) 4096 x 2, a = ceil(64/tn), b = ceil(64/tm), tb = a b:
  //   64x64: tb 1, u 1/4, T 24576 -> 393216;  64x32/32x64: tb 2, u 1/2 -> 131072;
  //   32x32: tb 4, u 1, T 40960 (a + b = 4, the least sum with tb a multiple of 4).
  // L2: tm2, tn2 in {32, 64, 64}; the least ceil(64/tm2) + ceil(64/tn2) is at 64 x 64.
  const Tiling t = search_tiles(toy(4, 1e9, 1e12), op(OpClass::FC, 64, 64, 64, 1, 2));
  CHECK(t.tm == 32);
  CHECK(t.tn == 32);
  CHECK(t.threadblocks == 4);
  CHECK(t.util == 1.0);
  CHECK(tiles_string(t) == "32/32/32/64/64/1.0");
}

TEST_CASE("L1 search rejects tiles over the L1 capacity and ties go to the smaller tm", "[gpu][tiles]") {
  // Same FC on an L1 of 6143 B: 32x32 needs (32+32) 32 2 + 32 32 2 = 6144 B: rejected.
  // Fitting with u = 1: 16x32 and 32x16 (4096 B, a + b = 6 -> T 57344), 16x16 (a + b = 8),
  // 8x64 / 64x8 (5632 B, a + b = 9); 64x16 needs 7168 B. tm is the outer loop, so 16x32.
  const Host h = toy(4, 6143, 1e12);
  const Operator o = op(OpClass::FC, 64, 64, 64, 1, 2);
  const Tiling t = search_tiles(h, o);
  CHECK(t.tm == 16);
  CHECK(t.tn == 32);
  CHECK(tiles_string(t) == "16/32/32/64/64/1.0");
}

TEST_CASE("L2 search: capacity, first strict minimum, the L1 tile always allowed", "[gpu][tiles]") {
  const Operator o = op(OpClass::FC, 64, 64, 64, 1, 2);
  // tk2 = 64/64 = 1. L2 of 8447 B: 64x64 needs (64+64) 1 2 + 64 64 2 = 8448 B: rejected.
  // Cost ceil(64/tm2) + ceil(64/tn2) (+1, x 4096) over tm2 in {16,32,48,64,64},
  // tn2 in {32,64,64}: 16x32 7, 16x64 6, 32x32 5, 32x64 4 <- first 4; 48x64 and 64x32 tie later.
  CHECK(tiles_string(search_tiles(toy(4, 6143, 8447), o)) == "16/32/32/32/64/1.0");
  // An L2 of 1 B admits nothing but the L1 tile itself.
  CHECK(tiles_string(search_tiles(toy(4, 6143, 1), o)) == "16/32/32/16/32/1.0");
}

TEST_CASE("L2 candidates include the full dimension when the L1 tile does not divide it", "[gpu][tiles]") {
  // MATMUL 100 x 100 x 32: one threadblock per op, u = 1/4 for every tile, so the
  // least traffic wins: ceil(100/tn) + ceil(100/tm) = 2 only at 100x100, which needs
  // 200 32 2 + 10000 2 = 32800 B > 32799 B. Sum 3 at 64x100 (23296 B) and 100x64;
  // tm = 64 comes first. L2: tm2 in {64, 100}, tn2 in {100, 100} -> 100 x 100; tk2 = 0.5.
  const Tiling t = search_tiles(toy(4, 32799, 1e12), op(OpClass::MATMUL, 100, 100, 32, 1, 2));
  CHECK(t.util == 0.25);
  CHECK(tiles_string(t) == "64/100/32/100/100/0.5");
}

TEST_CASE("L1 candidates are clipped to m and n and equal traffic keeps the first tile", "[gpu][tiles]") {
  // MATMUL m 1, n 600, k 64 on the A100: every tm clips to 1; the column count
  // ceil(600/tn) is 2 for tn = 320, 384, 448 and 512 (no candidate reaches 600),
  // so the first, 320, stays. L2: tn2 in {320, 600} -> 600; tk2 = 1.
  CHECK(tiles_string(search_tiles(preset("a100"), op(OpClass::MATMUL, 1, 600, 64, 1, 2))) == "1/320/32/1/600/1.0");
  // SOFTMAX 1 x 2049 (an attention score row): ceil(2049/448) = ceil(2049/512) = 5,
  // 448 first; as in the shared vectors.
  CHECK(tiles_string(search_tiles(preset("a100"), op(OpClass::SOFTMAX, 1, 2049, 1, 1024, 2))) ==
        "1/448/32/1/2049/0.015625");
}

TEST_CASE("no L1 tile fits: an error, not a silent tile", "[gpu][tiles]") {
  // A 1 x 1 tile of 2-byte elements needs (1+1) 32 2 + 2 = 130 B.
  CHECK_THROWS_AS(search_tiles(toy(4, 129, 1e12), op(OpClass::FC, 8, 8, 8, 1, 2)), std::invalid_argument);
  CHECK_NOTHROW(search_tiles(toy(4, 130, 1e12), op(OpClass::FC, 8, 8, 8, 1, 2)));
}

TEST_CASE("tk2 is printed like the reference: shortest exact decimal", "[gpu][tiles]") {
  CHECK(shortest_real(40.0) == "40.0");
  CHECK(shortest_real(0.015625) == "0.015625");
  CHECK(shortest_real(63.984375) == "63.984375");
  CHECK(shortest_real(0.5) == "0.5");
}

TEST_CASE("degenerate shapes: the L2 search refuses instead of running for hours", "[gpu][tiles]") {
  // FC 1e12 x 1 x 1: the L1 tile is at most 512 x 1, so the L2 search would walk
  // at least 1e12/512 x 2 pairs (> 1e7).
  Operator o;
  o.cls = OpClass::FC;
  o.m = 1000000000000LL;
  o.n = 1;
  o.k = 1;
  CHECK_THROWS_WITH(search_tiles(preset("a100"), o), Catch::Contains("L2 tile candidates"));
}
