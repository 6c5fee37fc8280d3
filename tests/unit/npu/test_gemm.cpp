// GEMM tiling, the operand transfers each tile needs, timing against operand
// arrival in both modes, and the roofline (hand-derived figures).
#include <catch2/catch.hpp>

#include <map>
#include <random>
#include <vector>

#include "npu/gemm.h"
#include "npu/systolic.h"

using namespace pimlab::npu;

namespace {

// Reads arrive at fixed cycles (by transfer id), never before they are issued;
// writes complete when issued.
class TableDma : public DmaPort {
 public:
  std::map<int, Cycle> arrival;
  std::vector<std::pair<int, Cycle>> log;  // (id, issue)
  std::map<int, Cycle> done;               // id -> returned cycle
  bool monotonic = true;                   // the DmaPort contract: issue cycles never decrease
  Cycle transfer(const Transfer& t, Cycle issue) override {
    if (!log.empty() && issue < log.back().second) monotonic = false;
    log.emplace_back(t.id, issue);
    auto it = arrival.find(t.id);
    const Cycle d = it == arrival.end() ? issue : std::max(issue, it->second);
    done[t.id] = d;
    return d;
  }
};

NpuConfig tiny(Mode mode) {
  NpuConfig c;
  c.mode = mode;
  c.systolic = SystolicConfig{1, 4, 4};
  c.scratchpad_bytes = 1 << 20;
  c.accumulator_bytes = 1 << 20;
  return c;
}

}  // namespace

TEST_CASE("gemm plan: NeuPIMs tiling of GPT-3 7B/TP4 QKV at 256 tokens (artifact order)") {
  NpuConfig cfg;
  cfg.mode = Mode::artifact;
  const GemmShape qkv{256, 4096, 3072, true};
  const GemmPlan p = plan_gemm(cfg, qkv);
  // (256*4096 + 4096*3072 + 256*3072) * 2 B = 28.9 MB <= 134 218 KiB / 2: one L2 tile.
  REQUIRE(p.tiles.size() == 1);
  // 2 token blocks x 32 K blocks x 24 output blocks; one PRELOAD per (token, K) pair.
  CHECK(p.steps.size() == 2u * 32 * 24);
  std::int64_t preloads = 0;
  std::map<Operand, int> count;
  for (const auto& s : p.steps) preloads += s.preload;
  for (const auto& t : p.transfers) ++count[t.operand];
  CHECK(preloads == 64);
  CHECK(count[Operand::w] == 32 * 24);  // each W block read once (first token block)
  CHECK(count[Operand::x] == 2 * 32);   // each X block once per (token, K)
  CHECK(count[Operand::bias] == 24);
  CHECK(count[Operand::y] == 2 * 24);
  CHECK(p.read_bytes() == (4096LL * 3072 + 256LL * 4096 + 3072) * 2);
  CHECK(p.write_bytes() == 256LL * 3072 * 2);
  // Artifact step order: token block, K block, output block; the first step
  // of each (token, K) pair is the PRELOAD.
  CHECK(p.steps[0].preload);
  CHECK(!p.steps[1].preload);
  CHECK(p.steps[1].out0 == 128);
  CHECK(p.steps[24].k0 == 128);
  CHECK(p.steps[24 * 32].tok0 == 128);
}

TEST_CASE("gemm plan: L2 split by halving the largest dimension (1 MiB scratchpad)") {
  // Half = 524 288 B = 262 144 FP16 elements for X + W + Y. From (256, 4096,
  // 12288): n 6144, 3072; k 2048; n 1536; k 1024; n 768; k 512; n 384; k 256:
  // (256*256 + 256*384 + 256*384) = 262 144 -> fits.
  NpuConfig cfg;
  cfg.scratchpad_bytes = 1 << 20;
  const GemmPlan p = plan_gemm(cfg, GemmShape{256, 4096, 12288});
  CHECK(p.l2_m == 256);
  CHECK(p.l2_k == 256);
  CHECK(p.l2_n == 384);
  CHECK(p.tiles.size() == 16u * 32);
  // Every W element is read once (the token dimension is not split); X once per output tile.
  CHECK(p.read_bytes() == (4096LL * 12288 + 32LL * 256 * 4096) * 2);
}

