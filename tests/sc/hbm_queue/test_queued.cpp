// The queued front end of the HBM channel (docs/tlm.md, "Front ends"):
//  - two initiators reading one channel through the router share its one
//    controller queue: their commands interleave in one issue order, and every
//    completion cycle equals that of dram::ChannelController run directly on
//    the merged request list;
//  - the Newton / NeuPIMs family: host reads while a PIM GEMV runs on the
//    channel proceed concurrently with a dual row buffer (NeuPIMs) and wait
//    for the GEMV with a single one (Newton), at hand-derived cycles, with no
//    violation of the independent Newton checker;
//  - a Newton PIM program reaches its channel through the router and its
//    results, computed on the channel's bytes, are those of the documented
//    unit arithmetic.
// A base-protocol checker sits on every socket pair. Each TEST_CASE runs in
// its own process.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <random>
#include <vector>

#include "dram/address_map.h"
#include "dram/controller.h"
#include "noc_harness.h"
#include "open_close_kernel.h"
#include "routed_top.h"
#include "numerics/fp.h"
#include "pim/command.h"
#include "pim/newton.h"
#include "pim/newton_trace.h"
#include "stats/stats.h"
#include "tlm/common/config.h"
#include "tlm/common/session.h"
#include "tlm/common/stats.h"
#include "tlm/hbm/channel.h"
#include "tlm/hbm/dram_timing.h"
#include "tlm/hbm/extensions.h"
#include "tlm/hbm/newton_timing.h"
#include "tlm/npu/npu.h"

using namespace pimlab;
using sc_core::SC_NS;
using sc_core::sc_time;
using test::Initiator;
using test::ProtocolChecker;
using test::Probe;
using Top = test::ChannelTop;

namespace {

std::int64_t cycle_of(const sc_time& t) { return static_cast<std::int64_t>(t.value() / sc_time(1, SC_NS).value()); }
// The arrival cycle the channel uses: the time rounded up to a cycle (1 ns).
std::int64_t arrival_of(const sc_time& t) {
  const std::uint64_t ns = sc_time(1, SC_NS).value();
  return static_cast<std::int64_t>((t.value() + ns - 1) / ns);
}

// The merged request list the channel saw (arrival order; ties in the order
// the requests reached it) run on dram::ChannelController directly (hbm2-pimba,
// default controller and mapping), stepped from event to event as
// dram::MemorySystem does: the completion cycle of each request (its last
// atom's data).
std::vector<std::int64_t> reference_completions(const std::vector<Probe::Rec>& recs) {
  const dram::DramSpec spec = tlm_hbm::one_channel_spec("hbm2-pimba");
  dram::ControllerConfig cfg;
  const dram::AddressMap map(spec.org, "ro_ba_bg_pc_ch_co");
  dram::ChannelController ctl(spec, cfg, dram::ChannelId{0});
  std::vector<std::size_t> order(recs.size());
  for (std::size_t k = 0; k < order.size(); ++k) order[k] = k;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) {
    return arrival_of(recs[x].arrival) < arrival_of(recs[y].arrival);
  });
  std::vector<std::int64_t> done(recs.size(), 0);
  std::vector<int> left(recs.size(), 0);
  std::int64_t now = arrival_of(recs[order[0]].arrival), next = now;
  ctl.set_time_origin(now);
  std::size_t admitted = 0, finished = 0;
  std::uint64_t id = 0;
  std::vector<std::size_t> owner;
  while (finished < recs.size()) {
    while (admitted < order.size() && arrival_of(recs[order[admitted]].arrival) <= now) {
      const std::size_t r = order[admitted++];
      for (std::uint64_t a = recs[r].addr / 32 * 32; a < recs[r].addr + recs[r].len; a += 32) {
        ctl.enqueue({id++, recs[r].write, map.decode(a), arrival_of(recs[r].arrival)});
        owner.push_back(r);
        ++left[r];
      }
      next = std::min(next, now);
    }
    if (next <= now) {
      next = ctl.step(now);
      for (const dram::Completion& c : ctl.take_completions()) {
        const std::size_t r = owner[c.req.id];
        done[r] = std::max<std::int64_t>(done[r], c.done);
        if (--left[r] == 0) ++finished;
      }
    }
    std::int64_t t = next;
    if (admitted < order.size()) t = std::min<std::int64_t>(t, arrival_of(recs[order[admitted]].arrival));
    now = std::max(t, now + 1);
  }
  return done;
}

// A payload carrying a Newton PIM program, `res` the result buffer (64 bytes
// per READRES / COMPS_READRES).
tlm::tlm_response_status send_newton(Initiator& i, std::uint64_t addr, tlm_hbm::PimExtension& ext,
                                     std::vector<std::uint8_t>& res, sc_time& delay) {
  std::size_t results = 0;
  for (const pim::Txn& t : ext.newton)
    results += t.type == pim::TxnType::ReadRes || t.type == pim::TxnType::CompsReadRes;
  res.assign(64 * results, 0);
  return test::send_pim(i, addr, ext, res, delay);
}

// One GEMV on row `row` of every bank, 32 MAC steps (the whole 1 KB row
// against the global buffer), one result read: DUAL P_HEADER + COMPS_READRES(32),
// SINGLE P_HEADER + 32 COMP + READRES.
// `reads` > 1: that many result reads of 32 / reads MAC steps each (a row
// holds 32 MAC steps: 512 values, 16 per step).
std::vector<pim::Txn> gemv(pim::PimType type, int row, int reads = 1) {
  std::vector<pim::Txn> p;
  const int macs = 32 / reads;
  p.push_back(pim::make_txn(pim::TxnType::PHeader, pim::p_header_addr(0, row, 32, static_cast<unsigned>(reads))));
  for (int r = 0; r < reads; ++r) {
    const bool last = r == reads - 1;
    if (type == pim::PimType::Dual) {
      p.push_back(pim::make_txn(pim::TxnType::CompsReadRes, pim::comps_readres_addr(0, row, macs, last)));
    } else {
      for (int c = 0; c < macs; ++c) p.push_back(pim::make_txn(pim::TxnType::Comp, pim::comp_addr(0, row)));
      p.push_back(pim::make_txn(pim::TxnType::ReadRes, pim::readres_addr(0, row, last)));
    }
  }
  return p;
}

}  // namespace

