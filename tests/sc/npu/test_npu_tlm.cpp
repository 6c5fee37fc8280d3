// The NPU's TLM shell (tlm_npu::Npu): its DMA moves the core's operand
// transfers as real transactions through the router to memory targets, and
// run_gemm waits for their arrival. Each TEST_CASE runs in its own process.
#include <catch2/catch.hpp>

#include <cstdint>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "noc_harness.h"
#include "npu/gemm.h"
#include "tlm/common/config.h"
#include "tlm/common/stats.h"
#include "tlm/hbm/channel.h"
#include "tlm/npu/npu.h"

using namespace pimlab;
using npu::Cycle;
using npu::Operand;
using test::ProtocolChecker;

namespace {

std::vector<std::uint8_t> seeded_bytes(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 g(seed);
  std::vector<std::uint8_t> v(n);
  for (auto& b : v) b = static_cast<std::uint8_t>(g() >> 56);
  return v;
}

// npu -> checker -> router -> checker -> target p (HbmChannel or test Memory).
template <class Target>
struct Top : sc_core::sc_module {
  tlm_npu::Npu npu;
  ProtocolChecker chk_in;
  tlm_noc::Router noc;
  std::vector<std::unique_ptr<ProtocolChecker>> chk_out;
  std::vector<std::unique_ptr<Target>> mem;
  template <class Make>
  Top(const sc_core::sc_module_name& n, const npu::NpuConfig& cfg, int targets, Make make)
      : sc_module(n), npu("npu", cfg), chk_in("chk_in"), noc("noc", 1, static_cast<unsigned>(targets)) {
    npu.socket.bind(chk_in.target_socket);
    chk_in.initiator_socket.bind(noc.target_socket);
    for (int p = 0; p < targets; ++p) {
      mem.push_back(make(p));
      chk_out.push_back(std::make_unique<ProtocolChecker>(("chk_out" + std::to_string(p)).c_str()));
      noc.initiator_socket.bind(chk_out[p]->target_socket);
      chk_out[p]->initiator_socket.bind(mem[p]->socket);
    }
  }
  void check_protocol() const {
    for (const auto& v : chk_in.violations) FAIL(v);
    for (const auto& c : chk_out)
      for (const auto& v : c->violations) FAIL(v);
  }
};

npu::NpuConfig small_npu(int count, int r, int c) {
  npu::NpuConfig cfg;
  cfg.systolic = {count, r, c};
  cfg.dma.request_bytes = 16;
  return cfg;
}

// Records what run_gemm asked of a DmaPort and answers with another.
struct RecordingDma : npu::DmaPort {
  npu::DmaPort& inner;
  Cycle last_read_arrival = 0, first_write_issue = -1;
  explicit RecordingDma(npu::DmaPort& d) : inner(d) {}
  Cycle transfer(const npu::Transfer& t, Cycle issue) override {
    const Cycle done = inner.transfer(t, issue);
    if (t.write && first_write_issue < 0) first_write_issue = issue;
    if (!t.write) last_read_arrival = std::max(last_read_arrival, done);
    return done;
  }
};

}  // namespace

