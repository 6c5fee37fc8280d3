// Forward progress of the Newton / NeuPIMs controller (docs/pim_protocols.md,
// "Forward progress"): a refresh that falls inside a GEMV closes the banks
// of its rank, and the GEMV's next COMP or READRES reopens the row with a
// G_ACT; a channel that stops making progress throws pim::NewtonStall. Also
// the P_HEADER encoder's ranges.
#include <catch2/catch.hpp>

#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "pim/newton.h"
#include "pim/newton_checker.h"
#include "pim/newton_controller.h"

using namespace pimlab::pim;

namespace {

// SINGLE GEMVs on rows 100, 101, ...: each an honest P_HEADER(row, R, R) and
// R x (1 COMP + READRES). The deadline estimate counts 2 cycles per READRES;
// each pair takes 8 (the first COMP after a READRES fills the adder tree, 6
// cycles), so a GEMV that passes the check can still run into the refresh.
NewtonWorkload single_gemvs(int gemvs, int readres) {
  NewtonWorkload w;
  for (int g = 0; g < gemvs; ++g) {
    const int row = 100 + g;
    const auto r = static_cast<std::uint64_t>(readres);
    w.pim.push_back(make_txn(TxnType::PHeader, p_header_addr(0, row, r, r)));
    for (int i = 0; i < readres; ++i) {
      w.pim.push_back(make_txn(TxnType::Comp, comp_addr(0, row)));
      w.pim.push_back(make_txn(TxnType::ReadRes, readres_addr(0, row, i == readres - 1)));
    }
  }
  return w;
}

bool is_pim_op(NewtonClass c) { return c == NewtonClass::COMP || c == NewtonClass::READRES; }

}  // namespace

TEST_CASE("newton single: a refresh inside a GEMV, READRES reopens the row", "[neupims][progress]") {
  const bool artifact = GENERATE(false, true);
  NewtonOptions o;
  o.type = PimType::Single;
  o.artifact_compatible = artifact;
  const NewtonWorkload w = single_gemvs(4, 128);
  std::vector<NewtonIssued> trace;
  NewtonCounters c;
  INFO("artifact-compatible " << artifact);
  // Before the fix: "newton channel: no progress for 200000 cycles ..." (a
  // READRES at the head, every bank of the refreshed rank closed).
  REQUIRE_NOTHROW(c = run_newton(o, w, &trace));
  CHECK(c.responses == c.expected);
  CHECK(c.expected == 4u * 128u * 2u);
  CHECK(c.num_comp_cmds == 4u * 128u);
  CHECK(c.num_readres_cmds == 4u * 128u);
  CHECK(check_newton(o, newton_spec().t, trace, 0).empty());

  // The case is the one described: a REF between a GEMV's P_HEADER and its
  // last READRES, after which the first PIM operation is a READRES, preceded
  // by the G_ACTs that reopen the row on the refreshed rank.
  int refs_inside = 0, readres_reopened = 0;
  bool in_gemv = false, after_ref = false;
  int gacts_since_ref = 0, readres_in_gemv = 0;
  for (const NewtonIssued& x : trace) {
    if (x.cls == NewtonClass::P_HEADER) {
      in_gemv = true;
      readres_in_gemv = 0;
    }
    if (x.cls == NewtonClass::REF && in_gemv) {
      ++refs_inside;
      after_ref = true;
      gacts_since_ref = 0;
    }
    if (x.cls == NewtonClass::G_ACT && after_ref) ++gacts_since_ref;
    if (is_pim_op(x.cls) && after_ref) {
      if (x.cls == NewtonClass::READRES && gacts_since_ref == 4) ++readres_reopened;  // the rank's 4 bank groups
      after_ref = false;
    }
    if (x.cls == NewtonClass::READRES && ++readres_in_gemv == 128) in_gemv = false;  // its last one
  }
  CHECK(refs_inside >= 1);
  CHECK(readres_reopened >= 1);

  // Every COMP and READRES finds the GEMV's row open in all 32 banks.
  std::map<int, int> open;  // bank -> row
  int bad = 0;
  for (const NewtonIssued& x : trace) {
    switch (x.cls) {
      case NewtonClass::G_ACT:
        for (int b = 0; b < 4; ++b) open[(x.rank * 4 + x.bg) * 4 + b] = x.row;
        break;
      case NewtonClass::PRE: open.erase((x.rank * 4 + x.bg) * 4 + x.bank); break;
      case NewtonClass::COMP:
      case NewtonClass::READRES:
        for (int b = 0; b < 32; ++b)
          if (!open.count(b) || open[b] != x.row) ++bad;
        break;
      default: break;
    }
  }
  CHECK(bad == 0);

  // The plain cycle-stepped controller issues the same commands at the same cycles.
  NewtonOptions plain = o;
  plain.event_skip = false;
  std::vector<NewtonIssued> plain_trace;
  const NewtonCounters pc = run_newton(plain, w, &plain_trace);
  CHECK(pc.cycles == c.cycles);
  REQUIRE(plain_trace.size() == trace.size());
  std::size_t differ = 0;
  for (std::size_t i = 0; i < trace.size(); ++i)
    if (plain_trace[i].cycle != trace[i].cycle || plain_trace[i].cls != trace[i].cls ||
        plain_trace[i].rank != trace[i].rank || plain_trace[i].bg != trace[i].bg || plain_trace[i].bank != trace[i].bank)
      ++differ;
  CHECK(differ == 0);
}

TEST_CASE("newton: NewtonStall names the cycle and the outstanding responses", "[neupims][progress]") {
  const NewtonStall s(217561, 152, "newton seed 3 chunk 9 (single)");
  CHECK(s.cycle() == 217561u);
  CHECK(s.outstanding() == 152u);
  CHECK(std::string(s.what()) ==
        "newton seed 3 chunk 9 (single): newton channel: no progress for 200000 cycles at cycle 217561 "
        "(152 responses outstanding)");
  CHECK(std::string(NewtonStall(5, 0).what()) ==
        "newton channel: no progress for 200000 cycles at cycle 5 (0 responses outstanding)");
  const std::runtime_error& base = s;  // an internal error, not bad input
  CHECK(dynamic_cast<const std::invalid_argument*>(&base) == nullptr);
}

TEST_CASE("newton: p_header_addr refuses counts its fields cannot hold", "[neupims][encoding]") {
  // In range: log2 rounded down, decoded back as the power of two.
  CHECK(make_txn(TxnType::PHeader, p_header_addr(0, 5, 128, 8)).num_comps == 128u);
  CHECK(make_txn(TxnType::PHeader, p_header_addr(0, 5, 255, 8)).num_comps == 128u);
  CHECK(make_txn(TxnType::PHeader, p_header_addr(0, 5, 1, 1)).num_comps == 1u);
  CHECK(make_txn(TxnType::PHeader, p_header_addr(0, 5, 3, 0xFFFFFFFFull)).num_readres == (1ull << 31));
  // Out of range: refused, never wrapped (256 used to read back as 1).
  const auto msg = [](std::uint64_t c, std::uint64_t r) {
    try {
      p_header_addr(0, 5, c, r);
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  CHECK(msg(256, 1) ==
        "P_HEADER num_comps 256 out of range [1, 255] (log2 in 3 bits; counts are rounded down to a power of two)");
  CHECK(msg(0, 1).find("P_HEADER num_comps 0 out of range [1, 255]") == 0);
  CHECK(msg(1, 0).find("P_HEADER num_readres 0 out of range [1, 4294967295]") == 0);
  CHECK(msg(1, 1ull << 32).find("P_HEADER num_readres 4294967296 out of range [1, 4294967295]") == 0);
}
