// The AttAcc PIM of a GPU host (the `attacc` system, attacc_pim.md §9): each
// GPU has an AttAcc device of `stacks` HBM3-PIM stacks; one decoder layer's
// decode attention (score, softmax, context) of heads x requests is spread
// over the stacks (ceil(num_op / stacks) heads per stack) and one stack is
// run at command level (pim/attacc.h, firmware/attacc). Equal kernels are run
// once (the stack model is deterministic in its inputs).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <tuple>

#include "dram/spec.h"
#include "pim/attacc.h"

namespace pimlab::serving {

struct AttaccPimOptions {
  pim::AttaccPlacement placement = pim::AttaccPlacement::Bank;
  std::string dram = "attacc-hbm3-5.2";
  int stacks = 5;          // per GPU (DGX+AttAcc: 5 HBM3 stacks per device)
  int max_len = 4096;      // KV region per head, tokens
  bool artifact_compatible = false;
  // 0: every KV length is simulated (exact). S > 0: lengths that are
  // multiples of S are simulated and the others interpolated linearly between
  // the two neighbouring multiples (a faster path; its error against the
  // exact run is measured in tests/unit/serving and docs/serving.md).
  std::int64_t sample_stride = 0;
};

struct AttaccKernelResult {
  std::int64_t cycles = 0;
  double time_s = 0;
  double energy_j = 0;  // every stack of one device
};

class AttaccPim {
 public:
  explicit AttaccPim(const AttaccPimOptions& o);
  // The attention of num_op (heads x requests) heads of d_head at KV length L.
  AttaccKernelResult run(std::int64_t num_op, std::int64_t d_head, std::int64_t L, int dbyte);
  // Always simulated (no sampling): the exact value at L.
  AttaccKernelResult exact(std::int64_t num_op, std::int64_t d_head, std::int64_t L, int dbyte);
  const AttaccPimOptions& options() const { return m_o; }
  std::uint64_t kernels_simulated() const { return m_simulated; }
  std::uint64_t kernels_reused() const { return m_reused; }

 private:
  AttaccPimOptions m_o;
  dram::DramSpec m_spec;
  std::map<std::tuple<std::int64_t, std::int64_t, std::int64_t, int>, AttaccKernelResult> m_cache;
  std::uint64_t m_simulated = 0, m_reused = 0;
};

}  // namespace pimlab::serving
