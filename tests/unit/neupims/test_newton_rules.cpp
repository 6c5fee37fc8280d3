// One test per rule row name of the Newton / NeuPIMs command set
// (pim/newton.cpp): for every row of that name in every flavour (DUAL,
// SINGLE; faithful and artifact-compatible tables), the shortest sequence in
// which it binds — the previous command(s), then the next one in the row's
// scope exactly `distance` cycles later (accepted) and one cycle early
// (the independent checker reports the row by name). The rule engine agrees:
// after the previous command(s) it names a first legal cycle >= the boundary.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "dram/engine.h"
#include "pim/newton.h"
#include "pim/newton_checker.h"
#include "pim/protocol.h"

using namespace pimlab::pim;
namespace dram = pimlab::dram;

namespace {

NewtonClass class_named(const std::string& n) {
  for (int c = 0; c < static_cast<int>(NewtonClass::kCount); ++c)
    if (n == newton_class_name(static_cast<NewtonClass>(c))) return static_cast<NewtonClass>(c);
  FAIL("no class " << n);
  return NewtonClass::ACT;
}

// The next command's banks for each scope, relative to a previous command at
// rank 0, bank group 1, bank 1.
NewtonIssued place(NewtonClass c, dram::Scope s) {
  NewtonIssued x;
  x.cls = c;
  x.row = 7;
  switch (s) {
    case dram::Scope::SameBank: x.rank = 0, x.bg = 1, x.bank = 1; break;
    case dram::Scope::SameBankGroup: x.rank = 0, x.bg = 1, x.bank = 2; break;
    case dram::Scope::OtherBankGroup: x.rank = 0, x.bg = 2, x.bank = 1; break;
    case dram::Scope::PseudoChannel: x.rank = 0, x.bg = 3, x.bank = 0; break;
    case dram::Scope::OtherPseudoChannel: x.rank = 1, x.bg = 1, x.bank = 1; break;
    case dram::Scope::Channel: x.rank = 1, x.bg = 3, x.bank = 3; break;
  }
  return x;
}

bool names(const std::vector<NewtonViolation>& v, const std::string& rule) {
  for (const auto& x : v)
    if (x.rule == rule) return true;
  return false;
}

void check_rule(const std::string& rule) {
  const dram::DramSpec spec = newton_spec();
  int rows = 0;
  for (PimType type : {PimType::Dual, PimType::Single})
    for (bool artifact : {true, false}) {
      const NewtonOptions o{type, artifact};
      const dram::CommandSet set = newton_command_set(o);
      for (const dram::Rule& r : set.rules) {
        if (r.name != rule) continue;
        const std::uint32_t n = 8;  // previous command's argument (COMPS_READRES num_comps, COMP fill flag)
        const int d = rule_distance(r, spec.t, r.from == "COMP" ? 1 : n);
        if (d < 1) continue;
        ++rows;
        INFO(pim_type_name(type) << (artifact ? " artifact " : " faithful ") << r.from << " -> " << r.to << " ("
                                 << dram::scope_name(r.scope) << ", " << r.distance << " = " << d << ")");
        std::vector<NewtonIssued> prev;
        for (int k = 0; k < r.nth; ++k) {
          NewtonIssued p;
          p.cls = class_named(r.from);
          p.rank = 0, p.bg = 1, p.bank = (1 + k) % 4, p.row = 7;
          p.arg = r.from == "COMP" ? 1 : n;
          p.cycle = 100 + static_cast<std::uint64_t>(k);
          prev.push_back(p);
        }
        NewtonIssued next = place(class_named(r.to), r.scope);
        for (int early = 1; early >= 0; --early) {
          std::vector<NewtonIssued> s = prev;
          next.cycle = 100 + static_cast<std::uint64_t>(d) - static_cast<std::uint64_t>(early);
          if (next.cycle <= s.back().cycle) continue;
          s.push_back(next);
          const auto v = check_newton(o, spec.t, s, 0);
          if (early) CHECK(names(v, rule));
          else CHECK_FALSE(names(v, rule));
        }
        // The engine: after the previous commands, the next is not legal before the boundary.
        dram::ChannelEngine e(spec, set);
        for (const NewtonIssued& p : prev) {
          dram::Command c;
          c.cls = cid(p.cls);
          c.addr.pch = dram::PchId{p.rank};
          c.addr.bg = dram::BankGroupId{p.bg};
          c.addr.bank = dram::BankId{p.bank};
          c.addr.row = dram::RowId{p.row};
          c.arg = p.arg;
          e.record_external(c, static_cast<dram::Cycle>(p.cycle));
        }
        dram::Command c;
        c.cls = cid(next.cls);
        c.addr.pch = dram::PchId{next.rank};
        c.addr.bg = dram::BankGroupId{next.bg};
        c.addr.bank = dram::BankId{next.bank};
        c.addr.row = dram::RowId{next.row};
        CHECK(e.earliest(c) >= 100 + d);
      }
    }
  CHECK(rows > 0);
}

}  // namespace

