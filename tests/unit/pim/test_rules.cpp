// One test per timing rule of the Pimba family, named after the rule. Each
// stream is one pseudo-channel; its first command issues in cycle 1, so a
// command constrained by distance d after it issues in cycle 1 + d. Values:
// HBM2 as used by Pimba (col = max(nBL 2, nCCDL 4) = 4).
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "helpers.h"
#include "pim/checker.h"
#include "pim/engine.h"

using namespace pimtest;
using pimlab::pim::ChannelEngine;
using pimlab::pim::pimba_protocol;

namespace {
std::vector<std::uint64_t> issue(const std::vector<Command>& s) {
  ChannelEngine e(pimba_protocol(), pimba_timing());
  std::vector<std::uint64_t> c;
  e.run(s, 2, &c);
  // Every engine schedule must also pass the independent checker.
  CHECK(pimlab::pim::check_channel(pimba_protocol(), pimba_timing(), s, c, 2).empty());
  return c;
}
// The checker must flag `rule` if command `i` is moved one cycle earlier.
void earlier_is_caught(const std::vector<Command>& s, std::size_t i, const std::string& rule) {
  auto c = issue(s);
  c[i] -= 1;
  const auto v = pimlab::pim::check_channel(pimba_protocol(), pimba_timing(), s, c, 2);
  const bool found = std::any_of(v.begin(), v.end(), [&](const auto& x) { return x.rule == rule && x.index == i; });
  CHECK(found);
}
}  // namespace

TEST_CASE("rule act4_reg_to_act4_reg: max(nRRDS, nFAW, n*col + 2)") {
  // n = 16: max(4, 30, 16*4 + 2 = 66) = 66 -> 67; n = 4: max(4, 30, 18) = 30 -> 31.
  CHECK(issue({cmd(CmdKind::Act4WithReg, 0, 16), cmd(CmdKind::Act4WithReg, 0, 4)})[1] == 67);
  CHECK(issue({cmd(CmdKind::Act4WithReg, 0, 4), cmd(CmdKind::Act4WithReg, 0, 20)})[1] == 31);
  earlier_is_caught({cmd(CmdKind::Act4WithReg, 0, 16), cmd(CmdKind::Act4WithReg, 0, 4)}, 1, "act4_reg_to_act4_reg");
}

TEST_CASE("rule act4_reg_to_comp: max(nRCDRD, nRCDWR, n*col + 2)") {
  // n = 16: 66 -> 67; n = 4: max(14, 14, 18) = 18 -> 19.
  CHECK(issue({cmd(CmdKind::Act4WithReg, 0, 16), cmd(CmdKind::Comp)})[1] == 67);
  CHECK(issue({cmd(CmdKind::Act4WithReg, 0, 4), cmd(CmdKind::Comp)})[1] == 19);
  earlier_is_caught({cmd(CmdKind::Act4WithReg, 0, 4), cmd(CmdKind::Comp)}, 1, "act4_reg_to_comp");
}

TEST_CASE("rule act4_to_act4_or_reg_write: max(nRRDS, nFAW)") {
  // max(4, 30) = 30 -> 31 for both followers.
  CHECK(issue({cmd(CmdKind::Act4), cmd(CmdKind::Act4)})[1] == 31);
  CHECK(issue({cmd(CmdKind::Act4), cmd(CmdKind::RegWrite)})[1] == 31);
  earlier_is_caught({cmd(CmdKind::Act4), cmd(CmdKind::RegWrite)}, 1, "act4_to_act4_or_reg_write");
}

TEST_CASE("rule act4_to_comp: max(nRCDRD, nRCDWR)") {
  CHECK(issue({cmd(CmdKind::Act4), cmd(CmdKind::Comp)})[1] == 15);  // 1 + 14
  earlier_is_caught({cmd(CmdKind::Act4), cmd(CmdKind::Comp)}, 1, "act4_to_comp");
}

TEST_CASE("rule reg_write_to_reg_write_or_comp: col") {
  // ACT4 at 1, REG_WRITE at 31, next REG_WRITE 31 + 4 = 35; COMP after a
  // REG_WRITE at 31: max(31 + 4, 1 + 14) = 35.
  CHECK(issue({cmd(CmdKind::Act4), cmd(CmdKind::RegWrite), cmd(CmdKind::RegWrite)})[2] == 35);
  CHECK(issue({cmd(CmdKind::Act4), cmd(CmdKind::RegWrite), cmd(CmdKind::Comp)})[2] == 35);
  earlier_is_caught({cmd(CmdKind::Act4), cmd(CmdKind::RegWrite), cmd(CmdKind::Comp)}, 2,
                    "reg_write_to_reg_write_or_comp");
}

TEST_CASE("rule comp_to_comp: nCCDL") {
  CHECK(issue({cmd(CmdKind::Act4), cmd(CmdKind::Comp), cmd(CmdKind::Comp)})[2] == 19);  // 15 + 4
  earlier_is_caught({cmd(CmdKind::Act4), cmd(CmdKind::Comp), cmd(CmdKind::Comp)}, 2, "comp_to_comp");
}