TEST_CASE("queued: two initiators share one controller queue through the router") {
  tlm_common::Config::instance().load(nlohmann::json::parse(R"({
      "top.noc.address_map": [{"base": 0, "size": "0x40000000", "port": 0}],
      "top.ch0.frontend": "queued"})"));
  Top top("top", 2, 1);
  tlm_common::Config::instance().check_consumed();
  auto& dt = dynamic_cast<tlm_hbm::DramTiming&>(top.ch[0]->timing());
  // cpu0 reads 512 B (16 atoms) of pseudo-channel 0, cpu1 512 B of pseudo-channel 1; both at t = 0.
  const std::uint64_t a0 = dt.row_address(0, 0, 0, 3), a1 = dt.row_address(1, 2, 1, 7);
  std::vector<tlm_hbm::IssuedCommand> cmds;
  top.ch[0]->timing().on_command = [&](const tlm_hbm::IssuedCommand& c) { cmds.push_back(c); };
  std::vector<std::uint8_t> b0(512), b1(512);
  top.cpu[0]->body = [&](Initiator& i) {
    sc_time d;
    CHECK(i.transport(tlm::TLM_READ_COMMAND, a0, b0.data(), 512, d) == tlm::TLM_OK_RESPONSE);
    CHECK(i.transport(tlm::TLM_READ_COMMAND, a0 + 512, b0.data(), 512, d) == tlm::TLM_OK_RESPONSE);
  };
  top.cpu[1]->body = [&](Initiator& i) {
    sc_time d;
    CHECK(i.transport(tlm::TLM_READ_COMMAND, a1, b1.data(), 512, d) == tlm::TLM_OK_RESPONSE);
    CHECK(i.transport(tlm::TLM_READ_COMMAND, a1 + 512, b1.data(), 512, d) == tlm::TLM_OK_RESPONSE);
  };
  sc_core::sc_start();
  top.check_protocol();
  REQUIRE(top.cpu[0]->finished);
  REQUIRE(top.cpu[1]->finished);
  const auto& recs = top.probe[0]->recs;
  REQUIRE(recs.size() == 4);

  // One issue order: the column commands of the two initiators alternate.
  std::vector<int> rd_owner;
  for (const auto& c : cmds)
    if (c.code == tlm_hbm::CmdCode::rd) rd_owner.push_back(c.pch);
  REQUIRE(rd_owner.size() == 64);
  std::size_t switches = 0;
  for (std::size_t k = 1; k < rd_owner.size(); ++k) switches += rd_owner[k] != rd_owner[k - 1];
  CHECK(switches >= 8);
  const auto s = tlm_common::collect_stats();
  CHECK(s.at("top.ch0").at("queue_max_in_flight").at("value") == 2);
  CHECK(dt.checker_violations() == 0);

  const std::vector<std::int64_t> done = reference_completions(recs);
  for (std::size_t k = 0; k < recs.size(); ++k) {
    INFO("request " << k << " arrival " << cycle_of(recs[k].arrival));
    CHECK(cycle_of(recs[k].done) == done[k]);
  }
  // Both first requests arrive together (cycle 1: 0.5 ns request link in and
  // out of the router) and are in the controller at the same time.
  CHECK(cycle_of(recs[0].arrival) == 1);
  CHECK(cycle_of(recs[1].arrival) == 1);
}

namespace {

// Host reads while a GEMV runs (issue 13 item 3). cpu0 sends the GEMV on row
// 100 at t = 0 (channel arrival cycle 1); cpu1 reads 128 B (two 64 B READs,
// rank 0, bank group 0, bank 0, row 10, columns 0 and 1) at 129 ns (arrival
// cycle 130, after every G_ACT of the GEMV). Returns {GEMV done, reads done}.
struct SharingResult {
  std::int64_t gemv_arrival, gemv_done, read_arrival, read_done;
  std::vector<pim::NewtonIssued> trace;
  std::uint64_t violations;
  std::uint64_t wakeups = 0;  // controller-thread activations
};

SharingResult run_sharing(pim::PimType type, int gemv_reads = 1) {
  tlm_common::Config::instance().load(nlohmann::json{
      {"top.noc.address_map", nlohmann::json::array({{{"base", 0}, {"size", "0x40000000"}, {"port", 0}}})},
      {"top.ch0.frontend", "queued"},
      {"top.ch0.pim_family", "newton"},
      {"top.ch0.pim_type", type == pim::PimType::Dual ? "dual" : "single"}});
  Top top("top", 2, 1);
  tlm_common::Config::instance().check_consumed();
  auto& nt = dynamic_cast<tlm_hbm::NewtonTiming&>(top.ch[0]->timing());
  tlm_hbm::PimExtension ext;
  ext.newton = gemv(type, 100, gemv_reads);
  std::vector<std::uint8_t> res, buf(128);
  top.cpu[0]->body = [&](Initiator& i) {
    sc_time d;
    CHECK(send_newton(i, 0, ext, res, d) == tlm::TLM_OK_RESPONSE);
  };
  top.cpu[1]->body = [&](Initiator& i) {
    sc_core::wait(129, SC_NS);
    sc_time d;
    CHECK(i.transport(tlm::TLM_READ_COMMAND, nt.row_address(0, 0, 0, 10), buf.data(), 128, d) ==
          tlm::TLM_OK_RESPONSE);
  };
  sc_core::sc_start();
  top.check_protocol();
  const auto& recs = top.probe[0]->recs;
  REQUIRE(recs.size() == 2);
  const auto s = tlm_common::collect_stats();
  SharingResult r{cycle_of(recs[0].arrival), cycle_of(recs[0].done), cycle_of(recs[1].arrival),
                  cycle_of(recs[1].done), nt.trace(),
                  static_cast<std::uint64_t>(s.at("top.ch0").at("newton_check_violations").at("value").get<double>())};
  CHECK(s.at("top.ch0").at("newton_programs").at("value") == 1);
  CHECK(r.violations == nt.check().size());
  // The channel's newton_* counters are the core counters' stats
  // (pim::NewtonCounters::collect, num_X -> newton_X): the same values as the
  // value-only view `pimlab replay --format newton` prints, and every stat of
  // every group names a unit and a description.
  const nlohmann::json core = pim::newton_json(nt.controller().counters());
  for (const char* k : {"gact_cmds", "comp_cmds", "readres_cmds", "gwrite_cmds", "pim_precharge_cmds"}) {
    INFO(k);
    CHECK(s.at("top.ch0").at(std::string("newton_") + k).at("value") == core.at(std::string("num_") + k));
  }
  CHECK(s.at("top.ch0").at("newton_energy_pj").at("value") == core.at("energy_pj"));
  CHECK(s.at("top.ch0").at("newton_energy_pj").at("unit") == "pJ");
  for (auto g = s.begin(); g != s.end(); ++g)
    for (auto it = g->begin(); it != g->end(); ++it) {
      INFO(g.key() << " stat " << it.key());
      CHECK(it->size() == 3);
      CHECK(!it->at("unit").get<std::string>().empty());
      CHECK(!it->at("description").get<std::string>().empty());
    }
  r.wakeups = s.at("top.ch0").at("queue_wakeups").at("value").get<std::uint64_t>();
  return r;
}

std::int64_t first_cycle(const std::vector<pim::NewtonIssued>& t, pim::NewtonClass c) {
  for (const auto& x : t)
    if (x.cls == c) return static_cast<std::int64_t>(x.cycle);
  return -1;
}

}  // namespace

