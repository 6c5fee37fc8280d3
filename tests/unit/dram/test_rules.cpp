// One test per timing rule, named after it. Each builds the shortest sequence
// in which the rule is the binding constraint, places the last command exactly
// on the boundary (the checker must accept it and the engine must name that
// cycle as the earliest) and one cycle before it (the checker must reject it
// with that rule). Values are taken by hand from the timing table of
// docs/dram.md ("HBM2 as used by Pimba" column unless said otherwise).
#include <catch2/catch.hpp>

#include <random>

#include "dram_test_util.h"

using namespace dramtest;

namespace {

const DramSpec& pimba() { return preset("hbm2-pimba"); }

void check_boundary(const DramSpec& spec, std::vector<Step> seq, Cycle boundary, const std::string& rule,
                    bool dual = false) {
  seq.back().t = boundary;
  const auto ok = checker_on(spec, seq, dual);
  INFO("at the boundary " << boundary << ":\n" << describe(ok));
  CHECK(ok.empty());
  seq.back().t = boundary - 1;
  const auto bad = checker_on(spec, seq, dual);
  INFO("one cycle early:\n" << describe(bad));
  CHECK(has_rule(bad, rule));
  CHECK(engine_earliest(spec, seq, dual) == boundary);
}

}  // namespace

TEST_CASE("tRCD", "[dram][rule]") {
  // ACT@0 -> RD same bank: tRCD_RD = 14.
  check_boundary(pimba(), {{"ACT", 0, 0, 0, 5, 0}, {"RD", 0, 0, 0, 5, 0}}, 14, "tRCD_RD");
  // ACT@0 -> WR same bank: tRCD_WR = 14; Samsung HBM2-PIM: tRCD_WR = 10.
  check_boundary(pimba(), {{"ACT", 0, 0, 0, 5, 0}, {"WR", 0, 0, 0, 5, 0}}, 14, "tRCD_WR");
  check_boundary(preset("hbm2-pim-samsung"), {{"ACT", 0, 0, 0, 5, 0}, {"WR", 0, 0, 0, 5, 0}}, 10, "tRCD_WR");
  // HBM3 6.4: tRCD 31 / 15.
  check_boundary(preset("hbm3-6400"), {{"ACT", 0, 0, 0, 5, 0}, {"RD", 0, 0, 0, 5, 0}}, 31, "tRCD_RD");
}

TEST_CASE("tRAS", "[dram][rule]") {
  // ACT@0 -> PRE same bank: tRAS = 34.
  check_boundary(pimba(), {{"ACT", 1, 2, 3, 7, 0}, {"PRE", 1, 2, 3, 7, 0}}, 34, "tRAS");
  // PREA closes every bank, so it also waits tRAS after any ACT of its pseudo-channel.
  check_boundary(pimba(), {{"ACT", 1, 2, 3, 7, 0}, {"PREA", 1, 0, 0, 0, 0}}, 34, "tRAS");
}

TEST_CASE("tRP", "[dram][rule]") {
  // ACT@0, PRE@40 (> tRAS) -> ACT same bank at 40 + tRP 14 = 54 (tRC 48 already met).
  check_boundary(pimba(), {{"ACT", 0, 1, 1, 3, 0}, {"PRE", 0, 1, 1, 3, 40}, {"ACT", 0, 1, 1, 4, 0}}, 54, "tRP");
  // PRE -> REF: all banks closed, REF waits tRP after the PRE: 40 + 14 = 54.
  check_boundary(pimba(), {{"ACT", 0, 1, 1, 3, 0}, {"PRE", 0, 1, 1, 3, 40}, {"REF", 0, 0, 0, 0, 0}}, 54, "tRP");
}

TEST_CASE("tRC", "[dram][rule]") {
  // Needs tRAS + tRP < tRC: HBM3 6.4 has 45 + 26 = 71 < 72. ACT@0, PRE@45,
  // ACT same bank: tRP allows 71, tRC only 72.
  check_boundary(preset("hbm3-6400"), {{"ACT", 0, 0, 0, 1, 0}, {"PRE", 0, 0, 0, 1, 45}, {"ACT", 0, 0, 0, 2, 0}}, 72,
                 "tRC");
}

TEST_CASE("tRRD_L", "[dram][rule]") {
  // ACT bg0.bank0 @0 -> ACT bg0.bank1: tRRD_L = 6.
  check_boundary(pimba(), {{"ACT", 0, 0, 0, 1, 0}, {"ACT", 0, 0, 1, 1, 0}}, 6, "tRRD_L");
}

