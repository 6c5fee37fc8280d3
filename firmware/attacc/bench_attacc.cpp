// bench_attacc: every calibration row simulated in artifact-compatible mode,
// the result compared with the row and the wall time set against the
// reference simulator's wall_s. Prints one line per row and the speed-up.
// Options after the file: --row N (repeatable; data row N of the file,
// 1-based: only those rows) and --speed-only (no quirk-effect table), for
// profiling one row.
#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <vector>

#include "dram/spec.h"
#include "firmware/attacc/calibration.h"
#include "firmware/attacc/generator.h"
#include "pim/attacc.h"

int main(int argc, char** argv) {
  using namespace pimlab;
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s attacc_calibration.csv [--row N]... [--speed-only]\n", argv[0]);
    return 2;
  }
  try {
    const auto all = firmware::attacc::read_calibration(argv[1]);
    std::vector<firmware::attacc::CalibrationRow> rows;
    bool speed_only = false;
    for (int i = 2; i < argc; ++i) {
      const std::string a = argv[i];
      if (a == "--speed-only") {
        speed_only = true;
      } else if (a == "--row" && i + 1 < argc) {
        char* end = nullptr;
        const long n = std::strtol(argv[++i], &end, 10);
        if (*end != '\0' || n < 1 || n > static_cast<long>(all.size())) {
          std::fprintf(stderr, "bench_attacc: --row '%s': allowed 1..%zu\n", argv[i], all.size());
          return 2;
        }
        rows.push_back(all[static_cast<std::size_t>(n - 1)]);
      } else {
        std::fprintf(stderr, "bench_attacc: unknown option '%s'; allowed: --row N, --speed-only\n", a.c_str());
        return 2;
      }
    }
    if (rows.empty()) rows = all;
    int bad = 0;
    double ours_total = 0, ref_total = 0, cpu_total = 0;
    // Wall time and process CPU time (the machine may be shared; the
    // reference's wall_s is one core's time).
    std::printf("%-7s %5s %6s %-22s %9s %9s %5s %9s %9s %9s %8s\n", "pim", "nh", "L", "preset", "cycles", "ref", "ok",
                "wall_s", "cpu_s", "ref_wall", "x(cpu)");
    for (const auto& r : rows) {
      const auto t0 = std::chrono::steady_clock::now();
      const std::clock_t c0 = std::clock();
      const auto trace = firmware::attacc::generate(r.spec);
      pim::AttaccOptions o;
      o.artifact_compatible = true;
      const auto res = pim::run_attacc_stack(dram::preset(r.preset), trace, o);
      const double w = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      const double cpu = static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC;
      cpu_total += cpu;
      const auto& q = res.counts.req;
      using R = pim::AttaccReq;
      const bool ok = res.cycles == r.cycles && (long long)q[(int)R::MacAB] == r.mac_ab &&
                      (long long)q[(int)R::MacSB] == r.mac_sb && (long long)q[(int)R::MacPB] == r.mac_pb &&
                      (long long)q[(int)R::WrGB] == r.wrgb && (long long)q[(int)R::MvSB] == r.mvsb &&
                      (long long)q[(int)R::MvGB] == r.mvgb && (long long)q[(int)R::Sfm] == r.sfm;
      bad += !ok;
      ours_total += w;
      ref_total += r.wall_s;
      std::printf("%-7s %5d %6d %-22s %9lld %9lld %5s %9.4f %9.4f %9.3f %8.0f\n", pim::placement_name(r.spec.placement),
                  r.spec.heads, r.spec.len, r.preset.c_str(), (long long)res.cycles, r.cycles, ok ? "yes" : "NO", w, cpu,
                  r.wall_s, cpu > 0 ? r.wall_s / cpu : 0.0);
      if (!ok)
        std::printf("   counts ours: ab %llu sb %llu pb %llu wrgb %llu mvsb %llu mvgb %llu sfm %llu | ref %lld %lld %lld %lld %lld %lld %lld\n",
                    (unsigned long long)q[0], (unsigned long long)q[1], (unsigned long long)q[2], (unsigned long long)q[3],
                    (unsigned long long)q[4], (unsigned long long)q[5], (unsigned long long)q[6], r.mac_ab, r.mac_sb,
                    r.mac_pb, r.wrgb, r.mvsb, r.mvgb, r.sfm);
    }
    std::printf("rows %zu, mismatches %d, wall %.3f s, cpu %.3f s vs reference %.1f s (%.0fx wall, %.0fx cpu)\n",
                rows.size(), bad, ours_total, cpu_total, ref_total, ref_total / ours_total, ref_total / cpu_total);
    if (speed_only) return bad ? 1 : 0;
    // Quirk effects: cycles with the generator's quirks removed (own context
    // per head, no extra MAC, no dropped slice statements), with the
    // controller/timing quirks removed (every touched bank checked, physical
    // extra rules, SFM on the data bus, no MACPB alias), and with both.
    std::printf("\nquirk effects (cycles; change vs artifact-compatible in %%)\n");
    std::printf("%-7s %5s %6s %-22s %9s %16s %16s %16s\n", "pim", "nh", "L", "preset", "artifact", "faithful-gen",
                "faithful-ctrl", "faithful");
    for (const auto& r : rows) {
      long long c[4];
      for (int k = 0; k < 4; ++k) {
        auto s = r.spec;
        s.artifact_compatible = !(k & 1);
        pim::AttaccOptions o;
        o.artifact_compatible = !(k & 2);
        c[k] = pim::run_attacc_stack(dram::preset(r.preset), firmware::attacc::generate(s), o).cycles;
      }
      auto pct = [&](long long x) { return 100.0 * static_cast<double>(x - c[0]) / static_cast<double>(c[0]); };
      std::printf("%-7s %5d %6d %-22s %9lld %9lld %+6.2f %9lld %+6.2f %9lld %+6.2f\n", pim::placement_name(r.spec.placement),
                  r.spec.heads, r.spec.len, r.preset.c_str(), c[0], c[1], pct(c[1]), c[2], pct(c[2]), c[3], pct(c[3]));
    }
    return bad ? 1 : 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_attacc: %s\n", e.what());
    return 2;
  }
}