TEST_CASE("rule comp_to_precharge: max(nRTPL, nWR)") {
  // COMP at 1 -> precharge >= 1 + max(6, 16) = 17 (no ACT4 in the stream).
  CHECK(issue({cmd(CmdKind::Comp), cmd(CmdKind::PrechargeWithResult, 0, 8)})[1] == 17);
  CHECK(issue({cmd(CmdKind::Comp), cmd(CmdKind::Precharge)})[1] == 17);
  earlier_is_caught({cmd(CmdKind::Comp), cmd(CmdKind::Precharge)}, 1, "comp_to_precharge");
}

TEST_CASE("rule act4_to_precharge: nRAS") {
  CHECK(issue({cmd(CmdKind::Act4WithReg, 0, 4), cmd(CmdKind::PrechargeWithResult, 0, 8)})[1] == 35);  // 1 + 34
  CHECK(issue({cmd(CmdKind::Act4), cmd(CmdKind::Precharge)})[1] == 35);
  earlier_is_caught({cmd(CmdKind::Act4), cmd(CmdKind::Precharge)}, 1, "act4_to_precharge");
}

TEST_CASE("rule precharge_with_result_to_barrier: max(nRP, r*col + 1)") {
  // r = 8: max(14, 33) = 33 -> 34; r = 16: 65 -> 66.
  CHECK(issue({cmd(CmdKind::PrechargeWithResult, 0, 8), barrier(0, 0, 1, 0)})[1] == 34);
  CHECK(issue({cmd(CmdKind::PrechargeWithResult, 0, 16), barrier(0, 0, 2, 0)})[1] == 66);
  earlier_is_caught({cmd(CmdKind::PrechargeWithResult, 0, 8), barrier(0, 0, 1, 0)}, 1,
                    "precharge_with_result_to_barrier");
}

TEST_CASE("rule precharge_to_barrier: nRP") {
  CHECK(issue({cmd(CmdKind::Precharge), barrier(0, 0, 1, 0, 0)})[1] == 15);
  earlier_is_caught({cmd(CmdKind::Precharge), barrier(0, 0, 1, 0, 0)}, 1, "precharge_to_barrier");
}

TEST_CASE("rule precharge_to_result: nRP") {
  CHECK(issue({cmd(CmdKind::Precharge), cmd(CmdKind::Result)})[1] == 15);
  earlier_is_caught({cmd(CmdKind::Precharge), cmd(CmdKind::Result)}, 1, "precharge_to_result");
}

TEST_CASE("rule result_to_result: col") {
  CHECK(issue({cmd(CmdKind::Precharge), cmd(CmdKind::Result), cmd(CmdKind::Result)})[2] == 19);
  earlier_is_caught({cmd(CmdKind::Precharge), cmd(CmdKind::Result), cmd(CmdKind::Result)}, 2, "result_to_result");
}

TEST_CASE("commands without a rule between them issue in consecutive cycles") {
  // REFRESH_BARRIER -> ACT4_WITH_REG has no rule: cycles 1, 2.
  CHECK(issue({barrier(0, 16, 1, 64), cmd(CmdKind::Act4WithReg, 0, 4)})[1] == 2);
}

TEST_CASE("the rule table reads as the reference writes it") {
  // Twelve named rules of pim_commands.md, one row per (previous, next) pair
  // in the engine's table: 1+1+2+1+2+1+2+4+1+1+1+1 = 18 rows.
  const auto p = pimba_protocol();
  std::vector<std::string> names;
  for (const auto& r : p.set.rules)
    if (std::find(names.begin(), names.end(), r.name) == names.end()) names.push_back(r.name);
  CHECK(names.size() == 12);
  REQUIRE(p.set.rules.size() == 18);
  const auto& r0 = p.set.rules[0];
  CHECK(r0.name == "act4_reg_to_act4_reg");
  CHECK(r0.distance == "max(nRRDS, nFAW, n*col + 2)");
  CHECK(r0.scope == pimlab::dram::Scope::PseudoChannel);
  CHECK(pimlab::pim::rule_distance(r0, pimba_timing().t, 20) == 82);  // 20*4 + 2
  CHECK(pimlab::pim::rule_distance(r0, pimba_timing().t, 4) == 30);   // nFAW binds
}

TEST_CASE("barrier estimate, with and without command scheduling") {
  const auto t = pimba_timing();
  // sched, regs 16 (ACT4_WITH_REG_4 x 4), v 1, comps 64: W = 1 + 4*4 = 17;
  // 3*max(4,30,17) + max(14,14,17) + max(14, 8*1*4) + 64*4 + max(6,16)
  // = 90 + 17 + 32 + 256 + 16 = 411.
  CHECK(pimlab::pim::barrier_estimate(t.t, {1, 1, 64, 16}) == 411);
  // regs 64: W = 1 + 16*4 = 65: 195 + 65 + 32 + 256 + 16 = 564.
  CHECK(pimlab::pim::barrier_estimate(t.t, {1, 1, 64, 64}) == 564);
  // no sched, regs 80, v 2, comps 256: 4*30 + 80*4 + 14 + 8*2*4 + 256*4 + 16 = 1558.
  CHECK(pimlab::pim::barrier_estimate(t.t, {0, 2, 256, 80}) == 1558);
}
