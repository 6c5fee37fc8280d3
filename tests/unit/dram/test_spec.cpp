// Presets against the hardware table (docs/dram.md), JSON overrides and errors,
// and the address mapping.
#include <catch2/catch.hpp>

#include "dram_test_util.h"

using namespace dramtest;

TEST_CASE("presets: names and table values", "[dram][spec]") {
  const std::vector<std::string> names = preset_names();
  CHECK(std::vector<std::string>(names.begin(), names.begin() + 4) ==
        std::vector<std::string>{"hbm2-pimba", "hbm2-pim-samsung", "hbm3-6400", "hbm3-5200"});
  CHECK(names.size() == 14);  // + the ten AttAcc HBM3-PIM grades
  const DramSpec& p = preset("hbm2-pimba");
  CHECK(p.t.tCK_ps == 1000);
  CHECK((p.t.nCL == 14 && p.t.nCWL == 4 && p.t.nRCDRD == 14 && p.t.nRCDWR == 14 && p.t.nRP == 14));
  CHECK((p.t.nRAS == 34 && p.t.nRC == 48 && p.t.nWR == 16 && p.t.nRTPS == 4 && p.t.nRTPL == 6));
  CHECK((p.t.nCCDS == 2 && p.t.nCCDL == 4 && p.t.nRRDS == 4 && p.t.nRRDL == 6 && p.t.nWTRS == 6 && p.t.nWTRL == 8));
  CHECK((p.t.nFAW == 30 && p.t.nRFC == 350 && p.t.nREFI == 3900));
  // Per-bank refresh interval: tREFI / 16 banks = 243.75 -> 243 (never tRFC).
  CHECK(p.t.nREFIpb == 243);
  CHECK((p.org.pseudo_channels == 2 && p.org.bank_groups == 4 && p.org.banks_per_group == 4));
  CHECK((p.org.rows == 32768 && p.org.page_bytes == 1024 && p.org.atom_bytes == 32 && p.org.columns == 32));
  const DramSpec& s = preset("hbm2-pim-samsung");
  CHECK((s.t.nCL == 20 && s.t.nCWL == 8 && s.t.nRCDWR == 10 && s.t.nFAW == 16 && s.t.nWTRS == 4 && s.t.nWTRL == 9));
  CHECK(s.org.rows == 16384);
  const DramSpec& h = preset("hbm3-6400");
  // tRFC all-bank 350 ns / 0.625 ns = 560; per-bank 320 cycles (200 ns) as given.
  CHECK((h.t.tCK_ps == 625 && h.t.nRCDRD == 31 && h.t.nRCDWR == 15 && h.t.nRFC == 560 && h.t.nRFCpb == 320));
  CHECK((h.t.nRTPS == 9 && h.t.nRTPL == 9 && h.t.nREFI == 6240 && h.t.nREFIpb == 390));
  // An 8 Gb HBM3 channel: 2 pch x 16 banks x 32768 rows x 1 KB = 2^33 bit.
  CHECK(std::uint64_t(h.org.pseudo_channels) * 16 * h.org.rows * h.org.page_bytes * 8 == (std::uint64_t{1} << 33));
  const DramSpec& a = preset("hbm3-5200");
  // 350 ns / 0.769 ns = 455.1 -> 456 (never shorter than the time).
  CHECK((a.t.tCK_ps == 769 && a.t.nRFC == 456 && a.t.nRFCpb == 260 && a.t.nREFI == 5070 && a.t.nREFIpb == 158));
  CHECK((a.org.bank_groups == 8 && a.org.rows == 16384 && a.org.channels == 16));
  // Peak per pseudo-channel: 32 B every 2 cycles of 1 ns = 16 GB/s.
  CHECK(peak_bytes_per_ns_per_pch(p) == Approx(16.0).epsilon(1e-12));
}

