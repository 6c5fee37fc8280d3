// The `overlap` execution mode: the list scheduler on chains small enough to
// schedule by hand, and the GPU back-end's overlap decode on real models
// against the serial mode's figures (docs/serving.md, "Execution modes").
#include <catch2/catch.hpp>

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include "gpu/host.h"
#include "model/model.h"
#include "model/system.h"
#include "serving/factory.h"
#include "serving/gpu_backend.h"
#include "serving/overlap.h"

namespace sv = pimlab::serving;

namespace {

sv::OverlapOp host(double t, double m) { return {false, t, m}; }
sv::OverlapOp pim(double t) { return {true, t, 0}; }

void check_slot(const sv::OverlapSlot& s, double start, double end, double cs, double ce) {
  CHECK(s.start_s == start);
  CHECK(s.end_s == end);
  CHECK(s.channel_start_s == cs);
  CHECK(s.channel_end_s == ce);
}

sv::GpuSystemOptions options(const std::string& system, const std::string& model) {
  sv::GpuSystemOptions o;
  o.system = pimlab::model::find_system(system);
  o.model = pimlab::model::preset(model);
  o.host = pimlab::gpu::preset("a100");
  return o;
}

std::vector<sv::DecodeRequest> batch(int n, std::int64_t first_len) {
  std::vector<sv::DecodeRequest> b;
  for (int i = 0; i < n; ++i) b.push_back({first_len + 7 * i, -1});  // lengths differ: sub-batches differ
  return b;
}

double category_sum(const sv::IterationCost& c) {
  double t = 0;
  for (const auto& [k, v] : c.breakdown) t += v.time_s;
  return t;
}

}  // namespace

TEST_CASE("overlap scheduler: two sub-batches of host -> PIM -> host on shared channels, by hand", "[serving][overlap]") {
  // Each chain: H (T 4, memory 1), P (3), H (T 2, memory 2). By hand:
  //   a.H1 [0,4], memory [0,1] (channels free: memory first)
  //   a.P1 [4,7] (tie with b.H1 at 4: lower chain first)
  //   b.H1 [4,8]: channels held by a.P1, so compute [4,7] under the kernel, memory [7,8]
  //   a.H2 [8,10], memory [8,10] (tie with b.P1 at 8)
  //   b.P1 [10,13] (channels free at 10)
  //   b.H2 [13,15]
  // Makespan 15 against 18 serial; 3 of b.H1's compute ran under a.P1.
  const std::vector<sv::OverlapOp> chain{host(4, 1), pim(3), host(2, 2)};
  const sv::OverlapSchedule s = sv::schedule_overlap({chain, chain}, true);
  REQUIRE(s.slots.size() == 2);
  check_slot(s.slots[0][0], 0, 4, 0, 1);
  check_slot(s.slots[0][1], 4, 7, 4, 7);
  check_slot(s.slots[1][0], 4, 8, 7, 8);
  check_slot(s.slots[0][2], 8, 10, 8, 10);
  check_slot(s.slots[1][1], 10, 13, 10, 13);
  check_slot(s.slots[1][2], 13, 15, 13, 15);
  CHECK(s.makespan_s == 15);
  // Lower bound on shared channels: every host memory part and every kernel, one at a time (12).
  CHECK(s.makespan_s >= 12);
}

TEST_CASE("overlap scheduler: PIM with its own memory overlaps host memory traffic too, by hand", "[serving][overlap]") {
  // a.H1 [0,4] mem [0,1]; a.P1 [4,7]; b.H1 [4,8] mem [4,5] (the PIM does not
  // hold the host's channels); a.H2 [8,10] (tie with b.P1 at 8); b.P1 [8,11]; b.H2 [11,13].
  const std::vector<sv::OverlapOp> chain{host(4, 1), pim(3), host(2, 2)};
  const sv::OverlapSchedule s = sv::schedule_overlap({chain, chain}, false);
  check_slot(s.slots[1][0], 4, 8, 4, 5);
  check_slot(s.slots[0][2], 8, 10, 8, 10);
  check_slot(s.slots[1][1], 8, 11, 8, 11);
  check_slot(s.slots[1][2], 11, 13, 11, 13);
  CHECK(s.makespan_s == 13);
}