// Derivation (neupims_pim.md §4-§6; faithful mode, 1 ns tCK). The GEMV
// arrives at cycle 1: tick 1 moves P_HEADER into the PIM command queue, tick 2
// issues it (deadline check: slack 1947 > E = 30*3 + 14 + 2*32 = 168) and moves
// the next transaction. G_ACTs go out rank-interleaved, r0bg0 at 3, r1bg0 at 4
// (nothing orders G_ACTs across ranks), then 30 apart per rank (G_ACT blocks
// its rank's ACT/G_ACT for tFAW): 33, 34, 63, 64, 93, 94. The first MAC needs
// 14 after the last G_ACT of its rank: 108.
//  DUAL: COMPS_READRES(32) at 108, its data after 2*max(32,6) MAC cycles + 16:
//    GEMV done 188. The reads arrive at 130 and enter bank queue 0 at tick 130
//    (one transaction per tick), the bank's normal buffer is closed (row 100
//    is open in its PIM buffer only): ACT at 131 (G_ACT -> ACT: 6 in the bank
//    group, 30 rank-wide from 93 = 123), READs 14 later at 145 and 147
//    (RD -> RD 2; COMPS_READRES -> READ 4 from 108), data +16: reads done 163,
//    before the GEMV: the two proceed concurrently.
//  SINGLE: 32 COMPs 2 apart at 108 .. 170, READRES 2 after the last at 172
//    (the adder-tree fill, 114, has passed), data +16: GEMV done 188. A READ
//    cannot enter a bank queue while the PIM command queue holds the GEMV: the
//    first moves at tick 172 (the READRES leaves the queue then). Row 100 is
//    open in the one buffer: PRE at 177 (READRES -> PRE 5), ACT at 191
//    (tRP 14), READs at 205 and 207 (tRCD 14), data +16: reads done 223.
TEST_CASE("queued newton: host reads during a GEMV proceed concurrently with a dual row buffer") {
  const SharingResult r = run_sharing(pim::PimType::Dual);
  CHECK(r.gemv_arrival == 1);
  CHECK(r.read_arrival == 130);
  CHECK(first_cycle(r.trace, pim::NewtonClass::COMPS_READRES) == 108);
  CHECK(first_cycle(r.trace, pim::NewtonClass::ACT) == 131);
  CHECK(first_cycle(r.trace, pim::NewtonClass::READ) == 145);
  CHECK(r.read_done == 163);
  CHECK(r.gemv_done == 188);
  CHECK(r.violations == 0);
  // Event-driven: the controller thread wakes for commands, responses and
  // arrivals, not once per cycle (36 activations for 13 commands over 188 cycles).
  CHECK(r.wakeups <= 3 * r.trace.size());
}

TEST_CASE("queued newton: host reads during a GEMV wait for it with a single row buffer") {
  const SharingResult r = run_sharing(pim::PimType::Single);
  CHECK(r.gemv_arrival == 1);
  CHECK(r.read_arrival == 130);
  CHECK(first_cycle(r.trace, pim::NewtonClass::COMP) == 108);
  CHECK(first_cycle(r.trace, pim::NewtonClass::READRES) == 172);
  CHECK(first_cycle(r.trace, pim::NewtonClass::PRE) == 177);
  CHECK(first_cycle(r.trace, pim::NewtonClass::ACT) == 191);
  CHECK(first_cycle(r.trace, pim::NewtonClass::READ) == 205);
  CHECK(r.gemv_done == 188);
  CHECK(r.read_done == 223);
  CHECK(r.violations == 0);
  CHECK(r.wakeups <= 3 * r.trace.size());  // 127 activations for 46 commands over 223 cycles
}

namespace {

// Uniform in [-1, 1) from the raw 64-bit output, rounded to FP16.
std::vector<std::uint16_t> seeded(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 g(seed);
  std::vector<std::uint16_t> v(n);
  for (auto& x : v) x = numerics::fp32_to_fp16(static_cast<float>(static_cast<double>(g() >> 11) * 0x1p-52 - 1.0));
  return v;
}

// The documented unit arithmetic (pim/newton_unit.h), written out here: per
// MAC step 16 exact FP32 products, a pairwise FP32 tree, an FP32 accumulator
// from +0, the result rounded to FP16.
std::uint16_t dot_unit(const std::vector<std::uint16_t>& a, const std::vector<std::uint16_t>& b) {
  float acc = 0.0f;
  for (std::size_t k = 0; k < a.size(); k += 16) {
    float lvl[16];
    for (int i = 0; i < 16; ++i) lvl[i] = numerics::fp16_to_fp32(a[k + i]) * numerics::fp16_to_fp32(b[k + i]);
    for (int n = 16; n > 1; n /= 2)
      for (int i = 0; i < n / 2; ++i) lvl[i] = lvl[2 * i] + lvl[2 * i + 1];
    acc = acc + lvl[0];
  }
  return numerics::fp32_to_fp16(acc);
}

}  // namespace

