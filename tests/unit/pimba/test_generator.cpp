// Kernel -> command generator: geometry, the block-row assignment rule, the
// trace samples of the reference, every chunk exactly once, and the
// artifact-compatible loss of work.
#include <catch2/catch.hpp>

#include <fstream>
#include <random>
#include <set>
#include <sstream>
#include <string>

#include "dram/spec.h"
#include "firmware/pimba/generator.h"
#include "pim/engine.h"
#include "pim/trace.h"

using namespace pimlab::firmware::pimba;
using pimlab::pim::CmdKind;

namespace {
KernelSpec spec(Op op, const std::string& variant, int num_op, int rows, int cols, int channels = 1) {
  KernelSpec k;
  k.op = op;
  k.variant = variant;
  k.num_op = num_op;
  k.rows = rows;
  k.cols = cols;
  k.channels = channels;
  return k;
}
std::vector<std::string> lines_of(std::istream& is, std::size_t n) {
  std::vector<std::string> out;
  std::string l;
  while (out.size() < n && std::getline(is, l)) out.push_back(l);
  return out;
}
}  // namespace

TEST_CASE("geometry: chunks, v_count, comps and results per round") {
  // Pimba (w = 1): chunk = 32 rows x 32 cols, v_count 1; SU 16 x 128 x 64:
  // R = ceil(128/32)*16 = 64, C = 2; comps 32*2 = 64; r = 8*1 = 8.
  Geometry g = geometry(spec(Op::SU, "pimba", 16, 128, 64));
  CHECK(g.chunk_rows == 32);
  CHECK(g.v_count == 1);
  CHECK(g.block_rows == 64);
  CHECK(g.block_cols == 2);
  CHECK(g.chunks == 128);
  CHECK(g.comps_per_round == 64);
  CHECK(g.results_per_round == 8);
  // HBM-PIM (w = 2): chunk = 16 rows; SU comps 32*8 = 256; r = 16.
  g = geometry(spec(Op::SU, "hbm-pim", 16, 128, 64));
  CHECK(g.chunk_rows == 16);
  CHECK(g.v_count == 2);
  CHECK(g.block_rows == 128);
  CHECK(g.comps_per_round == 256);
  CHECK(g.results_per_round == 16);
  CHECK(geometry(spec(Op::SU, "time-multiplexed", 1, 16, 32)).comps_per_round == 128);
  CHECK(geometry(spec(Op::SU, "pipelined", 1, 16, 32)).comps_per_round == 64);
  // SCORE / ATTEND: 64 comps for every design; ATTEND reads 8 results.
  CHECK(geometry(spec(Op::Score, "hbm-pim", 1, 128, 256)).results_per_round == 16);
  CHECK(geometry(spec(Op::Attend, "hbm-pim", 1, 128, 256)).results_per_round == 8);
  CHECK(geometry(spec(Op::Attend, "hbm-pim", 1, 128, 256)).comps_per_round == 64);
  // Ragged shapes round up: 100 rows -> 4 block-rows of 32; 33 cols -> 2.
  g = geometry(spec(Op::SU, "pimba", 3, 100, 33));
  CHECK(g.block_rows == 12);
  CHECK(g.block_cols == 2);
}

TEST_CASE("generated traces reproduce the reference samples line for line") {
  for (const auto& [variant, file] :
       {std::pair<std::string, std::string>{"pimba", "pimba_trace_sample_SU_Pimba_n16_128x64_1ch.txt"},
        {"hbm-pim", "pimba_trace_sample_SU_HBM-PIM_n16_128x64_1ch.txt"}}) {
    std::ifstream f(std::string(PIMLAB_ORACLE_DIR) + "/" + file);
    REQUIRE(f);
    const auto want = lines_of(f, 1000);
    REQUIRE(want.size() == 60);
    std::ostringstream os;
    write_trace(os, generate(spec(Op::SU, variant, 16, 128, 64)));
    std::istringstream is(os.str());
    CHECK(lines_of(is, want.size()) == want);
  }
}

