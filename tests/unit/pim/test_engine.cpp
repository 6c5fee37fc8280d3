// Channel-level behaviour of the engine: shared command bus, stream order,
// controller window, refresh slots, the barrier rule; and agreement with a
// deliberately naive cycle-by-cycle model on random streams.
#include <catch2/catch.hpp>

#include <algorithm>
#include <random>

#include "helpers.h"
#include "pim/checker.h"
#include "pim/engine.h"

using namespace pimtest;
using pimlab::pim::ChannelEngine;
using pimlab::pim::pimba_protocol;
using pimlab::pim::Protocol;

namespace {
std::vector<std::uint64_t> issue(const std::vector<Command>& s, const Protocol& p = pimba_protocol()) {
  ChannelEngine e(p, pimba_timing());
  std::vector<std::uint64_t> c;
  e.run(s, 2, &c);
  return c;
}

// Cycle-by-cycle model written from the rules alone: in each cycle, skip a
// refresh slot; otherwise look at the first `window` unissued commands and
// issue the oldest one whose pseudo-channel has issued everything before it,
// that satisfies every rule against every earlier command of its
// pseudo-channel, and (barrier) fits before the next refresh.
// Full refresh model: a refresh is due every nREFI; it takes the cycle once
// every pch is precharged (precharge + nRP); ACT4s keep nRFC from it; a
// barrier waits for a due refresh unless another pch is still open.
std::vector<std::uint64_t> naive(const std::vector<Command>& s, const Protocol& p,
                                 const pimlab::dram::DramSpec& t = pimba_timing(),
                                 std::vector<std::uint64_t>* refreshes = nullptr) {
  const bool full = p.refresh == pimlab::pim::RefreshModel::Full;
  std::vector<std::uint64_t> cyc(s.size(), 0);
  std::vector<bool> done(s.size(), false);
  std::size_t left = s.size();
  std::uint64_t due = static_cast<std::uint64_t>(t.t.nREFI), last_ref = 0;
  bool any_ref = false;
  bool open[2] = {false, false};
  std::uint64_t closed_at[2] = {0, 0};
  for (std::uint64_t c = 1; left > 0; ++c) {
    if (pimlab::pim::is_refresh_slot(c, t.t.nREFI, p.slot_cycles())) continue;
    if (full && c >= due && !open[0] && !open[1] && c >= closed_at[0] && c >= closed_at[1]) {
      last_ref = c;
      any_ref = true;
      due += static_cast<std::uint64_t>(t.t.nREFI);
      if (refreshes) refreshes->push_back(c);
      continue;
    }
    std::size_t seen = 0;
    for (std::size_t i = 0; i < s.size() && seen < static_cast<std::size_t>(p.window); ++i) {
      if (done[i]) continue;
      ++seen;
      bool ok = true;
      for (std::size_t j = 0; j < i && ok; ++j)
        if (s[j].pch == s[i].pch && !done[j]) ok = false;
      for (std::size_t j = 0; j < i && ok; ++j) {
        if (s[j].pch != s[i].pch) continue;
        for (const auto& r : p.set.rules)
          if (ok && r.from == pimlab::pim::class_name(s[j].kind) && r.to == pimlab::pim::class_name(s[i].kind) &&
              c < cyc[j] + static_cast<std::uint64_t>(pimlab::pim::rule_distance(r, t.t, s[j].arg)))
            ok = false;
      }
      if (ok && s[i].kind == CmdKind::RefreshBarrier)
        ok = c % t.t.nREFI + static_cast<std::uint64_t>(pimlab::pim::barrier_estimate(t.t, s[i].barrier())) <
             static_cast<std::uint64_t>(t.t.nREFI);
      if (ok && full && s[i].kind == CmdKind::RefreshBarrier && c >= due && !open[1 - s[i].pch]) ok = false;
      if (ok && full && any_ref && pimlab::pim::is_act4(s[i].kind) &&
          c < last_ref + static_cast<std::uint64_t>(t.t.nRFC))
        ok = false;
      if (ok) {
        if (pimlab::pim::is_act4(s[i].kind)) open[s[i].pch] = true;
        if (pimlab::pim::is_precharge(s[i].kind)) {
          open[s[i].pch] = false;
          closed_at[s[i].pch] = c + static_cast<std::uint64_t>(t.t.nRP);
        }
        cyc[i] = c;
        done[i] = true;
        --left;
        break;
      }
    }
  }
  return cyc;
}

// A random but well-formed stream: rounds of the Pimba shape on two
// pseudo-channels, interleaved command by command, with random n, comps and
// the no-command-scheduling form mixed in.
std::vector<Command> random_stream(std::mt19937& rng, int rounds) {
  std::vector<Command> per[2];
  for (int pch = 0; pch < 2; ++pch) {
    for (int r = 0; r < rounds; ++r) {
      const bool sched = rng() % 3 != 0;
      const int v = 1 + static_cast<int>(rng() % 2);
      const int comps = 8 + static_cast<int>(rng() % 40);
      std::vector<unsigned> n(4);
      unsigned regs = 0;
      for (auto& x : n) regs += (x = 1 + rng() % 20);
      per[pch].push_back(barrier(pch, regs, v, comps, sched ? 1 : 0));
      for (unsigned x : n) {
        if (sched) {
          per[pch].push_back(cmd(CmdKind::Act4WithReg, pch, x));
        } else {
          per[pch].push_back(cmd(CmdKind::Act4, pch));
          for (unsigned k = 0; k < x; ++k) per[pch].push_back(cmd(CmdKind::RegWrite, pch));
        }
      }
      for (int k = 0; k < comps; ++k) per[pch].push_back(cmd(CmdKind::Comp, pch));
      const unsigned res = 8u * static_cast<unsigned>(v);
      if (sched) {
        per[pch].push_back(cmd(CmdKind::PrechargeWithResult, pch, res));
      } else {
        per[pch].push_back(cmd(CmdKind::Precharge, pch));
        for (unsigned k = 0; k < res; ++k) per[pch].push_back(cmd(CmdKind::Result, pch));
      }
    }
  }
  std::vector<Command> out;
  for (std::size_t i = 0; i < std::max(per[0].size(), per[1].size()); ++i)
    for (auto& p : per)
      if (i < p.size()) out.push_back(p[i]);
  return out;
}
}  // namespace

