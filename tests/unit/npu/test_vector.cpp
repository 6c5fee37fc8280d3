// Vector-unit timing against the formulas of neupims_pim.md §10.2, derived by hand.
#include <catch2/catch.hpp>

#include "npu/vector.h"

using namespace pimlab::npu;

TEST_CASE("vector: reduction-tree levels T(n) with 128 lanes") {
  CHECK(tree_levels(0, 128) == 1);
  CHECK(tree_levels(128, 128) == 1);
  CHECK(tree_levels(129, 128) == 2 + 1);          // ceil(129/128) = 2, then T(2) = 1
  CHECK(tree_levels(4096, 128) == 32 + 1);        // 32 + T(32)
  CHECK(tree_levels(16384, 128) == 128 + 1);      // 128 + T(128)
  CHECK(tree_levels(16385, 128) == 129 + 2 + 1);  // 129 + T(129)
}

TEST_CASE("vector: per-instruction cycles, all latencies 1 (NeuPIMs)") {
  const VectorConfig v;  // 8 units x 128 lanes, latencies 1
  // LayerNorm 2T + 3 + 5V: n = 4096 -> T = 33, V = 32: 66 + 3 + 160 = 229.
  CHECK(vector_op_cycles(v, VectorOp::layernorm, 4096) == 229);
  // n = 128: 2 + 3 + 5 = 10.
  CHECK(vector_op_cycles(v, VectorOp::layernorm, 128) == 10);
  // Softmax 2T + 3V: n = 1024 -> T = 9, V = 8: 18 + 24 = 42.
  CHECK(vector_op_cycles(v, VectorOp::softmax, 1024) == 42);
  CHECK(vector_op_cycles(v, VectorOp::softmax, 16384) == 2 * 129 + 3 * 128);
  CHECK(vector_op_cycles(v, VectorOp::add, 4096) == 32);
  CHECK(vector_op_cycles(v, VectorOp::gelu, 16384) == 128);
  CHECK(vector_op_cycles(v, VectorOp::silu, 200) == 2);
  CHECK(vector_op_cycles(v, VectorOp::mul, 1) == 1);
  // RMSNorm T + 2 + 3V: n = 4096 -> 33 + 2 + 96 = 131.
  CHECK(vector_op_cycles(v, VectorOp::rmsnorm, 4096) == 131);
  // n = 0 (the artifact's size-0 quirk): LayerNorm = 2 + 3 = 5, Add = GELU = 0.
  CHECK(vector_op_cycles(v, VectorOp::layernorm, 0) == 5);
  CHECK(vector_op_cycles(v, VectorOp::add, 0) == 0);
}

TEST_CASE("vector: latencies are data") {
  VectorConfig v;
  v.lanes = 64;
  v.latency.add = 2;
  v.latency.mul = 3;
  v.latency.add_tree = 4;
  v.latency.scalar_mul = 5;
  v.latency.scalar_sqrt = 7;
  v.latency.exp = 6;
  // n = 256, 64 lanes: V = 4, T = 4 + T(4) = 5.
  // LayerNorm 2*5*4 + 2*5 + 7 + 4*(2*2 + 3*3) = 40 + 17 + 52 = 109.
  CHECK(vector_op_cycles(v, VectorOp::layernorm, 256) == 109);
  // Softmax 2*5*4 + 4*(2 + 6 + 3) = 40 + 44 = 84.
  CHECK(vector_op_cycles(v, VectorOp::softmax, 256) == 84);
}

TEST_CASE("vector: batches of row instructions") {
  NpuConfig cfg;
  // faithful: 16 LayerNorm rows of 4096 (229 cycles each) on 8 units, one
  // issue per cycle: rows 0..7 start in cycles 0..7, rows 8..15 wait for units
  // 0..7 (free at 229..236); the last ends at 236 + 229 = 465.
  CHECK(vector_batch_cycles(cfg, VectorOp::layernorm, 16, 4096) == 465);
  // 1 row: just the instruction.
  CHECK(vector_batch_cycles(cfg, VectorOp::softmax, 1, 1024) == 42);
  CHECK(vector_batch_cycles(cfg, VectorOp::add, 0, 1024) == 0);
  // artifact: every instruction starts when issued: rows - 1 + c; LayerNorm,
  // GELU and Add are costed with size 0 (5, 0, 0); Softmax keeps its size.
  cfg.mode = Mode::artifact;
  CHECK(vector_batch_cycles(cfg, VectorOp::layernorm, 256, 4096) == 255 + 5);
  CHECK(vector_batch_cycles(cfg, VectorOp::gelu, 256, 16384) == 255);
  CHECK(vector_batch_cycles(cfg, VectorOp::softmax, 256, 1024) == 255 + 42);
}
