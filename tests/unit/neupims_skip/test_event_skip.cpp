// NewtonOptions::event_skip (idle cycles jumped over, refusals remembered
// until their first legal cycle, the bank-queue walk pruned) must not change
// a single result bit: each workload runs on the plain cycle-stepped
// controller (event_skip = false) and on the optimised one, and the command
// traces (cycle, class, address, argument of every command) and every counter
// (including both energies, compared as doubles with ==) must be equal. The
// workloads are the calibration micro-benchmarks, the serving back-end's
// shape (attention streams of several requests beside a striped NPU stream of
// reads and writes, as docs/serving_neupims.md describes) and seeded random
// streams, on the DUAL, SINGLE and DRAM controllers, faithful and
// artifact-compatible. The optimised traces also pass the rule checker.
#include <catch2/catch.hpp>

#include <cstdint>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "firmware/neupims/streams.h"
#include "pim/newton_checker.h"
#include "pim/newton_controller.h"

using namespace pimlab;
using pim::NewtonWorkload;
using pim::PimType;
using pim::Txn;
using pim::TxnType;
namespace np = pimlab::firmware::neupims;

namespace {

struct Run {
  pim::NewtonCounters c;
  std::vector<pim::NewtonIssued> trace;
};

Run run(PimType type, bool artifact, bool skip, const NewtonWorkload& w) {
  pim::NewtonOptions o;
  o.type = type;
  o.artifact_compatible = artifact;
  o.event_skip = skip;
  Run r;
  r.c = pim::run_newton(o, w, &r.trace);
  return r;
}

// Plain vs optimised: every command and every counter equal; returns the
// command count (so callers can require the workload did something).
std::size_t compare(PimType type, bool artifact, const NewtonWorkload& w) {
  INFO("type " << pim::pim_type_name(type) << (artifact ? " artifact" : " faithful") << ", " << w.pim.size()
               << " PIM + " << w.mem.size() << " memory transactions");
  const Run a = run(type, artifact, false, w), b = run(type, artifact, true, w);
  REQUIRE(a.trace.size() == b.trace.size());
  for (std::size_t i = 0; i < a.trace.size(); ++i) {
    const pim::NewtonIssued &x = a.trace[i], &y = b.trace[i];
    INFO("command " << i);
    REQUIRE(x.cycle == y.cycle);
    REQUIRE(x.cls == y.cls);
    REQUIRE(x.rank == y.rank);
    REQUIRE(x.bg == y.bg);
    REQUIRE(x.bank == y.bank);
    REQUIRE(x.row == y.row);
    REQUIRE(x.arg == y.arg);
  }
  const pim::NewtonCounters &p = a.c, &q = b.c;
  CHECK(p.cycles == q.cycles);
  CHECK(p.responses == q.responses);
  CHECK(p.expected == q.expected);
  CHECK(p.num_read_cmds == q.num_read_cmds);
  CHECK(p.num_write_cmds == q.num_write_cmds);
  CHECK(p.num_act_cmds == q.num_act_cmds);
  CHECK(p.num_pre_cmds == q.num_pre_cmds);
  CHECK(p.num_ref_cmds == q.num_ref_cmds);
  CHECK(p.num_gact_cmds == q.num_gact_cmds);
  CHECK(p.num_gwrite_cmds == q.num_gwrite_cmds);
  CHECK(p.num_comp_cmds == q.num_comp_cmds);
  CHECK(p.num_readres_cmds == q.num_readres_cmds);
  CHECK(p.num_pim_precharge_cmds == q.num_pim_precharge_cmds);
  CHECK(p.num_p_header_cmds == q.num_p_header_cmds);
  CHECK(p.energy_pj == q.energy_pj);  // bit-identical, not approximately
  CHECK(p.background_pj == q.background_pj);
  pim::NewtonOptions o;
  o.type = type;
  o.artifact_compatible = artifact;
  CHECK(pim::check_newton(o, pim::newton_spec().t, b.trace, 0).empty());
  return b.trace.size();
}

// The serving back-end's NPU stream on one channel: 64 B blocks, 16 per 1 KB
// row of a bank, then the next of the 32 banks, rows from 16384; runs of
// reads and writes as a layer's operands and outputs.
void append_npu(NewtonWorkload& w, const std::vector<std::pair<bool, int>>& runs) {
  std::int64_t v = 0;
  for (const auto& [write, n] : runs)
    for (int i = 0; i < n; ++i, ++v) {
      const int col = static_cast<int>(v % 16), bank = static_cast<int>((v / 16) % 32);
      const int row = 16384 + static_cast<int>(v / 512);
      w.mem.push_back(pim::make_txn(write ? TxnType::Write : TxnType::Read,
                                    pim::normal_addr(0, bank / 16, (bank / 4) % 4, bank % 4, row, col)));
    }
}

// Attention of several requests on one channel: every q.K^T, then every p.V,
// each request on its own rows (the streams of firmware/neupims shifted).
void append_attention(NewtonWorkload& w, PimType type, const std::vector<int>& lens, int width) {
  int base = 0;
  for (np::Op op : {np::Op::Score, np::Op::Attend})
    for (int len : lens) {
      np::AttentionSpec s;
      s.op = op;
      s.type = type;
      s.len = len;
      s.width = width;
      const NewtonWorkload one = np::attention_workload(s);
      int top = 0;
      for (const Txn& t : one.pim) {
        if (t.type == TxnType::GWrite) {
          w.pim.push_back(t);
          continue;
        }
        pim::NewtonAddress a = pim::decode_newton_address(t.addr);
        a.row = (a.row + base) % 16000;
        top = std::max(top, a.row + 1);
        w.pim.push_back(pim::make_txn(t.type, pim::encode_newton_address(a)));
      }
      base = top;
    }
}

}  // namespace