TEST_CASE("act_to_gact_bank", "[neupims][rule]") { check_rule("act_to_gact_bank"); }
TEST_CASE("act_to_gact_bg", "[neupims][rule]") { check_rule("act_to_gact_bg"); }
TEST_CASE("act_to_gact_rank", "[neupims][rule]") { check_rule("act_to_gact_rank"); }
TEST_CASE("adder_tree_fill", "[neupims][rule]") { check_rule("adder_tree_fill"); }
TEST_CASE("comp_to_comp", "[neupims][rule]") { check_rule("comp_to_comp"); }
TEST_CASE("comp_to_gwrite", "[neupims][rule]") { check_rule("comp_to_gwrite"); }
TEST_CASE("comp_to_precharge", "[neupims][rule]") { check_rule("comp_to_precharge"); }
TEST_CASE("comp_to_rd", "[neupims][rule]") { check_rule("comp_to_rd"); }
TEST_CASE("comp_to_readres", "[neupims][rule]") { check_rule("comp_to_readres"); }
TEST_CASE("comp_to_wr", "[neupims][rule]") { check_rule("comp_to_wr"); }
TEST_CASE("comps_readres_mac", "[neupims][rule]") { check_rule("comps_readres_mac"); }
TEST_CASE("comps_readres_to_precharge", "[neupims][rule]") { check_rule("comps_readres_to_precharge"); }
TEST_CASE("gact_faw", "[neupims][rule]") { check_rule("gact_faw"); }
TEST_CASE("gact_to_act_bank", "[neupims][rule]") { check_rule("gact_to_act_bank"); }
TEST_CASE("gact_to_comp", "[neupims][rule]") { check_rule("gact_to_comp"); }
TEST_CASE("gact_to_gact_bank", "[neupims][rule]") { check_rule("gact_to_gact_bank"); }
TEST_CASE("gact_to_pim_precharge", "[neupims][rule]") { check_rule("gact_to_pim_precharge"); }
TEST_CASE("gwrite_bank", "[neupims][rule]") { check_rule("gwrite_bank"); }
TEST_CASE("gwrite_busy", "[neupims][rule]") { check_rule("gwrite_busy"); }
TEST_CASE("gwrite_to_rd", "[neupims][rule]") { check_rule("gwrite_to_rd"); }
TEST_CASE("gwrite_to_wr", "[neupims][rule]") { check_rule("gwrite_to_wr"); }
TEST_CASE("rd_to_gwrite", "[neupims][rule]") { check_rule("rd_to_gwrite"); }
TEST_CASE("rd_to_pim", "[neupims][rule]") { check_rule("rd_to_pim"); }
TEST_CASE("rd_to_rd", "[neupims][rule]") { check_rule("rd_to_rd"); }
TEST_CASE("rd_to_wr", "[neupims][rule]") { check_rule("rd_to_wr"); }
TEST_CASE("readres_to_comp", "[neupims][rule]") { check_rule("readres_to_comp"); }
TEST_CASE("readres_to_gact", "[neupims][rule]") { check_rule("readres_to_gact"); }
TEST_CASE("readres_to_gwrite", "[neupims][rule]") { check_rule("readres_to_gwrite"); }
TEST_CASE("readres_to_precharge", "[neupims][rule]") { check_rule("readres_to_precharge"); }
TEST_CASE("readres_to_rd", "[neupims][rule]") { check_rule("readres_to_rd"); }
TEST_CASE("readres_to_readres", "[neupims][rule]") { check_rule("readres_to_readres"); }
TEST_CASE("readres_to_wr", "[neupims][rule]") { check_rule("readres_to_wr"); }
TEST_CASE("tFAW", "[neupims][rule]") { check_rule("tFAW"); }
TEST_CASE("tRAS", "[neupims][rule]") { check_rule("tRAS"); }
TEST_CASE("tRC", "[neupims][rule]") { check_rule("tRC"); }
TEST_CASE("tRCD_GWRITE", "[neupims][rule]") { check_rule("tRCD_GWRITE"); }
TEST_CASE("tRCD_RD", "[neupims][rule]") { check_rule("tRCD_RD"); }
TEST_CASE("tRCD_WR", "[neupims][rule]") { check_rule("tRCD_WR"); }
TEST_CASE("tRFC", "[neupims][rule]") { check_rule("tRFC"); }
TEST_CASE("tRP", "[neupims][rule]") { check_rule("tRP"); }
TEST_CASE("tRP_GACT", "[neupims][rule]") { check_rule("tRP_GACT"); }
TEST_CASE("tRP_REF", "[neupims][rule]") { check_rule("tRP_REF"); }
TEST_CASE("tRP_pim_gact", "[neupims][rule]") { check_rule("tRP_pim_gact"); }
TEST_CASE("tRP_pim_ref", "[neupims][rule]") { check_rule("tRP_pim_ref"); }
TEST_CASE("tRRD_L", "[neupims][rule]") { check_rule("tRRD_L"); }
TEST_CASE("tRRD_S", "[neupims][rule]") { check_rule("tRRD_S"); }
TEST_CASE("tRTP", "[neupims][rule]") { check_rule("tRTP"); }
TEST_CASE("tRTRS_rd_to_rd", "[neupims][rule]") { check_rule("tRTRS_rd_to_rd"); }
TEST_CASE("tRTRS_rd_to_readres", "[neupims][rule]") { check_rule("tRTRS_rd_to_readres"); }
TEST_CASE("tWR", "[neupims][rule]") { check_rule("tWR"); }
TEST_CASE("tWTR_L", "[neupims][rule]") { check_rule("tWTR_L"); }
TEST_CASE("tWTR_L_gwrite", "[neupims][rule]") { check_rule("tWTR_L_gwrite"); }
TEST_CASE("tWTR_L_pim", "[neupims][rule]") { check_rule("tWTR_L_pim"); }
TEST_CASE("tWTR_S", "[neupims][rule]") { check_rule("tWTR_S"); }
TEST_CASE("tWTR_S_gwrite", "[neupims][rule]") { check_rule("tWTR_S_gwrite"); }
TEST_CASE("tWTR_S_pim", "[neupims][rule]") { check_rule("tWTR_S_pim"); }
TEST_CASE("wr_to_wr", "[neupims][rule]") { check_rule("wr_to_wr"); }
TEST_CASE("gact_in_faw", "[neupims][rule]") { check_rule("gact_in_faw"); }
