// Behavioural PIM unit against hand-derived values (rtl/pim_pu/doc/spec.md,
// docs/numerics.md). Inputs are built with the MX8 encoder from values that
// MX8 holds exactly (checked by decoding them back); every expected number is
// derived in the comments.
#include <catch2/catch.hpp>

#include <array>
#include <cstring>
#include <vector>

#include "golden/pu_ops.h"
#include "numerics/mx8.h"
#include "pim_unit/unit.h"

using namespace pimlab;
using pim_unit::Command;
using pim_unit::PimUnit;
using pim_unit::Slot;

namespace {

// 32 values -> one MX8 atom (32 bytes), asserting the values are exact in MX8.
std::array<std::uint8_t, 32> atom_of(const std::array<float, 32>& v) {
  std::array<std::uint8_t, 32> a{};
  for (int blk = 0; blk < 2; ++blk) {
    const numerics::Mx8Block b = numerics::mx8_encode(v.data() + 16 * blk, numerics::Rounding::nearest);
    float back[16];
    numerics::mx8_decode(b, back);
    for (int i = 0; i < 16; ++i) REQUIRE(back[i] == v[16 * blk + i]);
    std::memcpy(a.data() + 16 * blk, b.bytes.data(), 16);
  }
  return a;
}

std::array<float, 32> decode(const std::uint8_t* atom) {
  std::array<float, 32> v{};
  for (int blk = 0; blk < 2; ++blk) {
    numerics::Mx8Block b;
    std::memcpy(b.bytes.data(), atom + 16 * blk, 16);
    numerics::mx8_decode(b, v.data() + 16 * blk);
  }
  return v;
}

std::array<float, 32> fill(float x) {
  std::array<float, 32> v;
  v.fill(x);
  return v;
}

// v[c] = 0.25 * (c mod 4): 0, 0.25, 0.5, 0.75. Exact in MX8: per block E = 126
// (0.75 = 1.5*2^-1); pair (0, 0.25) has both exponents below E -> pair exponent
// 125, 0.25 = 32*2^(125-132); pair (0.5, 0.75) -> 126, m = 32 and 48.
std::array<float, 32> quarter_ramp() {
  std::array<float, 32> v;
  for (int c = 0; c < 32; ++c) v[c] = 0.25f * static_cast<float>(c % 4);
  return v;
}

struct Fixture {
  PimUnit unit;
  std::vector<std::uint8_t> row_a = std::vector<std::uint8_t>(PimUnit::kRowBytes, 0);
  std::vector<std::uint8_t> row_b = std::vector<std::uint8_t>(PimUnit::kRowBytes, 0);
  PimUnit::Rows rows() { return PimUnit::Rows{{row_a.data(), row_b.data()}}; }
  pim_unit::Cycle t = 0;
  bool issue(const Command& c, std::array<std::uint8_t, 32>* res = nullptr) { return unit.issue(c, t++, rows(), res); }
  void put_atom(std::vector<std::uint8_t>& row, int atom, const std::array<float, 32>& v) {
    const auto a = atom_of(v);
    std::memcpy(row.data() + 32 * atom, a.data(), 32);
  }
};

}  // namespace

