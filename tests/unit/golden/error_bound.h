// Running error bounds for the golden kernels' format versions, derived from
// the format's precision and the operation count (docs/golden.md,
// "Tolerances"). A Bounded value carries the exact-arithmetic value `v`
// (computed in FP64) and a rigorous bound `err` on |computed - v| for the
// computation the kernel performs; each operation adds its rounding bound.
#pragma once

#include <algorithm>
#include <cmath>
#include <vector>

#include "numerics/format.h"

namespace golden_test {

// FP32 unit roundoff (round to nearest even) and the flush threshold of the
// PU arithmetic (FTZ / DAZ: results below 2^-126 in magnitude become 0).
inline constexpr double kU32 = 0x1.0p-24;
inline constexpr double kFlush = 0x1.0p-126;
// The FP64 reference and the FP64 computation of `v` each round every
// operation by at most 2^-53 relative; 4 * 2^-53 per operation covers both.
inline constexpr double kU64Slack = 4 * 0x1.0p-53;

// Quantization error of a format: |Q(x) - x| <= rel |x| + block * max_block(|x|) + abs.
//  fp32: storage is FP32 itself, Q(x) = x.
//  fp16: round to nearest even, 11 significant bits -> rel 2^-11; gradual
//        underflow below 2^-14 with spacing 2^-24 -> abs 2^-25 (data stay far
//        from overflow at 65504).
//  bf16: 8 significant bits -> rel 2^-8; FP32 range, abs 2^-134.
//  mx8:  a value at pair exponent pe keeps m * 2^(pe-132); round-half-up errs
//        by at most half a step, saturation 64 -> 63 by less than one step, so
//        |Q(x) - x| <= 2^(pe-132) <= 2^(E-132); the block maximum is >= 2^(E-127),
//        hence <= 2^-5 * max|block|. FP32 subnormals go to zero: abs 2^-126.
struct QuantModel {
  double rel, block, abs;
  int block_size;
};
inline QuantModel quant_model(pimlab::numerics::Format f) {
  using pimlab::numerics::Format;
  switch (f) {
    case Format::fp32: return {0.0, 0.0, 0.0, 1};
    case Format::fp16: return {0x1.0p-11, 0.0, 0x1.0p-25, 1};
    case Format::bf16: return {0x1.0p-8, 0.0, 0x1.0p-134, 1};
    case Format::mx8: return {0.0, 0x1.0p-5, 0x1.0p-126, 16};
    default: throw std::logic_error("no error model for this format in the tests");
  }
}

struct Bounded {
  double v = 0, err = 0;
  double mag() const { return std::fabs(v) + err; }
};

inline Bounded exact(double v) { return {v, 0.0}; }

// One FP32 rounding of a result whose exact value is r.v: + u32 |r| + flush.
inline Bounded rounded32(Bounded r) {
  r.err += kU32 * r.mag() + kFlush + kU64Slack * std::fabs(r.v);
  return r;
}
inline Bounded mul(Bounded a, Bounded b) {
  Bounded r{a.v * b.v, std::fabs(a.v) * b.err + std::fabs(b.v) * a.err + a.err * b.err};
  return rounded32(r);
}
inline Bounded add(Bounded a, Bounded b) { return rounded32({a.v + b.v, a.err + b.err}); }
inline Bounded sub(Bounded a, Bounded b) { return rounded32({a.v - b.v, a.err + b.err}); }

// A sum of n terms whose every addition path has at most `depth` roundings:
// |error| <= sum err_i + gamma_depth * sum |term_i|, gamma_k = k u / (1 - k u)
// (Higham, Accuracy and Stability, Lemma 3.1 / eq. 4.4, any order).
inline Bounded sum_of(const std::vector<Bounded>& terms, int depth) {
  Bounded s;
  double mags = 0;
  for (const auto& t : terms) {
    s.v += t.v;
    s.err += t.err;
    mags += t.mag();
  }
  const double gamma = depth * kU32 / (1 - depth * kU32);
  s.err += gamma * mags + depth * kFlush + kU64Slack * depth * mags;
  return s;
}

// Quantizes x[0..n) in the format's blocks along the vector.
inline void quantize_bound(pimlab::numerics::Format f, Bounded* x, std::size_t n) {
  const QuantModel m = quant_model(f);
  const std::size_t B = static_cast<std::size_t>(m.block_size);
  for (std::size_t base = 0; base < n; base += B) {
    const std::size_t end = std::min(n, base + B);
    double mx = 0;
    for (std::size_t i = base; i < end; ++i) mx = std::max(mx, x[i].mag());
    for (std::size_t i = base; i < end; ++i) x[i].err += m.rel * x[i].mag() + m.block * mx + m.abs;
  }
}
inline std::vector<Bounded> quantized(pimlab::numerics::Format f, const std::vector<float>& in) {
  std::vector<Bounded> out(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) out[i] = exact(in[i]);
  quantize_bound(f, out.data(), out.size());
  return out;
}

}  // namespace golden_test