TEST_CASE("event skipping: calibration micro-benchmarks bit-identical", "[neupims][event_skip]") {
  for (PimType t : {PimType::Dual, PimType::Single})
    for (bool artifact : {true, false})
      for (bool gwrite : {false, true}) {
        CHECK(compare(t, artifact, pim::newton_microbench(t, 3, 8, 4, 6, gwrite)) > 0);
        CHECK(compare(t, artifact, pim::newton_microbench(t, 10, 4, 8, 50, gwrite)) > 0);
      }
  const NewtonWorkload loads = pim::newton_microbench(PimType::Dual, 0, 1, 1, 500, false);  // 8000 READs
  for (PimType t : {PimType::Dram, PimType::Dual})
    for (bool artifact : {true, false}) CHECK(compare(t, artifact, loads) >= 8000);
}

TEST_CASE("event skipping: serving-shaped channel runs bit-identical", "[neupims][event_skip]") {
  // A stage of the back-end in miniature: a few requests' attention beside the
  // NPU's reads (weights, activations) and writes (outputs), long enough to
  // cross several refresh intervals (1950 cycles each).
  const std::vector<std::pair<bool, int>> npu = {{false, 3000}, {true, 200}, {false, 1500}, {true, 500}, {false, 800}};
  for (PimType t : {PimType::Dual, PimType::Single})
    for (bool artifact : {false, true}) {
      NewtonWorkload w;
      append_attention(w, t, {37, 300, 700}, 1024);
      append_npu(w, npu);
      CHECK(compare(t, artifact, w) > w.mem.size() / 2);
      NewtonWorkload pim_only;  // the PIM stream alone
      append_attention(pim_only, t, {129, 513}, 512);
      CHECK(compare(t, artifact, pim_only) > 0);
    }
  NewtonWorkload mem_only;  // the NPU stream alone, on each controller
  append_npu(mem_only, npu);
  for (PimType t : {PimType::Dual, PimType::Single, PimType::Dram}) CHECK(compare(t, false, mem_only) > 0);
}

TEST_CASE("event skipping: random streams bit-identical", "[neupims][event_skip]") {
  // Seeded streams: reads and writes to a handful of rows per bank (hits,
  // conflicts, read-after-write to equal addresses, write drains), sparse
  // phases (long idle stretches) and PIM GEMVs of random lengths in between.
  std::mt19937_64 rng(20240515);
  const auto pick = [&](std::uint64_t n) { return static_cast<int>(rng() % n); };
  for (int round = 0; round < 12; ++round) {
    const PimType t = round % 3 == 0 ? PimType::Dram : round % 3 == 1 ? PimType::Dual : PimType::Single;
    const bool artifact = round % 2 == 0;
    NewtonWorkload w;
    const int n = 600 + pick(1500);
    const int rows = 1 + pick(6);
    const int banks = 1 + pick(32);
    for (int i = 0; i < n; ++i) {
      const int bank = pick(static_cast<std::uint64_t>(banks));
      const bool write = pick(4) == 0;
      const std::uint64_t a = pim::normal_addr(0, bank / 16, (bank / 4) % 4, bank % 4, 20000 + pick(rows), pick(16));
      w.mem.push_back(pim::make_txn(write ? TxnType::Write : TxnType::Read, a));
    }
    if (t != PimType::Dram) {
      std::vector<int> lens;
      for (int k = 0, m = 1 + pick(3); k < m; ++k) lens.push_back(1 + pick(900));
      append_attention(w, t, lens, 128 * (1 + pick(8)));
    }
    INFO("round " << round);
    CHECK(compare(t, artifact, w) > 0);
  }
  // Sparse: a few isolated reads far apart in rows and banks, so most cycles
  // are idle (refresh alone for long stretches).
  NewtonWorkload sparse;
  for (int i = 0; i < 40; ++i) {
    const int bank = pick(32);
    sparse.mem.push_back(pim::make_txn(TxnType::Read, pim::normal_addr(0, bank / 16, (bank / 4) % 4, bank % 4, pick(30000), pick(16))));
  }
  for (PimType t : {PimType::Dual, PimType::Single, PimType::Dram}) CHECK(compare(t, false, sparse) > 0);
}