TEST_CASE("gemm plan: byte ranges of a block inside its row-major tensor") {
  const GemmShape s{256, 4096, 1024};
  Transfer t;
  t.operand = Operand::w;
  t.block = Block{128, 2, 256, 128};
  // Rows 128 and 129 of W (1024 columns, 2 B), columns 256..383.
  const auto r = byte_ranges(s, 2, t);
  REQUIRE(r.size() == 2);
  CHECK(r[0].offset == (128 * 1024 + 256) * 2);
  CHECK(r[0].bytes == 256);
  CHECK(r[1].offset == (129 * 1024 + 256) * 2);
  // A full-width block is one contiguous range.
  t.block = Block{4, 3, 0, 1024};
  const auto f = byte_ranges(s, 2, t);
  REQUIRE(f.size() == 1);
  CHECK(f[0].offset == 4 * 1024 * 2);
  CHECK(f[0].bytes == 3 * 1024 * 2);
}

TEST_CASE("gemm timing: a step cannot start before its operands arrive (hand-derived, 4x4)") {
  // m = 4 tokens, k = 4, n = 8 on one 4x4 array: one stationary block, two
  // output blocks. Transfers in plan order: W0 = 0, X = 1, Y0 = 2 (written
  // after step 0, the last K step of output block 0), W1 = 3, Y1 = 4.
  // Arrivals: W0 at 10, X at 5, W1 at 100.
  const GemmShape g{4, 4, 8};
  for (Mode mode : {Mode::faithful, Mode::artifact}) {
    const NpuConfig cfg = tiny(mode);
    const GemmPlan p = plan_gemm(cfg, g);
    REQUIRE(p.transfers.size() == 5);
    CHECK(p.transfers[0].operand == Operand::w);
    CHECK(p.transfers[1].operand == Operand::x);
    CHECK(p.transfers[2].operand == Operand::y);
    CHECK(p.transfers[3].operand == Operand::w);
    TableDma dma;
    dma.arrival = {{0, 10}, {1, 5}, {3, 100}};
    const GemmTiming t = run_gemm(cfg, p, dma);
    if (mode == Mode::faithful) {
      // Step 0 (load): L = max(X 5, 0) = 5; s = max(W 10, L + 1) = 10;
      // end = s + m + R + n - 2 = 10 + 4 + 4 + 4 - 2 = 20 -> Y0 issued at 20.
      // Step 1 (reuse): s = max(W1 100, 10 + 4) = 100; end = 110.
      CHECK(dma.log[3] == std::make_pair(2, Cycle{20}));
      CHECK(t.compute_end == 110);
    } else {
      // size = 4 / 1 array = 4, latency = 4 + 4 - 2 + max(4, 4) = 10.
      // PRELOAD ready at 10 into an empty pipeline: start 10 + 2*4 - 1 = 17,
      // finish 27. GEMM ready at 100, pipeline empty again: start 100, finish 110.
      CHECK(dma.log[3] == std::make_pair(2, Cycle{27}));
      CHECK(t.compute_end == 110);
    }
    CHECK(t.end == 110);
    CHECK(t.macs == 4 * 4 * 8);
  }
}

TEST_CASE("gemm timing: artifact pipeline reproduces 255 + 128(P-1) + 16G + 270") {
  // GPT-3 7B/TP4 QKV at 256 tokens, operands instantly available: P = 2*32 =
  // 64 PRELOADs, G = 64 * 23 = 1472 GEMMs: 255 + 128*63 + 16*1472 + 270 = 32 141
  // (neupims_pim.md §10.1; system.md §2.2 gives 2*32*(128 + 16*23) = 31 744 + ~270).
  NpuConfig cfg;
  cfg.mode = Mode::artifact;
  InstantDma dma;
  const GemmTiming t = run_gemm(cfg, plan_gemm(cfg, GemmShape{256, 4096, 3072, true}), dma);
  CHECK(t.preloads == 64);
  CHECK(t.steps == 1536);
  CHECK(t.compute_end == 32141);
}

TEST_CASE("gemm timing: faithful arrays on the same GEMM (hand-derived)") {
  // 64 stationary blocks round-robin on 8 arrays = 8 per array, each
  // streaming 24 output blocks of 128 rows = 3072 cycles; the 128-cycle
  // weight loads hide behind the streams, so an array finishes at
  // 1 + 8 * 3072 + R + n - 2 = 1 + 24 576 + 254 = 24 831.
  NpuConfig cfg;
  InstantDma dma;
  const GemmTiming t = run_gemm(cfg, plan_gemm(cfg, GemmShape{256, 4096, 3072, true}), dma);
  CHECK(t.compute_end == 24831);
  // The array work is exactly m*k*n / (8 * 128 * 128) = 24 576 cycles plus the fill/drain.
  CHECK(t.macs / (8 * 128 * 128) == 24576);
}

