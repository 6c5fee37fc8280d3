// Copies of the rule checker and of a channel controller: a copy owns
// everything it reads (its rule table, its engine) and outlives its source,
// which is how the memory system builds every channel from channel 0's.
// Under the asan preset a copy that still pointed into its destroyed source
// is a heap-use-after-free report.
#include <catch2/catch.hpp>

#include <memory>
#include <random>

#include "dram_test_util.h"

using namespace dramtest;

namespace {

Address at(int ch, int pch, int bg, int bank, int row, int col) {
  Address a;
  a.ch = ChannelId{ch};
  a.pch = PchId{pch};
  a.bg = BankGroupId{bg};
  a.bank = BankId{bank};
  a.row = RowId{row};
  a.col = ColumnId{col};
  return a;
}

// A sequence that breaks tRCD_RD, tRRD_L, tFAW and the bank state.
std::vector<Step> broken_sequence(const Timing& t) {
  return {{"ACT", 0, 0, 0, 1, 0},  {"RD", 0, 0, 0, 1, 1},  {"ACT", 0, 0, 1, 2, 2},  {"ACT", 0, 1, 0, 3, 10},
          {"ACT", 0, 2, 0, 4, 20}, {"ACT", 0, 3, 0, 5, 25}, {"ACT", 0, 0, 0, 6, 26}, {"RD", 0, 0, 0, 1, t.nRCDRD + 40}};
}

std::vector<std::string> rules_of(RuleChecker& chk, const std::vector<Step>& seq) {
  std::vector<std::string> out;
  for (const Step& s : seq)
    for (const Violation& v : chk.check(to_checked(s))) out.push_back(v.rule + ": " + v.message);
  return out;
}

}  // namespace

TEST_CASE("a copied rule checker works after its source is destroyed", "[dram][checker]") {
  const DramSpec s = preset("hbm2-pimba");
  const std::vector<Step> seq = broken_sequence(s.t);
  RuleChecker fresh(s);
  const std::vector<std::string> expected = rules_of(fresh, seq);
  REQUIRE(expected.size() >= 4);

  auto source = std::make_unique<RuleChecker>(s);
  RuleChecker copy(*source);
  source.reset();  // the copy must not read the source's tables
  CHECK(rules_of(copy, seq) == expected);

  // Copy assignment, source destroyed likewise.
  auto source2 = std::make_unique<RuleChecker>(s, true);
  RuleChecker assigned(s);
  assigned = *source2;
  source2.reset();
  RuleChecker fresh_dual(s, true);
  CHECK(rules_of(assigned, seq) == rules_of(fresh_dual, seq));
}

TEST_CASE("a controller copied for another channel runs like one built for it", "[dram][controller]") {
  const DramSpec s = preset("hbm2-pimba");
  for (const RefreshMode mode : {RefreshMode::AllBank, RefreshMode::PerBank, RefreshMode::Off}) {
    ControllerConfig cfg;
    cfg.refresh = mode;
    auto proto = std::make_unique<ChannelController>(s, cfg, ChannelId{0});
    ChannelController copy(*proto, ChannelId{3});
    proto.reset();
    ChannelController built(s, cfg, ChannelId{3});
    RuleChecker chk_copy(s, cfg.dual_command_bus), chk_built(s, cfg.dual_command_bus);
    copy.attach_checker(&chk_copy);
    built.attach_checker(&chk_built);
    std::vector<std::pair<Command, Cycle>> cmds_copy, cmds_built;
    copy.set_command_hook([&](const Command& c, Cycle t) { cmds_copy.push_back({c, t}); });
    built.set_command_hook([&](const Command& c, Cycle t) { cmds_built.push_back({c, t}); });
    std::mt19937_64 rng(7);
    Cycle now = 0;
    for (int i = 0; i < 400; ++i) {
      const Request r{std::uint64_t(i), rng() % 3 == 0,
                      at(3, int(rng() % 2), int(rng() % 4), int(rng() % 4), int(rng() % 8), int(rng() % 32)), now};
      copy.enqueue(r);
      built.enqueue(r);
      const Cycle until = now + static_cast<Cycle>(rng() % 40);
      while (now < until) {
        const Cycle a = copy.step(now), b = built.step(now);
        REQUIRE(a == b);
        now = std::min(a, until);
      }
    }
    while (copy.pending()) {
      const Cycle a = copy.step(now), b = built.step(now);
      REQUIRE(a == b);
      now = a;
    }
    REQUIRE(cmds_copy.size() == cmds_built.size());
    for (std::size_t i = 0; i < cmds_copy.size(); ++i) {
      CHECK(cmds_copy[i].second == cmds_built[i].second);
      CHECK(cmds_copy[i].first.cls == cmds_built[i].first.cls);
      CHECK(cmds_copy[i].first.addr.ch == ChannelId{3});
    }
    CHECK(copy.commands() > 400);
    CHECK(copy.checker_violations() == 0);
    CHECK(chk_copy.commands_checked() == copy.commands());
    CHECK(copy.refreshes() == built.refreshes());
    // A request for the prototype's channel belongs to another channel now.
    CHECK_THROWS_AS(copy.enqueue({9999, false, at(0, 0, 0, 0, 0, 0), now}), std::logic_error);
  }
}

TEST_CASE("a controller that has run cannot be copied for another channel", "[dram][controller]") {
  const DramSpec s = preset("hbm2-pimba");
  ControllerConfig cfg;
  ChannelController c(s, cfg, ChannelId{0});
  c.enqueue({0, false, at(0, 0, 0, 0, 1, 0), 0});
  CHECK_THROWS_AS(ChannelController(c, ChannelId{1}), std::logic_error);
  Cycle now = 0;
  while (c.pending()) now = c.step(now);
  CHECK_THROWS_AS(ChannelController(c, ChannelId{1}), std::logic_error);
}

TEST_CASE("the memory system's channels, copies of channel 0's, each serve their own channel", "[dram][memory_system]") {
  const DramSpec s = preset("hbm2-pimba");
  const AddressMap map(s.org, "ro_ba_bg_pc_ch_co");
  std::mt19937_64 rng(11);
  std::vector<MemRequest> reqs;
  Cycle t = 0;
  for (int i = 0; i < 4000; ++i) {
    t += static_cast<Cycle>(rng() % 3);
    reqs.push_back({t, rng() % 4 == 0, (rng() % map.capacity_bytes()) & ~std::uint64_t{31}});
  }
  MemorySystem mem(s, ControllerConfig{}, map, true);
  std::vector<std::uint64_t> seen(s.org.channels, 0), foreign(s.org.channels, 0);
  for (int c = 0; c < s.org.channels; ++c)
    mem.channel(c).set_command_hook([&, c](const Command& cmd, Cycle) {
      ++seen[c];
      foreign[c] += cmd.addr.ch != ChannelId{c};
    });
  std::size_t i = 0;
  const nlohmann::json r = mem.run([&](MemRequest& m) {
    if (i == reqs.size()) return false;
    m = reqs[i++];
    return true;
  });
  CHECK(r["checker_violations"] == 0);
  CHECK(r["reads"].get<int>() + r["writes"].get<int>() == 4000);
  std::uint64_t total = 0;
  for (int c = 0; c < s.org.channels; ++c) {
    INFO("channel " << c);
    CHECK(seen[c] > 0);
    CHECK(foreign[c] == 0);
    CHECK(seen[c] == mem.channel(c).commands());
    total += seen[c];
  }
  CHECK(r["commands"] == total);
}