TEST_CASE("block-row assignment: keep walking, else fewest columns done, lowest index") {
  // SU Pimba, num_op 6, 128 x 64, 1 channel: R = 4*6 = 24 block-rows, C = 2,
  // 48 chunks, 16 banks per pch.
  //  round 0 (pch0): bank b -> row b, col 0 (new rows, 3 + 1 = 4 writes each)
  //  round 1 (pch1): banks 0-7 -> rows 16-23 col 0; banks 8-15 -> the rows
  //     with the fewest columns done (1) and lowest index: rows 0-7, col 1
  //  round 2 (pch0): every bank's row is complete or taken: banks 0-7 -> rows
  //     8-15 col 1; banks 8-15 -> rows 16-23 col 1 (all new for the bank).
  const Program p = generate(spec(Op::SU, "pimba", 6, 128, 64));
  REQUIRE(p.rounds.size() == 3);
  for (int b = 0; b < 16; ++b) {
    CHECK(p.rounds[0].banks[b].block_row == b);
    CHECK(p.rounds[0].banks[b].block_col == 0);
    CHECK(p.rounds[1].banks[b].block_row == (b < 8 ? 16 + b : b - 8));
    CHECK(p.rounds[1].banks[b].block_col == (b < 8 ? 0 : 1));
    CHECK(p.rounds[2].banks[b].block_row == 8 + b);
    CHECK(p.rounds[2].banks[b].block_col == 1);
    CHECK(p.rounds[2].banks[b].new_block_row);
  }
  CHECK(p.rounds[1].pch == 1);
  CHECK(p.rounds[2].pch == 0);
  CHECK(p.rounds[2].regs == 64);
  // Commands lead back to their round: pch1's third ACT4 (bank group 2)
  // opens banks 8-11, which work on block-rows 0-3, column 1.
  const auto& s1 = p.pch_streams[1];
  REQUIRE(s1[3].kind == CmdKind::Act4WithReg);
  CHECK(s1[3].bank_group == 2);
  const Round& r1 = round_of(p, s1[3]);
  CHECK(r1.pch == 1);
  CHECK(r1.banks[8].block_row == 0);
  CHECK(r1.banks[11].block_row == 3);
  CHECK(r1.banks[11].block_col == 1);
  CHECK(r1.banks[11].reg_writes == 4);
  // Physically faithful: all 48 chunks reach the channel.
  CHECK(p.chunks_issued == 48);
}

TEST_CASE("chunk grouping: later chunks of a block-row need only the v slice") {
  // SU Pimba 16 x 128 x 64: round 0 of a pch has 16 new rows (4 writes per
  // bank, ACT4_WITH_REG_16); round 1 continues them (1 write: ACT4_WITH_REG_4).
  const Program p = generate(spec(Op::SU, "pimba", 16, 128, 64));
  CHECK(p.rounds[0].regs == 64);
  CHECK(p.rounds[2].regs == 16);
  KernelSpec k = spec(Op::SU, "pimba", 16, 128, 64);
  k.chunk_group = false;
  const Program q = generate(k);
  CHECK(q.rounds[2].regs == 64);
  // Without command scheduling: ACT4 + n REG_WRITE and PRECHARGE + r RESULT.
  k.cmd_sched = false;
  const Program s = generate(k);
  const auto& st = s.pch_streams[0];
  CHECK(st[0].kind == CmdKind::RefreshBarrier);
  CHECK(st[0].sched == 0);
  CHECK(st[1].kind == CmdKind::Act4);
  for (int i = 2; i < 18; ++i) CHECK(st[i].kind == CmdKind::RegWrite);
  CHECK(st[18].kind == CmdKind::Act4);
  // 1 + 4 * (1 + 16) + 64 comps, then PRECHARGE and 8 RESULTs.
  CHECK(st[1 + 68 + 64].kind == CmdKind::Precharge);
  CHECK(st[1 + 68 + 64 + 8].kind == CmdKind::Result);
}

