// The UCLM arrays and chip timing against golden_cim (reference uclm.md §5.1,
// §5.2 items 1-2, §1.6 timing).
#include <catch2/catch.hpp>

#include "cim/chip.h"
#include "cim/softmax.h"
#include "cim/uclm.h"
#include "cim_test_util.h"
#include "golden_cim/lut_exp.h"
#include "golden_cim/mvm.h"

using namespace pimlab::cim;
namespace g = pimlab::golden_cim;
using pimlab::golden::SynthRng;

namespace {
TileConfig big_chip(int adc_bits) {
  TileConfig c;
  c.adc_bits = adc_bits;
  c.tiles = 128;  // 16384 UCLMs: room for 768 x 768 (144) and 3072-row shapes
  return c;
}
}  // namespace

TEST_CASE("tile MVM equals golden bit for bit on seeded shapes (ideal, 6-bit and 7-bit ADC)") {
  SynthRng rng(0x5EED);
  for (int adc : {0, 6, 7})
    for (int K : {1, 63, 64, 65, 128, 768})
      for (int M : {1, 64, 768}) {
        Chip chip(big_chip(adc));
        const auto W = cimtest::rand_w(rng, static_cast<std::size_t>(K) * M);
        const bool u8 = (K + M) % 2 == 0;
        const auto x = cimtest::rand_x(rng, K, u8);
        INFO("adc " << adc << " K " << K << " M " << M);
        CHECK(cimtest::chip_mvm(chip, x, W, K, M, u8 ? InputKind::Uint8 : InputKind::Int8) ==
              g::mvm_bitserial(x, W, K, M, u8 ? g::InputKind::Uint8 : g::InputKind::Int8, adc));
      }
}

TEST_CASE("tile MVM on directed ADC corners equals golden and the spec's table") {
  struct Row { int x, w; bool u8; std::int32_t exact, clipped; };
  const Row rows[] = {{-1, -1, false, 64, 63},
                      {-128, -128, false, 1048576, 1032192},
                      {-128, 127, false, -1040384, -1024128},
                      {127, 127, false, 1032256, 1016127},
                      {255, -1, true, -16320, -16065},
                      {255, 127, true, 2072640, 2040255}};
  for (const Row& r : rows)
    for (int adc : {0, 6, 7}) {
      TileConfig cfg;
      cfg.adc_bits = adc;
      Chip chip(cfg);
      std::vector<int> x(64, r.x);
      std::vector<std::int8_t> W(64 * 64, static_cast<std::int8_t>(r.w));
      const auto kind = r.u8 ? InputKind::Uint8 : InputKind::Int8;
      const auto y = cimtest::chip_mvm(chip, x, W, 64, 64, kind);
      INFO("x " << r.x << " w " << r.w << " adc " << adc);
      CHECK(y[0] == (adc == 6 ? r.clipped : r.exact));
      CHECK(y[63] == y[0]);
      CHECK(y == g::mvm_bitserial(x, W, 64, 64, r.u8 ? g::InputKind::Uint8 : g::InputKind::Int8, adc));
    }
  // 63 rows of -1 and a zero: no clip.
  Chip chip{TileConfig{}};
  std::vector<int> x(64, -1);
  x[63] = 0;
  CHECK(cimtest::chip_mvm(chip, x, std::vector<std::int8_t>(64 * 64, -1), 64, 64, InputKind::Int8)[5] == 63);
}

TEST_CASE("ROM content equals the golden table on every array") {
  const auto& rom = rom_constants();
  CHECK(rom == g::exp_table());
  Uclm u{TileConfig{}};
  for (int a = 0; a < 8; ++a)
    for (int d = 0; d < 128; ++d) REQUIRE(u.lookup(a, d) == g::exp_table()[d]);
}

TEST_CASE("lookups leave the weights unchanged, interleaved with MVMs") {
  SynthRng rng(3);
  Uclm u{TileConfig{}};
  const auto W = cimtest::rand_w(rng, 64 * 64);
  for (int i = 0; i < 64; ++i) u.write_row(i, W.data() + i * 64, 64);
  const auto x = cimtest::rand_x(rng, 64, false);
  const auto y0 = u.mvm(x, InputKind::Int8);
  for (int round = 0; round < 50; ++round) {
    for (int a = 0; a < 8; ++a) u.lookup(a, static_cast<int>((round * 37 + a * 11) % 128));
    REQUIRE(u.mvm(x, InputKind::Int8) == y0);
  }
  for (int i = 0; i < 64; ++i)
    for (int j = 0; j < 64; ++j) REQUIRE(u.weight(i, j) == W[i * 64 + j]);
}

TEST_CASE("exhaustive: the tile's lookup exponential equals golden for every code, both variants") {
  Uclm u{TileConfig{}};
  for (ExpVariant v : {ExpVariant::A, ExpVariant::B}) {
    const g::ExpVariant gv = v == ExpVariant::A ? g::ExpVariant::A : g::ExpVariant::B;
    for (std::int64_t code = -32769; code <= 0; ++code)
      REQUIRE(exp_via_lookup(u, static_cast<int>((-code) % 8), code, v) == g::lut_exp(code, gv));
  }
}

