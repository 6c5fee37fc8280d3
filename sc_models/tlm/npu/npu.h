// TLM-2.0 shell of the host NPU (docs/npu.md "TLM shell"): an sc_module with
// one initiator socket whose DMA engine implements the core's npu::DmaPort by
// issuing real loosely-timed transactions.
//
// gemm(shape, placement) plans the GEMM with npu::plan_gemm and times it with
// npu::run_gemm; every transfer the core asks for becomes reads (X, W, bias)
// or writes (Y) of the byte ranges npu::byte_ranges gives, at the tensor's base
// address from the placement, split into requests of dma.request_bytes that
// never cross a request_bytes-aligned address boundary. A transfer is issued
// at its cycle (local time = issue cycle - sc_time_stamp(), kept in a
// tlm_quantumkeeper); with dma.max_outstanding = N > 0 request i waits for
// request i - N to complete. The transfer's arrival cycle (the latest
// sc_time_stamp() + delay after b_transport, rounded up to the NPU clock) goes
// back to run_gemm, so no L1 step starts before its operands have arrived.
//
// Data: bytes read land in an image of each tensor (image(Operand)); the Y
// bytes written come from set_output() (zeros if unset). The core times the
// arrays; it does not compute values.
//
// Must be called from an SC_THREAD (program(), run by the module's own
// thread, or any other thread): the quantum keeper may wait().
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/tlm_quantumkeeper.h>

#include "npu/config.h"
#include "npu/gemm.h"
#include "tlm/common/dma.h"
#include "tlm/common/stats.h"

namespace pimlab::tlm_npu {

// Where the GEMM's tensors live in the platform address map (router
// addresses). Each tensor is row-major and contiguous from its base; the
// interconnect's address map decides which channel a byte goes to
// (interleave by giving the router ranges of request_bytes or more).
struct TensorPlacement {
  std::uint64_t x = 0;     // activations, m x k
  std::uint64_t w = 0;     // weights, k x n
  std::uint64_t bias = 0;  // bias, n (only if shape.bias)
  std::uint64_t y = 0;     // outputs, m x n
};

// Result of one GEMM run through the shell.
struct GemmRun {
  npu::GemmTiming timing;          // run_gemm against the TLM DMA
  npu::Cycle compute_only_end = 0;  // the same plan with npu::InstantDma from the same start
  npu::Cycle stall_cycles = 0;      // timing.end - compute_only_end
  std::uint64_t read_requests = 0, write_requests = 0;
};

class Npu : public sc_core::sc_module, public tlm_common::stats_provider {
 public:
  SC_HAS_PROCESS(Npu);
  tlm_utils::simple_initiator_socket<Npu> socket;

  Npu(const sc_core::sc_module_name& name, const npu::NpuConfig& cfg = npu::NpuConfig{});

  // Run by the module's SC_THREAD at time 0 when set (before sc_start); the
  // thread synchronises its local time when the program returns.
  std::function<void(Npu&)> program;

  // Plans and runs one GEMM from the current local time (rounded up to the NPU
  // clock). Throws std::runtime_error when a transaction is answered with an
  // error (naming the address and the response).
  GemmRun gemm(const npu::GemmShape& shape, const TensorPlacement& place);

  // Bytes of the Y tensor the next gemm() writes (m x n x element_bytes).
  void set_output(std::vector<std::uint8_t> y) { m_y = std::move(y); }
  // The tensor image as the DMA saw it: bytes read (X, W, bias) or written (Y).
  const std::vector<std::uint8_t>& image(npu::Operand o) const { return m_img[static_cast<int>(o)]; }

  const npu::NpuConfig& config() const { return m_cfg; }
  tlm_utils::tlm_quantumkeeper& quantum_keeper() { return m_qk; }
  // NPU cycle of a simulated time (rounded up).
  npu::Cycle cycle_at(const sc_core::sc_time& t) const;

  void collect_stats(tlm_common::StatsSink& sink) const override;
  void reset_stats() override;

 private:
  class TlmDma;
  void run();
  void invalidate(sc_dt::uint64, sc_dt::uint64) {}

  npu::NpuConfig m_cfg;
  std::uint64_t m_period_ps;
  tlm_utils::tlm_quantumkeeper m_qk;
  std::vector<std::uint8_t> m_y;
  std::vector<std::uint8_t> m_img[4];

  tlm_common::DmaEngine m_dma;
  std::uint64_t m_stream_next = 0;  // dma.stream_addresses: the next stream address
  std::uint64_t s_gemms = 0;
  std::uint64_t s_gemm_cycles = 0, s_compute_only_cycles = 0, s_stall_cycles = 0, s_macs = 0;
};

}  // namespace pimlab::tlm_npu