TEST_CASE("tRRD_S", "[dram][rule]") {
  // ACT bg0 @0 -> ACT bg1: tRRD_S = 4.
  check_boundary(pimba(), {{"ACT", 0, 0, 0, 1, 0}, {"ACT", 0, 1, 0, 1, 0}}, 4, "tRRD_S");
  // Other pseudo-channel: independent banks, only the command bus (next cycle).
  const auto v = checker_on(pimba(), {{"ACT", 0, 0, 0, 1, 0}, {"ACT", 1, 1, 0, 1, 1}});
  CHECK(v.empty());
}

TEST_CASE("tFAW", "[dram][rule]") {
  // Four ACTs in bg0..bg3 at 0, 4, 8, 12 (tRRD_S = 4). A fifth ACT (bg0.bank1:
  // tRRD_L 6 from 0, tRRD_S 4 from 12 -> 16) must wait tFAW = 30 after the first.
  check_boundary(pimba(),
                 {{"ACT", 0, 0, 0, 1, 0},
                  {"ACT", 0, 1, 0, 1, 4},
                  {"ACT", 0, 2, 0, 1, 8},
                  {"ACT", 0, 3, 0, 1, 12},
                  {"ACT", 0, 0, 1, 1, 0}},
                 30, "tFAW");
  // Samsung HBM2-PIM: tFAW 16 = exactly 4 x tRRD_S: the window binds at 16.
  check_boundary(preset("hbm2-pim-samsung"),
                 {{"ACT", 0, 0, 0, 1, 0},
                  {"ACT", 0, 1, 0, 1, 4},
                  {"ACT", 0, 2, 0, 1, 8},
                  {"ACT", 0, 3, 0, 1, 12},
                  {"ACT", 0, 0, 1, 1, 0}},
                 16, "tFAW");
}

TEST_CASE("tCCD_L", "[dram][rule]") {
  // ACT@0, RD@14 -> RD same bank group: tCCD_L = 4 -> 18.
  check_boundary(pimba(), {{"ACT", 0, 2, 0, 9, 0}, {"RD", 0, 2, 0, 9, 14}, {"RD", 0, 2, 0, 9, 0}}, 18, "tCCD_L");
  // Writes: ACT@0, WR@14 -> WR: 18.
  check_boundary(pimba(), {{"ACT", 0, 2, 0, 9, 0}, {"WR", 0, 2, 0, 9, 14}, {"WR", 0, 2, 0, 9, 0}}, 18, "tCCD_L");
}

TEST_CASE("tCCD_S", "[dram][rule]") {
  // ACT bg0@0, ACT bg1@4, RD bg1@18 (tRCD from 4) -> RD bg0 (ready since 14):
  // tCCD_S = 2 -> 20. (nBL = 2 equals tCCD_S here; tBURST has its own test.)
  check_boundary(pimba(),
                 {{"ACT", 0, 0, 0, 1, 0}, {"ACT", 0, 1, 0, 1, 4}, {"RD", 0, 1, 0, 1, 18}, {"RD", 0, 0, 0, 1, 0}}, 20,
                 "tCCD_S");
}

TEST_CASE("tBURST", "[dram][rule]") {
  // The data bus of a pseudo-channel carries one burst of nBL cycles at a time:
  // with nBL overridden to 3 (> tCCD_S = 2), RD bg1@18 -> RD bg0 at 21.
  const DramSpec s = spec_from_json({{"timing", {{"nBL", 3}}}}, pimba());
  check_boundary(s, {{"ACT", 0, 0, 0, 1, 0}, {"ACT", 0, 1, 0, 1, 4}, {"RD", 0, 1, 0, 1, 18}, {"RD", 0, 0, 0, 1, 0}}, 21,
                 "tBURST");
}

TEST_CASE("tWTR_L", "[dram][rule]") {
  // ACT@0, WR@14: write data ends at 14 + CWL 4 + nBL 2 = 20; RD same bank
  // group after tWTR_L 8 -> 28.
  check_boundary(pimba(), {{"ACT", 0, 0, 0, 1, 0}, {"WR", 0, 0, 0, 1, 14}, {"RD", 0, 0, 0, 1, 0}}, 28, "tWTR_L");
}