TEST_CASE("timing: MVM 64 cycles, lookup 4 cycles, row write 1 cycle, mode-switch contention") {
  Chip chip{TileConfig{}};
  CHECK(chip.config().t_mvm() == 64);  // 8 input bits x 8 columns per ADC
  std::vector<std::int32_t> out;
  std::vector<std::int8_t> row(64, 1);
  CHECK(chip.write_row(0, 0, 0, row.data(), 64, 0) == 1);
  CHECK(chip.mvm(0, 0, std::vector<int>(64, 1), InputKind::Int8, 0, out) == 65);  // waits for the write
  // A lookup batch issued at 10 waits for the MVM (65), then 4 cycles.
  int d[8] = {0, 1, 2, 3, 4, 5, 6, 7};
  std::uint16_t w[8];
  CHECK(chip.lookup_batch(0, 0, d, 8, w, 10) == 69);
  // An MVM ready at 66 waits for the lookup mode to end (69).
  CHECK(chip.mvm(0, 0, std::vector<int>(64, 1), InputKind::Int8, 66, out) == 69 + 64);
  CHECK(chip.stats().mode_switches == 2);
  CHECK(chip.stats().mvm_wait_cycles == 1 + 3);
  // Another UCLM of the same core is independent.
  CHECK(chip.lookup_batch(0, 1, d, 8, w, 66) == 70);
  int nine[9] = {};
  CHECK_THROWS_AS(chip.lookup_batch(0, 1, nine, 9, w, 0), std::invalid_argument);
  // VFU: 40 elements x 3 ops on 16 lanes = 3 x 3 cycles.
  CHECK(chip.vfu(1, 40, 3, 100) == 109);
  // Tree over 4 cores: 2 levels x (hop 4 + 1 op) up, 2 x 4 down.
  CHECK(chip.tree(4, 0) == 18);
  CHECK(chip.tree(1, 7) == 7);
}

TEST_CASE("mvm_timing: the same timing, stats and energy as mvm, without the values") {
  // The sequence of the timing test above, once with values and once timed only.
  std::vector<std::int8_t> row(64, 1);
  int d[8] = {0, 1, 2, 3, 4, 5, 6, 7};
  std::uint16_t w[8];
  std::vector<std::int32_t> out;
  Chip a{TileConfig{}}, b{TileConfig{}};
  for (Chip* c : {&a, &b}) {
    c->write_row(0, 0, 0, row.data(), 64, 0);
    const bool timed = c == &b;
    const std::int64_t t1 = timed ? c->mvm_timing(0, 0, 0) : c->mvm(0, 0, std::vector<int>(64, 1), InputKind::Int8, 0, out);
    CHECK(t1 == 65);
    c->lookup_batch(0, 0, d, 8, w, 10);
    const std::int64_t t2 = timed ? c->mvm_timing(0, 0, 66) : c->mvm(0, 0, std::vector<int>(64, 1), InputKind::Int8, 66, out);
    CHECK(t2 == 69 + 64);
    CHECK((timed ? c->mvm_timing(3, 5, 7) : c->mvm(3, 5, std::vector<int>(64, 1), InputKind::Int8, 7, out)) == 71);
  }
  CHECK(a.stats().mvms == b.stats().mvms);
  CHECK(a.stats().adc_conversions == b.stats().adc_conversions);
  CHECK(a.stats().macs == b.stats().macs);
  CHECK(a.stats().mode_switches == b.stats().mode_switches);
  CHECK(a.stats().mvm_wait_cycles == b.stats().mvm_wait_cycles);
  CHECK(a.energy_pj() == b.energy_pj());
  CHECK(a.uclm_free(3, 5) == b.uclm_free(3, 5));
  CHECK_THROWS_AS(b.mvm_timing(128, 0, 0), std::invalid_argument);
}

TEST_CASE("energy counts each event once at its configured energy") {
  Chip chip{TileConfig{}};
  std::vector<std::int32_t> out;
  chip.mvm(0, 0, std::vector<int>(64, 0), InputKind::Int8, 0, out);
  // 4096 MACs x 0.09 + 8 passes x 8 arrays x 64 columns x 0.16 = 368.64 + 655.36
  CHECK(chip.energy_pj() == Approx(1024.0).epsilon(1e-12));
  CHECK(chip.stats().adc_conversions == 4096u);
}

TEST_CASE("configuration errors name the key, the value and what is allowed") {
  TileConfig c;
  c.adc_share = 7;
  CHECK_THROWS_WITH(c.validate(), Catch::Contains("adc_share 7 must divide array_cols 64"));
  c = TileConfig{};
  c.array_rows = 65;
  CHECK_THROWS_WITH(c.validate(), Catch::Contains("array_rows 65 is out of range [1, 64]"));
  c = TileConfig{};
  c.tiles = 0;
  CHECK_THROWS_AS(c.validate(), std::invalid_argument);
}
