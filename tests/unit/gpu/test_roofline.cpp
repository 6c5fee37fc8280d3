// Time and energy of single operators, hand-derived from the formulas of
// system.md §1.4 with the numbers written out. Tolerance 1e-12 relative: the
// core evaluates the same closed forms in double precision, in a possibly
// different association order (a few ulps).
#include <catch2/catch.hpp>

#include <cmath>
#include <stdexcept>

#include "gpu/host.h"
#include "gpu/roofline.h"

using namespace pimlab::gpu;

namespace {

Operator op(OpClass c, std::int64_t m, std::int64_t n, std::int64_t k, std::int64_t num_op, int dbyte) {
  Operator o;
  o.cls = c;
  o.name = "t";
  o.category = "others";
  o.m = m;
  o.n = n;
  o.k = k;
  o.num_op = num_op;
  o.dbyte = dbyte;
  return o;
}

bool close(double got, double want) { return std::fabs(got - want) <= 1e-12 * std::fabs(want); }

}  // namespace

TEST_CASE("FP8 doubling: 1-byte operands get twice the peak FLOP/s", "[gpu][roofline]") {
  // One SM (u = 1 for every tiling), 1 TFLOP/s, memory practically infinite:
  // FC 64^3 has 2 x 64^3 = 524288 FLOPs; 2 bytes: 524288 / (1e12 x 0.8) = 6.5536e-7 s;
  // 1 byte: 524288 / (1e12 x 0.8 x 2) = 3.2768e-7 s.
  Host h = preset("a100");
  h.sms = 1;
  h.peak_flops = 1e12;
  h.hbm_bytes_per_s = 1e16;
  const OpResult r2 = time_operator(h, op(OpClass::FC, 64, 64, 64, 1, 2), 1);
  const OpResult r1 = time_operator(h, op(OpClass::FC, 64, 64, 64, 1, 1), 1);
  CHECK(r2.flops == 524288.0);
  CHECK(close(r2.time_s, 6.5536e-7));
  CHECK(close(r1.time_s, 3.2768e-7));
  CHECK(r2.compute_bound);
  CHECK(r1.compute_bound);
}

TEST_CASE("FC on the A100: memory-bound time and energy per level", "[gpu][roofline]") {
  // FC 32 x 10240 x 2560, 2 bytes (RetNet-2.7B qkv at batch 32). Tiles (as the
  // shared vector): L1 32 x 32, L2 32 x 10240.
  //   threadblocks 1 x 320 = 320 -> u = 320 / (3 x 108) = 320/324.
  //   HBM bytes (L2 tiling): (1 x 32 x 2560 + 1 x 10240 x 2560 + 32 x 10240) x 2 = 53248000.
  //   memory time 53248000 / (1935e9 x 0.85 x 320/324).
  //   compute 1677721600 / (312e12 x 0.8 x 320/324) is 5x smaller: memory-bound.
  //   L2 bytes (L1 tiling): (320 x 81920 + 1 x 26214400 + 327680) x 2 = 105512960.
  //   L1 bytes (16 x 16): (640 x 81920 + 2 x 26214400 + 327680) x 2 = 210370560.
  //   register bytes 3 x 32 x 10240 x 2560 = 2516582400; ALU 1677721600 / 2 MACs.
  const OpResult r = time_operator(preset("a100"), op(OpClass::FC, 32, 10240, 2560, 1, 2), 1);
  REQUIRE(r.tiles);
  CHECK(tiles_string(*r.tiles) == "32/32/32/32/10240/40.0");
  CHECK(r.flops == 1677721600.0);
  CHECK(close(r.time_s, 53248000.0 / (1935e9 * 0.85 * (320.0 / 324.0))));
  CHECK(!r.compute_bound);
  CHECK(close(r.e_offchip_pJ, 53248000.0 * 28.72));
  CHECK(close(r.e_onchip_pJ, 105512960.0 * 2.4 + 210370560.0 * 1.28 + 2516582400.0 * 0.0675 + 838860800.0 * 0.32));
  CHECK(close(r.e_onchip_pJ, 960810188.8));
}

