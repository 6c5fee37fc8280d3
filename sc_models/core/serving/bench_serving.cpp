// Speed of `pimlab run`'s serving simulation: whole Pimba-evaluation cells
// (2047 decode steps, exact command-level PIM kernels) on the GPU-host
// systems. Prints wall time per cell, the kernels simulated / reused and the
// peak resident memory; asserts nothing.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <string>

#include "gpu/host.h"
#include "model/model.h"
#include "model/system.h"
#include "serving/gpu_backend.h"
#include "serving/loop.h"
#include "workload/request.h"

namespace {

using namespace pimlab;

void cell(const char* model, const char* system, int gpus, std::int64_t batch, std::int64_t lin, std::int64_t lout) {
  serving::GpuSystemOptions o;
  o.system = model::find_system(system);
  o.model = model::preset(model);
  o.host = gpu::preset("a100");
  o.gpus = gpus;
  const auto t0 = std::chrono::steady_clock::now();
  serving::GpuBackend be(o);
  serving::LoopOptions lo;
  lo.max_batch = batch;
  const auto r = serving::serve(be, workload::fixed_batch(static_cast<std::uint64_t>(batch),
                                                          static_cast<std::uint64_t>(lin),
                                                          static_cast<std::uint64_t>(lout)),
                                lo);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("  %-12s %-8s x%d  batch %4lld  %lld steps  %8.3f s wall  %10.1f tokens/s  kernels %llu simulated, %llu reused\n",
              model, system, gpus, static_cast<long long>(batch), static_cast<long long>(r.decode_iterations), wall,
              static_cast<double>(r.decode_tokens) / r.decode.time_s,
              static_cast<unsigned long long>(be.pim() ? be.pim()->kernels_simulated() : 0),
              static_cast<unsigned long long>(be.pim() ? be.pim()->kernels_reused() : 0));
}

}  // namespace

int main() {
  std::printf("bench_serving: Pimba-evaluation cells, A100 hosts, exact mode (faithful)\n");
  cell("mamba2-70b", "pimba", 8, 128, 2048, 2048);
  cell("opt-70b", "pimba", 8, 128, 2048, 2048);
  cell("zamba2-70b", "pimba", 8, 128, 2048, 2048);
  cell("opt-7b", "gpu+pim", 1, 64, 1024, 128);
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  std::printf("  peak resident memory %.1f MiB\n", static_cast<double>(u.ru_maxrss) / 1024.0);
  return 0;
}
