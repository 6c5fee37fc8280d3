// bench_neupims: the Newton / NeuPIMs channel on every calibration row of
// newton_microbench.csv (argument: its path). Per row: the reference cycles,
// artifact-compatible cycles (must be equal), faithful-mode cycles and their
// difference, this model's wall time and the speed-up over the reference's
// wall_s column. Speed is reported, never asserted.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "pim/newton_controller.h"

using namespace pimlab::pim;

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s newton_microbench.csv\n", argv[0]);
    return 2;
  }
  std::ifstream in(argv[1]);
  if (!in) {
    std::fprintf(stderr, "cannot open %s\n", argv[1]);
    return 2;
  }
  std::string line;
  std::getline(in, line);
  std::printf("%-7s %5s %2s %2s %5s %2s | %8s %8s %8s %7s | %9s %9s %8s\n", "type", "gemvs", "C", "R", "loads", "gw",
              "ref", "artifact", "faithful", "delta", "wall_ms", "ref_ms", "speedup");
  int bad = 0;
  while (std::getline(in, line)) {
    std::vector<std::string> f;
    std::stringstream ss(line);
    std::string x;
    while (std::getline(ss, x, ',')) f.push_back(x);
    if (f.size() < 10) continue;
    const PimType type = f[0].find("dualpim") != std::string::npos     ? PimType::Dual
                         : f[0].find("singlepim") != std::string::npos ? PimType::Single
                                                                       : PimType::Dram;
    const int g = std::stoi(f[1]), c = std::stoi(f[2]), r = std::stoi(f[3]), l = std::stoi(f[4]);
    const bool gw = f[5] == "1";
    const NewtonWorkload w = newton_microbench(type, g, c, r, l, gw);
    const auto t0 = std::chrono::steady_clock::now();
    const NewtonCounters a = run_newton({type, true}, w);
    const auto t1 = std::chrono::steady_clock::now();
    const NewtonCounters d = run_newton({type, false}, w);
    const double ms = std::chrono::duration<double, std::milli>(t1 - t0).count();
    const double ref_ms = std::stod(f[9]) * 1000;
    const unsigned long long ref = std::stoull(f[7]);
    if (a.cycles != ref) ++bad;
    std::printf("%-7s %5d %2d %2d %5d %2d | %8llu %8llu %8llu %+7lld | %9.2f %9.0f %7.1fx\n", pim_type_name(type), g, c, r,
                l, gw ? 1 : 0, ref, static_cast<unsigned long long>(a.cycles), static_cast<unsigned long long>(d.cycles),
                static_cast<long long>(d.cycles) - static_cast<long long>(a.cycles), ms, ref_ms, ref_ms / ms);
  }
  std::printf("%s\n", bad ? "MISMATCH against the reference cycles" : "all rows exact in artifact-compatible mode");
  return bad ? 1 : 0;
}
