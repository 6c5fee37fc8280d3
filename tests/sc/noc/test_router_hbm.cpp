// The router in front of two real HBM channel targets (tlm_hbm::HbmChannel):
// translation into each channel, the channel's command-level delay composed
// with the router's, data round trip, DMI refused by the channel, and no
// base-protocol violation on either side. Each TEST_CASE runs in its own process.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <memory>
#include <random>
#include <vector>

#include "firmware/pimba/generator.h"
#include "firmware/pimba/lowering.h"
#include "golden/pu_ops.h"
#include "noc_harness.h"
#include "tlm/common/config.h"
#include "tlm/common/stats.h"
#include "tlm/hbm/channel.h"

using namespace pimlab;
using sc_core::SC_NS;
using sc_core::sc_time;
using test::Initiator;
using test::ProtocolChecker;

namespace {

struct HbmTop : sc_core::sc_module {
  tlm_noc::Router noc;
  Initiator cpu;
  ProtocolChecker chk_in;
  std::vector<std::unique_ptr<ProtocolChecker>> chk_out;
  std::vector<std::unique_ptr<tlm_hbm::HbmChannel>> ch;
  explicit HbmTop(const sc_core::sc_module_name& n) : sc_module(n), noc("noc", 1, 2), cpu("cpu"), chk_in("chk_in") {
    cpu.socket.bind(chk_in.target_socket);
    chk_in.initiator_socket.bind(noc.target_socket);
    for (int p = 0; p < 2; ++p) {
      ch.push_back(std::make_unique<tlm_hbm::HbmChannel>(("ch" + std::to_string(p)).c_str()));
      chk_out.push_back(std::make_unique<ProtocolChecker>(("chk_out" + std::to_string(p)).c_str()));
      noc.initiator_socket.bind(chk_out[p]->target_socket);
      chk_out[p]->initiator_socket.bind(ch[p]->socket);
    }
  }
};

}  // namespace

TEST_CASE("router to HBM channels: translated accesses, composed delay, DMI refused, no protocol violation") {
  tlm_common::Config::instance().load(nlohmann::json::parse(R"({"top.noc.address_map": [
      {"base": 0, "size": "0x100000", "port": 0},
      {"base": "0x40000000", "size": "0x100000", "port": 1}]})"));
  HbmTop top("top");
  tlm_common::Config::instance().check_consumed();
  std::vector<std::uint8_t> data(64), back(64, 0);
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::uint8_t>(i * 7 + 1);
  sc_time d_read;
  bool dmi = true;
  top.cpu.body = [&](Initiator& i) {
    std::uint8_t atom[32];
    d_read = sc_core::SC_ZERO_TIME;
    CHECK(i.transport(tlm::TLM_READ_COMMAND, 0x40000000, atom, 32, d_read) == tlm::TLM_OK_RESPONSE);
    sc_core::wait(d_read);
    sc_time d;
    CHECK(i.transport(tlm::TLM_WRITE_COMMAND, 0x40000100, data.data(), 64, d) == tlm::TLM_OK_RESPONSE);
    CHECK(i.transport(tlm::TLM_READ_COMMAND, 0x40000100, back.data(), 64, d) == tlm::TLM_OK_RESPONSE);
    tlm::tlm_dmi region;
    dmi = i.dmi(tlm::TLM_READ_COMMAND, 0x100, region);
  };
  sc_core::sc_start();
  for (const auto* c : {&top.chk_in, top.chk_out[0].get(), top.chk_out[1].get()})
    for (const auto& v : c->violations) FAIL(v);
  // Read of one atom at t = 0 with the default links (32 B x 2 GHz, latency 1):
  // request + 0.5 + 0.5 ns -> ch1 at 1 ns = cycle 1 of its 1 ns tCK (hbm2-pimba); idle, all banks
  // closed: ACT at 1, RD nRCDRD = 14 later (15), data complete nCL + nBL = 16 after: cycle 31 ->
  // 31 ns. Data back: out1 and in0 one 0.5 ns cycle each from 31 ns -> 31.5 ns; + 1 ns -> 32.5 ns.
  CHECK(d_read == sc_time(32500, sc_core::SC_PS));
  CHECK(back == data);
  // Translation: the write landed at 0x100 of ch1 and nowhere in ch0.
  std::vector<std::uint8_t> in_ch1(64), in_ch0(64, 0xEE);
  top.ch[1]->debug_read(0x100, in_ch1.data(), 64);
  top.ch[0]->debug_read(0x100, in_ch0.data(), 64);
  CHECK(in_ch1 == data);
  CHECK(in_ch0 == std::vector<std::uint8_t>(64, 0));
  CHECK_FALSE(dmi);  // the channel refuses DMI (it would bypass its timing)
  const auto s = tlm_common::collect_stats();
  CHECK(s.at("top.ch1").at("reads").at("value") == 2);
  CHECK(s.at("top.ch1").at("writes").at("value") == 1);
  CHECK(s.at("top.ch0").at("reads").at("value") == 0);
  CHECK(s.at("top.noc.out1").at("bytes_response").at("value") == 96);
  CHECK(s.at("top.noc.out1").at("busy_cycles_request").at("value") == 2);  // 64 B / 32 B
}

