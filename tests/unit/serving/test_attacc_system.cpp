// The attacc system: GPU roofline host + AttAcc HBM3-PIM stacks running the
// whole decode attention; and the sampled faster path against the exact run.
#include <catch2/catch.hpp>

#include <cmath>

#include "gpu/host.h"
#include "model/model.h"
#include "model/system.h"
#include "serving/gpu_backend.h"
#include "serving/loop.h"
#include "workload/request.h"

namespace {

pimlab::serving::RunResult run(std::int64_t stride, const char* system = "attacc") {
  pimlab::serving::GpuSystemOptions o;
  o.system = pimlab::model::find_system(system);
  o.model = pimlab::model::preset("opt-7b");
  o.host = pimlab::gpu::preset("a100");
  o.attacc_sample_stride = stride;
  pimlab::serving::GpuBackend be(o);
  pimlab::serving::LoopOptions lo;
  lo.max_batch = 1;
  return pimlab::serving::serve(be, pimlab::workload::fixed_batch(1, 1000, 33), lo);
}

}  // namespace

TEST_CASE("attacc: the attention runs on the stacks, everything else on the GPU", "[serving][attacc]") {
  const auto r = run(0);
  REQUIRE(r.decode_iterations == 32);
  CHECK(r.decode.breakdown.at("gemv").time_s > 0);
  CHECK(r.decode.pim_energy_j > 0);
  // The GEMVs are all on the stacks (the PIM time is the gemv time).
  CHECK(r.decode.pim_busy_s == Approx(r.decode.breakdown.at("gemv").time_s).epsilon(1e-12));
  CHECK(r.decode.host_busy_s + r.decode.pim_busy_s == Approx(r.decode.time_s).epsilon(1e-12));
  // Against the gpu system: the same GEMMs on the GPU; the softmax is part of
  // the stack run, so the GPU's "others" lose it.
  const auto g = run(0, "gpu");
  CHECK(r.decode.breakdown.at("gemm").time_s == g.decode.breakdown.at("gemm").time_s);
  CHECK(r.decode.breakdown.at("others").time_s < g.decode.breakdown.at("others").time_s);
  // Per layer and step, Q, K, V (3 x 4096 FP16) go to the device and the output (4096) comes
  // back at 300 GB/s (half the A100's 600 GB/s link): 32 layers x 32 steps, all comm (one
  // GPU: no all-reduce).
  CHECK(g.decode.breakdown.count("comm") == 0);  // nothing charged there
  CHECK(r.decode.breakdown.at("comm").time_s == Approx(32.0 * 32 * (4 * 4096 * 2) / 300e9).epsilon(1e-12));
  CHECK(r.decode.breakdown.at("comm").energy_j == Approx(32.0 * 32 * (4 * 4096 * 2) * 10.4e-12).epsilon(1e-12));
}

TEST_CASE("attacc: sampling the KV lengths every 16 tokens stays within 0.5 % of the exact run", "[serving][attacc]") {
  const auto exact = run(0), sampled = run(16);
  const double dt = std::abs(sampled.decode.time_s / exact.decode.time_s - 1);
  const double de = std::abs(sampled.decode.energy_j() / exact.decode.energy_j() - 1);
  INFO("time error " << dt << ", energy error " << de);
  CHECK(dt < 0.005);
  CHECK(de < 0.005);
}
