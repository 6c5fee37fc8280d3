// The request engine of a host's DMA (docs/tlm.md, "DMA engine"), shared by the
// NPU and GPU shells: a contiguous byte range becomes loosely-timed TLM
// requests of at most `request_bytes` that never cross a
// request_bytes-aligned boundary, issued in order, each with the annotated
// delay (start - sc_time_stamp()) the target and the interconnect add to.
// With max_outstanding = N > 0 a request starts no earlier than the completion
// of the request N before it; with 0 every request starts at the range's
// issue time and the interconnect and the channels' controller queues pace
// them. Times are in picoseconds of simulated time.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <string>

#include <systemc>
#include <tlm>

#include "stats/stats.h"
#include "tlm/common/sim_time.h"

namespace pimlab::tlm_common {

class DmaEngine {
 public:
  using Transport = std::function<void(tlm::tlm_generic_payload&, sc_core::sc_time&)>;
  // `who` starts error messages ("npu dma"). request_bytes >= 1.
  DmaEngine(std::string who, Transport transport, std::uint64_t request_bytes, std::size_t max_outstanding);

  // Moves [addr, addr + len) (data: len bytes, read into or written from),
  // the first request starting no earlier than `issue_ps` (>= now). Returns
  // the completion time of the last request (issue_ps for len 0). Throws
  // std::runtime_error naming the command, length, address and response when
  // a request is not answered TLM_OK_RESPONSE.
  std::uint64_t transfer(bool write, std::uint64_t addr, std::uint8_t* data, std::uint64_t len, std::uint64_t issue_ps);
  // Forgets the in-flight window and the in-order start (a new program).
  void reset();

  std::uint64_t read_requests = 0, write_requests = 0, bytes_read = 0, bytes_written = 0;
  // The four counters above, with units and descriptions (docs/tlm.md,
  // "Stats document"); the host shells add them to their group.
  void collect(stats::Sink& s) const;

  // tlm/common/sim_time.h
  static std::uint64_t ps_of(const sc_core::sc_time& t) { return tlm_common::ps_of(t); }
  static sc_core::sc_time time_of(std::uint64_t ps) { return tlm_common::time_of(ps); }

 private:
  std::uint64_t request(bool write, std::uint64_t addr, std::uint8_t* data, unsigned len, std::uint64_t start_ps);

  // The payload of every request (one request is in flight at a time:
  // b_transport returns before the next one starts), so none is built and
  // torn down per request.
  tlm::tlm_generic_payload m_gp;
  std::string m_who;
  Transport m_transport;
  std::uint64_t m_request_bytes;
  std::size_t m_window;
  std::deque<std::uint64_t> m_inflight;  // completion times of the last max_outstanding requests
  std::uint64_t m_last_start_ps = 0;
};

}  // namespace pimlab::tlm_common