TEST_CASE("gemm roofline: decode-sized layers, hand-derived bound") {
  NpuConfig cfg;               // 8 x 128x128 at 1 GHz: 262 144 FLOP/cycle
  const double bw = 1.024e12;  // 32 HBM2 channels x 32 GB/s
  SECTION("256 x 4096 x 12288 is bandwidth-bound") {
    // flops 2*256*4096*12288 = 25 769 803 776 -> 98 304 cycles = 98.304 us;
    // bytes (256*4096 + 4096*12288 + 256*12288) * 2 = 109 051 904 -> 106.496 us.
    const GemmShape g{256, 4096, 12288};
    const Roofline r = gemm_roofline(cfg, g, bw);
    CHECK(r.compute_s == Approx(98.304e-6).epsilon(1e-12));
    CHECK(r.memory_s == Approx(106.496e-6).epsilon(1e-12));
    CHECK(r.bound == Bound::bandwidth);
    for (Mode mode : {Mode::faithful, Mode::artifact}) {
      cfg.mode = mode;
      const GemmReport rep = time_gemm(cfg, g, bw);
      INFO(to_string(mode));
      CHECK(rep.time_s >= r.time_s);
      // The plan reads X once per L2 tile (2 tiles along n): 111 149 056 B -> 108.544 us on the link.
      CHECK(rep.transfer_s == Approx(108.544e-6).epsilon(1e-9));
      if (mode == Mode::faithful) {
        CHECK(rep.limiter == Bound::bandwidth);
        CHECK(rep.compute_only_s < rep.transfer_s);
      }
    }
  }
  SECTION("512 x 4096 x 12288 is compute-bound") {
    // flops double -> 196.608 us; bytes (2 097 152 + 50 331 648 + 6 291 456) * 2
    // = 117 440 512 -> 114.688 us.
    const GemmShape g{512, 4096, 12288};
    const Roofline r = gemm_roofline(cfg, g, bw);
    CHECK(r.compute_s == Approx(196.608e-6).epsilon(1e-12));
    CHECK(r.memory_s == Approx(114.688e-6).epsilon(1e-12));
    CHECK(r.bound == Bound::compute);
    for (Mode mode : {Mode::faithful, Mode::artifact}) {
      cfg.mode = mode;
      const GemmReport rep = time_gemm(cfg, g, bw);
      CHECK(rep.time_s >= r.time_s);
      CHECK(rep.limiter == Bound::compute);
    }
  }
}

TEST_CASE("gemm roofline: no simulated GEMM beats its roofline") {
  struct C {
    GemmShape g;
    double bw;
    Bound bound;
  };
  // Hand-derived bounds (ridge = 262 144 FLOP/cycle / (bw per cycle)):
  //  1 x 4096 x 4096: intensity 2*16.8M / (33.6 MB) ~ 1 FLOP/B -> bandwidth.
  //  128^3 at 1 GB/s: 98 304 B -> 98.3 us vs 16 ns compute -> bandwidth.
  //  4096^3 at 1.024 TB/s: 524.288 us compute vs 98.304 us -> compute.
  //  300 x 200 x 130 (partial blocks everywhere) at 10 TB/s: 60 us of ... compute
  //  2*300*200*130 / 262 144 = 59.5 cycles vs (60 000+26 000+39 000)*2 B / 10 000 B/cycle = 25 -> compute.
  const std::vector<C> cases = {
      {{1, 4096, 4096}, 1.024e12, Bound::bandwidth},
      {{128, 128, 128}, 1e9, Bound::bandwidth},
      {{4096, 4096, 4096}, 1.024e12, Bound::compute},
      {{300, 200, 130, true}, 1e13, Bound::compute},
  };
  for (const auto& c : cases)
    for (Mode mode : {Mode::faithful, Mode::artifact}) {
      NpuConfig cfg;
      cfg.mode = mode;
      const GemmReport rep = time_gemm(cfg, c.g, c.bw);
      INFO(c.g.m << "x" << c.g.k << "x" << c.g.n << " " << to_string(mode));
      CHECK(rep.roofline.bound == c.bound);
      CHECK(rep.time_s >= rep.roofline.time_s);
      CHECK(rep.timing.macs == c.g.m * c.g.k * c.g.n);
    }
}

