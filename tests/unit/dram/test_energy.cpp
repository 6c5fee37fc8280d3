// IDD energy model of plain DRAM traffic: per-event energies derived by hand
// from the preset currents (and checked against the per-event values of the
// reference IDD model, neupims_pim.md section 7), the pure function of
// counts, and the standby cycles the controller counts.
#include <catch2/catch.hpp>

#include "dram/energy.h"
#include "dram_test_util.h"

using namespace dramtest;

namespace {
DramSpec one_channel(const std::string& name) {
  DramSpec s = preset(name);
  s.org.channels = 1;
  return s;
}
}  // namespace

TEST_CASE("energy per event from the IDD values, by hand", "[dram][energy]") {
  // hbm2-pimba: VDD 1.2 V; IDD0 65, IDD2N 40, IDD3N 55, IDD4R 390, IDD4W 500,
  // IDD5AB 250 mA; tCK 1 ns; nRAS 34, nRP 14, nBL 2, nRFC 350; 16 banks/pch.
  const DramSpec s = preset("hbm2-pimba");
  const EnergyPerEvent e = energy_per_event(s);
  CHECK(e.act == 408.0);               // 1.2 x (65 - 55) x 34
  CHECK(e.pre == 420.0);               // 1.2 x (65 - 40) x 14
  CHECK(e.act + e.pre == 828.0);       // reference ACT: 1.2 x (65 x 48 - 55 x 34 - 40 x 14)
  CHECK(e.rd == 804.0);                // 1.2 x (390 - 55) x 2 (reference READ 804)
  CHECK(e.wr == 1068.0);               // 1.2 x (500 - 55) x 2 (reference WRITE 1068)
  CHECK(e.ref == 81900.0);             // 1.2 x (250 - 55) x 350
  CHECK(e.refpb == 81900.0 / 16);      // one bank's share: 5118.75
  CHECK(e.active_cycle == 66.0);       // 1.2 x 55 (reference background, a row open)
  CHECK(e.precharged_cycle == 48.0);   // 1.2 x 40 (reference background, all closed)
  // The reference's refresh with its tRFC of 260: 1.2 x 195 x 260 = 60840.
  const DramSpec r = spec_from_json({{"timing", {{"nRFC", 260}}}}, s);
  CHECK(energy_per_event(r).ref == 60840.0);
  // hbm3-6400: VDD 1.1 V (chosen), tCK 0.625 ns, nRAS 45, nBL 2:
  // ACT 1.1 x 10 x 45 x 0.625 = 309.375, RD 1.1 x 335 x 2 x 0.625 = 460.625.
  const EnergyPerEvent h = energy_per_event(preset("hbm3-6400"));
  CHECK(h.act == 309.375);
  CHECK(h.rd == 460.625);
}

TEST_CASE("energy is a pure function of the counts", "[dram][energy]") {
  EnergyCounts c;
  c.act = 10;
  c.banks_closed = 9;
  c.rd = 100;
  c.wr = 50;
  c.ref = 2;
  c.refpb = 16;
  c.active_cycles = 1000;
  c.precharged_cycles = 3000;
  const EnergyBreakdown b = dram_energy(preset("hbm2-pimba"), c);
  CHECK(b.act_pj == 4080.0);    // 10 x 408
  CHECK(b.pre_pj == 3780.0);    // 9 x 420
  CHECK(b.rd_pj == 80400.0);    // 100 x 804
  CHECK(b.wr_pj == 53400.0);    // 50 x 1068
  CHECK(b.ref_pj == 245700.0);  // 2 x 81900 + 16 x 5118.75
  CHECK(b.active_background_pj == 66000.0);
  CHECK(b.precharged_background_pj == 144000.0);
  CHECK(b.total_pj() == 597360.0);
  CHECK(b.to_json()["background_precharged"] == 144000.0);
  EnergyCounts twice = c;
  twice += c;
  CHECK(dram_energy(preset("hbm2-pimba"), twice).total_pj() == 2 * 597360.0);
}

