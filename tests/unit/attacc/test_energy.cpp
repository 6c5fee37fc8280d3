// AttAcc energy (pim::attacc_energy_pj): the host accesses' terms.
#include <catch2/catch.hpp>

#include "pim/attacc.h"

using namespace pimlab;

TEST_CASE("attacc energy: host accesses at the hand-derived FGDRAM figures, in every placement and mode") {
  // 1 host ACT: 1 KiB row x 8 bits x 0.11 pJ/bit = 901.12 pJ.
  // 3 RD + 1 WR: 4 x 32 B x 8 bits x (0.44 + 1.01 + 1.23 + 0.5 + 0.3 = 3.48) = 3563.52 pJ.
  pim::AttaccCounts c;
  c.cmd[pim::kACT] = 1;
  c.cmd[pim::kRD] = 3;
  c.cmd[pim::kWR] = 1;
  c.cmd[pim::kPRE] = 1;  // no term of its own (ACT/PRE 0.11 is charged at the ACT, as for the PIM rows)
  CHECK(pim::attacc_host_energy_pj(c) == Approx(4464.64).epsilon(1e-12));
  for (auto p : {pim::AttaccPlacement::Bank, pim::AttaccPlacement::BankGroup, pim::AttaccPlacement::Buffer})
    for (bool art : {false, true}) {
      INFO(pim::placement_name(p) << (art ? " artifact-compatible" : " faithful"));
      CHECK(pim::attacc_energy_pj(p, c, art) == Approx(4464.64).epsilon(1e-12));
    }
}

TEST_CASE("attacc energy: host terms add to the PIM terms, which are unchanged without host traffic") {
  // Bank placement, faithful: 6 MACAB requests and 2 ACTAB commands (the
  // TLM sharing case): 6 x 64 x 256 bits x 0.55 = 54067.2, 6 x 64 x 16 lanes
  // x 0.32 = 1966.08, 2 x 64 banks x 8192 bits x 0.11 = 115343.36; total 171376.64.
  pim::AttaccCounts c;
  c.req[static_cast<int>(pim::AttaccReq::MacAB)] = 6;
  c.cmd[pim::kACTAB] = 2;
  c.cmd[pim::kMACAB] = 6;
  CHECK(pim::attacc_host_energy_pj(c) == 0.0);
  CHECK(pim::attacc_energy_pj(pim::AttaccPlacement::Bank, c, false) == Approx(171376.64).epsilon(1e-12));
  // With the sharing case's two host reads (2 ACT, 2 RD): + 2 x 901.12 + 2 x 890.88 = 3584.
  c.cmd[pim::kACT] = 2;
  c.cmd[pim::kRD] = 2;
  CHECK(pim::attacc_host_energy_pj(c) == Approx(3584.0).epsilon(1e-12));
  CHECK(pim::attacc_energy_pj(pim::AttaccPlacement::Bank, c, false) == Approx(174960.64).epsilon(1e-12));
}
