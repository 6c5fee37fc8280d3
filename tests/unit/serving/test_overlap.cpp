// The `overlap` execution mode: the list scheduler on chains small enough to
// schedule by hand, and the GPU (with and without CIM tiles) and NPU
// back-ends' overlap decode on real models against the serial mode's figures (docs/serving.md, "Execution modes").
#include <catch2/catch.hpp>

#include <algorithm>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "gpu/host.h"
#include "model/model.h"
#include "model/system.h"
#include "serving/factory.h"
#include "serving/gpu_backend.h"
#include "serving/neupims_backend.h"
#include "serving/overlap.h"
#include "serving/timeline.h"

namespace sv = pimlab::serving;

namespace {

sv::OverlapOp host(double t, double m) { return {false, t, m}; }
sv::OverlapOp pim(double t) { return {true, t, 0}; }
sv::OverlapOp pim_with_host(double t, double h) { return {true, t, 0, h}; }

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

TEST_CASE("overlap scheduler: a memory-bound host operator waits for the channels but a compute-only one does not",
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

TEST_CASE("overlap scheduler: kernels with a host share (the NPU's attention stage), by hand", "[serving][overlap]") {
  // Each chain: H (T 4, memory 1), P (3, host share 1), H (T 2, memory 2), on
  // shared channels (Newton). By hand:
  //   a.H1 [0,4], memory [0,1]
  //   a.P1 [4,7] (tie with b.H1 at 4: lower chain first); its share [4,5]
  //   b.H1 [5,9]: channels held by a.P1 to 7, so compute [5,8], memory [8,9]
  //   a.H2 [9,11], memory [9,11] (tie with b.P1 at 9)
  //   b.P1 [11,14] (channels free at 11); its share [11,12]
  //   b.H2 [14,16]
  const std::vector<sv::OverlapOp> chain{host(4, 1), pim_with_host(3, 1), host(2, 2)};
  sv::OverlapSchedule s = sv::schedule_overlap({chain, chain}, true);
  check_slot(s.slots[0][0], 0, 4, 0, 1);
  check_slot(s.slots[0][1], 4, 7, 4, 7);
  CHECK(s.slots[0][1].host_start_s == 4);
  CHECK(s.slots[0][1].host_end_s == 5);
  check_slot(s.slots[1][0], 5, 9, 8, 9);
  check_slot(s.slots[0][2], 9, 11, 9, 11);
  check_slot(s.slots[1][1], 11, 14, 11, 14);
  CHECK(s.slots[1][1].host_start_s == 11);
  CHECK(s.slots[1][1].host_end_s == 12);
  check_slot(s.slots[1][2], 14, 16, 14, 16);
  CHECK(s.makespan_s == 16);
  // Channels not held (NeuPIMs' dual row buffer):
  //   a.H1 [0,4]; a.P1 [4,7], share [4,5]; b.H1 [5,9], memory [5,6] (channels free);
  //   a.H2 [9,11] (tie with b.P1 at 9); b.P1 [9,12], share [11,12] (host busy to 11); b.H2 [12,14].
  // 14 = the host's work (2 x (4 + 1 + 2)), against 18 serial.
  s = sv::schedule_overlap({chain, chain}, false);
  check_slot(s.slots[1][0], 5, 9, 5, 6);
  check_slot(s.slots[0][2], 9, 11, 9, 11);
  check_slot(s.slots[1][1], 9, 12, 9, 12);
  CHECK(s.slots[1][1].host_start_s == 11);
  CHECK(s.slots[1][1].host_end_s == 12);
  check_slot(s.slots[1][2], 12, 14, 12, 14);
  CHECK(s.makespan_s == 14);
  // The share waits for the host past the kernel's own end: the operator ends with it.
  s = sv::schedule_overlap({{host(5, 0)}, {pim_with_host(2, 1)}}, false);
  check_slot(s.slots[1][0], 0, 6, 0, 2);
  CHECK(s.slots[1][0].host_start_s == 5);
  CHECK(s.makespan_s == 6);
  // One chain: the serial stage, max(kernel, share), whichever is longer.
  CHECK(sv::schedule_overlap({{host(1, 1), pim_with_host(2, 3), host(1, 1)}}, true).makespan_s == 5);
  CHECK(sv::schedule_overlap({{host(1, 1), pim_with_host(3, 2), host(1, 1)}}, true).makespan_s == 5);
  CHECK_THROWS_AS(sv::schedule_overlap({{pim_with_host(1, -1)}}, true), std::invalid_argument);
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
  o.sub_batches = -1;  // 0 is sv::kSubBatchesAuto
  CHECK_THROWS_WITH(sv::GpuBackend(o), Catch::Contains("sub-batches -1 out of range (1..64, or auto)"));
  sv::SystemChoice n;
  n.system = pimlab::model::find_system("neupims");
  n.model = pimlab::model::preset("gpt3-7b");
  n.gpus = 4;
  n.mode = sv::ExecMode::overlap;
  CHECK_THROWS_WITH(sv::make_backend(n), Catch::StartsWith("system 'neupims': mode 'overlap' is not built for it "
                                                           "(allowed: serial, interleaved); its NPU traffic shares"));
  sv::NeupimsOptions direct;
  direct.system = sv::NeupimsSystem::neupims;
  direct.model = pimlab::model::preset("gpt3-7b");
  direct.tp = 4;
  direct.overlap = true;
  CHECK_THROWS_WITH(sv::NeupimsBackend(direct), Catch::Contains("which only 'interleaved' simulates"));
  n.system = pimlab::model::find_system("npu+pim");
  CHECK(sv::make_backend(n)->describe().at("mode") == "overlap");
  n.system = pimlab::model::find_system("npu-only");
  CHECK_THROWS_WITH(sv::make_backend(n), "system 'npu-only': mode 'overlap' is not built for it (allowed: serial)");
  n.system = pimlab::model::find_system("npu+pim");
  n.mode = sv::ExecMode::interleaved;
  CHECK_THROWS_WITH(sv::make_backend(n), "system 'npu+pim': mode 'interleaved' is not built for it (allowed: serial, overlap)");
  n.mode = sv::ExecMode::overlap;
  n.sub_batches = 65;
  CHECK_THROWS_WITH(sv::make_backend(n), Catch::Contains("sub-batches 65 out of range (1..64, or auto)"));
  n.sub_batches = 2;
  n.artifact_compatible = true;
  CHECK_THROWS_WITH(sv::make_backend(n), Catch::Contains("mode 'overlap' is not artifact-compatible"));
}

namespace {

sv::NeupimsOptions npu_options(sv::NeupimsSystem system) {
  sv::NeupimsOptions o;
  o.system = system;
  o.model = pimlab::model::preset("gpt3-7b");
  o.tp = 4;
  o.threads = 2;  // results do not depend on it
  return o;
}

// Request i on channel i mod 32 (round robin), KV lengths differing.
std::vector<sv::DecodeRequest> npu_batch(int n, std::int64_t first_len) {
  std::vector<sv::DecodeRequest> b;
  for (int i = 0; i < n; ++i) b.push_back({first_len + 7 * i, i % 32});
  return b;
}

}  // namespace

TEST_CASE("overlap on the NPU systems: one sub-batch is the serial mode", "[serving][overlap]") {
  {
    sv::NeupimsOptions o = npu_options(sv::NeupimsSystem::npu_pim);
    o.sub_batch = false;
    sv::NeupimsBackend serial(o);
    o.overlap = true;
    o.sub_batches = 1;
    sv::NeupimsBackend one(o);
    // Requests in channel order: the sub-batch holds them in the batch's order.
    std::vector<sv::DecodeRequest> b;
    for (int i = 0; i < 48; ++i) b.push_back({1025 + 7 * i, i / 2 % 32});
    const sv::IterationCost a = serial.decode(b), c = one.decode(b);
    // Serial sums time x repeat per stage, the schedule one stage after another.
    CHECK(c.time_s == Approx(a.time_s).epsilon(1e-12));
    CHECK(a.energy_j() == c.energy_j());
    CHECK(a.host_busy_s == c.host_busy_s);
    CHECK(a.pim_busy_s == c.pim_busy_s);
    for (const auto& [k, v] : a.breakdown) {
      CHECK(c.breakdown.at(k).time_s == Approx(v.time_s).epsilon(1e-12).margin(1e-15));  // re-attributed
      CHECK(c.breakdown.at(k).energy_j == v.energy_j);
    }
    CHECK(one.describe().at("mode") == "overlap");
    CHECK(one.describe().at("sub_batches") == "1");
  }
}

TEST_CASE("overlap on the NPU systems: bounds, categories, energy of the sub-batches (gpt3-7b, tp 4)",
          "[serving][overlap]") {
  {
    sv::NeupimsOptions o = npu_options(sv::NeupimsSystem::npu_pim);
    o.sub_batch = false;
    sv::NeupimsBackend serial(o);
    o.overlap = true;
    sv::NeupimsBackend over(o);
    // 64 requests, two on every channel: the split gives each sub-batch one
    // request of every channel, requests 0..31 and 32..63.
    const auto b = npu_batch(64, 1025);
    const sv::IterationCost c = over.decode(b);
    const std::vector<sv::DecodeRequest> h1(b.begin(), b.begin() + 32), h2(b.begin() + 32, b.end());
    const sv::IterationCost s1 = serial.decode(h1), s2 = serial.decode(h2);
    const double host = s1.host_busy_s + s2.host_busy_s, pimt = s1.pim_busy_s + s2.pim_busy_s;
    CHECK(c.host_busy_s == Approx(host).epsilon(1e-12));
    CHECK(c.pim_busy_s == Approx(pimt).epsilon(1e-12));
    CHECK(c.energy_j() == Approx(s1.energy_j() + s2.energy_j()).epsilon(1e-12));
    CHECK(c.time_s <= (s1.time_s + s2.time_s) * (1 + 1e-12));
    CHECK(c.time_s >= std::max(host, pimt) * (1 - 1e-12));
    CHECK(category_sum(c) == Approx(c.time_s).epsilon(1e-12));
    // The sides ran at once: some host work hid under the kernels.
    CHECK(c.host_busy_s + c.pim_busy_s > c.time_s);
  }
}

TEST_CASE("overlap on the NPU systems: trace of the schedule", "[serving][overlap]") {
  sv::NeupimsOptions o = npu_options(sv::NeupimsSystem::npu_pim);
  o.overlap = true;
  o.sub_batches = 3;
  sv::NeupimsBackend be(o);
  sv::Timeline t;
  be.record(&t);
  const sv::IterationCost c = be.decode(npu_batch(12, 300));
  be.record(nullptr);
  CHECK(t.concurrent);
  REQUIRE(!t.ops.empty());
  double end = 0;
  int pim = 0;
  for (std::size_t i = 0; i < t.ops.size(); ++i) {
    end = std::max(end, t.ops[i].end_s);
    if (i) CHECK(t.ops[i].start_s >= t.ops[i - 1].start_s);
    if (t.ops[i].device == "pim") ++pim;
  }
  CHECK(end == c.time_s);
  CHECK(pim == 3 * 32);  // attention of every layer of each sub-batch
}

// --sub-batches auto: each iteration keeps the fastest candidate count; the
// candidates are costed by the same path as a fixed count, so auto's figures
// are exactly those of the fixed run it chose.
namespace {

template <class Make>
void check_auto_is_minimum(Make make, const std::vector<sv::DecodeRequest>& b) {
  auto au = make(sv::kSubBatchesAuto);
  const sv::IterationCost a = au->decode(b);
  double best = 0;
  int best_s = 0;
  sv::IterationCost chosen;
  for (const int s : sv::auto_sub_batch_candidates(b.size())) {
    auto fixed = make(s);
    const sv::IterationCost c = fixed->decode(b);
    INFO("S = " << s);
    CHECK(a.time_s <= c.time_s);  // never slower than any candidate, S = 1 (serial) included
    if (best_s == 0 || c.time_s < best) best = c.time_s, best_s = s, chosen = c;
  }
  CHECK(a.time_s == best);  // the same path: exact
  CHECK(a.energy_j() == chosen.energy_j());
  CHECK(a.host_busy_s == chosen.host_busy_s);
  CHECK(a.pim_busy_s == chosen.pim_busy_s);
  for (const auto& [k, v] : chosen.breakdown) CHECK(a.breakdown.at(k).time_s == v.time_s);
  CHECK(au->sub_batches_chosen().size() == 1);
  CHECK(au->sub_batches_chosen().at(best_s) == 1);
  CHECK(au->describe().at("sub_batches") == "auto");
}

}  // namespace

TEST_CASE("sub-batches auto: candidates and names", "[serving][overlap]") {
  CHECK(sv::auto_sub_batch_candidates(1) == std::vector<int>{1});
  CHECK(sv::auto_sub_batch_candidates(3) == std::vector<int>{1, 2});
  CHECK(sv::auto_sub_batch_candidates(8) == std::vector<int>{1, 2, 4, 8});
  CHECK(sv::auto_sub_batch_candidates(1024) == std::vector<int>{1, 2, 4, 8});
  CHECK(sv::sub_batches_name(sv::kSubBatchesAuto) == "auto");
  CHECK(sv::sub_batches_name(4) == "4");
}

TEST_CASE("sub-batches auto on the GPU hosts: the fastest of the fixed counts, never slower than serial",
          "[serving][overlap]") {
  struct Case {
    const char* system;
    const char* model;
    int batch;
    std::int64_t len;
  } cases[] = {{"pimba", "mamba2-2.7b", 64, 1025}, {"pimba", "opt-7b", 1024, 129}, {"attacc", "opt-7b", 64, 1025},
               {"pimba", "opt-7b", 3, 1025}};
  for (const Case& k : cases) {
    INFO(k.system << " " << k.model << " batch " << k.batch);
    sv::GpuSystemOptions o = options(k.system, k.model);
    sv::GpuBackend serial(o);
    const std::vector<sv::DecodeRequest> b(static_cast<std::size_t>(k.batch), {k.len, -1});
    o.mode = sv::ExecMode::overlap;
    check_auto_is_minimum(
        [&](int s) {
          sv::GpuSystemOptions x = o;
          x.sub_batches = s;
          return std::make_unique<sv::GpuBackend>(x);
        },
        b);
    // Against the serial mode: S = 1 is serial to rounding (its own test above).
    sv::GpuSystemOptions x = o;
    x.sub_batches = sv::kSubBatchesAuto;
    sv::GpuBackend au(x);
    CHECK(au.decode(b).time_s <= serial.decode(b).time_s * (1 + 1e-12));
  }
}

TEST_CASE("sub-batches auto on npu+pim: the fastest of the fixed counts, never slower than serial",
          "[serving][overlap]") {
  sv::NeupimsOptions o = npu_options(sv::NeupimsSystem::npu_pim);
  o.sub_batch = false;
  sv::NeupimsBackend serial(o);
  o.overlap = true;
  const auto b = npu_batch(64, 1025);
  check_auto_is_minimum(
      [&](int s) {
        sv::NeupimsOptions x = o;
        x.sub_batches = s;
        return std::make_unique<sv::NeupimsBackend>(x);
      },
      b);
  sv::NeupimsOptions x = o;
  x.sub_batches = sv::kSubBatchesAuto;
  sv::NeupimsBackend au(x);
  CHECK(au.decode(b).time_s <= serial.decode(b).time_s * (1 + 1e-12));
}

TEST_CASE("sub-batches auto: the trace lays out the chosen schedule", "[serving][overlap]") {
  sv::GpuSystemOptions o = options("pimba", "opt-7b");
  o.mode = sv::ExecMode::overlap;
  o.sub_batches = sv::kSubBatchesAuto;
  sv::GpuBackend be(o);
  sv::Timeline t;
  be.record(&t);
  const sv::IterationCost c = be.decode(std::vector<sv::DecodeRequest>(1024, {129, -1}));
  be.record(nullptr);
  REQUIRE(be.sub_batches_chosen().size() == 1);
  const int s = be.sub_batches_chosen().begin()->first;
  CHECK(t.note.find("sub-batches auto: S=" + std::to_string(s) + " chosen of S=1 ") == 0);
  double end = 0;
  int highest = 0;
  for (const sv::Timeline::Op& op : t.ops) {
    end = std::max(end, op.end_s);
    const auto at = op.name.rfind(".sb");
    REQUIRE(at != std::string::npos);
    highest = std::max(highest, std::stoi(op.name.substr(at + 3)));
  }
  CHECK(end == c.time_s);
  CHECK(highest == s);
}

// CIM tiles as one more resource of the schedule (docs/serving.md, "CIM tiles"
// and "`overlap` on the GPU-host systems").
namespace {

sv::OverlapOp cim(double t) { return {false, t, 0, 0, true}; }

sv::GpuSystemOptions with_cim(const std::string& system, const std::string& model, sv::CimPlace place, int tiles) {
  sv::GpuSystemOptions o = options(system, model);
  o.cim.place = place;
  o.cim.tile.tiles = tiles;
  return o;
}

}  // namespace

TEST_CASE("overlap scheduler: CIM operators hold only the tiles, by hand", "[serving][overlap][cim_place]") {
  // Each chain: H (T 4, memory 1), C (3), H (T 2, memory 1). By hand:
  //   a.H1 [0,4]
  //   a.C1 [4,7] (tie with b.H1 at 4: lower chain first)
  //   b.H1 [4,8]: the host is free while the tiles run a.C1; its memory part [4,5]
  //   a.H2 [8,10] (tie with b.C1 at 8)
  //   b.C1 [8,11] under a.H2
  //   b.H2 [11,13]
  // Makespan 13 against 18 serial: 3 + 2 of the 6 CIM time units under host work.
  const std::vector<sv::OverlapOp> chain{host(4, 1), cim(3), host(2, 1)};
  for (bool shared : {true, false}) {  // the tiles never hold the channels
    const sv::OverlapSchedule s = sv::schedule_overlap({chain, chain}, shared);
    check_slot(s.slots[0][0], 0, 4, 0, 1);
    check_slot(s.slots[0][1], 4, 7, 4, 4);
    check_slot(s.slots[1][0], 4, 8, 4, 5);
    check_slot(s.slots[0][2], 8, 10, 8, 9);
    check_slot(s.slots[1][1], 8, 11, 8, 8);
    check_slot(s.slots[1][2], 11, 13, 11, 12);
    CHECK(s.makespan_s == 13);
  }
  // A CIM operator, a PIM kernel holding the channels and a memory-bound host
  // operator at once: the CIM runs beside both, the host waits for the channels.
  sv::OverlapSchedule s = sv::schedule_overlap({{cim(3)}, {pim(2)}, {host(2, 2)}}, true);
  check_slot(s.slots[0][0], 0, 3, 0, 0);
  check_slot(s.slots[1][0], 0, 2, 0, 2);
  check_slot(s.slots[2][0], 0, 4, 2, 4);
  CHECK(s.makespan_s == 4);
  // One CIM resource: two chains' CIM operators run one after the other.
  s = sv::schedule_overlap({{cim(3)}, {cim(2)}}, true);
  check_slot(s.slots[1][0], 3, 5, 3, 3);
  // One chain: the serial sum.
  CHECK(sv::schedule_overlap({{host(2, 1), cim(3), pim(1), host(1, 1)}}, true).makespan_s == 7);
  sv::OverlapOp both = cim(1);
  both.pim = true;
  CHECK_THROWS_WITH(sv::schedule_overlap({{both}}, true), Catch::Contains("not both"));
}

TEST_CASE("overlap with CIM tiles and one sub-batch is the serial CIM run", "[serving][overlap][cim_place]") {
  struct Case {
    const char* system;
    const char* model;
    sv::CimPlace place;
    int tiles;
  } cases[] = {{"gpu", "opt-7b", sv::CimPlace::softmax, 16},
               {"gpu", "opt-7b", sv::CimPlace::ffn, 8192},  // configs/systems/a100-cim-ffn.json
               {"pimba", "opt-7b", sv::CimPlace::softmax, 64},
               {"gpu+pim", "opt-7b", sv::CimPlace::ffn, 8192}};
  for (const Case& k : cases) {
    INFO(k.system << " " << k.model << " " << sv::cim_place_name(k.place));
    sv::GpuSystemOptions o = with_cim(k.system, k.model, k.place, k.tiles);
    sv::GpuBackend serial(o);
    o.mode = sv::ExecMode::overlap;
    o.sub_batches = 1;
    sv::GpuBackend one(o);
    const auto b = batch(16, 1025);
    const sv::IterationCost a = serial.decode(b), c = one.decode(b);
    REQUIRE(a.cim_busy_s > 0);
    CHECK(c.time_s == Approx(a.time_s).epsilon(1e-12));
    CHECK(c.cim_busy_s == a.cim_busy_s);
    CHECK(c.cim_transfer_s == a.cim_transfer_s);
    CHECK(c.cim_energy_j == a.cim_energy_j);
    CHECK(c.cim_hidden_s == 0);  // nothing to hide under: one chain runs its operators one at a time
    CHECK(a.energy_j() == c.energy_j());
    for (const auto& [cat, v] : a.breakdown) {
      CHECK(c.breakdown.at(cat).time_s == Approx(v.time_s).epsilon(1e-12));
      CHECK(c.breakdown.at(cat).energy_j == v.energy_j);
    }
  }
}

TEST_CASE("overlap with CIM tiles: bounds, categories, hidden CIM time, energy", "[serving][overlap][cim_place]") {
  struct Case {
    const char* system;
    const char* model;
    sv::CimPlace place;
    int tiles;
    int batch;
  } cases[] = {{"gpu", "opt-7b", sv::CimPlace::softmax, 16, 64},
               {"gpu", "opt-7b", sv::CimPlace::ffn, 8192, 64},
               {"pimba", "opt-7b", sv::CimPlace::softmax, 16, 32},
               {"attacc", "opt-7b", sv::CimPlace::ffn, 8192, 32}};
  for (const Case& k : cases) {
    for (int S : {2, 4}) {
      INFO(k.system << " " << sv::cim_place_name(k.place) << " batch " << k.batch << " S " << S);
      sv::GpuSystemOptions o = with_cim(k.system, k.model, k.place, k.tiles);
      sv::GpuBackend serial(o);
      o.mode = sv::ExecMode::overlap;
      o.sub_batches = S;
      sv::GpuBackend over(o);
      const auto b = batch(k.batch, 1025);
      const sv::IterationCost c = over.decode(b);
      // Each sub-batch run serially: the busy times and energies the schedule composes.
      sv::IterationCost parts;
      for (int j = 0; j < S; ++j) {
        const std::vector<sv::DecodeRequest> sub(b.begin() + j * k.batch / S, b.begin() + (j + 1) * k.batch / S);
        parts.add(serial.decode(sub));
      }
      CHECK(c.host_busy_s == Approx(parts.host_busy_s).epsilon(1e-12));
      CHECK(c.pim_busy_s == Approx(parts.pim_busy_s).epsilon(1e-12));
      CHECK(c.cim_busy_s == Approx(parts.cim_busy_s).epsilon(1e-12));
      // The transfers are part of each CIM operator's span (it holds the tiles and their link throughout).
      CHECK(c.cim_transfer_s > 0);
      CHECK(c.cim_transfer_s == Approx(parts.cim_transfer_s).epsilon(1e-12));
      CHECK(c.cim_transfer_bytes == parts.cim_transfer_bytes);
      CHECK(c.cim_energy_j == Approx(parts.cim_energy_j).epsilon(1e-12));
      CHECK(c.energy_j() == Approx(parts.energy_j()).epsilon(1e-12));
      // The makespan: at most the sub-batches one after the other, at least each resource's work.
      CHECK(c.time_s <= parts.time_s * (1 + 1e-12));
      CHECK(c.time_s >= std::max({c.host_busy_s, c.pim_busy_s, c.cim_busy_s}) * (1 - 1e-12));
      CHECK(category_sum(c) == Approx(c.time_s).epsilon(1e-12));
      CHECK(c.cim_hidden_s > 0);  // some CIM time ran under another sub-batch's host work
      CHECK(c.cim_hidden_s <= c.cim_busy_s * (1 + 1e-12));
      if (std::string(k.system) == "gpu") {
        // Host and tiles only, no idle moment: the makespan is their busy
        // times less the time both ran.
        CHECK(c.time_s == Approx(c.host_busy_s + c.cim_busy_s - c.cim_hidden_s).epsilon(1e-9));
      }
    }
  }
}

TEST_CASE("overlap with CIM tiles: sub-batches auto keeps the fastest count", "[serving][overlap][cim_place]") {
  sv::GpuSystemOptions o = with_cim("gpu", "opt-7b", sv::CimPlace::softmax, 16);
  o.mode = sv::ExecMode::overlap;
  const std::vector<sv::DecodeRequest> b(64, {1025, -1});
  check_auto_is_minimum(
      [&](int s) {
        sv::GpuSystemOptions x = o;
        x.sub_batches = s;
        return std::make_unique<sv::GpuBackend>(x);
      },
      b);
}

TEST_CASE("overlap with CIM tiles: the trace holds the CIM operators at their scheduled times",
          "[serving][overlap][cim_place][trace]") {
  for (const char* system : {"gpu", "pimba"}) {
    INFO(system);
    sv::GpuSystemOptions o = with_cim(system, "opt-7b", sv::CimPlace::softmax, 16);
    o.mode = sv::ExecMode::overlap;
    o.sub_batches = 2;
    sv::GpuBackend be(o);
    sv::Timeline t;
    be.record(&t);
    const sv::IterationCost c = be.decode(batch(16, 1025));
    be.record(nullptr);
    CHECK(t.concurrent);
    double cim = 0, end = 0, last_cim_end = 0;
    int sb2 = 0;
    for (const sv::Timeline::Op& op : t.ops) {
      end = std::max(end, op.end_s);
      if (op.device != "cim") continue;
      CHECK(op.start_s >= last_cim_end);  // one chip: CIM spans never overlap
      last_cim_end = op.end_s;
      cim += op.end_s - op.start_s;
      CHECK(op.name.rfind("attention_softmax.sb", 0) == 0);
      if (op.name == "attention_softmax.sb2") ++sb2;
    }
    CHECK(sb2 == 32);  // one per layer
    CHECK(cim == Approx(c.cim_busy_s).epsilon(1e-9));
    CHECK(end == c.time_s);
    std::ostringstream vcd;
    sv::write_vcd(vcd, t, "cim overlap");
    const std::string v = vcd.str();
    CHECK(v.find(" cim_busy $end") != std::string::npos);
    CHECK(v.find(" cim_op $end") != std::string::npos);
    CHECK(v.find("sattention_softmax.sb2 ") != std::string::npos);
  }
}

TEST_CASE("overlap with CIM tiles: refusals that stay", "[serving][overlap][cim_place]") {
  sv::GpuSystemOptions o = options("gpu", "opt-7b");
  o.mode = sv::ExecMode::overlap;
  CHECK_THROWS_WITH(sv::GpuBackend(o), Catch::Contains("mode 'overlap' needs PIM or CIM tiles"));
  o = with_cim("gpu", "opt-7b", sv::CimPlace::softmax, 16);
  o.mode = sv::ExecMode::overlap;
  CHECK(sv::GpuBackend(o).describe().at("mode") == "overlap");
  o.sub_batches = 65;
  CHECK_THROWS_WITH(sv::GpuBackend(o), Catch::Contains("sub-batches 65 out of range (1..64, or auto)"));
  o.sub_batches = 2;
  o.artifact_compatible = true;
  CHECK_THROWS_WITH(sv::GpuBackend(o), Catch::Contains("not part of the artifacts"));
  o = with_cim("attacc", "opt-7b", sv::CimPlace::softmax, 16);
  o.mode = sv::ExecMode::overlap;
  CHECK_THROWS_WITH(sv::GpuBackend(o), Catch::Contains("conflicts with attacc"));
}
