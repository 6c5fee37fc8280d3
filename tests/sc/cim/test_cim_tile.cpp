// The CIM tile's TLM shell (tlm_cim::CimTile): weights and K^T written over
// TLM as SRAM row and column writes, MVMs and softmax launched through the
// command registers, results read back bit-exact against golden_cim, timing
// equal to the core model (cim::Chip, cim::softmax_on_chip), every error
// response. Each TEST_CASE runs in its own process.
#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "cim/chip.h"
#include "cim/softmax.h"
#include "cim_harness.h"
#include "golden_cim/attention.h"
#include "golden_cim/mvm.h"
#include "golden_cim/softmax.h"
#include "tlm/cim/tile.h"
#include "tlm/common/config.h"
#include "tlm/common/stats.h"

using namespace pimlab;
using namespace pimlab::tlm_cim;
using test::CimDriver;
using test::Initiator;
using test::ProtocolChecker;

namespace {

const sc_core::sc_time ns(1, sc_core::SC_NS);

// cpu -> checker -> tile.
struct Bench : sc_core::sc_module {
  Initiator cpu;
  ProtocolChecker chk;
  CimTile tile;
  Bench(const sc_core::sc_module_name& n, const cim::TileConfig& cfg)
      : sc_module(n), cpu("cpu"), chk("chk"), tile("tile", cfg) {
    cpu.socket.bind(chk.target_socket);
    chk.initiator_socket.bind(tile.socket);
  }
  void run() {
    sc_core::sc_start();
    REQUIRE(cpu.finished);
    for (const auto& v : chk.violations) FAIL(v);
  }
};

std::vector<int> ints(const std::vector<std::int8_t>& v, std::size_t n, bool u8) {
  std::vector<int> x(n);
  for (std::size_t i = 0; i < n; ++i) x[i] = u8 ? static_cast<int>(static_cast<std::uint8_t>(v[i])) : v[i];
  return x;
}

std::vector<std::uint8_t> bytes(const std::vector<std::int8_t>& v) { return {v.begin(), v.end()}; }

// Writes a K x M weight matrix into the group of row_blocks x col_blocks
// UCLMs of `core` from u0 (UCLM u0 + r cb + c holds block (r, c)), one
// transaction per UCLM window; returns each write's delay.
std::vector<sc_core::sc_time> load_group(CimDriver& d, int core, int u0, int rb, int cb, const std::vector<std::int8_t>& W,
                                         int K, int M) {
  std::vector<sc_core::sc_time> delays;
  for (int r = 0; r < rb; ++r)
    for (int c = 0; c < cb; ++c) {
      std::vector<std::uint8_t> win(64 * 64, 0);
      for (int i = 0; i < 64 && r * 64 + i < K; ++i)
        for (int j = 0; j < 64; ++j) win[i * 64 + j] = static_cast<std::uint8_t>(W[(r * 64 + i) * M + c * 64 + j]);
      d.write(d.row_addr(static_cast<std::uint64_t>(core) * 16 + u0 + r * cb + c, 0, 0, 64), win);
      delays.push_back(d.last_delay);
    }
  return delays;
}

}  // namespace

