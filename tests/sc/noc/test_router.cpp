// TLM router: OK, unmapped, boundary-crossing, debug and DMI accesses through
// base-protocol checkers; bandwidth of initiators sharing a link; config
// errors. Each TEST_CASE runs in its own process. Expected times are derived
// by hand in the comments (link.h: a transfer of B bytes occupies
// ceil(B / width) cycles from the first clock edge at or after max(earliest,
// free-at); each traversal adds latency_cycles periods per link).
#include <catch2/catch.hpp>

#include <numeric>
#include <vector>

#include "noc_harness.h"

#include <tlm_utils/tlm_quantumkeeper.h>
#include "tlm/common/config.h"
#include "tlm/common/stats.h"

using namespace pimlab;
using sc_core::SC_NS;
using sc_core::sc_time;
using test::Initiator;
using test::Top;
using tlm_common::Config;

namespace {

std::vector<std::uint8_t> pattern(std::size_t n, unsigned seed) {
  std::vector<std::uint8_t> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::uint8_t>((i * 151 + seed * 13 + 3) & 0xFF);
  return v;
}

std::uint64_t stat(const nlohmann::json& s, const std::string& obj, const std::string& key) {
  return s.at(obj).at(key).at("value").get<std::uint64_t>();
}

void require_clean(const Top& top) {
  const auto v = top.violations();
  for (const auto& s : v) UNSCOPED_INFO(s);
  REQUIRE(v.empty());
  REQUIRE(top.checked() > 0);
}

}  // namespace

