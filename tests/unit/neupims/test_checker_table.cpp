// The Newton checker's own table (pim/newton_checker.cpp, written from the
// per-bank tables of neupims_pim.md §4.1) against the engine's rule rows
// (pim/newton.cpp, written as scoped rules): two formulations of the same
// constraints. test_newton_rules.cpp walks every engine row and checks the
// checker names it; this file walks every checker row and checks the engine
// enforces it, so a row missing or too short in either table fails one side.
// The one place where they differ on purpose is listed and tested as such.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "dram/engine.h"
#include "pim/newton.h"
#include "pim/newton_checker.h"

using namespace pimlab::pim;
namespace dram = pimlab::dram;

namespace {

// The previous command at rank 0, bank group 1, bank 1 (a G_ACT: that bank
// group; a REF: rank 0); the next one in a bank of the row's relation.
NewtonIssued prev_cmd(NewtonClass c, std::uint32_t arg, std::uint64_t cycle) {
  NewtonIssued x;
  x.cls = c;
  x.rank = 0, x.bg = 1, x.bank = 1, x.row = 7;
  x.arg = arg;
  x.cycle = cycle;
  return x;
}

NewtonIssued next_cmd(NewtonClass c, NewtonRelation r, std::uint64_t cycle) {
  NewtonIssued x;
  x.cls = c;
  x.row = 7;
  x.cycle = cycle;
  switch (r) {
    case NewtonRelation::SameBank: x.rank = 0, x.bg = 1, x.bank = 1; break;
    case NewtonRelation::OtherBanksSameBg:
    case NewtonRelation::Group: x.rank = 0, x.bg = 1, x.bank = 2; break;
    case NewtonRelation::OtherBgsSameRank:
    case NewtonRelation::SameRank: x.rank = 0, x.bg = 3, x.bank = 0; break;
    case NewtonRelation::OtherRank:
    case NewtonRelation::All: x.rank = 1, x.bg = 2, x.bank = 3; break;
  }
  return x;
}

dram::Command engine_cmd(const NewtonIssued& p) {
  dram::Command c;
  c.cls = cid(p.cls);
  c.addr.pch = dram::PchId{p.rank};
  c.addr.bg = dram::BankGroupId{p.bg};
  c.addr.bank = dram::BankId{p.bank};
  c.addr.row = dram::RowId{p.row};
  c.arg = p.arg;
  return c;
}

bool names(const std::vector<NewtonViolation>& v, const std::string& rule) {
  for (const auto& x : v)
    if (x.rule == rule) return true;
  return false;
}

}  // namespace

TEST_CASE("newton checker table: every row enforced by the engine and caught one cycle early",
          "[neupims][checker]") {
  const dram::DramSpec spec = newton_spec();
  int rows = 0;
  for (PimType type : {PimType::Dual, PimType::Single})
    for (bool artifact : {true, false}) {
      const NewtonOptions o{type, artifact};
      const dram::CommandSet set = newton_command_set(o);
      for (const NewtonCheckRow& row : newton_check_table(o)) {
        // Arguments: a COMP that fills the adder tree; COMPS_READRES of 8 MACs.
        const std::uint32_t arg = row.from == NewtonClass::COMP ? 1 : 8;
        const int d = row.distance(spec.t, arg);
        INFO(pim_type_name(type) << (artifact ? " artifact " : " faithful ") << row.name << ": "
                                 << newton_class_name(row.from) << " -> " << newton_class_name(row.to) << " ("
                                 << relation_name(row.rel) << ") = " << d);
        REQUIRE(d > 0);
        ++rows;
        const NewtonIssued p = prev_cmd(row.from, arg, 100);
        // The engine: the next command is not legal before the bound.
        dram::ChannelEngine e(spec, set);
        e.record_external(engine_cmd(p), 100);
        const NewtonIssued n = next_cmd(row.to, row.rel, 0);
        CHECK(e.earliest(engine_cmd(n)) >= static_cast<dram::Cycle>(100 + d));
        // The checker: one cycle early names the row; at the bound it does not.
        for (int early = 1; early >= 0; --early) {
          const std::uint64_t at = 100 + static_cast<std::uint64_t>(d - early);
          if (at <= 100) continue;
          const auto v = check_newton(o, spec.t, {p, next_cmd(row.to, row.rel, at)}, 0);
          if (early) CHECK(names(v, row.name));
          else CHECK_FALSE(names(v, row.name));
        }
      }
    }
  CHECK(rows > 200);
}

