#include "cim/softmax.h"

#include <algorithm>
#include <deque>
#include <limits>
#include <stdexcept>
#include <string>

namespace pimlab::cim {

namespace {
constexpr std::int64_t kLog2eQ30 = 1549082005;  // round(log2(e) 2^30)
constexpr std::int64_t kLn2Q16 = 45426;         // round(ln 2 2^16)

struct Fields {
  int q, d;
  std::int64_t r;
};
Fields split(std::int64_t delta_code) {
  const std::int64_t t24 = (-delta_code * kLog2eQ30 + (std::int64_t{1} << 15)) >> 16;
  return {static_cast<int>(t24 >> 24), static_cast<int>((t24 >> 17) & 127), t24 & 0x1FFFF};
}
// Mantissa and output from the table word (the VFU's part of the exponent).
std::uint32_t assemble(std::uint16_t T, const Fields& f, ExpVariant v) {
  std::int64_t m = static_cast<std::int64_t>(T) * 256;
  if (v == ExpVariant::B) m -= (static_cast<std::int64_t>(T) * f.r * kLn2Q16 + (std::int64_t{1} << 31)) >> 32;
  if (f.q > 24) return 0;
  return static_cast<std::uint32_t>((m + ((std::int64_t{1} << f.q) >> 1)) >> f.q);
}
}  // namespace

std::uint32_t exp_via_lookup(Uclm& u, int array, std::int64_t delta_code, ExpVariant v) {
  if (delta_code > 0) throw std::invalid_argument("exp input " + std::to_string(delta_code) + " is positive");
  if (delta_code < -32768) return 0;
  const Fields f = split(delta_code);
  return assemble(u.lookup(array, f.d), f, v);
}

SoftmaxTimedRow softmax_on_chip(Chip& chip, const std::vector<std::int64_t>& x, const std::vector<std::uint8_t>& mask,
                                const std::vector<SoftmaxCoreSlot>& slots, std::int64_t ready, const SoftmaxOps& ops) {
  const TileConfig& cfg = chip.config();
  const std::size_t L = x.size();
  const std::size_t N = slots.size();
  if (N == 0) throw std::invalid_argument("softmax needs at least one core");
  if (L < N) throw std::invalid_argument("softmax of " + std::to_string(L) + " elements over " + std::to_string(N) + " cores");
  if (!mask.empty() && mask.size() != L) throw std::invalid_argument("softmax mask length differs from the row");
  auto masked = [&](std::size_t i) { return !mask.empty() && mask[i] != 0; };
  auto begin = [&](std::size_t k) { return k * (L / N) + std::min(k, L % N); };
  const std::int64_t lanes = cfg.vfu_lanes;
  const ExpVariant v = cfg.variant;

  SoftmaxTimedRow r;
  r.x = x;
  r.start = ready;
  r.e.assign(L, 0);
  r.p16.assign(L, 0);
  r.u8.assign(L, 0);
  // 1. local max
  std::vector<std::int64_t> local_max(N, std::numeric_limits<std::int64_t>::min());
  std::int64_t t_max = ready;
  bool any = false;
  for (std::size_t k = 0; k < N; ++k) {
    for (std::size_t i = begin(k); i < begin(k + 1); ++i)
      if (!masked(i)) {
        any = true;
        local_max[k] = std::max(local_max[k], x[i]);
      }
    t_max = std::max(t_max, chip.vfu(slots[k].core, static_cast<std::int64_t>(begin(k + 1) - begin(k)), ops.max, ready));
  }
  r.local_max_done = t_max;
  // 2. tree max (pairwise, as golden), broadcast
  std::vector<std::int64_t> level = local_max;
  while (level.size() > 1) {
    std::vector<std::int64_t> next;
    for (std::size_t i = 0; i < level.size(); i += 2) next.push_back(i + 1 < level.size() ? std::max(level[i], level[i + 1]) : level[i]);
    level.swap(next);
  }
  r.max = any ? level[0] : 0;
  r.max_broadcast = chip.tree(static_cast<int>(N), t_max);
  // 3. streamed exp and local sums
  std::vector<std::uint64_t> local_sum(N, 0);
  std::int64_t t_exp = r.max_broadcast;
  const int post = v == ExpVariant::A ? ops.post_a : ops.post_b;
  for (std::size_t k = 0; k < N; ++k) {
    const int core = slots[k].core;
    const auto& luts = slots[k].lut_uclms;
    const std::size_t b0 = begin(k), b1 = begin(k + 1);
    // Greedy VFU: a vector whose lookups are back goes first (post + sum),
    // otherwise the next vector's pre-processing issues.
    std::deque<std::pair<std::size_t, std::int64_t>> waiting;  // (vector start, lookups done)
    std::size_t next = b0;
    std::int64_t t = r.max_broadcast;
    while (next < b1 || !waiting.empty()) {
      if (!waiting.empty() && (waiting.front().second <= t || next >= b1)) {
        const std::size_t v0 = waiting.front().first;
        const std::size_t n = std::min<std::size_t>(lanes, b1 - v0);
        t = chip.vfu(core, static_cast<std::int64_t>(n), post + ops.sum, std::max(t, waiting.front().second));
        waiting.pop_front();
        continue;
      }
      const std::size_t v0 = next, n = std::min<std::size_t>(lanes, b1 - next);
      next += n;
      t = chip.vfu(core, static_cast<std::int64_t>(n), ops.pre + (luts.empty() ? ops.rom : 0), t);
      // Functional exp and the lookups of this vector.
      std::vector<int> ds;
      std::vector<std::size_t> idx;
      for (std::size_t i = v0; i < v0 + n; ++i) {
        if (masked(i)) continue;
        const std::int64_t delta = x[i] - r.max;
        if (delta < -32768) continue;  // output 0 without a lookup
        ds.push_back(split(delta).d);
        idx.push_back(i);
      }
      std::int64_t back = t;
      std::vector<std::uint16_t> words(ds.size());
      if (luts.empty()) {
        const auto& rom = rom_constants();
        for (std::size_t j = 0; j < ds.size(); ++j) words[j] = rom[static_cast<std::size_t>(ds[j])];
      } else {
        const int per = cfg.lookups_per_batch();
        for (std::size_t j = 0; j < ds.size(); j += static_cast<std::size_t>(per)) {
          // the LUT UCLM that becomes free first, lowest index on ties
          int best = luts[0];
          for (int u : luts)
            if (chip.uclm_free(core, u) < chip.uclm_free(core, best)) best = u;
          const int cnt = static_cast<int>(std::min<std::size_t>(per, ds.size() - j));
          back = std::max(back, chip.lookup_batch(core, best, ds.data() + j, cnt, words.data() + j, t));
        }
      }
      for (std::size_t j = 0; j < ds.size(); ++j) {
        const std::size_t i = idx[j];
        r.e[i] = assemble(words[j], split(x[i] - r.max), v);
        local_sum[k] += r.e[i];
      }
      waiting.emplace_back(v0, back);
    }
    t_exp = std::max(t_exp, t);
  }
  r.exp_done = t_exp;
  // 4. tree sum, broadcast
  std::vector<std::uint64_t> sl = local_sum;
  while (sl.size() > 1) {
    std::vector<std::uint64_t> nx;
    for (std::size_t i = 0; i < sl.size(); i += 2) nx.push_back(i + 1 < sl.size() ? sl[i] + sl[i + 1] : sl[i]);
    sl.swap(nx);
  }
  r.sum = sl[0];
  r.sum_broadcast = chip.tree(static_cast<int>(N), t_exp);
  // 5. divide and requantise
  std::int64_t t_end = r.sum_broadcast;
  for (std::size_t k = 0; k < N; ++k) {
    for (std::size_t i = begin(k); i < begin(k + 1); ++i) {
      if (masked(i) || r.sum == 0) continue;
      r.p16[i] = static_cast<std::uint32_t>(((static_cast<std::uint64_t>(r.e[i]) << 16) + r.sum / 2) / r.sum);
      r.u8[i] = static_cast<std::uint8_t>((static_cast<std::uint64_t>(r.p16[i]) * 255 + 32768) >> 16);
    }
    t_end = std::max(t_end, chip.vfu(slots[k].core, static_cast<std::int64_t>(begin(k + 1) - begin(k)),
                                     ops.divide + ops.requant, r.sum_broadcast));
  }
  r.end = t_end;
  return r;
}

void SoftmaxLatency::collect(stats::Sink& s) const {
  s.add("latency_us", latency_us, "us", "one softmax row, first input to last output");
  s.add("cycles", cycles, "cycles", "the same latency in tile clock cycles");
  s.add("cores", cores, "cores", "cores the row is spread over");
  s.add("lut_uclms_per_core", lut_uclms_per_core, "UCLMs", "UCLMs per core doing exp lookups (0: PUMA-like, no lookup)");
  s.add("vfu_lanes", vfu_lanes, "lanes", "vector-unit lanes per core");
  s.add("energy_pj", energy_pj, "pJ", "MAC, ADC, write, lookup and VFU energy of the row (cim::EnergyConfig)");
}

std::int64_t max_softmax_len(const TileConfig& cfg) { return cfg.uclms() * cfg.array_cols; }

SoftmaxLatency softmax_latency(const TileConfig& base, SoftmaxSetting s, std::int64_t L, int cores, int lut_uclms_per_core) {
  TileConfig cfg = base;
  if (s == SoftmaxSetting::PumaLike) cfg.vfu_lanes = kPumaVfuLanes;
  cfg.validate();
  if (L < 1) throw std::invalid_argument("sequence length " + std::to_string(L) + " must be >= 1");
  if (L > max_softmax_len(cfg))
    throw std::invalid_argument("sequence length " + std::to_string(L) + " exceeds what the arrays hold: K^T of one head needs ceil(L/" +
                                std::to_string(cfg.array_cols) + ") UCLMs, the chip has " + std::to_string(cfg.uclms()) +
                                " (max " + std::to_string(max_softmax_len(cfg)) + ")");
  int n = cores;
  if (n == 0) n = s == SoftmaxSetting::MultiCore ? kDefaultMultiCores : 1;
  if (n < 1 || n > cfg.cores()) throw std::invalid_argument("cores " + std::to_string(n) + " is out of range [1, " + std::to_string(cfg.cores()) + "]");
  if (n > L) n = static_cast<int>(L);
  if (s != SoftmaxSetting::PumaLike && (lut_uclms_per_core < 1 || lut_uclms_per_core > cfg.uclms_per_core))
    throw std::invalid_argument("lut_uclms_per_core " + std::to_string(lut_uclms_per_core) + " is out of range [1, " + std::to_string(cfg.uclms_per_core) + "]");
  Chip chip(cfg);
  std::vector<SoftmaxCoreSlot> slots(static_cast<std::size_t>(n));
  for (int k = 0; k < n; ++k) {
    slots[k].core = k;
    if (s != SoftmaxSetting::PumaLike)
      for (int u = 0; u < lut_uclms_per_core; ++u) slots[k].lut_uclms.push_back(u);
  }
  // A fixed score pattern (timing is value-independent except for terms below
  // delta = -32 that skip their lookup; this pattern has none).
  std::vector<std::int64_t> x(static_cast<std::size_t>(L));
  for (std::int64_t i = 0; i < L; ++i) x[i] = ((i * 7919) % 8192) - 4096;
  const SoftmaxTimedRow r = softmax_on_chip(chip, x, {}, slots, 0);
  SoftmaxLatency out;
  out.cycles = r.end - r.start;
  out.latency_us = cfg.ns(out.cycles) / 1000.0;
  out.cores = n;
  out.lut_uclms_per_core = s == SoftmaxSetting::PumaLike ? 0 : lut_uclms_per_core;
  out.vfu_lanes = cfg.vfu_lanes;
  out.energy_pj = chip.energy_pj();
  return out;
}

}  // namespace pimlab::cim