TEST_CASE("OK: write and read reach the mapped target at the translated address with hand-derived delays") {
  Config::instance().load(nlohmann::json::parse(R"({
    "top.noc.address_map": [ {"base": "0x10000", "size": "0x1000", "port": 0, "offset": "0x200"},
                             {"base": "0x20000", "size": 4096, "port": 1} ],
    "top.noc.in0":  {"width_bytes": 16, "clock_mhz": 1000, "latency_cycles": 1},
    "top.noc.out0": {"width_bytes": 32, "clock_mhz": 500,  "latency_cycles": 2}
  })"));
  Top top("top", 1, 2, 0x4000, sc_time(10, SC_NS));
  Config::instance().check_consumed();
  const auto data = pattern(100, 1);
  std::vector<std::uint8_t> back(100, 0), small = pattern(8, 2);
  sc_time d_write, d_read, d_small;
  tlm::tlm_response_status st_w{}, st_r{}, st_s{};
  top.cpu[0]->body = [&](Initiator& i) {
    sc_time d = sc_core::SC_ZERO_TIME;
    st_w = i.transport(tlm::TLM_WRITE_COMMAND, 0x10010, const_cast<std::uint8_t*>(data.data()), 100, d);
    d_write = d;
    st_r = i.transport(tlm::TLM_READ_COMMAND, 0x10010, back.data(), 100, d);  // continues at local time d
    d_read = d;
    sc_core::wait(d);
    sc_time d2 = sc_core::SC_ZERO_TIME;
    st_s = i.transport(tlm::TLM_WRITE_COMMAND, 0x20ff8, small.data(), 8, d2);
    d_small = d2;
  };
  sc_core::sc_start();
  REQUIRE(top.cpu[0]->finished);
  require_clean(top);
  CHECK(st_w == tlm::TLM_OK_RESPONSE);
  CHECK(st_r == tlm::TLM_OK_RESPONSE);
  CHECK(st_s == tlm::TLM_OK_RESPONSE);
  CHECK(back == data);
  // Translation: 0x10010 - 0x10000 + 0x200 = 0x210 in mem0; 0x20ff8 - 0x20000 + 0 = 0xff8 in mem1.
  REQUIRE(top.mem[0]->accesses.size() == 2);
  CHECK(top.mem[0]->accesses[0].addr == 0x210);
  CHECK(std::equal(data.begin(), data.end(), top.mem[0]->mem.begin() + 0x210));
  REQUIRE(top.mem[1]->accesses.size() == 1);
  CHECK(top.mem[1]->accesses[0].addr == 0xff8);
  CHECK(std::equal(small.begin(), small.end(), top.mem[1]->mem.begin() + 0xff8));

  // Write of 100 B at t = 0: in0 (16 B x 1 GHz) ceil(100/16) = 7 cycles [0, 7 ns);
  // out0 (32 B x 500 MHz, 2 ns) ceil(100/32) = 4 cycles [0, 8 ns) -> data through at 8 ns;
  // latencies 1 x 1 ns + 2 x 2 ns = 5 ns -> arrives at mem0 at 13 ns; mem0 adds 10 -> 23 ns;
  // response header back: + 5 ns -> delay 28 ns.
  CHECK(top.mem[0]->accesses[0].arrival == sc_time(13, SC_NS));
  CHECK(d_write == sc_time(28, SC_NS));
  // Read of 100 B at local time 28 ns: header + 5 ns -> mem0 at 33 ns, ready at 43 ns;
  // read data on out0 from the first 2 ns edge at or after 43 ns = 44 ns, 4 cycles -> [44, 52);
  // on in0 from 44 ns, 7 cycles -> [44, 51); through at 52 ns; + 5 ns latency -> 57 ns.
  CHECK(top.mem[0]->accesses[1].arrival == sc_time(33, SC_NS));
  CHECK(d_read == sc_time(57, SC_NS));
  // Write of 8 B at t = 57 ns to out1 (defaults: 32 B x 2 GHz, 0.5 ns, latency 1):
  // in0 1 cycle [57, 58), out1 1 cycle [57, 57.5) -> 58 ns; latency 1 + 0.5 = 1.5 ns -> mem1 at
  // 59.5 ns (delay 2.5 ns); + 10 ns; + 1.5 ns back -> delay 14 ns.
  CHECK(top.mem[1]->accesses[0].arrival == sc_time(59500, sc_core::SC_PS));
  CHECK(d_small == sc_time(14, SC_NS));

  const auto s = tlm_common::collect_stats();
  CHECK(stat(s, "top.noc", "forwarded") == 3);
  CHECK(stat(s, "top.noc.in0", "transactions") == 3);
  CHECK(stat(s, "top.noc.out0", "transactions") == 2);
  CHECK(stat(s, "top.noc.out1", "transactions") == 1);
  CHECK(stat(s, "top.noc.in0", "bytes_request") == 108);
  CHECK(stat(s, "top.noc.in0", "bytes_response") == 100);
  CHECK(stat(s, "top.noc.in0", "busy_cycles_request") == 7 + 1);
  CHECK(stat(s, "top.noc.in0", "busy_cycles_response") == 7);
  CHECK(stat(s, "top.noc.out0", "busy_cycles_request") == 4);
  CHECK(stat(s, "top.noc.out0", "busy_cycles_response") == 4);
  CHECK(stat(s, "top.noc.out1", "busy_cycles_request") == 1);
  // The effective configuration holds the map (hex strings read as numbers) and the link keys.
  const auto eff = Config::instance().effective();
  CHECK(eff.at("top.noc.address_map")[0].at("offset") == 0x200);
  CHECK(eff.at("top.noc.out0.clock_mhz") == 500);
  CHECK(eff.at("top.noc.out1.clock_mhz") == 2000);
}

TEST_CASE("unmapped: the router answers TLM_ADDRESS_ERROR_RESPONSE itself, delay unchanged, no target called") {
  Config::instance().load({{"top.noc.address_map", {{{"base", 0x10000}, {"size", 0x1000}, {"port", 0}}}}});
  Top top("top", 1, 1, 0x1000, sc_time(10, SC_NS));
  std::vector<std::uint8_t> buf(32, 0x5A);
  std::vector<tlm::tlm_response_status> st;
  std::vector<sc_time> delays;
  unsigned dbg_n = 99;
  tlm::tlm_response_status dbg_st{};
  top.cpu[0]->body = [&](Initiator& i) {
    for (std::uint64_t a : {std::uint64_t{0}, std::uint64_t{0xFFFF}, std::uint64_t{0x11000}, ~std::uint64_t{0}}) {
      sc_time d(7, SC_NS);
      st.push_back(i.transport(tlm::TLM_READ_COMMAND, a, buf.data(), a == ~std::uint64_t{0} ? 1 : 32, d));
      delays.push_back(d);
    }
    dbg_n = i.dbg(tlm::TLM_READ_COMMAND, 0x11000, buf.data(), 32, &dbg_st);
  };
  sc_core::sc_start();
  require_clean(top);
  REQUIRE(st.size() == 4);
  for (std::size_t k = 0; k < st.size(); ++k) {
    CHECK(st[k] == tlm::TLM_ADDRESS_ERROR_RESPONSE);
    CHECK(delays[k] == sc_time(7, SC_NS));
  }
  CHECK(buf == std::vector<std::uint8_t>(32, 0x5A));
  CHECK(top.mem[0]->accesses.empty());
  CHECK(top.mem[0]->dbg_addresses.empty());
  CHECK(dbg_n == 0);
  CHECK(dbg_st == tlm::TLM_ADDRESS_ERROR_RESPONSE);
  const auto s = tlm_common::collect_stats();
  CHECK(stat(s, "top.noc", "address_errors_unmapped") == 4);
  CHECK(stat(s, "top.noc", "debug_unmapped") == 1);
  CHECK(stat(s, "top.noc", "forwarded") == 0);
  CHECK(stat(s, "top.noc.in0", "busy_cycles_response") == 0);
}

