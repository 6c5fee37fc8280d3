// Address map from JSON (good and bad documents), link timing arithmetic,
// router config errors, and the protocol checker's own detection. Each
// TEST_CASE runs in its own process.
#include <algorithm>
#include <vector>

#include <catch2/catch.hpp>

#include "noc_harness.h"
#include "tlm/common/config.h"
#include "tlm/noc/address_map.h"
#include "tlm/noc/link.h"

using namespace pimlab;
using Catch::Matchers::Contains;
using sc_core::SC_NS;
using sc_core::sc_time;
using tlm_common::Config;
using tlm_noc::AddressMap;

namespace {

std::string error_of(const char* doc, unsigned ports = 2) {
  try {
    AddressMap::from_json(nlohmann::json::parse(doc), "top.noc.address_map", ports);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("address map: decode, hex strings, adjacency, holes") {
  const AddressMap m = AddressMap::from_json(nlohmann::json::parse(R"([
      {"base": "0x2000", "size": "0x1000", "port": 1, "offset": "0x10"},
      {"base": 0, "size": 4096, "port": 0},
      {"base": "4096", "size": "0x1000", "port": 0, "offset": 4096},
      {"base": "0xFFFFFFFFFFFFF000", "size": "0x1000", "port": 1}])"),
                                             "m", 2);
  REQUIRE(m.ranges().size() == 4);
  CHECK(m.find(0)->port == 0);
  CHECK(m.find(0xFFF)->index == 1);
  CHECK(m.find(0x1000)->index == 2);  // adjacent ranges do not overlap
  CHECK(m.find(0x2FFF)->to_target(0x2FFF) == 0x1000 + 0x10 - 1);
  CHECK(m.find(0x3000) == nullptr);
  CHECK(m.find(~0ull)->index == 3);  // a range may end at 2^64 - 1
  std::uint64_t f = 0, l = 0;
  m.hole(0x3000, f, l);
  CHECK(f == 0x3000);
  CHECK(l == 0xFFFFFFFFFFFFEFFFull);
  // to_json keeps the document order, numbers as integers.
  CHECK(m.to_json()[0].at("base") == 0x2000);
  CHECK(m.to_json()[1].at("offset") == 0);
}

TEST_CASE("address map: a map of equal contiguous ranges finds every address as a scan does") {
  // Equal contiguous ranges (a generated interleave; found by division) in
  // document order and reversed, one with a different size, one with a gap
  // and one ending at 2^64 - 1 (searched): each lookup equals a linear scan.
  auto scan = [](const AddressMap& m, std::uint64_t a) -> const tlm_noc::AddressRange* {
    for (const auto& r : m.ranges())
      if (r.contains(a)) return &r;
    return nullptr;
  };
  auto build = [](std::uint64_t base, std::uint64_t size, int n, bool reverse, std::uint64_t gap_at, std::uint64_t odd_size) {
    std::vector<tlm_noc::AddressRange> rs;
    std::uint64_t at = base;
    for (int i = 0; i < n; ++i) {
      const std::uint64_t sz = (i == n - 1 && odd_size) ? odd_size : size;
      if (gap_at && i == static_cast<int>(gap_at)) at += 64;
      rs.push_back({at, sz, static_cast<unsigned>(i % 4), static_cast<std::uint64_t>(i) * 7, static_cast<std::size_t>(i)});
      at += sz;
    }
    if (reverse) std::reverse(rs.begin(), rs.end());
    for (std::size_t i = 0; i < rs.size(); ++i) rs[i].index = i;
    return AddressMap(rs, "m", 4);
  };
  const std::vector<AddressMap> maps = {build(0x1000, 1024, 64, false, 0, 0), build(0x1000, 1024, 64, true, 0, 0),
                                        build(0, 256, 9, false, 0, 512), build(0, 256, 9, false, 5, 0),
                                        build(~0ull - 4 * 4096 + 1, 4096, 4, false, 0, 0)};
  for (const AddressMap& m : maps) {
    const std::uint64_t lo = m.ranges().front().base, hi = m.ranges().back().last();
    for (std::uint64_t a : {std::uint64_t{0}, lo - 1, lo, hi, hi + 1, ~std::uint64_t{0}}) CHECK(m.find(a) == scan(m, a));
    for (std::uint64_t k = 0, a = lo; k < 1400 && a >= lo && a <= hi; ++k, a += 61) CHECK(m.find(a) == scan(m, a));
  }
}

TEST_CASE("address map: every bad document is an error naming the key and the value") {
  // Overlap: the later range in the document is named, with the one it overlaps.
  const std::string overlap = error_of(R"([{"base": 0, "size": "0x2000", "port": 0},
                                          {"base": "0x1000", "size": "0x1000", "port": 1}])");
  CHECK_THAT(overlap, Contains("config key 'top.noc.address_map[1].base': value 4096") &&
                          Contains("does not overlap top.noc.address_map[0] = [0x0, 0x1fff]"));
  const std::string overlap2 = error_of(R"([{"base": "0x1000", "size": "0x1000", "port": 1},
                                           {"base": 0, "size": "0x1001", "port": 0}])");
  CHECK_THAT(overlap2, Contains("'top.noc.address_map[1].base': value 0") && Contains("address_map[0] = [0x1000, 0x1fff]"));
  CHECK_THAT(error_of(R"([{"base": 0, "size": 0, "port": 0}])"),
             Contains("'top.noc.address_map[0].size': value 0 is not allowed"));
  CHECK_THAT(error_of(R"([{"base": 0, "sise": 16, "port": 0}])"),
             Contains("'top.noc.address_map[0].sise': unknown key (value 16); allowed keys: base, size, port, offset"));
  CHECK_THAT(error_of(R"([{"base": 0, "size": 16}])"), Contains("'top.noc.address_map[0].port': missing"));
  CHECK_THAT(error_of(R"([{"base": 0, "size": 16, "port": 2}])"),
             Contains("'top.noc.address_map[0].port': value 2 is not allowed; allowed: a port index in [0, 2)"));
  CHECK_THAT(error_of(R"([{"base": -1, "size": 16, "port": 0}])"),
             Contains("'top.noc.address_map[0].base': value -1 is not allowed"));
  CHECK_THAT(error_of(R"([{"base": "0xZZ", "size": 16, "port": 0}])"),
             Contains("'top.noc.address_map[0].base': value \"0xZZ\" is not allowed"));
  CHECK_THAT(error_of(R"([{"base": 1.5, "size": 16, "port": 0}])"),
             Contains("'top.noc.address_map[0].base': value 1.5 is not allowed"));
  CHECK_THAT(error_of(R"([{"base": "0xFFFFFFFFFFFFF000", "size": "0x2000", "port": 0}])"),
             Contains("'top.noc.address_map[0].size': value 8192 is not allowed"));
  CHECK_THAT(error_of(R"({"base": 0, "size": 16, "port": 0})"),
             Contains("'top.noc.address_map': value {\"base\":0,\"port\":0,\"size\":16} is not allowed; allowed: an array"));
  CHECK_THAT(error_of(R"([7])"), Contains("'top.noc.address_map[0]': value 7 is not allowed"));
}

