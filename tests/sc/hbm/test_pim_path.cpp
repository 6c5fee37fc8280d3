// The PIM path of the HBM channel: a short state-update kernel sent as one
// transaction changes DRAM exactly as the golden per-atom SU says, returns the
// golden partial outputs, and takes the PIM channel engine's cycles.
#include <catch2/catch.hpp>

#include <cstring>
#include <fstream>
#include <sstream>
#include <random>
#include <vector>

#include "dram/spec.h"
#include "golden/pu_ops.h"
#include "harness.h"
#include "pim/engine.h"
#include "pim/protocol.h"
#include "stats/stats.h"
#include "tlm/common/interrupt.h"
#include "tlm/common/session.h"
#include "tlm/common/stats.h"
#include "tlm/hbm/channel.h"
#include "tlm/hbm/pim_path.h"

using namespace pimlab;
using sc_core::SC_NS;
using sc_core::sc_time;
using test::Initiator;
using tlm_hbm::HbmChannel;
using tlm_hbm::PimExtension;

namespace {

struct Top : sc_core::sc_module {
  Initiator cpu;
  HbmChannel ch0;
  explicit Top(const sc_core::sc_module_name& n) : sc_module(n), cpu("cpu"), ch0("ch0") { cpu.socket.bind(ch0.socket); }
};

using Atom = std::array<std::uint8_t, 32>;

Atom encode(const float* v32) {
  return golden::encode_atom_bytes(v32);
}
void decode(const Atom& a, float* out32) {
  numerics::Mx8Block b[2];
  std::memcpy(b[0].bytes.data(), a.data(), 16);
  std::memcpy(b[1].bytes.data(), a.data() + 16, 16);
  golden::decode_atom(b, out32);
}

// One SU round on pseudo-channel 0, bank group 0: the 64x64 state h is four
// 32x32 chunks, chunk (i, j) in bank 2i + j (row kRow); units: pair 0 = banks
// 0, 1 (block-row 0), pair 1 = banks 2, 3 (block-row 1).
constexpr int kRow = 5;
constexpr int kN = 64;

struct SuKernel {
  std::vector<float> h, k, q, gk, v;  // h row-major kN x kN; vectors of kN
  Atom reg_k[2], reg_q[2], reg_gk[2], reg_v[2];  // per block-row i (k, q, gk) / block-column j (v)
  PimExtension ext;
  std::size_t results = 0;

  explicit SuKernel(unsigned seed) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    h.resize(kN * kN);
    for (float& x : h) x = u(rng);
    for (auto* vec : {&k, &q, &gk, &v}) {
      vec->resize(kN);
      for (float& x : *vec) x = u(rng);
    }
    for (int i = 0; i < 2; ++i) {
      reg_k[i] = encode(&k[32 * i]);
      reg_q[i] = encode(&q[32 * i]);
      reg_gk[i] = encode(&gk[32 * i]);
      reg_v[i] = encode(&v[32 * i]);
    }
    // Channel-level stream (pim_commands.md, "From a kernel to a command stream").
    pim::Command barrier;
    barrier.kind = pim::CmdKind::RefreshBarrier;
    barrier.sched = 1;
    barrier.v_count = 1;
    barrier.comps = 64;
    barrier.arg = 16;  // regs of the round: 4 banks x (3 + v_count)
    ext.program.stream.push_back(barrier);
    pim::Command act;
    act.kind = pim::CmdKind::Act4WithReg;
    act.bank_group = 0;
    act.arg = 16;
    ext.program.stream.push_back(act);
    for (int c = 0; c < 64; ++c) {
      pim::Command comp;
      comp.kind = pim::CmdKind::Comp;
      ext.program.stream.push_back(comp);
    }
    pim::Command pre;
    pre.kind = pim::CmdKind::PrechargeWithResult;
    pre.arg = 8;
    ext.program.stream.push_back(pre);
    const std::uint32_t s_act = 1, s_comp0 = 2, s_pre = 66;
    // Rows: ACT4 opens the four banks, PRECHARGE closes them.
    for (std::uint8_t b = 0; b < 4; ++b) {
      ext.program.rows.push_back({s_act, 0, 0, b, kRow});
      ext.program.rows.push_back({s_pre, 0, 0, b, -1});
    }
    // ACT4_WITH_REG_16: the 16 register writes follow the ACT, one column slot
    // (max(nBL, nCCD_L) = 4 cycles) apart: K, GK, Q, V of bank 0, then 1, 2, 3.
    std::uint32_t off = 1;
    for (int b = 0; b < 4; ++b) {
      const int i = b / 2, j = b % 2;
      const std::uint8_t pair = static_cast<std::uint8_t>(b / 2);
      for (auto [slot, data] : {std::pair{pim_unit::Slot::k, &reg_k[i]}, std::pair{pim_unit::Slot::gk, &reg_gk[i]},
                                std::pair{pim_unit::Slot::q, &reg_q[i]}, std::pair{pim_unit::Slot::v, &reg_v[j]}}) {
        ext.program.ops.push_back({s_act, off, 0, 0, pair, pim_unit::Command::reg_wr(b % 2, 0, slot, data->data())});
        off += 4;
      }
    }
    // COMP c: every unit of the pch works on bank c % 2, atom c / 2.
    for (std::uint32_t c = 0; c < 64; ++c)
      for (std::uint8_t pair = 0; pair < 2; ++pair)
        ext.program.ops.push_back({s_comp0 + c, 0, 0, 0, pair, pim_unit::Command::comp(c % 2, c / 2)});
    // PRECHARGE_WITH_RESULT_8: result read k (1 + 4k cycles after it) reads
    // group k % 4 of bank k / 4 from every unit.
    for (std::uint32_t r = 0; r < 8; ++r)
      for (std::uint8_t pair = 0; pair < 2; ++pair) {
        ext.program.ops.push_back({s_pre, 1 + 4 * r, 0, 0, pair, pim_unit::Command::result(r / 4, r % 4)});
        ++results;
      }
  }