TEST_CASE("SU: one COMP updates the state row and the output partial as derived by hand") {
  Fixture f;
  // Bank A, row atoms 3 and 5 hold h = 1.0 in every element.
  f.put_atom(f.row_a, 3, fill(1.0f));
  f.put_atom(f.row_a, 5, fill(1.0f));
  // K = GK = 0.5, Q = 2.0 (row scalars k[r], gk[r], q[r]), V = quarter ramp, GV reset (1.0).
  REQUIRE(f.issue(Command::reg_wr(0, 0, Slot::k, atom_of(fill(0.5f)).data())));
  REQUIRE(f.issue(Command::reg_wr(0, 0, Slot::gk, atom_of(fill(0.5f)).data())));
  REQUIRE(f.issue(Command::reg_wr(0, 0, Slot::q, atom_of(fill(2.0f)).data())));
  REQUIRE(f.issue(Command::reg_wr(0, 0, Slot::v, atom_of(quarter_ramp()).data())));
  // GV's reset value decodes to 1.0 everywhere.
  CHECK(decode(f.unit.slice(0, 0, Slot::gv).data()) == fill(1.0f));
  const pim_unit::Cycle t0 = f.t;
  REQUIRE(f.issue(Command::comp(0, 3)));
  // g = gk*gv = 0.5; a = h*g = 0.5; b = k*v[c] = 0.125*(c%4); y = 0.5 + 0.125*(c%4):
  // 0.5, 0.625, 0.75, 0.875, all in [0.5, 1): E = 126, m = 32, 40, 48, 56 -> exact,
  // so h' = y. o_acc[c] = +0 + h'[c]*q[3] = 1.0, 1.25, 1.5, 1.75.
  std::array<float, 32> y, acc;
  for (int c = 0; c < 32; ++c) y[c] = 0.5f + 0.125f * static_cast<float>(c % 4), acc[c] = 2.0f * y[c];
  CHECK(f.unit.acc(0) == acc);
  // The write-back lands at the end of cycle t0 + WbLat (7 + 32/8 = 11).
  CHECK(f.unit.params().wb_lat() == 11);
  f.unit.settle(t0 + 11);
  CHECK(decode(f.row_a.data() + 96) == fill(1.0f));
  f.unit.settle(t0 + 12);
  CHECK(decode(f.row_a.data() + 96) == y);
  // Bank B and the other atoms are untouched.
  CHECK(decode(f.row_a.data() + 160) == fill(1.0f));
  CHECK(f.unit.acc(1) == fill(0.0f));
  CHECK_FALSE(f.unit.err());
}

TEST_CASE("SU: a COMP to an atom whose write-back is pending reads the old row") {
  Fixture f;
  f.put_atom(f.row_a, 3, fill(1.0f));
  REQUIRE(f.issue(Command::reg_wr(0, 0, Slot::k, atom_of(fill(0.5f)).data())));
  REQUIRE(f.issue(Command::reg_wr(0, 0, Slot::gk, atom_of(fill(0.5f)).data())));
  REQUIRE(f.issue(Command::reg_wr(0, 0, Slot::q, atom_of(fill(2.0f)).data())));
  REQUIRE(f.issue(Command::reg_wr(0, 0, Slot::v, atom_of(quarter_ramp()).data())));
  const pim_unit::Cycle t0 = f.t;
  REQUIRE(f.unit.issue(Command::comp(0, 3), t0, f.rows()));
  // 4 cycles later (the COMP rate) the first write-back (cycle t0+11) has not
  // landed: the second COMP reads h = 1.0 again, computes the same y and adds
  // 2y once more: o_acc = 4y = 2.0, 2.5, 3.0, 3.5. The row ends as y.
  REQUIRE(f.unit.issue(Command::comp(0, 3), t0 + 4, f.rows()));
  f.unit.settle_all();
  std::array<float, 32> y, acc;
  for (int c = 0; c < 32; ++c) y[c] = 0.5f + 0.125f * static_cast<float>(c % 4), acc[c] = 4.0f * y[c];
  CHECK(f.unit.acc(0) == acc);
  CHECK(decode(f.row_a.data() + 96) == y);
  // A third COMP after the write-back sees y: a = y*0.5, b = 0.125*(c%4),
  // y2 = 0.25 + 0.1875*(c%4) = 0.25, 0.4375, 0.625, 0.8125 (pair exponents 125
  // and 126: m = 32, 56 and 40, 52 -> exact); o_acc += 2*y2.
  REQUIRE(f.unit.issue(Command::comp(0, 3), t0 + 20, f.rows()));
  f.unit.settle_all();
  for (int c = 0; c < 32; ++c) {
    const float y2 = 0.25f + 0.1875f * static_cast<float>(c % 4);
    CHECK(decode(f.row_a.data() + 96)[c] == y2);
    CHECK(f.unit.acc(0)[c] == acc[c] + 2.0f * y2);
  }
}