TEST_CASE("overlap scheduler: a memory-bound host operator waits for the channels; a compute-only one does not",
          "[serving][overlap]") {
  // a: one kernel [0,5]. b: a host operator all memory (T = M = 2) waits for the
  // channels, [5,7]; c: a host operator without traffic runs under the kernel.
  const sv::OverlapSchedule s = sv::schedule_overlap({{pim(5)}, {host(2, 2)}, {host(1, 0)}}, true);
  check_slot(s.slots[0][0], 0, 5, 0, 5);
  check_slot(s.slots[1][0], 0, 7, 5, 7);  // holds the host from 0 (placed at 0), its memory part at 5
  check_slot(s.slots[2][0], 7, 8, 7, 7);
  CHECK(s.makespan_s == 8);
  // One chain: no overlap at all, the serial sum.
  CHECK(sv::schedule_overlap({{host(2, 1), pim(3), host(1, 1)}}, true).makespan_s == 6);
  CHECK_THROWS_AS(sv::schedule_overlap({{host(-1, 0)}}, true), std::invalid_argument);
}

TEST_CASE("overlap mode names", "[serving][overlap]") {
  CHECK(sv::parse_mode("overlap") == sv::ExecMode::overlap);
  CHECK(std::string(sv::mode_name(sv::ExecMode::interleaved)) == "interleaved");
  CHECK_THROWS_WITH(sv::parse_mode("parallel"), "mode 'parallel' is not one of serial, interleaved, overlap");
}

TEST_CASE("overlap with one sub-batch is the serial mode (time to rounding, energy bit for bit)", "[serving][overlap]") {
  for (const char* model : {"mamba2-2.7b", "opt-7b"}) {
    sv::GpuSystemOptions o = options("pimba", model);
    sv::GpuBackend serial(o);
    o.mode = sv::ExecMode::overlap;
    o.sub_batches = 1;
    sv::GpuBackend one(o);
    const auto b = batch(16, 1025);
    const sv::IterationCost a = serial.decode(b), c = one.decode(b);
    // Serial sums time x repeat per operator, the schedule one instance after
    // another: the same time to the last bits.
    CHECK(c.time_s == Approx(a.time_s).epsilon(1e-12));
    CHECK(a.energy_j() == c.energy_j());
    for (const auto& [k, v] : a.breakdown) {
      CHECK(c.breakdown.at(k).time_s == Approx(v.time_s).epsilon(1e-12));  // re-attributed: sums in another order
      CHECK(c.breakdown.at(k).energy_j == v.energy_j);
    }
  }
}

TEST_CASE("overlap on real models: bounds, categories, energy of the sub-batches", "[serving][overlap]") {
  struct Case {
    const char* system;
    const char* model;
    int batch;
  } cases[] = {{"pimba", "mamba2-2.7b", 64}, {"pimba", "opt-7b", 64}, {"gpu+pim", "zamba2-7b", 32},
               {"attacc", "opt-7b", 64}};
  for (const Case& k : cases) {
    INFO(k.system << " " << k.model << " batch " << k.batch);
    sv::GpuSystemOptions o = options(k.system, k.model);
    sv::GpuBackend serial(o);
    o.mode = sv::ExecMode::overlap;
    sv::GpuBackend over(o);
    const auto b = batch(k.batch, 1025);
    const sv::IterationCost c = over.decode(b);
    // The same split run serially: each sub-batch on its own.
    const std::vector<sv::DecodeRequest> h1(b.begin(), b.begin() + k.batch / 2), h2(b.begin() + k.batch / 2, b.end());
    const sv::IterationCost s1 = serial.decode(h1), s2 = serial.decode(h2);
    const double host = s1.host_busy_s + s2.host_busy_s, pimt = s1.pim_busy_s + s2.pim_busy_s;
    CHECK(c.host_busy_s == Approx(host).epsilon(1e-12));
    CHECK(c.pim_busy_s == Approx(pimt).epsilon(1e-12));
    CHECK(c.energy_j() == Approx(s1.energy_j() + s2.energy_j()).epsilon(1e-12));  // no time-proportional energy
    CHECK(c.time_s <= (s1.time_s + s2.time_s) * (1 + 1e-12));
    CHECK(c.time_s >= std::max(host, pimt) * (1 - 1e-12));
    CHECK(category_sum(c) == Approx(c.time_s).epsilon(1e-12));
    // Against the serial mode on the whole batch: sub-batches read the weights
    // twice, and a decode step's host operators are memory bound at these
    // batches, so they hardly overlap a kernel that holds the channels.
    // With the PIM in the host's channels nothing is hidden (every host
    // operator of these steps is memory bound); AttAcc's own memory lets the
    // host's traffic run under its kernels.
    const sv::IterationCost whole = serial.decode(b);
    if (std::string(k.system) != "attacc") {
      CHECK(c.time_s > whole.time_s);
      CHECK(c.host_busy_s + c.pim_busy_s == Approx(c.time_s).epsilon(1e-9));
    } else {
      CHECK(c.host_busy_s + c.pim_busy_s > c.time_s * 1.01);
    }
  }
}

