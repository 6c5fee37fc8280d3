// bench_pimba: speed of the Pimba-family kernel path (generator + event-driven
// channel engine) on the largest reference calibration rows, against the
// reference simulator's wall time (its wall_s column: trace generation plus
// simulation on one core). Results are checked identical to the reference
// (artifact-compatible mode) before a time is printed.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "dram/spec.h"
#include "firmware/pimba/generator.h"
#include "pim/engine.h"

using namespace pimlab::firmware::pimba;
namespace pim = pimlab::pim;

namespace {
struct Row {
  KernelSpec k;
  std::string label;
  std::uint64_t cycles = 0, num_act = 0, num_comp = 0, num_rdwr = 0, lines = 0;
  double wall_s = 0;
};
}  // namespace

int main(int argc, char** argv) {
  const std::string csv = argc > 1 ? argv[1] : "tests/data/oracle/pimba_unit_calibration.csv";
  const std::size_t top = argc > 2 ? static_cast<std::size_t>(std::stoi(argv[2])) : 8;
  std::ifstream f(csv);
  if (!f) {
    std::fprintf(stderr, "bench_pimba: cannot open %s\n", csv.c_str());
    return 2;
  }
  std::vector<Row> rows;
  std::string line;
  std::getline(f, line);
  while (std::getline(f, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    std::vector<std::string> t;
    std::stringstream ss(line);
    for (std::string x; std::getline(ss, x, ',');) t.push_back(x);
    if (t.size() != 15) continue;
    Row r;
    r.k.op = parse_op(t[0]);
    r.k.variant = t[1];
    r.k.num_op = std::stoi(t[2]);
    r.k.rows = std::stoi(t[3]);
    r.k.cols = std::stoi(t[4]);
    r.k.channels = std::stoi(t[5]);
    r.k.chunk_group = t[7] == "True";
    r.k.cmd_sched = t[8] == "True";
    r.k.artifact_compatible = true;
    r.label = t[0] + " " + t[1] + " n" + t[2] + " " + t[3] + "x" + t[4];
    r.cycles = std::stoull(t[9]);
    r.num_act = std::stoull(t[10]);
    r.num_comp = std::stoull(t[11]);
    r.num_rdwr = std::stoull(t[12]);
    r.lines = std::stoull(t[13]);
    r.wall_s = std::stod(t[14]);
    rows.push_back(r);
  }
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a.lines > b.lines; });
  if (rows.size() > top) rows.resize(top);

  const pimlab::dram::DramSpec timing = pimlab::dram::preset("hbm2-pimba");
  const pim::ChannelEngine engine(pim::pimba_protocol(true), timing);
  std::printf("bench_pimba: Pimba-family kernels, generator + channel engine, one core, artifact-compatible\n");
  std::printf("%-34s %9s %10s %10s %9s %9s %12s %8s\n", "row", "commands", "ours_ms", "engine_ms", "ref_s",
              "speedup", "Mcmd/s", "result");
  using clock = std::chrono::steady_clock;
  double min_speedup = 1e300;
  int mismatches = 0;
  for (const Row& r : rows) {
    // Repeat until at least 0.3 s so short rows are timed reliably.
    int reps = 0;
    double total = 0, engine_total = 0;
    pim::MultiChannelRun res;
    std::uint64_t cmds = 0;
    do {
      const auto t0 = clock::now();
      const Program p = generate(r.k);
      const auto t1 = clock::now();
      res = engine.run(p.channel_streams, r.k.pseudo_channels, feed_order(p));
      const auto t2 = clock::now();
      cmds = p.commands;
      total += std::chrono::duration<double>(t2 - t0).count();
      engine_total += std::chrono::duration<double>(t2 - t1).count();
      ++reps;
    } while (total < 0.3);
    const double ours = total / reps, eng = engine_total / reps;
    const bool same = res.cycles == r.cycles && res.counters.num_act == r.num_act &&
                      res.counters.num_comp == r.num_comp && res.counters.num_rdwr == r.num_rdwr && cmds == r.lines;
    mismatches += same ? 0 : 1;
    const double speedup = r.wall_s / ours;
    min_speedup = std::min(min_speedup, speedup);
    std::printf("%-34s %9llu %10.3f %10.3f %9.3f %8.0fx %12.1f %8s\n", r.label.c_str(),
                static_cast<unsigned long long>(cmds), ours * 1e3, eng * 1e3, r.wall_s, speedup,
                static_cast<double>(cmds) / eng / 1e6, same ? "same" : "DIFFERS");
  }
  std::printf("minimum speed-up %.0fx (target >= 100x); results %s\n", min_speedup,
              mismatches ? "DIFFER from the reference" : "identical to the reference");
  return mismatches ? 1 : 0;
}