TEST_CASE("npu tlm: the DMA reads the bytes placed in two HBM channels through the router and writes Y") {
  // X, bias and Y in channel 0, W in channel 1 (router ranges of 1 MiB each).
  tlm_common::Config::instance().load(nlohmann::json::parse(R"({"top.noc.address_map": [
      {"base": 0, "size": "0x100000", "port": 0},
      {"base": "0x40000000", "size": "0x100000", "port": 1}]})"));
  npu::NpuConfig cfg = small_npu(2, 16, 16);
  cfg.dma.request_bytes = 64;
  // Small buffers: the GEMM splits into several L2 tiles, X is read again per output tile.
  cfg.scratchpad_bytes = 4096;
  cfg.accumulator_bytes = 4096;
  Top<tlm_hbm::HbmChannel> top("top", cfg, 2,
                               [](int p) { return std::make_unique<tlm_hbm::HbmChannel>(("ch" + std::to_string(p)).c_str()); });
  tlm_common::Config::instance().check_consumed();
  const npu::GemmShape shape{24, 40, 36, true};
  const tlm_npu::TensorPlacement place{0x0, 0x40000000, 0x10000, 0x20000};
  const int eb = cfg.element_bytes;
  const auto x = seeded_bytes(shape.m * shape.k * eb, 1), w = seeded_bytes(shape.k * shape.n * eb, 2),
             b = seeded_bytes(shape.n * eb, 3), y = seeded_bytes(shape.m * shape.n * eb, 4);
  top.mem[0]->debug_write(place.x, x.data(), x.size());
  top.mem[0]->debug_write(place.bias, b.data(), b.size());
  top.mem[1]->debug_write(place.w - 0x40000000, w.data(), w.size());
  tlm_npu::GemmRun run;
  top.npu.program = [&](tlm_npu::Npu& n) {
    n.set_output(y);
    run = n.gemm(shape, place);
  };
  sc_core::sc_start();
  top.check_protocol();
  const npu::GemmPlan plan = npu::plan_gemm(cfg, shape);
  REQUIRE(plan.tiles.size() > 2);                // the double-buffered refill path is exercised
  REQUIRE(plan.read_bytes() > static_cast<std::int64_t>(x.size() + w.size() + b.size()));  // re-reads
  // The bytes the DMA read are the bytes placed in the channels.
  CHECK(top.npu.image(Operand::x) == x);
  CHECK(top.npu.image(Operand::w) == w);
  CHECK(top.npu.image(Operand::bias) == b);
  // Y reached channel 0 at its placement, and nothing was written into channel 1.
  std::vector<std::uint8_t> y_mem(y.size());
  top.mem[0]->debug_read(place.y, y_mem.data(), y_mem.size());
  CHECK(y_mem == y);
  const auto s = tlm_common::collect_stats();
  CHECK(s.at("top.npu").at("bytes_read").at("value") == plan.read_bytes());
  CHECK(s.at("top.npu").at("bytes_written").at("value") == plan.write_bytes());
  CHECK(s.at("top.ch0").at("bytes_read").at("value").get<std::int64_t>() +
            s.at("top.ch1").at("bytes_read").at("value").get<std::int64_t>() ==
        plan.read_bytes());
  CHECK(s.at("top.ch1").at("bytes_written").at("value") == 0);
  CHECK(s.at("top.ch0").at("bytes_written").at("value") == plan.write_bytes());
  // Time: no faster than the operands allow, nor than the roofline. The NPU's
  // one input link carries 32 B x 2 GHz per direction; both directions
  // together (128 GB/s) bound any traffic mix from above.
  CHECK(run.timing.end >= run.compute_only_end);
  CHECK(run.stall_cycles == run.timing.end - run.compute_only_end);
  CHECK(run.stall_cycles > 0);  // each first read pays the channel's row-miss latency at least
  const npu::Roofline roof = npu::gemm_roofline(cfg, shape, 128e9);
  CHECK(static_cast<double>(run.timing.end - run.timing.start) * cfg.cycle_s() >= roof.time_s);
  CHECK(s.at("top.npu").at("stall_cycles").at("value") == run.stall_cycles);
  CHECK(sc_core::sc_time_stamp() == sc_core::sc_time(static_cast<double>(run.timing.end), sc_core::SC_NS));
  // The measured end (docs/npu.md); tests/sc/platform builds the same
  // configuration from a platform document and must end at the same cycle.
  CHECK(run.timing.end == 4561);
  CHECK(run.compute_only_end == 576);
}