TEST_CASE("the two pseudo-channels share one command slot per cycle, oldest first") {
  // Stream pch0 barrier, pch1 barrier, pch0 ACT4, pch1 ACT4: all ready from
  // cycle 1 on, so they issue in stream order in cycles 1, 2, 3, 4.
  const auto c = issue({barrier(0, 16, 1, 64), barrier(1, 16, 1, 64), cmd(CmdKind::Act4WithReg, 0, 4),
                        cmd(CmdKind::Act4WithReg, 1, 4)});
  CHECK(c == std::vector<std::uint64_t>{1, 2, 3, 4});
}

TEST_CASE("a younger ready command passes an older blocked one of the other pseudo-channel") {
  // pch0: ACT4 (1), COMP (needs 15). pch1's barrier is younger but ready: 2.
  const auto c = issue({cmd(CmdKind::Act4, 0), cmd(CmdKind::Comp, 0), barrier(1, 0, 1, 0)});
  CHECK(c == std::vector<std::uint64_t>{1, 15, 2});
}

TEST_CASE("controller window: 32 pending commands, refilled in stream order") {
  // pch0: ACT4 then 40 COMPs (cycles 1, 15, 19, ..., 15 + 4k); pch1's barrier
  // is stream position 41. It enters the window once at most 31 older
  // commands are pending, i.e. after 41 - 31 = 10 pch0 commands issued: the
  // 10th is COMP #9 at 15 + 8*4 = 47, so the barrier issues in cycle 48.
  std::vector<Command> s{cmd(CmdKind::Act4, 0)};
  for (int i = 0; i < 40; ++i) s.push_back(cmd(CmdKind::Comp, 0));
  s.push_back(barrier(1, 0, 1, 0));
  auto c = issue(s);
  CHECK(c[40] == 15 + 39 * 4);
  CHECK(c[41] == 48);
  // With a window of 64 it would issue in cycle 2.
  Protocol wide = pimba_protocol();
  wide.window = 64;
  CHECK(issue(s, wide)[41] == 2);
  // The checker flags the cycle-2 schedule under the 32-entry window.
  c[41] = 2;
  const auto v = pimlab::pim::check_channel(pimba_protocol(), pimba_timing(), s, c, 2);
  REQUIRE(v.size() == 1);
  CHECK(v[0].rule == "window");
}