TEST_CASE("SCORE: pairwise-tree dot products accumulate per token, RESULT reads them out") {
  Fixture f;
  REQUIRE(f.issue(Command::ctrl(1, pim_unit::Mode::score)));
  // q[c] = 1.0 for c < 16, 0.5 for c >= 16 (one value per block: exact).
  std::array<float, 32> q;
  for (int c = 0; c < 32; ++c) q[c] = c < 16 ? 1.0f : 0.5f;
  REQUIRE(f.issue(Command::reg_wr(1, 0, Slot::q, atom_of(q).data())));
  f.put_atom(f.row_b, 7, quarter_ramp());
  f.put_atom(f.row_b, 2, fill(1.0f));
  REQUIRE(f.issue(Command::comp(1, 7)));
  f.t += 3;
  REQUIRE(f.issue(Command::comp(1, 2)));
  // Token 7: block 0 products 0, .25, .5, .75 repeated 4 times = 6.0; block 1
  // halves = 3.0; every partial sum of the tree is a multiple of 1/8 below 16:
  // exact -> 9.0. Token 2: 16*1.0 + 16*0.5 = 24.0. Other tokens stay +0.
  std::array<float, 32> acc{};
  acc[7] = 9.0f;
  acc[2] = 24.0f;
  CHECK(f.unit.acc(1) == acc);
  // RESULT group 0 (accumulators 0..7) after the busy window (AccLat = 16).
  f.t += 16;
  std::array<std::uint8_t, 32> res{};
  REQUIRE(f.issue(Command::result(1, 0), &res));
  float lanes[8];
  std::memcpy(lanes, res.data(), 32);  // little-endian FP32, accumulator 8g+i at bytes 4i..4i+3
  CHECK(lanes[2] == 24.0f);
  CHECK(lanes[7] == 9.0f);
  CHECK(lanes[0] == 0.0f);
  // SCORE writes nothing back.
  f.unit.settle_all();
  CHECK(decode(f.row_b.data() + 7 * 32) == quarter_ramp());
}

TEST_CASE("ATTEND: atoms scaled by their token's weight accumulate element-wise") {
  Fixture f;
  REQUIRE(f.issue(Command::ctrl(0, pim_unit::Mode::attend)));
  // p[t] = 0.5 for even t, 0.25 for odd t. Per pair (0.5, 0.25): E = 126, pair
  // exponent 126; 0.25 aligned by d = 1: m = (2^23 + 2^18) >> 19 = 16 -> 16*2^-6 = 0.25.
  std::array<float, 32> p;
  for (int t = 0; t < 32; ++t) p[t] = (t % 2) ? 0.25f : 0.5f;
  REQUIRE(f.issue(Command::reg_wr(0, 0, Slot::p, atom_of(p).data())));
  f.put_atom(f.row_a, 4, quarter_ramp());
  f.put_atom(f.row_a, 5, fill(1.0f));
  REQUIRE(f.issue(Command::comp(0, 4)));
  f.t += 3;
  REQUIRE(f.issue(Command::comp(0, 5)));
  // acc[c] = (+0 + 0.25*(c%4)*0.5) + 1.0*0.25 = 0.25 + 0.125*(c%4), exact.
  for (int c = 0; c < 32; ++c) CHECK(f.unit.acc(0)[c] == 0.25f + 0.125f * static_cast<float>(c % 4));
  // CLEAR after the busy window zeroes the bank's accumulators.
  f.t += 16;
  REQUIRE(f.issue(Command::clear(0)));
  CHECK(f.unit.acc(0) == fill(0.0f));
}

