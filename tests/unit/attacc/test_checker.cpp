// One test per rule of the AttAcc timing table (attacc_pim.md §4.1), named
// after it: a hand-written stream where the rule binds, accepted by the
// independent checker on the boundary and rejected one cycle earlier with that
// rule; the same stream's last command gets exactly that earliest cycle from
// the rule engine with the AttAcc command set. Preset attacc-hbm3-5.2:
// nRCDRD 19, nRP 19, nRAS 45, nRC 63, nRTPL 8, nCCDAB = nCCDSB 6, nBL 2,
// nCCDS 2, nCCDL 4, nRFC 456.
#include <catch2/catch.hpp>

#include "dram/engine.h"
#include "dram/spec.h"
#include "pim/attacc.h"
#include "pim/attacc_checker.h"

using namespace pimlab;
using namespace pimlab::pim;
using pim::AttaccIssued;

namespace {

const dram::DramSpec& hbm() { return dram::preset("attacc-hbm3-5.2"); }

AttaccIssued I(long long t, dram::ClassId c, int rank = 0, int bg = 0, int bank = 0, int row = 0, int pch = 0) {
  return AttaccIssued{t, c, pim::AttaccAddr{0, pch, rank, bg, bank, row, 0}};
}

bool has(const std::vector<pim::AttaccViolation>& v, const std::string& rule, std::size_t idx) {
  for (const auto& x : v)
    if (x.rule == rule && x.index == idx) return true;
  return false;
}

// Engine address of an issued command as the artifact-compatible controller forms it.
dram::Command to_cmd(const AttaccIssued& a) {
  dram::Command c;
  c.cls = a.cls;
  const auto& x = a.addr;
  switch (a.cls) {
    case pim::kACTAB: case pim::kMACAB: c.addr = pim::engine_addr(0, 0, 0, 0, x.row); break;
    case pim::kACTSB: case pim::kMACSB: case pim::kPRESB: c.addr = pim::engine_addr(0, 0, 0, x.bank, x.row); break;
    default: c.addr = pim::engine_addr(x.pch, x.rank, x.bg, x.bank, x.row);
  }
  return c;
}

// The last command of `s` at `boundary`: accepted; at boundary - 1: `rule`.
// With `engine`, the rule engine names `boundary` as its earliest cycle.
void boundary(std::vector<AttaccIssued> s, long long b, const std::string& rule, bool art = true, bool engine = true) {
  const std::size_t last = s.size() - 1;
  s.back().cycle = b;
  const auto ok = pim::check_attacc_channel(hbm(), s, art);
  INFO("at the boundary " << b << ": " << (ok.empty() ? "ok" : ok[0].rule + " " + ok[0].what));
  CHECK(ok.empty());
  s.back().cycle = b - 1;
  CHECK(has(pim::check_attacc_channel(hbm(), s, art), rule, last));
  if (engine) {
    const dram::CommandSet set = pim::attacc_command_set(hbm(), art);
    dram::ChannelEngine e(hbm(), set, true);
    for (std::size_t i = 0; i < last; ++i) {
      e.issue(to_cmd(s[i]), s[i].cycle);
      if (art && s[i].cls == kMACPB) {  // the controller records the [Q] alias with every MACPB
        dram::Command alias;
        alias.cls = kMACPBAlias;
        alias.addr = engine_addr(0, 0, s[i].addr.rank, s[i].addr.bank, 0);
        e.record_external(alias, s[i].cycle);
      }
    }
    CHECK(e.earliest(to_cmd(s.back())) == b);
  }
}

}  // namespace

using namespace pim;

TEST_CASE("row_cmd_2", "[attacc][rule]") {
  boundary({I(0, kACTSB, 0, 0, 0, 1), I(0, kACTSB, 0, 0, 1, 1)}, 2, "row_cmd_2");
  boundary({I(0, kACTPB, 0, 0, 0, 1), I(0, kACTPB, 0, 1, 0, 1)}, 2, "row_cmd_2");
}