TEST_CASE("presets: unknown name lists the allowed ones", "[dram][spec]") {
  try {
    preset("hbm4");
    FAIL("no exception");
  } catch (const std::invalid_argument& e) {
    const std::string m = e.what();
    CHECK(m.find("hbm4") != std::string::npos);
    CHECK(m.find("hbm2-pimba") != std::string::npos);
    CHECK(m.find("hbm3-5200") != std::string::npos);
  }
}

TEST_CASE("spec_from_json: overrides, round trip and errors", "[dram][spec]") {
  const DramSpec& base = preset("hbm2-pimba");
  const DramSpec s = spec_from_json({{"name", "x"}, {"org", {{"rows", 16384}}}, {"timing", {{"nCL", 20}, {"tCK_ps", 800}}}}, base);
  CHECK((s.name == "x" && s.org.rows == 16384 && s.t.nCL == 20 && s.t.tCK_ps == 800 && s.t.nRP == 14));
  const DramSpec back = spec_from_json(to_json(s), base);
  CHECK(to_json(back) == to_json(s));
  auto msg = [&](const nlohmann::json& j) {
    try {
      spec_from_json(j, base);
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK(msg({{"timing", {{"nCLX", 3}}}}).find("timing.nCLX") != std::string::npos);
  CHECK(msg({{"timing", {{"nCL", 0}}}}).find("[1, 1024]") != std::string::npos);
  CHECK(msg({{"timing", {{"nCL", "14"}}}}).find("nCL") != std::string::npos);
  CHECK(msg({{"timing", {{"nCL", 14.5}}}}).find("14.5") != std::string::npos);
  CHECK(msg({{"org", {{"rows", 1000}}}}).find("power of two") != std::string::npos);
  CHECK(msg({{"org", {{"columns", 16}}}}).find("page_bytes") != std::string::npos);
  CHECK(msg({{"timing", {{"nREFI", 100}}}}).find("nREFI") != std::string::npos);
  CHECK(msg({{"bogus", 1}}).find("bogus") != std::string::npos);
  CHECK(msg({{"timing", {{"nCCDL", 1}}}}).find("nCCDL") != std::string::npos);
}

TEST_CASE("address mapping: order, round trip and errors", "[dram][spec]") {
  const Organization& o = preset("hbm2-pimba").org;
  // ro_ba_bg_pc_ch_co, MSB first: 5 offset bits, column 5 bits (bits 5..9),
  // channel 3 bits (10..12), pch 1 bit (13), bg 2 bits (14..15), bank 2 (16..17), row 15.
  const AddressMap m(o, "ro_ba_bg_pc_ch_co");
  const std::uint64_t a = (std::uint64_t{12345} << 18) | (2u << 16) | (3u << 14) | (1u << 13) | (5u << 10) | (17u << 5) | 7u;
  const Address d = m.decode(a);
  CHECK((idx(d.row) == 12345 && idx(d.bank) == 2 && idx(d.bg) == 3 && idx(d.pch) == 1 && idx(d.ch) == 5 && idx(d.col) == 17));
  CHECK(m.encode(d) == (a & ~std::uint64_t{31}));
  CHECK(m.capacity_bytes() == (std::uint64_t{1} << 33));  // 8 GiB: 8 channels x 1 GiB
  const AddressMap l(o, nlohmann::json::array({"ch", "pc", "ro", "ba", "bg", "co"}));
  CHECK(l.order_string() == "ch_pc_ro_ba_bg_co");
  CHECK(idx(l.decode(std::uint64_t{1} << 10).bg) == 1);
  CHECK_THROWS_AS(m.decode(std::uint64_t{1} << 33), std::invalid_argument);
  CHECK_THROWS_AS(AddressMap(o, "ro_ba_bg_pc_ch"), std::invalid_argument);
  CHECK_THROWS_AS(AddressMap(o, "ro_ba_bg_pc_ch_co_co"), std::invalid_argument);
  CHECK_THROWS_AS(AddressMap(o, "ro_xx_bg_pc_ch_co"), std::invalid_argument);
  CHECK_THROWS_AS(AddressMap(o, nlohmann::json(42)), std::invalid_argument);
}
