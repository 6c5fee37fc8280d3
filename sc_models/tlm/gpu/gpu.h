// SystemC/TLM-2.0 shell of the GPU roofline host (sc_models/core/gpu,
// docs/gpu.md "TLM shell"): one initiator socket through which each kernel's
// HBM traffic travels as real loosely-timed transactions, in the order of its
// tiling, to the channels it shares with PIM (through tlm_noc::Router or
// directly to a tlm_hbm::HbmChannel).
//
// A kernel (gpu::Operator) is timed by the core's roofline (gpu::time_operator:
// tiles, wave utilisation, compute term); its memory side is the traffic the
// roofline's memory term counts, moved over TLM:
//  - FC / MATMUL, for each of the num_op products and each output tile of the
//    L2 tiling (tm2 x tn2, row-major tile order): the A row block (tm2 x k),
//    the B column block (k rows of tn2 elements) and the C tile written —
//    exactly traffic_bytes(op, tm2, tn2) bytes, the roofline's hbm_bytes;
//  - SOFTMAX / NORM / ACT: passes - 1 reads of the input, one write of the
//    output (passes = the fitted kernel's tensor passes);
//  - G2G (all-reduce over NVLink), X2G (to or from a PIM device over the
//    link): no HBM traffic; the kernel lasts the roofline's link time.
// The kernel ends at max(start + compute term, last request completed): a
// kernel whose channels are busy (PIM kernels, another initiator's traffic)
// ends later. The shell moves bytes (reads land in a scratch buffer, writes
// carry set_output's bytes or zeros) and computes no values.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/tlm_quantumkeeper.h>

#include "gpu/host.h"
#include "gpu/roofline.h"
#include "tlm/common/dma.h"
#include "tlm/common/stats.h"

namespace pimlab::tlm_gpu {

// Base addresses (router address map) of a kernel's operands, row-major, the
// num_op instances back to back: A (m x k), B (k x n), C (m x n); element-wise
// kernels read A (m x n) and write C.
struct OperandPlacement {
  std::uint64_t a = 0, b = 0, c = 0;
};

struct DmaConfig {
  std::uint64_t request_bytes = 256;  // largest request (one L2 sector group)
  std::size_t max_outstanding = 0;    // 0: every request of the kernel issued at its start
};

struct KernelRun {
  gpu::OpResult roofline;          // the core's figures for the operator
  double start_s = 0, end_s = 0;   // simulated time
  double compute_end_s = 0;        // start + compute term
  double memory_end_s = 0;         // last request completed (start when none)
  std::uint64_t bytes_read = 0, bytes_written = 0, read_requests = 0, write_requests = 0;
};

class Gpu : public sc_core::sc_module, public tlm_common::stats_provider {
 public:
  SC_HAS_PROCESS(Gpu);
  tlm_utils::simple_initiator_socket<Gpu> socket;

  // `gpus`: the tensor-parallel group (the all-reduce's hops).
  Gpu(const sc_core::sc_module_name& name, const gpu::Host& host, const DmaConfig& dma = {}, int gpus = 1);

  // Run by the module's SC_THREAD at time 0 when set.
  std::function<void(Gpu&)> program;

  // Runs one kernel from the current local time. Throws std::invalid_argument
  // for a bad operator (gpu::validate), std::runtime_error when a request is
  // answered with an error (naming command, length, address, response).
  KernelRun kernel(const gpu::Operator& op, const OperandPlacement& place);

  // Bytes the next kernel writes to C (its C bytes: m n num_op dbyte); zeros otherwise.
  void set_output(std::vector<std::uint8_t> c) { m_c = std::move(c); }

  const gpu::Host& host() const { return m_host; }
  tlm_utils::tlm_quantumkeeper& quantum_keeper() { return m_qk; }

  void collect_stats(tlm_common::StatsSink& sink) const override;
  void reset_stats() override;

 private:
  void run();
  void invalidate(sc_dt::uint64, sc_dt::uint64) {}

  gpu::Host m_host;
  int m_gpus;
  tlm_utils::tlm_quantumkeeper m_qk;
  tlm_common::DmaEngine m_dma;
  std::vector<std::uint8_t> m_c, m_scratch;
  std::uint64_t s_kernels = 0;
  double s_kernel_s = 0, s_roofline_s = 0, s_flops = 0;
};

}  // namespace pimlab::tlm_gpu