TEST_CASE("gemm: bad shapes and bandwidths are errors") {
  NpuConfig cfg;
  CHECK_THROWS_AS(plan_gemm(cfg, GemmShape{0, 4, 4}), std::invalid_argument);
  CHECK_THROWS_AS(gemm_roofline(cfg, GemmShape{1, 1, 1}, 0), std::invalid_argument);
  CHECK_THROWS_AS(LinkDma(0.0), std::invalid_argument);
}

TEST_CASE("gemm: the faithful plan run on cycle-level arrays computes Y and ends at run_gemm's cycle") {
  // 2 arrays of 4x4, a 1 KiB scratchpad (256 FP16 per buffer: L2 tiles split
  // every dimension, K across L2 tiles too), operands arriving at seeded
  // random cycles. The steps of the plan, mapped on the arrays as run_gemm
  // maps them (stationary blocks round-robin, X^T block as weights, W rows
  // streamed), are executed by the PE-grid model with values: the
  // accumulated outputs must be X.W exactly and the last output must leave
  // at run_gemm's compute_end.
  for (ArrayShape shape : {ArrayShape{4, 4}, ArrayShape{4, 8}, ArrayShape{8, 4}})
    for (std::uint64_t seed : {1u, 2u, 3u}) {
      NpuConfig cfg = tiny(Mode::faithful);
      cfg.systolic = SystolicConfig{2, shape.rows, shape.cols};
      cfg.scratchpad_bytes = 1024;
      INFO("array " << shape.rows << "x" << shape.cols << " seed " << seed);
      const GemmShape g{9, 10, 11, true};
      const GemmPlan p = plan_gemm(cfg, g);
      if (shape.rows == 4 && shape.cols == 4) {
        // 256 elements per buffer: (12*12 + 12*12 + 12*12) rounded -> halve n to 6, k to 5:
        // 12*8 + 8*8 + 12*8 = 256 -> 2 output tiles x 2 K tiles.
        REQUIRE(p.tiles.size() == 4);
        CHECK(p.l2_k == 5);
        CHECK(p.l2_n == 6);
      }
      std::mt19937_64 rng(seed);
      TableDma dma;
      for (const auto& t : p.transfers)
        if (!t.write) dma.arrival[t.id] = static_cast<Cycle>(rng() % 200);
      const GemmTiming tm = run_gemm(cfg, p, dma);
      CHECK(dma.monotonic);

      std::vector<std::int64_t> X(9 * 10), W(10 * 11), Y(9 * 11, 0);
      for (auto& v : X) v = static_cast<std::int64_t>(rng() % 15) - 7;
      for (auto& v : W) v = static_cast<std::int64_t>(rng() % 13) - 6;
      std::vector<std::vector<TileData<std::int64_t>>> per_array(2);
      std::vector<std::vector<const L1Step*>> steps_of(2);
      int next = 0, cur = 0;
      for (const auto& s : p.steps) {
        if (s.preload) {
          cur = next;
          next = (next + 1) % 2;
        }
        TileData<std::int64_t> d;
        d.spec.m = static_cast<int>(s.outs);
        d.spec.k = static_cast<int>(s.ks);
        d.spec.n = static_cast<int>(s.toks);
        d.spec.reuse_weights = !s.preload;
        d.spec.weights_ready = dma.done.at(s.x_transfer);
        d.spec.inputs_ready = dma.done.at(s.w_transfer);
        if (s.bias_transfer >= 0) d.spec.inputs_ready = std::max(d.spec.inputs_ready, dma.done.at(s.bias_transfer));
        if (s.preload)
          for (std::int64_t r = 0; r < s.ks; ++r)
            for (std::int64_t c = 0; c < s.toks; ++c) d.w.push_back(X[(s.tok0 + c) * 10 + s.k0 + r]);
        for (std::int64_t i = 0; i < s.outs; ++i)
          for (std::int64_t r = 0; r < s.ks; ++r) d.a.push_back(W[(s.k0 + r) * 11 + s.out0 + i]);
        per_array[cur].push_back(std::move(d));
        steps_of[cur].push_back(&s);
      }
      Cycle end = 0;
      for (int a = 0; a < 2; ++a) {
        const auto r = run_cycle_level(shape, per_array[a]);
        end = std::max(end, r.cycles);
        for (std::size_t j = 0; j < steps_of[a].size(); ++j) {
          const L1Step& s = *steps_of[a][j];
          for (std::int64_t i = 0; i < s.outs; ++i)
            for (std::int64_t c = 0; c < s.toks; ++c) Y[(s.tok0 + c) * 11 + s.out0 + i] += r.out[j][i * s.toks + c];
        }
      }
      CHECK(end == tm.compute_end);
      bool same = true;
      for (int i = 0; i < 9; ++i)
        for (int n = 0; n < 11; ++n) {
          std::int64_t ref = 0;
          for (int k = 0; k < 10; ++k) ref += X[i * 10 + k] * W[k * 11 + n];
          same = same && ref == Y[i * 11 + n];
        }
      CHECK(same);
    }
}