TEST_CASE("boundary crossing: an access leaving its range is a TLM_ADDRESS_ERROR_RESPONSE, even into an adjacent range of the same target") {
  // Two adjacent ranges, contiguous in the target too: the router still does not split.
  Config::instance().load(nlohmann::json::parse(R"({"top": {"noc": {"address_map": [
      {"base": "0x10000", "size": "0x1000", "port": 0, "offset": 0},
      {"base": "0x11000", "size": "0x1000", "port": 0, "offset": "0x1000"}]}}})"));
  Top top("top", 1, 1, 0x2000, sc_time(1, SC_NS));
  std::vector<std::uint8_t> buf = pattern(64, 3);
  tlm::tlm_response_status cross{}, fits{}, streaming{}, next{};
  sc_time d_cross;
  top.cpu[0]->body = [&](Initiator& i) {
    d_cross = sc_time(3, SC_NS);
    cross = i.transport(tlm::TLM_WRITE_COMMAND, 0x10FF0, buf.data(), 32, d_cross);  // last byte 0x1100F
    sc_time d;
    fits = i.transport(tlm::TLM_WRITE_COMMAND, 0x10FE0, buf.data(), 32, d);  // last byte 0x10FFF
    // Streaming burst: 64 bytes through a 16-byte window touch [0x10FF0, 0x11000) only.
    streaming = i.transport(tlm::TLM_WRITE_COMMAND, 0x10FF0, buf.data(), 64, d, 16);
    next = i.transport(tlm::TLM_WRITE_COMMAND, 0x11000, buf.data(), 32, d);
  };
  sc_core::sc_start();
  require_clean(top);
  CHECK(cross == tlm::TLM_ADDRESS_ERROR_RESPONSE);
  CHECK(d_cross == sc_time(3, SC_NS));
  CHECK(fits == tlm::TLM_OK_RESPONSE);
  CHECK(streaming == tlm::TLM_OK_RESPONSE);
  CHECK(next == tlm::TLM_OK_RESPONSE);
  REQUIRE(top.mem[0]->accesses.size() == 3);
  CHECK(top.mem[0]->accesses[0].addr == 0xFE0);
  CHECK(top.mem[0]->accesses[1].addr == 0xFF0);
  CHECK(top.mem[0]->accesses[2].addr == 0x1000);
  const auto s = tlm_common::collect_stats();
  CHECK(stat(s, "top.noc", "address_errors_crossing") == 1);
  CHECK(stat(s, "top.noc", "address_errors_unmapped") == 0);
}

