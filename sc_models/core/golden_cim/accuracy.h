// Accuracy of the integer CIM numerics against FP64 (docs/cim.md, reference
// uclm.md §5.2 item 3 and §5.3 tolerances). Reported separately from the
// bit-exact checks.
#pragma once

#include <cstdint>

#include "golden_cim/lut_exp.h"

namespace pimlab::golden_cim {

// Over every input code delta_code in [-32768, 0].
struct ExpAccuracy {
  double mant_rel_min = 0, mant_rel_max = 0;  // m 2^(-24-q) / e^delta - 1
  double out_bound_slack = 0;  // min over codes of (bound - |e - 2^24 e^delta|), >= 0 when the bound holds
  bool monotone = true;        // e non-decreasing in delta
};
// eps: the relative bound of the output check |e - 2^24 e^d| <= 2^24 e^d eps + 0.5.
ExpAccuracy exp_accuracy(ExpVariant v, double eps);

// Softmax of `rows` rows of n Gaussian scores (standard deviation sigma,
// quantised to Q.10) against the FP64 softmax of the same quantised scores.
struct SoftmaxAccuracy {
  double p16_max_abs = 0;      // max |p16 / 2^16 - p|
  double p16_max_rel = 0;      // max relative error where p >= 0.01
  double u8_max_abs = 0;       // max |u8 / 255 - p|
};
SoftmaxAccuracy softmax_accuracy(ExpVariant v, int n, double sigma, int rows, std::uint64_t seed);

}  // namespace pimlab::golden_cim