TEST_CASE("gemm timing: double buffering and the in-order DMA queue") {
  // With a 1 KiB scratchpad the 9 x 10 x 11 GEMM has many L2 tiles: tiles 0
  // and 1 read at cycle 0; tile i >= 2 reads only after every output write of
  // tile i-2 has completed; single-buffered, tile i waits for tile i-1.
  for (bool dbl : {true, false})
    for (Mode mode : {Mode::faithful, Mode::artifact}) {
      NpuConfig cfg = tiny(mode);
      cfg.scratchpad_bytes = 1024;
      cfg.double_buffered = dbl;
      const GemmPlan p = plan_gemm(cfg, GemmShape{9, 10, 11});
      TableDma dma;
      for (const auto& t : p.transfers)
        if (!t.write) dma.arrival[t.id] = 37 * (t.id % 5);
      run_gemm(cfg, p, dma);
      CHECK(dma.monotonic);
      std::map<int, Cycle> first_read_issue;
      for (const auto& [id, issue] : dma.log) {
        const Transfer& t = p.transfers[id];
        if (!t.write && !first_read_issue.count(t.l2_tile)) first_read_issue[t.l2_tile] = issue;
      }
      const int T = static_cast<int>(p.tiles.size());
      const int lag = dbl ? 2 : 1;
      for (int i = 0; i < T; ++i) {
        INFO("tile " << i << " double " << dbl << " " << to_string(mode));
        if (i < lag) {
          CHECK(first_read_issue[i] == 0);
          continue;
        }
        for (int y : p.tiles[i - lag].writes) CHECK(first_read_issue[i] >= dma.done[y]);
      }
    }
}

TEST_CASE("gemm: LinkDma serves transfers in issue order at its bandwidth") {
  // 100 B/cycle, latency 3: 1000 B issued at 0 -> link busy 0..10, done 13;
  // 500 B issued at 5 waits for the link: 10..15, done 18; 200 B at 40: 40..42, done 45.
  LinkDma l(100.0, 3);
  Transfer t;
  t.bytes = 1000;
  CHECK(l.transfer(t, 0) == 13);
  t.bytes = 500;
  CHECK(l.transfer(t, 5) == 18);
  t.bytes = 200;
  CHECK(l.transfer(t, 40) == 45);
  CHECK(l.busy_cycles() == Approx(17.0));
  CHECK(l.bytes() == 1700);
}

TEST_CASE("gemm timing: the artifact starts an instruction before its issue cycle (quirk kept)") {
  // Same 4x4 GEMM as above, W1 arriving at 25. Artifact: PRELOAD starts 17,
  // finishes 27; the GEMM issues at 25 while the pipeline is non-empty
  // (27 > 25), so it starts at 17 + max(4, 4) = 21 — before its operands
  // were there — and finishes at 31. Faithful: s = max(25, 10 + 4) = 25,
  // end = 25 + 4 + 4 + 4 - 2 = 35.
  for (Mode mode : {Mode::faithful, Mode::artifact}) {
    const NpuConfig cfg = tiny(mode);
    TableDma dma;
    dma.arrival = {{0, 10}, {1, 5}, {3, 25}};
    const GemmTiming t = run_gemm(cfg, plan_gemm(cfg, GemmShape{4, 4, 8}), dma);
    CHECK(t.compute_end == (mode == Mode::artifact ? 31 : 35));
  }
}