TEST_CASE("link timing: ceil(bytes / width) cycles, clock edges, FCFS without gap filling") {
  tlm_noc::LinkTiming l({32, 1200, 2});  // 1.2 GHz: period 833.33 ps, cycle k at ceil(k x 833.33) ps
  CHECK(l.cycles_for(1) == 1);
  CHECK(l.cycles_for(32) == 1);
  CHECK(l.cycles_for(33) == 2);
  CHECK(l.time_of(3) == 2500);           // 3 x 1e6 / 1200 = 2500 exactly
  CHECK(l.time_of(1) == 834);            // 833.33 rounded up
  CHECK(l.cycle_at_or_after(2500) == 3);
  CHECK(l.cycle_at_or_after(2501) == 4);
  CHECK(l.latency_ps() == 1667);         // 2 cycles
  const auto a = l.reserve(tlm_noc::Dir::request, 2501, 100);  // 4 cycles from cycle 4
  CHECK(a.start_ps == l.time_of(4));
  CHECK(a.end_ps == l.time_of(8));
  // A later call asking for an earlier time waits behind it (no gap filling).
  const auto b = l.reserve(tlm_noc::Dir::request, 0, 32);
  CHECK(b.start_ps == l.time_of(8));
  // The other direction is independent (full duplex).
  CHECK(l.reserve(tlm_noc::Dir::response, 0, 64).start_ps == 0);
  CHECK(l.busy_cycles(tlm_noc::Dir::request) == 5);
  CHECK(l.busy_cycles(tlm_noc::Dir::response) == 2);
}

TEST_CASE("router config: an overlapping map in the configuration is a ConfigError naming the key and value") {
  Config::instance().load(nlohmann::json::parse(R"({"noc.address_map": [
      {"base": 0, "size": 4096, "port": 0}, {"base": 4000, "size": 4096, "port": 0}]})"));
  CHECK_THROWS_MATCHES(tlm_noc::Router("noc", 1, 1), tlm_common::ConfigError,
                       Catch::Matchers::Message(
                           "config key 'noc.address_map[1].base': value 4000 ([0xfa0, 0x1f9f]) is not allowed; "
                           "allowed: a range that does not overlap noc.address_map[0] = [0x0, 0xfff]"));
}