  // The chunk of bank b as stored: atom r = state row 32i + r, columns 32j..
  std::vector<std::uint8_t> chunk_bytes(int b) const {
    const int i = b / 2, j = b % 2;
    std::vector<std::uint8_t> out(1024);
    for (int r = 0; r < 32; ++r) {
      const Atom a = encode(&h[(32 * i + r) * kN + 32 * j]);
      std::memcpy(out.data() + 32 * r, a.data(), 32);
    }
    return out;
  }

  // Golden: the chunk after SU (rows in COMP order) and its partial output.
  void golden_chunk(int b, std::vector<std::uint8_t>& row_out, std::array<float, 32>& o_acc) const {
    const int i = b / 2, j = b % 2;
    float kk[32], qq[32], gg[32], vv[32];
    decode(reg_k[i], kk);
    decode(reg_q[i], qq);
    decode(reg_gk[i], gg);
    decode(reg_v[j], vv);
    row_out = chunk_bytes(b);
    o_acc.fill(0.0f);
    for (int r = 0; r < 32; ++r) {
      numerics::Mx8Block in[2], out[2];
      std::memcpy(in[0].bytes.data(), row_out.data() + 32 * r, 16);
      std::memcpy(in[1].bytes.data(), row_out.data() + 32 * r + 16, 16);
      golden::su_atom(in, kk[r], qq[r], gg[r], vv, nullptr, numerics::Rounding::nearest, nullptr, o_acc.data(), out);
      std::memcpy(row_out.data() + 32 * r, out[0].bytes.data(), 16);
      std::memcpy(row_out.data() + 32 * r + 16, out[1].bytes.data(), 16);
    }
  }
};

}  // namespace

