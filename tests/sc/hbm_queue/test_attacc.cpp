// The AttAcc HBM3-PIM family in the HBM channel target (docs/tlm.md, "AttAcc
// family in the channel"):
//  - a program (the generator's stream for one channel) reaches its channel
//    through the router and takes exactly the cycles of run_attacc_stack on
//    the same statements, for each placement, with no violation of the
//    independent AttAcc checker;
//  - K / V written with ordinary TLM writes, the units compute on the
//    channel's bytes, and the outputs read back are bit-exact against
//    golden::attacc_attention, for each placement, on seeded data;
//  - the units compute per command: a MAC reads the bytes as they are when it
//    issues (a later host write does not reach it);
//  - host reads share the channel with PIM work at hand-derived cycles (a
//    host access is a fence in the one queue: AttAcc has one row buffer per
//    bank);
//  - bad configuration is a ConfigError naming the key.
// Each TEST_CASE runs in its own process.
#include <catch2/catch.hpp>

#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <sstream>
#include <vector>

#include "dram/spec.h"
#include "firmware/attacc/data.h"
#include "firmware/attacc/generator.h"
#include "golden/attacc.h"
#include "noc_harness.h"
#include "routed_top.h"
#include "pim/attacc.h"
#include "pim/attacc_checker.h"
#include "pim/attacc_trace.h"
#include "tlm/common/config.h"
#include "tlm/common/session.h"
#include "tlm/common/stats.h"
#include "tlm/hbm/attacc_timing.h"
#include "tlm/hbm/channel.h"

using namespace pimlab;
using sc_core::sc_time;
using test::Initiator;
using test::ProtocolChecker;
namespace fa = pimlab::firmware::attacc;

namespace {

// cpu<k> -> chk_in<k> -> noc -> chk_out<p> -> probe<p> -> ch<p>
using ATop = test::ChannelTop;

constexpr std::uint64_t kGiB = std::uint64_t{1} << 30;
const pim::AttaccPlacement kPlacements[] = {pim::AttaccPlacement::Bank, pim::AttaccPlacement::BankGroup,
                                            pim::AttaccPlacement::Buffer};

// Three channels at 0, 1 GiB, 2 GiB with the placements bank, bg, buffer.
nlohmann::json three_channels(const char* frontend, bool art = false) {
  nlohmann::json j = {{"top.noc.address_map",
                       {{{"base", 0}, {"size", kGiB}, {"port", 0}},
                        {{"base", kGiB}, {"size", kGiB}, {"port", 1}},
                        {{"base", 2 * kGiB}, {"size", kGiB}, {"port", 2}}}},
                      // The router adds no latency (10 ps per data beat): arrivals at the cycles sent.
                      {"top.noc.latency_cycles", 0},
                      {"top.noc.clock_mhz", 100000}};
  for (int p = 0; p < 3; ++p) {
    const std::string c = "top.ch" + std::to_string(p) + ".";
    j[c + "frontend"] = frontend;
    j[c + "pim_family"] = "attacc";
    j[c + "preset"] = "attacc-hbm3-5.2";
    j[c + "placement"] = pim::placement_name(kPlacements[p]);
    if (art) j[c + "artifact_compatible"] = true;
  }
  return j;
}

// One channel's program: `heads` heads of length `len` on a one-channel stack.
fa::AttentionSpec one_channel(pim::AttaccPlacement pl, int heads, int len) {
  fa::AttentionSpec s;
  s.placement = pl;
  s.heads = heads;
  s.len = len;
  s.channels = 1;
  return s;
}

tlm::tlm_response_status send_attacc(Initiator& i, std::uint64_t addr, tlm_hbm::PimExtension& ext,
                                     std::vector<std::uint8_t>& res, sc_time& delay) {
  if (res.empty()) res.assign(8, 0);  // timing only: the 8-byte cycle count
  return test::send_pim(i, addr, ext, res, delay);
}

const dram::DramSpec& spec52() {
  static const dram::DramSpec s = dram::preset("attacc-hbm3-5.2");
  return s;
}

// "cycle CLASS" of command k, or of every command joined by ", ".
std::string trace_text(const std::vector<pim::AttaccIssued>& v, std::size_t k) {
  static const dram::CommandSet set = pim::attacc_command_set(spec52(), false);
  return std::to_string(v[k].cycle) + " " + set.classes[v[k].cls].name;
}
std::string trace_text(const std::vector<pim::AttaccIssued>& v) {
  std::string s;
  for (std::size_t k = 0; k < v.size(); ++k) s += (k ? ", " : "") + trace_text(v, k);
  return s;
}

std::uint64_t at_refreshes(const ATop& top, int p) {
  return dynamic_cast<const tlm_hbm::AttaccTiming&>(top.ch[static_cast<std::size_t>(p)]->timing())
      .controller()
      .counts()
      .cmd[pim::kREFab];
}

std::int64_t cycle_at(const sc_time& t) {
  return static_cast<std::int64_t>(t.value() / sc_time(static_cast<double>(spec52().t.tCK_ps), sc_core::SC_PS).value());
}

}  // namespace

