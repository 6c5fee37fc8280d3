// Sharing the banks with another agent (a PIM kernel): ChannelController::
// close_all and account_external, with the independent checker on every
// command. Every cycle below is derived by hand from the hbm2-pimba timing
// (docs/dram.md, "Presets"): nBL 2, nCL 14, nCWL 4, nRCDRD 14, nRCDWR 14,
// nRP 14, nRAS 34, nRC 48, nWR 16, nRTPL 6, nRRDS 4, nFAW 30, nRFC 350,
// nREFI 3900.
#include <catch2/catch.hpp>

#include <string>
#include <utility>
#include <vector>

#include "dram_test_util.h"

using namespace dramtest;

namespace {

DramSpec pimba() {
  DramSpec s = preset("hbm2-pimba");
  s.org.channels = 1;
  return s;
}

Address at(int pch, int bg, int bank, int row, int col = 0) {
  Address a;
  a.pch = PchId{pch};
  a.bg = BankGroupId{bg};
  a.bank = BankId{bank};
  a.row = RowId{row};
  a.col = ColumnId{col};
  return a;
}

ExternalCommand pre_all(int pch, Cycle t) {
  ExternalCommand c;
  c.kind = ExternalCommand::Kind::PrechargeAll;
  c.addr.pch = PchId{pch};
  c.t = t;
  return c;
}
ExternalCommand act(int pch, int bg, int bank, Cycle t) {
  ExternalCommand c;
  c.kind = ExternalCommand::Kind::Activate;
  c.addr = at(pch, bg, bank, 5);
  c.t = t;
  return c;
}

struct Issued {
  std::string cmd;
  int pch, bg, bank;
  Cycle t;
  bool operator==(const Issued& o) const {
    return cmd == o.cmd && pch == o.pch && bg == o.bg && bank == o.bank && t == o.t;
  }
};

std::ostream& operator<<(std::ostream& os, const Issued& i) {
  return os << i.cmd << "(pch" << i.pch << " bg" << i.bg << " bank" << i.bank << ")@" << i.t;
}

// A controller with the checker attached and a log of its commands.
struct Rig {
  DramSpec spec = pimba();
  RuleChecker checker;
  ChannelController ctl;
  std::vector<Issued> log;
  std::uint64_t next_id = 0;

  explicit Rig(RefreshMode refresh, DramSpec s = pimba()) : spec(s), checker(spec), ctl(spec, config(refresh)) {
    ctl.attach_checker(&checker);
    ctl.set_command_hook([this](const Command& c, Cycle t) {
      const std::string& n = ctl.engine().command_set().cls(c.cls).name;
      const bool wide = n == "PREA" || n == "REF";
      log.push_back({n, idx(c.addr.pch), wide ? -1 : idx(c.addr.bg), wide ? -1 : idx(c.addr.bank), t});
    });
  }
  static ControllerConfig config(RefreshMode m) {
    ControllerConfig c;
    c.refresh = m;
    return c;
  }
  // Enqueues the requests at `arrival` and steps until all completed.
  std::vector<Completion> run(const std::vector<std::pair<bool, Address>>& reqs, Cycle arrival) {
    for (const auto& [write, a] : reqs) ctl.enqueue({next_id++, write, a, arrival});
    std::vector<Completion> done;
    Cycle t = arrival;
    while (ctl.pending() > 0) {
      const Cycle next = ctl.step(t);
      for (const Completion& d : ctl.take_completions()) done.push_back(d);
      if (ctl.pending() == 0) break;
      REQUIRE(next != kNever);
      t = next;
    }
    return done;
  }
  std::vector<Issued> since(std::size_t n) const { return {log.begin() + static_cast<std::ptrdiff_t>(n), log.end()}; }
};

}  // namespace