TEST_CASE("an SU kernel through the PIM path changes memory and returns partials as the golden SU says") {
  Top top("top");
  SuKernel kern(20260101);
  auto& timing = top.ch0.timing();
  for (int b = 0; b < 4; ++b) {
    const auto bytes = kern.chunk_bytes(b);
    top.ch0.debug_write(timing.row_address(0, 0, b, kRow), bytes.data(), bytes.size());
  }
  std::vector<std::uint8_t> results(32 * kern.results);
  sc_time d;
  tlm::tlm_response_status st{};
  top.cpu.body = [&](Initiator& i) {
    st = i.transport(tlm::TLM_READ_COMMAND, 0, results.data(), static_cast<unsigned>(results.size()), d, &kern.ext);
  };
  sc_core::sc_start();
  REQUIRE(st == tlm::TLM_OK_RESPONSE);
  INFO(kern.ext.error);
  CHECK(kern.ext.err_cause == 0);
  for (int b = 0; b < 4; ++b) {
    INFO("bank " << b);
    std::vector<std::uint8_t> want;
    std::array<float, 32> o_acc;
    kern.golden_chunk(b, want, o_acc);
    std::vector<std::uint8_t> got(1024);
    top.ch0.debug_read(timing.row_address(0, 0, b, kRow), got.data(), got.size());
    CHECK(got == want);
    CHECK(got != kern.chunk_bytes(b));  // the kernel did change the state
    // Results: op order r (0..7) x pair; result r of pair p is slot 2r + p and
    // holds bank r / 4, accumulators 8 (r % 4) .. +7.
    const int pair = b / 2, bank = b % 2;
    for (int g = 0; g < 4; ++g) {
      const int r = 4 * bank + g;
      float lanes[8];
      std::memcpy(lanes, results.data() + 32 * (2 * r + pair), 32);
      for (int l = 0; l < 8; ++l) CHECK(lanes[l] == o_acc[8 * g + l]);
    }
  }
  // Timing: the PIM channel engine's count for the same stream; the last
  // result read is 1 + 7*4 cycles after the final PRECHARGE_WITH_RESULT and
  // its data is there one cycle later. Kernel cycle 1 = channel cycle 0.
  const pim::ChannelEngine engine(pim::pimba_protocol(), dram::preset("hbm2-pimba"));
  const pim::ChannelRun run = engine.run(kern.ext.program.stream, 2);
  CHECK(kern.ext.kernel_cycles == run.last_issue_cycle);
  CHECK(d == sc_time(static_cast<double>(run.last_issue_cycle - 1 + 30), SC_NS));
  const auto stats = tlm_common::collect_stats()["top.ch0"];
  CHECK(stats["pim_transactions"]["value"] == 1);
  CHECK(stats["pim_num_comp"]["value"] == 64);
  CHECK(stats["pim_unit_commands"]["value"] == kern.ext.program.ops.size());
  // pim_num_* are the core counters (pim::Counters::collect) under "pim_": the
  // same values as the value-only view of the engine's run of the same stream.
  const nlohmann::json core = pimlab::stats::flat(run.counters);
  for (const char* k : {"num_act", "num_comp", "num_rdwr"}) {
    INFO(k);
    CHECK(stats.at(std::string("pim_") + k).at("value") == core.at(k));
  }
  // Every stat of the channel's group names a unit and a description.
  REQUIRE(stats.size() > 30);
  for (auto it = stats.begin(); it != stats.end(); ++it) {
    INFO("stat " << it.key());
    CHECK(it->size() == 3);
    CHECK(it->contains("value"));
    CHECK(!it->at("unit").get<std::string>().empty());
    CHECK(!it->at("description").get<std::string>().empty());
  }
}

TEST_CASE("an interrupt (SIGINT) stops a kernel: incomplete response, the extension and the stats say so") {
  // The flag is polled before the first row or unit event and every
  // kInterruptPollEvents events after it: this kernel stops before it changes
  // anything. (Each TEST_CASE runs in its own process: the flag stays here.)
  Top top("top");
  SuKernel kern(11);
  auto& timing = top.ch0.timing();
  const auto before = kern.chunk_bytes(0);
  top.ch0.debug_write(timing.row_address(0, 0, 0, kRow), before.data(), before.size());
  std::vector<std::uint8_t> results(32 * kern.results);
  sc_time d;
  tlm::tlm_response_status st{};
  top.cpu.body = [&](Initiator& i) {
    tlm_common::request_interrupt();
    st = i.transport(tlm::TLM_READ_COMMAND, 0, results.data(), static_cast<unsigned>(results.size()), d, &kern.ext);
    tlm_common::clear_interrupt();
  };
  sc_core::sc_start();
  CHECK(st == tlm::TLM_INCOMPLETE_RESPONSE);
  CHECK(kern.ext.interrupted);
  std::vector<std::uint8_t> after(1024);
  top.ch0.debug_read(timing.row_address(0, 0, 0, kRow), after.data(), after.size());
  CHECK(after == before);
  const auto stats = tlm_common::collect_stats()["top.ch0"];
  CHECK(stats["pim_interrupted"]["value"] == 1);
  CHECK(stats["pim_transactions"]["value"] == 0);
}