TEST_CASE("queued newton: a PIM program reaches its channel through the router and computes on its bytes") {
  // Two Newton channels (DUAL) at 0 and 0x40000000. Channel 1 holds, in row
  // 100 of each of its 32 banks, 512 seeded FP16 values and in bank 0 row 0
  // the input vector. The program GWRITE(bank 0, row 0), P_HEADER(row 100),
  // COMPS_READRES(32) is sent to channel 1's base: channel 1 runs it, channel
  // 0 sees nothing, and the 32 results are the GEMV of the documented unit
  // arithmetic bit for bit, and within 2^-10 of sum |a_i b_i| of the FP64
  // product (FP16 rounding of the result 2^-11, FP32 accumulation over 512
  // terms < 2^-14, both relative to sum |a_i b_i|).
  tlm_common::Config::instance().load(nlohmann::json::parse(R"({
      "top.noc.address_map": [{"base": 0, "size": "0x40000000", "port": 0},
                              {"base": "0x40000000", "size": "0x40000000", "port": 1}],
      "top.ch0.frontend": "queued", "top.ch0.pim_family": "newton",
      "top.ch1.frontend": "queued", "top.ch1.pim_family": "newton"})"));
  Top top("top", 1, 2);
  tlm_common::Config::instance().check_consumed();
  auto& nt = dynamic_cast<tlm_hbm::NewtonTiming&>(top.ch[1]->timing());
  std::vector<std::vector<std::uint16_t>> rows(32);
  for (int b = 0; b < 32; ++b) {
    rows[b] = seeded(512, 100 + b);
    top.ch[1]->debug_write(nt.row_address(b / 16, (b / 4) % 4, b % 4, 100),
                           reinterpret_cast<const std::uint8_t*>(rows[b].data()), 1024);
  }
  const std::vector<std::uint16_t> x = seeded(512, 7);
  top.ch[1]->debug_write(nt.row_address(0, 0, 0, 0), reinterpret_cast<const std::uint8_t*>(x.data()), 1024);
  tlm_hbm::PimExtension ext;
  ext.newton = {pim::make_txn(pim::TxnType::GWrite, pim::normal_addr(0, 0, 0, 0, 0, 0)),
                pim::make_txn(pim::TxnType::PHeader, pim::p_header_addr(0, 100, 32, 1)),
                pim::make_txn(pim::TxnType::CompsReadRes, pim::comps_readres_addr(0, 100, 32, true))};
  std::vector<std::uint8_t> res;
  top.cpu[0]->body = [&](Initiator& i) {
    sc_time d;
    CHECK(send_newton(i, 0x40000000, ext, res, d) == tlm::TLM_OK_RESPONSE);
  };
  sc_core::sc_start();
  top.check_protocol();
  REQUIRE(top.cpu[0]->finished);
  REQUIRE(res.size() == 64);
  int exact = 0, close = 0;
  for (int b = 0; b < 32; ++b) {
    std::uint16_t got;
    std::memcpy(&got, res.data() + 2 * b, 2);
    exact += got == dot_unit(rows[b], x);
    double ref = 0, mag = 0;
    for (int k = 0; k < 512; ++k) {
      const double p = static_cast<double>(numerics::fp16_to_fp32(rows[b][k])) * numerics::fp16_to_fp32(x[k]);
      ref += p;
      mag += std::fabs(p);
    }
    close += std::fabs(numerics::fp16_to_fp32(got) - ref) <= mag * 0x1p-10;
  }
  CHECK(exact == 32);
  CHECK(close == 32);
  const auto s = tlm_common::collect_stats();
  CHECK(s.at("top.ch1").at("newton_programs").at("value") == 1);
  CHECK(s.at("top.ch1").at("newton_results").at("value") == 1);
  CHECK(s.at("top.ch1").at("newton_check_violations").at("value") == 0);
  CHECK(s.at("top.ch0").at("newton_programs").at("value") == 0);
  CHECK(top.probe[0]->recs.empty());
  REQUIRE(top.probe[1]->recs.size() == 1);
  CHECK(top.probe[1]->recs[0].addr == 0);  // translated to the channel's base
  // Timing (arrival cycle 1): GWRITE's ACT of bank 0 at 2, the GWRITE tRCD
  // later at 16, its response (and the end of the GWRITE lock) at 16 + 96 =
  // 112; P_HEADER at 112; G_ACTs at 113, 114, 143, 144, 173, 174, 203, 204;
  // COMPS_READRES 14 later at 218; data after 2*32 MAC cycles + 16: 298.
  CHECK(ext.start_cycle == 1);
  CHECK(ext.kernel_cycles == 297);
}

TEST_CASE("queued pimba: a kernel takes its turn in the queue and a read behind it waits") {
  // hbm2-pimba (tCK 1 ns; nRCDRD 14, nCL 14, nBL 2, nRAS 34, nRTPL 6, nRP 14).
  // cpu0 reads row 9 of pch0 bg0 bank0 at t = 0 (arrival 1), then reads it
  // again; cpu1 sends a kernel at 5 ns (arrival 6) that opens and closes row 5
  // of banks 0..3 of pch0 bg0 (barrier, ACT4, PRECHARGE: its PRECHARGE in
  // kernel cycle 36, tests/sc/hbm/test_pim_sharing.cpp).
  //  read 1: ACT 1, RD 15, data ends 31.
  //  kernel: waits for the request inside the controller; its RD issues at 15
  //    (the request is served: it leaves the controller), so the kernel takes
  //    its turn at 15 and starts after the last command: the row is open, PRE
  //    at max(ACT 1 + nRAS = 35, RD 15 + nRTPL = 21, 16) = 35, every bank free
  //    at 35 + nRP = 49 = kernel cycle 1; PRECHARGE at 49 - 1 + 36 = 84, done 85.
  //  read 2 arrives while the kernel holds the channel (before 85): it waits
  //    behind it and enters the controller at 85: the bank is closed, ACT at
  //    PRECHARGE 84 + nRP = 98, RD 112, data ends 128.
  tlm_common::Config::instance().load(nlohmann::json::parse(R"({
      "top.noc.address_map": [{"base": 0, "size": "0x40000000", "port": 0}],
      "top.ch0.frontend": "queued"})"));
  Top top("top", 2, 1);
  tlm_common::Config::instance().check_consumed();
  tlm_hbm::PimExtension ext = test::open_close_kernel();
  const std::uint64_t addr = top.ch[0]->timing().row_address(0, 0, 0, 9);
  std::vector<std::uint8_t> b(32);
  top.cpu[0]->body = [&](Initiator& i) {
    sc_time d;
    CHECK(i.transport(tlm::TLM_READ_COMMAND, addr, b.data(), 32, d) == tlm::TLM_OK_RESPONSE);
    CHECK(i.transport(tlm::TLM_READ_COMMAND, addr, b.data(), 32, d) == tlm::TLM_OK_RESPONSE);
  };
  top.cpu[1]->body = [&](Initiator& i) {
    sc_time d(5, SC_NS);
    std::vector<std::uint8_t> no_results;  // the kernel returns no result bytes
    CHECK(test::send_pim(i, 0, ext, no_results, d) == tlm::TLM_OK_RESPONSE);
  };
  sc_core::sc_start();
  INFO(ext.error);
  // The kernel payload carries no result bytes (data_length 0, streaming
  // width 0, null data pointer: the PIM path's convention for a kernel
  // without RESULT commands, tlm/hbm/pim_path.h); every other
  // base-protocol rule holds.
  for (const auto* c : {top.chk_in[0].get(), top.chk_in[1].get(), top.chk_out[0].get()})
    for (const auto& v : c->violations)
      if (v.find("data_length 0") == std::string::npos && v.find("null data pointer") == std::string::npos &&
          v.find("streaming_width 0") == std::string::npos)
        FAIL(v);
  const auto& recs = top.probe[0]->recs;
  REQUIRE(recs.size() == 3);
  CHECK(cycle_of(recs[0].arrival) == 1);
  CHECK(cycle_of(recs[0].done) == 31);
  CHECK(cycle_of(recs[1].arrival) == 6);  // the kernel
  CHECK(ext.start_cycle == 49);
  CHECK(cycle_of(recs[1].done) == 85);
  CHECK(cycle_of(recs[2].arrival) < 85);
  CHECK(cycle_of(recs[2].done) == 128);
  CHECK(dynamic_cast<tlm_hbm::DramTiming&>(top.ch[0]->timing()).checker_violations() == 0);
}