TEST_CASE("close_all after a read: PRE waits tRAS, ready tRP later", "[dram][sharing]") {
  Rig r(RefreshMode::Off);
  // Read at 100 to a closed bank: ACT 100, RD 100 + nRCDRD = 114, data ends
  // 114 + nCL + nBL = 130.
  const auto d = r.run({{false, at(0, 1, 2, 5)}}, 100);
  REQUIRE(d.size() == 1);
  CHECK(d[0].column_issue == 114);
  CHECK(d[0].done == 130);
  const std::size_t n = r.log.size();
  // close_all(131): the PRE may issue at max(ACT + nRAS = 134, RD + nRTPL = 120)
  // = 134; the bank takes an ACT nRP later: 148 (= ACT + nRC too, as nRC =
  // nRAS + nRP). The other banks: ACT + nRRDS = 104, long past.
  CHECK(r.ctl.close_all(131) == 148);
  CHECK(r.since(n) == std::vector<Issued>{{"PRE", 0, 1, 2, 134}});
  CHECK_FALSE(r.ctl.engine().is_open(PchId{0}, BankGroupId{1}, BankId{2}));
  // Nothing open any more: a second close issues nothing and returns its own
  // cycle once tRP has elapsed (200 > 148).
  CHECK(r.ctl.close_all(200) == 200);
  CHECK(r.log.size() == n + 1);
  CHECK(r.ctl.checker_violations() == 0);
  CHECK(r.checker.commands_checked() == 3);
}

TEST_CASE("close_all long after the read: PRE at the close cycle", "[dram][sharing]") {
  Rig r(RefreshMode::Off);
  r.run({{false, at(1, 3, 0, 77)}}, 0);  // ACT 0, RD 14
  const std::size_t n = r.log.size();
  // tRAS (34) and tRTP (RD 14 + 6 = 20) are long met at 500: PRE at 500,
  // ready 500 + nRP = 514.
  CHECK(r.ctl.close_all(500) == 514);
  CHECK(r.since(n) == std::vector<Issued>{{"PRE", 1, 3, 0, 500}});
  CHECK(r.ctl.checker_violations() == 0);
}

TEST_CASE("close_all after a write waits for write recovery", "[dram][sharing]") {
  Rig r(RefreshMode::Off);
  // Write at 100 to a closed bank (only writes queued, so they are served):
  // ACT 100, WR 100 + nRCDWR = 114, write data ends 114 + nCWL + nBL = 120.
  const auto d = r.run({{true, at(0, 0, 3, 9)}}, 100);
  REQUIRE(d.size() == 1);
  CHECK(d[0].column_issue == 114);
  CHECK(d[0].done == 120);
  const std::size_t n = r.log.size();
  // PRE at max(ACT + nRAS = 134, WR + nCWL + nBL + nWR = 114 + 4 + 2 + 16 =
  // 136) = 136: write recovery binds. Ready 136 + nRP = 150.
  CHECK(r.ctl.close_all(121) == 150);
  CHECK(r.since(n) == std::vector<Issued>{{"PRE", 0, 0, 3, 136}});
  CHECK(r.ctl.checker_violations() == 0);
}

TEST_CASE("close_all: PREA for a pseudo-channel with several open banks, PRE for one", "[dram][sharing]") {
  Rig r(RefreshMode::Off);
  // Three reads at 0 (one command bus): ACT p0.bg0.b0 @0; p0.bg1.b0 must wait
  // nRRDS (4), so ACT p1.bg0.b0 @1, ACT p0.bg1.b0 @4; RD p0.bg0 @14, RD p1 @15,
  // RD p0.bg1 @18 (4 + nRCDRD).
  r.run({{false, at(0, 0, 0, 1)}, {false, at(0, 1, 0, 1)}, {false, at(1, 0, 0, 1)}}, 0);
  REQUIRE(r.log.size() == 6);
  CHECK(r.log[2] == Issued{"ACT", 0, 1, 0, 4});
  CHECK(r.log[5] == Issued{"RD", 0, 1, 0, 18});
  // close_all(30): pch1 has one open bank: PRE at max(ACT 1 + nRAS, RD 15 +
  // nRTPL) = 35; pch0 has two: PREA at max(0 + 34, 4 + 34, 14 + 6, 18 + 6) = 38.
  // pch1's goes first. Ready: 38 + nRP = 52 (also ACT 4 + nRC = 52).
  CHECK(r.ctl.close_all(30) == 52);
  CHECK(r.since(6) == std::vector<Issued>{{"PRE", 1, 0, 0, 35}, {"PREA", 0, -1, -1, 38}});
  CHECK(r.ctl.engine().open_banks(PchId{0}) == 0);
  CHECK(r.ctl.engine().open_banks(PchId{1}) == 0);
  CHECK(r.ctl.checker_violations() == 0);
}

