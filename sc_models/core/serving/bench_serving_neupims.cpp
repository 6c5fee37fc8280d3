// bench_serving_neupims: one full decode iteration (all layers) of GPT-3 7B,
// TP 4 (by default), on a 512-request NeuPIMs snapshot, for the three NeuPIMs
// systems.
// Arguments: snapshot CSV [threads [systems [mode [model [tp [dma [exact [pp]]]]]]]] where
// systems is a comma list of npu-only, npu+pim, neupims, neupims-nosb,
// neupims-offered (neupims with the stage's NPU stream offered at its start,
// serving::NpuIssue::offered; the others run the NPU's own issue, the
// faithful default), neupims-fast (neupims-offered on the fast path, K = 2:
// the 2 longest and the shortest PIM channel exact; default: all six), mode is
// `faithful` (default) or `artifact`, model a preset
// (default gpt3-7b), tp its tensor-parallel degree (default 4) and dma the
// NPU DMA's max_outstanding reads (default 0: unlimited), exact the fast path's
// number of channels simulated with both streams (default 0: all, exact), pp
// the pipeline-parallel degree (default 1). Prints per
// system the simulated iteration time, tokens/s, energy, the stages, the wall
// time of the simulation and the peak RSS of the process. Speed is reported,
// never asserted.
#include <chrono>
#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

#include <sys/resource.h>

#include "model/model.h"
#include "serving/neupims_backend.h"
#include "workload/snapshot.h"

using namespace pimlab;

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s snapshot.csv [threads] [systems] [faithful|artifact] [model] [tp] [dma] [exact] [pp]\n", argv[0]);
    return 2;
  }
  const workload::Snapshot snap = workload::read_snapshot(argv[1]);
  const int threads = argc > 2 ? std::stoi(argv[2]) : 1;
  std::vector<std::string> systems = {"npu-only", "npu+pim", "neupims-nosb", "neupims", "neupims-offered", "neupims-fast"};
  if (argc > 3) {
    systems.clear();
    std::stringstream ss(argv[3]);
    std::string x;
    while (std::getline(ss, x, ',')) systems.push_back(x);
  }
  const bool artifact = argc > 4 && std::string(argv[4]) == "artifact";
  const std::string model_name = argc > 5 ? argv[5] : "gpt3-7b";
  const int tp = argc > 6 ? std::stoi(argv[6]) : 4;
  const int dma = argc > 7 ? std::stoi(argv[7]) : 0;
  const int exact = argc > 8 ? std::stoi(argv[8]) : 0;
  const int pp = argc > 9 ? std::stoi(argv[9]) : 1;
  std::vector<serving::DecodeRequest> batch;
  for (const auto& e : snap) batch.push_back({static_cast<std::int64_t>(e.seq_len), static_cast<int>(e.channel)});
  std::printf("%s, TP %d PP %d, %zu requests (%s), 32 channels, %d thread(s), %s mode, DMA max_outstanding %d, exact channels %d\n",
              model_name.c_str(), tp, pp, batch.size(), argv[1], threads, artifact ? "artifact-compatible" : "faithful", dma,
              exact);
  std::printf("%-13s %12s %11s %10s %9s | %s\n", "system", "iteration_ms", "tokens/s", "energy_J", "wall_s",
              "stages (name x repeat: stage / npu / pim us)");
  for (const std::string& name : systems) {
    serving::NeupimsOptions o;
    const bool nosb = name == "neupims-nosb", fast = name == "neupims-fast", offered = name == "neupims-offered";
    o.system = serving::parse_neupims_system(nosb || fast || offered ? "neupims" : name);
    if (offered || fast || exact > 0) o.npu_issue = serving::NpuIssue::offered;
    o.sub_batch = !nosb;
    o.model = model::preset(model_name);
    o.tp = tp;
    o.pp = pp;
    o.threads = threads;
    o.artifact_compatible = artifact;
    o.npu.dma.max_outstanding = dma;
    o.exact_channels = fast ? 2 : exact;
    serving::NeupimsBackend be(o);
    const auto t0 = std::chrono::steady_clock::now();
    const serving::IterationCost c = be.decode(batch);
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("%-13s %12.4f %11.1f %10.4f %9.2f |", name.c_str(), c.time_s * 1e3,
                static_cast<double>(batch.size()) / c.time_s, c.energy_j(), wall);
    for (const auto& s : be.last_stages())
      std::printf(" %s x%lld: %.1f/%.1f/%.1f", s.name.c_str(), static_cast<long long>(s.repeat), s.time_s * 1e6,
                  s.npu_s * 1e6, s.pim_s * 1e6);
    std::printf("\n%-13s energy J: host %.4f, dram %.4f, pim %.4f |", "", c.host_energy_j, c.dram_energy_j,
                c.pim_energy_j);
    for (const auto& [k, v] : c.breakdown) std::printf(" %s %.3f ms %.4f J", k.c_str(), v.time_s * 1e3, v.energy_j);
    std::printf("\n");
  }
  struct rusage ru {};
  getrusage(RUSAGE_SELF, &ru);
  std::printf("peak RSS %.1f MiB\n", static_cast<double>(ru.ru_maxrss) / 1024.0);
  return 0;
}