namespace {
// Per placement, `heads` x `len` on one channel: the program's cycles and
// commands equal run_attacc_stack's on the same statements.
void equal_to_core(bool art, int heads, int len) {
  tlm_common::Config::instance().load(three_channels("queued", art));
  ATop top("top", 3, 3);
  tlm_common::Config::instance().check_consumed();
  std::vector<std::vector<pim::AttaccStatement>> prog(3);
  std::vector<tlm_hbm::PimExtension> ext(3);
  for (int p = 0; p < 3; ++p) {
    fa::AttentionSpec spec = one_channel(kPlacements[p], heads, len);
    spec.artifact_compatible = art;
    prog[p] = fa::generate(spec);
    // Through the trace format of pim/attacc_trace.h and back.
    std::stringstream ss;
    pim::TraceHeader h;
    h.present = true;
    h.family = "attacc";
    h.variant = pim::placement_name(kPlacements[p]);
    h.preset = "attacc-hbm3-5.2";
    h.channels = 1;
    pim::write_attacc_trace(ss, h, prog[p]);
    ext[p].attacc = pim::read_attacc_trace(ss, "program", 1);
    REQUIRE(ext[p].attacc.size() == prog[p].size());
    top.cpu[p]->body = [&, p](Initiator& i) {
      sc_time d;
      std::vector<std::uint8_t> none;
      CHECK(send_attacc(i, static_cast<std::uint64_t>(p) * kGiB, ext[p], none, d) == tlm::TLM_OK_RESPONSE);
      CHECK(ext[p].error.empty());
      std::uint64_t cycles = 0;  // the read data of a timing-only program
      REQUIRE(none.size() == 8);
      std::memcpy(&cycles, none.data(), 8);
      CHECK(cycles == ext[p].kernel_cycles);
    };
  }
  sc_core::sc_start();
  top.check_protocol();
  const auto s = tlm_common::collect_stats();
  for (int p = 0; p < 3; ++p) {
    INFO(pim::placement_name(kPlacements[p]));
    REQUIRE(top.cpu[p]->finished);
    pim::AttaccOptions o;
    o.artifact_compatible = art;
    const pim::AttaccResult ref = pim::run_attacc_stack(spec52(), prog[p], o, true);
    WARN(pim::placement_name(kPlacements[p]) << (art ? " artifact-compatible" : " faithful") << ", " << heads
                                             << " heads x " << len << ": " << ext[p].kernel_cycles << " cycles, "
                                             << at_refreshes(top, p) << " refreshes");
    CHECK(ext[p].start_cycle == 1);
    CHECK(ext[p].kernel_cycles == static_cast<std::uint64_t>(ref.cycles));
    auto& at = dynamic_cast<tlm_hbm::AttaccTiming&>(top.ch[p]->timing());
    // The same commands at the same cycles.
    std::size_t same = 0;
    while (same < at.trace().size() && same < ref.issued[0].size() &&
           at.trace()[same].cycle == ref.issued[0][same].cycle && at.trace()[same].cls == ref.issued[0][same].cls)
      ++same;
    INFO("first difference at command " << same << ": " << (same < at.trace().size() ? trace_text(at.trace(), same) : "end")
                                        << " vs " << (same < ref.issued[0].size() ? trace_text(ref.issued[0], same) : "end"));
    CHECK(same == ref.issued[0].size());
    CHECK(at.trace().size() == ref.issued[0].size());
    CHECK(at.check().empty());
    const std::string c = "top.ch" + std::to_string(p);
    CHECK(s.at(c).at("attacc_programs").at("value") == 1);
    CHECK(s.at(c).at("attacc_check_violations").at("value") == 0);
    CHECK(s.at(c).at("attacc_mac_cmds").at("value") ==
          ref.counts.cmd[pim::kMACAB] + ref.counts.cmd[pim::kMACSB] + ref.counts.cmd[pim::kMACPB]);
    // The reference ran a 16-channel stack: every channel refreshes alike.
    CHECK(s.at(c).at("refreshes").at("value").get<std::uint64_t>() * 16 == ref.counts.cmd[pim::kREFab]);
  }
}
}  // namespace