namespace {

// A PIM program sent as one transaction addressed to its channel.
tlm::tlm_response_status send_pim(Initiator& i, std::uint64_t addr, tlm_hbm::PimKernel& k, std::vector<std::uint8_t>& res,
                                  sc_time& delay) {
  res.assign(k.result_bytes(), 0);
  tlm::tlm_generic_payload gp;
  gp.set_command(tlm::TLM_READ_COMMAND);
  gp.set_address(addr);
  gp.set_data_ptr(res.data());
  gp.set_data_length(static_cast<unsigned>(res.size()));
  gp.set_streaming_width(static_cast<unsigned>(res.size()));
  gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  gp.set_extension(&k.ext);
  i.socket->b_transport(gp, delay);
  gp.clear_extension(&k.ext);
  return gp.get_response_status();
}

}  // namespace

TEST_CASE("router to HBM channels: a PIM program reaches the channel its address names") {
  // SCORE over one head (d_head 128, context 256): 4 x 8 chunks of seeded MX8
  // data, the same bytes in both channels. The program is sent to channel 1's
  // base (0x40000000) and then to channel 0's (0): each channel runs exactly
  // one kernel, and both return the same partials in the same kernel cycles.
  tlm_common::Config::instance().load(nlohmann::json::parse(R"({"top.noc.address_map": [
      {"base": 0, "size": "0x40000000", "port": 0},
      {"base": "0x40000000", "size": "0x40000000", "port": 1}]})"));
  HbmTop top("top");
  tlm_common::Config::instance().check_consumed();
  firmware::pimba::KernelSpec spec;
  spec.op = firmware::pimba::Op::Score;
  spec.num_op = 1;
  spec.rows = 128;
  spec.cols = 256;
  const firmware::pimba::Program prog = firmware::pimba::generate(spec);
  std::mt19937 rng(20261202);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  auto atom = [&] {
    float v[32];
    for (float& x : v) x = u(rng);
    return golden::encode_atom_bytes(v);
  };
  for (const auto& p : firmware::pimba::chunk_places(prog, 0, 40)) {
    std::vector<std::uint8_t> row(1024);
    for (int a = 0; a < 32; ++a) {
      const auto b = atom();
      std::copy(b.begin(), b.end(), row.begin() + 32 * a);
    }
    for (auto& c : top.ch) c->debug_write(c->timing().row_address(p.pch, p.bank_group, p.bank, p.row), row.data(), 1024);
  }
  std::map<int, firmware::pimba::Atom32> q;
  tlm_hbm::PimKernel k1 = firmware::pimba::lower_kernel(
      prog, 0, 40, [&](const firmware::pimba::Round&, const firmware::pimba::BankWork& w, pim_unit::Slot) {
        if (!q.count(w.block_row)) q[w.block_row] = atom();
        return q[w.block_row];
      });
  tlm_hbm::PimKernel k0 = k1;
  std::vector<std::uint8_t> r1, r0;
  tlm::tlm_response_status st1 = tlm::TLM_INCOMPLETE_RESPONSE, st0 = st1, st_out = st1;
  top.cpu.body = [&](Initiator& i) {
    sc_time d;
    st1 = send_pim(i, 0x40000000, k1, r1, d);
    sc_core::wait(d);
    d = sc_core::SC_ZERO_TIME;
    st0 = send_pim(i, 0, k0, r0, d);
    sc_core::wait(d);
    d = sc_core::SC_ZERO_TIME;
    tlm_hbm::PimKernel k2 = k1;
    std::vector<std::uint8_t> r2;
    st_out = send_pim(i, 0x80000000, k2, r2, d);  // unmapped: the router answers
  };
  sc_core::sc_start();
  for (const auto* c : {&top.chk_in, top.chk_out[0].get(), top.chk_out[1].get()})
    for (const auto& v : c->violations) FAIL(v);
  REQUIRE(st1 == tlm::TLM_OK_RESPONSE);
  REQUIRE(st0 == tlm::TLM_OK_RESPONSE);
  CHECK(st_out == tlm::TLM_ADDRESS_ERROR_RESPONSE);
  REQUIRE(!r1.empty());
  CHECK(r1 == r0);
  CHECK(std::any_of(r1.begin(), r1.end(), [](std::uint8_t b) { return b != 0; }));
  CHECK(k1.ext.kernel_cycles == k0.ext.kernel_cycles);
  CHECK(k1.ext.kernel_cycles > 0);
  const auto s = tlm_common::collect_stats();
  CHECK(s.at("top.ch1").at("pim_transactions").at("value") == 1);
  CHECK(s.at("top.ch0").at("pim_transactions").at("value") == 1);
}