TEST_CASE("newton checker table vs engine: GWRITE -> GWRITE in the same bank", "[neupims][checker]") {
  // The artifact's GWRITE sets no GWRITE bound in its own bank (§4.1); the
  // engine's gwrite_busy row (pseudo-channel scope) includes that bank in both
  // modes, so in artifact-compatible mode the engine is the stricter of the
  // two here. Faithful: both hold the bank for the 96-cycle row copy.
  const dram::DramSpec spec = newton_spec();
  for (bool artifact : {true, false}) {
    const NewtonOptions o{PimType::Dual, artifact};
    const NewtonIssued p = prev_cmd(NewtonClass::GWRITE, 0, 100);
    const NewtonIssued n = next_cmd(NewtonClass::GWRITE, NewtonRelation::SameBank, 150);
    const auto v = check_newton(o, spec.t, {p, n}, 0);
    CHECK(names(v, "gwrite_busy") == !artifact);
    dram::ChannelEngine e(spec, newton_command_set(o));
    e.record_external(engine_cmd(p), 100);
    CHECK(e.earliest(engine_cmd(n)) == 196);
  }
}

TEST_CASE("newton checker: the four-activation window counts ACTs only", "[neupims][checker]") {
  const dram::DramSpec spec = newton_spec();
  const NewtonOptions o{PimType::Dual, true};
  std::vector<NewtonIssued> s;
  // Four ACTs of rank 0 in four bank groups, 4 cycles apart (tRRD_S), then a fifth.
  for (int k = 0; k < 4; ++k) {
    NewtonIssued a = prev_cmd(NewtonClass::ACT, 0, 100 + 4 * static_cast<std::uint64_t>(k));
    a.bg = k;
    s.push_back(a);
  }
  NewtonIssued fifth = prev_cmd(NewtonClass::ACT, 0, 129);
  fifth.bg = 0, fifth.bank = 3;
  s.push_back(fifth);
  CHECK(names(check_newton(o, spec.t, s, 0), "tFAW"));
  s.back().cycle = 130;
  CHECK_FALSE(names(check_newton(o, spec.t, s, 0), "tFAW"));
  // A G_ACT is not in the window (quirk 2b in artifact mode).
  s.pop_back();
  NewtonIssued g = prev_cmd(NewtonClass::G_ACT, 0, 129);
  g.rank = 1;  // another rank: no G_ACT rule binds
  s.push_back(g);
  CHECK(check_newton(o, spec.t, s, 0).empty());
}

TEST_CASE("newton checker: PIM commands need the GEMV row open in every bank", "[neupims][checker]") {
  const dram::DramSpec spec = newton_spec();
  for (PimType type : {PimType::Dual, PimType::Single}) {
    const NewtonOptions o{type, true};
    const NewtonClass mac = type == PimType::Dual ? NewtonClass::COMPS_READRES : NewtonClass::COMP;
    std::vector<NewtonIssued> s;
    std::uint64_t t = 100;
    // G_ACTs of row 7 in all 8 bank groups (rank-alternating, tFAW apart per rank).
    for (int g = 0; g < 8; ++g) {
      NewtonIssued x = prev_cmd(NewtonClass::G_ACT, 0, t);
      x.rank = g % 2, x.bg = g / 2, x.bank = 0;
      s.push_back(x);
      t += g % 2 ? 30 : 1;
    }
    NewtonIssued m;
    m.cls = mac, m.row = 7, m.cycle = t + 20, m.arg = 4;
    s.push_back(m);
    INFO(pim_type_name(type));
    CHECK(check_newton(o, spec.t, s, 0).empty());
    // One bank group short: the MAC finds a closed bank.
    std::vector<NewtonIssued> short_s(s.begin() + 1, s.end());
    CHECK(names(check_newton(o, spec.t, short_s, 0), "state"));
    // Another row: not the GEMV row.
    s.back().row = 8;
    CHECK(names(check_newton(o, spec.t, s, 0), "state"));
  }
}

TEST_CASE("newton checker: DUAL never opens one row in both buffers of a bank", "[neupims][checker]") {
  const dram::DramSpec spec = newton_spec();
  const NewtonOptions o{PimType::Dual, true};
  NewtonIssued act = prev_cmd(NewtonClass::ACT, 0, 100);
  NewtonIssued g = prev_cmd(NewtonClass::G_ACT, 0, 200);
  CHECK(names(check_newton(o, spec.t, {act, g}, 0), "state"));
  g.row = 9;  // another row in the PIM buffer: allowed
  CHECK(check_newton(o, spec.t, {act, g}, 0).empty());
}
