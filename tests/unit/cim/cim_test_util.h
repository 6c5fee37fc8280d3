// Helpers shared by the CIM model tests: seeded INT8 data and a matrix tiled
// over the UCLMs of a chip (the VFU adds the row-block partial sums).
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "cim/chip.h"
#include "golden/synth.h"

namespace cimtest {

inline std::vector<std::int8_t> rand_w(pimlab::golden::SynthRng& g, std::size_t n) {
  std::vector<std::int8_t> w(n);
  for (auto& v : w) v = static_cast<std::int8_t>(static_cast<int>(g.next() & 0xFF) - 128);
  return w;
}
inline std::vector<int> rand_x(pimlab::golden::SynthRng& g, int n, bool unsigned_input) {
  std::vector<int> x(static_cast<std::size_t>(n));
  for (auto& v : x) v = static_cast<int>(g.next() & 0xFF) - (unsigned_input ? 0 : 128);
  return x;
}

// y = x W with W (K x M) written row by row into UCLMs allocated from index 0.
inline std::vector<std::int32_t> chip_mvm(pimlab::cim::Chip& chip, const std::vector<int>& x,
                                          const std::vector<std::int8_t>& W, int K, int M,
                                          pimlab::cim::InputKind kind) {
  const auto& cfg = chip.config();
  const int rb = (K + cfg.array_rows - 1) / cfg.array_rows, cb = (M + cfg.array_cols - 1) / cfg.array_cols;
  std::vector<std::int64_t> acc(static_cast<std::size_t>(M), 0);
  int next = 0;
  for (int r = 0; r < rb; ++r)
    for (int c = 0; c < cb; ++c, ++next) {
      const int core = next / cfg.uclms_per_core, u = next % cfg.uclms_per_core;
      const int r0 = r * cfg.array_rows, c0 = c * cfg.array_cols;
      const int nr = std::min(cfg.array_rows, K - r0), nc = std::min(cfg.array_cols, M - c0);
      for (int i = 0; i < nr; ++i) chip.write_row(core, u, i, W.data() + static_cast<std::size_t>(r0 + i) * M + c0, nc, 0);
      for (int i = nr; i < cfg.array_rows; ++i) chip.write_row(core, u, i, nullptr, 0, 0);
      std::vector<int> xs(x.begin() + r0, x.begin() + r0 + nr);
      std::vector<std::int32_t> out;
      chip.mvm(core, u, xs, kind, 0, out);
      for (int j = 0; j < nc; ++j) acc[c0 + j] += out[j];
    }
  return std::vector<std::int32_t>(acc.begin(), acc.end());
}

}  // namespace cimtest