TEST_CASE("npu tlm: with a fast memory the GEMM ends at run_gemm's cycle with an equivalent LinkDma") {
  // Router links of 2 B at 10 GHz, latency 0, memory latency 0: a transfer of
  // B bytes occupies B/2 link cycles of 0.1 ns = B/20 NPU cycles, in issue
  // order on the response direction; every request (<= 16 B, an even number
  // of bytes since all ranges are whole FP16 elements) uses whole link cycles,
  // so the link is LinkDma(20 B/cycle, latency 0) exactly as long as no write
  // overlaps a read (the link is full duplex, LinkDma is one shared link):
  // checked below on the LinkDma run.
  tlm_common::Config::instance().load(nlohmann::json::parse(R"({"top.noc.address_map": [
      {"base": 0, "size": "0x10000", "port": 0}],
      "top.noc.width_bytes": 2, "top.noc.clock_mhz": 10000, "top.noc.latency_cycles": 0})"));
  const npu::NpuConfig cfg = small_npu(2, 4, 4);
  Top<test::Memory> top("top", cfg, 1,
                        [](int) { return std::make_unique<test::Memory>("mem", 0x10000, sc_core::SC_ZERO_TIME); });
  const npu::GemmShape shape{8, 12, 8, true};
  const tlm_npu::TensorPlacement place{0x0, 0x1000, 0x2000, 0x3000};
  tlm_npu::GemmRun run;
  top.npu.program = [&](tlm_npu::Npu& n) { run = n.gemm(shape, place); };
  sc_core::sc_start();
  top.check_protocol();
  const npu::GemmPlan plan = npu::plan_gemm(cfg, shape);
  npu::LinkDma link(20.0, 0);
  RecordingDma rec(link);
  const npu::GemmTiming ref = npu::run_gemm(cfg, plan, rec, 0);
  REQUIRE(rec.first_write_issue >= rec.last_read_arrival);  // the equivalence's precondition
  CHECK(run.timing.end == ref.end);
  CHECK(run.timing.compute_end == ref.compute_end);
  CHECK(run.timing.read_bytes == ref.read_bytes);
  // Memory this fast costs little: the stall is the first operands' arrival and the Y writes.
  npu::InstantDma instant;
  CHECK(run.compute_only_end == npu::run_gemm(cfg, plan, instant, 0).end);
  const npu::Roofline roof = npu::gemm_roofline(cfg, shape, 20e9);
  CHECK(static_cast<double>(run.timing.end) * cfg.cycle_s() >= roof.time_s);
}

namespace {

// Tiny GEMM (one 4x4 array, m = k = n = 4, FP16, no bias) over a 1 B/ns link
// and a memory answering 5 ns after a request reaches it. Returns the run.
tlm_npu::GemmRun tiny_bottleneck(int max_outstanding, Cycle& compute_only,
                                 sc_core::sc_time quantum = sc_core::SC_ZERO_TIME) {
  tlm::tlm_global_quantum::instance().set(quantum);
  tlm_common::Config::instance().load(nlohmann::json::parse(R"({"top.noc.address_map": [
      {"base": 0, "size": "0x10000", "port": 0}],
      "top.noc.width_bytes": 1, "top.noc.clock_mhz": 1000, "top.noc.latency_cycles": 0})"));
  npu::NpuConfig cfg = small_npu(1, 4, 4);
  cfg.dma.max_outstanding = max_outstanding;
  static std::unique_ptr<Top<test::Memory>> top;
  top = std::make_unique<Top<test::Memory>>("top", cfg, 1, [](int) {
    return std::make_unique<test::Memory>("mem", 0x10000, sc_core::sc_time(5, sc_core::SC_NS));
  });
  const npu::GemmShape shape{4, 4, 4, false};
  const tlm_npu::TensorPlacement place{0x100, 0x200, 0x0, 0x300};
  const auto x = seeded_bytes(32, 7), w = seeded_bytes(32, 8);
  std::copy(x.begin(), x.end(), top->mem[0]->mem.begin() + 0x100);
  std::copy(w.begin(), w.end(), top->mem[0]->mem.begin() + 0x200);
  tlm_npu::GemmRun run;
  top->npu.program = [&](tlm_npu::Npu& n) { run = n.gemm(shape, place); };
  sc_core::sc_start();
  top->check_protocol();
  CHECK(top->npu.image(Operand::x) == x);
  CHECK(top->npu.image(Operand::w) == w);
  // Requests: 2 x 16 B each for W, X (read) and Y (write), at 16-byte aligned addresses.
  REQUIRE(top->mem[0]->accesses.size() == 6);
  const npu::Roofline roof = npu::gemm_roofline(cfg, shape, 1e9);  // 96 B at 1 B/ns = 96 ns
  CHECK(static_cast<double>(run.timing.end) * cfg.cycle_s() >= roof.time_s);
  compute_only = run.compute_only_end;
  return run;
}

}  // namespace

TEST_CASE("npu tlm: memory as the bottleneck, tiny GEMM, hand-derived end") {
  // Compute only (systolic.h closed form, R = 4): load L = 0, stream s = L + 1 = 1,
  // end = s + m + R + n - 2 = 1 + 4 + 4 + 4 - 2 = 11.
  // Through the link: the plan reads W then X (16 B requests, all issued at 0).
  // Each read reaches the memory at 0, is answered at 5 ns, and its 16 B take
  // 16 link cycles, first come first served: W 5-21, 21-37; X 37-53, 53-69.
  // W arrives at 37, X at 69. Load L = 69, s = max(37, L + 1) = 70,
  // end = 70 + 10 = 80. Y (2 x 16 B) issued at 80: request direction 80-96,
  // 96-112, each + 5 ns in memory: done 101 and 117. GEMM ends at 117,
  // 117 - 11 = 106 cycles of stall.
  Cycle compute_only = 0;
  const tlm_npu::GemmRun run = tiny_bottleneck(0, compute_only);
  CHECK(compute_only == 11);
  CHECK(run.timing.compute_end == 80);
  CHECK(run.timing.end == 117);
  CHECK(run.stall_cycles == 106);
  CHECK(run.read_requests == 4);
  CHECK(run.write_requests == 2);
}