TEST_CASE("debug: transport_dbg is translated, clipped at the end of the range, and moves no time") {
  Config::instance().load(nlohmann::json::parse(R"({"top.noc.address_map": [
      {"base": "0x10000", "size": "0x1000", "port": 0, "offset": "0x200"},
      {"base": "0x11000", "size": "0x1000", "port": 1}]})"));
  Top top("top", 1, 2, 0x2000, sc_time(10, SC_NS));
  const auto data = pattern(64, 4);
  std::vector<std::uint8_t> back(64, 0);
  unsigned n_w = 0, n_r = 0;
  sc_time t_end;
  top.cpu[0]->body = [&](Initiator& i) {
    // 64 bytes from 0x10FE0: the range ends at 0x10FFF -> 32 bytes moved, none into range 1.
    n_w = i.dbg(tlm::TLM_WRITE_COMMAND, 0x10FE0, const_cast<std::uint8_t*>(data.data()), 64);
    n_r = i.dbg(tlm::TLM_READ_COMMAND, 0x10FE0, back.data(), 64);
    t_end = sc_core::sc_time_stamp();
  };
  sc_core::sc_start();
  require_clean(top);
  CHECK(n_w == 32);
  CHECK(n_r == 32);
  CHECK(t_end == sc_core::SC_ZERO_TIME);
  // 0x10FE0 - 0x10000 + 0x200 = 0x11E0 in mem0.
  REQUIRE(top.mem[0]->dbg_addresses.size() == 2);
  CHECK(top.mem[0]->dbg_addresses[0] == 0x11E0);
  CHECK(std::equal(data.begin(), data.begin() + 32, top.mem[0]->mem.begin() + 0x11E0));
  CHECK(top.mem[0]->mem[0x11E0 + 32] == 0);
  CHECK(std::equal(back.begin(), back.begin() + 32, data.begin()));
  CHECK(top.mem[1]->dbg_addresses.empty());
  CHECK(top.mem[0]->accesses.empty());
  const auto s = tlm_common::collect_stats();
  CHECK(stat(s, "top.noc", "debug_transactions") == 2);
  CHECK(stat(s, "top.noc", "debug_bytes") == 64);
  CHECK(stat(s, "top.noc.in0", "busy_cycles_request") == 0);
  CHECK(stat(s, "top.noc.out0", "busy_cycles_response") == 0);
}

TEST_CASE("DMI: the region is translated and clipped to the range, invalidations travel back translated") {
  // mem0 (64 KiB) grants DMI to all of [0, 0xFFFF]; range A shows its [0x2000, 0x2FFF] at
  // 0x40000, range B its [0x2400, 0x2BFF] at 0x80000; mem1 refuses DMI.
  Config::instance().load(nlohmann::json::parse(R"({"top.noc.address_map": [
      {"base": "0x40000", "size": "0x1000", "port": 0, "offset": "0x2000"},
      {"base": "0x80000", "size": "0x800",  "port": 0, "offset": "0x2400"},
      {"base": "0x90000", "size": "0x1000", "port": 1}]})"));
  Top top("top", 2, 2, 0x10000, sc_time(10, SC_NS));
  top.mem[1]->dmi_allowed = false;
  tlm::tlm_dmi a, b, c, u;
  bool ga = false, gb = true, gc = true, gu = true;
  std::vector<std::uint8_t> via_bus(4, 0);
  top.cpu[0]->body = [&](Initiator& i) {
    ga = i.dmi(tlm::TLM_READ_COMMAND, 0x40010, a);
    gb = i.dmi(tlm::TLM_WRITE_COMMAND, 0x80004, b);
    gc = i.dmi(tlm::TLM_READ_COMMAND, 0x90000, c);
    gu = i.dmi(tlm::TLM_READ_COMMAND, 0x50000, u);
    // Write through the DMI pointer of range A, read the same bytes over the bus.
    if (ga) std::memcpy(a.get_dmi_ptr() + 0x20, "\x11\x22\x33\x44", 4);
    sc_time d;
    CHECK(i.transport(tlm::TLM_READ_COMMAND, 0x40020, via_bus.data(), 4, d) == tlm::TLM_OK_RESPONSE);
    top.mem[0]->invalidate(0x2800, 0x5000);  // hits A at [0x2800, 0x2FFF] and B at [0x2800, 0x2BFF]
    top.mem[0]->invalidate(0x8000, 0x9000);  // in no range: nothing
    top.mem[1]->invalidate(0, 0xFFF);        // C at [0x90000, 0x90FFF]
  };
  sc_core::sc_start();
  require_clean(top);
  REQUIRE(ga);
  CHECK(a.get_start_address() == 0x40000);
  CHECK(a.get_end_address() == 0x40FFF);
  CHECK(a.get_dmi_ptr() == top.mem[0]->mem.data() + 0x2000);
  CHECK(a.is_read_write_allowed());
  // Read latency: mem0's 10 ns + the router's round trip 2 x (in0 + out0 latency) =
  // 2 x (1 + 1) cycles of 0.5 ns = 2 ns -> 12 ns.
  CHECK(a.get_read_latency() == sc_time(12, SC_NS));
  CHECK(a.get_write_latency() == sc_time(12, SC_NS));
  REQUIRE(gb);
  CHECK(b.get_start_address() == 0x80000);
  CHECK(b.get_end_address() == 0x807FF);
  CHECK(b.get_dmi_ptr() == top.mem[0]->mem.data() + 0x2400);
  CHECK(via_bus == std::vector<std::uint8_t>{0x11, 0x22, 0x33, 0x44});
  CHECK(top.mem[0]->mem[0x2020] == 0x11);
  // Refused by mem1: denied, region clipped to range C.
  CHECK_FALSE(gc);
  CHECK(c.get_start_address() == 0x90000);
  CHECK(c.get_end_address() == 0x90FFF);
  // Unmapped: denied by the router with the hole between A and B as region, target not asked.
  CHECK_FALSE(gu);
  CHECK(u.get_start_address() == 0x41000);
  CHECK(u.get_end_address() == 0x7FFFF);
  CHECK(u.is_none_allowed());
  CHECK(top.mem[0]->dmi_addresses == std::vector<std::uint64_t>{0x2010, 0x2404});
  CHECK(top.mem[1]->dmi_addresses == std::vector<std::uint64_t>{0});
  // Both initiators receive the translated invalidations, ranges in address order.
  const std::vector<std::pair<std::uint64_t, std::uint64_t>> expect{
      {0x40800, 0x40FFF}, {0x80400, 0x807FF}, {0x90000, 0x90FFF}};
  CHECK(top.cpu[0]->invalidations == expect);
  CHECK(top.cpu[1]->invalidations == expect);
  const auto s = tlm_common::collect_stats();
  CHECK(stat(s, "top.noc", "dmi_requests") == 4);
  CHECK(stat(s, "top.noc", "dmi_granted") == 2);
  CHECK(stat(s, "top.noc", "dmi_invalidations") == 3);
}

