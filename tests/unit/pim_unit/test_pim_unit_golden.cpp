// The behavioural PIM unit against the golden per-atom operations on random
// chunks (seeded): SU with nearest and stochastic rounding, SCORE, ATTEND, for
// every Lanes value, plus register-set preloading while a bank is busy. The
// expected values come from golden/pu_ops.h applied in COMP order, which is
// what docs/numerics.md prescribes; equality is bit-exact (no tolerance: the
// unit must call the same operations in the same order).
#include <catch2/catch.hpp>

#include <array>
#include <cstring>
#include <random>
#include <vector>

#include "golden/pu_ops.h"
#include "pim_unit/unit.h"

using namespace pimlab;
using pim_unit::Command;
using pim_unit::PimUnit;
using pim_unit::Slot;

namespace {

using Atom = std::array<std::uint8_t, 32>;

Atom encode(const float* v32) {
  return golden::encode_atom_bytes(v32);
}
void to_blocks(const std::uint8_t* a, numerics::Mx8Block* b) {
  std::memcpy(b[0].bytes.data(), a, 16);
  std::memcpy(b[1].bytes.data(), a + 16, 16);
}
std::vector<float> decoded(const Atom& a) {
  numerics::Mx8Block b[2];
  to_blocks(a.data(), b);
  std::vector<float> v(32);
  golden::decode_atom(b, v.data());
  return v;
}

struct Chunk {
  std::vector<std::uint8_t> row = std::vector<std::uint8_t>(1024);
  Atom k, q, gk, v, gv, p;
  explicit Chunk(std::uint32_t seed) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> u(-2.0f, 2.0f);
    float tmp[32];
    for (int r = 0; r < 32; ++r) {
      for (float& x : tmp) x = u(rng);
      const Atom a = encode(tmp);
      std::memcpy(row.data() + 32 * r, a.data(), 32);
    }
    for (Atom* reg : {&k, &q, &gk, &v, &gv, &p}) {
      for (float& x : tmp) x = u(rng);
      *reg = encode(tmp);
    }
  }
};

}  // namespace

TEST_CASE("SU over a whole chunk equals golden su_atom in COMP order, for every Lanes and both roundings") {
  for (int lanes : {8, 16, 32})
    for (bool stochastic : {false, true}) {
      INFO("lanes " << lanes << " stochastic " << stochastic);
      pim_unit::PuParams pp;
      pp.lanes = lanes;
      PimUnit unit(pp);
      Chunk ch(1000u + static_cast<unsigned>(lanes) + (stochastic ? 1u : 0u));
      std::vector<std::uint8_t> row = ch.row, other(1024, 0);
      PimUnit::Rows rows{{other.data(), row.data()}};  // the chunk is in bank B
      pim_unit::Cycle t = 0;
      const std::uint32_t seed = 0xC0FFEEu;
      REQUIRE(unit.issue(Command::cfg_wr(1, pim_unit::CfgReg::seed, seed), t++, rows));
      REQUIRE(unit.issue(Command::ctrl(1, pim_unit::Mode::su, stochastic), t++, rows));
      for (auto [slot, reg] : {std::pair{Slot::k, &ch.k}, std::pair{Slot::q, &ch.q}, std::pair{Slot::gk, &ch.gk},
                               std::pair{Slot::v, &ch.v}, std::pair{Slot::gv, &ch.gv}})
        REQUIRE(unit.issue(Command::reg_wr(1, 0, slot, reg->data()), t++, rows));
      for (int r = 0; r < 32; ++r, t += 4) REQUIRE(unit.issue(Command::comp(1, r), t, rows));
      unit.settle_all();
      CHECK_FALSE(unit.err());
      // Golden: rows in order, one generator for the bank, seeded the same way.
      const auto k = decoded(ch.k), q = decoded(ch.q), gk = decoded(ch.gk), v = decoded(ch.v), gv = decoded(ch.gv);
      numerics::SrRng rng(seed);
      std::array<float, 32> o{};
      std::vector<std::uint8_t> want = ch.row;
      for (int r = 0; r < 32; ++r) {
        numerics::Mx8Block in[2], out[2];
        to_blocks(want.data() + 32 * r, in);
        golden::su_atom(in, k[r], q[r], gk[r], v.data(), gv.data(),
                        stochastic ? numerics::Rounding::stochastic : numerics::Rounding::nearest, &rng, o.data(), out);
        std::memcpy(want.data() + 32 * r, out[0].bytes.data(), 16);
        std::memcpy(want.data() + 32 * r + 16, out[1].bytes.data(), 16);
      }
      CHECK(row == want);
      CHECK(unit.acc(1) == o);
      CHECK(other == std::vector<std::uint8_t>(1024, 0));
      // Timing parameters of spec.md: WbLat = 7 + 32/Lanes, AccLat = 8 + 2*32/Lanes.
      CHECK(unit.params().wb_lat() == 7 + 32 / lanes);
      CHECK(unit.params().acc_lat() == 8 + 64 / lanes);
    }
}

