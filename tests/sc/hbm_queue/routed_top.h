// The routed test bench of the shared-channel tests: initiators, base-protocol
// checkers on every socket pair, the router, a probe recording each
// transaction at the channel's socket, and the HBM channels.
#pragma once

#include <catch2/catch.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include "noc_harness.h"
#include "tlm/hbm/channel.h"
#include "tlm/hbm/pim_path.h"
#include "tlm/noc/router.h"

namespace pimlab::test {

// Records, at the channel's socket, each transaction's arrival (simulation
// time + annotated delay on entry) and the time it returns (the queued front
// end returns with delay 0 at the completion cycle).
struct Probe : sc_core::sc_module {
  tlm_utils::simple_target_socket<Probe> target_socket;
  tlm_utils::simple_initiator_socket<Probe> initiator_socket;
  struct Rec {
    sc_core::sc_time arrival, done;
    std::uint64_t addr;
    unsigned len;
    bool write;
  };
  std::vector<Rec> recs;
  explicit Probe(const sc_core::sc_module_name& n) : sc_module(n), target_socket("t"), initiator_socket("i") {
    target_socket.register_b_transport(this, &Probe::b_transport);
  }
  void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
    const std::size_t k = recs.size();
    recs.push_back({sc_core::sc_time_stamp() + delay, {}, gp.get_address(), gp.get_data_length(), gp.is_write()});
    initiator_socket->b_transport(gp, delay);
    recs[k].done = sc_core::sc_time_stamp() + delay;
  }
};

// cpu<k> -> chk_in<k> -> noc -> chk_out<p> -> probe<p> -> ch<p>
struct ChannelTop : sc_core::sc_module {
  tlm_noc::Router noc;
  std::vector<std::unique_ptr<Initiator>> cpu;
  std::vector<std::unique_ptr<ProtocolChecker>> chk_in, chk_out;
  std::vector<std::unique_ptr<Probe>> probe;
  std::vector<std::unique_ptr<tlm_hbm::HbmChannel>> ch;
  ChannelTop(const sc_core::sc_module_name& n, unsigned initiators, unsigned channels)
      : sc_module(n), noc("noc", initiators, channels) {
    for (unsigned k = 0; k < initiators; ++k) {
      cpu.push_back(std::make_unique<Initiator>(("cpu" + std::to_string(k)).c_str()));
      chk_in.push_back(std::make_unique<ProtocolChecker>(("chk_in" + std::to_string(k)).c_str()));
      cpu[k]->socket.bind(chk_in[k]->target_socket);
      chk_in[k]->initiator_socket.bind(noc.target_socket);
    }
    for (unsigned p = 0; p < channels; ++p) {
      ch.push_back(std::make_unique<tlm_hbm::HbmChannel>(("ch" + std::to_string(p)).c_str()));
      chk_out.push_back(std::make_unique<ProtocolChecker>(("chk_out" + std::to_string(p)).c_str()));
      probe.push_back(std::make_unique<Probe>(("probe" + std::to_string(p)).c_str()));
      noc.initiator_socket.bind(chk_out[p]->target_socket);
      chk_out[p]->initiator_socket.bind(probe[p]->target_socket);
      probe[p]->initiator_socket.bind(ch[p]->socket);
    }
  }
  void check_protocol() const {
    for (const auto& c : chk_in)
      for (const auto& v : c->violations) FAIL(v);
    for (const auto& c : chk_out)
      for (const auto& v : c->violations) FAIL(v);
  }
};

// Sends a PIM program (`ext`) to `addr` as a read of res.size() bytes, the
// buffer its results come back in; returns the response status.
inline tlm::tlm_response_status send_pim(Initiator& i, std::uint64_t addr, tlm_hbm::PimExtension& ext,
                                         std::vector<std::uint8_t>& res, sc_core::sc_time& delay) {
  tlm::tlm_generic_payload gp;
  gp.set_command(tlm::TLM_READ_COMMAND);
  gp.set_address(addr);
  gp.set_data_ptr(res.data());
  gp.set_data_length(static_cast<unsigned>(res.size()));
  gp.set_streaming_width(static_cast<unsigned>(res.size()));
  gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  gp.set_extension(&ext);
  i.socket->b_transport(gp, delay);
  gp.clear_extension(&ext);
  return gp.get_response_status();
}

}  // namespace pimlab::test