TEST_CASE("close_all issues a due refresh first", "[dram][sharing]") {
  Rig r(RefreshMode::AllBank);  // deadlines at nREFI = 3900 in both pseudo-channels
  // Read at 3850: ACT 3850, RD 3864 (before the deadline).
  r.run({{false, at(0, 2, 1, 40)}}, 3850);
  const std::size_t n = r.log.size();
  // close_all(3950): both refreshes are due. pch0 has an open bank: PREA at
  // 3950 (tRAS 3884 met); pch1 is closed: REF at the next bus cycle 3951;
  // pch0's REF after the PREA's tRP: 3964. No bank is left open. Ready: the
  // later REF + nRFC = 3964 + 350 = 4314.
  CHECK(r.ctl.close_all(3950) == 4314);
  CHECK(r.since(n) == std::vector<Issued>{{"PREA", 0, -1, -1, 3950}, {"REF", 1, -1, -1, 3951}, {"REF", 0, -1, -1, 3964}});
  CHECK(r.ctl.refreshes() == 2);
  CHECK(r.ctl.checker_violations() == 0);
}

TEST_CASE("account_external: the next ACT waits tRP after the agent's last precharge", "[dram][sharing]") {
  Rig r(RefreshMode::Off);
  r.run({{false, at(0, 1, 2, 5)}}, 100);
  REQUIRE(r.ctl.close_all(131) == 148);  // PRE 134 (first test case)
  // The agent holds the channel from 148 to 399; its last precharge in pch0
  // at 395, none in pch1.
  r.ctl.account_external({148, 400, {pre_all(0, 395)}, true});
  const std::size_t n = r.log.size();
  // A read to the row the controller had open, arriving at 400: the bank is
  // closed, so ACT (a row miss, not a hit) at max(400, 395 + nRP = 409) = 409,
  // RD 409 + 14 = 423, data ends 423 + 16 = 439.
  const auto d = r.run({{false, at(0, 1, 2, 5, 3)}}, 400);
  REQUIRE(d.size() == 1);
  CHECK(d[0].outcome == RowOutcome::Miss);
  CHECK(d[0].done == 439);
  CHECK(r.since(n) == std::vector<Issued>{{"ACT", 0, 1, 2, 409}, {"RD", 0, 1, 2, 423}});
  // pch1 saw no precharge from the agent: an ACT there only waits for the end
  // of the interval and the command bus. Arrival 430: ACT 430, RD 444, data
  // ends 460.
  const auto e = r.run({{false, at(1, 0, 0, 8)}}, 430);
  REQUIRE(e.size() == 1);
  CHECK(e[0].outcome == RowOutcome::Miss);
  CHECK(e[0].done == 460);
  CHECK(r.ctl.checker_violations() == 0);
}

TEST_CASE("account_external: nothing issues inside the interval", "[dram][sharing]") {
  Rig r(RefreshMode::Off);
  r.ctl.account_external({10, 1000, {}, true});
  // A read arriving at 500 (inside) is held until the end: ACT 1000, RD 1014,
  // data ends 1030.
  const auto d = r.run({{false, at(0, 0, 0, 1)}}, 500);
  REQUIRE(d.size() == 1);
  CHECK(r.log.front() == Issued{"ACT", 0, 0, 0, 1000});
  CHECK(d[0].done == 1030);
  CHECK(r.ctl.checker_violations() == 0);
}