TEST_CASE("tWTR_S", "[dram][rule]") {
  // ACT bg0@0, ACT bg1@4, WR bg0@14: data ends at 20; RD bg1 after tWTR_S 6 -> 26.
  check_boundary(pimba(),
                 {{"ACT", 0, 0, 0, 1, 0}, {"ACT", 0, 1, 0, 1, 4}, {"WR", 0, 0, 0, 1, 14}, {"RD", 0, 1, 0, 1, 0}}, 26,
                 "tWTR_S");
}

TEST_CASE("tRTW", "[dram][rule]") {
  // Read-to-write turnaround on the data bus: RD bg0@14 drives data in
  // [14+14, 14+14+2) = [28, 30); a WR's data starts CWL = 4 after it and needs
  // one idle cycle: WR >= 30 + 1 - 4 = 27 (= CL + nBL + 1 - CWL = 13 after RD).
  check_boundary(pimba(),
                 {{"ACT", 0, 0, 0, 1, 0}, {"ACT", 0, 1, 0, 1, 4}, {"RD", 0, 0, 0, 1, 14}, {"WR", 0, 1, 0, 1, 0}}, 27,
                 "tRTW");
}

TEST_CASE("tRTP_L", "[dram][rule]") {
  // ACT@0, RD@30 -> PRE same bank: max(tRAS 34, 30 + tRTP_L 6 = 36) = 36.
  check_boundary(pimba(), {{"ACT", 0, 0, 0, 1, 0}, {"RD", 0, 0, 0, 1, 30}, {"PRE", 0, 0, 0, 1, 0}}, 36, "tRTP_L");
  // A read does not delay the precharge of another bank (docs/dram.md): ACT
  // bg0@0, ACT bg1@4, RD bg0@38 -> PRE bg1 at 39 is legal (tRAS from 4 met).
  CHECK(checker_on(pimba(), {{"ACT", 0, 0, 0, 1, 0}, {"ACT", 0, 1, 0, 1, 4}, {"RD", 0, 0, 0, 1, 38},
                             {"PRE", 0, 1, 0, 1, 39}}).empty());
  CHECK(engine_earliest(pimba(), {{"ACT", 0, 0, 0, 1, 0}, {"ACT", 0, 1, 0, 1, 4}, {"RD", 0, 0, 0, 1, 38},
                                  {"PRE", 0, 1, 0, 1, 0}}) == 39);
}

TEST_CASE("tWR", "[dram][rule]") {
  // ACT@0, WR@14: data ends at 14 + 4 + 2 = 20; PRE after tWR 16 -> 36 (tRAS 34 met).
  check_boundary(pimba(), {{"ACT", 0, 0, 0, 1, 0}, {"WR", 0, 0, 0, 1, 14}, {"PRE", 0, 0, 0, 1, 0}}, 36, "tWR");
}

TEST_CASE("tRFC", "[dram][rule]") {
  // tRFC = 350 ns = 350 cycles at tCK 1 ns. REF@0 -> ACT, and REF -> REF.
  check_boundary(pimba(), {{"REF", 0, 0, 0, 0, 0}, {"ACT", 0, 3, 3, 1, 0}}, 350, "tRFC");
  check_boundary(pimba(), {{"REF", 0, 0, 0, 0, 0}, {"REF", 0, 0, 0, 0, 0}}, 350, "tRFC");
  // HBM3 6.4: all-bank 350 ns at 0.625 ns = 560 cycles.
  check_boundary(preset("hbm3-6400"), {{"REF", 1, 0, 0, 0, 0}, {"ACT", 1, 0, 0, 1, 0}}, 560, "tRFC");
  // The other pseudo-channel is not refreshed by it.
  CHECK(checker_on(pimba(), {{"REF", 0, 0, 0, 0, 0}, {"ACT", 1, 0, 0, 1, 1}}).empty());
}

TEST_CASE("tRFCpb", "[dram][rule]") {
  // Per-bank refresh: 160 cycles (hbm2-pimba choice, docs/dram.md); only that bank waits.
  check_boundary(pimba(), {{"REFPB", 0, 1, 2, 0, 0}, {"ACT", 0, 1, 2, 1, 0}}, 160, "tRFCpb");
  // HBM3 5.2: same-bank refresh 260 cycles.
  check_boundary(preset("hbm3-5200"), {{"REFPB", 0, 1, 2, 0, 0}, {"ACT", 0, 1, 2, 1, 0}}, 260, "tRFCpb");
}

