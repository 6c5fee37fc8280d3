// HBM channel TLM target: payload validation, data movement, delay annotation,
// bulk transfers timed against the command-level engine, debug transport,
// stats and config. Each TEST_CASE runs in its own process.
#include <catch2/catch.hpp>

#include <cstring>
#include <fstream>
#include <memory>
#include <numeric>
#include <vector>

#include "dram/memory_system.h"
#include "harness.h"
#include "tlm/common/config.h"
#include "tlm/common/session.h"
#include "tlm/common/stats.h"
#include "tlm/hbm/channel.h"
#include "tlm/hbm/dram_timing.h"
#include "tlm/hbm/extensions.h"

using namespace pimlab;
using sc_core::SC_NS;
using sc_core::sc_time;
using test::Initiator;
using tlm_hbm::HbmChannel;

namespace {

struct Top : sc_core::sc_module {
  Initiator cpu;
  HbmChannel ch0;
  explicit Top(const sc_core::sc_module_name& n) : sc_module(n), cpu("cpu"), ch0("ch0") { cpu.socket.bind(ch0.socket); }
};

std::vector<std::uint8_t> pattern(std::size_t n, unsigned seed) {
  std::vector<std::uint8_t> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::uint8_t>((i * 131 + seed * 7 + 1) & 0xFF);
  return v;
}

// Total cycles of the same atom pattern (all arriving in cycle 0) run through
// dram::MemorySystem with the channel's spec, controller and mapping.
std::int64_t engine_cycles(const tlm_hbm::DramTiming& t, const std::vector<std::uint64_t>& atom_addrs, bool write) {
  dram::MemorySystem ms(t.spec(), t.controller_config(), t.map(), true);
  std::size_t i = 0;
  const nlohmann::json s = ms.run([&](dram::MemRequest& r) {
    if (i == atom_addrs.size()) return false;
    r = {0, write, atom_addrs[i++]};
    return true;
  });
  REQUIRE(s["checker_violations"].get<std::uint64_t>() == 0);
  return s["total_cycles"].get<std::int64_t>();
}

}  // namespace

TEST_CASE("write then read moves the data and answers OK") {
  Top top("top");
  const auto data = pattern(96, 1);
  std::vector<std::uint8_t> back(96, 0);
  tlm::tlm_response_status st_w{}, st_r{};
  sc_time d_w, d_r;
  top.cpu.body = [&](Initiator& i) {
    st_w = i.transport(tlm::TLM_WRITE_COMMAND, 0x2000 + 5, const_cast<std::uint8_t*>(data.data()), 96, d_w);
    st_r = i.transport(tlm::TLM_READ_COMMAND, 0x2000 + 5, back.data(), 96, d_r);
  };
  sc_core::sc_start();
  REQUIRE(top.cpu.finished);
  CHECK(st_w == tlm::TLM_OK_RESPONSE);
  CHECK(st_r == tlm::TLM_OK_RESPONSE);
  CHECK(back == data);
  CHECK(d_w > sc_core::SC_ZERO_TIME);
  CHECK(d_r > sc_core::SC_ZERO_TIME);
}