TEST_CASE("MVM over TLM: weights as row writes and results bit-exact with golden_cim timed as the core") {
  cim::TileConfig cfg;  // 64 x 64 arrays, ADC 6 bits, 8 cores x 16 UCLMs
  Bench b("top", cfg);
  const TileLayout l = b.tile.layout();
  CHECK(l.uclm_window == 4096);
  CHECK(l.region == 0x80000);  // 128 UCLMs x 4 KiB
  CHECK(l.size() == 0x200000);
  b.cpu.body = [&](Initiator& cpu) {
    CimDriver d{cpu, 0, l, {}};
    const int K = 128, M = 128;
    const auto W = test::seeded_int8(K * M, 1);
    // One UCLM window = 64 row writes on one UCLM, 1 cycle each at 1 GHz.
    for (const auto& dl : load_group(d, 1, 2, 2, 2, W, K, M)) CHECK(dl == 64 * ns);
    CHECK(sc_core::sc_time_stamp() == 256 * ns);
    // The weights read back (untimed).
    const auto back = d.read(d.row_addr(16 + 2, 0, 0, 64), 4096);
    CHECK(d.last_delay == sc_core::SC_ZERO_TIME);
    for (int i = 0; i < 64; ++i)
      for (int j = 0; j < 64; ++j) REQUIRE(static_cast<std::int8_t>(back[i * 64 + j]) == W[i * M + j]);

    // INT8 input, full length: 4 MVMs in parallel (64 cycles), then the VFU of
    // core 1 adds the two row blocks of each column block: ceil(64/16) = 4
    // cycles each, one after the other: 64 + 4 + 4 = 72 cycles.
    const auto x = test::seeded_int8(K, 2);
    d.write(l.buffer_base(), bytes(x));
    CHECK(d.last_delay == sc_core::SC_ZERO_TIME);
    REQUIRE(d.command(kOpMvm, 1, 2, 2, 2, K, 0, 1024) == tlm::TLM_OK_RESPONSE);
    CHECK(d.last_delay == 72 * ns);
    CHECK(d.get(kStatus) == kStatusDone);
    CHECK(d.get(kCycles) == 72);
    CHECK(d.get(kDoneLo) == 256 + 72);
    const auto y = test::from_le32(d.read(l.buffer_base() + 1024, 4 * M));
    CHECK(y == golden_cim::mvm_bitserial(ints(x, K, false), W, K, M, golden_cim::InputKind::Int8, 6));
    // The all-ones corner: every column count is 64, the 6-bit ADC clips it at
    // 63, and the tile gives golden's clipped value, not the exact product.
    d.write(d.row_addr(16 + 10, 0, 0, 64), std::vector<std::uint8_t>(4096, 0xFF));
    d.write(l.buffer_base() + 3000, std::vector<std::uint8_t>(64, 0xFF));
    REQUIRE(d.command(kOpMvm, 1, 10, 1, 1, 64, 3000, 3072) == tlm::TLM_OK_RESPONSE);
    const std::vector<std::int8_t> ones(64 * 64, -1), xo(64, -1);
    const auto yo = test::from_le32(d.read(l.buffer_base() + 3072, 256));
    CHECK(yo == golden_cim::mvm_bitserial(ints(xo, 64, false), ones, 64, 64, golden_cim::InputKind::Int8, 6));
    CHECK(yo != golden_cim::mvm_exact(ints(xo, 64, false), ones, 64, 64));

    // UINT8 input (P V), 100 of the 128 rows.
    const int K2 = 100;
    const auto p = test::seeded_int8(K2, 3);
    d.write(l.buffer_base() + 512, bytes(p));
    REQUIRE(d.command(kOpMvm, 1, 2, 2, 2, K2, 512, 2048, kFlagUint8) == tlm::TLM_OK_RESPONSE);
    CHECK(d.get(kCycles) == 72);
    const std::vector<std::int8_t> W2(W.begin(), W.begin() + K2 * M);
    CHECK(test::from_le32(d.read(l.buffer_base() + 2048, 4 * M)) ==
          golden_cim::mvm_bitserial(ints(p, K2, true), W2, K2, M, golden_cim::InputKind::Uint8, 6));

    // Write-then-compute: a row write to UCLM 2 issued in the same cycle as an
    // MVM (delay not waited) makes the MVM wait for it, as in the core.
    sc_core::sc_time dt = sc_core::SC_ZERO_TIME;
    std::vector<std::uint8_t> row(64, 1);
    REQUIRE(cpu.transport(tlm::TLM_WRITE_COMMAND, d.row_addr(18, 5, 0, 64), row.data(), 64, dt) == tlm::TLM_OK_RESPONSE);
    CHECK(dt == 1 * ns);
    REQUIRE(d.command(kOpMvm, 1, 2, 1, 1, 64, 0, 4096) == tlm::TLM_OK_RESPONSE);
    CHECK(d.get(kCycles) == 65);  // GO arrived in the write's cycle: the MVM starts one cycle later
    sc_core::wait(dt);
  };
  b.run();
  const cim::ChipStats& s = b.tile.chip().stats();
  CHECK(s.mvms == 10);
  CHECK(s.row_writes == (5 * 64 + 1) * 8);  // bit-planes counted separately (core convention)
}