TEST_CASE("illegal commands set their sticky cause bit and change nothing") {
  Fixture f;
  f.put_atom(f.row_a, 0, fill(1.0f));
  SECTION("opcode 6 -> OPCODE") {
    Command c;
    c.op = 6;
    CHECK_FALSE(f.issue(c));
    CHECK(f.unit.err_cause() == pim_unit::kErrOpcode);
    CHECK(f.unit.err());
  }
  SECTION("COMP 2 cycles after a COMP -> RATE, second COMP dropped") {
    REQUIRE(f.unit.issue(Command::comp(0, 0), 10, f.rows()));
    const auto acc = f.unit.acc(0);
    CHECK_FALSE(f.unit.issue(Command::comp(1, 0), 12, f.rows()));
    CHECK(f.unit.err_cause() == pim_unit::kErrRate);
    CHECK(f.unit.acc(0) == acc);
    CHECK(f.unit.issue(Command::comp(1, 0), 14, f.rows()));  // 4 cycles after the accepted one: legal
  }
  SECTION("RESULT inside the busy window -> BUSY; one cycle after it -> legal") {
    REQUIRE(f.unit.issue(Command::comp(0, 0), 10, f.rows()));
    std::array<std::uint8_t, 32> res{};
    CHECK_FALSE(f.unit.issue(Command::result(0, 0), 26, f.rows(), &res));  // 10 + AccLat(16)
    CHECK(f.unit.err_cause() == pim_unit::kErrBusy);
    CHECK(f.unit.issue(Command::result(1, 0), 27, f.rows(), &res));  // other bank: not busy
    CHECK(f.unit.issue(Command::result(0, 0), 28, f.rows(), &res));
  }
  SECTION("REG_WR slot 6 -> ADDR; set 1 with RegSets 1 -> ADDR") {
    Command c = Command::reg_wr(0, 0, Slot::k, atom_of(fill(0.5f)).data());
    c.idx = 6;
    CHECK_FALSE(f.issue(c));
    CHECK_FALSE(f.issue(Command::reg_wr(0, 1, Slot::k, atom_of(fill(0.5f)).data())));
    CHECK(f.unit.err_cause() == pim_unit::kErrAddr);
    CHECK(decode(f.unit.slice(0, 0, Slot::k).data()) == fill(0.0f));
  }
  SECTION("CTRL mode 3 -> CFG; mode unchanged") {
    CHECK_FALSE(f.issue(Command::cfg_wr(0, pim_unit::CfgReg::ctrl, 3)));
    CHECK(f.unit.err_cause() == pim_unit::kErrCfg);
    CHECK(f.unit.mode(0) == pim_unit::Mode::su);
  }
  SECTION("REG_WR of a block with E = 255 -> DATA; ERR_CLR clears only the bits written") {
    std::array<std::uint8_t, 32> bad = atom_of(fill(0.5f));
    bad[14] = 255;
    CHECK_FALSE(f.issue(Command::reg_wr(0, 0, Slot::v, bad.data())));
    Command c;
    c.op = 7;
    CHECK_FALSE(f.issue(c));
    CHECK(f.unit.err_cause() == (pim_unit::kErrData | pim_unit::kErrOpcode));
    REQUIRE(f.issue(Command::cfg_wr(1, pim_unit::CfgReg::err_clr, pim_unit::kErrData)));
    CHECK(f.unit.err_cause() == pim_unit::kErrOpcode);
    REQUIRE(f.issue(Command::cfg_wr(0, pim_unit::CfgReg::err_clr, 0x3F)));
    CHECK_FALSE(f.unit.err());
  }
}

TEST_CASE("command encoding: the head packs op in bits 2..0, bank in bit 3, idx in bits 8..4") {
  // REG_WR (op 2), bank 1, set 0 slot V (3): head = 2 | 1<<3 | 3<<4 = 0x3A.
  const Command c = Command::reg_wr(1, 0, Slot::v, std::array<std::uint8_t, 32>{}.data());
  CHECK(c.head() == 0x3A);
  const Command d = Command::from_head(0x3A);
  CHECK(d.op == 2);
  CHECK(d.bank == 1);
  CHECK(d.idx == 3);
  // CTRL write: idx 0, value mode | rounding<<2 | set_sel<<3.
  CHECK(Command::ctrl(0, pim_unit::Mode::attend, true, 0).wdata[0] == (2 | 4));
}

namespace {

// Records the port events the unit announces (PimUnit::Observer).
struct Ports : PimUnit::Observer {
  struct Event {
    char kind;  // 'r' bank read, 'w' bank write-back, 'q' result
    pim_unit::Cycle cycle;
    int bank, atom;
    std::array<std::uint8_t, 32> data;
  };
  std::vector<Event> ev;
  void bank_read(pim_unit::Cycle c, int bank, int atom) override { ev.push_back({'r', c, bank, atom, {}}); }
  void bank_write(pim_unit::Cycle c, int bank, int atom, const std::array<std::uint8_t, 32>& d) override {
    ev.push_back({'w', c, bank, atom, d});
  }
  void result(pim_unit::Cycle c, int bank, const std::array<std::uint8_t, 32>& d) override {
    ev.push_back({'q', c, bank, -1, d});
  }
};

}  // namespace