TEST_CASE("register bytes: one product (artifact) or all num_op (faithful)", "[gpu][roofline]") {
  // MATMUL 256 x 512 x 1, 320 ops: register bytes 3 x 256 x 512 x 1 = 393216 per product.
  const Operator o = op(OpClass::MATMUL, 256, 512, 1, 320, 2);
  Options faithful;
  faithful.faithful_register_bytes = true;
  const OpResult a = time_operator(preset("a100"), o, 1);
  const OpResult f = time_operator(preset("a100"), o, 1, faithful);
  CHECK(close(f.e_onchip_pJ - a.e_onchip_pJ, 393216.0 * 319.0 * 0.0675));
  CHECK(f.time_s == a.time_s);
  CHECK(f.e_offchip_pJ == a.e_offchip_pJ);
}

TEST_CASE("element-wise kernels: fitted memory time with its launch floor", "[gpu][roofline]") {
  const Host& a100 = preset("a100");
  const double scale = 1555e9 / 1935e9;
  // NORM 32 x 2560, 2 bytes: bytes 3 x 32 x 2560 x 2 = 491520;
  // t = (1.6e-6 x scale x 491520 + 6.87) us; FLOPs 5 x 32 x 2560 = 409600.
  const OpResult norm = time_operator(a100, op(OpClass::NORM, 32, 2560, 1, 1, 2), 1);
  CHECK(norm.flops == 409600.0);
  CHECK(close(norm.time_s, (1.6e-6 * scale * 491520.0 + 6.87) * 1e-6));
  CHECK(close(norm.e_offchip_pJ, 491520.0 * 28.72));
  CHECK(close(norm.e_onchip_pJ, 491520.0 * (2.4 + 1.28 + 0.0675) + 409600.0 / 2.0 * 0.32));
  // SOFTMAX 1 x 2049 x 1024 heads: bytes 2 x 2049 x 1024 x 2 = 8392704.
  const OpResult sm = time_operator(a100, op(OpClass::SOFTMAX, 1, 2049, 1, 1024, 2), 1);
  CHECK(sm.flops == 5.0 * 2049 * 1024);
  CHECK(close(sm.time_s, (6.15e-7 * scale * 8392704.0 + 6.87) * 1e-6));
  // ACT 32 x 3584: bytes 2 x 32 x 3584 x 2 = 458752; FLOPs 8 x 32 x 3584.
  const OpResult act = time_operator(a100, op(OpClass::ACT, 32, 3584, 1, 1, 2), 1);
  CHECK(act.flops == 8.0 * 32 * 3584);
  CHECK(close(act.time_s, (4.47e-7 * scale * 458752.0 + 8.29) * 1e-6));
  // A tiny tensor costs the launch floor: 1 x 1 NORM = 6 bytes -> 6.87 us + 7.7e-6 us.
  const OpResult tiny = time_operator(a100, op(OpClass::NORM, 1, 1, 1, 1, 2), 1);
  CHECK(close(tiny.time_s, (1.6e-6 * scale * 6.0 + 6.87) * 1e-6));
  // Element-wise on the H100 scales the slope by 1555e9 / 3352e9.
  const OpResult h = time_operator(preset("h100"), op(OpClass::NORM, 32, 2560, 1, 1, 2), 1);
  CHECK(close(h.time_s, (1.6e-6 * (1555e9 / 3352e9) * 491520.0 + 6.87) * 1e-6));
}