TEST_CASE("every chunk is processed exactly once, also when work does not divide evenly") {
  std::mt19937 rng(7);
  const char* variants[] = {"pimba", "hbm-pim", "time-multiplexed", "pipelined"};
  for (int trial = 0; trial < 40; ++trial) {
    KernelSpec k = spec(static_cast<Op>(rng() % 3), variants[rng() % 4], 1 + static_cast<int>(rng() % 9),
                        1 + static_cast<int>(rng() % 300), 1 + static_cast<int>(rng() % 700),
                        1 + static_cast<int>(rng() % 6));
    const Program p = generate(k);
    std::set<std::pair<int, int>> seen;
    for (const Round& r : p.rounds)
      for (const BankWork& w : r.banks)
        if (w.block_row >= 0) {
          CHECK(w.block_row < p.geo.block_rows);
          CHECK(w.block_col < p.geo.block_cols);
          CHECK(seen.insert({w.block_row, w.block_col}).second);
        }
    CHECK(static_cast<std::int64_t>(seen.size()) == p.geo.chunks);
    CHECK(p.chunks_issued == p.geo.chunks);
    // Each round's chunks are behind its precharge in the stream.
    std::int64_t pre = 0;
    for (const auto& s : p.pch_streams)
      for (const auto& c : s)
        if (pimlab::pim::is_precharge(c.kind)) pre += p.rounds[c.round].chunks;
    CHECK(pre == p.geo.chunks);
  }
}

TEST_CASE("a partial last round activates only the bank groups with work") {
  // SU Pimba num_op 5, 128 x 32: R = 20, C = 1, 20 chunks. pch0 gets 16,
  // pch1 gets 4: banks 0-3 = bank group 0, rows 16-19, 4 writes each:
  // barrier(regs 16), ACT4_WITH_REG_16 (bank group 0 only), 64 COMP, PRECHARGE_WITH_RESULT_8.
  const Program p = generate(spec(Op::SU, "pimba", 5, 128, 32));
  REQUIRE(p.pch_streams.size() == 2);
  const auto& s = p.pch_streams[1];
  REQUIRE(s.size() == 1 + 1 + 64 + 1);
  CHECK(s[0].arg == 16);
  CHECK(s[1].kind == CmdKind::Act4WithReg);
  CHECK(s[1].arg == 16);
  CHECK(s[1].bank_group == 0);
  CHECK(s.back().kind == CmdKind::PrechargeWithResult);
  // The reference generator cannot produce this shape.
  KernelSpec k = spec(Op::SU, "pimba", 5, 128, 32);
  k.artifact_compatible = true;
  CHECK_THROWS_WITH(generate(k), Catch::Contains("runs out of block rows"));
}

TEST_CASE("artifact-compatible: the stream zip silently drops the longer streams' tail") {
  // 48 chunks on 1 channel (see the assignment test): pch0 has rounds 0 and 2,
  // pch1 only round 1. The reference zips the two streams, so pch0's second
  // round (16 chunks) never reaches the channel.
  KernelSpec k = spec(Op::SU, "pimba", 6, 128, 64);
  k.artifact_compatible = true;
  const Program p = generate(k);
  CHECK(p.geo.chunks == 48);
  CHECK(p.chunks_issued == 32);
  CHECK(p.commands == 2 * 70);
  // 40 channels, SU Pimba 64 x 256 x 512: 8192 chunks = 512 rounds over 80
  // pseudo-channels: 6 full sweeps (480 rounds) and 32 rounds more; the zip
  // keeps 6 rounds per pseudo-channel and drops 32 * 16 = 512 chunks.
  k = spec(Op::SU, "pimba", 64, 256, 512, 40);
  k.artifact_compatible = true;
  const Program q = generate(k);
  CHECK(q.chunks_issued == 8192 - 512);
  k.artifact_compatible = false;
  CHECK(generate(k).chunks_issued == 8192);
}