TEST_CASE("queued attacc: a program through the router takes the cycles of the core controller, per placement") {
  equal_to_core(false, 3, 300);
}

TEST_CASE("queued attacc artifact-compatible: a program takes the cycles of the core controller, per placement") {
  equal_to_core(true, 2, 1000);
}

TEST_CASE("queued attacc: K / V written by TLM writes, outputs read back bit-exact against the golden, per placement") {
  tlm_common::Config::instance().load(three_channels("queued"));
  ATop top("top", 3, 3);
  tlm_common::Config::instance().check_consumed();
  struct Case {
    fa::AttentionSpec s;
    std::vector<fa::HeadData> d;
    tlm_hbm::PimExtension ext;
    std::vector<std::uint8_t> res;
    std::uint64_t writes = 0;
  };
  std::vector<Case> cs(3);
  for (int p = 0; p < 3; ++p) {
    Case& c = cs[p];
    c.s = one_channel(kPlacements[p], 3, 100);
    c.d = fa::seeded_heads(c.s, 11 + static_cast<std::uint64_t>(p));
    c.ext.attacc = fa::generate(c.s, &c.ext.attacc_ops);
    c.ext.attacc_len = c.s.len;
    c.ext.attacc_d_head = c.s.d_head;
    for (const fa::HeadData& h : c.d) c.ext.attacc_queries.push_back(h.q);
    c.res.assign(4u * 128 * 3, 0xAA);
    top.cpu[p]->body = [&, p](Initiator& i) {
      Case& c = cs[p];
      const std::uint64_t base = static_cast<std::uint64_t>(p) * kGiB;
      sc_time d;
      for (const auto& [addr, atom] : fa::head_atoms(c.s, c.d)) {
        std::uint8_t bytes[32];
        std::memcpy(bytes, atom.data(), 32);
        REQUIRE(i.transport(tlm::TLM_WRITE_COMMAND, base + addr, bytes, 32, d) == tlm::TLM_OK_RESPONSE);
        ++c.writes;
      }
      CHECK(send_attacc(i, base, c.ext, c.res, d) == tlm::TLM_OK_RESPONSE);
      CHECK(c.ext.error.empty());
    };
  }
  sc_core::sc_start();
  top.check_protocol();
  const auto st = tlm_common::collect_stats();
  for (int p = 0; p < 3; ++p) {
    Case& c = cs[p];
    INFO(pim::placement_name(kPlacements[p]));
    REQUIRE(top.cpu[p]->finished);
    CHECK(c.ext.attacc_hazards == 0);
    const golden::AttaccLevel lvl = p == 0 ? golden::AttaccLevel::Bank
                                    : p == 1 ? golden::AttaccLevel::BankGroup
                                             : golden::AttaccLevel::Buffer;
    int exact = 0;
    for (int h = 0; h < 3; ++h) {
      const auto& hd = c.d[static_cast<std::size_t>(h)];
      const golden::AttaccAttention g = golden::attacc_attention(lvl, 128, c.s.len, hd.k, hd.v, hd.q);
      for (int x = 0; x < 128; ++x) {
        float got;
        std::memcpy(&got, c.res.data() + 4 * (128 * h + x), 4);
        std::uint32_t gb, wb;
        std::memcpy(&gb, &got, 4);
        std::memcpy(&wb, &g.out[static_cast<std::size_t>(x)], 4);
        exact += gb == wb || (got == 0.0f && g.out[static_cast<std::size_t>(x)] == 0.0f);
      }
    }
    CHECK(exact == 3 * 128);
    const std::string ch = "top.ch" + std::to_string(p);
    CHECK(st.at(ch).at("writes").at("value") == c.writes);
    CHECK(st.at(ch).at("attacc_outputs").at("value") == 3 * 128);
    CHECK(st.at(ch).at("attacc_check_violations").at("value") == 0);
    CHECK(st.at(ch).at("attacc_host_rdwr_cmds").at("value") == c.writes);
  }
}