TEST_CASE("event skipping: the skip interface", "[neupims][event_skip]") {
  const NewtonWorkload w = pim::newton_microbench(PimType::Dual, 2, 8, 4, 2, true);
  for (bool skip : {false, true}) {
    pim::NewtonOptions o;
    o.event_skip = skip;
    pim::NewtonChannel ch(o);
    std::size_t ip = 0, im = 0;
    std::uint64_t skipped = 0;
    while (ip < w.pim.size() || im < w.mem.size() || ch.outstanding() > 0) {
      while (ip < w.pim.size() && ch.will_accept(w.pim[ip])) ch.add(w.pim[ip++]);
      while (im < w.mem.size() && ch.will_accept(w.mem[im])) ch.add(w.mem[im++]);
      ch.tick();
      const std::uint64_t until = ch.idle_until();
      REQUIRE(until >= ch.clk());
      if (!skip) REQUIRE(until == ch.clk());  // the plain controller never skips
      if (until > ch.clk()) {
        REQUIRE_THROWS_AS(ch.skip_to(until + 1), std::logic_error);
        skipped += until - ch.clk();
        ch.skip_to(until);
      }
      REQUIRE(ch.clk() < 1000000);
    }
    if (skip) CHECK(skipped > 0);
    // Same end as run_newton (which skips the same way, or steps).
    CHECK(ch.counters().cycles == pim::run_newton(o, w).cycles);
  }
}

TEST_CASE("event skipping: a channel run on idle to a later cycle", "[neupims][event_skip]") {
  // pim::run_idle_until (the serving back-end counts every channel's
  // background and refresh to its stage's end with it): a fresh channel idle
  // for T cycles costs T cycles of idle background on both ranks (DUAL: and
  // its PIM buffers' term) and one REF every 1950 cycles (the ranks in turn,
  // the first at cycle 1950), neupims_pim.md §7; a channel left by a run
  // idles on from where the run ended. The plain controller and the skipping
  // one agree bit for bit.
  const pim::NewtonEnergy e;
  constexpr std::uint64_t T = 10000;
  for (PimType t : {PimType::Dual, PimType::Single, PimType::Dram}) {
    INFO("type " << pim::pim_type_name(t));
    pim::NewtonCounters fresh[2];
    for (bool skip : {false, true}) {
      pim::NewtonOptions o;
      o.type = t;
      o.event_skip = skip;
      pim::NewtonChannel ch(o);
      pim::run_idle_until(ch, T);
      CHECK(ch.clk() == T);
      fresh[skip] = ch.counters();
    }
    const double per_cycle = 2 * (t == PimType::Dual ? 2 * e.bg_idle : e.bg_idle);
    CHECK(fresh[1].num_ref_cmds == (T - 1) / 1950);
    CHECK(fresh[1].background_pj == Approx(per_cycle * static_cast<double>(T)).epsilon(1e-12));
    CHECK(fresh[1].energy_pj ==
          Approx(per_cycle * static_cast<double>(T) + static_cast<double>((T - 1) / 1950) * e.ref).epsilon(1e-12));
    CHECK(fresh[0].energy_pj == fresh[1].energy_pj);
    CHECK(fresh[0].num_ref_cmds == fresh[1].num_ref_cmds);

    // After a run: the run's counters unchanged but for the idle cycles'
    // background and refreshes, and the same on both controllers.
    const NewtonWorkload w = t == PimType::Dram ? pim::newton_microbench(PimType::Dual, 0, 1, 1, 40, false)
                                                : pim::newton_microbench(t, 3, 8, 4, 6, true);
    double tail[2] = {0, 0};
    std::uint64_t refs[2] = {0, 0};
    for (bool skip : {false, true}) {
      pim::NewtonOptions o;
      o.type = t;
      o.event_skip = skip;
      std::unique_ptr<pim::NewtonChannel> ch;
      const pim::NewtonCounters run = pim::run_newton(o, w, nullptr, nullptr, &ch);
      REQUIRE(ch);
      REQUIRE(ch->clk() < T);
      const std::uint64_t from = ch->clk();
      pim::run_idle_until(*ch, T);
      const pim::NewtonCounters after = ch->counters();
      CHECK(after.cycles == run.cycles);  // no response after the run's last
      CHECK(after.num_read_cmds == run.num_read_cmds);
      CHECK(after.num_act_cmds == run.num_act_cmds);
      tail[skip] = after.energy_pj - run.energy_pj;
      refs[skip] = after.num_ref_cmds - run.num_ref_cmds;
      // Rows the run left open (a PRE before each REF closes them) cost the
      // active background; the idle background is the least.
      CHECK(tail[skip] >= per_cycle * static_cast<double>(T - from) + static_cast<double>(refs[skip]) * e.ref);
      CHECK(refs[skip] == (T - 1) / 1950 - (from - 1) / 1950);
    }
    CHECK(tail[0] == tail[1]);
    CHECK(refs[0] == refs[1]);

    // Only an idle channel runs on.
    pim::NewtonChannel busy(pim::NewtonOptions{t, false});
    busy.add(w.mem.empty() ? w.pim.front() : w.mem.front());
    CHECK_THROWS_AS(pim::run_idle_until(busy, T), std::logic_error);
  }
}
