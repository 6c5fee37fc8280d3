// The Newton / NeuPIMs channel against the calibration data of
// tests/data/neupims (NewtonSim outputs): every micro-benchmark row and both
// command traces, exact in artifact-compatible mode.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "pim/newton.h"
#include "pim/newton_checker.h"
#include "pim/newton_controller.h"

using namespace pimlab::pim;

namespace {

std::vector<std::vector<std::string>> read_csv(const std::string& name) {
  std::ifstream in(std::string(NEUPIMS_DATA_DIR) + "/" + name);
  REQUIRE(in.good());
  std::vector<std::vector<std::string>> rows;
  std::string line;
  bool header = true;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    if (header) {
      header = false;
      continue;
    }
    std::vector<std::string> f;
    std::stringstream ss(line);
    std::string x;
    while (std::getline(ss, x, ',')) f.push_back(x);
    if (!line.empty() && line.back() == ',') f.push_back("");
    rows.push_back(f);
  }
  return rows;
}

PimType type_of(const std::string& cfg) {
  if (cfg.find("dualpim") != std::string::npos) return PimType::Dual;
  if (cfg.find("singlepim") != std::string::npos) return PimType::Single;
  return PimType::Dram;
}

}  // namespace

TEST_CASE("newton micro-benchmark rows exact (artifact-compatible)", "[neupims][calibration]") {
  const auto rows = read_csv("newton_microbench.csv");
  REQUIRE(rows.size() == 22);
  for (const auto& r : rows) {
    const PimType type = type_of(r[0]);
    const int gemvs = std::stoi(r[1]), c = std::stoi(r[2]), rr = std::stoi(r[3]), loads = std::stoi(r[4]);
    const bool gw = r[5] == "1";
    NewtonOptions o{type, true};
    std::vector<NewtonIssued> trace;
    const NewtonCounters n = run_newton(o, newton_microbench(type, gemvs, c, rr, loads, gw), &trace);
    INFO(r[0] << " gemvs " << gemvs << " C " << c << " R " << rr << " loads " << loads << " gwrite " << gw);
    const std::string resp = std::to_string(n.responses) + "/" + std::to_string(n.expected);
    CHECK(n.cycles == std::stoull(r[7]));
    CHECK(resp == r[8]);
    const auto v = check_newton(o, newton_spec().t, trace, 5);
    CHECK(v.empty());
    for (const auto& x : v) UNSCOPED_INFO(x.rule << ": " << x.what);
  }
}

namespace {
void compare_trace(const std::string& file, PimType type, std::uint64_t cycles) {
  const auto rows = read_csv(file);
  NewtonOptions o{type, true};
  std::vector<NewtonIssued> trace;
  const NewtonCounters n = run_newton(o, newton_microbench(type, 3, 8, 4, 6, true), &trace);
  CHECK(n.cycles == cycles);
  std::vector<NewtonIssued> cmds;
  for (const auto& t : trace)
    if (t.cls != NewtonClass::REF) cmds.push_back(t);
  REQUIRE(cmds.size() == rows.size());
  std::size_t mismatches = 0;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& r = rows[i];
    std::string name = newton_class_name(cmds[i].cls);
    if (name == "ACT") name = "ACTIVATE";
    if (name == "PRE") name = "PRECHARGE";
    if (name == "COMPS_READRES" || name == "COMP" || name == "READRES" || name == "P_HEADER") {
      cmds[i].rank = cmds[i].bg = cmds[i].bank = -1;
    }
    // The trace prints the row of the request a command serves (a PRE: the
    // row the request wants), 0 for PIM_PRECHARGE, nothing for P_HEADER.
    const std::string row = name == "P_HEADER" ? "" : std::to_string(cmds[i].row);
    const bool ok = std::to_string(cmds[i].cycle) == r[0] && name == r[1] && std::to_string(cmds[i].rank) == r[2] &&
                    std::to_string(cmds[i].bg) == r[3] && std::to_string(cmds[i].bank) == r[4] && row == r[5];
    if (!ok && mismatches++ < 5)
      FAIL_CHECK("line " << i << ": got " << cmds[i].cycle << "," << name << "," << cmds[i].rank << "," << cmds[i].bg
                         << "," << cmds[i].bank << "," << row << " expected " << r[0] << "," << r[1] << "," << r[2]
                         << "," << r[3] << "," << r[4] << "," << r[5]);
  }
  CHECK(mismatches == 0);
}
}  // namespace

TEST_CASE("newton command trace dual exact", "[neupims][calibration]") {
  compare_trace("command_trace_dual.csv", PimType::Dual, 1220);
}

TEST_CASE("newton command trace single exact", "[neupims][calibration]") {
  compare_trace("command_trace_single.csv", PimType::Single, 1700);
}

TEST_CASE("newton energy: IDD events and background", "[neupims][energy]") {
  // neupims_pim.md §7, derived here from the IDD currents (mA), VDD 1.2 V,
  // tCK 1 ns, burst 2: ACT = VDD (IDD0 tRC - IDD3N tRAS - IDD2N tRP),
  // READ = VDD (IDD4R - IDD3N) burst, WRITE = VDD (IDD4W - IDD3N) burst,
  // REF = VDD (IDD5AB - IDD3N) tRFC, G_ACT = 4 ACT, a MAC step = 4 READ,
  // a result read = 1 READ, GWRITE = 16 READ; background per rank and cycle
  // VDD IDD3N (a row open) or VDD IDD2N, DUAL twice (normal and PIM buffers).
  const double vdd = 1.2, idd0 = 65, idd2n = 40, idd3n = 55, idd4r = 390, idd4w = 500, idd5ab = 250;
  const double act = vdd * (idd0 * 48 - idd3n * 34 - idd2n * 14), rd = vdd * (idd4r - idd3n) * 2,
               wr = vdd * (idd4w - idd3n) * 2, ref = vdd * (idd5ab - idd3n) * 260;
  CHECK(act == Approx(828));
  CHECK(rd == Approx(804));
  CHECK(ref == Approx(60840));
  for (PimType type : {PimType::Dual, PimType::Single}) {
    const NewtonCounters c = run_newton({type, true}, newton_microbench(type, 10, 4, 8, 50, true));
    const double events = act * c.num_act_cmds + rd * c.num_read_cmds + wr * c.num_write_cmds + ref * c.num_ref_cmds +
                          4 * act * c.num_gact_cmds + 4 * rd * c.num_comp_cmds + rd * c.num_readres_cmds +
                          16 * rd * c.num_gwrite_cmds;
    CHECK(c.energy_pj - c.background_pj == Approx(events).epsilon(1e-12));
    // Background: between all-idle and all-active over the simulated cycles.
    const double terms = type == PimType::Dual ? 4 : 2;  // ranks x buffers
    CHECK(c.background_pj >= vdd * idd2n * terms * static_cast<double>(c.cycles));
    CHECK(c.background_pj <= vdd * idd3n * terms * static_cast<double>(c.cycles));
  }
}