TEST_CASE("queued attacc: host reads and PIM programs share the channel's queue at hand-derived cycles") {
  // attacc-hbm3-5.2, faithful, bank placement: nRC 63, nRAS 45, nRP 19,
  // nRCDRD 19, nCL 19, nBL 2, nRTPL 8, nCCDAB 6; tCK 769 ps.
  //  - cpu0 at cycle 0: program A = MACAB row 0, cols 0..3. Pushed at 1:
  //    ACTAB 1, MACAB 1 + nRCDRD = 20, 26, 32, 38; done 39.
  //  - cpu1 at cycle 10: a 32 B read of pCH0 SID0 BG1 bank 2 row 5. It enters
  //    the queue behind A's MACs and waits for them (a fence); at the head:
  //    PREA at max(ACTAB + nRAS, last MACAB + nRTPL) = max(46, 46) = 46,
  //    ACT at PREA + nRP = 65 (tRC after ACTAB: 64), RD at 65 + nRCDRD = 84,
  //    data done 84 + nCL + nBL = 105; PRE at max(ACT + nRAS, RD + nRTPL) = 110.
  //    Alone it would be ACT 10, RD 29, done 50.
  //  - cpu2 at cycle 12: program B = MACAB row 0, cols 4, 5, behind the read:
  //    ACTAB at max(PRE + nRP, ACT + nRC) = max(129, 128) = 129, MACAB 148,
  //    154; done 155.
  //  - cpu1 again at cycle 300: a read of pCH1 SID1 BG3 bank 3 row 7: B left
  //    row 0 open, so PREA at once (300 >= 129 + nRAS, 154 + nRTPL), ACT 319,
  //    RD 338, done 359.
  tlm_common::Config::instance().load(nlohmann::json::parse(R"({
      "top.noc.address_map": [{"base": 0, "size": "0x40000000", "port": 0}],
      "top.noc.latency_cycles": 0, "top.noc.clock_mhz": 100000,
      "top.ch0.frontend": "queued", "top.ch0.pim_family": "attacc",
      "top.ch0.preset": "attacc-hbm3-5.2", "top.ch0.placement": "bank", "top.ch0.trace": true,
      "top.ch0.trace_file": "attacc_sharing_cmds"})"));
  ATop top("top", 3, 1);
  tlm_common::Config::instance().check_consumed();
  const sc_time tck(static_cast<double>(spec52().t.tCK_ps), sc_core::SC_PS);
  auto macs = [](int c0, int n) {
    std::vector<pim::AttaccStatement> v;
    for (int c = c0; c < c0 + n; ++c)
      v.push_back({pim::AttaccReq::MacAB, pim::encode_addr(pim::AttaccAddr{0, 0, 0, 0, 0, 0, c})});
    return v;
  };
  tlm_hbm::PimExtension a, b;
  a.attacc = macs(0, 4);
  b.attacc = macs(4, 2);
  sc_time read1_done, read2_done, b_done;
  top.cpu[0]->body = [&](Initiator& i) {
    sc_time d;
    std::vector<std::uint8_t> none;
    CHECK(send_attacc(i, 0, a, none, d) == tlm::TLM_OK_RESPONSE);
  };
  top.cpu[1]->body = [&](Initiator& i) {
    std::uint8_t buf[32];
    sc_time d = tck * 10;
    CHECK(i.transport(tlm::TLM_READ_COMMAND, pim::encode_addr(pim::AttaccAddr{0, 0, 0, 1, 2, 5, 0}), buf, 32, d) ==
          tlm::TLM_OK_RESPONSE);
    read1_done = sc_core::sc_time_stamp() + d;
    d = tck * 300 - sc_core::sc_time_stamp();
    CHECK(i.transport(tlm::TLM_READ_COMMAND, pim::encode_addr(pim::AttaccAddr{0, 1, 1, 3, 3, 7, 0}), buf, 32, d) ==
          tlm::TLM_OK_RESPONSE);
    read2_done = sc_core::sc_time_stamp() + d;
  };
  top.cpu[2]->body = [&](Initiator& i) {
    sc_time d = tck * 12;
    std::vector<std::uint8_t> none;
    CHECK(send_attacc(i, 0, b, none, d) == tlm::TLM_OK_RESPONSE);
    b_done = sc_core::sc_time_stamp() + d;
  };
  sc_core::sc_start();
  top.check_protocol();
  CHECK(a.start_cycle == 1);
  CHECK(a.kernel_cycles == 38);  // done 39
  CHECK(cycle_at(read1_done) == 105);
  CHECK(b.start_cycle == 12);
  CHECK(b.kernel_cycles == 155 - 12);
  CHECK(cycle_at(b_done) == 155);
  CHECK(cycle_at(read2_done) == 359);
  auto& at = dynamic_cast<tlm_hbm::AttaccTiming&>(top.ch[0]->timing());
  CHECK(trace_text(at.trace()) ==
        "1 ACTAB, 20 MACAB, 26 MACAB, 32 MACAB, 38 MACAB, 46 PREA, 65 ACT, 84 RD, 110 PRE, 129 ACTAB, 148 MACAB, "
        "154 MACAB, 300 PREA, 319 ACT, 338 RD, 364 PRE");
  CHECK(at.check().empty());
  const auto s = tlm_common::collect_stats();
  CHECK(s.at("top.ch0").at("attacc_programs").at("value") == 2);
  CHECK(s.at("top.ch0").at("reads").at("value") == 2);
  CHECK(s.at("top.ch0").at("attacc_host_act_cmds").at("value") == 2);
  CHECK(s.at("top.ch0").at("attacc_check_violations").at("value") == 0);
  // Energy (attacc_pim.md §9 FGDRAM figures): the host's 2 ACT x 1 KiB row x
  // 8 x 0.11 = 1802.24 pJ and 2 RD x 32 B x 8 x 3.48 = 1781.76 pJ; the programs'
  // 6 MACAB x 64 banks x 256 bits x 0.55 = 54067.2, 6 x 64 x 16 lanes x 0.32 =
  // 1966.08 and 2 ACTAB x 64 banks x 8192 bits x 0.11 = 115343.36.
  CHECK(s.at("top.ch0").at("attacc_host_energy_pj").at("value").get<double>() == Approx(3584.0).epsilon(1e-12));
  CHECK(s.at("top.ch0").at("attacc_host_energy_pj").at("unit") == "pJ");
  CHECK(s.at("top.ch0").at("attacc_energy_pj").at("value").get<double>() ==
        Approx(171376.64 + 3584.0).epsilon(1e-12));
  // The VCD shows the channel's banks (8 bank groups = SID x BG per pCH).
  tlm_common::Session::instance().finish({});
  std::ifstream vcd("attacc_sharing_cmds.vcd");
  const std::string text((std::istreambuf_iterator<char>(vcd)), std::istreambuf_iterator<char>());
  CHECK(text.find("$scope module bank_group7") != std::string::npos);
  CHECK(text.find("open_row") != std::string::npos);
}

