#include "tlm/npu/npu.h"

#include <algorithm>
#include <sstream>
#include <stdexcept>

namespace pimlab::tlm_npu {

using npu::Cycle;
using npu::Operand;

namespace {

std::uint64_t ps_of(const sc_core::sc_time& t) { return tlm_common::DmaEngine::ps_of(t); }
sc_core::sc_time time_of(std::uint64_t ps) { return tlm_common::DmaEngine::time_of(ps); }

std::int64_t tensor_bytes(const npu::GemmShape& s, Operand o, int eb) {
  switch (o) {
    case Operand::x: return s.m * s.k * eb;
    case Operand::w: return s.k * s.n * eb;
    case Operand::bias: return s.bias ? s.n * eb : 0;
    case Operand::y: return s.m * s.n * eb;
  }
  return 0;
}

}  // namespace

// The DMA engine: the core's transfers as TLM requests (see npu.h).
class Npu::TlmDma : public npu::DmaPort {
 public:
  TlmDma(Npu& npu, const npu::GemmShape& shape, const TensorPlacement& place)
      : m_npu(npu), m_shape(shape), m_place(place) {}

  Cycle transfer(const npu::Transfer& t, Cycle issue) override {
    const std::uint64_t period = m_npu.m_period_ps;
    // A target that blocks in b_transport (the channel's queued front end)
    // moves simulated time past the core's planned issue: the DMA then issues
    // when it gets control back.
    const std::uint64_t issue_ps =
        std::max<std::uint64_t>(static_cast<std::uint64_t>(issue) * period, ps_of(sc_core::sc_time_stamp()));
    const int eb = m_npu.m_cfg.element_bytes;
    const std::uint64_t base = base_of(t.operand);
    std::vector<std::uint8_t>& img = m_npu.m_img[static_cast<int>(t.operand)];
    std::uint64_t arrival_ps = issue_ps;
    for (const npu::ByteRange& r : npu::byte_ranges(m_shape, eb, t)) {
      const std::uint64_t off = static_cast<std::uint64_t>(r.offset), len = static_cast<std::uint64_t>(r.bytes);
      std::uint8_t* data = t.write ? m_npu.m_y.data() + off : img.data() + off;
      std::uint64_t addr = base + off;
      if (m_npu.m_cfg.dma.stream_addresses) {  // the artifact's synthetic sequential stream
        addr = m_npu.m_stream_next;
        m_npu.m_stream_next += len;
      }
      arrival_ps = std::max(arrival_ps, m_npu.m_dma.transfer(t.write, addr, data, len, issue_ps));
      if (t.write) std::copy(data, data + len, img.begin() + static_cast<std::ptrdiff_t>(off));
    }
    // The engine's own time is the issue cycle: keep it as the local time
    // offset and synchronise when the quantum is used up.
    const std::uint64_t now_ps = ps_of(sc_core::sc_time_stamp());
    m_npu.m_qk.set(time_of(std::max(issue_ps, now_ps) - now_ps));
    if (m_npu.m_qk.need_sync()) m_npu.m_qk.sync();
    return static_cast<Cycle>((arrival_ps + period - 1) / period);
  }

 private:
  std::uint64_t base_of(Operand o) const {
    switch (o) {
      case Operand::x: return m_place.x;
      case Operand::w: return m_place.w;
      case Operand::bias: return m_place.bias;
      case Operand::y: return m_place.y;
    }
    return 0;
  }

