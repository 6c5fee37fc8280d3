#include "tlm/common/dma.h"

#include <algorithm>
#include <sstream>
#include <stdexcept>

namespace pimlab::tlm_common {

DmaEngine::DmaEngine(std::string who, Transport transport, std::uint64_t request_bytes, std::size_t max_outstanding)
    : m_who(std::move(who)), m_transport(std::move(transport)), m_request_bytes(request_bytes), m_window(max_outstanding) {
  if (m_request_bytes < 1) throw std::invalid_argument(m_who + ": request_bytes 0 (allowed: >= 1)");
}

void DmaEngine::reset() {
  m_inflight.clear();
  m_last_start_ps = 0;
}

std::uint64_t DmaEngine::transfer(bool write, std::uint64_t addr, std::uint8_t* data, std::uint64_t len,
                                  std::uint64_t issue_ps) {
  std::uint64_t done = issue_ps;
  std::uint64_t off = 0;
  while (off < len) {
    const std::uint64_t a = addr + off;
    const std::uint64_t n = std::min(len - off, m_request_bytes - a % m_request_bytes);  // to the next aligned boundary
    std::uint64_t start_ps = issue_ps;
    if (m_window > 0 && m_inflight.size() >= m_window) {
      start_ps = std::max(start_ps, m_inflight.front());
      m_inflight.pop_front();
    }
    start_ps = std::max(start_ps, m_last_start_ps);  // the engine issues in order
    // Not in the past: a target that blocks in b_transport (the channel's
    // queued front end) moves simulated time on while the engine waits.
    start_ps = std::max(start_ps, ps_of(sc_core::sc_time_stamp()));
    m_last_start_ps = start_ps;
    const std::uint64_t d = request(write, a, data + off, static_cast<unsigned>(n), start_ps);
    if (m_window > 0) m_inflight.push_back(d);
    done = std::max(done, d);
    off += n;
  }
  return done;
}

std::uint64_t DmaEngine::request(bool write, std::uint64_t addr, std::uint8_t* data, unsigned len, std::uint64_t start_ps) {
  tlm::tlm_generic_payload& gp = m_gp;
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
  m_transport(gp, delay);
  if (!gp.is_response_ok()) {
    std::ostringstream os;
    os << m_who << ": " << (write ? "write" : "read") << " of " << len << " bytes at 0x" << std::hex << addr
       << " answered " << gp.get_response_string();
    throw std::runtime_error(os.str());
  }
  if (write) {
    ++write_requests;
    bytes_written += len;
  } else {
    ++read_requests;
    bytes_read += len;
  }
  return ps_of(sc_core::sc_time_stamp() + delay);
}

void DmaEngine::collect(stats::Sink& s) const {
  s.add("bytes_read", bytes_read, "bytes", "bytes the DMA read (re-reads of the tiling included)");
  s.add("bytes_written", bytes_written, "bytes", "bytes the DMA wrote");
  s.add("read_requests", read_requests, "transactions", "read transactions issued (request_bytes or less each)");
  s.add("write_requests", write_requests, "transactions", "write transactions issued (request_bytes or less each)");
}

}  // namespace pimlab::tlm_common
