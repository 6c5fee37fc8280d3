// Timing of one interconnect link (pure C++, times in integer picoseconds):
// the link model of the TLM router (tlm/noc/router.h, docs/noc.md) and of the
// serving path's host-to-CIM transfers (serving/cim_place.h), one mechanism.
//
// A link has a data width (bytes per cycle), a clock (integer MHz) and a
// latency (cycles, paid once per traversal). It is full duplex: the request
// direction carries write data towards the target, the response direction
// carries read data back; each direction is one resource with a "free at"
// cycle. A transfer of B bytes occupies its direction ceil(B / width) cycles,
// starting at the first clock edge at or after both its earliest start and the
// cycle the previous transfer released the direction (first come, first
// served in the order reserve() is called; a later call never fills an idle
// gap before the free-at cycle).
//
// Cycle k starts at ceil(k * 1e6 / clock_mhz) ps; with 1 ps resolution this is
// exact for every clock whose period is an integer number of ps and rounds up
// by < 1 ps otherwise (cycle counts stay exact integers either way).
#pragma once

#include <algorithm>
#include <cstdint>

namespace pimlab::noc {

enum class Dir { request = 0, response = 1 };

struct LinkParams {
  std::uint32_t width_bytes = 32;
  std::uint32_t clock_mhz = 2000;
  std::uint32_t latency_cycles = 1;
};

// The allowed range of each parameter (the router's keys and the serving
// path's cim.link_* keys): width 1..2^20 bytes, clock 1..100000 MHz,
// latency 0..2^20 cycles.
constexpr std::uint32_t kMaxWidthBytes = 1u << 20;
constexpr std::uint32_t kMaxClockMhz = 100000u;
constexpr std::uint32_t kMaxLatencyCycles = 1u << 20;

struct Slot {
  std::uint64_t start_ps = 0, end_ps = 0;  // [start, end)
  std::uint64_t cycles = 0;
};

class LinkTiming {
 public:
  explicit LinkTiming(LinkParams p = {}) : m_p(p), m_period_ps(1000000u % p.clock_mhz == 0 ? 1000000u / p.clock_mhz : 0) {}
  const LinkParams& params() const { return m_p; }

  std::uint64_t cycles_for(std::uint64_t bytes) const { return (bytes + m_p.width_bytes - 1) / m_p.width_bytes; }
  // First cycle starting at or after t_ps.
  // (Integer period: 64-bit arithmetic; otherwise exact 128-bit rationals.)
  std::uint64_t cycle_at_or_after(std::uint64_t t_ps) const {
    if (m_period_ps) return t_ps / m_period_ps + (t_ps % m_period_ps != 0);
    const unsigned __int128 num = static_cast<unsigned __int128>(t_ps) * m_p.clock_mhz;
    return static_cast<std::uint64_t>((num + 999999u) / 1000000u);
  }
  // Start time of cycle k.
  std::uint64_t time_of(std::uint64_t cycle) const {
    if (m_period_ps) return cycle * m_period_ps;
    const unsigned __int128 num = static_cast<unsigned __int128>(cycle) * 1000000u;
    return static_cast<std::uint64_t>((num + m_p.clock_mhz - 1) / m_p.clock_mhz);
  }
  // Latency of one traversal in ps (latency_cycles whole periods, rounded up).
  std::uint64_t latency_ps() const { return time_of(m_p.latency_cycles); }

  // Books `bytes` on direction `d`, not before `earliest_ps`.
  Slot reserve(Dir d, std::uint64_t earliest_ps, std::uint64_t bytes) {
    const int i = static_cast<int>(d);
    const std::uint64_t n = cycles_for(bytes);
    const std::uint64_t c0 = std::max(cycle_at_or_after(earliest_ps), m_free[i]);
    m_free[i] = c0 + n;
    m_busy[i] += n;
    m_bytes[i] += bytes;
    return Slot{time_of(c0), time_of(c0 + n), n};
  }

  std::uint64_t free_cycle(Dir d) const { return m_free[static_cast<int>(d)]; }
  std::uint64_t busy_cycles(Dir d) const { return m_busy[static_cast<int>(d)]; }
  std::uint64_t bytes(Dir d) const { return m_bytes[static_cast<int>(d)]; }
  void reset_counters() { m_busy[0] = m_busy[1] = m_bytes[0] = m_bytes[1] = 0; }

 private:
  LinkParams m_p;
  std::uint64_t m_period_ps;  // 1e6 / clock_mhz when integral, else 0
  std::uint64_t m_free[2] = {0, 0};
  std::uint64_t m_busy[2] = {0, 0};
  std::uint64_t m_bytes[2] = {0, 0};
};

// Moves `bytes` over `first` then `second` (cut-through: the second link may
// start in the cycle the first one does; the router buffers whole
// transactions, so the first link is not held while the second is busy).
// Returns the time the last byte has crossed both, without latencies.
inline std::uint64_t transfer(LinkTiming& first, LinkTiming& second, Dir d, std::uint64_t t_ps, std::uint64_t bytes) {
  if (bytes == 0) return t_ps;
  const Slot a = first.reserve(d, t_ps, bytes);
  const Slot b = second.reserve(d, a.start_ps, bytes);
  return std::max(a.end_ps, b.end_ps);
}

// Duration of one unloaded blocking transaction of `bytes` data through a
// router from an initiator on link `in` to a target on link `out`, with a
// target that answers at once: exactly what tlm_noc::Router::b_transport adds
// to the delay on idle links starting at a clock edge of both: the data
// crosses both links cut-through (a write on the request direction, a read
// on the response direction), and the request and the response traversal
// each pay both links' latency.
inline std::uint64_t transaction_ps(const LinkParams& in, const LinkParams& out, Dir d, std::uint64_t bytes) {
  LinkTiming a(d == Dir::request ? in : out), b(d == Dir::request ? out : in);
  const std::uint64_t lat = a.latency_ps() + b.latency_ps();
  return transfer(a, b, d, 0, bytes) + 2 * lat;
}

}  // namespace pimlab::noc