TEST_CASE("tRRD_REFPB", "[dram][rule]") {
  // A per-bank refresh activates like an ACT: another bank's ACT waits tRRD_S = 4.
  check_boundary(pimba(), {{"REFPB", 0, 1, 2, 0, 0}, {"ACT", 0, 3, 0, 1, 0}}, 4, "tRRD_REFPB");
}

TEST_CASE("bank state: illegal commands are caught", "[dram][rule]") {
  // RD to a closed bank; ACT to an open bank; REF with an open bank; PRE of a closed bank.
  CHECK(has_rule(checker_on(pimba(), {{"RD", 0, 0, 0, 1, 100}}), "state"));
  CHECK(has_rule(checker_on(pimba(), {{"ACT", 0, 0, 0, 1, 0}, {"ACT", 0, 0, 0, 2, 100}}), "state"));
  CHECK(has_rule(checker_on(pimba(), {{"ACT", 0, 0, 0, 1, 0}, {"RD", 0, 0, 0, 2, 100}}), "state"));
  CHECK(has_rule(checker_on(pimba(), {{"ACT", 0, 0, 0, 1, 0}, {"REF", 0, 0, 0, 0, 100}}), "state"));
  CHECK(has_rule(checker_on(pimba(), {{"PRE", 0, 0, 0, 1, 100}}), "state"));
  // The engine refuses the same.
  const CommandSet set = hbm_command_set();
  ChannelEngine e(pimba(), set);
  CHECK_FALSE(e.state_allows(to_command(set, {"RD", 0, 0, 0, 1, 0})));
  e.issue(to_command(set, {"ACT", 0, 0, 0, 1, 0}), 0);
  CHECK_FALSE(e.state_allows(to_command(set, {"ACT", 0, 0, 0, 2, 0})));
  CHECK_FALSE(e.state_allows(to_command(set, {"RD", 0, 0, 0, 2, 0})));
  CHECK_FALSE(e.state_allows(to_command(set, {"REF", 0, 0, 0, 0, 0})));
  CHECK_THROWS_AS(e.issue(to_command(set, {"RD", 0, 0, 0, 1, 0}), 13), std::logic_error);  // before tRCD
}

TEST_CASE("command bus: one command per cycle, or one per row and column bus", "[dram][rule]") {
  // Two commands to different pseudo-channels in the same cycle share the bus.
  CHECK(has_rule(checker_on(pimba(), {{"ACT", 0, 0, 0, 1, 0}, {"ACT", 1, 0, 0, 1, 0}}), "bus"));
  // With separate buses a row and a column command may share a cycle...
  CHECK(checker_on(pimba(), {{"ACT", 0, 0, 0, 1, 0}, {"ACT", 1, 0, 0, 1, 14}, {"RD", 0, 0, 0, 1, 14}}, true).empty());
  // ... but not two row commands.
  CHECK(has_rule(checker_on(pimba(), {{"ACT", 0, 0, 0, 1, 0}, {"ACT", 1, 0, 0, 1, 0}}, true), "bus"));
  CHECK(engine_earliest(pimba(), {{"ACT", 0, 0, 0, 1, 0}, {"ACT", 1, 0, 0, 1, 0}}) == 1);
  CHECK(engine_earliest(pimba(), {{"ACT", 0, 0, 0, 1, 0}, {"ACT", 1, 0, 0, 1, 14}, {"RD", 0, 0, 0, 1, 0}}, true) == 14);
}

TEST_CASE("rule table: expressions and shape", "[dram][rule]") {
  const Timing& t = pimba().t;
  CHECK(eval_distance("nCL+nBL+1-nCWL", t) == 14 + 2 + 1 - 4);
  CHECK(eval_distance("nCWL+nBL+nWR", t) == 4 + 2 + 16);
  CHECK_THROWS_AS(eval_distance("nCL+nXYZ", t), std::invalid_argument);
  CHECK_THROWS_AS(eval_distance("", t), std::invalid_argument);
  CHECK_THROWS_AS(eval_distance("nCL nBL", t), std::invalid_argument);
  // A PIM-style class is added as data: a bank-group-wide activate (Newton
  // G_ACT) that obeys tRRD_S to other bank groups and the tFAW window.
  CommandSet set = hbm_command_set();
  set.classes.push_back({"G_ACT", Target::BankGroup, BankEffect::Open, Bus::Row});
  set.rules.push_back({"tRRD_S", "G_ACT", "ACT", Scope::OtherBankGroup, "nRRDS"});
  set.rules.push_back({"tRCD_RD", "G_ACT", "RD", Scope::SameBank, "nRCDRD"});
  ChannelEngine e(pimba(), set);
  Command g;
  g.cls = set.id("G_ACT");
  g.addr.bg = BankGroupId{2};
  g.addr.row = RowId{7};
  e.issue(g, 0);
  for (int b = 0; b < 4; ++b) CHECK(e.is_open(PchId{0}, BankGroupId{2}, BankId{b}));
  Command rd = to_command(set, {"RD", 0, 2, 3, 7, 0});
  CHECK(e.earliest(rd) == 14);
  Command act = to_command(set, {"ACT", 0, 1, 0, 1, 0});
  CHECK(e.earliest(act) == 4);
  CHECK_THROWS_AS(set.id("NOPE"), std::invalid_argument);
}