TEST_CASE("observer: a COMP's read in issue + 1, its SU write-back in issue + WbLat, a RESULT's data in issue + 1") {
  for (int lanes : {8, 16, 32}) {
    PimUnit unit(pim_unit::PuParams{lanes, 1});
    Ports ports;
    unit.set_observer(&ports);
    std::vector<std::uint8_t> row_a(PimUnit::kRowBytes, 0), row_b(PimUnit::kRowBytes, 0);
    PimUnit::Rows rows{{row_a.data(), row_b.data()}};
    const auto h = atom_of(fill(1.0f));
    std::memcpy(row_b.data() + 32 * 7, h.data(), 32);
    REQUIRE(unit.issue(Command::reg_wr(1, 0, Slot::gk, atom_of(fill(0.5f)).data()), 1, rows));
    REQUIRE(unit.issue(Command::reg_wr(1, 0, Slot::q, atom_of(fill(2.0f)).data()), 2, rows));
    REQUIRE(unit.issue(Command::comp(1, 7), 10, rows));  // SU: y = h*gk*gv = 0.5, acc = 2*0.5 = 1
    REQUIRE(unit.issue(Command::ctrl(0, pim_unit::Mode::score), 11, rows));
    REQUIRE(unit.issue(Command::comp(0, 2), 14, rows));  // SCORE: no write-back
    const int acc_lat = unit.params().acc_lat(), wb_lat = unit.params().wb_lat();
    std::array<std::uint8_t, 32> res{};
    REQUIRE(unit.issue(Command::result(1, 3), 10 + acc_lat + 1, rows, &res));
    REQUIRE(ports.ev.size() == 4);
    CHECK((ports.ev[0].kind == 'r' && ports.ev[0].cycle == 11 && ports.ev[0].bank == 1 && ports.ev[0].atom == 7));
    CHECK((ports.ev[1].kind == 'w' && ports.ev[1].cycle == 10 + wb_lat && ports.ev[1].bank == 1 && ports.ev[1].atom == 7));
    CHECK(decode(ports.ev[1].data.data()) == fill(0.5f));
    CHECK((ports.ev[2].kind == 'r' && ports.ev[2].cycle == 15 && ports.ev[2].bank == 0 && ports.ev[2].atom == 2));
    CHECK((ports.ev[3].kind == 'q' && ports.ev[3].cycle == 10 + acc_lat + 2 && ports.ev[3].bank == 1));
    CHECK(ports.ev[3].data == res);
    float words[8];
    std::memcpy(words, res.data(), 32);
    for (float w : words) CHECK(w == 1.0f);
    // busy_o: bank B in cycles 11 .. 10 + AccLat, bank A in 15 .. 14 + AccLat.
    CHECK(unit.busy_mask(10) == 0);
    CHECK(unit.busy_mask(11) == 2);
    CHECK(unit.busy_mask(15) == 3);
    CHECK(unit.busy_mask(10 + acc_lat + 1) == 1);
    CHECK(unit.busy_mask(14 + acc_lat + 1) == 0);
    CHECK(unit.comps(pim_unit::Mode::su) == 1);
    CHECK(unit.comps(pim_unit::Mode::score) == 1);
  }
}

TEST_CASE("err_cause_at: a command's cause shows from the next cycle, a COMP's DATA cause from issue + 3") {
  PimUnit unit;
  std::vector<std::uint8_t> row(PimUnit::kRowBytes, 0);
  row[32 * 4 + 14] = 0xFF;  // atom 4, block 0: E = 255
  PimUnit::Rows rows{{row.data(), nullptr}};
  REQUIRE(unit.issue(Command::comp(0, 4), 20, rows));
  CHECK(unit.err_cause_at(22) == 0);
  CHECK(unit.err_cause_at(23) == pim_unit::kErrData);  // set at the edge ending the CAP cycle 22
  CHECK_FALSE(unit.issue(Command::comp(0, 5), 21, rows));  // 1 cycle later: RATE
  CHECK(unit.err_cause_at(22) == pim_unit::kErrRate);
  CHECK(unit.err_cause_at(23) == (pim_unit::kErrRate | pim_unit::kErrData));
  CHECK_FALSE(unit.comp_allowed(23));
  CHECK(unit.comp_allowed(24));
}