TEST_CASE("SCORE and ATTEND over a whole chunk equal golden score_atom / attend_atom") {
  PimUnit unit;
  Chunk ch(77);
  std::vector<std::uint8_t> row = ch.row;
  PimUnit::Rows rows{{row.data(), nullptr}};
  pim_unit::Cycle t = 0;
  REQUIRE(unit.issue(Command::ctrl(0, pim_unit::Mode::score), t++, rows));
  REQUIRE(unit.issue(Command::reg_wr(0, 0, Slot::q, ch.q.data()), t++, rows));
  for (int r = 0; r < 32; ++r, t += 4) REQUIRE(unit.issue(Command::comp(0, r), t, rows));
  const auto q = decoded(ch.q);
  std::array<float, 32> want{};
  for (int r = 0; r < 32; ++r) {
    numerics::Mx8Block x[2];
    to_blocks(ch.row.data() + 32 * r, x);
    want[r] = golden::score_atom(x, q.data(), 0.0f);
  }
  CHECK(unit.acc(0) == want);
  t += 20;  // past the busy window
  REQUIRE(unit.issue(Command::clear(0), t++, rows));
  REQUIRE(unit.issue(Command::ctrl(0, pim_unit::Mode::attend), t++, rows));
  REQUIRE(unit.issue(Command::reg_wr(0, 0, Slot::p, ch.p.data()), t++, rows));
  for (int r = 0; r < 32; ++r, t += 4) REQUIRE(unit.issue(Command::comp(0, r), t, rows));
  const auto p = decoded(ch.p);
  std::array<float, 32> acc{};
  for (int r = 0; r < 32; ++r) {
    numerics::Mx8Block x[2];
    to_blocks(ch.row.data() + 32 * r, x);
    golden::attend_atom(x, p[r], acc.data());
  }
  CHECK(unit.acc(0) == acc);
  unit.settle_all();
  CHECK(row == ch.row);  // neither writes back
  CHECK_FALSE(unit.err());
}

TEST_CASE("RegSets 2: the next chunk's operands load into the other set while the bank is busy") {
  pim_unit::PuParams pp;
  pp.reg_sets = 2;
  PimUnit unit(pp);
  Chunk ch(5);
  std::vector<std::uint8_t> row = ch.row;
  PimUnit::Rows rows{{row.data(), nullptr}};
  REQUIRE(unit.issue(Command::comp(0, 0), 10, rows));
  // Busy in cycles 11..26: set 1 is not the selected set -> legal; set 0 -> BUSY.
  CHECK(unit.issue(Command::reg_wr(0, 1, Slot::k, ch.k.data()), 11, rows));
  CHECK(unit.slice(0, 1, Slot::k) == ch.k);
  CHECK_FALSE(unit.issue(Command::reg_wr(0, 0, Slot::k, ch.k.data()), 12, rows));
  CHECK(unit.err_cause() == pim_unit::kErrBusy);
  // Switching sets waits for the busy window: CTRL at 26 is BUSY, at 27 legal.
  CHECK_FALSE(unit.issue(Command::ctrl(0, pim_unit::Mode::su, false, 1), 26, rows));
  CHECK(unit.issue(Command::ctrl(0, pim_unit::Mode::su, false, 1), 27, rows));
  // set_sel 2 with RegSets 2 -> CFG.
  CHECK_FALSE(unit.issue(Command::ctrl(0, pim_unit::Mode::su, false, 2), 28, rows));
  CHECK((unit.err_cause() & pim_unit::kErrCfg) != 0);
}

TEST_CASE("a COMP reading an MX8 block outside the format flags DATA and reads that block as +0") {
  PimUnit unit;
  std::vector<std::uint8_t> row(1024, 0);
  // Atom 3: block 0 has a micro-exponent bit with E = 0 (outside the format);
  // block 1 holds 1.0 everywhere (0x20 fields, E = 127).
  row[3 * 32 + 15] = 0x01;
  const float ones[16] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
  const numerics::Mx8Block one = numerics::mx8_encode(ones, numerics::Rounding::nearest);
  std::memcpy(row.data() + 3 * 32 + 16, one.bytes.data(), 16);
  PimUnit::Rows rows{{row.data(), nullptr}};
  // ATTEND with p = 1.0 for token 3: acc = x, so the bad block contributes +0.
  float pv[32];
  for (float& x : pv) x = 1.0f;
  const Atom p = encode(pv);
  REQUIRE(unit.issue(Command::ctrl(0, pim_unit::Mode::attend), 0, rows));
  REQUIRE(unit.issue(Command::reg_wr(0, 0, Slot::p, p.data()), 1, rows));
  CHECK(unit.issue(Command::comp(0, 3), 2, rows));  // executes
  CHECK(unit.err_cause() == pim_unit::kErrData);
  for (int c = 0; c < 32; ++c) CHECK(unit.acc(0)[c] == (c < 16 ? 0.0f : 1.0f));
}

TEST_CASE("a COMP's DATA cause is set in its CAP cycle (issue + 2): an earlier or same-cycle ERR_CLR cannot clear it") {
  PimUnit unit;
  std::vector<std::uint8_t> row(1024, 0);
  row[15] = 0x01;  // atom 0, block 0: micro bit with E = 0
  PimUnit::Rows rows{{row.data(), nullptr}};
  // RTL: err_q <= (err_q & ~clear) | set, and the COMP's DATA set happens at
  // the edge ending cycle issue + 2 (CAP stage, spec.md "COMP pipeline").
  REQUIRE(unit.issue(Command::comp(0, 0), 10, rows));
  REQUIRE(unit.issue(Command::cfg_wr(0, pim_unit::CfgReg::err_clr, pim_unit::kErrData), 11, rows));  // before CAP
  CHECK(unit.err_cause() == pim_unit::kErrData);
  REQUIRE(unit.issue(Command::cfg_wr(0, pim_unit::CfgReg::err_clr, pim_unit::kErrData), 12, rows));  // CAP cycle: set wins
  CHECK(unit.err_cause() == pim_unit::kErrData);
  REQUIRE(unit.issue(Command::cfg_wr(0, pim_unit::CfgReg::err_clr, pim_unit::kErrData), 13, rows));  // after: cleared
  CHECK(unit.err_cause() == 0);
}
