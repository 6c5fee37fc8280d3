// Calibration against the reference simulator (tests/data/oracle/README.md):
// every row of pimba_unit_calibration.csv through the generator and the
// channel engine. Counts (num_act, num_comp, num_rdwr, trace lines) must be
// exact. Cycles: artifact-compatible mode reproduces the reference exactly
// (its only difference from the contract is that the reference issues no
// refresh, which this mode models); the default mode must be within 1 % (the
// reference contract's tolerance; the only difference is the refresh slot,
// at most one cycle per refresh crossed). Every issued command is re-checked
// by the independent rule checker.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "dram/spec.h"
#include "firmware/pimba/generator.h"
#include "pim/checker.h"
#include "pim/engine.h"

using namespace pimlab::firmware::pimba;
namespace pim = pimlab::pim;

namespace {
struct Row {
  std::string line;
  KernelSpec k;
  std::uint64_t cycles, num_act, num_comp, num_rdwr, trace_lines;
  double wall_s;
};

std::vector<Row> load_rows() {
  std::ifstream f(std::string(PIMLAB_ORACLE_DIR) + "/pimba_unit_calibration.csv");
  REQUIRE(f);
  std::string line;
  auto next = [&](std::string& l) {
    if (!std::getline(f, l)) return false;
    if (!l.empty() && l.back() == '\r') l.pop_back();  // the file may have CRLF line ends
    return true;
  };
  next(line);
  REQUIRE(line ==
          "op,hw,num_op,state_rows,state_cols,channels,dbyte,chunk_group,cmd_sched,cycles,num_act,num_comp,"
          "num_rdwr,trace_lines,wall_s");
  std::vector<Row> rows;
  while (next(line)) {
    if (line.empty()) continue;
    std::vector<std::string> t;
    std::stringstream ss(line);
    for (std::string x; std::getline(ss, x, ',');) t.push_back(x);
    REQUIRE(t.size() == 15);
    Row r;
    r.line = line;
    r.k.op = parse_op(t[0]);
    r.k.variant = t[1];
    r.k.num_op = std::stoi(t[2]);
    r.k.rows = std::stoi(t[3]);
    r.k.cols = std::stoi(t[4]);
    r.k.channels = std::stoi(t[5]);
    REQUIRE(std::stoi(t[6]) == pim::variant(t[1]).element_bytes);
    r.k.chunk_group = t[7] == "True";
    r.k.cmd_sched = t[8] == "True";
    r.cycles = std::stoull(t[9]);
    r.num_act = std::stoull(t[10]);
    r.num_comp = std::stoull(t[11]);
    r.num_rdwr = std::stoull(t[12]);
    r.trace_lines = std::stoull(t[13]);
    r.wall_s = std::stod(t[14]);
    rows.push_back(r);
  }
  return rows;
}
}  // namespace

TEST_CASE("calibration: every reference row, counts exact, cycles exact (artifact) and within 1 % (default)") {
  const auto rows = load_rows();
  REQUIRE(rows.size() == 56);
  const pimlab::dram::DramSpec t = pimlab::dram::preset("hbm2-pimba");
  double max_dev_default = 0, max_dev_artifact = 0;
  for (const Row& row : rows) {
    INFO(row.line);
    for (bool artifact : {true, false}) {
      KernelSpec k = row.k;
      k.artifact_compatible = artifact;
      const Program p = generate(k);
      const pim::Protocol proto = pim::pimba_protocol(artifact);
      const pim::ChannelEngine engine(proto, t);
      std::vector<std::vector<std::uint64_t>> cyc;
      const pim::MultiChannelRun r =
          artifact ? engine.run(p.channel_streams, k.pseudo_channels, feed_order(p), &cyc)
                   : engine.run(p.channel_streams, k.pseudo_channels, &cyc);
      CHECK(r.counters.num_act == row.num_act);
      CHECK(r.counters.num_comp == row.num_comp);
      CHECK(r.counters.num_rdwr == row.num_rdwr);
      CHECK(p.commands == row.trace_lines);
      const double dev = std::fabs(static_cast<double>(r.cycles) - static_cast<double>(row.cycles)) /
                         static_cast<double>(row.cycles);
      if (artifact) {
        CHECK(r.cycles == row.cycles);
        max_dev_artifact = std::max(max_dev_artifact, dev);
      } else {
        CHECK(dev <= 0.01);
        CHECK(r.cycles >= row.cycles);
        CHECK(r.cycles <= row.cycles + r.counters.refreshes);
        max_dev_default = std::max(max_dev_default, dev);
      }
      for (std::size_t ch = 0; ch < p.channel_streams.size(); ++ch)
        CHECK(pim::check_channel(proto, t, p.channel_streams[ch], cyc[ch], k.pseudo_channels).empty());
    }
  }
  std::printf("calibration: %zu rows; max cycle deviation artifact-compatible %.4f %%, default %.4f %%\n",
              rows.size(), 100 * max_dev_artifact, 100 * max_dev_default);
}
