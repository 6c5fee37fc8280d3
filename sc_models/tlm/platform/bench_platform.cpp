// bench_platform: the GEMMs of one GPT-3 7B decoder layer (QKV, attention
// output projection, FFN up, FFN down; shapes from model::decode_graph for
// gpt3-7b at the given decode batch and tensor-parallel degree, FP16, with
// bias) on the NPU of a platform file, back to back in one program; weights,
// activations, bias and outputs placed one after the other in the platform's
// memory (W first), every byte moved over TLM through the router to the
// channels. Prints per GEMM the simulated time, its compute-only time and the
// stall, the roofline at the channels' aggregate bandwidth; the layer's
// simulated time and traffic; the elaboration and simulation wall times.
//
//   pimlab_bench_platform PLATFORM.json [BATCH [TP]]     (defaults 256, 4)
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <vector>

#include <systemc>

#include "npu/gemm.h"
#include "tlm/common/config.h"
#include "tlm/common/stats.h"
#include "tlm/platform/platform.h"

using namespace pimlab;

int sc_main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s PLATFORM.json [BATCH [TP]]\n", argv[0]);
    return 2;
  }
  const std::int64_t batch = argc > 2 ? std::stoll(argv[2]) : 256;
  const std::int64_t tp = argc > 3 ? std::stoll(argv[3]) : 4;
  try {
    const std::vector<tlm_platform::LayerGemm> gemms = tlm_platform::decoder_layer_gemms("gpt3-7b", batch, tp);
    const auto e0 = std::chrono::steady_clock::now();
    auto top = tlm_platform::build_from_file(argv[1]);
    const double elab_wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - e0).count();
    const npu::NpuConfig& cfg = top->npu().config();

    std::vector<npu::GemmShape> shapes;
    std::vector<tlm_npu::TensorPlacement> places;
    std::uint64_t at = top->memory_base();
    for (const tlm_platform::LayerGemm& g : gemms) {
      shapes.push_back(g.shape);
      places.push_back(tlm_platform::place_gemm(shapes.back(), cfg.element_bytes, at));
    }
    if (at - top->memory_base() > top->memory_bytes()) {
      std::fprintf(stderr, "bench_platform: the layer needs %llu bytes, the platform maps %llu (top.memory_bytes)\n",
                   static_cast<unsigned long long>(at - top->memory_base()),
                   static_cast<unsigned long long>(top->memory_bytes()));
      return 2;
    }
    std::vector<tlm_npu::GemmRun> runs;
    top->npu().program = [&](tlm_npu::Npu& n) {
      for (std::size_t i = 0; i < shapes.size(); ++i) runs.push_back(n.gemm(shapes[i], places[i]));
    };
    const auto t0 = std::chrono::steady_clock::now();
    sc_core::sc_start();
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    // Aggregate bandwidth of the channels: 32 GB/s per hbm2-pimba channel (docs/dram.md).
    const double per_channel = 32e9;
    const double bw = per_channel * top->channel_count();
    const double us = cfg.cycle_s() * 1e6;
    std::printf("GPT-3 7B decoder layer, batch %lld, TP %lld: %zu GEMMs (FP16, bias) on %s, %u channels, %s\n",
                static_cast<long long>(batch), static_cast<long long>(tp), shapes.size(), cfg.name.c_str(),
                top->channel_count(), argv[1]);
    std::printf("%-6s %-20s %10s %10s %10s %8s %10s %12s %12s\n", "gemm", "m x k x n", "sim us", "compute us",
                "stall us", "stall %", "roof us", "read B", "written B");
    std::int64_t total_cycles = 0, rd = 0, wr = 0;
    double roof_total = 0;
    for (std::size_t i = 0; i < runs.size(); ++i) {
      const auto& r = runs[i];
      const npu::Roofline roof = npu::gemm_roofline(cfg, shapes[i], bw);
      const std::int64_t cyc = r.timing.end - r.timing.start;
      total_cycles += cyc;
      rd += r.timing.read_bytes;
      wr += r.timing.write_bytes;
      roof_total += roof.time_s;
      const std::string dims = std::to_string(shapes[i].m) + " x " + std::to_string(shapes[i].k) + " x " +
                               std::to_string(shapes[i].n);
      std::printf("%-6s %-20s %10.3f %10.3f %10.3f %8.1f %10.3f %12lld %12lld\n", gemms[i].name.c_str(), dims.c_str(),
                  cyc * us, (r.compute_only_end - r.timing.start) * us, r.stall_cycles * us,
                  100.0 * static_cast<double>(r.stall_cycles) / static_cast<double>(cyc), roof.time_s * 1e6,
                  static_cast<long long>(r.timing.read_bytes), static_cast<long long>(r.timing.write_bytes));
    }
    std::printf("layer  simulated %.3f us (roofline at %.3f TB/s: %.3f us), %lld B read, %lld B written\n",
                total_cycles * us, bw * 1e-12, roof_total * 1e6, static_cast<long long>(rd),
                static_cast<long long>(wr));
    std::printf("wall   elaboration %.3f s, simulation %.3f s\n", elab_wall, wall);
    if (std::getenv("PLATFORM_BENCH_STATS"))
      tlm_common::write_stats_document(std::getenv("PLATFORM_BENCH_STATS"), tlm_common::StatsMeta{});
    return total_cycles * cfg.cycle_s() + 1e-12 >= roof_total ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_platform: %s\n", e.what());
    return 2;
  }
}