TEST_CASE("each invalid payload gets its error response and changes neither memory nor time") {
  Top top("top");
  const std::uint64_t cap = top.ch0.capacity_bytes();
  const sc_time d0(7, SC_NS);
  std::vector<std::uint8_t> buf(64, 0xAB);
  struct Case {
    const char* what;
    tlm::tlm_response_status got;
    sc_time delay;
  };
  std::vector<Case> cases;
  top.cpu.body = [&](Initiator& i) {
    auto run = [&](const char* what, auto&& fn) {
      sc_time d = d0;
      cases.push_back({what, fn(d), d});
    };
    run("address beyond capacity", [&](sc_time& d) { return i.transport(tlm::TLM_WRITE_COMMAND, cap, buf.data(), 64, d); });
    run("burst crossing the end", [&](sc_time& d) { return i.transport(tlm::TLM_WRITE_COMMAND, cap - 32, buf.data(), 64, d); });
    run("zero length", [&](sc_time& d) { return i.transport(tlm::TLM_WRITE_COMMAND, 0, buf.data(), 0, d); });
    run("streaming width < length", [&](sc_time& d) {
      return i.transport(tlm::TLM_WRITE_COMMAND, 0, buf.data(), 64, d, static_cast<tlm_hbm::StrideExtension*>(nullptr), nullptr, 0, 32);
    });
    unsigned char bad_be[4] = {0xFF, 0x0F, 0xFF, 0x00};
    run("byte enable neither 0x00 nor 0xFF", [&](sc_time& d) {
      return i.transport(tlm::TLM_WRITE_COMMAND, 0, buf.data(), 64, d, static_cast<tlm_hbm::StrideExtension*>(nullptr), bad_be, 4);
    });
    unsigned char be_ok[1] = {0xFF};
    run("byte enable length 0", [&](sc_time& d) {
      return i.transport(tlm::TLM_WRITE_COMMAND, 0, buf.data(), 64, d, static_cast<tlm_hbm::StrideExtension*>(nullptr), be_ok, 0);
    });
    run("ignore command", [&](sc_time& d) { return i.transport(tlm::TLM_IGNORE_COMMAND, 0, buf.data(), 64, d); });
    auto* bad_stride = new tlm_hbm::StrideExtension(48, 32);  // stride < element
    run("stride below element size", [&](sc_time& d) {
      return i.transport(tlm::TLM_WRITE_COMMAND, 0, buf.data(), 48, d, bad_stride);
    });
    delete bad_stride;
  };
  sc_core::sc_start();
  REQUIRE(cases.size() == 8);
  CHECK(cases[0].got == tlm::TLM_ADDRESS_ERROR_RESPONSE);
  CHECK(cases[1].got == tlm::TLM_ADDRESS_ERROR_RESPONSE);
  CHECK(cases[2].got == tlm::TLM_BURST_ERROR_RESPONSE);
  CHECK(cases[3].got == tlm::TLM_BURST_ERROR_RESPONSE);
  CHECK(cases[4].got == tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
  CHECK(cases[5].got == tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
  CHECK(cases[6].got == tlm::TLM_COMMAND_ERROR_RESPONSE);
  CHECK(cases[7].got == tlm::TLM_BURST_ERROR_RESPONSE);
  for (const Case& c : cases) {
    INFO(c.what);
    CHECK(c.delay == d0);
  }
  // Nothing was written: the last 32 bytes before the end and address 0 read as zero.
  std::vector<std::uint8_t> z(64, 0xEE);
  top.ch0.debug_read(cap - 32, z.data(), 32);
  top.ch0.debug_read(0, z.data() + 32, 32);
  CHECK(z == std::vector<std::uint8_t>(64, 0));
  const auto stats = tlm_common::collect_stats()["top.ch0"];
  CHECK(stats["address_errors"]["value"] == 2);
  CHECK(stats["burst_errors"]["value"] == 3);
  CHECK(stats["byte_enable_errors"]["value"] == 2);
  CHECK(stats["command_errors"]["value"] == 1);
  CHECK(stats["writes"]["value"] == 0);
}

TEST_CASE("byte enables mask a write and a read") {
  Top top("top");
  std::vector<std::uint8_t> ones(8, 0x11), twos(8, 0x22), back(8, 0x77);
  unsigned char be[2] = {0xFF, 0x00};  // applied cyclically: even bytes enabled
  top.cpu.body = [&](Initiator& i) {
    sc_time d;
    CHECK(i.transport(tlm::TLM_WRITE_COMMAND, 64, ones.data(), 8, d) == tlm::TLM_OK_RESPONSE);
    CHECK(i.transport(tlm::TLM_WRITE_COMMAND, 64, twos.data(), 8, d, static_cast<tlm_hbm::StrideExtension*>(nullptr), be, 2) == tlm::TLM_OK_RESPONSE);
    CHECK(i.transport(tlm::TLM_READ_COMMAND, 64, back.data(), 8, d, static_cast<tlm_hbm::StrideExtension*>(nullptr), be, 2) == tlm::TLM_OK_RESPONSE);
  };
  sc_core::sc_start();
  // Memory: 22 11 22 11 ...; the masked read fills only the even bytes.
  std::vector<std::uint8_t> mem(8);
  top.ch0.debug_read(64, mem.data(), 8);
  CHECK(mem == std::vector<std::uint8_t>{0x22, 0x11, 0x22, 0x11, 0x22, 0x11, 0x22, 0x11});
  CHECK(back == std::vector<std::uint8_t>{0x22, 0x77, 0x22, 0x77, 0x22, 0x77, 0x22, 0x77});
}

TEST_CASE("a burst crossing row and pseudo-channel boundaries moves every byte") {
  Top top("top");
  // Mapping ro_ba_bg_pc_ch_co: bytes [0, 1 KB) are one row of pseudo-channel 0,
  // [1 KB, 2 KB) the same row index of pseudo-channel 1. 256 bytes at 1 KB - 100
  // touch both.
  const auto data = pattern(256, 3);
  std::vector<std::uint8_t> back(256);
  sc_time d;
  top.cpu.body = [&](Initiator& i) {
    CHECK(i.transport(tlm::TLM_WRITE_COMMAND, 1024 - 100, const_cast<std::uint8_t*>(data.data()), 256, d) ==
          tlm::TLM_OK_RESPONSE);
  };
  sc_core::sc_start();
  top.ch0.debug_read(1024 - 100, back.data(), 256);
  CHECK(back == data);
  const auto stats = tlm_common::collect_stats()["top.ch0"];
  // Atoms touched: [924, 1180) -> atoms 28..36 = 9 atoms; two rows opened.
  CHECK(stats["atoms_written"]["value"] == 9);
  CHECK(stats["activates"]["value"] == 2);
}

TEST_CASE("transport_dbg moves bytes without time or stats, clipped at the end") {
  Top top("top");
  const std::uint64_t cap = top.ch0.capacity_bytes();
  const auto data = pattern(64, 4);
  std::vector<std::uint8_t> back(64), tail(64, 0);
  unsigned n_w = 0, n_r = 0, n_clip = 0, n_out = 0;
  sc_time t_before, t_after;
  top.cpu.body = [&](Initiator& i) {
    t_before = sc_core::sc_time_stamp();
    n_w = i.dbg(tlm::TLM_WRITE_COMMAND, 4096, const_cast<std::uint8_t*>(data.data()), 64);
    n_r = i.dbg(tlm::TLM_READ_COMMAND, 4096, back.data(), 64);
    n_clip = i.dbg(tlm::TLM_READ_COMMAND, cap - 16, tail.data(), 64);
    n_out = i.dbg(tlm::TLM_READ_COMMAND, cap, tail.data(), 64);
    t_after = sc_core::sc_time_stamp();
  };
  sc_core::sc_start();
  CHECK(n_w == 64);
  CHECK(n_r == 64);
  CHECK(back == data);
  CHECK(n_clip == 16);
  CHECK(n_out == 0);
  CHECK(t_after == t_before);
  const auto stats = tlm_common::collect_stats()["top.ch0"];
  CHECK(stats["reads"]["value"] == 0);
  CHECK(stats["writes"]["value"] == 0);
  CHECK(stats["dram_commands"]["value"] == 0);
}

TEST_CASE("delay is accumulated: a row-miss read adds tRCD + CL + nBL to the delay passed in") {
  Top top("top");
  std::uint8_t buf[32];
  sc_time d(5, SC_NS);
  top.cpu.body = [&](Initiator& i) { CHECK(i.transport(tlm::TLM_READ_COMMAND, 0, buf, 32, d) == tlm::TLM_OK_RESPONSE); };
  sc_core::sc_start();
  // hbm2-pimba: tCK 1 ns; the request arrives in cycle 5 (local time 5 ns) at
  // an idle channel with every bank closed: ACT in cycle 5, RD nRCDRD = 14
  // later (19), data complete nCL + nBL = 14 + 2 after the RD: cycle 35.
  // delay out = 5 ns in + 30 ns.
  CHECK(d == sc_time(35, SC_NS));
}

TEST_CASE("a long burst is timed in one call with the engine's cycles for the same pattern") {
  Top top("top");
  const unsigned len = 64 * 1024;
  const auto data = pattern(len, 5);
  sc_time d;
  top.cpu.body = [&](Initiator& i) {
    CHECK(i.transport(tlm::TLM_WRITE_COMMAND, 0, const_cast<std::uint8_t*>(data.data()), len, d) ==
          tlm::TLM_OK_RESPONSE);
  };
  sc_core::sc_start();
  std::vector<std::uint64_t> atoms(len / 32);
  for (std::size_t k = 0; k < atoms.size(); ++k) atoms[k] = 32 * k;
  const auto& timing = dynamic_cast<const tlm_hbm::DramTiming&>(top.ch0.timing());
  const std::int64_t cycles = engine_cycles(timing, atoms, true);
  CHECK(d == sc_time(static_cast<double>(cycles), SC_NS));
  CHECK(timing.checker_violations() == 0);
  std::vector<std::uint8_t> back(len);
  top.ch0.debug_read(0, back.data(), len);
  CHECK(back == data);
}

TEST_CASE("a strided stream is timed in one call with the engine's cycles and gathers the right bytes") {
  Top top("top");
  // 128 elements of 64 bytes, 4 KB apart (a weight column of a row-major tile).
  const unsigned elem = 64, n = 128;
  const std::uint64_t stride = 4096, base = 1 << 20;
  std::vector<std::uint8_t> mem(stride * n);
  for (std::size_t k = 0; k < mem.size(); ++k) mem[k] = static_cast<std::uint8_t>(k * 7 + k / 4096);
  top.ch0.debug_write(base, mem.data(), mem.size());
  std::vector<std::uint8_t> got(elem * n);
  sc_time d;
  top.cpu.body = [&](Initiator& i) {
    auto* ext = new tlm_hbm::StrideExtension(elem, stride);
    CHECK(i.transport(tlm::TLM_READ_COMMAND, base, got.data(), elem * n, d, ext) == tlm::TLM_OK_RESPONSE);
    delete ext;
  };
  sc_core::sc_start();
  for (unsigned e = 0; e < n; ++e)
    for (unsigned b = 0; b < elem; ++b) REQUIRE(got[e * elem + b] == mem[e * stride + b]);
  std::vector<std::uint64_t> atoms;
  for (unsigned e = 0; e < n; ++e)
    for (unsigned a = 0; a < elem / 32; ++a) atoms.push_back(base + e * stride + 32 * a);
  const auto& timing = dynamic_cast<const tlm_hbm::DramTiming&>(top.ch0.timing());
  CHECK(d == sc_time(static_cast<double>(engine_cycles(timing, atoms, false)), SC_NS));
  const auto stats = tlm_common::collect_stats()["top.ch0"];
  CHECK(stats["strided_transactions"]["value"] == 1);
  CHECK(stats["atoms_read"]["value"] == 2 * n);
}

TEST_CASE("stats document: meta, effective config and stats with units") {
  tlm_common::Config::instance().load({{"top", {{"ch0", {{"queue_size", 16}, {"write_high", 12}, {"page_policy", "closed"}}}}}});
  Top top("top");
  tlm_common::Config::instance().check_consumed();
  std::uint8_t buf[64] = {};
  top.cpu.body = [&](Initiator& i) {
    sc_time d;
    i.transport(tlm::TLM_WRITE_COMMAND, 0, buf, 64, d);
    wait(d + sc_time(100, SC_NS));
    d = sc_core::SC_ZERO_TIME;
    i.transport(tlm::TLM_WRITE_COMMAND, 0, buf, 64, d);
    wait(d);
  };
  sc_core::sc_start();
  const nlohmann::json doc = tlm_common::build_stats_document({});
  CHECK(doc["meta"]["generator"] == "pimlab");
  CHECK(doc["meta"]["partial"] == false);
  CHECK(doc["config"]["top.ch0.queue_size"] == 16);
  CHECK(doc["config"]["top.ch0.page_policy"] == "closed");
  CHECK(doc["config"]["top.ch0.preset"] == "hbm2-pimba");
  const auto& s = doc["stats"]["top.ch0"];
  CHECK(s["bytes_written"]["value"] == 128);
  for (auto it = s.begin(); it != s.end(); ++it) {
    INFO(it.key());
    CHECK_FALSE(it.value()["unit"].get<std::string>().empty());
    CHECK_FALSE(it.value()["description"].get<std::string>().empty());
  }
  // Closed page: the row opened by the first write is precharged once WR ->
  // PRE allows (nCWL + nBL + nWR = 22 cycles after the WR; the controller runs
  // it when it next runs, before the second write 100 ns later), so the second
  // write opens the row again.
  CHECK(s["precharges"]["value"].get<std::uint64_t>() >= 1);
  CHECK(s["activates"]["value"] == 2);
}

TEST_CASE("config: an out-of-range value is an error naming key, value and range") {
  tlm_common::Config::instance().load({{"top.ch0.queue_size", 0}});
  try {
    Top top("top");
    FAIL("no error");
  } catch (const tlm_common::ConfigError& e) {
    const std::string m = e.what();
    CHECK(m.find("top.ch0.queue_size") != std::string::npos);
    CHECK(m.find("value 0") != std::string::npos);
    CHECK(m.find("[1, 4096]") != std::string::npos);
  }
}

TEST_CASE("config: an unknown key is an error naming it and the closest key") {
  auto& cfg = tlm_common::Config::instance();
  cfg.load({{"top", {{"ch0", {{"queue_sise", 8}}}}}});
  Top top("top");
  try {
    cfg.check_consumed();
    FAIL("no error");
  } catch (const tlm_common::ConfigError& e) {
    const std::string m = e.what();
    CHECK(m.find("top.ch0.queue_sise") != std::string::npos);
    CHECK(m.find("did you mean 'top.ch0.queue_size'") != std::string::npos);
  }
}

TEST_CASE("config: a value outside the choices is an error listing them") {
  tlm_common::Config::instance().load({{"top.ch0.preset", "hbm9"}});
  try {
    Top top("top");
    FAIL("no error");
  } catch (const tlm_common::ConfigError& e) {
    const std::string m = e.what();
    CHECK(m.find("\"hbm9\"") != std::string::npos);
    CHECK(m.find("hbm2-pimba") != std::string::npos);
  }
}

TEST_CASE("VCD tracing records commands and bank state with dotted scopes in ps") {
  tlm_common::Config::instance().load({{"top.ch0.trace", true}, {"top.ch0.trace_file", "hbm_trace_test"}});
  Top top("top");
  std::uint8_t buf[64] = {};
  top.cpu.body = [&](Initiator& i) {
    sc_time d;
    i.transport(tlm::TLM_WRITE_COMMAND, 0, buf, 64, d);
    wait(d);
  };
  tlm_common::Session::instance().run_to_idle();
  tlm_common::Session::instance().finish({});
  std::ifstream in("hbm_trace_test.vcd");
  REQUIRE(in.good());
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(text.find("1 ps") != std::string::npos);
  CHECK(text.find("open_row") != std::string::npos);
  CHECK(text.find("$scope module bank_group0") != std::string::npos);
  CHECK(text.find("command") != std::string::npos);
}

TEST_CASE("temporal decoupling: a transaction arriving before the controller's current cycle waits behind it") {
  Top top("top");
  std::uint8_t a[32], b[32];
  sc_time d_a, d_b;  // both start from local time 0: the initiator does not add d_a before the second call
  top.cpu.body = [&](Initiator& i) {
    CHECK(i.transport(tlm::TLM_READ_COMMAND, 0, a, 32, d_a) == tlm::TLM_OK_RESPONSE);
    CHECK(i.transport(tlm::TLM_READ_COMMAND, 2048, b, 32, d_b) == tlm::TLM_OK_RESPONSE);
  };
  sc_core::sc_start();
  // A (pch 0, bank group 0, bank 0): ACT 0, RD 14 (nRCDRD), done 14 + nCL + nBL = 30.
  CHECK(d_a == sc_time(30, SC_NS));
  // B (address 2048: bank group 1) arrives in cycle 0 too, but the controller
  // has run to cycle 14 (A's RD): B joins after that cycle's step, ACT 15
  // (nRRD_S from A's ACT is long over), RD 29, done 45.
  CHECK(d_b == sc_time(45, SC_NS));
}