TEST_CASE("an illegal unit command in a kernel sets the unit's error flag, reported in the extension") {
  Top top("top");
  SuKernel kern(7);
  // A RESULT in the busy window: right after the last COMP's stream command,
  // 1 cycle later, to bank 1 of pair 0 (its last COMP was that command).
  kern.ext.program.ops.push_back({65, 1, 0, 0, 0, pim_unit::Command::result(1, 0)});
  ++kern.results;
  std::vector<std::uint8_t> results(32 * kern.results);
  sc_time d;
  tlm::tlm_response_status st{};
  top.cpu.body = [&](Initiator& i) {
    st = i.transport(tlm::TLM_READ_COMMAND, 0, results.data(), static_cast<unsigned>(results.size()), d, &kern.ext);
  };
  sc_core::sc_start();
  CHECK(st == tlm::TLM_OK_RESPONSE);
  CHECK(kern.ext.err_cause == pim_unit::kErrBusy);
  REQUIRE(kern.ext.unit_errors.size() == 1);
  CHECK(kern.ext.unit_errors[0].find("pch0.bank_group0.pair0: BUSY") == 0);
}

TEST_CASE("a malformed kernel is answered with a generic error and changes nothing") {
  Top top("top");
  SuKernel kern(9);
  auto& timing = top.ch0.timing();
  const auto before = kern.chunk_bytes(0);
  top.ch0.debug_write(timing.row_address(0, 0, 0, kRow), before.data(), before.size());
  std::vector<std::uint8_t> results(32 * kern.results - 32);  // one result slot short
  sc_time d(3, SC_NS);
  tlm::tlm_response_status st{};
  top.cpu.body = [&](Initiator& i) {
    st = i.transport(tlm::TLM_READ_COMMAND, 0, results.data(), static_cast<unsigned>(results.size()), d, &kern.ext);
  };
  sc_core::sc_start();
  CHECK(st == tlm::TLM_GENERIC_ERROR_RESPONSE);
  CHECK(kern.ext.error.find("data_length") != std::string::npos);
  CHECK(d == sc_time(3, SC_NS));
  std::vector<std::uint8_t> after(1024);
  top.ch0.debug_read(timing.row_address(0, 0, 0, kRow), after.data(), after.size());
  CHECK(after == before);
}

TEST_CASE("a PIM program addressed beyond the channel is an address error and changes nothing") {
  // The program is addressed to its channel: any byte address of it is
  // accepted (here the last one), one past the end is refused.
  Top top("top");
  SuKernel kern(9);
  SuKernel again(9);
  std::vector<std::uint8_t> results(32 * kern.results), r2(32 * again.results);
  const std::uint64_t cap = top.ch0.timing().capacity_bytes();
  sc_time d(3, SC_NS), d2;
  tlm::tlm_response_status st{}, st_last{};
  top.cpu.body = [&](Initiator& i) {
    st = i.transport(tlm::TLM_READ_COMMAND, cap, results.data(), static_cast<unsigned>(results.size()), d, &kern.ext);
    st_last = i.transport(tlm::TLM_READ_COMMAND, cap - 1, r2.data(), static_cast<unsigned>(r2.size()), d2, &again.ext);
  };
  sc_core::sc_start();
  CHECK(st == tlm::TLM_ADDRESS_ERROR_RESPONSE);
  CHECK(kern.ext.error.find("outside the channel") != std::string::npos);
  CHECK(d == sc_time(3, SC_NS));
  CHECK(kern.ext.kernel_cycles == 0);
  CHECK(st_last == tlm::TLM_OK_RESPONSE);
  CHECK(again.ext.kernel_cycles > 0);
}