TEST_CASE("refresh slot and the barrier's refresh window") {
  // Barriers with regs 0, v 1, comps 0 estimate 3*30 + 14 + 32 + 0 + 16 = 152
  // cycles, so one may issue at c only if c mod 3900 <= 3747. Back to back
  // (no rule between barriers): cycles 1..3747, then the next waits for the
  // next interval: cycle 3900 is the refresh slot, so 3901 (the reference
  // artifact issues no refresh: 3900).
  std::vector<Command> s(3749, barrier(0, 0, 1, 0));
  const auto c = issue(s);
  CHECK(c[3746] == 3747);
  CHECK(c[3747] == 3901);
  CHECK(c[3748] == 3902);
  const auto a = issue(s, pimba_protocol(true));
  CHECK(a[3747] == 3900);
  ChannelEngine e(pimba_protocol(), pimba_timing());
  CHECK(e.run(s, 2).counters.refreshes == 1);
}

TEST_CASE("a round that can never fit before a refresh is an error") {
  // comps 1000: estimate > 4000 > nREFI.
  ChannelEngine e(pimba_protocol(), pimba_timing());
  CHECK_THROWS_WITH(e.run({barrier(0, 16, 1, 1000)}, 2), Catch::Contains("does not fit in nREFI"));
  CHECK_THROWS_WITH(e.run({barrier(3, 16, 1, 10)}, 2), Catch::Contains("pseudo-channel 3 out of range"));
}

TEST_CASE("event-driven engine equals a cycle-by-cycle model on random streams") {
  std::mt19937 rng(20261121);
  for (int trial = 0; trial < 12; ++trial) {
    const auto s = random_stream(rng, 2 + trial % 3);
    for (bool artifact : {false, true}) {
      const Protocol p = pimba_protocol(artifact);
      const auto fast = issue(s, p);
      REQUIRE(fast == naive(s, p));
      CHECK(pimlab::pim::check_channel(p, pimba_timing(), s, fast, 2).empty());
    }
  }
}

TEST_CASE("checker catches an illegal sequence: bus conflict, order and rule") {
  // Hand-written schedule: ACT4_WITH_REG_4 at 1, COMP at 10 (needs 19),
  // pch1 barrier also at 10 (bus), then a second COMP at 5 (before the first).
  const std::vector<Command> s{cmd(CmdKind::Act4WithReg, 0, 4), cmd(CmdKind::Comp, 0), barrier(1, 0, 1, 0),
                               cmd(CmdKind::Comp, 0)};
  const std::vector<std::uint64_t> c{1, 10, 10, 5};
  const auto v = pimlab::pim::check_channel(pimba_protocol(), pimba_timing(), s, c, 2);
  auto has = [&](const std::string& rule, std::size_t i) {
    return std::any_of(v.begin(), v.end(), [&](const auto& x) { return x.rule == rule && x.index == i; });
  };
  CHECK(has("act4_reg_to_comp", 1));
  CHECK(has("command_bus", 2));
  CHECK(has("order", 3));
}

TEST_CASE("one global trace reader stalls at a full channel but independent channels do not") {
  // Global trace: channel 0 gets ACT4 + 39 COMPs (cycles 1, 15, 19, ...),
  // then channel 1 one barrier. With a 32-entry window the reader hands
  // channel 0 its first 32 commands and stalls on the 33rd until channel 0
  // frees a slot; the barrier (global entry 40) is read only after channel
  // 0's 8th issue (cycle 39), so it issues in cycle 40. With the reference's
  // 33 entries, after the 7th issue (cycle 35): cycle 36. Fed independently
  // it issues in cycle 1.
  std::vector<std::vector<Command>> streams(2);
  streams[0].push_back(cmd(CmdKind::Act4, 0));
  for (int i = 0; i < 39; ++i) streams[0].push_back(cmd(CmdKind::Comp, 0));
  Command b = barrier(0, 0, 1, 0);
  b.ch = 1;
  streams[1].push_back(b);
  std::vector<std::uint16_t> feed(40, 0);
  feed.push_back(1);
  Protocol p32 = pimba_protocol(true);
  REQUIRE(p32.window == 33);
  ChannelEngine e33(p32, pimba_timing());
  std::vector<std::vector<std::uint64_t>> c;
  e33.run(streams, 2, feed, &c);
  CHECK(c[1][0] == 36);
  p32.window = 32;
  ChannelEngine e(p32, pimba_timing());
  e.run(streams, 2, feed, &c);
  CHECK(c[1][0] == 40);
  CHECK(c[0][39] == 15 + 38 * 4);
  e.run(streams, 2, &c);
  CHECK(c[1][0] == 1);
  // A feed order that does not match the streams is rejected.
  CHECK_THROWS_WITH(e.run(streams, 2, std::vector<std::uint16_t>(41, 0)), Catch::Contains("feed order gives channel 0"));
}

