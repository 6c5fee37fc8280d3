// Vector-unit timing (neupims_pim.md §10.2, system.md §2.2 "Vector unit";
// docs/npu.md "Vector units"). One instruction works on one vector of n
// elements spread over `lanes` lanes: V = ceil(n / lanes) passes, and a
// reduction over n takes T(n) tree levels, T(n) = 1 if n <= lanes else
// ceil(n/lanes) + T(ceil(n/lanes)).
//
//   LayerNorm  2·T·add_tree + 2·scalar_mul + scalar_sqrt + V·(2·add + 3·mul)
//   Softmax    2·T·add_tree + V·(add + exp + mul)
//   Add        V·add            GELU  V·gelu
//   (not in the artifact, derived the same way:)
//   RMSNorm    T·add_tree + scalar_mul + scalar_sqrt + V·3·mul
//   SiLU       V·silu           Mul   V·mul
//
// Pure C++, no SystemC.
#pragma once

#include <cstdint>

#include "npu/config.h"

namespace pimlab::npu {

enum class VectorOp { layernorm, rmsnorm, softmax, gelu, silu, add, mul };
const char* to_string(VectorOp op);

// Reduction-tree levels T(n) for `lanes` lanes.
std::int64_t tree_levels(std::int64_t n, int lanes);

// Cycles of one instruction over a vector of n elements (n >= 0).
Cycle vector_op_cycles(const VectorConfig& v, VectorOp op, std::int64_t n);

// Cycles from the first issue to the last finish of `rows` instructions of n
// elements each (one per token row), issued one per cycle.
//  - faithful: instruction r is issued in cycle r to the unit that frees
//    first and starts when that unit has finished its previous instruction
//    (units run in parallel, each in order).
//  - artifact: NeuPIMs starts every instruction in its issue cycle (the unit
//    choice never delays it): rows - 1 + c; and LayerNorm, GELU and Add read
//    their size after the vector was moved from, so they are costed with n = 0
//    (system.md §2.2 quirk).
Cycle vector_batch_cycles(const NpuConfig& cfg, VectorOp op, std::int64_t rows, std::int64_t n);

}  // namespace pimlab::npu