TEST_CASE("energy of one read through the memory system, by hand", "[dram][energy]") {
  // One channel, refresh off, one read at cycle 100 to a closed bank: ACT 100,
  // RD 114, data ends 130. Window = first arrival .. end of the last burst =
  // 30 cycles; pch0 has a row open all of it (active), pch1 none (precharged).
  // 408 (ACT) + 804 (RD) + 30 x 66 + 30 x 48 = 4632 pJ; the row stays open,
  // so no precharge energy.
  const DramSpec s = one_channel("hbm2-pimba");
  const AddressMap map(s.org, "ro_ba_bg_pc_ch_co");
  ControllerConfig cfg;
  cfg.refresh = RefreshMode::Off;
  const auto r = run_requests(s, cfg, map, {{100, false, 0x0}});
  CHECK(r["total_cycles"] == 30);
  CHECK(r["standby_cycles"]["active"] == 30);
  CHECK(r["standby_cycles"]["precharged"] == 30);
  CHECK(r["energy_breakdown_pj"]["act"] == 408.0);
  CHECK(r["energy_breakdown_pj"]["pre"] == 0.0);
  CHECK(r["energy_breakdown_pj"]["rd"] == 804.0);
  CHECK(r["energy_pj"] == 4632.0);
}

TEST_CASE("standby cycles: refresh counts as active, PREA closes every open bank", "[dram][energy]") {
  const DramSpec s = one_channel("hbm2-pimba");
  SECTION("idle channel with all-bank refresh") {
    // REF of pch0 at tREFI = 3900, of pch1 at 3901 (one row-bus command per
    // cycle); each pseudo-channel is active for tRFC = 350 cycles. Up to cycle
    // 5000: active 700, precharged 2 x 5000 - 700 = 9300 pseudo-channel cycles;
    // 2 x 81900 + 700 x 66 + 9300 x 48 = 656400 pJ.
    ChannelController c(s, ControllerConfig{});
    Cycle now = 0;
    while (c.refreshes() < 2) now = c.step(now);
    const EnergyCounts e = c.energy_counts(5000);
    CHECK(e.ref == 2);
    CHECK(e.active_cycles == 700);
    CHECK(e.precharged_cycles == 9300);
    CHECK(dram_energy(s, e).total_pj() == 656400.0);
  }
  SECTION("a refresh PREA of four open banks closes four") {
    ChannelController c(s, ControllerConfig{});
    std::uint64_t preas = 0;
    c.set_command_hook([&](const Command& k, Cycle) { preas += c.engine().command_set().cls(k.cls).name == "PREA"; });
    // Four reads to four bank groups at 3800 leave four rows open (open
    // page); the refresh due at 3900 closes them with one PREA.
    Cycle now = 3800;
    for (int g = 0; g < 4; ++g) {
      Address a;
      a.bg = BankGroupId{g};
      a.row = RowId{3};
      c.enqueue({std::uint64_t(g), false, a, now});
    }
    while (c.pending() || c.refreshes() < 2) now = c.step(now);
    const EnergyCounts e = c.energy_counts(now);
    CHECK(preas == 1);
    CHECK(e.act == 4);
    CHECK(e.banks_closed == 4);
  }
}

TEST_CASE("power overrides and their errors", "[dram][energy]") {
  const DramSpec s = spec_from_json({{"power", {{"VDD_mV", 1100}, {"IDD4R", 400}}}}, preset("hbm2-pimba"));
  CHECK(s.p.VDD_mV == 1100);
  CHECK(s.p.IDD4R == 400);
  CHECK(to_json(s)["power"]["IDD4R"] == 400);
  CHECK(preset("hbm2-pim-samsung").p.IDD0 == 65);
  auto msg = [](const nlohmann::json& j) {
    try {
      spec_from_json(j, preset("hbm2-pimba"));
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK(msg({{"power", {{"IDD9", 1}}}}).find("unknown key 'power.IDD9'") != std::string::npos);
  CHECK(msg({{"power", {{"IDD3N", 30}}}}).find("power.IDD3N") != std::string::npos);
  CHECK(msg({{"power", {{"VDD_mV", 0}}}}).find("power.VDD_mV") != std::string::npos);
}
