#include "tlm/gpu/gpu.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace pimlab::tlm_gpu {

namespace {

using tlm_common::DmaEngine;

std::uint64_t ceil_div(std::uint64_t a, std::uint64_t b) { return (a + b - 1) / b; }

}  // namespace

Gpu::Gpu(const sc_core::sc_module_name& name, const gpu::Host& host, const DmaConfig& dma, int gpus)
    : sc_module(name),
      socket("socket"),
      m_host(host),
      m_gpus(gpus),
      m_dma("gpu dma", [this](tlm::tlm_generic_payload& gp, sc_core::sc_time& d) { socket->b_transport(gp, d); },
            dma.request_bytes, dma.max_outstanding) {
  gpu::validate(m_host);
  if (gpus < 1) throw std::invalid_argument("gpu: gpus " + std::to_string(gpus) + " (allowed: >= 1)");
  socket.register_invalidate_direct_mem_ptr(this, &Gpu::invalidate);
  m_qk.reset();
  SC_THREAD(run);
}

void Gpu::run() {
  if (!program) return;
  program(*this);
  m_qk.sync();
}

KernelRun Gpu::kernel(const gpu::Operator& op, const OperandPlacement& place) {
  gpu::validate(op);
  KernelRun k;
  k.roofline = gpu::time_operator(m_host, op, m_gpus);
  const gpu::OpResult& r = k.roofline;
  const std::uint64_t start_ps = DmaEngine::ps_of(sc_core::sc_time_stamp() + m_qk.get_local_time());
  const auto ps = [](double s) { return static_cast<std::uint64_t>(std::ceil(s * 1e12 - 1e-6)); };
  const std::uint64_t r0 = m_dma.bytes_read, w0 = m_dma.bytes_written, rq0 = m_dma.read_requests,
                      wq0 = m_dma.write_requests;
  m_dma.reset();
  const std::uint64_t eb = static_cast<std::uint64_t>(op.dbyte);
  const std::uint64_t m = static_cast<std::uint64_t>(op.m), n = static_cast<std::uint64_t>(op.n),
                      kk = static_cast<std::uint64_t>(op.k), inst = static_cast<std::uint64_t>(op.num_op);
  const std::uint64_t c_bytes = m * n * inst * eb;
  if (!m_c.empty() && m_c.size() != c_bytes)
    throw std::invalid_argument("gpu: set_output() gave " + std::to_string(m_c.size()) +
                                " bytes; allowed: m x n x num_op x dbyte = " + std::to_string(c_bytes));
  std::uint64_t mem_end_ps = start_ps;
  auto read = [&](std::uint64_t addr, std::uint64_t len) {
    if (m_scratch.size() < len) m_scratch.resize(len);
    mem_end_ps = std::max(mem_end_ps, m_dma.transfer(false, addr, m_scratch.data(), len, start_ps));
  };
  auto write = [&](std::uint64_t addr, std::uint64_t c_off, std::uint64_t len) {
    std::uint8_t* data;
    if (m_c.empty()) {
      if (m_scratch.size() < len) m_scratch.resize(len);
      std::fill(m_scratch.begin(), m_scratch.begin() + static_cast<std::ptrdiff_t>(len), 0);
      data = m_scratch.data();
    } else {
      data = m_c.data() + c_off;
    }
    mem_end_ps = std::max(mem_end_ps, m_dma.transfer(true, addr, data, len, start_ps));
  };
  if (op.cls == gpu::OpClass::FC || op.cls == gpu::OpClass::MATMUL) {
    // Output tiles of the L2 tiling, row-major: A row block, B column block, C tile.
    const std::uint64_t tm = static_cast<std::uint64_t>(r.tiles->tm2), tn = static_cast<std::uint64_t>(r.tiles->tn2);
    for (std::uint64_t q = 0; q < inst; ++q) {
      const std::uint64_t a0 = place.a + q * m * kk * eb, b0 = place.b + q * kk * n * eb, c0 = q * m * n * eb;
      for (std::uint64_t i = 0; i < ceil_div(m, tm); ++i) {
        const std::uint64_t rows = std::min(tm, m - i * tm);
        for (std::uint64_t j = 0; j < ceil_div(n, tn); ++j) {
          const std::uint64_t cols = std::min(tn, n - j * tn);
          read(a0 + i * tm * kk * eb, rows * kk * eb);
          for (std::uint64_t x = 0; x < kk; ++x) read(b0 + (x * n + j * tn) * eb, cols * eb);
          for (std::uint64_t y = 0; y < rows; ++y) {
            const std::uint64_t off = c0 + ((i * tm + y) * n + j * tn) * eb;
            write(place.c + off, off, cols * eb);
          }
        }
      }
    }
  } else if (!gpu::is_link(op.cls)) {
    // Element-wise: passes - 1 reads of the input, one write of the output.
    const std::uint64_t passes = static_cast<std::uint64_t>(std::llround(r.hbm_bytes / static_cast<double>(c_bytes)));
    for (std::uint64_t p = 0; p + 1 < passes; ++p) read(place.a, c_bytes);
    write(place.c, 0, c_bytes);
  }
  m_c.clear();
  const std::uint64_t compute_end_ps =
      start_ps + ps(gpu::is_link(op.cls) ? r.time_s : r.compute_s);
  const std::uint64_t end_ps = std::max(compute_end_ps, mem_end_ps);
  k.start_s = static_cast<double>(start_ps) * 1e-12;
  k.compute_end_s = static_cast<double>(compute_end_ps) * 1e-12;
  k.memory_end_s = static_cast<double>(mem_end_ps) * 1e-12;
  k.end_s = static_cast<double>(end_ps) * 1e-12;
  k.bytes_read = m_dma.bytes_read - r0;
  k.bytes_written = m_dma.bytes_written - w0;
  k.read_requests = m_dma.read_requests - rq0;
  k.write_requests = m_dma.write_requests - wq0;
  // The kernel is over at its end: the initiator's local time moves there.
  m_qk.set(DmaEngine::time_of(end_ps - DmaEngine::ps_of(sc_core::sc_time_stamp())));
  if (m_qk.need_sync()) m_qk.sync();
  ++s_kernels;
  s_kernel_s += k.end_s - k.start_s;
  s_roofline_s += r.time_s;
  s_flops += r.flops;
  return k;
}

void Gpu::collect_stats(tlm_common::StatsSink& s) const {
  s.add("kernels", s_kernels, "kernels", "kernels run");
  s.add("kernel_time_s", s_kernel_s, "s", "sum of each kernel's end - start (its HBM traffic through the channels)");
  s.add("roofline_time_s", s_roofline_s, "s", "sum of the same kernels' roofline times (gpu::time_operator, ideal HBM)");
  s.add("flops", s_flops, "FLOP", "floating-point operations of the kernels");
  m_dma.collect(s);
}

void Gpu::reset_stats() {
  s_kernels = 0;
  s_kernel_s = s_roofline_s = s_flops = 0;
  m_dma.read_requests = m_dma.write_requests = m_dma.bytes_read = m_dma.bytes_written = 0;
}

}  // namespace pimlab::tlm_gpu
