// A base-protocol checker to put between two sockets (blocking transport,
// debug transport, DMI, backward invalidation). It passes every call through
// and records a violation (text naming the rule and the transaction) for:
//
// b_transport, before the call (initiator's duties):
//   - response status not TLM_INCOMPLETE_RESPONSE;
//   - null data pointer, data_length 0, streaming_width 0 (read/write commands);
//   - a byte-enable pointer with byte_enable_length 0;
// b_transport, after the call (the callee's duties):
//   - command, address, data pointer, data_length, streaming_width, byte-enable
//     pointer and length not restored (an interconnect may translate the
//     address on its way down, but must restore it before returning);
//   - response status still TLM_INCOMPLETE_RESPONSE;
//   - the initiator's local time (sc_time_stamp() + delay) decreased: a
//     component may only add to the annotated delay, or consume part of it by
//     waiting (a target that synchronises with wait(delay) returns delay 0
//     at the later simulation time);
//   - the data of a write changed (the callee may only read it);
//   - a byte the byte enables disable changed in the buffer of a read;
//   - simulated time went backwards across the call;
// transport_dbg: attributes not restored; more bytes reported than data_length;
//   the data of a debug write changed;
// get_direct_mem_ptr: attributes not restored; start > end; a grant whose region
//   does not hold the requested address, has a null pointer, or does not allow
//   the requested access;
// invalidate_direct_mem_ptr: start > end.
#pragma once

#include <cstdint>
#include <cstring>
#include <sstream>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

namespace pimlab::test {

class ProtocolChecker : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<ProtocolChecker> target_socket;
  tlm_utils::simple_initiator_socket<ProtocolChecker> initiator_socket;
  std::vector<std::string> violations;
  std::uint64_t checked = 0;  // calls seen (all interfaces)

  explicit ProtocolChecker(const sc_core::sc_module_name& n)
      : sc_module(n), target_socket("target_socket"), initiator_socket("initiator_socket") {
    target_socket.register_b_transport(this, &ProtocolChecker::b_transport);
    target_socket.register_transport_dbg(this, &ProtocolChecker::transport_dbg);
    target_socket.register_get_direct_mem_ptr(this, &ProtocolChecker::get_direct_mem_ptr);
    initiator_socket.register_invalidate_direct_mem_ptr(this, &ProtocolChecker::invalidate);
  }

 private:
  struct Snap {
    tlm::tlm_command cmd;
    std::uint64_t addr;
    unsigned char* data;
    unsigned len, sw;
    unsigned char* be;
    unsigned be_len;
  };
  static Snap snap(const tlm::tlm_generic_payload& gp) {
    return {gp.get_command(),      gp.get_address(),         gp.get_data_ptr(), gp.get_data_length(),
            gp.get_streaming_width(), gp.get_byte_enable_ptr(), gp.get_byte_enable_length()};
  }
  void fail(const char* where, const Snap& s, const std::string& what) {
    std::ostringstream os;
    os << name() << " " << where << " " << (s.cmd == tlm::TLM_READ_COMMAND ? "READ" : s.cmd == tlm::TLM_WRITE_COMMAND ? "WRITE" : "IGNORE")
       << " @0x" << std::hex << s.addr << std::dec << " len " << s.len << ": " << what;
    violations.push_back(os.str());
  }
  void check_restored(const char* where, const Snap& s, const tlm::tlm_generic_payload& gp, bool full) {
    const Snap a = snap(gp);
    if (a.cmd != s.cmd) fail(where, s, "command changed");
    if (a.addr != s.addr) fail(where, s, "address not restored");
    if (a.data != s.data) fail(where, s, "data pointer changed");
    if (a.len != s.len) fail(where, s, "data_length not restored");
    if (!full) return;
    if (a.sw != s.sw) fail(where, s, "streaming_width changed");
    if (a.be != s.be || a.be_len != s.be_len) fail(where, s, "byte enables changed");
  }