TEST_CASE("tRCD", "[attacc][rule]") {
  boundary({I(0, kACTAB, 0, 0, 0, 5), I(0, kMACAB, 0, 0, 0, 5)}, 19, "tRCD");
  boundary({I(0, kACTSB, 0, 0, 2, 5), I(0, kMACSB, 0, 0, 2, 5)}, 19, "tRCD");
  boundary({I(0, kACTPB, 1, 3, 2, 5), I(0, kMACPB, 1, 3, 2, 5)}, 19, "tRCD");
}

TEST_CASE("tRAS", "[attacc][rule]") {
  boundary({I(0, kACTAB, 0, 0, 0, 5), I(0, kPREA)}, 45, "tRAS");
  boundary({I(0, kACTPB, 1, 3, 2, 5), I(0, kPREPB, 1, 3, 2, 5)}, 45, "tRAS");
}

TEST_CASE("tRP", "[attacc][rule]") {
  boundary({I(0, kACTAB, 0, 0, 0, 5), I(45, kPREA), I(0, kACTAB, 0, 0, 0, 6)}, 64, "tRP");
  boundary({I(0, kACTSB, 0, 0, 1, 5), I(45, kPRESB, 0, 0, 1, 5), I(0, kACTSB, 0, 0, 1, 6)}, 64, "tRP");
}

TEST_CASE("tRC", "[attacc][rule]") {
  // nRAS + nRP = 64 > nRC = 63, so tRC never binds alone: an activation 10
  // cycles after the precharge breaks both.
  std::vector<AttaccIssued> s{I(0, kACTPB, 0, 1, 1, 5), I(45, kPREPB, 0, 1, 1, 5), I(55, kACTPB, 0, 1, 1, 6)};
  const auto v = check_attacc_channel(hbm(), s, true);
  CHECK(has(v, "tRC", 2));
  CHECK(has(v, "tRP", 2));
}

TEST_CASE("tRTP", "[attacc][rule]") {
  boundary({I(0, kACTAB, 0, 0, 0, 5), I(40, kMACAB, 0, 0, 0, 5), I(0, kPREA)}, 48, "tRTP");
  boundary({I(0, kACTSB, 0, 0, 3, 5), I(40, kMACSB, 0, 0, 3, 5), I(0, kPRESB, 0, 0, 3, 5)}, 48, "tRTP");
}

TEST_CASE("tCCDAB", "[attacc][rule]") {
  boundary({I(0, kACTAB, 0, 0, 0, 5), I(19, kMACAB, 0, 0, 0, 5), I(0, kMACAB, 0, 0, 0, 5)}, 25, "tCCDAB");
}

TEST_CASE("tCCDSB", "[attacc][rule]") {
  // Different bank indices: only the channel-level pacing binds.
  boundary({I(0, kACTSB, 0, 0, 0, 5), I(2, kACTSB, 0, 0, 1, 5), I(21, kMACSB, 0, 0, 0, 5), I(0, kMACSB, 0, 0, 1, 5)},
           27, "tCCDSB");
}

TEST_CASE("tMACPB_BL", "[attacc][rule]") {
  boundary({I(0, kACTPB, 0, 0, 0, 5), I(2, kACTPB, 1, 1, 0, 5), I(21, kMACPB, 0, 0, 0, 5), I(0, kMACPB, 1, 1, 0, 5)},
           23, "tMACPB_BL");
}

TEST_CASE("tMACPB_CCDS", "[attacc][rule]") {
  // Same rank, other bank group: nCCDS (= nBL in every preset, so the channel
  // rule binds at the same cycle; the checker names both).
  std::vector<AttaccIssued> s{I(0, kACTPB, 1, 0, 0, 5), I(2, kACTPB, 1, 1, 0, 5), I(21, kMACPB, 1, 0, 0, 5),
                              I(22, kMACPB, 1, 1, 0, 5)};
  CHECK(has(check_attacc_channel(hbm(), s, true), "tMACPB_CCDS", 3));
}

TEST_CASE("tMACPB_CCDL", "[attacc][rule]") {
  boundary({I(0, kACTPB, 0, 2, 0, 5), I(2, kACTPB, 0, 2, 1, 5), I(21, kMACPB, 0, 2, 0, 5), I(0, kMACPB, 0, 2, 1, 5)},
           25, "tMACPB_CCDL");
}

TEST_CASE("tRFC", "[attacc][rule]") {
  boundary({I(0, kREFab, 0, 0, 0, 0, 0), I(0, kACTAB, 0, 0, 0, 5)}, 456, "tRFC");
}

