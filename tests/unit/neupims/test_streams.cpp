// The NeuPIMs attention streams (firmware/neupims) on the Newton / NeuPIMs
// channel against the measured cycles of tests/data/neupims/attention_streams.csv,
// artifact-compatible, with and without 60 x 16 concurrent row-miss reads;
// command counts against the closed forms of neupims_pim.md §9.2.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "firmware/neupims/streams.h"
#include "pim/newton_checker.h"

using namespace pimlab;
namespace np = pimlab::firmware::neupims;

TEST_CASE("neupims attention streams exact (artifact-compatible)", "[neupims][calibration]") {
  std::ifstream in(std::string(NEUPIMS_DATA_DIR) + "/attention_streams.csv");
  REQUIRE(in.good());
  std::string line;
  int rows = 0;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#' || line.rfind("op,", 0) == 0) continue;
    std::vector<std::string> f;
    std::stringstream ss(line);
    std::string x;
    while (std::getline(ss, x, ',')) f.push_back(x);
    REQUIRE(f.size() == 7);
    ++rows;
    int col = 3;
    for (int loads : {0, 60})
      for (pim::PimType t : {pim::PimType::Dual, pim::PimType::Single}) {
        np::AttentionSpec s;
        s.op = np::parse_op(f[0]);
        s.type = t;
        s.width = std::stoi(f[1]);
        s.len = std::stoi(f[2]);
        s.loads = loads;
        std::vector<pim::NewtonIssued> trace;
        const pim::NewtonOptions o{t, true};
        const pim::NewtonCounters c = pim::run_newton(o, np::attention_workload(s), &trace);
        INFO(line << " " << pim::pim_type_name(t) << " loads " << loads);
        CHECK(c.cycles == std::stoull(f[col++]));
        CHECK(pim::check_newton(o, pim::newton_spec().t, trace, 1).empty());
      }
  }
  CHECK(rows == 10);
}

TEST_CASE("neupims attention stream counts", "[neupims]") {
  // GPT-3 7B, TP 4 (E_tp 1024, h = 8), L = 1024 (neupims_pim.md §9.2):
  // q*K^T: 2 GWRITE + 64 rows + 256 COMPS_READRES of 8 MACs; 8 G_ACTs per row;
  // 32 PIM_PRECHARGEs per row change except the first row (63 * 32 = 2016).
  np::AttentionSpec s;
  s.width = 1024;
  s.len = 1024;
  pim::NewtonCounters c = pim::run_newton({pim::PimType::Dual, true}, np::attention_workload(s));
  CHECK(c.num_gwrite_cmds == 2);
  CHECK(c.num_p_header_cmds == 64);
  CHECK(c.num_readres_cmds == 256);
  CHECK(c.num_comp_cmds == 256 * 8);
  CHECK(c.num_gact_cmds == 64 * 8);
  CHECK(c.num_pim_precharge_cmds == 2016);
  // p*V: 16 GWRITE + 64 rows + 64 COMPS_READRES of 32 MACs.
  s.op = np::Op::Attend;
  c = pim::run_newton({pim::PimType::Dual, true}, np::attention_workload(s));
  CHECK(c.num_gwrite_cmds == 16);
  CHECK(c.num_p_header_cmds == 64);
  CHECK(c.num_readres_cmds == 64);
  CHECK(c.num_comp_cmds == 64 * 32);
  // SINGLE: a COMP per MAC step, READRES per result read, PRE (not PIM_PRECHARGE) per row change.
  s.type = pim::PimType::Single;
  c = pim::run_newton({pim::PimType::Single, true}, np::attention_workload(s));
  CHECK(c.num_comp_cmds == 64 * 32);
  CHECK(c.num_readres_cmds == 64);
  CHECK(c.num_pim_precharge_cmds == 0);
}

TEST_CASE("neupims attention bad sizes", "[neupims]") {
  np::AttentionSpec s;
  s.len = 0;
  CHECK_THROWS_WITH(np::attention_workload(s), Catch::Contains("--len 0"));
  s.len = 1;
  s.width = 100;
  CHECK_THROWS_WITH(np::attention_workload(s), Catch::Contains("multiple of d_head"));
}
