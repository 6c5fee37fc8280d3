// The serving loop's bookkeeping (admission, arrivals, capacity, prefill,
// finishing) with a back-end whose iteration costs are set by the test, so
// every expected time is derived by hand in the comments. The real back-ends
// are tested in their own files.
#include <catch2/catch.hpp>

#include <cmath>

#include "serving/loop.h"

namespace {

using namespace pimlab::serving;

// Decode: 1 ms + 0.1 ms per request; prefill: 2 ms per chunk.
class Scripted : public Backend {
 public:
  std::vector<std::vector<DecodeRequest>> seen;
  IterationCost decode(const std::vector<DecodeRequest>& b) override {
    seen.push_back(b);
    IterationCost c;
    c.time_s = 1e-3 + 1e-4 * static_cast<double>(b.size());
    c.charge("gemm", c.time_s, 1.0, &c.host_energy_j);
    return c;
  }
  IterationCost prefill(const std::vector<PrefillChunk>& ch) override {
    IterationCost c;
    c.time_s = 2e-3 * static_cast<double>(ch.size());
    c.charge("gemm", c.time_s, 0.5, &c.host_energy_j);
    return c;
  }
  int kv_channels() const override { return 0; }
  double kv_capacity_bytes() const override { return 0; }
  std::map<std::string, std::string> describe() const override { return {}; }
};

}  // namespace

TEST_CASE("fixed batch, decode only: output-1 steps at growing KV lengths", "[serving][loop]") {
  Scripted be;
  LoopOptions o;
  o.max_batch = 4;
  const auto r = serve(be, pimlab::workload::fixed_batch(4, 10, 5), o);
  // 4 decode steps (the first token comes from the prompt), contexts 11..14.
  REQUIRE(r.decode_iterations == 4);
  CHECK(r.decode_tokens == 16);
  for (int s = 0; s < 4; ++s) CHECK(be.seen[s][0].context == 11 + s);
  CHECK(r.decode.time_s == Approx(4 * 1.4e-3));
  CHECK(r.requests[0].finish_s == Approx(4 * 1.4e-3));
  CHECK(r.requests[0].first_token_s == 0);
}

TEST_CASE("arrivals, the batch limit and prefill", "[serving][loop]") {
  Scripted be;
  LoopOptions o;
  o.max_batch = 1;
  o.prefill = true;
  // Request 0 at t=0 (3 out), request 1 at t=1 s (2 out).
  pimlab::workload::Requests q{{0.0, 4, 3}, {1.0, 4, 2}};
  const auto r = serve(be, q, o);
  // t=0: prefill of 0 (2 ms) -> first token at 2 ms; decode 2 steps of 1.1 ms
  // -> finish at 4.2 ms; idle until 1 s; prefill of 1 -> 1.002; one decode -> 1.0031.
  CHECK(r.requests[0].first_token_s == Approx(2e-3));
  CHECK(r.requests[0].finish_s == Approx(4.2e-3));
  CHECK(r.requests[1].admitted_s == 1.0);
  CHECK(r.requests[1].first_token_s == Approx(1.002));
  CHECK(r.requests[1].finish_s == Approx(1.0031));
  CHECK(r.prefill_iterations == 2);
  CHECK(r.decode_iterations == 3);
  CHECK(r.peak_batch == 1);
}

TEST_CASE("capacity: a request waits for memory and one that never fits is an error naming the shortfall",
          "[serving][loop]") {
  Scripted be;
  LoopOptions o;
  o.max_batch = 8;
  o.request_bytes = [](std::int64_t L) { return 100.0 * static_cast<double>(L); };
  o.capacity_bytes = 1500;  // one request of final length 10 (1000 B) at a time
  const auto r = serve(be, pimlab::workload::fixed_batch(2, 8, 3), o);
  CHECK(r.peak_batch == 1);
  CHECK(r.requests[1].admitted_s == Approx(r.requests[0].finish_s));
  o.capacity_bytes = 900;
  CHECK_THROWS_WITH(serve(be, pimlab::workload::fixed_batch(1, 8, 3), o), Catch::Contains("short by"));
}

TEST_CASE("max_iterations truncates and the stop flag interrupts after a whole iteration", "[serving][loop]") {
  Scripted be;
  LoopOptions o;
  o.max_batch = 2;
  o.max_iterations = 3;
  auto r = serve(be, pimlab::workload::fixed_batch(2, 8, 100), o);
  CHECK(r.decode_iterations == 3);
  CHECK(r.truncated);
  std::atomic<bool> stop{true};
  o.max_iterations = 0;
  o.stop = &stop;
  r = serve(be, pimlab::workload::fixed_batch(2, 8, 100), o);
  CHECK(r.interrupted);
  CHECK(r.decode_iterations == 0);
}
