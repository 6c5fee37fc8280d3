// Test bench of the router: a byte-array memory target, an initiator whose
// thread runs a test body, and a top that wires
//   cpu<k> -> chk_in<k> -> noc.target_socket, noc.initiator_socket -> chk_out<p> -> mem<p>
// with a base-protocol checker on every socket pair.
#pragma once

#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include "protocol_checker.h"
#include "tlm/noc/router.h"

namespace pimlab::test {

// A memory of `size` bytes answering after a fixed latency. Records the
// arrival time (sc_time_stamp() + delay on entry) and the address of each
// access. Grants DMI to its whole array when `dmi_allowed`.
struct Memory : sc_core::sc_module {
  tlm_utils::simple_target_socket<Memory> socket;
  std::vector<std::uint8_t> mem;
  sc_core::sc_time latency;
  bool dmi_allowed = true;
  struct Access {
    sc_core::sc_time arrival;
    std::uint64_t addr;
    unsigned len;
    bool write;
  };
  std::vector<Access> accesses;
  std::vector<std::uint64_t> dmi_addresses, dbg_addresses;

  Memory(const sc_core::sc_module_name& n, std::size_t size, sc_core::sc_time lat)
      : sc_module(n), socket("socket"), mem(size, 0), latency(lat) {
    socket.register_b_transport(this, &Memory::b_transport);
    socket.register_transport_dbg(this, &Memory::transport_dbg);
    socket.register_get_direct_mem_ptr(this, &Memory::get_direct_mem_ptr);
  }
  void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
    const std::uint64_t a = gp.get_address();
    const unsigned len = gp.get_data_length();
    accesses.push_back({sc_core::sc_time_stamp() + delay, a, len, gp.is_write()});
    if (a >= mem.size() || len > mem.size() - a) {
      gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
      return;
    }
    const unsigned char* be = gp.get_byte_enable_ptr();
    const unsigned be_len = gp.get_byte_enable_length();
    for (unsigned i = 0; i < len; ++i) {
      if (be && be[i % be_len] == TLM_BYTE_DISABLED) continue;
      if (gp.is_write())
        mem[a + i] = gp.get_data_ptr()[i];
      else
        gp.get_data_ptr()[i] = mem[a + i];
    }
    delay += latency;
    gp.set_response_status(tlm::TLM_OK_RESPONSE);
  }
  unsigned transport_dbg(tlm::tlm_generic_payload& gp) {
    const std::uint64_t a = gp.get_address();
    dbg_addresses.push_back(a);
    if (a >= mem.size()) {
      gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
      return 0;
    }
    const unsigned n = static_cast<unsigned>(std::min<std::uint64_t>(gp.get_data_length(), mem.size() - a));
    if (gp.is_write())
      std::memcpy(&mem[a], gp.get_data_ptr(), n);
    else
      std::memcpy(gp.get_data_ptr(), &mem[a], n);
    gp.set_response_status(tlm::TLM_OK_RESPONSE);
    return n;
  }
  bool get_direct_mem_ptr(tlm::tlm_generic_payload& gp, tlm::tlm_dmi& dmi) {
    dmi_addresses.push_back(gp.get_address());
    if (!dmi_allowed) return false;
    dmi.set_dmi_ptr(mem.data());
    dmi.set_start_address(0);
    dmi.set_end_address(mem.size() - 1);
    dmi.allow_read_write();
    dmi.set_read_latency(latency);
    dmi.set_write_latency(latency);
    return true;
  }
  void invalidate(std::uint64_t start, std::uint64_t end) { socket->invalidate_direct_mem_ptr(start, end); }
};

struct Initiator : sc_core::sc_module {
  SC_HAS_PROCESS(Initiator);
  tlm_utils::simple_initiator_socket<Initiator> socket;
  std::function<void(Initiator&)> body;
  bool finished = false;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> invalidations;

