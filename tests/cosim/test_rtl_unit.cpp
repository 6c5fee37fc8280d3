// The RTL unit model (`tlm/pim_rtl/rtl_unit.h) on its own, without SystemC
// time: the clocking scheme puts every effect in the cycle rtl/pim_pu/doc/
// spec.md gives it. Expected values are derived from the spec by hand in the
// comments; the behavioural model is held to the same numbers.
#define CATCH_CONFIG_MAIN
#include <array>
#include <catch2/catch.hpp>
#include <cstring>
#include <memory>
#include <vector>

#include "golden/pu_ops.h"
#include "tlm/hbm/unit_model.h"
#include "tlm/pim_rtl/rtl_unit.h"

// libsystemc.so (linked through the channel library) wants sc_main.
int sc_main(int, char**) { return 0; }

namespace {

using namespace pimlab;
using Atom = std::array<std::uint8_t, 32>;

Atom atom_of(float v) {
  float x[32];
  for (float& e : x) e = v;
  return golden::encode_atom_bytes(x);
}

struct Bench {
  std::unique_ptr<tlm_hbm::PimUnitModel> unit;
  std::vector<std::uint8_t> row_a, row_b;
  pim_unit::PimUnit::Rows rows;
  std::string name;

  Bench(const std::string& model, const std::string& n) : row_a(1024), row_b(1024), name(n) {
    static bool registered = false;
    if (!registered) {
      tlm_pim_rtl::RtlOptions o;
      o.seed = 7;
      tlm_pim_rtl::register_unit_models(o);
      registered = true;
    }
    tlm_hbm::PimUnitSite site;
    site.name = n;
    site.tck_ps = 1000;
    unit = tlm_hbm::pim_unit_models().at(model)(site);
    rows.row[0] = row_a.data();
    rows.row[1] = row_b.data();
  }
  bool issue(const pim_unit::Command& c, pim_unit::Cycle t, Atom* res = nullptr) { return unit->issue(c, t, rows, res); }
  Atom atom(int bank, int i) const {
    Atom a;
    std::memcpy(a.data(), (bank ? row_b : row_a).data() + 32 * i, 32);
    return a;
  }
};

}  // namespace

TEST_CASE("RTL: an SU write-back lands at the end of cycle issue + WbLat (11 for Lanes 8)") {
  for (const char* model : {"rtl", "behavioural"}) {
    INFO(model);
    Bench b(model, std::string("wb.") + model);
    // Row A: every element 1.0. Registers at reset: K = GK = 0, GV = 1, so
    // y = h * (gk * gv) + k * v = 1 * 0 + 0 = +0: the write-back makes the
    // atom all zeros (MX8 zero block: every byte 0).
    const Atom one = atom_of(1.0f), zero{};
    for (int i = 0; i < 32; ++i) std::memcpy(b.row_a.data() + 32 * i, one.data(), 32);
    REQUIRE(b.issue(pim_unit::Command::comp(0, 3), 10));
    // Spec: WB stage in cycle 7 + Beats = 11 after the COMP: cycle 21.
    b.unit->settle(21);  // cycles < 21 done: not yet written
    CHECK(b.atom(0, 3) == one);
    CHECK(b.unit->writeback_pending());
    b.unit->settle(22);  // cycle 21 done: written at its end
    CHECK(b.atom(0, 3) == zero);
    CHECK(b.atom(0, 2) == one);
    CHECK(b.atom(0, 4) == one);
    CHECK(b.unit->err_cause() == 0);
    b.unit->settle_all();
    CHECK_FALSE(b.unit->writeback_pending());
  }
}

TEST_CASE("RTL: SCORE accumulates the tree into the atom's accumulator, RESULT returns it one cycle later") {
  for (const char* model : {"rtl", "behavioural"}) {
    INFO(model);
    Bench b(model, std::string("score.") + model);
    // Atom 9 of bank B all 1.0, Q slice all 1.0: 32 products 1.0, pairwise
    // tree exact, acc[9] = +0 + 32 = 32.0 (0x42000000).
    const Atom one = atom_of(1.0f);
    std::memcpy(b.row_b.data() + 32 * 9, one.data(), 32);
    REQUIRE(b.issue(pim_unit::Command::ctrl(1, pim_unit::Mode::score), 1));
    REQUIRE(b.issue(pim_unit::Command::reg_wr(1, 0, pim_unit::Slot::q, one.data()), 2));
    REQUIRE(b.issue(pim_unit::Command::comp(1, 9), 3));
    // Busy in cycles 4 .. 3 + AccLat (16) = 19; a RESULT of bank B before
    // cycle 20 is ERR_BUSY (it is dropped and sets the cause).
    Atom res{};
    CHECK_FALSE(b.issue(pim_unit::Command::result(1, 1), 19, &res));
    CHECK(b.unit->err_cause() == pim_unit::kErrBusy);
    // RESULT group 1 (accumulators 8..15) in cycle 20: lane 1 = acc[9].
    REQUIRE(b.issue(pim_unit::Command::result(1, 1), 20, &res));
    float lanes[8];
    std::memcpy(lanes, res.data(), 32);
    for (int l = 0; l < 8; ++l) CHECK(lanes[l] == (l == 1 ? 32.0f : 0.0f));
    b.unit->settle_all();
    // Busy cycles 4..19: 16 cycles (the count both models keep).
    CHECK(tlm_pim_rtl::unit_busy_cycles(std::string("score.") + model) == 16);
  }
}

TEST_CASE("RTL: commands must come in increasing cycles") {
  Bench b("rtl", "order.rtl");
  REQUIRE(b.issue(pim_unit::Command::clear(0), 5));
  CHECK_THROWS_AS(b.issue(pim_unit::Command::clear(1), 5), std::logic_error);
}