TEST_CASE("rule table: max(), products and the previous command's argument n", "[dram][rule]") {
  const Timing& t = pimba().t;  // nBL 2, nCCDL 4 (col 4), nRRDS 4, nFAW 30, nRP 14
  // max(nRRDS, nFAW, n*col + 2): 30 while 4n + 2 <= 30, then 4n + 2.
  const Distance d = compile_distance("max(nRRDS, nFAW, n*col + 2)", t);
  CHECK(d.base == 30);
  CHECK(d.arg_mult == 4);
  CHECK(d.arg_const == 2);
  CHECK(d.at(0) == 30);
  CHECK(d.at(7) == 30);   // 4*7 + 2 = 30
  CHECK(d.at(8) == 34);
  CHECK(d.at(20) == 82);
  // Spaces, products of names and integers, several n-terms of one weight.
  CHECK(compile_distance("2*nCCDL + 1", t).at(5) == 9);
  CHECK(compile_distance("max(n*col+1, n*col+3)", t).at(2) == 11);
  CHECK(compile_distance("max(nRP, n*col + 1)", t).at(8) == 33);
  CHECK(eval_distance("max(nRP, nFAW)", t) == 30);
  // Malformed: unknown name, n twice in a product, n-terms of different
  // weight, a shrinking n-term, n where a constant is needed, empty max.
  CHECK_THROWS_AS(compile_distance("max(nRP, m*col)", t), std::invalid_argument);
  CHECK_THROWS_AS(compile_distance("n*n", t), std::invalid_argument);
  CHECK_THROWS_AS(compile_distance("max(n*col, n*nBL)", t), std::invalid_argument);
  CHECK_THROWS_AS(compile_distance("nRP - n", t), std::invalid_argument);
  CHECK_THROWS_AS(eval_distance("n*col", t), std::invalid_argument);
  CHECK_THROWS_AS(compile_distance("max(", t), std::invalid_argument);
  // In the engine the distance reads the previous command's argument: an
  // ARG class with "max(nRRDS, n*col + 2)" to itself.
  CommandSet set = hbm_command_set();
  set.classes.push_back({"ARG", Target::PseudoChannel, BankEffect::None, Bus::Row});
  set.rules.push_back({"arg_to_arg", "ARG", "ARG", Scope::PseudoChannel, "max(nRRDS, n*col + 2)"});
  ChannelEngine e(pimba(), set);
  Command a;
  a.cls = set.id("ARG");
  a.arg = 16;  // 16*4 + 2 = 66
  e.issue(a, 10);
  a.arg = 0;
  CHECK(e.earliest(a) == 76);
  e.issue(a, 76);
  CHECK(e.earliest(a) == 80);  // then nRRDS binds: n = 0 gives 2 < 4
  a.addr.pch = PchId{1};
  CHECK(e.earliest(a) == 77);  // another pseudo-channel: only the bus
  CHECK_THROWS_AS(e.issue(a, 76), std::logic_error);
}

TEST_CASE("rule table: a class that must fit before the next refresh", "[dram][rule]") {
  // nREFI = 3900. A ROUND of work w may issue at c only if (c mod 3900) + w < 3900.
  CommandSet set = hbm_command_set();
  set.classes.push_back({"ROUND", Target::PseudoChannel, BankEffect::None, Bus::Row, 0, true});
  ChannelEngine e(pimba(), set);
  Command r;
  r.cls = set.id("ROUND");
  r.arg = 100;
  CHECK(e.earliest(r, 3799) == 3799);  // 3799 + 100 = 3899 < 3900
  CHECK(e.earliest(r, 3800) == 3900);  // 3800 + 100 = 3900: the next interval
  CHECK(e.earliest(r, 7700) == 7800);
  CHECK_THROWS_AS(e.issue(r, 3850), std::logic_error);  // legal earlier, not at 3850
  e.issue(r, 3799);
  r.arg = 3900;
  CHECK_THROWS_AS(e.earliest(r), std::invalid_argument);  // can never fit
}