TEST_CASE("queued equals immediate for one initiator that synchronises and sleeps while idle") {
  // ch0 immediate, ch1 queued, the same traffic from cpu0 to ch0 and cpu1 to
  // ch1 (reads and writes, row hits, misses and conflicts, a gap of 200 us
  // with refreshes in it). Each initiator waits for its transaction's
  // annotated delay before the next, so the arrivals at the two channels are
  // the same: every completion cycle agrees. The queued channel's controller
  // thread sleeps through the gap (refreshes are caught up when the next
  // request arrives): a handful of activations, not one per cycle or refresh.
  tlm_common::Config::instance().load(nlohmann::json::parse(R"({
      "top.noc.address_map": [{"base": 0, "size": "0x40000000", "port": 0},
                              {"base": "0x40000000", "size": "0x40000000", "port": 1}],
      "top.ch1.frontend": "queued"})"));
  Top top("top", 2, 2);
  tlm_common::Config::instance().check_consumed();
  const tlm_hbm::TimingSource& t = top.ch[0]->timing();
  struct Access {
    bool write;
    std::uint64_t addr;
    unsigned len;
  };
  const std::vector<Access> pattern = {
      {false, t.row_address(0, 0, 0, 3), 256}, {true, t.row_address(0, 0, 0, 3) + 512, 64},
      {false, t.row_address(0, 0, 0, 4), 32},  {false, t.row_address(1, 3, 2, 9), 1024},
      {true, t.row_address(0, 1, 0, 3), 128},  {false, t.row_address(0, 0, 0, 3), 64}};
  for (unsigned k = 0; k < 2; ++k)
    top.cpu[k]->body = [&, k](Initiator& i) {
      std::vector<std::uint8_t> buf(1024, 0x5A);
      const std::uint64_t base = k ? 0x40000000ull : 0;
      for (int round = 0; round < 2; ++round) {
        for (const Access& a : pattern) {
          sc_time d;
          CHECK(i.transport(a.write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND, base + a.addr, buf.data(),
                            a.len, d) == tlm::TLM_OK_RESPONSE);
          sc_core::wait(d);
        }
        sc_core::wait(200, sc_core::SC_US);
      }
    };
  sc_core::sc_start();
  top.check_protocol();
  const auto& r0 = top.probe[0]->recs;
  const auto& r1 = top.probe[1]->recs;
  REQUIRE(r0.size() == 2 * pattern.size());
  REQUIRE(r1.size() == r0.size());
  for (std::size_t k = 0; k < r0.size(); ++k) {
    INFO("transaction " << k);
    CHECK(r0[k].arrival == r1[k].arrival);
    // The immediate channel returns at once with the completion in the delay.
    CHECK(r0[k].done == r1[k].done);
  }
  const auto s = tlm_common::collect_stats();
  for (const char* key : {"dram_commands", "activates", "precharges", "refreshes", "row_hits"})
    CHECK(s.at("top.ch0").at(key).at("value") == s.at("top.ch1").at(key).at("value"));
  CHECK(s.at("top.ch1").at("refreshes").at("value") > 100);  // 400 us of refreshes (tREFI 3.9 us)
  // One activation per controller step with requests inside (~200 here: a
  // 1 KiB read alone is 32 column commands), none in the 400 000 idle cycles.
  CHECK(s.at("top.ch1").at("queue_wakeups").at("value") < 400);
}

TEST_CASE("queued newton: a program the flavour cannot run is refused and changes nothing") {
  tlm_common::Config::instance().load(nlohmann::json::parse(R"({
      "top.noc.address_map": [{"base": 0, "size": "0x40000000", "port": 0}],
      "top.ch0.frontend": "queued", "top.ch0.pim_family": "newton", "top.ch0.pim_type": "dual"})"));
  Top top("top", 1, 1);
  tlm_common::Config::instance().check_consumed();
  tlm_hbm::PimExtension bad, wrong_row, too_long, ok;
  bad.newton = gemv(pim::PimType::Single, 100);  // COMP / READRES: not accepted by the dual controller
  wrong_row.newton = gemv(pim::PimType::Dual, 100);
  wrong_row.newton[1] = pim::make_txn(pim::TxnType::CompsReadRes, pim::comps_readres_addr(0, 101, 32, true));
  too_long.newton = gemv(pim::PimType::Dual, 100);  // 32 MAC steps, then 32 more on the same row
  too_long.newton.push_back(pim::make_txn(pim::TxnType::CompsReadRes, pim::comps_readres_addr(0, 100, 32, true)));
  ok.newton = gemv(pim::PimType::Dual, 100);
  std::vector<std::uint8_t> res;
  top.cpu[0]->body = [&](Initiator& i) {
    sc_time d;
    CHECK(send_newton(i, 0, bad, res, d) == tlm::TLM_GENERIC_ERROR_RESPONSE);
    CHECK(send_newton(i, 0, wrong_row, res, d) == tlm::TLM_GENERIC_ERROR_RESPONSE);
    CHECK(send_newton(i, 0, too_long, res, d) == tlm::TLM_GENERIC_ERROR_RESPONSE);
    CHECK(send_newton(i, 0, ok, res, d) == tlm::TLM_OK_RESPONSE);
  };
  sc_core::sc_start();
  top.check_protocol();
  CHECK(bad.error.find("is not accepted by the dual controller") != std::string::npos);
  CHECK(wrong_row.error.find("addresses row 101, but its GEMV's P_HEADER opened row 100") != std::string::npos);
  const auto s = tlm_common::collect_stats();
  CHECK(too_long.error.find("MAC step 64 on the row of its P_HEADER") != std::string::npos);
  CHECK(s.at("top.ch0").at("pim_rejected").at("value") == 3);
  CHECK(s.at("top.ch0").at("newton_programs").at("value") == 1);
  // The accepted GEMV alone on an idle channel, as in the sharing case but
  // arriving at 7 (the three refused round trips through the router, 2 ns
  // each): 187 cycles after its arrival, as there.
  CHECK(ok.start_cycle == 7);
  CHECK(ok.kernel_cycles == 187);
}