  void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
    ++checked;
    const Snap s = snap(gp);
    if (gp.get_response_status() != tlm::TLM_INCOMPLETE_RESPONSE)
      fail("b_transport", s, "response status not TLM_INCOMPLETE_RESPONSE on entry");
    const bool rw = s.cmd != tlm::TLM_IGNORE_COMMAND;
    if (rw && s.data == nullptr) fail("b_transport", s, "null data pointer");
    if (rw && s.len == 0) fail("b_transport", s, "data_length 0");
    if (s.sw == 0) fail("b_transport", s, "streaming_width 0");
    if (s.be && s.be_len == 0) fail("b_transport", s, "byte-enable pointer with byte_enable_length 0");
    std::vector<unsigned char> before;
    if (s.data && s.len) before.assign(s.data, s.data + s.len);
    const sc_core::sc_time d0 = delay;
    const sc_core::sc_time t0 = sc_core::sc_time_stamp();

    initiator_socket->b_transport(gp, delay);

    check_restored("b_transport", s, gp, true);
    if (gp.get_response_status() == tlm::TLM_INCOMPLETE_RESPONSE)
      fail("b_transport", s, "response status left TLM_INCOMPLETE_RESPONSE");
    if (sc_core::sc_time_stamp() + delay < t0 + d0)
      fail("b_transport", s, "local time decreased (delay overwritten instead of annotated)");
    if (sc_core::sc_time_stamp() < t0) fail("b_transport", s, "time went backwards");
    if (s.data && s.len) {
      if (s.cmd == tlm::TLM_WRITE_COMMAND && std::memcmp(before.data(), s.data, s.len) != 0)
        fail("b_transport", s, "data of a write modified by the callee");
      if (s.cmd == tlm::TLM_READ_COMMAND && s.be && s.be_len)
        for (unsigned i = 0; i < s.len; ++i)
          if (s.be[i % s.be_len] == TLM_BYTE_DISABLED && s.data[i] != before[i]) {
            fail("b_transport", s, "byte " + std::to_string(i) + " of a read written despite a disabled byte enable");
            break;
          }
    }
  }

  unsigned int transport_dbg(tlm::tlm_generic_payload& gp) {
    ++checked;
    const Snap s = snap(gp);
    std::vector<unsigned char> before;
    if (s.data && s.len) before.assign(s.data, s.data + s.len);
    const unsigned int n = initiator_socket->transport_dbg(gp);
    check_restored("transport_dbg", s, gp, false);
    if (n > s.len) fail("transport_dbg", s, "returned " + std::to_string(n) + " bytes, more than data_length");
    if (s.cmd == tlm::TLM_WRITE_COMMAND && s.data && s.len && std::memcmp(before.data(), s.data, s.len) != 0)
      fail("transport_dbg", s, "data of a debug write modified by the callee");
    return n;
  }

  bool get_direct_mem_ptr(tlm::tlm_generic_payload& gp, tlm::tlm_dmi& dmi) {
    ++checked;
    const Snap s = snap(gp);
    const bool ok = initiator_socket->get_direct_mem_ptr(gp, dmi);
    check_restored("get_direct_mem_ptr", s, gp, false);
    if (dmi.get_start_address() > dmi.get_end_address()) fail("get_direct_mem_ptr", s, "DMI region start > end");
    if (ok) {
      if (s.addr < dmi.get_start_address() || s.addr > dmi.get_end_address())
        fail("get_direct_mem_ptr", s, "granted region does not hold the requested address");
      if (dmi.get_dmi_ptr() == nullptr) fail("get_direct_mem_ptr", s, "granted with a null pointer");
      if (s.cmd == tlm::TLM_READ_COMMAND && !dmi.is_read_allowed())
        fail("get_direct_mem_ptr", s, "read requested, granted without read access");
      if (s.cmd == tlm::TLM_WRITE_COMMAND && !dmi.is_write_allowed())
        fail("get_direct_mem_ptr", s, "write requested, granted without write access");
    }
    return ok;
  }

  void invalidate(sc_dt::uint64 start, sc_dt::uint64 end) {
    ++checked;
    if (start > end) {
      std::ostringstream os;
      os << name() << " invalidate_direct_mem_ptr: start 0x" << std::hex << start << " > end 0x" << end;
      violations.push_back(os.str());
    }
    target_socket->invalidate_direct_mem_ptr(start, end);
  }
};

}  // namespace pimlab::test
