// Loosely-timed TLM-2.0 router: N inputs (target sockets, bound by
// initiators), M outputs (initiator sockets, bound to targets), an address map
// from the configuration, and one link per port with its own width, clock and
// latency (docs/noc.md).
//
//   initiator k --> target_socket[k]  (link in<k>)  ROUTER  (link out<p>)  initiator_socket[p] --> target p
//
// b_transport: decode; an address outside every range, or an access whose
// byte span [address, address + span) leaves the range holding its first byte,
// is answered TLM_ADDRESS_ERROR_RESPONSE by the router itself (delay
// unchanged, no target called). Otherwise the address is translated, the
// payload forwarded, and the address restored before returning. The delay is
// annotated (added to, never overwritten):
//   write: data over in<k> then out<p> (request direction), + both latencies,
//          [target's own delay], + both latencies back (header only);
//   read:  + both latencies (header only), [target], data over out<p> then
//          in<k> (response direction) when the target answered OK, + both latencies.
// Two inputs sending to one output share its link: first come, first served
// in call order (link.h). The router never calls wait().
//
// transport_dbg: translated and forwarded, length clipped at the end of the
// range (returns the bytes moved); 0 with TLM_ADDRESS_ERROR_RESPONSE for an
// unmapped address. No time, no link use.
//
// DMI: forwarded with the translated address; a granted region is translated
// back and clipped to the range (pointer moved accordingly); the router adds
// its round-trip latencies to the DMI latencies. An unmapped address is denied
// with the unmapped hole as region. invalidate_direct_mem_ptr from a target is
// translated through every range of that port and sent to every input.
//
// Config keys (under the router's name): address_map (array, see
// address_map.h), width_bytes, clock_mhz, latency_cycles (defaults of every
// link) and in<k>.* / out<p>.* per link.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/multi_passthrough_initiator_socket.h>
#include <tlm_utils/multi_passthrough_target_socket.h>

#include "tlm/common/config.h"
#include "tlm/common/stats.h"
#include "tlm/noc/address_map.h"
#include "tlm/noc/link.h"

namespace pimlab::tlm_noc {

// One port's link: a child object named in<k> or out<p> owning its config
// and its stats.
class Link : public sc_core::sc_object, public tlm_common::stats_provider {
 public:
  Link(const char* name, const LinkParams& defaults);

  void collect_stats(tlm_common::StatsSink& sink) const override;
  void reset_stats() override;
  const char* kind() const override { return "pimlab_noc_link"; }

  tlm_common::Param<std::uint32_t> p_width_bytes;
  tlm_common::Param<std::uint32_t> p_clock_mhz;
  tlm_common::Param<std::uint32_t> p_latency_cycles;
  LinkTiming timing;
  std::uint64_t s_transactions = 0;  // transactions forwarded OK through this port
  std::uint64_t s_errors = 0;        // forwarded, answered with an error by the target
};

class Router : public sc_core::sc_module, public tlm_common::stats_provider {
 public:
  tlm_utils::multi_passthrough_target_socket<Router> target_socket;        // from initiators
  tlm_utils::multi_passthrough_initiator_socket<Router> initiator_socket;  // to targets

  // `inputs` initiators bind target_socket, `outputs` targets are bound to
  // initiator_socket (checked at the end of elaboration).
  Router(const sc_core::sc_module_name& name, unsigned inputs, unsigned outputs);
  ~Router() override;

  const AddressMap& address_map() const { return m_map; }
  // Adds ranges that a platform component derives from its own keys (e.g.
  // the CIM tiles of tlm_cim::CimTiles) to the map read from the
  // configuration; validated with it (overlap, ports). Before the simulation
  // starts. They are not part of the `address_map` key's value: the
  // component's keys reproduce them.
  void add_ranges(const std::vector<AddressRange>& ranges);
  const Link& in_link(unsigned k) const { return *m_in.at(k); }
  const Link& out_link(unsigned p) const { return *m_out.at(p); }

  // Bytes an access touches from its address (decoding and boundary check).
  // Default: streaming_width when 0 < streaming_width < data_length (a
  // streaming burst repeats its addresses), else data_length. A platform that
  // forwards strided payloads replaces it with the span its extension implies.
  using SpanFn = std::function<std::uint64_t(const tlm::tlm_generic_payload&)>;
  void set_span_function(SpanFn fn) { m_span = std::move(fn); }

  void collect_stats(tlm_common::StatsSink& sink) const override;
  void reset_stats() override;

 private:
  void b_transport(int id, tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  unsigned int transport_dbg(int id, tlm::tlm_generic_payload& gp);
  bool get_direct_mem_ptr(int id, tlm::tlm_generic_payload& gp, tlm::tlm_dmi& dmi);
  void invalidate_direct_mem_ptr(int port, sc_dt::uint64 start, sc_dt::uint64 end);
  void end_of_elaboration() override;

  std::uint64_t now_ps() const;
  static std::uint64_t ps(const sc_core::sc_time& t);
  static sc_core::sc_time from_ps(std::uint64_t t);

 public:
  tlm_common::Param<std::uint32_t> p_width_bytes;
  tlm_common::Param<std::uint32_t> p_clock_mhz;
  tlm_common::Param<std::uint32_t> p_latency_cycles;

 private:
  unsigned m_inputs, m_outputs;
  AddressMap m_map;
  std::vector<std::unique_ptr<Link>> m_in, m_out;
  SpanFn m_span;

  std::uint64_t s_forwarded = 0, s_unmapped = 0, s_crossing = 0;
  std::uint64_t s_dbg = 0, s_dbg_bytes = 0, s_dbg_unmapped = 0;
  std::uint64_t s_dmi_requests = 0, s_dmi_granted = 0, s_invalidations = 0;
};

}  // namespace pimlab::tlm_noc