TEST_CASE("immediate newton: a read and a program each timed alone in call order") {
  // One initiator, the immediate front end on a DUAL Newton channel. A read of
  // one 64 B atom at t = 0 arrives at cycle 1: tick 1 moves it into its bank
  // queue, ACT at 2, READ tRCD = 14 later at 16, data + 16: done 32; the
  // router brings the 64 B of read data back in 2 ns (two 32 B beats of
  // 0.5 ns on its output and input links, plus their latency; derived in
  // tests/sc/noc): 34 ns at the initiator.
  // The GEMV of the sharing case, sent when the initiator's local time is
  // 34 ns, arrives at 35 (tick 35 moves the P_HEADER): bank r0bg0b0 has row 10
  // open in its normal buffer, another row than the GEMV's, so nothing to
  // close: P_HEADER at 36, G_ACTs from 37 (a G_ACT 30 after the ACT of its
  // rank at 2 at the earliest, 32, already past). G_ACTs 37, 38, 67, 68, 97, 98, 127, 128; COMPS_READRES 142; done
  // 142 + 64 + 16 = 222, 187 cycles after its arrival, as on an idle channel;
  // its 64 B result comes back 2 ns later, as the read's data: 224 ns.
  tlm_common::Config::instance().load(nlohmann::json::parse(R"({
      "top.noc.address_map": [{"base": 0, "size": "0x40000000", "port": 0}],
      "top.ch0.pim_family": "newton", "top.ch0.trace": true, "top.ch0.trace_file": "newton_immediate"})"));
  Top top("top", 1, 1);
  tlm_common::Config::instance().check_consumed();
  auto& nt = dynamic_cast<tlm_hbm::NewtonTiming&>(top.ch[0]->timing());
  tlm_hbm::PimExtension ext;
  ext.newton = gemv(pim::PimType::Dual, 100);
  std::vector<std::uint8_t> buf(64), res;
  sc_time d_read, d_prog;
  top.cpu[0]->body = [&](Initiator& i) {
    CHECK(i.transport(tlm::TLM_READ_COMMAND, nt.row_address(0, 0, 0, 10), buf.data(), 64, d_read) ==
          tlm::TLM_OK_RESPONSE);
    d_prog = d_read;
    CHECK(send_newton(i, 0, ext, res, d_prog) == tlm::TLM_OK_RESPONSE);
  };
  sc_core::sc_start();
  top.check_protocol();
  CHECK(d_read == sc_time(34, SC_NS));
  CHECK(first_cycle(nt.trace(), pim::NewtonClass::ACT) == 2);
  CHECK(first_cycle(nt.trace(), pim::NewtonClass::READ) == 16);
  CHECK(ext.start_cycle == 35);
  CHECK(first_cycle(nt.trace(), pim::NewtonClass::G_ACT) == 37);
  CHECK(first_cycle(nt.trace(), pim::NewtonClass::COMPS_READRES) == 142);
  CHECK(ext.kernel_cycles == 187);
  CHECK(d_prog == sc_time(224, SC_NS));
  CHECK(nt.check().empty());
  // The VCD shows the commands: the ACT's row 10 on bank 0's open_row.
  tlm_common::Session::instance().finish({});
  std::ifstream vcd("newton_immediate.vcd");
  REQUIRE(vcd.good());
  const std::string text((std::istreambuf_iterator<char>(vcd)), std::istreambuf_iterator<char>());
  CHECK(text.find("open_row") != std::string::npos);
  CHECK(text.find("b1010 ") != std::string::npos);  // 10 = the opened row
}

// A GEMV of 4 output tiles on row 100 (the shape of a 4-head q*K^T row:
// P_HEADER num_comps 32, num_readres 4, then 4 COMPS_READRES of 8 MAC steps;
// deadline estimate 30*3 + 14 + 2*32 + 2*3 = 174 < slack 1947, so the slack
// budget admits the host's ACT). COMPS_READRES at 108, then 2*(8 + 1) = 18
// apart (the MAC rule): 126, 144; the host's reads arrive at 130: ACT at 131
// (the PIM head waits for 144), READ not before ACT + 14 = 145 nor
// COMPS_READRES 144 + 4 = 148: READs at 148 and 150 (READ -> COMPS_READRES: 2
// in other bank groups, nothing in its own, DUAL), the last COMPS_READRES at
// 144 + 18 = 162. Reads done 150 + 16 = 166; GEMV done 162 + 2*8 + 16 = 194.
// One controller, one command stream: the memory commands go out between
// the GEMV's COMPS_READRES.
TEST_CASE("queued newton: host commands interleave with a GEMV's commands in one issue order (dual)") {
  const SharingResult r = run_sharing(pim::PimType::Dual, 4);
  std::vector<std::pair<pim::NewtonClass, std::uint64_t>> tail;
  for (const auto& x : r.trace)
    if (x.cycle >= 108 && x.cls != pim::NewtonClass::REF) tail.emplace_back(x.cls, x.cycle);
  using C = pim::NewtonClass;
  const std::vector<std::pair<pim::NewtonClass, std::uint64_t>> expect = {
      {C::COMPS_READRES, 108}, {C::COMPS_READRES, 126}, {C::ACT, 131},           {C::COMPS_READRES, 144},
      {C::READ, 148},          {C::READ, 150},          {C::COMPS_READRES, 162}};
  CHECK(tail == expect);
  CHECK(r.read_done == 166);
  CHECK(r.gemv_done == 194);
  CHECK(r.violations == 0);
}

