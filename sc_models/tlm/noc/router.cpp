#include "tlm/noc/router.h"

#include <algorithm>
#include <stdexcept>

#include "tlm/common/log.h"

namespace pimlab::tlm_noc {

using tlm_common::ConfigError;
using tlm_common::Param;

// ---------------------------------------------------------------- Link

Link::Link(const char* name, const LinkParams& d)
    : sc_object(name),
      p_width_bytes(*this, "width_bytes", d.width_bytes, "bytes", "data bytes the link moves per cycle", 1u, noc::kMaxWidthBytes),
      p_clock_mhz(*this, "clock_mhz", d.clock_mhz, "MHz", "link clock (integer MHz)", 1u, noc::kMaxClockMhz),
      p_latency_cycles(*this, "latency_cycles", d.latency_cycles, "cycles",
                       "pipeline latency of one traversal (paid by the request and by the response)", 0u,
                       noc::kMaxLatencyCycles),
      timing(LinkParams{p_width_bytes.get(), p_clock_mhz.get(), p_latency_cycles.get()}) {}

void Link::collect_stats(tlm_common::StatsSink& s) const {
  const LinkParams& p = timing.params();
  s.add("transactions", s_transactions, "transactions", "transactions forwarded through this port (target answered OK)");
  s.add("target_errors", s_errors, "transactions", "transactions forwarded through this port that the target answered with an error");
  s.add("bytes_request", timing.bytes(Dir::request), "bytes", "write data carried towards the target");
  s.add("bytes_response", timing.bytes(Dir::response), "bytes", "read data carried back to the initiator");
  s.add("busy_cycles_request", timing.busy_cycles(Dir::request), "cycles",
        "link cycles occupied by write data (ceil(bytes / width_bytes) per transfer)");
  s.add("busy_cycles_response", timing.busy_cycles(Dir::response), "cycles",
        "link cycles occupied by read data (ceil(bytes / width_bytes) per transfer)");
  // Derived at dump time: busy cycles over the cycles elapsed so far.
  const std::uint64_t now_ps =
      static_cast<std::uint64_t>(sc_core::sc_time_stamp().value() / sc_core::sc_time(1, sc_core::SC_PS).value());
  const std::uint64_t elapsed = timing.cycle_at_or_after(now_ps);
  const auto util = [&](Dir d) {
    return elapsed ? static_cast<double>(timing.busy_cycles(d)) / static_cast<double>(elapsed) : 0.0;
  };
  s.add("utilisation_request", util(Dir::request), "ratio",
        "busy_cycles_request / link cycles elapsed at the dump (> 1 when initiators run ahead of simulated time)");
  s.add("utilisation_response", util(Dir::response), "ratio",
        "busy_cycles_response / link cycles elapsed at the dump (> 1 when initiators run ahead of simulated time)");
  s.add("peak_bandwidth", static_cast<double>(p.width_bytes) * p.clock_mhz * 1e-3, "GB/s",
        "width_bytes x clock_mhz per direction");
}

void Link::reset_stats() {
  s_transactions = s_errors = 0;
  timing.reset_counters();
}

// ---------------------------------------------------------------- Router

Router::Router(const sc_core::sc_module_name& name, unsigned inputs, unsigned outputs)
    : sc_module(name),
      target_socket("target_socket"),
      initiator_socket("initiator_socket"),
      // Defaults: the NeuPIMs on-chip interconnect runs at 2 GHz with latency 1
      // (docs/noc.md); 32 bytes = one HBM atom per cycle.
      p_width_bytes(*this, "width_bytes", 32u, "bytes", "default data width of every link", 1u, noc::kMaxWidthBytes),
      p_clock_mhz(*this, "clock_mhz", 2000u, "MHz", "default clock of every link (integer MHz)", 1u, noc::kMaxClockMhz),
      p_latency_cycles(*this, "latency_cycles", 1u, "cycles", "default latency of every link (one traversal)", 0u,
                       noc::kMaxLatencyCycles),
      m_inputs(inputs),
      m_outputs(outputs) {
  if (sc_core::sc_get_time_resolution() != sc_core::sc_time(1, sc_core::SC_PS))
    throw std::logic_error(std::string(this->name()) + ": the router needs a 1 ps time resolution");
  if (inputs == 0 || outputs == 0)
    throw ConfigError(std::string(this->name()) + ": a router needs at least one input and one output (got " +
                      std::to_string(inputs) + " and " + std::to_string(outputs) + ")");
  // The address map: a JSON array under <name>.address_map, declared with the
  // other parameters so that it appears in the effective configuration.
  auto& cfg = tlm_common::Config::instance();
  const std::string map_key = std::string(this->name()) + ".address_map";
  const auto preset = cfg.take(map_key);
  try {
    m_map = AddressMap::from_json(preset ? *preset : nlohmann::json::array(), map_key, outputs);
  } catch (const ConfigError&) {
    throw;
  } catch (const std::invalid_argument& e) {
    throw ConfigError(e.what());
  }
  cfg.declare(map_key, tlm_common::ParamRecord{m_map.to_json(), nlohmann::json::array(), "",
                                               "address ranges: [{base, size, port, offset}] (docs/noc.md)",
                                               "array of non-overlapping ranges with size > 0 and port < " +
                                                   std::to_string(outputs),
                                               "array"});
  const LinkParams d{p_width_bytes.get(), p_clock_mhz.get(), p_latency_cycles.get()};
  for (unsigned k = 0; k < inputs; ++k) m_in.push_back(std::make_unique<Link>(("in" + std::to_string(k)).c_str(), d));
  for (unsigned p = 0; p < outputs; ++p)
    m_out.push_back(std::make_unique<Link>(("out" + std::to_string(p)).c_str(), d));

  target_socket.register_b_transport(this, &Router::b_transport);
  target_socket.register_transport_dbg(this, &Router::transport_dbg);
  target_socket.register_get_direct_mem_ptr(this, &Router::get_direct_mem_ptr);
  initiator_socket.register_invalidate_direct_mem_ptr(this, &Router::invalidate_direct_mem_ptr);
}

Router::~Router() = default;

void Router::add_ranges(const std::vector<AddressRange>& ranges) {
  if (sc_core::sc_is_running())
    throw std::logic_error(std::string(name()) + ": add_ranges() after the simulation started");
  std::vector<AddressRange> all = m_map.ranges();
  std::size_t index = all.size();
  for (AddressRange r : ranges) {
    r.index = index++;
    all.push_back(r);
  }
  try {
    m_map = AddressMap(std::move(all), std::string(name()) + ".address_map", m_outputs);
  } catch (const ConfigError&) {
    throw;
  } catch (const std::invalid_argument& e) {
    throw ConfigError(e.what());
  }
}

void Router::end_of_elaboration() {
  if (static_cast<unsigned>(target_socket.size()) != m_inputs ||
      static_cast<unsigned>(initiator_socket.size()) != m_outputs)
    throw ConfigError(std::string(name()) + ": declared with " + std::to_string(m_inputs) + " inputs and " +
                      std::to_string(m_outputs) + " outputs, bound " + std::to_string(target_socket.size()) +
                      " initiators and " + std::to_string(initiator_socket.size()) + " targets");
}

std::uint64_t Router::ps(const sc_core::sc_time& t) { return t.value(); }  // resolution is 1 ps (constructor)
sc_core::sc_time Router::from_ps(std::uint64_t t) { return sc_core::sc_time::from_value(t); }
std::uint64_t Router::now_ps() const { return ps(sc_core::sc_time_stamp()); }

void Router::b_transport(int id, tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
  const std::uint64_t addr = gp.get_address();
  const std::uint64_t len = gp.get_data_length();
  const std::uint64_t sw = gp.get_streaming_width();
  const std::uint64_t span = m_span ? m_span(gp) : (sw > 0 && sw < len ? sw : len);
  const AddressRange* r = m_map.find(addr);
  if (!r) {
    ++s_unmapped;
    PIMLAB_DEBUG(name()) << "in" << id << ": address " << hex(addr) << " is unmapped";
    gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return;
  }
  if (span > 0 && span - 1 > r->last() - addr) {
    ++s_crossing;
    PIMLAB_DEBUG(name()) << "in" << id << ": [" << hex(addr) << ", +" << span << ") crosses the end of range "
                         << r->index << " at " << hex(r->last());
    gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return;
  }
  Link& in = *m_in[static_cast<unsigned>(id)];
  Link& out = *m_out[r->port];
  const std::uint64_t lat = in.timing.latency_ps() + out.timing.latency_ps();
  const bool carries = gp.get_command() != tlm::TLM_IGNORE_COMMAND;

  // Request: header (and write data) to the target.
  const std::uint64_t t0 = now_ps() + ps(delay);
  std::uint64_t t1 = t0;
  if (gp.is_write() && carries) t1 = transfer(in.timing, out.timing, Dir::request, t0, len);
  t1 += lat;
  delay += from_ps(t1 - t0);

  gp.set_address(r->to_target(addr));
  initiator_socket[static_cast<int>(r->port)]->b_transport(gp, delay);
  gp.set_address(addr);

  // Response: header (and read data) back to the initiator.
  const bool ok = gp.is_response_ok();
  const std::uint64_t t2 = now_ps() + ps(delay);
  std::uint64_t t3 = t2;
  if (gp.is_read() && ok) t3 = transfer(out.timing, in.timing, Dir::response, t2, len);
  t3 += lat;
  delay += from_ps(t3 - t2);

  ++s_forwarded;
  if (ok) {
    ++in.s_transactions, ++out.s_transactions;
  } else {
    ++in.s_errors, ++out.s_errors;
  }
}

unsigned int Router::transport_dbg(int id, tlm::tlm_generic_payload& gp) {
  (void)id;
  const std::uint64_t addr = gp.get_address();
  const unsigned int len = gp.get_data_length();
  const AddressRange* r = m_map.find(addr);
  ++s_dbg;
  if (!r) {
    ++s_dbg_unmapped;
    gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return 0;
  }
  const std::uint64_t room = r->last() - addr + 1;  // >= 1, may be 2^64 (wraps to 0) only for a full map
  const unsigned int n = (room != 0 && room < len) ? static_cast<unsigned int>(room) : len;
  gp.set_address(r->to_target(addr));
  gp.set_data_length(n);
  const unsigned int moved = initiator_socket[static_cast<int>(r->port)]->transport_dbg(gp);
  gp.set_address(addr);
  gp.set_data_length(len);
  s_dbg_bytes += moved;
  return moved;
}

bool Router::get_direct_mem_ptr(int id, tlm::tlm_generic_payload& gp, tlm::tlm_dmi& dmi) {
  ++s_dmi_requests;
  const std::uint64_t addr = gp.get_address();
  const AddressRange* r = m_map.find(addr);
  if (!r) {
    std::uint64_t first = 0, last = 0;
    m_map.hole(addr, first, last);
    dmi.init();
    dmi.set_start_address(first);
    dmi.set_end_address(last);
    return false;
  }
  gp.set_address(r->to_target(addr));
  const bool granted = initiator_socket[static_cast<int>(r->port)]->get_direct_mem_ptr(gp, dmi);
  gp.set_address(addr);
  // Translate the region (target addresses) back and clip it to the range.
  const std::uint64_t ts = dmi.get_start_address(), te = dmi.get_end_address();
  const std::uint64_t lo = std::max<std::uint64_t>(ts, r->offset);
  const std::uint64_t hi = std::min<std::uint64_t>(te, r->target_last());
  if (lo > hi) {
    // The target answered with a region outside the range: nothing usable.
    dmi.init();
    dmi.set_start_address(r->base);
    dmi.set_end_address(r->last());
    return false;
  }
  if (granted && dmi.get_dmi_ptr()) dmi.set_dmi_ptr(dmi.get_dmi_ptr() + (lo - ts));
  dmi.set_start_address(r->base + (lo - r->offset));
  dmi.set_end_address(r->base + (hi - r->offset));
  if (granted) {
    const sc_core::sc_time rt = from_ps(2 * (m_in[static_cast<unsigned>(id)]->timing.latency_ps() +
                                             m_out[r->port]->timing.latency_ps()));
    dmi.set_read_latency(dmi.get_read_latency() + rt);
    dmi.set_write_latency(dmi.get_write_latency() + rt);
    ++s_dmi_granted;
  }
  return granted;
}

void Router::invalidate_direct_mem_ptr(int port, sc_dt::uint64 start, sc_dt::uint64 end) {
  for (const AddressRange& r : m_map.ranges()) {
    if (r.port != static_cast<unsigned>(port)) continue;
    const std::uint64_t lo = std::max<std::uint64_t>(start, r.offset);
    const std::uint64_t hi = std::min<std::uint64_t>(end, r.target_last());
    if (lo > hi) continue;
    ++s_invalidations;
    for (int k = 0; k < static_cast<int>(target_socket.size()); ++k)
      target_socket[k]->invalidate_direct_mem_ptr(r.base + (lo - r.offset), r.base + (hi - r.offset));
  }
}

void Router::collect_stats(tlm_common::StatsSink& s) const {
  s.add("forwarded", s_forwarded, "transactions", "b_transport calls forwarded to a target");
  s.add("address_errors_unmapped", s_unmapped, "transactions",
        "answered TLM_ADDRESS_ERROR_RESPONSE: the address lies in no range");
  s.add("address_errors_crossing", s_crossing, "transactions",
        "answered TLM_ADDRESS_ERROR_RESPONSE: the access runs past the end of the range holding its first byte");
  s.add("debug_transactions", s_dbg, "transactions", "transport_dbg calls");
  s.add("debug_bytes", s_dbg_bytes, "bytes", "bytes moved by transport_dbg");
  s.add("debug_unmapped", s_dbg_unmapped, "transactions", "transport_dbg calls to an unmapped address (0 bytes)");
  s.add("dmi_requests", s_dmi_requests, "requests", "get_direct_mem_ptr calls");
  s.add("dmi_granted", s_dmi_granted, "requests", "DMI requests granted by the target (region translated, clipped)");
  s.add("dmi_invalidations", s_invalidations, "calls",
        "translated invalidations sent to the initiators (one per range hit, to every input)");
}

void Router::reset_stats() {
  s_forwarded = s_unmapped = s_crossing = s_dbg = s_dbg_bytes = s_dbg_unmapped = 0;
  s_dmi_requests = s_dmi_granted = s_invalidations = 0;
}

}  // namespace pimlab::tlm_noc