TEST_CASE("npu tlm: one request outstanding serialises the memory latency, hand-derived end") {
  // As above with dma.max_outstanding = 1: a request starts when the previous
  // one completed. W0 0 -> answered 5 -> link 5-21; W1 from 21 -> 26 -> 26-42;
  // X0 from 42 -> 47-63; X1 from 63 -> 68-84. L = 84, s = 85, end = 95.
  // Y0 from 95: link 95-111, memory -> 116; Y1 from 116: 116-132 -> 137.
  Cycle compute_only = 0;
  const tlm_npu::GemmRun run = tiny_bottleneck(1, compute_only);
  CHECK(compute_only == 11);
  CHECK(run.timing.compute_end == 95);
  CHECK(run.timing.end == 137);
  CHECK(run.stall_cycles == 126);
}

TEST_CASE("npu tlm: an operand placed outside the address map is an error naming the address") {
  tlm_common::Config::instance().load(nlohmann::json::parse(R"({"top.noc.address_map": [
      {"base": 0, "size": "0x10000", "port": 0}]})"));
  const npu::NpuConfig cfg = small_npu(1, 4, 4);
  Top<test::Memory> top("top", cfg, 1,
                        [](int) { return std::make_unique<test::Memory>("mem", 0x10000, sc_core::SC_ZERO_TIME); });
  std::string what;
  top.npu.program = [&](tlm_npu::Npu& n) {
    try {
      n.gemm(npu::GemmShape{4, 4, 4, false}, tlm_npu::TensorPlacement{0x0, 0x20000, 0x0, 0x100});
    } catch (const std::runtime_error& e) {
      what = e.what();
    }
  };
  sc_core::sc_start();
  CHECK(what == "npu dma: read of 16 bytes at 0x20000 answered TLM_ADDRESS_ERROR_RESPONSE");
}

TEST_CASE("npu tlm: a 1 us global quantum gives the same hand-derived end (one initiator)") {
  // The shell books every request at its issue cycle as local time; with one
  // initiator the call order is the time order whatever the quantum, so the
  // end is the zero-quantum case's 117 (derivation above), and the thread's
  // time after the GEMM is that end.
  Cycle compute_only = 0;
  const tlm_npu::GemmRun run = tiny_bottleneck(0, compute_only, sc_core::sc_time(1, sc_core::SC_US));
  CHECK(compute_only == 11);
  CHECK(run.timing.end == 117);
  CHECK(sc_core::sc_time_stamp() == sc_core::sc_time(117, sc_core::SC_NS));
}