TEST_CASE("blocked PIM: a kernel closes the rows memory traffic left open, later traffic waits for the kernel") {
  Top top("top");
  SuKernel kern(11);
  std::vector<std::uint8_t> results(32 * kern.results), wbuf(64, 0x5A), rbuf(64, 0);
  sc_time d_w, d_k, d_r;
  top.cpu.body = [&](Initiator& i) {
    // Address 1024: pseudo-channel 1, bank group 0, bank 0, row 0 (mapping
    // ro_ba_bg_pc_ch_co), away from the kernel's rows.
    CHECK(i.transport(tlm::TLM_WRITE_COMMAND, 1024, wbuf.data(), 64, d_w) == tlm::TLM_OK_RESPONSE);
    // The kernel and the read are issued at local time 0 as well (temporal
    // decoupling): the target serialises them.
    CHECK(i.transport(tlm::TLM_READ_COMMAND, 0, results.data(), static_cast<unsigned>(results.size()), d_k,
                      &kern.ext) == tlm::TLM_OK_RESPONSE);
    CHECK(i.transport(tlm::TLM_READ_COMMAND, 1024, rbuf.data(), 64, d_r) == tlm::TLM_OK_RESPONSE);
  };
  sc_core::sc_start();
  // Write of 2 atoms of one row: ACT in cycle 0, WR at nRCDWR = 14, WR at
  // 14 + nCCD_L = 18, data done 18 + nCWL + nBL = 24.
  CHECK(d_w == sc_time(24, SC_NS));
  // The kernel arrives the cycle after the last memory command (19) and first
  // closes the row the write left open: PRE at max(ACT 0 + nRAS = 34, last WR
  // 18 + nCWL + nBL + nWR = 18 + 4 + 2 + 16 = 40) = 40 (write recovery binds);
  // the stream starts when tRP has elapsed: 40 + nRP = 54.
  CHECK(kern.ext.start_cycle == 54);
  const pim::ChannelEngine engine(pim::pimba_protocol(), dram::preset("hbm2-pimba"));
  const std::uint64_t last = engine.run(kern.ext.program.stream, 2).last_issue_cycle;
  const std::uint64_t kernel_done = 54 - 1 + last + 30;  // as in the SU kernel test, shifted to start 54
  CHECK(d_k == sc_time(static_cast<double>(kernel_done), SC_NS));
  // The read (2 atoms) arrives when the kernel is done. The row is closed now:
  // a row miss, ACT at once (pch1 saw no precharge from the kernel; the close
  // PRE at 40 is long past), RDs nRCDRD = 14 and 14 + nCCD_L = 18 after it, the
  // second's data nCL + nBL = 16 after that.
  CHECK(d_r == sc_time(static_cast<double>(kernel_done + 14 + 4 + 16), SC_NS));
  CHECK(rbuf == wbuf);
  const auto stats = tlm_common::collect_stats()["top.ch0"];
  CHECK(stats["activates"]["value"] == 2);
  CHECK(stats["precharges"]["value"] == 1);
  CHECK(stats["row_hits"]["value"] == 2);  // the second atom of the write and of the read; the first ones activate
}

TEST_CASE("a traced PIM kernel shows its stream commands and the rows it opens in the VCD") {
  tlm_common::Config::instance().load({{"top.ch0.trace", true}, {"top.ch0.trace_file", "pim_trace_test"}});
  Top top("top");
  SuKernel kern(3);
  std::vector<std::uint8_t> results(32 * kern.results);
  top.cpu.body = [&](Initiator& i) {
    sc_time d;
    CHECK(i.transport(tlm::TLM_READ_COMMAND, 0, results.data(), static_cast<unsigned>(results.size()), d, &kern.ext) ==
          tlm::TLM_OK_RESPONSE);
    wait(d);
  };
  tlm_common::Session::instance().run_to_idle();
  tlm_common::Session::instance().finish({});
  std::ifstream in("pim_trace_test.vcd");
  REQUIRE(in.good());
  std::string line, cmd_id, row_id;
  bool saw_pim = false, saw_row5 = false, saw_closed_again = false;
  // Identifiers of pch0.command and pch0.bank_group0.bank0.open_row.
  std::string scope;
  while (std::getline(in, line)) {
    if (line.rfind("$scope module ", 0) == 0) scope += "." + line.substr(14, line.find(' ', 14) - 14);
    if (line.rfind("$upscope", 0) == 0) scope = scope.substr(0, scope.rfind('.'));
    if (line.rfind("$var", 0) == 0) {
      std::istringstream is(line);
      std::string var, wire, width, id, name;
      is >> var >> wire >> width >> id >> name;
      if (scope == ".SystemC.top.ch0.pch0" && name == "command") cmd_id = id;
      if (scope == ".SystemC.top.ch0.pch0.bank_group0.bank0" && name == "open_row") row_id = id;
    }
    if (!cmd_id.empty() && line == "b110 " + cmd_id) saw_pim = true;            // code 6: PIM stream command
    if (!row_id.empty() && line == "b101 " + row_id) saw_row5 = true;           // row 5 opened
    if (saw_row5 && line == "b11111111111111111111111111111111 " + row_id) saw_closed_again = true;
  }
  CHECK(saw_pim);
  CHECK(saw_row5);
  CHECK(saw_closed_again);
}