TEST_CASE("account_external: refresh deadlines inside the interval belong to the agent", "[dram][sharing]") {
  // Deadlines every nREFI = 3900 from 0: 3900 and 7800 fall in [3000, 9000).
  SECTION("refreshed by the agent: dropped, the next deadline is 11700") {
    Rig r(RefreshMode::AllBank);
    r.ctl.account_external({3000, 9000, {pre_all(0, 8990), pre_all(1, 8990)}, true});
    CHECK(r.ctl.step(9000) == 11700);
    CHECK(r.log.empty());
    CHECK(r.ctl.step(11700) == 11701);  // REF pch0 (banks closed, tRP long met)
    CHECK(r.log == std::vector<Issued>{{"REF", 0, -1, -1, 11700}});
  }
  SECTION("not refreshed by the agent: both deadlines are owed and issue after it") {
    Rig r(RefreshMode::AllBank);
    r.ctl.account_external({3000, 9000, {pre_all(0, 8990), pre_all(1, 8995)}, false});
    // pch0: REF at max(9000, 8990 + nRP = 9004) = 9004, the second owed REF
    // nRFC later: 9354. pch1: 8995 + 14 = 9009 (bus free), then 9359.
    Cycle t = 9000;
    while (r.log.size() < 4) t = r.ctl.step(t);
    CHECK(r.log == std::vector<Issued>{{"REF", 0, -1, -1, 9004}, {"REF", 1, -1, -1, 9009},
                                       {"REF", 0, -1, -1, 9354}, {"REF", 1, -1, -1, 9359}});
    // Then the cadence goes on from the owed deadlines: the step that issued
    // the last owed REF returns 11700.
    CHECK(t == 11700);
  }
  SECTION("per-bank refresh: the banks the agent's interval covered are skipped") {
    Rig r(RefreshMode::PerBank);  // nREFIpb = 243: deadlines 243, 486, ...
    // [100, 1000) covers 243, 486, 729, 972: four banks; the next deadline is
    // 1215 for the fifth bank (bank group 1, bank 0).
    r.ctl.account_external({100, 1000, {pre_all(0, 900), pre_all(1, 900)}, true});
    CHECK(r.ctl.step(1000) == 1215);
    r.ctl.step(1215);
    CHECK(r.log == std::vector<Issued>{{"REFPB", 0, 1, 0, 1215}});
  }
  // (the checker is attached in every section and finds nothing)
}

TEST_CASE("account_external: bad use is refused", "[dram][sharing]") {
  Rig r(RefreshMode::Off);
  CHECK_THROWS_AS(r.ctl.account_external({10, 100, {pre_all(2, 50)}, true}), std::invalid_argument);  // no pch 2
  CHECK_THROWS_AS(r.ctl.account_external({10, 100, {act(0, 0, 4, 20), pre_all(0, 50)}, true}),
                  std::invalid_argument);                                                              // no bank 4
  CHECK_THROWS_AS(r.ctl.account_external({10, 100, {act(0, 1, 1, 20)}, true}), std::invalid_argument);  // left open
  CHECK_THROWS_AS(r.ctl.account_external({10, 100, {pre_all(0, 100)}, true}), std::logic_error);  // at end
  CHECK_THROWS_AS(r.ctl.account_external({10, 5, {}, true}), std::logic_error);                    // end < begin
  r.run({{false, at(0, 0, 0, 1)}}, 0);                                                             // opens a row
  CHECK_THROWS_AS(r.ctl.account_external({100, 200, {}, true}), std::logic_error);  // not closed first
  r.ctl.close_all(50);                                                              // PRE at 50
  CHECK_THROWS_AS(r.ctl.account_external({50, 200, {}, true}), std::logic_error);   // overlaps the PRE
  r.ctl.enqueue({99, false, at(0, 0, 0, 1), 60});
  CHECK_THROWS_AS(r.ctl.account_external({70, 200, {}, true}), std::logic_error);   // queue not empty
  CHECK_THROWS_AS(r.ctl.close_all(70), std::logic_error);
}