TEST_CASE("reset in cycle t: write-backs before t reach the row, later ones and every register, rate and cause reset") {
  PimUnit unit(pim_unit::PuParams{8, 2});
  Ports ports;
  unit.set_observer(&ports);
  std::vector<std::uint8_t> row(PimUnit::kRowBytes, 0);
  PimUnit::Rows rows{{row.data(), nullptr}};
  for (int a = 0; a < 2; ++a) {
    const auto h = atom_of(fill(1.0f));
    std::memcpy(row.data() + 32 * a, h.data(), 32);
  }
  REQUIRE(unit.issue(Command::reg_wr(0, 0, Slot::gk, atom_of(fill(0.5f)).data()), 0, rows));
  REQUIRE(unit.issue(Command::reg_wr(0, 0, Slot::q, atom_of(fill(2.0f)).data()), 1, rows));
  REQUIRE(unit.issue(Command::cfg_wr(0, pim_unit::CfgReg::seed, 77), 2, rows));
  REQUIRE(unit.issue(Command::comp(0, 0), 10, rows));  // write-back in cycle 21
  REQUIRE(unit.issue(Command::comp(0, 1), 14, rows));  // write-back in cycle 25
  CHECK_FALSE(unit.issue(Command::clear(0), 15, rows));  // BUSY
  // Reset asserted in cycle 22: the first write-back (cycle 21) landed, the
  // second is discarded.
  unit.reset(22);
  // Commands of the reset cycle or earlier are out of order.
  CHECK_THROWS_AS(unit.issue(Command::nop(), 22, rows), std::logic_error);
  CHECK(decode(row.data()) == fill(0.5f));
  CHECK(decode(row.data() + 32) == fill(1.0f));
  CHECK_FALSE(unit.writeback_pending());
  CHECK(unit.err_cause_at(23) == 0);
  CHECK(unit.busy_mask(23) == 0);
  CHECK(unit.acc(0) == fill(0.0f));
  CHECK(unit.set_sel(0) == 0);
  CHECK(unit.mode(0) == pim_unit::Mode::su);
  CHECK(decode(unit.slice(0, 0, Slot::gk).data()) == fill(0.0f));
  // GV's reset value: field 0x20, E = 127 (1.0), the MX8 encoding of 1.0.
  float one[32];
  for (float& v : one) v = 1.0f;
  CHECK(unit.slice(0, 0, Slot::gv) == golden::encode_atom_bytes(one));
  CHECK(unit.slice(0, 1, Slot::gv) == golden::encode_atom_bytes(one));
  // The COMP rate starts over: a COMP right after the reset is legal, and
  // with k = gk = 0 it writes +0 back.
  CHECK(unit.comp_allowed(23));
  REQUIRE(unit.issue(Command::comp(0, 1), 23, rows));
  unit.settle_all();
  CHECK(decode(row.data() + 32) == fill(0.0f));
}

TEST_CASE("command rules alone: which COMPs are accepted and which bank mode they run in") {
  // What the RTL wrapper asks of them: an accepted COMP in SU mode writes back.
  pim_unit::CommandRules rules(pim_unit::PuParams{8, 2});
  const auto legal = [&](const Command& c, pim_unit::Cycle t) {
    const bool ok = rules.check(c, t) == 0;
    if (ok) rules.accept(c, t);
    return ok;
  };
  CHECK(legal(Command::ctrl(1, pim_unit::Mode::score, false, 1), 0));
  CHECK(rules.mode(1) == pim_unit::Mode::score);
  CHECK(rules.set_sel(1) == 1);
  CHECK(legal(Command::comp(0, 3), 5));
  CHECK(rules.last_comp() == 5);
  std::string why;
  CHECK(rules.check(Command::comp(1, 3), 8, &why) == pim_unit::kErrRate);  // 3 cycles later
  CHECK(why == "COMP 3 cycles after the previous one (at least 4)");
  CHECK(rules.last_comp() == 5);
  // Bank A busy in cycles 6 .. 5 + AccLat (16): its CTRL is refused and the
  // mode stays SU; bank B's is legal.
  CHECK(rules.check(Command::ctrl(0, pim_unit::Mode::attend), 21, &why) == pim_unit::kErrBusy);
  CHECK(why == "configuration write to a busy bank");
  CHECK(rules.mode(0) == pim_unit::Mode::su);
  CHECK(legal(Command::ctrl(1, pim_unit::Mode::su, true, 0), 21));
  CHECK(rules.stochastic(1));
  CHECK(legal(Command::ctrl(0, pim_unit::Mode::attend), 22));
  CHECK(rules.mode(0) == pim_unit::Mode::attend);
  // Illegal values: mode 3 (CFG), set_sel beyond RegSets (CFG), register 3 (ADDR).
  CHECK(rules.check(Command::cfg_wr(0, pim_unit::CfgReg::ctrl, 3), 30) == pim_unit::kErrCfg);
  CHECK(rules.check(Command::ctrl(0, pim_unit::Mode::su, false, 2), 30) == pim_unit::kErrCfg);
  CHECK(rules.check(Command::cfg_wr(0, static_cast<pim_unit::CfgReg>(3), 0), 30) == pim_unit::kErrAddr);
  rules.reset();
  CHECK(rules.mode(0) == pim_unit::Mode::su);
  CHECK(rules.mode(1) == pim_unit::Mode::su);
  CHECK(rules.comp_allowed(0));
}