TEST_CASE("channel sweep: channel outer, pseudo-channel inner, generation stops when done") {
  // SCORE Pimba 1 x 128 x 256: 32 chunks = 2 rounds: ch0 pch0, ch0 pch1;
  // channel 1 of 2 gets no work.
  const Program p = generate(spec(Op::Score, "pimba", 1, 128, 256, 2));
  REQUIRE(p.rounds.size() == 2);
  CHECK(p.rounds[0].ch == 0);
  CHECK(p.rounds[1].ch == 0);
  CHECK(p.rounds[1].pch == 1);
  CHECK(p.channel_streams[1].empty());
  // 96 chunks on 2 channels: ch0 pch0, ch0 pch1, ch1 pch0, ch1 pch1, ch0 pch0, ch0 pch1.
  const Program q = generate(spec(Op::Score, "pimba", 3, 128, 256, 2));
  REQUIRE(q.rounds.size() == 6);
  CHECK(q.rounds[2].ch == 1);
  CHECK(q.rounds[4].ch == 0);
  CHECK(q.rounds[4].index_in_pch == 1);
}

TEST_CASE("bad kernel specifications are rejected with the field and the range") {
  CHECK_THROWS_WITH(generate(spec(Op::SU, "pimba", 0, 128, 64)), "num_op 0 out of range [1, 16777216]");
  CHECK_THROWS_WITH(generate(spec(Op::SU, "pimba", 1, 128, 64, 0)), "channels 0 out of range [1, 1024]");
  CHECK_THROWS_WITH(generate(spec(Op::SU, "nope", 1, 128, 64)), Catch::Contains("unknown PIM variant 'nope'"));
  CHECK_THROWS_WITH(parse_op("gemm"), "unknown kernel op 'gemm' (allowed: su, score, attend)");
}

TEST_CASE("a written trace replays to the same schedule (40 channels, both modes)") {
  // The exchange trace carries everything the engine needs: reading it back
  // and feeding channels in file order gives the same cycles and counts as
  // the generator's own streams.
  for (bool artifact : {false, true}) {
    KernelSpec k = spec(Op::SU, "pimba", 64, 128, 192, 40);
    k.artifact_compatible = artifact;
    const Program p = generate(k);
    std::stringstream trace;
    write_trace(trace, p);
    pimlab::pim::TraceLimits lim;
    lim.channels = 40;
    lim.reference_names_only = artifact;
    const auto cmds = pimlab::pim::read_trace(trace, "k40", lim);
    REQUIRE(cmds.size() == p.commands);
    std::vector<std::vector<pimlab::pim::Command>> streams(40);
    std::vector<std::uint16_t> feed;
    for (const auto& c : cmds) {
      streams[c.ch].push_back(c);
      feed.push_back(c.ch);
    }
    // The feed order is the channel of each trace line, in file order (in
    // the faithful mode the streams end at different lengths).
    CHECK(feed_order(p) == feed);
    if (!artifact) {
      bool lengths_differ = false;
      for (const auto& s : p.pch_streams) lengths_differ = lengths_differ || s.size() != p.pch_streams[0].size();
      CHECK(lengths_differ);
    }
    const pimlab::pim::ChannelEngine e(pimlab::pim::pimba_protocol(artifact),
                                       pimlab::dram::preset("hbm2-pimba"));
    const auto a = artifact ? e.run(p.channel_streams, 2, feed_order(p)) : e.run(p.channel_streams, 2);
    const auto b = artifact ? e.run(streams, 2, feed) : e.run(streams, 2);
    CHECK(a.cycles == b.cycles);
    CHECK(a.counters.num_rdwr == b.counters.num_rdwr);
    CHECK(a.counters.commands == b.counters.commands);
    CHECK(a.channel_last_issue == b.channel_last_issue);
  }
}
