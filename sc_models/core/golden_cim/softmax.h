// Golden integer softmax of one score row (docs/cim.md, reference uclm.md §5.3).
//
// 0. scale: x_code = (S M + 2^(sh-1)) >> sh (64-bit product, arithmetic shift)
// 1. row max: each core's local max, then a binary tree over the cores
// 2. delta_code = x_code - max
// 3. LUT exp (lut_exp.h)
// 4. each core's local sum in int64, then a binary tree over the cores
// 5. p16 = floor((e 2^16 + floor(sum/2)) / sum)  (UQ0.16, 65536 = 1.0)
// 6. u8 = (p16 255 + 2^15) >> 16 (scale 1/255)
// Masked positions give 0; a fully masked row gives 0 everywhere. All integer:
// the tree and the sequential reductions give the same bits.
#pragma once

#include <cstdint>
#include <vector>

#include "golden_cim/lut_exp.h"

namespace pimlab::golden_cim {

// The multiplier-shift form used for score scaling and int32 -> int8 requantisation.
struct Requant {
  std::int32_t M = 1;
  int sh = 0;  // 0..62
};
std::int64_t scale_round(std::int64_t v, const Requant& rq);  // (v M + 2^(sh-1)) >> sh
std::int8_t requant_int8(std::int32_t y, const Requant& rq);   // saturated to [-128, 127]
// M and sh with M 2^-sh ~ factor, M a 31-bit integer (factor in (0, 2^20)).
Requant requant_for(double factor);

struct SoftmaxRow {
  std::vector<std::int64_t> x;   // x_code (Q.10) after scaling
  std::int64_t max = 0;          // row max over unmasked positions
  std::vector<std::uint32_t> e;  // exp outputs (UQ0.24); 0 where masked
  std::uint64_t sum = 0;
  std::vector<std::uint32_t> p16;
  std::vector<std::uint8_t> u8;
};

// Softmax of score codes already in Q.10; `mask` (empty or one flag per
// entry, non-zero = masked). The row is split into `cores` contiguous parts
// (the first L mod cores parts one longer) whose local max and sum are
// combined by binary trees. cores must be in [1, L] (or 1 for L = 0).
SoftmaxRow softmax_codes(const std::vector<std::int64_t>& x_code, const std::vector<std::uint8_t>& mask,
                         ExpVariant v, int cores = 1);

// Softmax of int32 scores S scaled by `scale` (step 0) first.
SoftmaxRow softmax_scores(const std::vector<std::int32_t>& S, const Requant& scale,
                          const std::vector<std::uint8_t>& mask, ExpVariant v, int cores = 1);

// Binary-tree reductions (pairs (0,1), (2,3), ... per level), as the cross-core
// reduce-and-gather does them.
std::int64_t tree_max(std::vector<std::int64_t> v);
std::uint64_t tree_sum(std::vector<std::uint64_t> v);

}  // namespace pimlab::golden_cim
