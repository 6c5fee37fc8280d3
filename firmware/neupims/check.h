// Functional check of the NeuPIMs decode attention (docs/serving.md,
// "Functional runs"): one request's q*K^T and p*V streams
// (attention_workload) executed on the per-bank units (pim::NewtonUnits, on
// the rows of their backing store, in process or in a TLM channel) with seeded FP16 data, every logit and
// every output compared bit for bit with golden::newton_attention; the
// softmax between them is the NPU's (golden::host_softmax on the golden
// logits). SystemC-free.
#pragma once

#include <cstdint>
#include <string>

#include "firmware/neupims/streams.h"
#include "pim/newton.h"

namespace pimlab::firmware::neupims {

struct AttentionCheck {
  std::uint64_t jobs = 0;             // requests checked
  std::uint64_t kernels = 0;          // PIM streams run (q*K^T and p*V: 2 per job)
  std::uint64_t values_compared = 0;  // logits (heads x len) and outputs (heads x 128)
  std::uint64_t mismatches = 0;       // values that differ from golden
  std::uint64_t kernel_cycles = 0;    // the streams' DRAM cycles, each alone on a channel
  std::uint64_t digest = 1469598103934665603ull;  // FNV-1a over every result and each stream's cycles
  std::string first_mismatch;         // label and position of the first difference
};

// A target that times the segments it ran (a Newton / NeuPIMs channel behind
// a TLM socket, tlm_pim_rtl's co-simulation): their cycles since the last call.
class TimedTarget : public AttentionTarget {
 public:
  virtual std::uint64_t take_cycles() = 0;
};

// K, V (len x width) and q (width) uniform in [-1, 1) rounded to FP16, drawn
// from `seed`. Without a target the streams run in process on pim::NewtonUnits,
// each stream timed whole and alone on a channel (pim::run_newton); with one,
// they run there and kernel_cycles adds what it timed. Throws
// std::invalid_argument as attention_workload.
void check_attention(pim::PimType type, int width, int len, std::uint32_t seed, const std::string& label,
                     AttentionCheck& acc, TimedTarget* target = nullptr);

}  // namespace pimlab::firmware::neupims