TEST_CASE("tDATA_BL", "[attacc][rule]") {
  boundary({I(0, kWRGB, 0, 0, 0), I(0, kMVSB, 1, 2, 0)}, 2, "tDATA_BL");
}

TEST_CASE("tDATA_CCDL", "[attacc][rule]") {
  boundary({I(0, kMVGB, 0, 1, 0), I(0, kMVGB, 0, 1, 3)}, 4, "tDATA_CCDL");
}

TEST_CASE("tDATA_CCDS", "[attacc][rule]") {
  std::vector<AttaccIssued> s{I(0, kMVSB, 1, 0, 0), I(1, kMVSB, 1, 3, 0)};
  CHECK(has(check_attacc_channel(hbm(), s, true), "tDATA_CCDS", 1));
}

TEST_CASE("SFM checks the channel node only (artifact) or the data bus (faithful)", "[attacc][rule]") {
  // [Q] artifact: SFM issues 1 tCK after an MVSB (the same cycle only breaks
  // the one-column-command-per-cycle slot rule); faithful: nCCDL after it.
  boundary({I(0, kMVSB, 0, 0, 0), I(0, kSFM)}, 1, "slots", true, true);
  boundary({I(0, kMVSB, 0, 0, 0), I(0, kSFM)}, 4, "tDATA_CCDL", false, false);
}

TEST_CASE("tRTP_alias", "[attacc][rule]") {
  // [Q] a MACPB to (rank 1, BG 3, bank 2) also holds the PREPB of (rank 0, BG 1, bank 2) for nRTPL.
  boundary({I(0, kACTPB, 0, 1, 2, 5), I(2, kACTPB, 1, 3, 2, 5), I(60, kMACPB, 1, 3, 2, 5), I(0, kPREPB, 0, 1, 2, 5)},
           68, "tRTP_alias");
}

TEST_CASE("tRC_REF and tRP_REF (faithful only)", "[attacc][rule]") {
  boundary({I(0, kACTAB, 0, 0, 0, 5), I(50, kPREA), I(0, kREFab, 0, 0, 0, 0, 0)}, 69, "tRP_REF", false, false);
  std::vector<AttaccIssued> s{I(0, kACTAB, 0, 0, 0, 5), I(45, kPREA), I(46, kREFab)};
  CHECK(has(check_attacc_channel(hbm(), s, false), "tRC_REF", 2));
  CHECK(check_attacc_channel(hbm(), s, true).empty());  // the artifact never checks them
}

TEST_CASE("slots: two commands per cycle only of different kinds, untyped alone", "[attacc][rule]") {
  std::vector<AttaccIssued> two_col{I(0, kACTAB, 0, 0, 0, 5), I(19, kMACAB, 0, 0, 0, 5), I(19, kWRGB)};
  CHECK(has(check_attacc_channel(hbm(), two_col, true), "slots", 2));
  std::vector<AttaccIssued> row_col{I(0, kACTAB, 0, 0, 0, 5), I(19, kMACAB, 0, 0, 0, 5), I(20, kWRGB)};
  CHECK(check_attacc_channel(hbm(), row_col, true).empty());
  std::vector<AttaccIssued> untyped{I(0, kACTSB, 0, 0, 1, 5), I(45, kPRESB, 0, 0, 1, 5), I(45, kWRGB)};
  CHECK(has(check_attacc_channel(hbm(), untyped, true), "slots", 2));
}

TEST_CASE("state: MAC on a closed row, activation of an open bank, refresh with open banks", "[attacc][rule]") {
  std::vector<AttaccIssued> mac{I(0, kACTAB, 0, 0, 0, 5), I(30, kMACAB, 0, 0, 0, 6)};
  CHECK(has(check_attacc_channel(hbm(), mac, true), "state", 1));
  std::vector<AttaccIssued> act{I(0, kACTSB, 0, 0, 1, 5), I(100, kACTSB, 0, 0, 1, 6)};
  CHECK(has(check_attacc_channel(hbm(), act, true), "state", 1));
  std::vector<AttaccIssued> ref{I(0, kACTPB, 0, 0, 1, 5), I(100, kREFab)};
  CHECK(has(check_attacc_channel(hbm(), ref, true), "state", 1));
}