  explicit Initiator(const sc_core::sc_module_name& n) : sc_module(n), socket("socket") {
    socket.register_invalidate_direct_mem_ptr(this, &Initiator::invalidate);
    SC_THREAD(run);
  }
  void run() {
    if (body) body(*this);
    finished = true;
  }
  void invalidate(sc_dt::uint64 s, sc_dt::uint64 e) { invalidations.emplace_back(s, e); }

  tlm::tlm_response_status transport(tlm::tlm_command cmd, std::uint64_t addr, std::uint8_t* data, unsigned len,
                                     sc_core::sc_time& delay, unsigned sw = 0, unsigned char* be = nullptr,
                                     unsigned be_len = 0) {
    tlm::tlm_generic_payload gp;
    gp.set_command(cmd);
    gp.set_address(addr);
    gp.set_data_ptr(data);
    gp.set_data_length(len);
    gp.set_streaming_width(sw ? sw : len);
    gp.set_byte_enable_ptr(be);
    gp.set_byte_enable_length(be_len);
    gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    socket->b_transport(gp, delay);
    return gp.get_response_status();
  }
  unsigned dbg(tlm::tlm_command cmd, std::uint64_t addr, std::uint8_t* data, unsigned len,
               tlm::tlm_response_status* st = nullptr) {
    tlm::tlm_generic_payload gp;
    gp.set_command(cmd);
    gp.set_address(addr);
    gp.set_data_ptr(data);
    gp.set_data_length(len);
    gp.set_streaming_width(len);
    gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    const unsigned n = socket->transport_dbg(gp);
    if (st) *st = gp.get_response_status();
    return n;
  }
  bool dmi(tlm::tlm_command cmd, std::uint64_t addr, tlm::tlm_dmi& d) {
    tlm::tlm_generic_payload gp;
    gp.set_command(cmd);
    gp.set_address(addr);
    d.init();
    return socket->get_direct_mem_ptr(gp, d);
  }
};

struct Top : sc_core::sc_module {
  std::vector<std::unique_ptr<Initiator>> cpu;
  std::vector<std::unique_ptr<ProtocolChecker>> chk_in, chk_out;
  std::unique_ptr<tlm_noc::Router> noc;
  std::vector<std::unique_ptr<Memory>> mem;

  Top(const sc_core::sc_module_name& n, unsigned inputs, unsigned outputs, std::size_t mem_bytes,
      sc_core::sc_time mem_latency)
      : sc_module(n) {
    noc = std::make_unique<tlm_noc::Router>("noc", inputs, outputs);
    for (unsigned k = 0; k < inputs; ++k) {
      cpu.push_back(std::make_unique<Initiator>(("cpu" + std::to_string(k)).c_str()));
      chk_in.push_back(std::make_unique<ProtocolChecker>(("chk_in" + std::to_string(k)).c_str()));
      cpu[k]->socket.bind(chk_in[k]->target_socket);
      chk_in[k]->initiator_socket.bind(noc->target_socket);
    }
    for (unsigned p = 0; p < outputs; ++p) {
      mem.push_back(std::make_unique<Memory>(("mem" + std::to_string(p)).c_str(), mem_bytes, mem_latency));
      chk_out.push_back(std::make_unique<ProtocolChecker>(("chk_out" + std::to_string(p)).c_str()));
      noc->initiator_socket.bind(chk_out[p]->target_socket);
      chk_out[p]->initiator_socket.bind(mem[p]->socket);
    }
  }
  std::vector<std::string> violations() const {
    std::vector<std::string> v;
    for (const auto& c : chk_in) v.insert(v.end(), c->violations.begin(), c->violations.end());
    for (const auto& c : chk_out) v.insert(v.end(), c->violations.begin(), c->violations.end());
    return v;
  }
  std::uint64_t checked() const {
    std::uint64_t n = 0;
    for (const auto& c : chk_in) n += c->checked;
    for (const auto& c : chk_out) n += c->checked;
    return n;
  }
};

}  // namespace pimlab::test