namespace {

// Two initiators each write K bursts of 256 B to mem0, waiting for each
// response (one transaction in flight per initiator). Links: in0/in1 64 B x
// 1 GHz, out0 32 B x 1 GHz, latency 0; mem0 answers after 8 ns.
constexpr unsigned kBursts = 100;
constexpr unsigned kBytes = 256;

void load_bandwidth_config() {
  Config::instance().load(nlohmann::json::parse(R"({"top.noc": {
      "address_map": [{"base": 0, "size": "0x100000", "port": 0}],
      "clock_mhz": 1000, "latency_cycles": 0, "width_bytes": 64,
      "out0": {"width_bytes": 32}}})"));
}

void run_bursts(Initiator& i, unsigned n, std::vector<std::uint8_t>& buf) {
  for (unsigned k = 0; k < n; ++k) {
    sc_time d;
    CHECK(i.transport(tlm::TLM_WRITE_COMMAND, (k * kBytes) % 0x100000, buf.data(), kBytes, d) == tlm::TLM_OK_RESPONSE);
    sc_core::wait(d);
  }
}

}  // namespace

TEST_CASE("bandwidth: one initiator alone gets half the link (hand-derived)") {
  load_bandwidth_config();
  Top top("top", 2, 1, 0x100000, sc_time(8, SC_NS));
  std::vector<std::uint8_t> buf = pattern(kBytes, 5);
  top.cpu[0]->body = [&](Initiator& i) { run_bursts(i, kBursts, buf); };
  sc_core::sc_start();
  require_clean(top);
  // Each burst: out0 ceil(256/32) = 8 cycles = 8 ns of data, then 8 ns in mem0; the next burst
  // starts when the response is back: 16 ns per 256 B = 16 B/ns = half of 32 B x 1 GHz.
  CHECK(sc_core::sc_time_stamp() == sc_time(16.0 * kBursts, SC_NS));
  const auto s = tlm_common::collect_stats();
  CHECK(stat(s, "top.noc.out0", "busy_cycles_request") == 8 * kBursts);
}