TEST_CASE("K^T by column writes then q K^T and softmax in lookup mode on 4 cores: bit-exact and timed as the core") {
  cim::TileConfig cfg;
  Bench b("top", cfg);
  const TileLayout l = b.tile.layout();
  b.cpu.body = [&](Initiator& cpu) {
    CimDriver d{cpu, 0, l, {}};
    const int L = 128, D = 64;
    const auto Kmat = test::seeded_int8(L * D, 11);  // tokens x features
    // K^T: UCLM t of core 0 holds tokens 64t .. 64t + 63 as columns.
    for (int t = 0; t < 2; ++t) {
      std::vector<std::uint8_t> win(4096);
      for (int c = 0; c < 64; ++c)
        for (int r = 0; r < 64; ++r) win[c * 64 + r] = static_cast<std::uint8_t>(Kmat[(64 * t + c) * D + r]);
      d.write(d.col_addr(static_cast<std::uint64_t>(t), 0, 0, 64), win);
      CHECK(d.last_delay == 64 * ns);  // 64 column writes on one UCLM
    }
    // Read through the row region: weight (r, c) = K[64 t + c][r].
    const auto rows = d.read(d.row_addr(1, 0, 0, 64), 4096);
    for (int r = 0; r < 64; ++r)
      for (int c = 0; c < 64; ++c) REQUIRE(static_cast<std::int8_t>(rows[r * 64 + c]) == Kmat[(64 + c) * D + r]);

    const auto q = test::seeded_int8(D, 12);
    d.write(l.buffer_base(), bytes(q));
    REQUIRE(d.command(kOpMvm, 0, 0, 1, 2, D, 0, 256) == tlm::TLM_OK_RESPONSE);
    CHECK(d.get(kCycles) == 64);  // one row block: no VFU add
    std::vector<std::int8_t> Kt(static_cast<std::size_t>(D) * L);
    for (int r = 0; r < D; ++r)
      for (int t = 0; t < L; ++t) Kt[r * L + t] = Kmat[t * D + r];
    const auto S = test::from_le32(d.read(l.buffer_base() + 256, 4 * L));
    CHECK(S == golden_cim::mvm_bitserial(ints(q, D, false), Kt, D, L, golden_cim::InputKind::Int8, 6));

    // Softmax of the scores in place (scale 1/8, every fifth key masked), on
    // cores 4..7 with UCLM 15 of each as the LUT.
    const golden_cim::Requant rq = golden_cim::requant_for(0.125);
    std::vector<std::uint8_t> mask(L, 0);
    for (int i = 0; i < L; i += 5) mask[i] = 1;
    d.write(l.buffer_base() + 2048, mask);
    const auto gold = golden_cim::softmax_scores(S, rq, mask, golden_cim::ExpVariant::B, 4);
    for (int out = 0; out < 2; ++out) {
      const std::uint32_t flags = kFlagScale | kFlagMask | (out ? kFlagP16 : 0u);
      const std::int64_t arrival = static_cast<std::int64_t>(sc_core::sc_time_stamp() / ns);
      // The core model of the same row on a fresh chip from the same cycle.
      cim::TileConfig one = cfg;
      one.tiles = 1;
      cim::Chip ref(one);
      std::vector<cim::SoftmaxCoreSlot> slots;
      std::vector<std::int64_t> x(L);
      for (int i = 0; i < L; ++i) x[i] = golden_cim::scale_round(S[i], rq);
      std::int64_t ready = arrival;
      for (int k = 0; k < 4; ++k) {
        slots.push_back({4 + k, {15}});
        ready = std::max(ready, ref.vfu(4 + k, 32, 1, arrival));  // the scale: 32 scores per core
      }
      const cim::SoftmaxTimedRow rr = cim::softmax_on_chip(ref, x, mask, slots, ready);
      REQUIRE(d.command(kOpSoftmax, 4, 15, 4, 0, L, 256, 4096, flags, 2048, rq.M, static_cast<std::uint32_t>(rq.sh)) ==
              tlm::TLM_OK_RESPONSE);
      CHECK(d.last_delay == static_cast<double>(rr.end - arrival) * ns);  // GO's delay covers the row
      CHECK(d.get(kCycles) == static_cast<std::uint32_t>(rr.end - arrival));
      if (out == 0) {
        CHECK(d.read(l.buffer_base() + 4096, L) == gold.u8);
      } else {
        const auto p16 = test::from_le32(d.read(l.buffer_base() + 4096, 4 * L));
        for (int i = 0; i < L; ++i) REQUIRE(static_cast<std::uint32_t>(p16[i]) == gold.p16[i]);
      }
    }
    // Unscaled, unmasked codes on one core.
    std::vector<std::int32_t> codes(40);
    for (int i = 0; i < 40; ++i) codes[i] = -97 * i + (i % 7) * 311;
    d.write(l.buffer_base() + 8192, test::le32(codes));
    REQUIRE(d.command(kOpSoftmax, 2, 3, 1, 0, 40, 8192, 9000) == tlm::TLM_OK_RESPONSE);
    std::vector<std::int64_t> c64(codes.begin(), codes.end());
    CHECK(d.read(l.buffer_base() + 9000, 40) == golden_cim::softmax_codes(c64, {}, golden_cim::ExpVariant::B, 1).u8);
  };
  b.run();
  CHECK(b.tile.chip().stats().lookups == 2 * (128 - 26) + 40);  // one per unmasked element
}

