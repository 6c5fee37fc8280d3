// Test harness of the SystemC tests: an initiator whose thread runs a test
// body, and the Catch2 runner as sc_main (libsystemc.so defines main() and
// calls sc_main; each TEST_CASE runs in its own process, see CMakeLists.txt).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

namespace pimlab::test {

struct Initiator : sc_core::sc_module {
  SC_HAS_PROCESS(Initiator);
  tlm_utils::simple_initiator_socket<Initiator> socket;
  std::function<void(Initiator&)> body;
  bool finished = false;

  explicit Initiator(const sc_core::sc_module_name& n) : sc_module(n), socket("socket") { SC_THREAD(run); }
  void run() {
    if (body) body(*this);
    finished = true;
  }

  // One b_transport with a fresh payload; returns the response status. `ext`
  // (optional, not owned) is attached for the call only.
  template <class E = tlm::tlm_extension<void>>
  tlm::tlm_response_status transport(tlm::tlm_command cmd, std::uint64_t addr, std::uint8_t* data, unsigned len,
                                     sc_core::sc_time& delay, E* ext = nullptr, unsigned char* be = nullptr,
                                     unsigned be_len = 0, unsigned sw = 0) {
    tlm::tlm_generic_payload gp;
    gp.set_command(cmd);
    gp.set_address(addr);
    gp.set_data_ptr(data);
    gp.set_data_length(len);
    gp.set_streaming_width(sw ? sw : len);
    gp.set_byte_enable_ptr(be);
    gp.set_byte_enable_length(be_len);
    gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    if (ext) gp.set_extension(ext);
    socket->b_transport(gp, delay);
    if (ext) gp.clear_extension(ext);
    return gp.get_response_status();
  }
  unsigned dbg(tlm::tlm_command cmd, std::uint64_t addr, std::uint8_t* data, unsigned len) {
    tlm::tlm_generic_payload gp;
    gp.set_command(cmd);
    gp.set_address(addr);
    gp.set_data_ptr(data);
    gp.set_data_length(len);
    gp.set_streaming_width(len);
    return socket->transport_dbg(gp);
  }
};

}  // namespace pimlab::test