TEST_CASE("immediate attacc: a read, then a program, each timed alone in call order") {
  // One initiator: a read at cycle 0 (arrival 0, pushed at the controller's
  // first cycle 1: ACT 1, RD 20, done 41, PRE at 1 + nRAS = 46), then program A (MACAB row 0
  // cols 0..3) sent at the read's completion (41; the router's 10 ps data beat
  // puts its arrival in cycle 42): pushed at 42, behind the read's PRE; ACTAB
  // at PRE + nRP = 65 (tRC after the ACT: 64), MACAB 84, 90, 96, 102; done 103.
  tlm_common::Config::instance().load(nlohmann::json::parse(R"({
      "top.noc.address_map": [{"base": 0, "size": "0x40000000", "port": 0}],
      "top.noc.latency_cycles": 0, "top.noc.clock_mhz": 100000,
      "top.ch0.pim_family": "attacc", "top.ch0.preset": "attacc-hbm3-5.2", "top.ch0.placement": "bank"})"));
  ATop top("top", 1, 1);
  tlm_common::Config::instance().check_consumed();
  const sc_time tck(static_cast<double>(spec52().t.tCK_ps), sc_core::SC_PS);
  tlm_hbm::PimExtension a;
  for (int c = 0; c < 4; ++c) a.attacc.push_back({pim::AttaccReq::MacAB, pim::encode_addr(pim::AttaccAddr{0, 0, 0, 0, 0, 0, c})});
  sc_time read_done, prog_done;
  top.cpu[0]->body = [&](Initiator& i) {
    std::uint8_t buf[32];
    sc_time d;
    CHECK(i.transport(tlm::TLM_READ_COMMAND, pim::encode_addr(pim::AttaccAddr{0, 1, 0, 2, 1, 9, 3}), buf, 32, d) ==
          tlm::TLM_OK_RESPONSE);
    read_done = sc_core::sc_time_stamp() + d;
    std::vector<std::uint8_t> none;
    CHECK(send_attacc(i, 0, a, none, d) == tlm::TLM_OK_RESPONSE);
    prog_done = sc_core::sc_time_stamp() + d;
  };
  sc_core::sc_start();
  top.check_protocol();
  CHECK(cycle_at(read_done) == 41);
  CHECK(a.start_cycle == 42);
  CHECK(cycle_at(prog_done) == 103);
  CHECK(a.kernel_cycles == 103 - 42);
  const auto& at = dynamic_cast<tlm_hbm::AttaccTiming&>(top.ch[0]->timing());
  CHECK(trace_text(at.trace()) == "1 ACT, 20 RD, 46 PRE, 65 ACTAB, 84 MACAB, 90 MACAB, 96 MACAB, 102 MACAB");
  CHECK(at.check().empty());
}

