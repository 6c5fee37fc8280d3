// CIM tiles on the platform interconnect (tlm_cim::CimTiles): a platform
// document declares the tiles (count, base, the core's keys), they get ranges
// in the router's address map next to the configured ones, and an initiator
// reaches them through the router. Each TEST_CASE runs in its own process.
#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cim_harness.h"
#include "golden_cim/mvm.h"
#include "tlm/cim/tiles.h"
#include "tlm/common/config.h"
#include "tlm/common/stats.h"

using namespace pimlab;
using namespace pimlab::tlm_cim;
using test::CimDriver;
using test::Initiator;
using test::Memory;
using test::ProtocolChecker;
using tlm_common::Config;

namespace {

const sc_core::sc_time ns(1, sc_core::SC_NS);

// cpu -> checker -> noc; noc port 0 -> memory, ports 1.. -> the CIM tiles.
struct Platform : sc_core::sc_module {
  Initiator cpu;
  ProtocolChecker chk_in;
  CimTiles cim;  // before the router: its count sizes the router
  tlm_noc::Router noc;
  Memory mem;
  explicit Platform(const sc_core::sc_module_name& n)
      : sc_module(n), cpu("cpu"), chk_in("chk_in"), cim("cim"), noc("noc", 1, 1 + cim.count()),
        mem("mem", 4096, 10 * ns) {
    cpu.socket.bind(chk_in.target_socket);
    chk_in.initiator_socket.bind(noc.target_socket);
    noc.initiator_socket.bind(mem.socket);
    cim.attach(noc, 1);
  }
};

nlohmann::json platform_doc() {
  return nlohmann::json::parse(R"({
    "top": {
      "noc": {"address_map": [{"base": "0x0", "size": "0x1000", "port": 0}]},
      "cim": {"count": 2, "base": 4294967296, "adc_bits": 7}
    }
  })");
}

}  // namespace

