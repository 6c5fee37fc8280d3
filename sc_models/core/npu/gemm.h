// GEMM on the NPU (docs/npu.md "GEMM"): Y[m x n] = X[m x k] . W[k x n] (+ bias[n]),
// m = tokens, k = input features, n = output features, all row-major in memory.
//
// plan_gemm() tiles the GEMM the NeuPIMs way (system.md §2.2): L2 tiles that fit
// one scratchpad buffer, each run "transposed" (a k-block x token-block slice of
// X is the stationary operand, W's output-feature rows stream through), and
// lists the operand transfers each tile needs (operand, block, byte ranges) and
// the L1 steps that consume them. run_gemm() times the plan against a DmaPort,
// which says when each transfer has arrived: a step never starts before its
// operands are in the scratchpad. The TLM shell implements DmaPort with real
// transactions; LinkDma is a bandwidth + latency stand-in, InstantDma gives the
// compute-only time.
//
// Timing per mode (NpuConfig::mode):
//  - faithful: the stationary tiles go round-robin to the physical arrays; each
//    array's tile stream is timed by ArrayTimeline (systolic.h), the closed form
//    proved equal to the cycle-level array model.
//  - artifact: NeuPIMs' instruction pipeline (one pipeline for all arrays,
//    latency R + C - 2 + max(size, 4) = 270, next start +size (16) or +R (128)
//    for a PRELOAD, +2R-1 (255) for a PRELOAD into an empty pipeline, one issue
//    per cycle), reproduced as written in the artifact.
//
// Pure C++, no SystemC.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "npu/config.h"

namespace pimlab::npu {

enum class Operand { x, w, bias, y };
const char* to_string(Operand o);

struct GemmShape {
  std::int64_t m = 1;  // tokens
  std::int64_t k = 1;  // input features
  std::int64_t n = 1;  // output features
  bool bias = false;
};

// A rectangle of an operand matrix (bias: one row of n).
struct Block {
  std::int64_t row0 = 0, rows = 0, col0 = 0, cols = 0;
};

// Byte range inside a tensor (offset from the tensor's first byte).
struct ByteRange {
  std::int64_t offset = 0;
  std::int64_t bytes = 0;
};

struct Transfer {
  int id = 0;
  Operand operand = Operand::x;
  bool write = false;  // true only for Y (scratchpad -> memory)
  Block block;
  std::int64_t bytes = 0;
  int l2_tile = 0;
};

// The byte ranges of a transfer inside its row-major tensor, in address order,
// adjacent rows merged.
std::vector<ByteRange> byte_ranges(const GemmShape& shape, int element_bytes, const Transfer& t);

// One L1 step: one stationary block (k-block x token-block of X) times one
// streamed block of output-feature rows of W.
struct L1Step {
  int l2_tile = 0;
  std::int64_t tok0 = 0, toks = 0, k0 = 0, ks = 0, out0 = 0, outs = 0;
  bool preload = false;    // first step of its stationary block (loads the weights)
  int x_transfer = -1;     // the transfer bringing the stationary X block
  int w_transfer = -1;     // the transfer bringing the streamed W block
  int bias_transfer = -1;  // bias of this out block (first K step of a biased GEMM)
  int y_transfer = -1;     // the output write this step completes (last K step), else -1
};

struct L2Tile {
  std::int64_t m0 = 0, m = 0, k0 = 0, k = 0, n0 = 0, n = 0;
  std::vector<int> reads;   // transfer ids, in the order the steps need them
  std::vector<int> writes;  // Y transfers
  int first_step = 0, steps = 0;
};

struct GemmPlan {
  GemmShape shape;
  int element_bytes = 2;
  std::int64_t l2_m = 0, l2_k = 0, l2_n = 0;  // L2 tile extents
  std::vector<L2Tile> tiles;
  std::vector<Transfer> transfers;
  std::vector<L1Step> steps;
  std::int64_t read_bytes() const;
  std::int64_t write_bytes() const;
};

GemmPlan plan_gemm(const NpuConfig& cfg, const GemmShape& shape);

// What post() returns when the completion is known only later (complete()).
constexpr Cycle kPending = -1;

// Serves the core's transfers. transfer() is called in program order with
// non-decreasing `issue` cycles and returns the cycle from which a read's data
// is in the scratchpad (or a write's data is in memory); >= issue.
//
// run_gemm issues through post() and asks complete() when it needs the data
// (a read when its L1 step starts, a write before the tile's buffer is
// reused), so a port whose target answers only as simulated time passes (the
// SystemC stage driver: tlm/platform/stage_driver.h) keeps the tiles'
// prefetches in flight while the arrays compute. post() returns the
// completion cycle, or kPending: then complete(t) gives it, once per posted
// transfer. The default post() is transfer(): the completion is known at once.
class DmaPort {
 public:
  virtual ~DmaPort() = default;
  virtual Cycle transfer(const Transfer& t, Cycle issue) = 0;
  virtual Cycle post(const Transfer& t, Cycle issue) { return transfer(t, issue); }
  virtual Cycle complete(const Transfer& t);  // std::logic_error unless overridden
};

// Every transfer completes when issued (compute-only timing).
class InstantDma : public DmaPort {
 public:
  Cycle transfer(const Transfer&, Cycle issue) override { return issue; }
};

// One link of `bytes_per_cycle` shared by reads and writes, served in issue
// order, plus a fixed latency: done = ceil(max(issue, link free) + bytes/bw) + latency.
class LinkDma : public DmaPort {
 public:
  explicit LinkDma(double bytes_per_cycle, Cycle latency = 0);
  Cycle transfer(const Transfer& t, Cycle issue) override;
  double busy_cycles() const { return m_busy; }
  std::int64_t bytes() const { return m_bytes; }

 private:
  double m_bw;
  Cycle m_latency;
  double m_free = 0;
  double m_busy = 0;
  std::int64_t m_bytes = 0;
};

struct GemmTiming {
  Cycle start = 0;
  Cycle compute_end = 0;  // last L1 step finished
  Cycle end = 0;          // last output written
  std::int64_t steps = 0;
  std::int64_t preloads = 0;
  std::int64_t read_bytes = 0;
  std::int64_t write_bytes = 0;
  std::int64_t macs = 0;  // m*k*n
};

GemmTiming run_gemm(const NpuConfig& cfg, const GemmPlan& plan, DmaPort& dma, Cycle start = 0);

enum class Bound { compute, bandwidth };
const char* to_string(Bound b);

// The roofline of a GEMM: every operand moved once (compulsory traffic),
// the arrays at peak.
struct Roofline {
  double flops = 0;
  double bytes = 0;
  double compute_s = 0;
  double memory_s = 0;
  double time_s = 0;  // max of the two
  Bound bound = Bound::compute;
};
Roofline gemm_roofline(const NpuConfig& cfg, const GemmShape& shape, double bytes_per_s);

// A GEMM timed with LinkDma at `bytes_per_s` (converted with the NPU clock).
struct GemmReport {
  GemmTiming timing;
  Roofline roofline;
  double time_s = 0;               // simulated
  double compute_only_s = 0;       // the same plan with InstantDma
  double transfer_s = 0;           // link busy time of the plan's traffic
  Bound limiter = Bound::compute;  // compute if compute_only_s >= transfer_s
};
GemmReport time_gemm(const NpuConfig& cfg, const GemmShape& shape, double bytes_per_s, Cycle dma_latency = 0);

}  // namespace pimlab::npu