TEST_CASE("attacc channel: a program of another placement or beyond the channel is refused and changes nothing") {
  tlm_common::Config::instance().load(nlohmann::json::parse(R"({
      "top.noc.address_map": [{"base": 0, "size": "0x40000000", "port": 0}],
      "top.noc.latency_cycles": 0, "top.noc.clock_mhz": 100000,
      "top.ch0.frontend": "queued", "top.ch0.pim_family": "attacc", "top.ch0.preset": "attacc-hbm3-5.2",
      "top.ch0.placement": "bg"})"));
  ATop top("top", 1, 1);
  tlm_common::Config::instance().check_consumed();
  tlm_hbm::PimExtension wrong, beyond, barriers;
  wrong.attacc = {{pim::AttaccReq::MacAB, 0}};
  beyond.attacc = {{pim::AttaccReq::MacSB, kGiB}};
  barriers.attacc = {{pim::AttaccReq::Barrier, 0}};
  top.cpu[0]->body = [&](Initiator& i) {
    sc_time d;
    std::vector<std::uint8_t> none;
    CHECK(send_attacc(i, 0, wrong, none, d) == tlm::TLM_GENERIC_ERROR_RESPONSE);
    CHECK(send_attacc(i, 0, beyond, none, d) == tlm::TLM_GENERIC_ERROR_RESPONSE);
    CHECK(send_attacc(i, 0, barriers, none, d) == tlm::TLM_GENERIC_ERROR_RESPONSE);
  };
  sc_core::sc_start();
  CHECK_THAT(wrong.error, Catch::Contains("placement is 'bg'"));
  CHECK_THAT(beyond.error, Catch::Contains("beyond the channel"));
  CHECK_THAT(barriers.error, Catch::Contains("no request other than barriers"));
  const auto s = tlm_common::collect_stats();
  CHECK(s.at("top.ch0").at("pim_rejected").at("value") == 3);
  CHECK(s.at("top.ch0").at("dram_commands").at("value") == 0);
}