TEST_CASE("npu tlm: a tensor interleaved across two HBM channels by the router's map is read back whole") {
  // 64-byte interleave over [0, 16 KiB): router range i = [64 i, 64 i + 64) goes
  // to port i % 2 at channel address 64 (i / 2); X lives there, W one whole
  // range of ch1 above it.
  nlohmann::json map = nlohmann::json::array();
  for (int i = 0; i < 256; ++i)
    map.push_back({{"base", 64 * i}, {"size", 64}, {"port", i % 2}, {"offset", 64 * (i / 2)}});
  map.push_back({{"base", "0x100000"}, {"size", "0x10000"}, {"port", 1}, {"offset", "0x10000"}});
  nlohmann::json doc;
  doc["top.noc.address_map"] = map;
  tlm_common::Config::instance().load(doc);
  npu::NpuConfig cfg = small_npu(2, 16, 16);
  cfg.dma.request_bytes = 64;
  Top<tlm_hbm::HbmChannel> top("top", cfg, 2,
                               [](int p) { return std::make_unique<tlm_hbm::HbmChannel>(("ch" + std::to_string(p)).c_str()); });
  const npu::GemmShape shape{32, 48, 16, false};  // X = 3072 B = 48 interleave pieces
  const tlm_npu::TensorPlacement place{0x0, 0x100000, 0x0, 0x1000};
  const int eb = cfg.element_bytes;
  const auto x = seeded_bytes(shape.m * shape.k * eb, 11), w = seeded_bytes(shape.k * shape.n * eb, 12);
  for (std::size_t a = 0; a < x.size(); a += 64)  // piece a/64 -> channel (a/64) % 2 at 64 ((a/64) / 2)
    top.mem[(a / 64) % 2]->debug_write(64 * ((a / 64) / 2), x.data() + a, 64);
  top.mem[1]->debug_write(0x10000, w.data(), w.size());
  tlm_npu::GemmRun run;
  top.npu.program = [&](tlm_npu::Npu& n) { run = n.gemm(shape, place); };
  sc_core::sc_start();
  top.check_protocol();
  CHECK(top.npu.image(Operand::x) == x);
  CHECK(top.npu.image(Operand::w) == w);
  // Y (32 x 16 x 2 = 1024 B at 0x1000) interleaved too: 8 pieces in each channel.
  const auto s = tlm_common::collect_stats();
  CHECK(s.at("top.ch0").at("bytes_written").at("value") == 512);
  CHECK(s.at("top.ch1").at("bytes_written").at("value") == 512);
  const npu::GemmPlan plan = npu::plan_gemm(cfg, shape);
  CHECK(s.at("top.ch0").at("bytes_read").at("value").get<std::int64_t>() +
            s.at("top.ch1").at("bytes_read").at("value").get<std::int64_t>() ==
        plan.read_bytes());
  CHECK(s.at("top.ch0").at("bytes_read").at("value").get<std::int64_t>() > 0);
  CHECK(run.timing.end >= run.compute_only_end);
  const npu::Roofline roof = npu::gemm_roofline(cfg, shape, 128e9);
  CHECK(static_cast<double>(run.timing.end - run.timing.start) * cfg.cycle_s() >= roof.time_s);
}

TEST_CASE("npu tlm: the artifact's address stream sends consecutive 64 B blocks to consecutive channels") {
  // dma.stream_addresses (neupims_pim.md §10.1): the transfers' bytes form one
  // sequential stream from address 0, whatever the placement; with a 64 B
  // router interleave over 4 memories, block i goes to memory i mod 4 at
  // 64 (i / 4).
  nlohmann::json map = nlohmann::json::array();
  for (int i = 0; i < 1024; ++i)
    map.push_back({{"base", 64 * i}, {"size", 64}, {"port", i % 4}, {"offset", 64 * (i / 4)}});
  nlohmann::json doc;
  doc["top.noc.address_map"] = map;
  tlm_common::Config::instance().load(doc);
  npu::NpuConfig cfg = small_npu(1, 8, 8);
  cfg.dma.request_bytes = 64;
  cfg.dma.stream_addresses = true;
  Top<test::Memory> top("top", cfg, 4,
                        [](int p) { return std::make_unique<test::Memory>(("mem" + std::to_string(p)).c_str(), 0x4000, sc_core::SC_ZERO_TIME); });
  const npu::GemmShape shape{8, 32, 16, false};  // X 512 B, W 1024 B, Y 256 B: 28 blocks
  // The placement is not used: addresses far outside the map would fail otherwise.
  const tlm_npu::TensorPlacement place{0x7000000, 0x8000000, 0x9000000, 0xa000000};
  tlm_npu::GemmRun run;
  top.npu.program = [&](tlm_npu::Npu& n) { run = n.gemm(shape, place); };
  sc_core::sc_start();
  top.check_protocol();
  const npu::GemmPlan plan = npu::plan_gemm(cfg, shape);
  const std::int64_t bytes = plan.read_bytes() + plan.write_bytes();
  REQUIRE(bytes % 64 == 0);
  // Every memory got its share of the blocks, in order: block i at 64 (i / 4) of memory i % 4.
  std::int64_t seen = 0;
  for (int p = 0; p < 4; ++p) {
    std::uint64_t next = 0;
    for (const auto& a : top.mem[static_cast<std::size_t>(p)]->accesses) {
      CHECK(a.addr == next);
      next = a.addr + a.len;
      seen += a.len;
    }
    CHECK(next == static_cast<std::uint64_t>(64 * ((bytes / 64 - p + 3) / 4)));
  }
  CHECK(seen == bytes);
  CHECK(run.timing.end >= run.compute_only_end);
}