TEST_CASE("router config: a link value out of range is an error naming the key and the value") {
  Config::instance().load(nlohmann::json::parse(R"({"top.noc.out0.clock_mhz": 0})"));
  // clock_mhz 0 is outside [1, 100000]: rejected when the link is built.
  CHECK_THROWS_WITH(test::Top("top", 1, 1, 16, sc_time(1, SC_NS)),
                    Contains("config key 'top.noc.out0.clock_mhz': value 0 is not allowed; allowed: integer in [1, 100000]"));
}

TEST_CASE("router config: unknown keys are listed after elaboration") {
  Config::instance().load(nlohmann::json::parse(R"({"top.noc.in0.widht_bytes": 64})"));
  test::Top top("top", 1, 1, 16, sc_time(1, SC_NS));
  CHECK_THROWS_WITH(Config::instance().check_consumed(),
                    Contains("'top.noc.in0.widht_bytes' = 64 (did you mean 'top.noc.in0.width_bytes'?)"));
}

namespace {

// A target that breaks the base protocol in the ways selected.
struct BadTarget : sc_core::sc_module {
  tlm_utils::simple_target_socket<BadTarget> socket;
  explicit BadTarget(const sc_core::sc_module_name& n) : sc_module(n), socket("socket") {
    socket.register_b_transport(this, &BadTarget::b_transport);
    socket.register_get_direct_mem_ptr(this, &BadTarget::dmi);
  }
  void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
    switch (gp.get_address()) {
      case 0x0: delay = sc_time(1, SC_NS); gp.set_response_status(tlm::TLM_OK_RESPONSE); break;  // overwrites delay
      case 0x10: gp.get_data_ptr()[0] ^= 1; gp.set_response_status(tlm::TLM_OK_RESPONSE); break;  // writes a write's data
      case 0x20: break;                                                                           // leaves INCOMPLETE
      case 0x30: gp.set_address(0x31); gp.set_response_status(tlm::TLM_OK_RESPONSE); break;      // changes the address
      case 0x40: gp.get_data_ptr()[1] = 0xEE; gp.set_response_status(tlm::TLM_OK_RESPONSE); break;  // ignores byte enables
      default: gp.set_response_status(tlm::TLM_OK_RESPONSE); break;
    }
  }
  bool dmi(tlm::tlm_generic_payload&, tlm::tlm_dmi& d) {
    d.set_start_address(0x100);  // does not hold the requested address 0
    d.set_end_address(0x1FF);
    d.allow_read();
    d.set_dmi_ptr(nullptr);
    return true;
  }
};

struct CheckerBench : sc_core::sc_module {
  test::Initiator cpu;
  test::ProtocolChecker chk;
  BadTarget bad;
  explicit CheckerBench(const sc_core::sc_module_name& n) : sc_module(n), cpu("cpu"), chk("chk"), bad("bad") {
    cpu.socket.bind(chk.target_socket);
    chk.initiator_socket.bind(bad.socket);
  }
};

}  // namespace

TEST_CASE("protocol checker: detects each rule a misbehaving target breaks") {
  CheckerBench b("b");
  std::vector<std::uint8_t> buf(4, 0);
  b.cpu.body = [&](test::Initiator& i) {
    sc_time d(5, SC_NS);
    i.transport(tlm::TLM_READ_COMMAND, 0x0, buf.data(), 4, d);
    i.transport(tlm::TLM_WRITE_COMMAND, 0x10, buf.data(), 4, d);
    i.transport(tlm::TLM_READ_COMMAND, 0x20, buf.data(), 4, d);
    i.transport(tlm::TLM_READ_COMMAND, 0x30, buf.data(), 4, d);
    unsigned char be[2] = {0xFF, 0x00};
    i.transport(tlm::TLM_READ_COMMAND, 0x40, buf.data(), 4, d, 0, be, 2);
    i.transport(tlm::TLM_READ_COMMAND, 0x50, buf.data(), 4, d);  // clean
    tlm::tlm_dmi dmi;
    i.dmi(tlm::TLM_WRITE_COMMAND, 0x0, dmi);
  };
  sc_core::sc_start();
  const auto& v = b.chk.violations;
  std::string all;
  for (const auto& s : v) all += s + "\n";
  INFO(all);
  CHECK_THAT(all, Contains("@0x0 len 4: local time decreased"));
  CHECK_THAT(all, Contains("WRITE @0x10 len 4: data of a write modified"));
  CHECK_THAT(all, Contains("@0x20 len 4: response status left TLM_INCOMPLETE_RESPONSE"));
  CHECK_THAT(all, Contains("@0x30 len 4: address not restored"));
  CHECK_THAT(all, Contains("@0x40 len 4: byte 1 of a read written despite a disabled byte enable"));
  CHECK_THAT(all, Contains("granted region does not hold the requested address"));
  CHECK_THAT(all, Contains("granted with a null pointer"));
  CHECK_THAT(all, Contains("write requested, granted without write access"));
  CHECK_THAT(all, !Contains("@0x50"));
  CHECK(v.size() == 8);
}