TEST_CASE("bank state: a second row buffer per bank (dual row buffer)", "[dram][rule]") {
  // PIM_ACT opens row buffer 1 of a bank, PIM_PRE closes it; ACT/PRE keep
  // using row buffer 0. Both can hold a row at once; REF needs both closed.
  CommandSet set = hbm_command_set();
  set.classes.push_back({"PIM_ACT", Target::Bank, BankEffect::Open, Bus::Row, 1});
  set.classes.push_back({"PIM_PRE", Target::Bank, BankEffect::Close, Bus::Row, 1});
  REQUIRE(set.row_buffers() == 2);
  ChannelEngine e(pimba(), set);
  e.issue(to_command(set, {"ACT", 0, 0, 0, 5, 0}), 0);
  Command pa = to_command(set, {"PIM_ACT", 0, 0, 0, 9, 0});
  CHECK(e.state_allows(pa));
  e.issue(pa, 1);
  CHECK(e.is_open(PchId{0}, BankGroupId{0}, BankId{0}, 0));
  CHECK(idx(e.open_row(PchId{0}, BankGroupId{0}, BankId{0}, 0)) == 5);
  CHECK(idx(e.open_row(PchId{0}, BankGroupId{0}, BankId{0}, 1)) == 9);
  CHECK_FALSE(e.state_allows(pa));  // row buffer 1 is open
  CHECK(e.open_banks(PchId{0}) == 1);
  e.issue(to_command(set, {"PRE", 0, 0, 0, 0, 0}), 40);
  std::string why;
  CHECK_FALSE(e.state_allows(to_command(set, {"REF", 0, 0, 0, 0, 0}), &why));  // PIM row still open
  CHECK(why.find("is open") != std::string::npos);
  e.issue(to_command(set, {"PIM_PRE", 0, 0, 0, 0, 0}), 41);
  CHECK(e.open_banks() == 0);
  CHECK(e.state_allows(to_command(set, {"REF", 0, 0, 0, 0, 0})));
}

TEST_CASE("rule table: a Newton-style family as data (G_ACT, COMP, READRES)", "[dram][rule]") {
  // G_ACT opens one row in the 4 banks of a bank group and counts as 4
  // activates (consecutive G_ACTs of a pseudo-channel are nFAW apart); COMP
  // reads the open row in every bank of the channel (one per tCCD_L); READRES
  // touches no bank state and follows the last COMP by nCL + nBL.
  CommandSet set = hbm_command_set();
  set.classes.push_back({"G_ACT", Target::BankGroup, BankEffect::Open, Bus::Row});
  set.classes.push_back({"COMP", Target::Channel, BankEffect::Access, Bus::Column});
  set.classes.push_back({"READRES", Target::Channel, BankEffect::None, Bus::Column});
  set.rules.push_back({"tFAW", "G_ACT", "G_ACT", Scope::PseudoChannel, "nFAW"});
  set.rules.push_back({"tRRD_S", "G_ACT", "G_ACT", Scope::OtherBankGroup, "nRRDS"});
  set.rules.push_back({"tRCD_RD", "G_ACT", "COMP", Scope::SameBank, "nRCDRD"});
  set.rules.push_back({"tCCD_L", "COMP", "COMP", Scope::Channel, "nCCDL"});
  set.rules.push_back({"tREADRES", "COMP", "READRES", Scope::Channel, "nCL+nBL"});
  const DramSpec& s = preset("hbm2-pimba");
  ChannelEngine e(s, set);
  Command comp;
  comp.cls = set.id("COMP");
  comp.addr.row = RowId{3};
  CHECK_FALSE(e.state_allows(comp));  // no bank open yet
  // G_ACT for bg0..3 of pch0, then of pch1: within a pch nFAW = 30 apart; the
  // two pseudo-channels interleave on the one command bus.
  Cycle last = 0;
  for (int g = 0; g < 4; ++g)
    for (int p = 0; p < 2; ++p) {
      Command ga;
      ga.cls = set.id("G_ACT");
      ga.addr.pch = PchId{p};
      ga.addr.bg = BankGroupId{g};
      ga.addr.row = RowId{3};
      const Cycle t = e.earliest(ga);
      CHECK(t == Cycle(g) * 30 + p);  // pch1 takes the next bus slot
      e.issue(ga, t);
      last = t;
    }
  REQUIRE(e.state_allows(comp));
  CHECK(e.earliest(comp) == last + 14);  // tRCD after the last bank group opened
  e.issue(comp, last + 14);
  CHECK(e.earliest(comp) == last + 14 + 4);
  Command rr;
  rr.cls = set.id("READRES");
  CHECK(e.earliest(rr) == last + 14 + 16);
  // An ordinary ACT to an open bank is refused; a PREA closes a pseudo-channel.
  CHECK_FALSE(e.state_allows(to_command(set, {"ACT", 0, 1, 1, 9, 0})));
}

