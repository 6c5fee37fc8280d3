// PIM kernels and memory traffic share the channel's bank state: a kernel
// first closes the rows memory traffic left open (that time is its delay), and
// memory traffic after it finds every bank closed, its first ACT bound by the
// kernel's last precharge + tRP. All cycles are derived by hand from the
// hbm2-pimba timing (tCK 1 ns): nBL 2, nCL 14, nCWL 4, nRCDRD 14, nRCDWR 14,
// nRP 14, nRAS 34, nWR 16, nRTPL 6, nCCDL 4, nFAW 30, nRRDS 4.
#include <catch2/catch.hpp>

#include <vector>

#include "dram/spec.h"
#include "harness.h"
#include "open_close_kernel.h"
#include "pim/engine.h"
#include "pim/protocol.h"
#include "tlm/common/stats.h"
#include "tlm/hbm/channel.h"
#include "tlm/hbm/dram_timing.h"
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
  std::uint64_t violations() { return dynamic_cast<tlm_hbm::DramTiming&>(ch0.timing()).checker_violations(); }
};

using test::open_close_kernel;
constexpr std::uint64_t kKernelLast = test::kOpenCloseKernelLast;

}  // namespace

TEST_CASE("PIM after a read: the kernel's delay includes closing the open row, the next read is a row miss") {
  Top top("top");
  PimExtension ext = open_close_kernel();
  // Cross-check of the hand-derived stream timing with the PIM channel engine.
  const pim::ChannelEngine engine(pim::pimba_protocol(), dram::preset("hbm2-pimba"));
  REQUIRE(engine.run(ext.program.stream, 2).last_issue_cycle == kKernelLast);
  // Row 9 of pch0 bg0 bank0: the bank the kernel activates (row 5).
  const std::uint64_t addr = top.ch0.timing().row_address(0, 0, 0, 9);
  std::vector<std::uint8_t> a(32, 0x11), b(32, 0);
  top.ch0.debug_write(addr, a.data(), 32);
  sc_time d_r1, d_k, d_r2;
  top.cpu.body = [&](Initiator& i) {
    // All three at local time 0 (temporal decoupling): the target serialises them.
    CHECK(i.transport(tlm::TLM_READ_COMMAND, addr, b.data(), 32, d_r1) == tlm::TLM_OK_RESPONSE);
    CHECK(i.transport(tlm::TLM_READ_COMMAND, 0, nullptr, 0, d_k, &ext) == tlm::TLM_OK_RESPONSE);
    CHECK(i.transport(tlm::TLM_READ_COMMAND, addr, b.data(), 32, d_r2) == tlm::TLM_OK_RESPONSE);
  };
  sc_core::sc_start();
  INFO(ext.error);
  // Read: ACT 0, RD nRCDRD = 14, data ends 14 + nCL + nBL = 30.
  CHECK(d_r1 == sc_time(30, SC_NS));
  // Kernel: arrives the cycle after the RD (15). The row is open: PRE at
  // max(ACT 0 + nRAS = 34, RD 14 + nRTPL = 20, 15) = 34, every bank may be
  // activated at 34 + nRP = 48: kernel cycle 1 = channel cycle 48. Its
  // PRECHARGE is in channel cycle 48 - 1 + 36 = 83, it is done at 84.
  // (Without closing the row it would have started at 15: 33 cycles more.)
  CHECK(ext.start_cycle == 48);
  CHECK(ext.kernel_cycles == kKernelLast);
  CHECK(d_k == sc_time(84, SC_NS));
  // Read of the same row, arriving when the kernel is done (84): the bank is
  // closed, a row miss. ACT at the kernel's PRECHARGE + nRP = 83 + 14 = 97,
  // RD 97 + 14 = 111, data ends 111 + 16 = 127.
  CHECK(d_r2 == sc_time(127, SC_NS));
  CHECK(b == a);
  const auto stats = tlm_common::collect_stats()["top.ch0"];
  CHECK(stats["row_hits"]["value"] == 0);
  CHECK(stats["activates"]["value"] == 2);
  CHECK(stats["precharges"]["value"] == 1);  // the close; the kernel's precharge is a PIM command
  CHECK(stats["latency_cycles_max"]["value"] == 127 - 84);
  CHECK(top.violations() == 0);
}

