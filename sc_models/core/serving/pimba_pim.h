// The Pimba-family PIM of a GPU host (gpu+pim, pimba, time-multiplexed,
// pipelined): one PIM kernel (state update, score or attend) lowered by the
// firmware generator and timed at command level by the channel engine on all
// of the host's PIM channels.
//
// Exact reuse (docs/serving.md, "Exact reuse"): a kernel's command streams
// depend on its spec only through the lowering's geometry (block rows and
// columns), so kernels with equal geometry are run once; and with independent
// channels (the default) channels whose command streams are equal issue at
// equal cycles, so the generator emits one stream of each class of equal
// streams (KernelSpec::distinct_channels_only), which is run once and its
// counts multiplied.
// Both are exact by construction; tests/unit/serving compares them with the
// plain run.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "dram/spec.h"
#include "firmware/pimba/generator.h"
#include "pim/command.h"
#include "pim/variant.h"

namespace pimlab::serving {

struct PimKernelResult {
  std::uint64_t cycles = 0;  // DRAM cycles of the preset
  pim::Counters counters;    // summed over channels
  double time_s = 0;
  double energy_j = 0;
};

struct PimbaPimOptions {
  std::string variant = "pimba";     // pim::variant name
  std::string dram = "hbm2-pimba";   // DRAM preset of the channels
  int channels = 40;                 // PIM channels of one GPU
  bool artifact_compatible = false;  // reference feed order, quirks, time at clock_mhz
  double clock_mhz = 1512;           // artifact-compatible: cycles -> seconds at this clock
  bool reuse = true;                 // exact reuse of equal kernels and equal channel streams
};

class PimbaPim {
 public:
  explicit PimbaPim(const PimbaPimOptions& o);
  // One kernel of `num_op` matrices of rows x cols (SU: state d x s;
  // score/attend: d_head x context) on all channels.
  PimKernelResult run(firmware::pimba::Op op, std::int64_t num_op, std::int64_t rows, std::int64_t cols);
  // Channel 0's commands of that kernel with their issue cycles (for
  // waveforms; simulated afresh, not cached).
  std::vector<std::pair<std::uint64_t, pim::Command>> channel0(firmware::pimba::Op op, std::int64_t num_op,
                                                                std::int64_t rows, std::int64_t cols) const;
  // Seconds per DRAM cycle as run() converts them.
  double cycle_s() const;
  int pseudo_channels() const { return m_spec.org.pseudo_channels; }
  const pim::Variant& variant() const { return *m_variant; }
  const PimbaPimOptions& options() const { return m_o; }
  std::uint64_t kernels_simulated() const { return m_simulated; }
  std::uint64_t kernels_reused() const { return m_reused; }

 private:
  firmware::pimba::KernelSpec spec(firmware::pimba::Op op, std::int64_t num_op, std::int64_t rows,
                                   std::int64_t cols) const;
  PimKernelResult simulate(firmware::pimba::KernelSpec k) const;
  PimbaPimOptions m_o;
  const pim::Variant* m_variant;
  dram::DramSpec m_spec;
  using Key = std::tuple<int, std::int64_t, std::int64_t>;  // op, block rows, block columns
  std::map<Key, PimKernelResult> m_cache;
  std::uint64_t m_simulated = 0, m_reused = 0;
};

}  // namespace pimlab::serving