TEST_CASE("bandwidth: two initiators saturating one link get together exactly width x clock") {
  load_bandwidth_config();
  Top top("top", 2, 1, 0x100000, sc_time(8, SC_NS));
  std::vector<std::uint8_t> b0 = pattern(kBytes, 6), b1 = pattern(kBytes, 7);
  top.cpu[0]->body = [&](Initiator& i) { run_bursts(i, kBursts, b0); };
  top.cpu[1]->body = [&](Initiator& i) { run_bursts(i, kBursts, b1); };
  sc_core::sc_start();
  require_clean(top);
  REQUIRE(top.cpu[0]->finished);
  REQUIRE(top.cpu[1]->finished);
  // Both start at 0. The first caller's burst takes out0 in [0, 8), the other's waits for it:
  // [8, 16). The first is answered at 16 ns (8 ns data + 8 ns memory) and finds out0 free at 16:
  // [16, 24); the second, answered at 24, gets [24, 32); ... out0 never idles, so the 2K bursts
  // occupy it back to back: the last data byte reaches mem0 at 2K x 8 ns = 1600 ns, the last
  // response returns at 1608 ns. Bandwidth = 2K x 256 B / 1600 ns = 32 B/ns = 32 B x 1 GHz.
  const auto& acc = top.mem[0]->accesses;
  REQUIRE(acc.size() == 2 * kBursts);
  sc_time last_arrival = sc_core::SC_ZERO_TIME;
  for (const auto& a : acc) last_arrival = std::max(last_arrival, a.arrival);
  CHECK(last_arrival == sc_time(8.0 * 2 * kBursts, SC_NS));
  CHECK(sc_core::sc_time_stamp() == sc_time(8.0 * 2 * kBursts + 8, SC_NS));
  const double bytes = 2.0 * kBursts * kBytes;
  // Bytes per ns = GB/s, from integer picoseconds: 51200 x 1000 / 1600000 = 32 exactly.
  const double gbps = bytes * 1000.0 / static_cast<double>(last_arrival.value());
  CHECK(gbps == 32.0);  // width 32 B x clock 1 GHz
  // The data arrivals are 8 ns apart: the link is shared burst by burst.
  std::vector<sc_time> arrivals;
  for (const auto& a : acc) arrivals.push_back(a.arrival);
  std::sort(arrivals.begin(), arrivals.end());
  for (std::size_t k = 0; k < arrivals.size(); ++k) CHECK(arrivals[k] == sc_time(8.0 * (k + 1), SC_NS));
  const auto s = tlm_common::collect_stats();
  CHECK(stat(s, "top.noc.out0", "busy_cycles_request") == 2 * 8 * kBursts);
  CHECK(stat(s, "top.noc.out0", "bytes_request") == 2 * kBursts * kBytes);
  CHECK(stat(s, "top.noc.in0", "transactions") == kBursts);
  CHECK(stat(s, "top.noc.in1", "transactions") == kBursts);
  CHECK(stat(s, "top.noc.in0", "busy_cycles_request") == 4 * kBursts);  // ceil(256/64) = 4 each
  // Utilisation at the end (1608 cycles elapsed): 1600 / 1608.
  CHECK(s.at("top.noc.out0").at("utilisation_request").at("value").get<double>() == Approx(1600.0 / 1608.0).epsilon(1e-12));
}

TEST_CASE("bandwidth under temporal decoupling: a shared link never carries more than width x clock") {
  load_bandwidth_config();
  Top top("top", 2, 1, 0x100000, sc_time(8, SC_NS));
  std::vector<std::uint8_t> buf = pattern(kBytes, 8);
  std::vector<sc_time> done(2);
  auto decoupled = [&](unsigned who) {
    return [&, who](Initiator& i) {
      tlm_utils::tlm_quantumkeeper qk;
      tlm_utils::tlm_quantumkeeper::set_global_quantum(sc_time(1, sc_core::SC_US));
      qk.reset();
      for (unsigned k = 0; k < kBursts; ++k) {
        sc_time d = qk.get_local_time();
        CHECK(i.transport(tlm::TLM_WRITE_COMMAND, k * kBytes, buf.data(), kBytes, d) == tlm::TLM_OK_RESPONSE);
        qk.set(d);
        if (qk.need_sync()) qk.sync();
      }
      done[who] = qk.get_current_time();
      qk.sync();
    };
  };
  top.cpu[0]->body = decoupled(0);
  top.cpu[1]->body = decoupled(1);
  sc_core::sc_start();
  require_clean(top);
  // Each data transfer occupies 8 cycles; call order decides (FCFS, no gap filling), so the
  // last one cannot end before 2K x 8 ns: the pair never exceeds 32 B/ns.
  sc_time last_arrival = sc_core::SC_ZERO_TIME;
  for (const auto& a : top.mem[0]->accesses) last_arrival = std::max(last_arrival, a.arrival);
  CHECK(last_arrival >= sc_time(8.0 * 2 * kBursts, SC_NS));
  const auto s = tlm_common::collect_stats();
  CHECK(stat(s, "top.noc.out0", "busy_cycles_request") == 2 * 8 * kBursts);
  CHECK(top.noc->out_link(0).timing.free_cycle(tlm_noc::Dir::request) >= 2 * 8 * kBursts);
}