TEST_CASE("attention rows as MVM + SOFTMAX + MVM over TLM equal golden_cim's attention slice") {
  cim::TileConfig cfg;
  Bench b("top", cfg);
  const TileLayout l = b.tile.layout();
  golden_cim::AttentionSliceInput in;
  in.L = 128;
  in.d_model = 64;
  in.d_head = 64;
  in.X = test::seeded_int8(128 * 64, 31);
  in.Wq = test::seeded_int8(64 * 64, 32);
  in.Wk = test::seeded_int8(64 * 64, 33);
  in.Wv = test::seeded_int8(64 * 64, 34);
  in.rq_q = in.rq_k = in.rq_v = golden_cim::requant_for(1.0 / 512);
  in.rq_score = golden_cim::requant_for(1.0 / 16);
  in.rq_out = golden_cim::requant_for(1.0 / 4096);
  in.causal = true;
  const golden_cim::AttentionSliceOutput g = golden_cim::attention_slice(in);
  b.cpu.body = [&](Initiator& cpu) {
    CimDriver d{cpu, 0, l, {}};
    // K^T on core 0, UCLMs 0 and 1 (column writes); V on core 2, UCLMs 0 and 1 (row writes).
    for (int t = 0; t < 2; ++t) {
      std::vector<std::uint8_t> kt(4096), v(4096);
      for (int c = 0; c < 64; ++c)
        for (int r = 0; r < 64; ++r) {
          kt[c * 64 + r] = static_cast<std::uint8_t>(g.K[(64 * t + c) * 64 + r]);
          v[c * 64 + r] = static_cast<std::uint8_t>(g.V[(64 * t + c) * 64 + r]);
        }
      d.write(d.col_addr(static_cast<std::uint64_t>(t), 0, 0, 64), kt);
      d.write(d.row_addr(static_cast<std::uint64_t>(2 * 16 + t), 0, 0, 64), v);
    }
    for (int i : {0, 77, 127}) {
      INFO("row " << i);
      d.write(l.buffer_base(), std::vector<std::uint8_t>(g.Q.begin() + i * 64, g.Q.begin() + i * 64 + 64));
      REQUIRE(d.command(kOpMvm, 0, 0, 1, 2, 64, 0, 256) == tlm::TLM_OK_RESPONSE);  // S = q K^T
      const std::vector<std::int32_t> S_row(g.S.begin() + i * 128, g.S.begin() + i * 128 + 128);
      CHECK(test::from_le32(d.read(l.buffer_base() + 256, 512)) == S_row);
      std::vector<std::uint8_t> mask(128, 0);
      for (int j = i + 1; j < 128; ++j) mask[j] = 1;
      d.write(l.buffer_base() + 2048, mask);
      // Softmax on cores 0 and 1, the lookups in K^T's own UCLM 0 (its
      // weights survive for the next row's q K^T).
      REQUIRE(d.command(kOpSoftmax, 0, 0, 2, 0, 128, 256, 1024, kFlagScale | kFlagMask, 2048, in.rq_score.M,
                        static_cast<std::uint32_t>(in.rq_score.sh)) == tlm::TLM_OK_RESPONSE);
      const std::vector<std::uint8_t> P_row(g.P.begin() + i * 128, g.P.begin() + i * 128 + 128);
      CHECK(d.read(l.buffer_base() + 1024, 128) == P_row);
      REQUIRE(d.command(kOpMvm, 2, 0, 2, 1, 128, 1024, 3072, kFlagUint8) == tlm::TLM_OK_RESPONSE);  // O = P V
      const std::vector<std::int32_t> O_row(g.O32.begin() + i * 64, g.O32.begin() + i * 64 + 64);
      CHECK(test::from_le32(d.read(l.buffer_base() + 3072, 256)) == O_row);
    }
  };
  b.run();
  CHECK(b.tile.chip().stats().mode_switches >= 4);  // UCLM 0 of core 0 went to lookup mode and back
}

