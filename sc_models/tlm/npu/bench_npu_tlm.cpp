// bench_npu_tlm: one decode-sized GEMM (GPT-3 7B, TP 4 QKV: 256 x 4096 x 3072,
// FP16, bias) on the default NPU, every operand moved by the TLM DMA through
// the router to 32 HBM channels (hbm2-pimba, 1 KiB interleave by the router's
// map). Prints simulated time, the core's LinkDma time and the roofline at the
// channels' aggregate bandwidth, the traffic and the wall time.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include <systemc>

#include "npu/gemm.h"
#include "tlm/common/config.h"
#include "tlm/common/stats.h"
#include "tlm/platform/platform.h"

using namespace pimlab;

namespace {

constexpr int kChannels = 32;
std::uint64_t kInterleave = 1024;  // bytes; argument 1 overrides
constexpr std::uint64_t kSpan = 32ull << 20;  // router addresses mapped

}  // namespace

int sc_main(int argc, char** argv) {
  if (argc > 1) kInterleave = std::stoull(argv[1]);
  // The platform (docs/platform.md): NPU -> router -> 32 channels, the router's
  // map generated from the interleave over 32 MiB.
  nlohmann::json doc;
  doc["top.host"] = "npu";
  doc["top.channels"] = kChannels;
  doc["top.interleave_bytes"] = kInterleave;
  doc["top.memory_bytes"] = kSpan;
  // The NPU's port: a link carries one transfer per cycle (docs/noc.md), so a
  // 64 B request per cycle at 20 GHz = 1.28 TB/s, above the channels' aggregate.
  doc["top.noc.in0.width_bytes"] = 64;  // (larger requests: 1 transfer of ceil(B / 64) cycles)
  doc["top.noc.in0.clock_mhz"] = 20000;
  doc["top.channel.check"] = false;
  if (argc > 3) doc["top.channel.mapping"] = argv[3];  // argument 3: channel address mapping
  if (argc > 2) doc["top.npu.dma.request_bytes"] = std::stoi(argv[2]);  // argument 2: DMA request bytes
  auto built = tlm_platform::build(doc);
  tlm_platform::Platform& top = *built;

  const npu::GemmShape shape{256, 4096, 3072, true};
  const std::uint64_t eb = 2;
  tlm_npu::TensorPlacement place;
  place.w = 0;
  place.x = place.w + shape.k * shape.n * eb;
  place.bias = place.x + shape.m * shape.k * eb;
  place.y = place.bias + 4096;
  tlm_npu::GemmRun run;
  top.npu().program = [&](tlm_npu::Npu& n) { run = n.gemm(shape, place); };
  const auto t0 = std::chrono::steady_clock::now();
  sc_core::sc_start();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  const npu::NpuConfig& cfg = top.npu().config();
  const double per_channel = 32e9;  // bytes/s of one hbm2-pimba channel (docs/dram.md: 8 x 32 GB/s per stack)
  const npu::Roofline roof = npu::gemm_roofline(cfg, shape, per_channel * kChannels);
  const npu::GemmReport link = npu::time_gemm(cfg, shape, per_channel * kChannels);
  const double sim_us = static_cast<double>(run.timing.end - run.timing.start) * cfg.cycle_s() * 1e6;
  std::printf("GEMM %lld x %lld x %lld (bias), %d HBM channels, %llu B interleave\n",
              static_cast<long long>(shape.m), static_cast<long long>(shape.k), static_cast<long long>(shape.n),
              kChannels, static_cast<unsigned long long>(kInterleave));
  std::printf("simulated        %10.3f us  (compute-only %.3f us, stall %lld cycles)\n", sim_us,
              static_cast<double>(run.compute_only_end - run.timing.start) * cfg.cycle_s() * 1e6,
              static_cast<long long>(run.stall_cycles));
  std::printf("LinkDma 1.024 TB/s %8.3f us\n", link.time_s * 1e6);
  std::printf("roofline         %10.3f us  (%s-bound)\n", roof.time_s * 1e6, npu::to_string(roof.bound));
  std::printf("traffic          %lld B read, %lld B written, %llu + %llu requests\n",
              static_cast<long long>(run.timing.read_bytes), static_cast<long long>(run.timing.write_bytes),
              static_cast<unsigned long long>(run.read_requests), static_cast<unsigned long long>(run.write_requests));
  {
    const auto st = tlm_common::collect_stats();
    double hits = 0, acts = 0, bmin = 1e300, bmax = 0;
    for (int p = 0; p < kChannels; ++p) {
      const auto& c = st.at("top.ch" + std::to_string(p));
      hits += c.at("row_hits").at("value").get<double>();
      acts += c.at("activates").at("value").get<double>();
      const double b = c.at("bytes_read").at("value").get<double>() + c.at("bytes_written").at("value").get<double>();
      bmin = std::min(bmin, b);
      bmax = std::max(bmax, b);
    }
    if (std::getenv("NPU_BENCH_DUMP")) std::printf("%s\n%s\n", st.at("top.ch0").dump(1).c_str(), st.at("top.noc.out0").dump(1).c_str());
    std::printf("channels         %.0f activates, %.0f row hits, %.0f..%.0f B per channel\n", acts, hits, bmin, bmax);
  }
  std::printf("wall time        %10.3f s\n", wall);
  return sim_us * 1e-6 + 1e-12 >= roof.time_s ? 0 : 1;
}