TEST_CASE("queued: four initiators with seeded random traffic complete as the controller run on the merged list") {
  // Each initiator issues 40 reads and writes of 32..512 B at seeded random
  // addresses of a few rows (hits, misses, conflicts, write drains), with
  // seeded random think times of 0..40 ns, each waiting for the previous.
  // Whatever the interleaving, each request completes at the cycle the
  // controller gives for the merged request list at the arrivals the channel
  // saw; the rule checker sees no violation.
  tlm_common::Config::instance().load(nlohmann::json::parse(R"({
      "top.noc.address_map": [{"base": 0, "size": "0x40000000", "port": 0}],
      "top.ch0.frontend": "queued"})"));
  Top top("top", 4, 1);
  tlm_common::Config::instance().check_consumed();
  auto& dt = dynamic_cast<tlm_hbm::DramTiming&>(top.ch[0]->timing());
  for (unsigned k = 0; k < 4; ++k)
    top.cpu[k]->body = [&, k](Initiator& i) {
      std::mt19937_64 g(1000 + k);
      std::vector<std::uint8_t> buf(512, static_cast<std::uint8_t>(k));
      for (int n = 0; n < 40; ++n) {
        const int pch = static_cast<int>(g() % 2), bg = static_cast<int>(g() % 2), bank = static_cast<int>(g() % 2);
        const int row = static_cast<int>(g() % 3);
        const unsigned len = 32u << (g() % 5);
        const std::uint64_t addr = dt.row_address(pch, bg, bank, row) + (g() % (1024 / len)) * len;
        const bool write = g() % 3 == 0;
        sc_core::wait(static_cast<double>(g() % 41), SC_NS);
        sc_time d;
        CHECK(i.transport(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND, addr, buf.data(), len, d) ==
              tlm::TLM_OK_RESPONSE);
        sc_core::wait(d);
      }
    };
  sc_core::sc_start();
  top.check_protocol();
  const auto& recs = top.probe[0]->recs;
  REQUIRE(recs.size() == 160);
  const std::vector<std::int64_t> done = reference_completions(recs);
  int equal = 0;
  for (std::size_t k = 0; k < recs.size(); ++k) equal += cycle_of(recs[k].done) == done[k];
  CHECK(equal == 160);
  CHECK(dt.checker_violations() == 0);
  const auto s = tlm_common::collect_stats();
  CHECK(s.at("top.ch0").at("queue_max_in_flight").at("value").get<std::uint64_t>() >= 3);
}

namespace {

// The NPU as the host (issue 13 item 3): npu and a firmware initiator ->
// router -> probe -> one Newton channel (queued). The firmware sends the GEMV
// of run_sharing at t = 0; the NPU starts a tiny GEMM at 129 ns (one 4 x 4
// array, 4 x 4 x 4 FP16: W then X, 32 B each, both in row 10 of rank 0, bank
// group 0, bank 0; Y to rank 1, bank group 3, bank 3, row 10).
struct NpuSharing {
  std::int64_t first_read_arrival = 0, first_read_done = 0, gemv_done = 0;
  npu::Cycle gemm_end = 0;
  std::uint64_t violations = 0;
};

NpuSharing run_npu_sharing(pim::PimType type) {
  tlm_common::Config::instance().load(nlohmann::json{
      {"top.noc.address_map", nlohmann::json::array({{{"base", 0}, {"size", "0x40000000"}, {"port", 0}}})},
      {"top.ch0.frontend", "queued"},
      {"top.ch0.pim_family", "newton"},
      {"top.ch0.pim_type", type == pim::PimType::Dual ? "dual" : "single"}});
  struct NTop : sc_core::sc_module {
    tlm_npu::Npu npu;
    Initiator fw;
    tlm_noc::Router noc;
    Probe probe;
    tlm_hbm::HbmChannel ch0;
    NTop(const sc_core::sc_module_name& n, const npu::NpuConfig& cfg)
        : sc_module(n), npu("npu", cfg), fw("fw"), noc("noc", 2, 1), probe("probe"), ch0("ch0") {
      fw.socket.bind(noc.target_socket);
      npu.socket.bind(noc.target_socket);
      noc.initiator_socket.bind(probe.target_socket);
      probe.initiator_socket.bind(ch0.socket);
    }
  };
  npu::NpuConfig cfg;
  cfg.systolic = {1, 4, 4};
  cfg.dma.request_bytes = 64;
  static std::unique_ptr<NTop> top;
  top = std::make_unique<NTop>("top", cfg);
  tlm_common::Config::instance().check_consumed();
  auto& nt = dynamic_cast<tlm_hbm::NewtonTiming&>(top->ch0.timing());
  tlm_hbm::PimExtension ext;
  ext.newton = gemv(type, 100);
  std::vector<std::uint8_t> res;
  top->fw.body = [&](Initiator& i) {
    sc_time d;
    CHECK(send_newton(i, 0, ext, res, d) == tlm::TLM_OK_RESPONSE);
  };
  const std::uint64_t row10 = nt.row_address(0, 0, 0, 10);
  const tlm_npu::TensorPlacement place{row10, row10 + 64, 0, nt.row_address(1, 3, 3, 10)};
  NpuSharing out;
  top->npu.program = [&](tlm_npu::Npu& n) {
    sc_core::wait(129, SC_NS);
    out.gemm_end = n.gemm(npu::GemmShape{4, 4, 4, false}, place).timing.end;
  };
  sc_core::sc_start();
  const auto& recs = top->probe.recs;
  REQUIRE(recs.size() >= 3);  // the GEMV, then the NPU's requests
  out.gemv_done = cycle_of(recs[0].done);
  out.first_read_arrival = cycle_of(recs[1].arrival);
  out.first_read_done = cycle_of(recs[1].done);
  const auto s = tlm_common::collect_stats();
  out.violations = static_cast<std::uint64_t>(s.at("top.ch0").at("newton_check_violations").at("value").get<double>());
  return out;
}

}  // namespace

// The NPU's first operand read arrives in cycle 130 like the host reads of
// run_sharing and is one 64 B READ of the same bank and row: with a dual row
// buffer its ACT issues at 131 and the READ at 145 (the derivation above),
// data +16: done in cycle 161, while the GEMV runs (done 188); with a single
// row buffer it waits for the GEMV: PRE 177, ACT 191, READ 205, done 221.
TEST_CASE("queued newton: the NPU's operand read during a GEMV proceeds with a dual row buffer") {
  const NpuSharing r = run_npu_sharing(pim::PimType::Dual);
  CHECK(r.first_read_arrival == 130);
  CHECK(r.first_read_done == 161);
  CHECK(r.gemv_done == 188);
  CHECK(r.violations == 0);
  INFO("GEMM end " << r.gemm_end);
  CHECK(r.gemm_end > r.first_read_done);  // the GEMM cannot end before its operand arrived
}