TEST_CASE("account_external: the agent's activates bind tRC and tFAW", "[dram][sharing]") {
  SECTION("tRC longer than tRAS + tRP") {
    DramSpec s = pimba();
    s.t.nRC = 60;  // > nRAS + nRP = 48, so tRC is not implied by the precharge
    Rig r(RefreshMode::Off, s);
    // The agent activates pch0.bg0.bank0 at 200 and precharges at 240 (>= 200 + nRAS).
    r.ctl.account_external({200, 250, {act(0, 0, 0, 200), pre_all(0, 240)}, true});
    // Read arriving at 250: ACT at max(250, 240 + nRP = 254, 200 + nRC = 260) = 260.
    r.run({{false, at(0, 0, 0, 9)}}, 250);
    CHECK(r.log.front() == Issued{"ACT", 0, 0, 0, 260});
    CHECK(r.ctl.checker_violations() == 0);
  }
  SECTION("tFAW after a four-bank activate") {
    DramSpec s = pimba();
    s.t.nFAW = 60;  // > nRAS + nRP = 48
    Rig r(RefreshMode::Off, s);
    // A PIM ACT4 of bank group 1 at 200 = four activates; precharge at 234.
    r.ctl.account_external(
        {200, 240, {act(0, 1, 0, 200), act(0, 1, 1, 200), act(0, 1, 2, 200), act(0, 1, 3, 200), pre_all(0, 234)}, true});
    // Reads at 240 to pch0.bg2 and pch1.bg2. In pch0 an ACT would be the
    // fifth within nFAW: it waits until 200 + nFAW = 260 (tRP: 234 + 14 =
    // 248, tRRD_S: 204). pch1 is not bound: ACT 240, RD 254; then pch0's ACT
    // 260, RD 274.
    r.run({{false, at(0, 2, 0, 9)}, {false, at(1, 2, 0, 9)}}, 240);
    CHECK(r.log == std::vector<Issued>{{"ACT", 1, 2, 0, 240}, {"RD", 1, 2, 0, 254}, {"ACT", 0, 2, 0, 260},
                                       {"RD", 0, 2, 0, 274}});
    CHECK(r.ctl.checker_violations() == 0);
  }
}

TEST_CASE("checker: commands inside an external interval and within tRP of its precharge", "[dram][sharing]") {
  const DramSpec s = pimba();
  RuleChecker chk(s);
  chk.record_external({CheckedKind::PREA, PchId{0}, BankGroupId{0}, BankId{0}, RowId{0}, 395});
  chk.block_until(400);
  // ACT at 399: inside the interval; also 4 cycles after the PREA (< nRP).
  auto v = chk.check({CheckedKind::ACT, PchId{0}, BankGroupId{1}, BankId{2}, RowId{5}, 399});
  CHECK(has_rule(v, "external"));
  CHECK(has_rule(v, "tRP"));
  // ACT at 408 in the other bank group: one cycle short of 395 + 14.
  RuleChecker chk2(s);
  chk2.record_external({CheckedKind::PREA, PchId{0}, BankGroupId{0}, BankId{0}, RowId{0}, 395});
  chk2.block_until(400);
  v = chk2.check({CheckedKind::ACT, PchId{0}, BankGroupId{3}, BankId{1}, RowId{5}, 408});
  CHECK_FALSE(has_rule(v, "external"));
  CHECK(has_rule(v, "tRP"));
  // At 409 it is legal; the other pseudo-channel is free from 400 on.
  RuleChecker chk4(s);
  chk4.record_external({CheckedKind::PREA, PchId{0}, BankGroupId{0}, BankId{0}, RowId{0}, 395});
  chk4.block_until(400);
  CHECK(chk4.check({CheckedKind::ACT, PchId{1}, BankGroupId{0}, BankId{0}, RowId{5}, 400}).empty());
  CHECK(chk4.check({CheckedKind::ACT, PchId{0}, BankGroupId{3}, BankId{1}, RowId{5}, 409}).empty());
  // The external PREA closed the bank an RD would need.
  RuleChecker chk3(s);
  CHECK(chk3.check({CheckedKind::ACT, PchId{0}, BankGroupId{0}, BankId{0}, RowId{1}, 0}).empty());
  chk3.record_external({CheckedKind::PREA, PchId{0}, BankGroupId{0}, BankId{0}, RowId{0}, 100});
  CHECK(has_rule(chk3.check({CheckedKind::RD, PchId{0}, BankGroupId{0}, BankId{0}, RowId{1}, 200}), "state"));
  // Four external activates (a PIM ACT4) count in the four-activate window:
  // a fifth ACT at 200 + nFAW - 1 = 229 is flagged (tRRD_S 204 is met).
  RuleChecker chk5(s);
  for (int b = 0; b < 4; ++b)
    chk5.record_external({CheckedKind::ACT, PchId{0}, BankGroupId{1}, BankId{b}, RowId{5}, 200});
  CHECK(has_rule(chk5.check({CheckedKind::ACT, PchId{0}, BankGroupId{2}, BankId{0}, RowId{5}, 229}), "tFAW"));
  CHECK(chk.commands_checked() == 1);  // external commands are not counted as checked
}