TEST_CASE("all-reduce: log2(gpus) hops of the NVLink latency/bandwidth model", "[gpu][roofline]") {
  // 32 x 7680 x 2 bytes = 491520 B. A100 (600 GB/s): hop = max(6060 ns + 0.009 ns x 491520,
  // 491520 / 300e9 s) = 10483.68 ns; 8 GPUs: 3 hops = 31451.04 ns (as the shared vector).
  const Operator g = op(OpClass::G2G, 32, 7680, 1, 1, 2);
  const OpResult r8 = time_operator(preset("a100"), g, 8);
  CHECK(close(r8.time_s, 3 * 10483.68e-9));
  CHECK(close(r8.e_offchip_pJ, 491520.0 * 28.72));
  CHECK(r8.e_onchip_pJ == 0);
  CHECK(r8.flops == 0);
  CHECK(!r8.tiles);
  CHECK(close(time_operator(preset("a100"), g, 2).time_s, 10483.68e-9));
  // H100 (900 GB/s): per byte 0.009 x 600/900 = 0.006 ns: 6060 + 2949.12 = 9009.12 ns per hop.
  CHECK(close(time_operator(preset("h100"), g, 4).time_s, 2 * 9009.12e-9));
  // One GPU: nothing to reduce.
  const OpResult r1 = time_operator(preset("a100"), g, 1);
  CHECK(r1.time_s == 0);
  CHECK(r1.e_offchip_pJ == 0);
}

TEST_CASE("transfer to a PIM device: bytes at half the link's bandwidth, link energy", "[gpu][roofline]") {
  // 64 x 12288 x 2 bytes = 1572864 B over the A100's 600 GB/s link at 300 GB/s: 5.24288 us,
  // 1572864 x 10.4 pJ; the same with any number of GPUs (each has its own device).
  const Operator x = op(OpClass::X2G, 64, 12288, 1, 1, 2);
  for (int gpus : {1, 8}) {
    const OpResult r = time_operator(preset("a100"), x, gpus);
    CHECK(close(r.time_s, 1572864.0 / 300e9));
    CHECK(close(r.e_offchip_pJ, 1572864.0 * 10.4));
    CHECK(r.hbm_bytes == 1572864.0);
    CHECK(r.e_onchip_pJ == 0);
    CHECK(r.flops == 0);
    CHECK(!r.tiles);
  }
  // H100: 900 GB/s.
  CHECK(close(time_operator(preset("h100"), x, 1).time_s, 1572864.0 / 450e9));
  CHECK(is_link(OpClass::X2G));
  CHECK(is_link(OpClass::G2G));
  CHECK(!is_link(OpClass::FC));
  CHECK(parse_class("X2G") == OpClass::X2G);
}

TEST_CASE("a list is timed row by row, in order", "[gpu][roofline]") {
  const std::vector<Operator> ops{op(OpClass::NORM, 32, 2560, 1, 1, 2), op(OpClass::FC, 32, 10240, 2560, 1, 2),
                                  op(OpClass::G2G, 32, 7680, 1, 1, 2)};
  const auto rs = time_operators(preset("h100"), ops, 8);
  REQUIRE(rs.size() == 3);
  for (std::size_t i = 0; i < ops.size(); ++i) {
    const OpResult one = time_operator(preset("h100"), ops[i], 8);
    CHECK(rs[i].time_s == one.time_s);
    CHECK(rs[i].e_onchip_pJ == one.e_onchip_pJ);
  }
}

TEST_CASE("operator validation", "[gpu][roofline]") {
  const Host& h = preset("a100");
  CHECK_THROWS_AS(time_operator(h, op(OpClass::FC, 0, 1, 1, 1, 2), 1), std::invalid_argument);
  CHECK_THROWS_AS(time_operator(h, op(OpClass::FC, 1, 1, 1, 1, 4), 1), std::invalid_argument);
  CHECK_THROWS_AS(time_operator(h, op(OpClass::FC, 1, 1, 1, 1, 2), 0), std::invalid_argument);
  // 6 m n k num_op must stay below 2^53 for exact byte counts.
  CHECK_THROWS_AS(time_operator(h, op(OpClass::FC, 1 << 20, 1 << 20, 1 << 20, 1, 2), 1), std::invalid_argument);
  CHECK_THROWS_WITH(parse_class("SU"), Catch::Contains("PIM operator") && Catch::Contains("allowed: FC, MATMUL"));
}