TEST_CASE("overlap beats serial where the host's GEMMs are compute bound (pimba, opt-7b, batch 1024)", "[serving][overlap]") {
  // 1024 requests at KV length 129 (36 GiB of MX8 KV: fits the A100); sub-batches of 512.
  sv::GpuSystemOptions o = options("pimba", "opt-7b");
  sv::GpuBackend serial(o);
  o.mode = sv::ExecMode::overlap;
  sv::GpuBackend over(o);
  const std::vector<sv::DecodeRequest> b(1024, {129, -1});
  const sv::IterationCost s = serial.decode(b), c = over.decode(b);
  CHECK(c.time_s < s.time_s);
  CHECK(c.host_busy_s + c.pim_busy_s > c.time_s * 1.01);  // the two sides ran at once
}

TEST_CASE("overlap trace: operators at their scheduled times, concurrent", "[serving][overlap]") {
  sv::GpuSystemOptions o = options("pimba", "mamba2-2.7b");
  o.mode = sv::ExecMode::overlap;
  o.sub_batches = 3;
  sv::GpuBackend be(o);
  sv::Timeline t;
  be.record(&t);
  const sv::IterationCost c = be.decode(batch(8, 100));
  be.record(nullptr);
  CHECK(t.concurrent);
  REQUIRE(!t.ops.empty());
  double end = 0;
  int sb3 = 0;
  for (std::size_t i = 0; i < t.ops.size(); ++i) {
    end = std::max(end, t.ops[i].end_s);
    if (i) CHECK(t.ops[i].start_s >= t.ops[i - 1].start_s);
    if (t.ops[i].name.size() > 4 && t.ops[i].name.substr(t.ops[i].name.size() - 4) == ".sb3") ++sb3;
  }
  CHECK(end == c.time_s);
  CHECK(sb3 * 3 == static_cast<int>(t.ops.size()));
  CHECK(!t.pim_commands.empty());
  CHECK(be.describe().at("mode") == "overlap");
  CHECK(be.describe().at("sub_batches") == "3");
}

TEST_CASE("overlap: combinations that are not built are refused", "[serving][overlap]") {
  sv::GpuSystemOptions o = options("gpu", "opt-7b");
  o.mode = sv::ExecMode::overlap;
  CHECK_THROWS_WITH(sv::GpuBackend(o), Catch::Contains("mode 'overlap' needs PIM"));
  o = options("pimba", "opt-7b");
  o.mode = sv::ExecMode::interleaved;
  CHECK_THROWS_WITH(sv::GpuBackend(o), Catch::Contains("GPU-host systems take serial or overlap"));
  o.mode = sv::ExecMode::overlap;
  o.sub_batches = 0;
  CHECK_THROWS_WITH(sv::GpuBackend(o), Catch::Contains("sub-batches 0 out of range (1..64)"));
  sv::SystemChoice n;
  n.system = pimlab::model::find_system("neupims");
  n.model = pimlab::model::preset("gpt3-7b");
  n.gpus = 4;
  n.mode = sv::ExecMode::overlap;
  CHECK_THROWS_WITH(sv::make_backend(n), "system 'neupims': mode 'overlap' is not built for it (allowed: serial, interleaved)");
  n.system = pimlab::model::find_system("npu+pim");
  n.mode = sv::ExecMode::interleaved;
  CHECK_THROWS_WITH(sv::make_backend(n), "system 'npu+pim': mode 'interleaved' is not built for it (allowed: serial)");
}