// Host memory traffic in an AttAcc channel (pim::AttaccController::push_host,
// docs/tlm.md "AttAcc family in the channel"): the HBM3 bank rules of ACT /
// RD / WR / PRE and their rules against the PIM row commands on the banks
// both touch; faithful streams (host ACT on pCH 1, SID 0, BG 1, bank 2).
TEST_CASE("host tRCD and tRCDWR", "[attacc][rule][host]") {
  boundary({I(0, kACT, 0, 1, 2, 5, 1), I(0, kRD, 0, 1, 2, 5, 1)}, 19, "tRCD", false);
  boundary({I(0, kACT, 0, 1, 2, 5, 1), I(0, kWR, 0, 1, 2, 5, 1)}, 19, "tRCDWR", false);
}

TEST_CASE("host tRAS and tWR", "[attacc][rule][host]") {
  boundary({I(0, kACT, 0, 1, 2, 5, 1), I(19, kRD, 0, 1, 2, 5, 1), I(0, kPRE, 0, 1, 2, 5, 1)}, 45, "tRAS", false);
  // nCWL 6 + nBL 2 + nWR 21 after the WR at 19.
  boundary({I(0, kACT, 0, 1, 2, 5, 1), I(19, kWR, 0, 1, 2, 5, 1), I(0, kPRE, 0, 1, 2, 5, 1)}, 48, "tWR", false);
}

TEST_CASE("host tRP: a host activation after the PIM rows' PREA, a PIM activation after a host PRE",
          "[attacc][rule][host]") {
  boundary({I(0, kACTAB, 0, 0, 0, 5), I(45, kPREA), I(0, kACT, 0, 1, 2, 7, 1)}, 64, "tRP", false);
  boundary({I(0, kACT, 0, 1, 2, 7, 1), I(45, kPRE, 0, 1, 2, 7, 1), I(0, kACTSB, 0, 0, 2, 5)}, 64, "tRP", false);
}

TEST_CASE("host tFAW", "[attacc][rule][host]") {
  // Five activations of pCH 0 in different bank groups (tRRD_S 2 apart): the
  // fifth waits nFAW 39 after the first.
  boundary({I(0, kACT, 0, 0, 0, 1), I(2, kACT, 0, 1, 0, 1), I(4, kACT, 0, 2, 0, 1), I(6, kACT, 0, 3, 0, 1),
            I(0, kACT, 1, 0, 0, 1)},
           39, "tFAW", false);
}

TEST_CASE("host tDATA_BL: host reads share the data bus with the data moves", "[attacc][rule][host]") {
  boundary({I(0, kACT, 1, 1, 0, 3), I(19, kWRGB), I(0, kRD, 1, 1, 0, 3)}, 21, "tDATA_BL", false);
}

TEST_CASE("host tWTR_L", "[attacc][rule][host]") {
  // nCWL 6 + nBL 2 + nWTRL 11 after the WR at 19.
  boundary({I(0, kACT, 0, 1, 2, 5, 1), I(19, kWR, 0, 1, 2, 5, 1), I(0, kRD, 0, 1, 2, 5, 1)}, 38, "tWTR_L", false);
}

TEST_CASE("host state: one row buffer per bank shared by host and PIM", "[attacc][rule][host]") {
  std::vector<AttaccIssued> host_over_pim{I(0, kACTAB, 0, 0, 0, 5), I(100, kACT, 0, 1, 2, 7, 1)};
  CHECK(has(check_attacc_channel(hbm(), host_over_pim, false), "state", 1));
  std::vector<AttaccIssued> pim_over_host{I(0, kACT, 0, 1, 2, 7, 1), I(100, kACTSB, 0, 0, 1, 5)};
  CHECK(has(check_attacc_channel(hbm(), pim_over_host, false), "state", 1));
  std::vector<AttaccIssued> closed{I(0, kACT, 0, 1, 2, 7, 1), I(50, kPRE, 0, 1, 2, 7, 1), I(100, kRD, 0, 1, 2, 7, 1)};
  CHECK(has(check_attacc_channel(hbm(), closed, false), "state", 2));
}