TEST_CASE("attacc channel: a non-AttAcc preset or an unknown placement is a ConfigError naming the key") {
  tlm_common::Config::instance().load(nlohmann::json::parse(R"({"ch0.pim_family": "attacc"})"));
  CHECK_THROWS_MATCHES(tlm_hbm::HbmChannel("ch0"), tlm_common::ConfigError,
                       Catch::Matchers::Predicate<tlm_common::ConfigError>([](const tlm_common::ConfigError& e) {
                         const std::string w = e.what();
                         return w.find("preset") != std::string::npos && w.find("hbm2-pimba") != std::string::npos &&
                                w.find("attacc-hbm3-") != std::string::npos;
                       }));
}

TEST_CASE("attacc channel: an unknown placement is a ConfigError naming the key and the allowed values") {
  tlm_common::Config::instance().load(nlohmann::json::parse(
      R"({"ch0.pim_family": "attacc", "ch0.preset": "attacc-hbm3-5.2", "ch0.placement": "rank"})"));
  CHECK_THROWS_MATCHES(tlm_hbm::HbmChannel("ch0"), tlm_common::ConfigError,
                       Catch::Matchers::Predicate<tlm_common::ConfigError>([](const tlm_common::ConfigError& e) {
                         const std::string w = e.what();
                         return w.find("placement") != std::string::npos && w.find("rank") != std::string::npos &&
                                w.find("buffer") != std::string::npos;
                       }));
}

TEST_CASE("attacc timing: refresh closes a host access's bank and the next activation waits nRFC") {
  // AttaccTiming alone (attacc-hbm3-5.2, faithful): a read of pCH 0 SID 1
  // BG 2 bank 3 row 9 at 5060: ACT 5060, RD 5079 (the second slot of the
  // cycles that belong to the refresh due at nREFI = 5070), done 5100. The
  // refresh's PREA at ACT + nRAS = 5105 closes the bank (the read's own PRE is
  // dropped), REFab pCH 0 at PREA + nRP = 5124, pCH 1 at 5125. A read at 6000
  // (> 5124 + nRFC 456): ACT 6000, RD 6019, done 6040, PRE 6045.
  tlm_hbm::AttaccTiming at(spec52(), pim::AttaccPlacement::Bank, false, true);
  const std::uint64_t a1 = pim::encode_addr(pim::AttaccAddr{0, 0, 1, 2, 3, 9, 0});
  const std::uint64_t a2 = pim::encode_addr(pim::AttaccAddr{0, 1, 0, 1, 0, 4, 5});
  CHECK(at.access({{a1, false}}, 5060).done == 5100);
  CHECK(at.access({{a2, false}}, 6000).done == 6040);
  at.advance(7000);
  CHECK(trace_text(at.trace()) == "5060 ACT, 5079 RD, 5105 PREA, 5124 REFab, 5125 REFab, 6000 ACT, 6019 RD, 6045 PRE");
  CHECK(at.check().empty());
}

