// Softmax on UCLM cores (docs/cim.md, reference uclm.md §1.3, §1.6, §5.3):
// every core holds a contiguous slice of the score row (the first L mod N
// slices one longer), computes its local max on the VFU, the maxima meet in a
// binary tree and the global max is broadcast; each core then streams its
// slice vector by vector (vfu_lanes elements): delta = x - max and
// t = -delta log2(e) on the VFU, the table word T[d] by lookup in one of the
// core's LUT UCLMs (one lookup per array per batch), the mantissa and the
// shift by q on the VFU, the local sum in 64 bits; the sums meet in a second
// tree and each core divides and requantises its slice (p16, then UINT8).
//
// The PUMA-like baseline has no lookup in its arrays: the VFU reads the table
// from its own ROM (one VFU op per vector) and is PUMASim's 4 lanes wide.
//
// Functional results are computed by the model itself (exp through the
// UCLM's ROM bits); tests compare them with golden_cim bit for bit.
#pragma once

#include <cstdint>
#include <vector>

#include "cim/chip.h"
#include "stats/stats.h"

namespace pimlab::cim {

// exp(delta) in UQ0.24 as the tile computes it, with the table word read from
// the UCLM's array `array` (lookup mode). delta_code <= 0 (Q.10).
std::uint32_t exp_via_lookup(Uclm& u, int array, std::int64_t delta_code, ExpVariant v);

// VFU operations per vector (docs/cim.md):
struct SoftmaxOps {
  int max = 1;       // compare
  int pre = 2;       // subtract the max; multiply by log2(e) with rounding shift (fields by wiring)
  int post_a = 1;    // variant A: shift by q
  int post_b = 2;    // variant B: residual multiply-subtract, shift by q
  int sum = 1;       // 64-bit accumulate
  int divide = 1;    // p16 = (e 2^16 + sum/2) / sum
  int requant = 1;   // u8 = (p16 255 + 2^15) >> 16
  int rom = 1;       // baseline only: VFU ROM lookup
};

struct SoftmaxCoreSlot {
  int core = 0;
  std::vector<int> lut_uclms;  // UCLMs of this core that serve the lookups; empty = VFU ROM (baseline)
};

struct SoftmaxTimedRow {
  std::vector<std::int64_t> x;
  std::int64_t max = 0;
  std::vector<std::uint32_t> e;
  std::uint64_t sum = 0;
  std::vector<std::uint32_t> p16;
  std::vector<std::uint8_t> u8;
  std::int64_t start = 0, local_max_done = 0, max_broadcast = 0, exp_done = 0, sum_broadcast = 0, end = 0;  // cycles
};

// One softmax row on the given cores (slot order = slice order). mask: empty or
// one flag per element (non-zero = masked: no lookup, result 0).
SoftmaxTimedRow softmax_on_chip(Chip& chip, const std::vector<std::int64_t>& x, const std::vector<std::uint8_t>& mask,
                                const std::vector<SoftmaxCoreSlot>& slots, std::int64_t ready = 0,
                                const SoftmaxOps& ops = {});

// The three settings of the latency study, on a fresh chip each.
enum class SoftmaxSetting { PumaLike, OneUclm, MultiCore };
struct SoftmaxLatency {
  double latency_us = 0;
  std::int64_t cycles = 0;
  int cores = 0, lut_uclms_per_core = 0, vfu_lanes = 0;
  double energy_pj = 0;
  // The stats schema (stats/stats.h): the result keys of `pimlab cim softmax`.
  void collect(stats::Sink& sink) const;
};
// Latency of one row of length L (scores drawn from a fixed seeded pattern:
// the timing does not depend on the values). cores = 0 takes the setting's
// default (PUMA-like 1, one UCLM 1, multi-core kDefaultMultiCores).
constexpr int kDefaultMultiCores = 4;
constexpr int kPumaVfuLanes = 4;  // PUMASim num_ALU = num_matrix x 2 = 4 [P]
SoftmaxLatency softmax_latency(const TileConfig& cfg, SoftmaxSetting s, std::int64_t L, int cores = 0,
                               int lut_uclms_per_core = 1);

// Longest row the chip holds: K^T of one head over the chip's UCLMs, 64 tokens each.
std::int64_t max_softmax_len(const TileConfig& cfg);

}  // namespace pimlab::cim