TEST_CASE("full refresh model: REFab when precharged, ACT4 nRFC later, barrier waits for it") {
  // As in the slot test, barriers 1..3747, then the next one misses the
  // refresh window. At 3900 the refresh is due and every bank is closed (no
  // ACT4 yet): REFab in 3900, the barrier in 3901; the ACT4 after it waits
  // nRFC = 350: cycle 4250.
  std::vector<Command> s(3748, barrier(0, 0, 1, 0));
  s.push_back(cmd(CmdKind::Act4WithReg, 0, 4));
  Protocol p = pimba_protocol();
  p.refresh = pimlab::pim::RefreshModel::Full;
  ChannelEngine e(p, pimba_timing());
  std::vector<std::vector<std::uint64_t>> c;
  const auto r = e.run({s}, 2, &c);
  REQUIRE(r.refresh_cycles[0] == std::vector<std::uint64_t>{3900});
  CHECK(c[0][3746] == 3747);
  CHECK(c[0][3747] == 3901);
  CHECK(c[0][3748] == 4250);
  CHECK(r.counters.refreshes == 1);
  CHECK(pimlab::pim::check_channel(p, pimba_timing(), s, c[0], 2, 100, &r.refresh_cycles[0]).empty());
  // The checker catches an ACT4 inside nRFC and a refresh on open banks.
  auto bad = c[0];
  bad[3748] = 4249;
  auto v = pimlab::pim::check_channel(p, pimba_timing(), s, bad, 2, 100, &r.refresh_cycles[0]);
  REQUIRE(v.size() == 1);
  CHECK(v[0].rule == "refresh_to_act4");
  const std::vector<Command> open{cmd(CmdKind::Act4WithReg, 0, 4), cmd(CmdKind::PrechargeWithResult, 0, 8)};
  const std::vector<std::uint64_t> oc{3000, 3950}, refs{3900};
  v = pimlab::pim::check_channel(p, pimba_timing(), open, oc, 2, 100, &refs);
  REQUIRE(v.size() == 1);
  CHECK(v[0].rule == "refresh_banks_closed");
}

TEST_CASE("full refresh model equals the cycle-by-cycle model on random streams") {
  // A short refresh interval (nREFI 800, nRFC 100) so every stream crosses
  // several refreshes; every random round's estimate fits in 800.
  auto t = pimba_timing();
  t.t.nREFI = 800;
  t.t.nRFC = 100;
  Protocol p = pimba_protocol();
  p.refresh = pimlab::pim::RefreshModel::Full;
  ChannelEngine e(p, t);
  std::mt19937 rng(42);
  for (int trial = 0; trial < 10; ++trial) {
    const auto s = random_stream(rng, 3 + trial % 3);
    std::vector<std::vector<std::uint64_t>> c;
    const auto r = e.run({s}, 2, &c);
    std::vector<std::uint64_t> refs;
    REQUIRE(c[0] == naive(s, p, t, &refs));
    CHECK(r.refresh_cycles[0] == refs);
    CHECK(!refs.empty());
    CHECK(pimlab::pim::check_channel(p, t, s, c[0], 2, 100, &refs).empty());
  }
}

TEST_CASE("energy with the reference's per-event table") {
  // SU Pimba 16 x 128 x 64: num_act 128, num_comp 512, num_rdwr 840:
  // 901.12*128 + 919.04*840 + 478.72*512 = 115343.36 + 771993.6 + 245104.64.
  pimlab::pim::Counters c;
  c.num_act = 128;
  c.num_comp = 512;
  c.num_rdwr = 840;
  CHECK(pimlab::pim::energy_pj(c, {}) == Approx(1132441.6).epsilon(1e-12));
}