TEST_CASE("queued attacc: a MAC computes on the bytes as they are when it issues, not at the program's end") {
  // Bank placement, faithful, 1 head x 100. K / V through the back door at
  // time 0; the program arrives at cycle 0 (first statement queued at 1).
  // cpu1 then overwrites the atom the first MACAB reads in bank (pCH0, SID0,
  // BG0, bank0) with FP16 +inf, arriving the cycle after that MAC issued: the
  // write queues behind the program's statements already queued (a fence),
  // completes before the program does, and must not reach a MAC that issued
  // before it. Computed at the program's end, that MAC would read +inf (a
  // score of +-inf or NaN: no output matched); per command, the outputs are
  // the golden's of the original data, bit for bit.
  tlm_common::Config::instance().load(three_channels("queued"));
  ATop top("top", 2, 3);
  tlm_common::Config::instance().check_consumed();
  const fa::AttentionSpec s = one_channel(pim::AttaccPlacement::Bank, 1, 100);
  const std::vector<fa::HeadData> d = fa::seeded_heads(s, 29);
  tlm_hbm::PimExtension ext;
  ext.attacc = fa::generate(s, &ext.attacc_ops);
  ext.attacc_len = s.len;
  ext.attacc_d_head = s.d_head;
  ext.attacc_queries.push_back(d[0].q);
  for (const auto& [addr, atom] : fa::head_atoms(s, d))
    top.ch[0]->debug_write(addr, reinterpret_cast<const std::uint8_t*>(atom.data()), 32);
  // The first MACAB and the cycle it issues (the program alone, from cycle 1).
  std::size_t first = 0;
  while (ext.attacc[first].type != pim::AttaccReq::MacAB) ++first;
  pim::AttaccOptions o;
  const pim::AttaccResult ref = pim::run_attacc_stack(spec52(), ext.attacc, o, true);
  std::int64_t mac_cycle = -1;
  for (const pim::AttaccIssued& c : ref.issued[0])
    if (c.stmt == static_cast<std::int64_t>(first)) mac_cycle = c.cycle;
  REQUIRE(mac_cycle > 0);
  const std::uint64_t victim = ext.attacc[first].addr;
  std::vector<std::uint8_t> res(4u * 128, 0xAA);
  sc_time write_done, prog_done;
  const sc_time tck(static_cast<double>(spec52().t.tCK_ps), sc_core::SC_PS);
  top.cpu[0]->body = [&](Initiator& i) {
    sc_time dl;
    CHECK(send_attacc(i, 0, ext, res, dl) == tlm::TLM_OK_RESPONSE);
    prog_done = sc_core::sc_time_stamp() + dl;
  };
  top.cpu[1]->body = [&](Initiator& i) {
    std::uint8_t inf[32];
    for (int k = 0; k < 16; ++k) inf[2 * k] = 0x00, inf[2 * k + 1] = 0x7C;  // FP16 +inf, little-endian
    sc_time dl = tck * static_cast<double>(mac_cycle + 1);
    CHECK(i.transport(tlm::TLM_WRITE_COMMAND, victim, inf, 32, dl) == tlm::TLM_OK_RESPONSE);
    write_done = sc_core::sc_time_stamp() + dl;
  };
  sc_core::sc_start();
  top.check_protocol();
  CHECK(ext.start_cycle == 1);
  CHECK(cycle_at(write_done) > mac_cycle);
  CHECK(write_done < prog_done);
  CHECK(ext.attacc_hazards == 0);
  const golden::AttaccAttention g =
      golden::attacc_attention(golden::AttaccLevel::Bank, 128, s.len, d[0].k, d[0].v, d[0].q);
  int exact = 0;
  for (int x = 0; x < 128; ++x) {
    std::uint32_t got, want;
    std::memcpy(&got, res.data() + 4 * x, 4);
    std::memcpy(&want, &g.out[static_cast<std::size_t>(x)], 4);
    exact += got == want;
  }
  CHECK(exact == 128);
  // The store holds the write afterwards.
  std::uint8_t back[32];
  top.ch[0]->debug_read(victim, back, 32);
  CHECK(back[1] == 0x7C);
}
