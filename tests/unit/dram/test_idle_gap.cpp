// Idle gaps between requests: ChannelController::run_idle skips whole refresh
// periods once one period has repeated the previous one, and the result must
// be exactly that of issuing every refresh (fast_idle_refresh false); arrivals
// whose standby sums would overflow are refused.
#include <catch2/catch.hpp>

#include <chrono>
#include <random>
#include <sstream>

#include "dram/replay.h"
#include "dram_test_util.h"

using namespace dramtest;

namespace {

nlohmann::json run(const DramSpec& s, ControllerConfig cfg, bool fast, const std::vector<MemRequest>& reqs) {
  cfg.fast_idle_refresh = fast;
  const AddressMap map(s.org, "ro_ba_bg_pc_ch_co");
  return run_requests(s, cfg, map, reqs);
}

// Bursts of random traffic separated by idle gaps of `gap` cycles (plus a few).
std::vector<MemRequest> bursts_with_gaps(const DramSpec& s, Cycle gap, std::uint64_t seed) {
  const AddressMap map(s.org, "ro_ba_bg_pc_ch_co");
  std::mt19937_64 rng(seed);
  std::vector<MemRequest> r;
  Cycle t = 0;
  for (int burst = 0; burst < 4; ++burst) {
    for (int i = 0; i < 60; ++i) {
      t += static_cast<Cycle>(rng() % 4);
      r.push_back({t, rng() % 3 == 0, (rng() % map.capacity_bytes()) & ~std::uint64_t{31}});
    }
    t += gap + static_cast<Cycle>(rng() % 1000);
  }
  return r;
}

}  // namespace

TEST_CASE("idle gaps: skipping refresh periods gives the counts and energy of issuing every refresh",
          "[dram][idle_gap]") {
  for (const std::string& name : preset_names()) {
    for (int variant = 0; variant < 8; ++variant) {
      const DramSpec s = preset(name);
      ControllerConfig cfg;
      cfg.refresh = variant & 1 ? RefreshMode::PerBank : RefreshMode::AllBank;
      cfg.page_policy = variant & 2 ? PagePolicy::Closed : PagePolicy::Open;
      cfg.dual_command_bus = !(variant & 4);
      // Gaps of ~60 all-bank refresh periods: long enough to skip, short
      // enough to issue every refresh in the reference run.
      const std::vector<MemRequest> reqs = bursts_with_gaps(s, 60 * s.t.nREFI, 100 + variant);
      nlohmann::json fast = run(s, cfg, true, reqs);
      nlohmann::json slow = run(s, cfg, false, reqs);
      INFO(name << " variant " << variant);
      CHECK(fast["idle_refresh_periods_skipped"].get<std::uint64_t>() > 0);
      CHECK(slow["idle_refresh_periods_skipped"] == 0);
      CHECK(fast["refreshes"] == slow["refreshes"]);
      CHECK(fast["refreshes"].get<std::uint64_t>() > 0);
      CHECK(fast["energy_pj"] == slow["energy_pj"]);
      CHECK(fast["checker_violations"] == 0);
      // Everything else the same too: commands per class, latencies, cycles,
      // energy breakdown and standby cycles.
      fast.erase("idle_refresh_periods_skipped");
      slow.erase("idle_refresh_periods_skipped");
      CHECK(fast.dump() == slow.dump());
    }
  }
}

TEST_CASE("idle gaps: a gap of 10^15 cycles replays in seconds, not days", "[dram][idle_gap]") {
  const DramSpec s = preset("hbm2-pimba");
  const Cycle gap = 1000000000000000;  // 10^15
  const AddressMap map(s.org, "ro_ba_bg_pc_ch_co");
  const std::vector<MemRequest> reqs = {{0, false, 0}, {gap, false, 64}, {gap + 5, true, 4096}};
  for (const RefreshMode mode : {RefreshMode::AllBank, RefreshMode::PerBank}) {
    ControllerConfig cfg;
    cfg.refresh = mode;
    const auto t0 = std::chrono::steady_clock::now();
    const nlohmann::json r = run(s, cfg, true, reqs);
    const double sec = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    CHECK(sec < 10.0);  // stepping every refresh would take days (docs/dram.md); wall time on a shared machine
    CHECK(r["checker_violations"] == 0);
    CHECK(r["reads"] == 2);
    const Cycle every = mode == RefreshMode::AllBank ? s.t.nREFI : s.t.nREFIpb;
    const std::int64_t pchs = std::int64_t{s.org.channels} * s.org.pseudo_channels;
    // One refresh per interval and pseudo-channel over the span (the first
    // falls due one interval after the first arrival).
    const std::int64_t span = r["total_cycles"].get<std::int64_t>();
    const std::int64_t refs = r["refreshes"].get<std::int64_t>();
    INFO("refreshes " << refs << " span " << span);
    CHECK(refs >= pchs * (span / every - 1));
    CHECK(refs <= pchs * (span / every));
    CHECK(r["idle_refresh_periods_skipped"].get<std::uint64_t>() > 0);
    // Standby cycles add up to the span on every pseudo-channel.
    CHECK(r["standby_cycles"]["active"].get<std::int64_t>() + r["standby_cycles"]["precharged"].get<std::int64_t>() ==
          pchs * span);
  }
}