  Npu& m_npu;
  npu::GemmShape m_shape;
  TensorPlacement m_place;
};

Npu::Npu(const sc_core::sc_module_name& name, const npu::NpuConfig& cfg)
    : sc_module(name),
      socket("socket"),
      m_cfg(cfg),
      m_period_ps(0),
      m_dma("npu dma", [this](tlm::tlm_generic_payload& gp, sc_core::sc_time& d) { socket->b_transport(gp, d); },
            static_cast<std::uint64_t>(std::max(1, cfg.dma.request_bytes)),
            static_cast<std::size_t>(std::max(0, cfg.dma.max_outstanding))) {
  npu::validate(m_cfg);
  if (1000000 % m_cfg.clock_mhz != 0)
    throw std::invalid_argument("npu: clock_mhz " + std::to_string(m_cfg.clock_mhz) +
                                " is not allowed in the TLM shell; allowed: a divisor of 1000000 (an integer period in ps)");
  m_period_ps = static_cast<std::uint64_t>(1000000 / m_cfg.clock_mhz);
  socket.register_invalidate_direct_mem_ptr(this, &Npu::invalidate);
  m_qk.reset();
  SC_THREAD(run);
}

void Npu::run() {
  if (!program) return;
  program(*this);
  m_qk.sync();  // the program's last local time becomes simulated time
}

Cycle Npu::cycle_at(const sc_core::sc_time& t) const {
  return static_cast<Cycle>((ps_of(t) + m_period_ps - 1) / m_period_ps);
}

GemmRun Npu::gemm(const npu::GemmShape& shape, const TensorPlacement& place) {
  const npu::GemmPlan plan = npu::plan_gemm(m_cfg, shape);
  const int eb = m_cfg.element_bytes;
  for (Operand o : {Operand::x, Operand::w, Operand::bias, Operand::y})
    m_img[static_cast<int>(o)].assign(static_cast<std::size_t>(tensor_bytes(shape, o, eb)), 0);
  const std::size_t y_bytes = static_cast<std::size_t>(tensor_bytes(shape, Operand::y, eb));
  if (m_y.empty()) m_y.assign(y_bytes, 0);
  if (m_y.size() != y_bytes)
    throw std::invalid_argument("npu: set_output() gave " + std::to_string(m_y.size()) +
                                " bytes; allowed: m x n x element_bytes = " + std::to_string(y_bytes));
  const Cycle start = cycle_at(sc_core::sc_time_stamp() + m_qk.get_local_time());
  const std::uint64_t rq0 = m_dma.read_requests, wq0 = m_dma.write_requests;
  m_dma.reset();  // each GEMM's DMA program starts with an empty window
  TlmDma dma(*this, shape, place);
  GemmRun run;
  run.timing = npu::run_gemm(m_cfg, plan, dma, start);
  npu::InstantDma instant;
  run.compute_only_end = npu::run_gemm(m_cfg, plan, instant, start).end;
  run.stall_cycles = run.timing.end - run.compute_only_end;
  run.read_requests = m_dma.read_requests - rq0;
  run.write_requests = m_dma.write_requests - wq0;
  m_y.clear();
  // The GEMM is over at timing.end: the initiator's local time moves there.
  const std::uint64_t now_ps = ps_of(sc_core::sc_time_stamp());
  const std::uint64_t end_ps = std::max<std::uint64_t>(static_cast<std::uint64_t>(run.timing.end) * m_period_ps, now_ps);
  m_qk.set(time_of(end_ps - now_ps));
  if (m_qk.need_sync()) m_qk.sync();
  ++s_gemms;
  s_gemm_cycles += static_cast<std::uint64_t>(run.timing.end - run.timing.start);
  s_compute_only_cycles += static_cast<std::uint64_t>(run.compute_only_end - start);
  s_stall_cycles += static_cast<std::uint64_t>(run.stall_cycles);
  s_macs += static_cast<std::uint64_t>(run.timing.macs);
  return run;
}

void Npu::collect_stats(tlm_common::StatsSink& s) const {
  s.add("gemms", s_gemms, "GEMMs", "GEMMs run");
  m_dma.collect(s);
  s.add("gemm_cycles", s_gemm_cycles, "cycles", "NPU cycles from each GEMM's start to its last output written, summed");
  s.add("compute_only_cycles", s_compute_only_cycles, "cycles",
        "the same GEMMs with operands present at issue (npu::InstantDma), summed");
  s.add("stall_cycles", s_stall_cycles, "cycles", "gemm_cycles - compute_only_cycles: time lost waiting for memory");
  s.add("macs", s_macs, "MACs", "multiply-accumulates (m x k x n per GEMM)");
  const double cyc = static_cast<double>(s_gemm_cycles);
  s.add("array_utilisation", cyc > 0 ? static_cast<double>(s_macs) / (cyc * m_cfg.peak_flops_per_cycle() / 2.0) : 0.0,
        "ratio", "macs / (gemm_cycles x peak MACs per cycle)");
}

void Npu::reset_stats() {
  s_gemms = 0;
  m_dma.read_requests = m_dma.write_requests = m_dma.bytes_read = m_dma.bytes_written = 0;
  s_gemm_cycles = s_compute_only_cycles = s_stall_cycles = s_macs = 0;
}

}  // namespace pimlab::tlm_npu