TEST_CASE("every error response of the tile: nothing moves and no time is added") {
  cim::TileConfig cfg;
  Bench b("top", cfg);
  const TileLayout l = b.tile.layout();
  b.cpu.body = [&](Initiator& cpu) {
    CimDriver d{cpu, 0, l, {}};
    std::uint8_t buf[16] = {};
    auto st = [&](tlm::tlm_command c, std::uint64_t a, unsigned n) {
      sc_core::sc_time dt = 5 * ns;
      const auto r = cpu.transport(c, a, buf, n, dt);
      CHECK(dt == 5 * ns);  // delay unchanged
      return r;
    };
    const std::uint64_t C = l.command_base();
    // Addresses: past the tile, in the register hole, across the end of a region.
    CHECK(st(tlm::TLM_READ_COMMAND, l.size(), 4) == tlm::TLM_ADDRESS_ERROR_RESPONSE);
    CHECK(st(tlm::TLM_READ_COMMAND, l.buffer_base() + l.buffer_bytes, 4) == tlm::TLM_ADDRESS_ERROR_RESPONSE);
    CHECK(st(tlm::TLM_READ_COMMAND, C + 0x80, 4) == tlm::TLM_ADDRESS_ERROR_RESPONSE);
    CHECK(st(tlm::TLM_WRITE_COMMAND, l.region - 8, 16) == tlm::TLM_ADDRESS_ERROR_RESPONSE);
    CHECK(st(tlm::TLM_WRITE_COMMAND, l.buffer_base() + l.buffer_bytes - 8, 16) == tlm::TLM_ADDRESS_ERROR_RESPONSE);
    // Widths: 8-byte and misaligned register accesses, a streaming burst.
    CHECK(st(tlm::TLM_WRITE_COMMAND, C + kOpcode, 8) == tlm::TLM_BURST_ERROR_RESPONSE);
    CHECK(st(tlm::TLM_READ_COMMAND, C + 2, 4) == tlm::TLM_BURST_ERROR_RESPONSE);
    CHECK(st(tlm::TLM_READ_COMMAND, C + kStatus, 2) == tlm::TLM_BURST_ERROR_RESPONSE);
    {
      sc_core::sc_time dt = sc_core::SC_ZERO_TIME;
      CHECK(cpu.transport(tlm::TLM_WRITE_COMMAND, l.buffer_base(), buf, 16, dt, 4) == tlm::TLM_BURST_ERROR_RESPONSE);
      unsigned char be[4] = {0xff, 0, 0xff, 0};
      CHECK(cpu.transport(tlm::TLM_WRITE_COMMAND, l.buffer_base(), buf, 16, dt, 0, be, 4) ==
            tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
    }
    // Commands: read-only registers, the write-only GO, IGNORE.
    for (std::uint32_t r : {kStatus, kError, kCycles, kDoneLo, kDoneHi, kCommands})
      CHECK(st(tlm::TLM_WRITE_COMMAND, C + r, 4) == tlm::TLM_COMMAND_ERROR_RESPONSE);
    CHECK(st(tlm::TLM_READ_COMMAND, C + kGo, 4) == tlm::TLM_COMMAND_ERROR_RESPONSE);
    CHECK(st(tlm::TLM_IGNORE_COMMAND, l.buffer_base(), 4) == tlm::TLM_COMMAND_ERROR_RESPONSE);
    CHECK(d.get(kStatus) == kStatusNone);

    // Bad operands: GENERIC_ERROR, STATUS = rejected, ERROR = the code, no time.
    struct Bad {
      std::uint32_t op, core, uclm, rb, cb, len, src, dst, flags, sh;
      ErrorCode code;
    };
    const std::uint32_t B = static_cast<std::uint32_t>(l.buffer_bytes);
    const Bad bad[] = {
        {7, 0, 0, 1, 1, 64, 0, 0, 0, 0, kErrOpcode},
        {kOpMvm, 8, 0, 1, 1, 64, 0, 0, 0, 0, kErrCore},            // core 8 of 8
        {kOpMvm, 0, 15, 1, 2, 64, 0, 0, 0, 0, kErrUclm},           // UCLMs 15, 16
        {kOpMvm, 0, 0, 0, 1, 64, 0, 0, 0, 0, kErrUclm},            // no row block
        {kOpMvm, 0, 0, 1, 1, 0, 0, 0, 0, 0, kErrLength},           // K = 0
        {kOpMvm, 0, 0, 1, 1, 65, 0, 0, 0, 0, kErrLength},          // 65 rows in one block
        {kOpMvm, 0, 0, 1, 1, 64, B - 63, 0, 0, 0, kErrBuffer},     // input leaves the buffer
        {kOpMvm, 0, 0, 1, 1, 64, 0, B - 255, 0, 0, kErrBuffer},    // 256 output bytes do not fit
        {kOpSoftmax, 6, 0, 4, 0, 64, 0, 0, 0, 0, kErrCore},        // cores 6..9
        {kOpSoftmax, 0, 16, 1, 0, 64, 0, 0, 0, 0, kErrUclm},       // LUT UCLM 16
        {kOpSoftmax, 0, 0, 4, 0, 3, 0, 0, 0, 0, kErrLength},       // 3 scores on 4 cores
        {kOpSoftmax, 0, 0, 1, 0, 64, B - 255, 0, 0, 0, kErrBuffer},
        {kOpSoftmax, 0, 0, 1, 0, 64, 0, B - 1, kFlagMask, 0, kErrBuffer},  // the mask at 0 fits, the output does not
        {kOpSoftmax, 0, 0, 1, 0, 64, 0, 0, kFlagScale, 63, kErrInput},
    };
    for (const Bad& x : bad) {
      INFO("opcode " << x.op << " expected error " << x.code);
      const auto r = d.command(x.op, x.core, x.uclm, x.rb, x.cb, x.len, x.src, x.dst, x.flags, 0, 1, x.sh);
      CHECK(r == tlm::TLM_GENERIC_ERROR_RESPONSE);
      CHECK(d.last_delay == sc_core::SC_ZERO_TIME);
      CHECK(d.get(kStatus) == kStatusRejected);
      CHECK(d.get(kError) == x.code);
    }
    CHECK(d.set(kGo, 2) == tlm::TLM_GENERIC_ERROR_RESPONSE);
    CHECK(d.get(kCommands) == 0);
    // An MVM on a UCLM in lookup mode is allowed (the core switches modes and
    // counts it): not an error.
    std::vector<std::int32_t> s(16, 0);
    d.write(l.buffer_base(), test::le32(s));
    REQUIRE(d.command(kOpSoftmax, 0, 3, 1, 0, 16, 0, 64) == tlm::TLM_OK_RESPONSE);
    REQUIRE(d.command(kOpMvm, 0, 3, 1, 1, 16, 0, 128) == tlm::TLM_OK_RESPONSE);
    CHECK(d.get(kCommands) == 2);
    CHECK(sc_core::sc_time_stamp() > sc_core::SC_ZERO_TIME);
  };
  b.run();
  CHECK(b.tile.chip().stats().mvms == 1);
  CHECK(b.tile.chip().stats().mode_switches == 2);  // into lookup mode, back to compute
  const auto s = tlm_common::collect_stats();
  const auto& t = s.at("top.tile");
  CHECK(t.at("address_errors").at("value") == 5);
  CHECK(t.at("burst_errors").at("value") == 4);
  CHECK(t.at("byte_enable_errors").at("value") == 1);
  CHECK(t.at("command_errors").at("value") == 8);
  CHECK(t.at("generic_errors").at("value") == 15);
  CHECK(t.at("rejected_commands").at("value") == 15);
  CHECK(t.at("mvm_commands").at("value") == 1);
  CHECK(t.at("softmax_commands").at("value") == 1);
}

TEST_CASE("debug transport moves array and buffer bytes untimed and DMI is refused") {
  cim::TileConfig cfg;
  Bench b("top", cfg);
  const TileLayout l = b.tile.layout();
  b.cpu.body = [&](Initiator& cpu) {
    std::vector<std::uint8_t> w(64);
    for (int i = 0; i < 64; ++i) w[i] = static_cast<std::uint8_t>(i * 3);
    CHECK(cpu.dbg(tlm::TLM_WRITE_COMMAND, 5 * 4096 + 64, w.data(), 64) == 64);  // UCLM 5, row 1
    std::vector<std::uint8_t> r(64);
    CHECK(cpu.dbg(tlm::TLM_READ_COMMAND, l.column_base() + 5 * 4096 + 7 * 64, r.data(), 64) == 64);  // column 7
    CHECK(r[1] == 21);  // row 1, column 7
    // Clipped at the end of the buffer; registers readable, not writable.
    CHECK(cpu.dbg(tlm::TLM_READ_COMMAND, l.buffer_base() + l.buffer_bytes - 16, r.data(), 64) == 16);
    CHECK(cpu.dbg(tlm::TLM_READ_COMMAND, l.command_base() + kStatus, r.data(), 4) == 4);
    tlm::tlm_response_status st;
    CHECK(cpu.dbg(tlm::TLM_WRITE_COMMAND, l.command_base() + kGo, r.data(), 4, &st) == 0);
    CHECK(st == tlm::TLM_COMMAND_ERROR_RESPONSE);
    CHECK(cpu.dbg(tlm::TLM_READ_COMMAND, l.size(), r.data(), 4, &st) == 0);
    CHECK(st == tlm::TLM_ADDRESS_ERROR_RESPONSE);
    tlm::tlm_dmi dmi;
    CHECK_FALSE(cpu.dmi(tlm::TLM_READ_COMMAND, 0, dmi));
    CHECK(sc_core::sc_time_stamp() == sc_core::SC_ZERO_TIME);
  };
  b.run();
  CHECK(b.tile.chip().stats().row_writes == 0);  // debug writes are not timed or counted
}

TEST_CASE("tile configuration errors name the value and what is allowed") {
  cim::TileConfig cfg;
  cfg.clock_ghz = 0.3;  // 3333.3 ps
  CHECK_THROWS_WITH(CimTile("a", cfg), Catch::Contains("clock_ghz") && Catch::Contains("integer number of ps"));
  cim::TileConfig ok;
  CHECK_THROWS_WITH(CimTile("b", ok, {}, 100), Catch::Contains("buffer_bytes 100 is out of range [256, 524288]"));
  ok.adc_share = 7;
  CHECK_THROWS_WITH(CimTile("c", ok), Catch::Contains("adc_share 7 must divide array_cols 64"));
}