TEST_CASE("engine and checker agree on the earliest cycle of random commands", "[dram][rule]") {
  // Differential test of the two independent implementations: random
  // state-legal commands are issued at the engine's earliest cycle, which the
  // checker must accept; one cycle earlier it must reject (any rule, bus or order).
  for (const std::string& name : preset_names()) {
    for (bool dual : {false, true}) {
      INFO(name << (dual ? " dual bus" : " one bus"));
      const DramSpec& s = preset(name);
      const CommandSet set = hbm_command_set();
      ChannelEngine e(s, set, dual);
      RuleChecker chk(s, dual);
      std::mt19937_64 rng(dual ? 11 : 5);
      const char* kinds[] = {"ACT", "PRE", "PREA", "RD", "WR", "REF", "REFPB"};
      int issued = 0, early_rejected = 0, tries = 0;
      while (issued < 4000 && ++tries < 200000) {
        // Bias towards column commands so banks see hits and turnarounds.
        const int r = static_cast<int>(rng() % 20);
        const char* k = r < 6 ? "RD" : r < 10 ? "WR" : r < 14 ? "ACT" : r < 17 ? "PRE" : kinds[2 + (rng() % 5) % 5];
        Step st{k, static_cast<int>(rng() % s.org.pseudo_channels), static_cast<int>(rng() % s.org.bank_groups),
                static_cast<int>(rng() % s.org.banks_per_group), static_cast<int>(rng() % 4), 0};
        Command c = to_command(set, st);
        if (st.cmd == "RD" || st.cmd == "WR") {
          if (!e.is_open(c.addr.pch, c.addr.bg, c.addr.bank)) continue;
          c.addr.row = e.open_row(c.addr.pch, c.addr.bg, c.addr.bank);
          st.row = idx(c.addr.row);
        }
        if (!e.state_allows(c)) continue;
        st.t = e.earliest(c);
        if (st.t > 0) {
          RuleChecker probe = chk;  // the checker records what it checks: probe a copy
          Step early = st;
          early.t = st.t - 1;
          const auto v = probe.check(to_checked(early));
          INFO(st.cmd << " at " << early.t << " (engine earliest " << st.t << ")");
          CHECK_FALSE(v.empty());
          early_rejected += !v.empty();
        }
        const auto ok = chk.check(to_checked(st));
        INFO(describe(ok));
        CHECK(ok.empty());
        e.issue(c, st.t);
        ++issued;
      }
      CHECK(issued == 4000);
      CHECK(early_rejected > 3000);
    }
  }
}

