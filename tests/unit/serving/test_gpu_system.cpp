// The GPU system of the Pimba evaluation end to end: `serve` on the GPU
// back-end in artifact-compatible mode against the artifact's own numbers:
// the operator list of the run (tests/data/system/pimba_layer_catalog_b32.csv,
// batch 32, 2048 in / 2048 out) with every operator's time and energy from the
// artifact's roofline vectors (gpu_roofline_vectors.csv). The sum over the
// catalog of time x repeat is the artifact's generation time.
#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "gpu/host.h"
#include "model/model.h"
#include "model/system.h"
#include "serving/gpu_backend.h"
#include "serving/loop.h"
#include "workload/request.h"

namespace {

using Row = std::map<std::string, std::string>;

std::vector<Row> read_csv(const std::string& path) {
  std::ifstream f(path);
  REQUIRE(f);
  std::string line;
  std::getline(f, line);
  std::vector<std::string> head;
  {
    std::stringstream ss(line);
    std::string c;
    while (std::getline(ss, c, ',')) head.push_back(c);
  }
  std::vector<Row> rows;
  while (std::getline(f, line)) {
    if (line.empty()) continue;
    std::stringstream ss(line);
    std::string c;
    Row r;
    for (std::size_t i = 0; i < head.size() && std::getline(ss, c, ','); ++i) r[head[i]] = c;
    rows.push_back(r);
  }
  return rows;
}

}  // namespace

TEST_CASE("gpu and gpu+q systems: generation time and energy of the artifact's catalog x roofline vectors",
          "[serving][gpu]") {
  const auto vectors = read_csv(PIMLAB_SYSTEM_DATA_DIR "/gpu_roofline_vectors.csv");
  std::map<std::string, std::pair<double, double>> vec;  // key -> (time, energy pJ)
  for (const Row& r : vectors)
    vec[r.at("num_gpus") + "|" + r.at("cls") + "|" + r.at("m") + "|" + r.at("n") + "|" + r.at("k") + "|" +
        r.at("num_op") + "|" + r.at("dbyte")] = {std::stod(r.at("time_s")),
                                                 std::stod(r.at("e_offchip_pJ")) + std::stod(r.at("e_onchip_pJ"))};
  const auto catalog = read_csv(PIMLAB_SYSTEM_DATA_DIR "/pimba_layer_catalog_b32.csv");
  // The post-transformer models (their operators do not depend on the step),
  // on 1 GPU (2.7B) and on 8 (70B).
  for (const std::string model : {"retnet-2.7b", "gla-2.7b", "hgrn2-2.7b", "mamba2-2.7b", "retnet-70b", "mamba2-70b"}) {
    for (const auto& [sys_ref, sys] : std::vector<std::pair<std::string, std::string>>{{"GPU", "gpu"}, {"GPU+Q", "gpu+q"}}) {
      double t_ref = 0, e_ref = 0;
      int tp = 1;
      for (const Row& r : catalog) {
        if (r.at("model") != model || r.at("system") != sys_ref) continue;
        tp = std::stoi(r.at("tp"));
        const auto it = vec.find(r.at("tp") + "|" + r.at("cls") + "|" + r.at("m") + "|" + r.at("n") + "|" + r.at("k") +
                                 "|" + r.at("num_op") + "|" + r.at("dbyte"));
        REQUIRE(it != vec.end());
        const double rep = std::stod(r.at("repeat"));
        t_ref += it->second.first * rep;
        e_ref += it->second.second * rep * tp * 1e-12;
      }
      REQUIRE(t_ref > 0);
      pimlab::serving::GpuSystemOptions o;
      o.system = pimlab::model::find_system(sys);
      o.model = pimlab::model::preset(model);
      o.host = pimlab::gpu::preset("a100");
      o.gpus = tp;
      o.artifact_compatible = true;
      pimlab::serving::GpuBackend be(o);
      pimlab::serving::LoopOptions lo;
      lo.max_batch = 32;
      const auto r = pimlab::serving::serve(be, pimlab::workload::fixed_batch(32, 2048, 2048), lo);
      INFO(model << " on " << sys);
      CHECK(r.decode_iterations == 2047);
      CHECK(r.decode_tokens == 32 * 2047);
      // The vectors carry 7 significant digits: each term is within 5e-7
      // relative of the exact value, so is the sum.
      CHECK(r.decode.time_s == Approx(t_ref).epsilon(1e-6));
      CHECK(r.decode.energy_j() == Approx(e_ref).epsilon(1e-6));
    }
  }
}

TEST_CASE("the categories add up to the iteration time and energy by place adds up to the total", "[serving][gpu]") {
  pimlab::serving::GpuSystemOptions o;
  o.system = pimlab::model::find_system("pimba");
  o.model = pimlab::model::preset("zamba2-7b");
  o.host = pimlab::gpu::preset("a100");
  pimlab::serving::GpuBackend be(o);
  const auto c = be.decode({{2100, -1}, {2100, -1}, {2300, -1}});
  double t = 0, e = 0;
  for (const auto& [k, v] : c.breakdown) t += v.time_s, e += v.energy_j;
  CHECK(t == Approx(c.time_s).epsilon(1e-12));
  CHECK(e == Approx(c.energy_j()).epsilon(1e-12));
  CHECK(c.host_busy_s + c.pim_busy_s == Approx(c.time_s).epsilon(1e-12));  // serial: one side at a time
  CHECK(c.breakdown.at("state_update").time_s > 0);
  CHECK(c.breakdown.at("gemv").time_s > 0);  // the shared attention block's GEMVs on PIM
  CHECK(c.pim_energy_j > 0);
}

TEST_CASE("a system without a GPU host is refused", "[serving][gpu]") {
  pimlab::serving::GpuSystemOptions o;
  o.model = pimlab::model::preset("opt-7b");
  o.host = pimlab::gpu::preset("a100");
  o.system = pimlab::model::find_system("neupims");
  CHECK_THROWS_AS(pimlab::serving::GpuBackend(o), std::invalid_argument);
  o.system = pimlab::model::find_system("npu-only");
  CHECK_THROWS_AS(pimlab::serving::GpuBackend(o), std::invalid_argument);
}
