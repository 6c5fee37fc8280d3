// bench_dram: speed of the command-level HBM model on one core, in simulated
// DRAM commands per second of wall time, for a long random trace and a long
// streaming trace, with the independent rule checker off and on.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <random>
#include <string>

#include "dram/address_map.h"
#include "dram/memory_system.h"

using namespace pimlab::dram;

namespace {

struct Result {
  double seconds;
  nlohmann::json stats;
};

Result run(const std::string& pattern, bool check, std::uint64_t n) {
  const DramSpec& spec = preset("hbm2-pimba");
  const ControllerConfig cfg;  // defaults: row and column command buses, 32 requests per pseudo-channel
  // Streaming interleaves consecutive atoms over bank groups, pseudo-channels and channels.
  const AddressMap map(spec.org, pattern == "random" ? "ro_ba_bg_pc_ch_co" : "ro_ba_co_bg_pc_ch");
  MemorySystem mem(spec, cfg, map, check);
  std::mt19937_64 rng(42);
  std::uint64_t i = 0;
  const std::uint64_t cap = map.capacity_bytes();
  auto next = [&](MemRequest& r) {
    if (i == n) return false;
    if (pattern == "random") {
      r.arrival = static_cast<Cycle>(i / 8);  // 8 requests per cycle offered: saturating
      r.write = rng() % 4 == 0;
      r.address = (rng() % cap) & ~std::uint64_t{31};
    } else {
      r.arrival = static_cast<Cycle>(i / 16);
      r.write = false;
      r.address = (i * 32) % cap;
    }
    ++i;
    return true;
  };
  const auto t0 = std::chrono::steady_clock::now();
  nlohmann::json s = mem.run(next);
  const auto t1 = std::chrono::steady_clock::now();
  return {std::chrono::duration<double>(t1 - t0).count(), s};
}

}  // namespace

int main(int argc, char** argv) {
  const std::uint64_t n = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1000000;
  std::printf("bench_dram: hbm2-pimba, 8 channels, default controller (FR-FCFS open page, row and column command buses, "
              "%d requests per pseudo-channel queue), %llu requests per run, one core\n",
              ControllerConfig{}.queue_size, static_cast<unsigned long long>(n));
  std::printf("  %-10s %-8s %12s %12s %10s %14s %12s\n", "trace", "checker", "commands", "sim cycles", "wall s",
              "commands/s", "GB/s (sim)");
  for (const char* pattern : {"random", "stream"}) {
    for (bool check : {false, true}) {
      const Result r = run(pattern, check, n);
      const double cmds = r.stats["commands"].get<double>();
      std::printf("  %-10s %-8s %12.0f %12lld %10.2f %14.3e %12.1f\n", pattern, check ? "on" : "off", cmds,
                  static_cast<long long>(r.stats["total_cycles"].get<Cycle>()), r.seconds, cmds / r.seconds,
                  r.stats["bandwidth_GBps"].get<double>());
      if (r.stats["checker_violations"].get<std::uint64_t>() != 0) {
        std::printf("bench_dram: checker violations: %s\n", r.stats.dump().c_str());
        return 1;
      }
    }
  }
  return 0;
}