TEST_CASE("idle gaps: run_idle equals stepping, and does not skip while a command hook is set", "[dram][idle_gap]") {
  DramSpec s = preset("hbm3-5200");  // per-bank: nRFCpb (260) longer than nREFIpb (158)
  s.org.channels = 1;
  for (const RefreshMode mode : {RefreshMode::AllBank, RefreshMode::PerBank}) {
    ControllerConfig cfg;
    cfg.refresh = mode;
    ChannelController fast(s, cfg), stepped(s, cfg), hooked(s, cfg);
    std::uint64_t hook_cmds = 0;
    hooked.set_command_hook([&](const Command&, Cycle) { ++hook_cmds; });
    Address a;
    a.row = RowId{7};
    Cycle nf = 0, ns = 0, nh = 0;
    for (ChannelController* c : {&fast, &stepped, &hooked}) c->enqueue({1, false, a, 0});
    while (fast.pending()) nf = fast.step(nf);
    while (stepped.pending()) ns = stepped.step(ns);
    while (hooked.pending()) nh = hooked.step(nh);
    for (ChannelController* c : {&fast, &stepped, &hooked}) CHECK(c->take_completions().size() == 1);
    const Cycle until = 200 * s.t.nREFI + 17;
    nf = fast.run_idle(nf, until);
    while (ns < until) ns = stepped.step(ns);
    nh = hooked.run_idle(nh, until);
    CHECK(nf == ns);
    CHECK(nh == ns);
    CHECK(fast.idle_refresh_periods_skipped() > 0);
    CHECK(hooked.idle_refresh_periods_skipped() == 0);
    CHECK(hook_cmds == stepped.commands());
    CHECK(fast.commands() == stepped.commands());
    CHECK(fast.refreshes() == stepped.refreshes());
    CHECK(fast.commands_by_class() == stepped.commands_by_class());
    const EnergyCounts ef = fast.energy_counts(until), es = stepped.energy_counts(until);
    CHECK(ef.active_cycles == es.active_cycles);
    CHECK(ef.precharged_cycles == es.precharged_cycles);
    CHECK(ef.banks_closed == es.banks_closed);
    // After the gap both serve the next request on the same cycles.
    for (ChannelController* c : {&fast, &stepped}) c->enqueue({2, true, a, until});
    std::vector<Completion> df, ds;
    while (fast.pending()) {
      nf = fast.step(std::max(nf, until));
      for (const Completion& d : fast.take_completions()) df.push_back(d);
    }
    while (stepped.pending()) {
      ns = stepped.step(std::max(ns, until));
      for (const Completion& d : stepped.take_completions()) ds.push_back(d);
    }
    REQUIRE(df.size() == 1);
    REQUIRE(ds.size() == 1);
    CHECK(df[0].done == ds[0].done);
    CHECK(df[0].outcome == ds[0].outcome);
  }
}

TEST_CASE("idle gaps: fast_idle_refresh is a controller key", "[dram][idle_gap]") {
  CHECK(ControllerConfig{}.fast_idle_refresh);
  CHECK_FALSE(controller_config_from_json({{"fast_idle_refresh", false}}).fast_idle_refresh);
  CHECK(to_json(ControllerConfig{})["fast_idle_refresh"] == true);
  CHECK_THROWS_WITH(controller_config_from_json({{"fast_idle_refresh", 1}}),
                    Catch::Contains("fast_idle_refresh") && Catch::Contains("true or false"));
}

TEST_CASE("idle gaps: arrivals whose standby sums would overflow are refused", "[dram][idle_gap]") {
  const DramSpec s = preset("hbm2-pimba");
  // 8 channels x 2 pseudo-channels: a span of 10^18 cycles would sum to
  // 1.6 x 10^19 standby cycles, beyond int64.
  std::istringstream in("0 R 0\n999999999999999999 R 40\n");
  CHECK_THROWS_WITH(replay_mem_trace(in, "t.trace"),
                    Catch::StartsWith("t.trace:2: request arrival cycle 999999999999999999") &&
                        Catch::Contains("allowed: at most"));
  // A late start is fine: the span counts from the first arrival.
  std::istringstream late("999999999999000000 R 0\n999999999999000100 R 40\n");
  const nlohmann::json r = replay_mem_trace(late, "late.trace");
  CHECK(r["stats"]["reads"] == 2);
  CHECK(r["stats"]["checker_violations"] == 0);
}

TEST_CASE("idle gaps: the per-bank refresh period of the largest organisation does not overflow", "[dram][idle_gap]") {
  // nREFIpb (up to 2^24) x banks per pseudo-channel (up to 64 x 64) exceeds
  // int: the period is computed in cycles (int64); under the asan preset an
  // int product is a UBSan report.
  DramSpec s = preset("hbm2-pimba");
  s.org.channels = 1;
  s.org.bank_groups = 64;
  s.org.banks_per_group = 64;
  s.t.nREFIpb = 1 << 24;
  ControllerConfig cfg;
  cfg.refresh = RefreshMode::PerBank;
  ChannelController c(s, cfg);
  CHECK(c.run_idle(0, 1000) >= 1000);
  CHECK(c.idle_refresh_periods_skipped() == 0);
}