namespace {
// Cycle-by-cycle model of several channels fed by one reader: at the start of
// each cycle the reader hands out commands in feed order until it meets a
// channel whose window is full; then every channel issues the oldest of its
// handed-over commands that is ready (same tests as naive(), Slot/Off refresh).
std::vector<std::vector<std::uint64_t>> naive_global(const std::vector<std::vector<Command>>& s,
                                                     const std::vector<std::uint16_t>& feed, const Protocol& p) {
  const auto t = pimba_timing();
  const std::size_t nch = s.size();
  std::vector<std::vector<std::uint64_t>> cyc(nch);
  std::vector<std::vector<bool>> done(nch);
  std::vector<std::size_t> sent(nch, 0), issued(nch, 0);
  std::size_t left = 0, g = 0;
  for (std::size_t c = 0; c < nch; ++c) {
    cyc[c].assign(s[c].size(), 0);
    done[c].assign(s[c].size(), false);
    left += s[c].size();
  }
  for (std::uint64_t c = 1; left > 0; ++c) {
    while (g < feed.size() && sent[feed[g]] - issued[feed[g]] < static_cast<std::size_t>(p.window)) ++sent[feed[g++]];
    if (pimlab::pim::is_refresh_slot(c, t.t.nREFI, p.slot_cycles())) continue;
    for (std::size_t ch = 0; ch < nch; ++ch) {
      const auto& st = s[ch];
      for (std::size_t i = 0; i < sent[ch]; ++i) {
        if (done[ch][i]) continue;
        bool ok = true;
        for (std::size_t j = 0; j < i && ok; ++j)
          if (st[j].pch == st[i].pch && !done[ch][j]) ok = false;
        for (std::size_t j = 0; j < i && ok; ++j) {
          if (st[j].pch != st[i].pch) continue;
          for (const auto& r : p.set.rules)
            if (ok && r.from == pimlab::pim::class_name(st[j].kind) && r.to == pimlab::pim::class_name(st[i].kind) &&
                c < cyc[ch][j] + static_cast<std::uint64_t>(pimlab::pim::rule_distance(r, t.t, st[j].arg)))
              ok = false;
        }
        if (ok && st[i].kind == CmdKind::RefreshBarrier)
          ok = c % t.t.nREFI + static_cast<std::uint64_t>(pimlab::pim::barrier_estimate(t.t, st[i].barrier())) <
               static_cast<std::uint64_t>(t.t.nREFI);
        if (ok) {
          cyc[ch][i] = c;
          done[ch][i] = true;
          ++issued[ch];
          --left;
          break;
        }
      }
    }
  }
  return cyc;
}
}  // namespace

TEST_CASE("global reader: event-driven engine equals a cycle-by-cycle model on random channels") {
  // Three channels with different random streams; the feed is a random merge
  // of the three channel orders, so the reader stalls in varied places.
  std::mt19937 rng(99);
  for (int trial = 0; trial < 6; ++trial) {
    std::vector<std::vector<Command>> s(3);
    for (std::size_t c = 0; c < 3; ++c) {
      s[c] = random_stream(rng, 1 + static_cast<int>(rng() % 3));
      for (auto& x : s[c]) x.ch = static_cast<std::uint16_t>(c);
    }
    std::vector<std::uint16_t> feed;
    std::vector<std::size_t> left{s[0].size(), s[1].size(), s[2].size()};
    while (left[0] + left[1] + left[2] > 0) {
      const auto c = static_cast<std::uint16_t>(rng() % 3);
      // Runs of up to 40 from one channel, to fill its window and stall the reader.
      for (std::size_t k = rng() % 40; k > 0 && left[c] > 0; --k, --left[c]) feed.push_back(c);
    }
    for (bool artifact : {false, true}) {
      const Protocol p = pimba_protocol(artifact);
      ChannelEngine e(p, pimba_timing());
      std::vector<std::vector<std::uint64_t>> c;
      e.run(s, 2, feed, &c);
      REQUIRE(c == naive_global(s, feed, p));
    }
  }
}