TEST_CASE("bandwidth: links are full duplex, a reader and a writer sharing a link do not slow each other") {
  load_bandwidth_config();
  Top top("top", 2, 1, 0x100000, sc_time(8, SC_NS));
  std::vector<std::uint8_t> w = pattern(kBytes, 9), r(kBytes);
  top.cpu[0]->body = [&](Initiator& i) { run_bursts(i, kBursts, w); };
  top.cpu[1]->body = [&](Initiator& i) {
    for (unsigned k = 0; k < kBursts; ++k) {
      sc_time d;
      CHECK(i.transport(tlm::TLM_READ_COMMAND, k * kBytes, r.data(), kBytes, d) == tlm::TLM_OK_RESPONSE);
      sc_core::wait(d);
    }
  };
  sc_core::sc_start();
  require_clean(top);
  // Writer: 8 ns of data on out0's request direction + 8 ns memory per burst. Reader: 8 ns memory
  // + 8 ns of data on out0's response direction. Different directions: each runs as if alone,
  // 100 x 16 ns = 1600 ns (on a half-duplex link the pair would need 200 x 8 ns of data alone).
  CHECK(sc_core::sc_time_stamp() == sc_time(16.0 * kBursts, SC_NS));
  const auto s = tlm_common::collect_stats();
  CHECK(stat(s, "top.noc.out0", "busy_cycles_request") == 8 * kBursts);
  CHECK(stat(s, "top.noc.out0", "busy_cycles_response") == 8 * kBursts);
  CHECK(stat(s, "top.noc.in1", "bytes_response") == kBursts * kBytes);
}

TEST_CASE("a target's error response is passed back with the router's latencies and no data transfer") {
  // The range is larger than the 4 KiB memory behind it: 0x1800 is mapped by the router but
  // beyond the memory, which answers TLM_ADDRESS_ERROR_RESPONSE without adding time.
  Config::instance().load({{"top.noc.address_map", {{{"base", 0}, {"size", 0x2000}, {"port", 0}}}}});
  Top top("top", 1, 1, 0x1000, sc_time(10, SC_NS));
  std::vector<std::uint8_t> buf(32, 0x3C);
  tlm::tlm_response_status st{};
  sc_time d;
  top.cpu[0]->body = [&](Initiator& i) { st = i.transport(tlm::TLM_READ_COMMAND, 0x1800, buf.data(), 32, d); };
  sc_core::sc_start();
  require_clean(top);
  CHECK(st == tlm::TLM_ADDRESS_ERROR_RESPONSE);
  REQUIRE(top.mem[0]->accesses.size() == 1);
  CHECK(top.mem[0]->accesses[0].addr == 0x1800);
  // Default links (0.5 ns, latency 1): request header 0.5 + 0.5 ns, error answered at once,
  // no read data, response header 0.5 + 0.5 ns -> 2 ns.
  CHECK(d == sc_time(2, SC_NS));
  CHECK(buf == std::vector<std::uint8_t>(32, 0x3C));
  const auto s = tlm_common::collect_stats();
  CHECK(stat(s, "top.noc", "forwarded") == 1);
  CHECK(stat(s, "top.noc.out0", "target_errors") == 1);
  CHECK(stat(s, "top.noc.out0", "transactions") == 0);
  CHECK(stat(s, "top.noc.out0", "busy_cycles_response") == 0);
  CHECK(stat(s, "top.noc.in0", "bytes_response") == 0);
}