TEST_CASE("CIM tiles behind the router: address ranges and weights and MVM results through the NoC") {
  Config::instance().clear();
  Config::instance().load(platform_doc());
  Platform p("top");
  Config::instance().check_consumed();
  REQUIRE(p.cim.count() == 2);
  CHECK(p.cim.window() == 0x200000);
  // The router's map: the configured memory range and one range per tile.
  const auto& ranges = p.noc.address_map().ranges();
  REQUIRE(ranges.size() == 3);
  CHECK(ranges[1].base == 0x100000000ull);
  CHECK(ranges[1].size == 0x200000);
  CHECK(ranges[1].port == 1);
  CHECK(ranges[2].base == 0x100200000ull);
  CHECK(ranges[2].port == 2);
  // The effective configuration keeps the configured map only (the tiles'
  // ranges come back from the top.cim keys) and records the tile keys.
  const auto eff = Config::instance().effective();
  CHECK(eff.at("top.noc.address_map").size() == 1);
  CHECK(eff.at("top.cim.adc_bits") == 7);
  CHECK(eff.at("top.cim.count") == 2);

  const TileLayout l = p.cim.tile(1).layout();
  p.cpu.body = [&](Initiator& cpu) {
    CimDriver d{cpu, p.cim.tile_base(1), l, {}};
    // One UCLM window (4096 B) over two 32 B x 2 GHz links, cut-through: 64 ns,
    // + 1 ns link latencies; the tile's 64 row writes from cycle 65 end at 129
    // ns; + 1 ns back.
    const auto W = test::seeded_int8(64 * 64, 21);
    d.write(d.row_addr(3, 0, 0, 64), {W.begin(), W.end()});
    CHECK(d.last_delay == 130 * ns);
    const auto x = test::seeded_int8(64, 22);
    d.write(l.buffer_base(), {x.begin(), x.end()});
    const sc_core::sc_time t0 = sc_core::sc_time_stamp();
    REQUIRE(d.command(kOpMvm, 0, 3, 1, 1, 64, 0, 256) == tlm::TLM_OK_RESPONSE);
    const sc_core::sc_time go_delay = d.last_delay;
    CHECK(d.get(kCycles) == 64);
    // Each register write takes 2.5 ns through the router (0.5 ns data, 1 ns
    // latencies each way), so GO leaves at t0 + 12 x 2.5 ns; its delay runs
    // to the MVM's completion cycle plus the router's 1 ns back.
    CHECK(go_delay == static_cast<double>(d.get(kDoneLo)) * ns + 1 * ns - (t0 + 30 * ns));
    std::vector<int> xi(x.begin(), x.end());
    const auto y = test::from_le32(d.read(l.buffer_base() + 256, 256));
    CHECK(y == golden_cim::mvm_bitserial(xi, W, 64, 64, golden_cim::InputKind::Int8, 7));  // the tiles' ADC key

    // Tile 0 is a different tile: its UCLM 3 holds nothing.
    CimDriver d0{cpu, p.cim.tile_base(0), l, {}};
    CHECK(d0.read(d0.row_addr(3, 0, 0, 64), 64) == std::vector<std::uint8_t>(64, 0));
    // The memory on port 0 is still there.
    std::uint8_t m[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    sc_core::sc_time dt = sc_core::SC_ZERO_TIME;
    CHECK(cpu.transport(tlm::TLM_WRITE_COMMAND, 0x10, m, 8, dt) == tlm::TLM_OK_RESPONSE);
    // Router errors: past the last tile (unmapped), across tile0 -> tile1.
    dt = sc_core::SC_ZERO_TIME;
    CHECK(cpu.transport(tlm::TLM_READ_COMMAND, p.cim.tile_base(1) + l.size(), m, 4, dt) == tlm::TLM_ADDRESS_ERROR_RESPONSE);
    CHECK(cpu.transport(tlm::TLM_READ_COMMAND, p.cim.tile_base(1) - 4, m, 8, dt) == tlm::TLM_ADDRESS_ERROR_RESPONSE);
    // A tile's error comes back through the router unchanged.
    CHECK(d.set(kStatus, 0) == tlm::TLM_COMMAND_ERROR_RESPONSE);
    CHECK(d.command(kOpMvm, 9, 0, 1, 1, 64, 0, 0) == tlm::TLM_GENERIC_ERROR_RESPONSE);
    CHECK(d.get(kError) == kErrCore);
  };
  sc_core::sc_start();
  REQUIRE(p.cpu.finished);
  for (const auto& v : p.chk_in.violations) FAIL(v);
  const auto s = tlm_common::collect_stats();
  CHECK(s.at("top.cim.tile1").at("mvm_commands").at("value") == 1);
  CHECK(s.at("top.cim.tile1").at("mvms").at("value") == 1);
  CHECK(s.at("top.cim.tile1").at("row_write_lines").at("value") == 64);
  CHECK(s.at("top.cim.tile0").at("mvm_commands").at("value") == 0);
  CHECK(s.at("top.noc.out2").at("target_errors").at("value") == 2);
  CHECK(s.at("top.noc").at("address_errors_unmapped").at("value") == 1);
  CHECK(s.at("top.noc").at("address_errors_crossing").at("value") == 1);
}

TEST_CASE("CIM platform config: a tile range overlapping a configured range names top.cim.base") {
  Config::instance().clear();
  auto doc = platform_doc();
  doc["top"]["cim"]["base"] = 0;
  Config::instance().load(doc);
  CHECK_THROWS_WITH(Platform("top"),
                    "config key 'top.cim.base': value 0x0 is not allowed; allowed: a base whose tile windows do not "
                    "overlap the router's ranges (tile0 = [0x0, 0x1fffff] overlaps top.noc.address_map[0] = [0x0, 0xfff])");
}

TEST_CASE("CIM platform config: the core's keys are checked with their names") {
  auto fails = [](const char* key, nlohmann::json value) {
    Config::instance().clear();
    Config::instance().set(std::string("c.") + key, value);
    try {
      CimTiles t("c");
    } catch (const tlm_common::ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK(fails("adc_bits", 17) == "config key 'c.adc_bits': value 17 is not allowed; allowed: integer in [0, 16]");
  CHECK(fails("adc_share", 7) == "config key 'c.adc_share': adc_share 7 must divide array_cols 64");
  CHECK(fails("variant", "C") == "config key 'c.variant': value \"C\" is not allowed; allowed: one of \"A\", \"B\"");
  CHECK(fails("count", 5000) == "config key 'c.count': value 5000 is not allowed; allowed: integer in [0, 4096]");
  CHECK(fails("clock_ghz", 0.3).find("config key 'c.clock_ghz': clock_ghz 0.3") == 0);
  CHECK(fails("buffer_bytes", 1048576) ==
        "config key 'c.buffer_bytes': value 1048576 is not allowed; allowed: an integer in [256, 524288] (the array "
        "region of a tile of this configuration)");
  CHECK(fails("base", 18446744073709551615ull).find("config key 'c.base': value 18446744073709551615 is not allowed") == 0);
}

TEST_CASE("CIM platform config: an unknown key under the tiles is reported with the closest one") {
  Config::instance().clear();
  auto doc = platform_doc();
  doc["top"]["cim"]["adc_bit"] = 7;
  Config::instance().load(doc);
  Platform p("top");
  CHECK_THROWS_WITH(Config::instance().check_consumed(), Catch::Contains("'top.cim.adc_bit' = 7 (did you mean 'top.cim.adc_bits'?)"));
}
