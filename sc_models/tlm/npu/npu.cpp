#include "tlm/npu/npu.h"

#include <algorithm>
#include <deque>
#include <sstream>
#include <stdexcept>

namespace pimlab::tlm_npu {

using npu::Cycle;
using npu::Operand;

namespace {

std::uint64_t ps_of(const sc_core::sc_time& t) {
  return static_cast<std::uint64_t>(t.value() / sc_core::sc_time(1, sc_core::SC_PS).value());
}
sc_core::sc_time time_of(std::uint64_t ps) { return sc_core::sc_time(static_cast<double>(ps), sc_core::SC_PS); }

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
    const std::uint64_t issue_ps = static_cast<std::uint64_t>(issue) * period;
    if (issue_ps < ps_of(sc_core::sc_time_stamp()))
      throw std::logic_error("npu dma: a transfer issued before the current simulated time");
    const int eb = m_npu.m_cfg.element_bytes;
    const std::uint64_t base = base_of(t.operand);
    std::vector<std::uint8_t>& img = m_npu.m_img[static_cast<int>(t.operand)];
    const std::uint64_t req = static_cast<std::uint64_t>(m_npu.m_cfg.dma.request_bytes);
    const std::size_t window = static_cast<std::size_t>(m_npu.m_cfg.dma.max_outstanding);
    std::uint64_t arrival_ps = issue_ps;
    for (const npu::ByteRange& r : npu::byte_ranges(m_shape, eb, t)) {
      std::uint64_t off = static_cast<std::uint64_t>(r.offset);
      const std::uint64_t end = off + static_cast<std::uint64_t>(r.bytes);
      while (off < end) {
        const std::uint64_t addr = base + off;
        const std::uint64_t len = std::min(end - off, req - addr % req);  // stop at the next aligned boundary
        std::uint64_t start_ps = issue_ps;
        if (window > 0 && m_inflight.size() >= window) {
          start_ps = std::max(start_ps, m_inflight.front());
          m_inflight.pop_front();
        }
        start_ps = std::max(start_ps, m_last_start_ps);  // the engine issues in order
        m_last_start_ps = start_ps;
        std::uint8_t* data = t.write ? m_npu.m_y.data() + off : img.data() + off;
        const std::uint64_t done_ps = request(t.write, addr, data, static_cast<unsigned>(len), start_ps);
        if (t.write) std::copy(data, data + len, img.begin() + static_cast<std::ptrdiff_t>(off));
        if (window > 0) m_inflight.push_back(done_ps);
        arrival_ps = std::max(arrival_ps, done_ps);
        off += len;
      }
    }
    // The engine's own time is the issue cycle: keep it as the local time
    // offset and synchronise when the quantum is used up.
    const std::uint64_t now_ps = ps_of(sc_core::sc_time_stamp());
    m_npu.m_qk.set(time_of(issue_ps - now_ps));
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

  // One b_transport starting at `start_ps`; returns its completion in ps.
  std::uint64_t request(bool write, std::uint64_t addr, std::uint8_t* data, unsigned len, std::uint64_t start_ps) {
    tlm::tlm_generic_payload gp;
    gp.set_command(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
    gp.set_address(addr);
    gp.set_data_ptr(data);
    gp.set_data_length(len);
    gp.set_streaming_width(len);
    gp.set_byte_enable_ptr(nullptr);
    gp.set_byte_enable_length(0);
    gp.set_dmi_allowed(false);
    gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    sc_core::sc_time delay = time_of(start_ps - ps_of(sc_core::sc_time_stamp()));
    m_npu.socket->b_transport(gp, delay);
    if (!gp.is_response_ok()) {
      std::ostringstream os;
      os << "npu dma: " << (write ? "write" : "read") << " of " << len << " bytes at 0x" << std::hex << addr
         << " answered " << gp.get_response_string();
      throw std::runtime_error(os.str());
    }
    if (write) {
      ++m_npu.s_write_requests;
      m_npu.s_bytes_written += len;
    } else {
      ++m_npu.s_read_requests;
      m_npu.s_bytes_read += len;
    }
    return ps_of(sc_core::sc_time_stamp() + delay);
  }

  Npu& m_npu;
  npu::GemmShape m_shape;
  TensorPlacement m_place;
  std::deque<std::uint64_t> m_inflight;  // completion times of the last max_outstanding requests
  std::uint64_t m_last_start_ps = 0;
};

Npu::Npu(const sc_core::sc_module_name& name, const npu::NpuConfig& cfg)
    : sc_module(name), socket("socket"), m_cfg(cfg), m_period_ps(0) {
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
  const std::uint64_t rq0 = s_read_requests, wq0 = s_write_requests;
  TlmDma dma(*this, shape, place);
  GemmRun run;
  run.timing = npu::run_gemm(m_cfg, plan, dma, start);
  npu::InstantDma instant;
  run.compute_only_end = npu::run_gemm(m_cfg, plan, instant, start).end;
  run.stall_cycles = run.timing.end - run.compute_only_end;
  run.read_requests = s_read_requests - rq0;
  run.write_requests = s_write_requests - wq0;
  m_y.clear();
  // The GEMM is over at timing.end: the initiator's local time moves there.
  const std::uint64_t end_ps = static_cast<std::uint64_t>(run.timing.end) * m_period_ps;
  const std::uint64_t now_ps = ps_of(sc_core::sc_time_stamp());
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
  s.add("bytes_read", s_bytes_read, "bytes", "bytes the DMA read (X, W, bias; re-reads included)");
  s.add("bytes_written", s_bytes_written, "bytes", "bytes the DMA wrote (Y)");
  s.add("read_requests", s_read_requests, "transactions", "read transactions issued (dma.request_bytes or less each)");
  s.add("write_requests", s_write_requests, "transactions", "write transactions issued");
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
  s_gemms = s_bytes_read = s_bytes_written = s_read_requests = s_write_requests = 0;
  s_gemm_cycles = s_compute_only_cycles = s_stall_cycles = s_macs = 0;
}

}  // namespace pimlab::tlm_npu