TEST_CASE("PIM right after a write: the close waits for write recovery") {
  Top top("top");
  PimExtension ext = open_close_kernel();
  const std::uint64_t addr = top.ch0.timing().row_address(0, 0, 0, 9);
  std::vector<std::uint8_t> w(32, 0xA5), r(32, 0);
  sc_time d_w, d_k, d_r;
  top.cpu.body = [&](Initiator& i) {
    CHECK(i.transport(tlm::TLM_WRITE_COMMAND, addr, w.data(), 32, d_w) == tlm::TLM_OK_RESPONSE);
    CHECK(i.transport(tlm::TLM_READ_COMMAND, 0, nullptr, 0, d_k, &ext) == tlm::TLM_OK_RESPONSE);
    CHECK(i.transport(tlm::TLM_READ_COMMAND, addr, r.data(), 32, d_r) == tlm::TLM_OK_RESPONSE);
  };
  sc_core::sc_start();
  INFO(ext.error);
  // Write: ACT 0, WR nRCDWR = 14, data ends 14 + nCWL + nBL = 20.
  CHECK(d_w == sc_time(20, SC_NS));
  // Kernel arrives at 15. PRE at max(ACT 0 + nRAS = 34, WR 14 + nCWL + nBL +
  // nWR = 14 + 4 + 2 + 16 = 36) = 36: write recovery binds, not tRAS. Start
  // 36 + nRP = 50; PRECHARGE in 50 - 1 + 36 = 85; done 86.
  CHECK(ext.start_cycle == 50);
  CHECK(d_k == sc_time(86, SC_NS));
  // Read back at 86: row miss, ACT at 85 + nRP = 99, RD 113, data ends 129.
  CHECK(d_r == sc_time(129, SC_NS));
  CHECK(r == w);
  CHECK(top.violations() == 0);
}

TEST_CASE("PIM with no rows open: no precharge, the kernel starts at once") {
  Top top("top");
  PimExtension ext = open_close_kernel();
  sc_time d_k(10, SC_NS), d_r;
  std::vector<std::uint8_t> r(32, 0);
  top.cpu.body = [&](Initiator& i) {
    CHECK(i.transport(tlm::TLM_READ_COMMAND, 0, nullptr, 0, d_k, &ext) == tlm::TLM_OK_RESPONSE);
    // Pseudo-channel 1 (address 1024): the kernel precharged nothing there.
    CHECK(i.transport(tlm::TLM_READ_COMMAND, 1024, r.data(), 32, d_r) == tlm::TLM_OK_RESPONSE);
  };
  sc_core::sc_start();
  // Arrival 10 (local time): start 10, PRECHARGE 10 - 1 + 36 = 45, done 46.
  CHECK(ext.start_cycle == 10);
  CHECK(d_k == sc_time(46, SC_NS));
  // The read arrives at 46 in pch1: ACT 46, RD 60, data ends 76.
  CHECK(d_r == sc_time(76, SC_NS));
  const auto stats = tlm_common::collect_stats()["top.ch0"];
  CHECK(stats["precharges"]["value"] == 0);
  CHECK(top.violations() == 0);
}

TEST_CASE("a kernel that leaves a row open is refused and changes nothing") {
  Top top("top");
  PimExtension ext = open_close_kernel();
  ext.program.rows.pop_back();  // bank 3 is never precharged
  const std::uint64_t addr = top.ch0.timing().row_address(0, 0, 0, 9);
  std::vector<std::uint8_t> b(32, 0);
  sc_time d_r, d_k, d_r2;
  top.cpu.body = [&](Initiator& i) {
    CHECK(i.transport(tlm::TLM_READ_COMMAND, addr, b.data(), 32, d_r) == tlm::TLM_OK_RESPONSE);
    CHECK(i.transport(tlm::TLM_READ_COMMAND, 0, nullptr, 0, d_k, &ext) == tlm::TLM_GENERIC_ERROR_RESPONSE);
    CHECK(i.transport(tlm::TLM_READ_COMMAND, addr, b.data(), 32, d_r2) == tlm::TLM_OK_RESPONSE);
  };
  sc_core::sc_start();
  CHECK(ext.error.find("leaves pch 0 bg 0 bank 3 open (row 5)") != std::string::npos);
  CHECK(d_k == sc_time(0, SC_NS));
  // The row stayed open: the second read (local time 0) joins the controller
  // after its last command (the RD at 14) and hits the row: RD at 14 + nCCDL
  // = 18, data ends 18 + nCL + nBL = 34.
  CHECK(d_r2 == sc_time(34, SC_NS));
  const auto stats = tlm_common::collect_stats()["top.ch0"];
  CHECK(stats["row_hits"]["value"] == 1);
  CHECK(stats["precharges"]["value"] == 0);
}

TEST_CASE("a kernel whose stream ends with an ACT4 is refused") {
  Top top("top");
  PimExtension ext = open_close_kernel();
  pim::Command act;
  act.kind = pim::CmdKind::Act4;
  act.bank_group = 1;
  ext.program.stream.push_back(act);  // stream command 3, never precharged
  sc_time d_k;
  top.cpu.body = [&](Initiator& i) {
    CHECK(i.transport(tlm::TLM_READ_COMMAND, 0, nullptr, 0, d_k, &ext) == tlm::TLM_GENERIC_ERROR_RESPONSE);
  };
  sc_core::sc_start();
  CHECK(ext.error.find("stream command 3 (an ACT4 of pch 0) is not followed by a PRECHARGE") != std::string::npos);
  CHECK(d_k == sc_time(0, SC_NS));
}
