// bench_npu: one GPT-3 7B decoder layer (E = 4096, batch 256 decode tokens)
// on the NPU core, weights streamed from 32 HBM2 channels (32 x 32 GB/s =
// 1.024 TB/s, system.md §2.1) through LinkDma; prints the simulated time of
// every operator, its roofline and the wall time of the whole layer.
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "npu/config.h"
#include "npu/gemm.h"
#include "npu/vector.h"

using namespace pimlab::npu;

namespace {

struct Op {
  std::string name;
  bool gemm;
  GemmShape shape;
  VectorOp vop;
  std::int64_t rows, n;
};

std::vector<Op> layer(std::int64_t tokens, std::int64_t E, int tp) {
  return {
      {"layernorm1", false, {}, VectorOp::layernorm, tokens, E},
      {"qkv", true, {tokens, E, 3 * E / tp, true}, VectorOp::add, 0, 0},
      {"proj", true, {tokens, E / tp, E, true}, VectorOp::add, 0, 0},
      {"residual1", false, {}, VectorOp::add, tokens, E},
      {"layernorm2", false, {}, VectorOp::layernorm, tokens, E},
      {"fc1", true, {tokens, E, 4 * E / tp, true}, VectorOp::add, 0, 0},
      {"gelu", false, {}, VectorOp::gelu, tokens, 4 * E / tp},
      {"fc2", true, {tokens, 4 * E / tp, E, true}, VectorOp::add, 0, 0},
      {"residual2", false, {}, VectorOp::add, tokens, E},
  };
}

}  // namespace

int main() {
  const double bw = 32 * 32e9;  // bytes/s
  const std::int64_t tokens = 256, E = 4096;
  std::printf("GPT-3 7B decoder layer, %lld tokens, E = %lld, weights over %.3f TB/s\n", static_cast<long long>(tokens),
              static_cast<long long>(E), bw / 1e12);
  for (Mode mode : {Mode::faithful, Mode::artifact}) {
    for (int tp : {1, 4}) {
      NpuConfig cfg;
      cfg.mode = mode;
      const auto ops = layer(tokens, E, tp);
      std::printf("\nmode %s, TP %d\n%-11s %10s %12s %12s %10s %10s\n", to_string(mode), tp, "op", "sim_us",
                  "roofline_us", "compute_us", "bound", "limiter");
      double total_us = 0;
      for (const auto& op : ops) {
        if (op.gemm) {
          const GemmReport r = time_gemm(cfg, op.shape, bw);
          total_us += r.time_s * 1e6;
          std::printf("%-11s %10.2f %12.2f %12.2f %10s %10s\n", op.name.c_str(), r.time_s * 1e6,
                      r.roofline.time_s * 1e6, r.compute_only_s * 1e6, to_string(r.roofline.bound),
                      to_string(r.limiter));
        } else {
          const double us = static_cast<double>(vector_batch_cycles(cfg, op.vop, op.rows, op.n)) * cfg.cycle_s() * 1e6;
          total_us += us;
          std::printf("%-11s %10.2f %12s %12.2f %10s %10s\n", op.name.c_str(), us, "-", us, "-", "-");
        }
      }
      // Wall time: the whole layer simulated (plan + DMA-timed run per GEMM), best of 5.
      double best = 1e30;
      for (int rep = 0; rep < 5; ++rep) {
        const auto t0 = std::chrono::steady_clock::now();
        Cycle sink = 0;
        for (const auto& op : ops) {
          if (op.gemm) {
            const GemmPlan plan = plan_gemm(cfg, op.shape);
            LinkDma link(bw * cfg.cycle_s());
            sink += run_gemm(cfg, plan, link).end;
          } else {
            sink += vector_batch_cycles(cfg, op.vop, op.rows, op.n);
          }
        }
        const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        if (sink > 0 && s < best) best = s;
      }
      std::printf("layer: %.2f us simulated (operators back to back), wall time %.3f ms\n", total_us, best * 1e3);
    }
  }
  return 0;
}