TEST_CASE("target: bank index and bank in all pseudo-channels (broadcast targets)", "[dram][rule]") {
  // A same-bank family (AttAcc ACTSB / MACSB / PRESB) touches bank index b in
  // every bank group of every pseudo-channel; a per-bank broadcast (ACTPB /
  // MACPB / PREPB) touches bank (bg, b) in every pseudo-channel. Rules of scope
  // SameBank then bind on each touched bank. hbm3-5200: nRCDRD 19, nRAS 45.
  const DramSpec& s = preset("hbm3-5200");
  CommandSet set;
  set.name = "broadcast-test";
  set.classes = {{"ACTI", Target::BankIndex, BankEffect::Open, Bus::Row},
                 {"RDI", Target::BankIndex, BankEffect::Access, Bus::Column},
                 {"ACTP", Target::BankAllPseudoChannels, BankEffect::Open, Bus::Row},
                 {"RD", Target::Bank, BankEffect::Access, Bus::Column},
                 {"PREP", Target::BankAllPseudoChannels, BankEffect::Close, Bus::Row}};
  set.rules = {{"tRCD", "ACTI", "RD", Scope::SameBank, "nRCDRD"},
               {"tRCD", "ACTI", "RDI", Scope::SameBank, "nRCDRD"},
               {"tRAS", "ACTP", "PREP", Scope::SameBank, "nRAS"}};
  ChannelEngine e(s, set, true);
  Command acti;
  acti.cls = set.id("ACTI");
  acti.addr.bank = BankId{2};
  acti.addr.row = RowId{7};
  e.issue(acti, 10);
  // Bank index 2 is open at row 7 in every bank group of both pCHs, index 1 is not.
  for (int p = 0; p < s.org.pseudo_channels; ++p)
    for (int g = 0; g < s.org.bank_groups; ++g) {
      CHECK(e.is_open(PchId{p}, BankGroupId{g}, BankId{2}));
      CHECK_FALSE(e.is_open(PchId{p}, BankGroupId{g}, BankId{1}));
    }
  CHECK(e.open_banks() == s.org.pseudo_channels * s.org.bank_groups);
  // A plain RD to one of those banks (pCH 1, BG 5) waits tRCD after the broadcast ACT.
  Command rd;
  rd.cls = set.id("RD");
  rd.addr.pch = PchId{1};
  rd.addr.bg = BankGroupId{5};
  rd.addr.bank = BankId{2};
  rd.addr.row = RowId{7};
  CHECK(e.earliest(rd) == 10 + 19);
  Command rdi = acti;
  rdi.cls = set.id("RDI");
  CHECK(e.state_allows(rdi));
  CHECK(e.earliest(rdi) == 10 + 19);
  // ACTP opens (bg 3, bank 0) in both pCHs; PREP of the same waits tRAS; the
  // bank (bg 3, bank 1) is untouched.
  Command actp;
  actp.cls = set.id("ACTP");
  actp.addr.bg = BankGroupId{3};
  actp.addr.row = RowId{4};
  e.issue(actp, 11);
  CHECK(e.is_open(PchId{0}, BankGroupId{3}, BankId{0}));
  CHECK(e.is_open(PchId{1}, BankGroupId{3}, BankId{0}));
  CHECK_FALSE(e.is_open(PchId{1}, BankGroupId{3}, BankId{1}));
  Command prep = actp;
  prep.cls = set.id("PREP");
  prep.addr.pch = PchId{1};  // any pCH names the same broadcast pair
  CHECK(e.earliest(prep) == 11 + 45);
  CHECK_THROWS_AS(e.issue(prep, 11 + 44), std::logic_error);
  e.issue(prep, 11 + 45);
  CHECK_FALSE(e.is_open(PchId{0}, BankGroupId{3}, BankId{0}));
  CHECK_FALSE(e.is_open(PchId{1}, BankGroupId{3}, BankId{0}));
}

TEST_CASE("scope other pseudo-channel", "[dram][rule]") {
  // A rank-to-rank turnaround (Newton's RD -> RD across ranks, tRTRS): a rule
  // with scope OtherPseudoChannel binds a command in any other pseudo-channel
  // and not one in the previous command's own pseudo-channel; a command that
  // touches every pseudo-channel (Target::Channel) is always bound.
  CommandSet set = hbm_command_set();
  set.classes.push_back({"ALLBANK", Target::Channel, BankEffect::None, Bus::Column});
  set.rules.push_back({"tRTRS", "RD", "RD", Scope::OtherPseudoChannel, "nBL+9"});
  set.rules.push_back({"tRTRS", "RD", "ALLBANK", Scope::OtherPseudoChannel, "nBL+9"});
  const DramSpec& s = preset("hbm2-pimba");
  ChannelEngine e(s, set);
  Command act;
  act.cls = set.id("ACT");
  for (int p = 0; p < 2; ++p) {
    act.addr.pch = PchId{p};
    e.issue(act, e.earliest(act));
  }
  Command rd;
  rd.cls = set.id("RD");
  rd.addr.pch = PchId{0};
  const Cycle t0 = e.earliest(rd);
  e.issue(rd, t0);
  Command rd_same = rd, rd_other = rd;
  rd_other.addr.pch = PchId{1};
  const Cycle same = e.earliest(rd_same);
  CHECK(same < t0 + s.t.nBL + 9);                    // own pseudo-channel: not bound
  CHECK(e.earliest(rd_other) == t0 + s.t.nBL + 9);   // other pseudo-channel: bound
  Command all;
  all.cls = set.id("ALLBANK");
  CHECK(e.earliest(all) == t0 + s.t.nBL + 9);        // touches pch 1 too
}