TEST_CASE("queued newton: the NPU's operand read during a GEMV waits for it with a single row buffer") {
  const NpuSharing r = run_npu_sharing(pim::PimType::Single);
  CHECK(r.first_read_arrival == 130);
  CHECK(r.first_read_done == 221);
  CHECK(r.gemv_done == 188);
  CHECK(r.violations == 0);
  INFO("GEMM end " << r.gemm_end);
  CHECK(r.gemm_end > r.first_read_done);  // the GEMM cannot end before its operand arrived
}

namespace {

// A read carrying tlm_hbm::SegmentExtension through the router, done_at[i]
// the time on_done reported for segment i.
tlm::tlm_response_status send_segments(Initiator& i, std::uint64_t addr, std::vector<std::uint8_t>& buf,
                                       const std::vector<std::uint64_t>& ends, std::vector<sc_time>& done_at) {
  tlm_hbm::SegmentExtension seg;
  seg.ends = ends;
  done_at.assign(ends.size(), sc_core::SC_ZERO_TIME);
  seg.on_done = [&](std::size_t k, const sc_time& t) { done_at.at(k) = t; };
  tlm::tlm_generic_payload gp;
  gp.set_command(tlm::TLM_READ_COMMAND);
  gp.set_address(addr);
  gp.set_data_ptr(buf.data());
  gp.set_data_length(static_cast<unsigned>(buf.size()));
  gp.set_streaming_width(static_cast<unsigned>(buf.size()));
  gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  gp.set_extension(&seg);
  sc_time d = sc_core::SC_ZERO_TIME;
  i.socket->b_transport(gp, d);
  gp.clear_extension(&seg);
  return gp.get_response_status();
}

}  // namespace

TEST_CASE("queued: a segmented transaction's segments complete as the same requests sent separately") {
  tlm_common::Config::instance().load(nlohmann::json::parse(R"({
      "top.noc.address_map": [{"base": 0, "size": "0x40000000", "port": 0}],
      "top.ch0.frontend": "queued"})"));
  Top top("top", 2, 1);
  tlm_common::Config::instance().check_consumed();
  auto& dt = dynamic_cast<tlm_hbm::DramTiming&>(top.ch[0]->timing());
  // cpu0: 2 KiB of one row in four segments of unequal size; cpu1: 512 B of
  // another bank group at the same time; both share the controller.
  const std::uint64_t a0 = dt.row_address(0, 0, 0, 3), a1 = dt.row_address(0, 2, 1, 7);
  const std::vector<std::uint64_t> ends{256, 1024, 1088, 2048};
  std::vector<std::uint8_t> b0(2048), b1(512), bad(2048);
  std::vector<sc_time> done_at, ignored;
  top.cpu[0]->body = [&](Initiator& i) {
    CHECK(send_segments(i, a0, b0, ends, done_at) == tlm::TLM_OK_RESPONSE);
    // Refused before anything moves: ends not reaching data_length, an end
    // inside an atom (32 B on hbm2-pimba), ends not increasing.
    CHECK(send_segments(i, a0, bad, {256, 1024}, ignored) == tlm::TLM_BURST_ERROR_RESPONSE);
    CHECK(send_segments(i, a0, bad, {100, 2048}, ignored) == tlm::TLM_BURST_ERROR_RESPONSE);
    CHECK(send_segments(i, a0, bad, {1024, 512, 2048}, ignored) == tlm::TLM_BURST_ERROR_RESPONSE);
  };
  top.cpu[1]->body = [&](Initiator& i) {
    sc_time d;
    CHECK(i.transport(tlm::TLM_READ_COMMAND, a1, b1.data(), 512, d) == tlm::TLM_OK_RESPONSE);
  };
  sc_core::sc_start();
  REQUIRE(top.cpu[0]->finished);
  REQUIRE(top.cpu[1]->finished);
  const auto& recs = top.probe[0]->recs;
  REQUIRE(recs.size() == 5);  // the segmented read, cpu1's read, the three refused
  // The reference: the segments as separate requests of the segmented
  // transaction's arrival, in their order, where it reached the channel.
  std::vector<Probe::Rec> split;
  std::size_t first_segment = 0;
  for (std::size_t k = 0; k < 2; ++k) {
    if (recs[k].len == 2048) {
      first_segment = split.size();
      std::uint64_t from = 0;
      for (std::uint64_t e : ends) {
        split.push_back({recs[k].arrival, {}, recs[k].addr + from, static_cast<unsigned>(e - from), false});
        from = e;
      }
    } else {
      split.push_back(recs[k]);
    }
  }
  const std::vector<std::int64_t> done = reference_completions(split);
  for (std::size_t s = 0; s < ends.size(); ++s) {
    INFO("segment " << s);
    CHECK(cycle_of(done_at[s]) == done[first_segment + s]);
  }
  // The transaction returns with its last segment.
  CHECK(cycle_of(recs[first_segment == 0 ? 0 : 1].done) ==
        *std::max_element(done.begin() + static_cast<std::ptrdiff_t>(first_segment),
                          done.begin() + static_cast<std::ptrdiff_t>(first_segment + ends.size())));
  CHECK(dt.checker_violations() == 0);
}

// The channel's clock lags the simulation's while the channel is idle, so the
// queued front end can submit a request that is due far beyond the cycle in
// which one still in flight completes (found with `pimlab platform --program
// <prefill> --offer-stream`: the next stage's first request 370 000 cycles
// later). Waiting for it is not a stall (NewtonStall: 200 000 cycles without
// progress), and it is timed as on a channel that waited for it alone: the
// same completion cycle as on a fresh channel (same refresh schedule).
TEST_CASE("queued newton: a request due long after the one in flight is waited for, not a stall") {
  constexpr tlm_hbm::Cycle kLater = 300000;
  tlm_hbm::NewtonTiming both(pim::NewtonOptions{}, false), alone(pim::NewtonOptions{}, false);
  both.submit(1, {{both.row_address(0, 0, 0, 10), false}}, 0);
  both.submit(2, {{both.row_address(1, 2, 3, 11), false}}, kLater);
  REQUIRE_NOTHROW(both.advance(kLater + 2000));
  const auto done = both.take_done();
  REQUIRE(done.size() == 2);
  CHECK(done[0].tag == 1);
  CHECK(done[0].timing.done < 100);
  alone.submit(2, {{alone.row_address(1, 2, 3, 11), false}}, kLater);
  alone.advance(kLater + 2000);
  const auto ref = alone.take_done();
  REQUIRE(ref.size() == 1);
  CHECK(done[1].tag == 2);
  CHECK(done[1].timing.done == ref[0].timing.done);
  CHECK(done[1].timing.done > kLater);
}
