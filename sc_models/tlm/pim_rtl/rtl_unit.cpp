// The Verilated PIM unit behind the channel's unit-model interface
// (`tlm/pim_rtl/rtl_unit.h describes the clocking scheme and the shadow check).
// Compiled once per Verilated variant library (plain, FST-traced, faults):
// PIMLAB_RTL_VARIANT names it, PIMLAB_RTL_TRACE is 1 for the traced one.
//
// Verilator's headers pull systemc.h-like globals in; they stay in this file
// (pimpl: the public header knows nothing of Vpim_pu). The generated header
// comes first (STYLE.md).
#include "Vpim_pu.h"
#if PIMLAB_RTL_TRACE
#include "verilated_fst_c.h"
#endif
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <stdexcept>

#include "tlm/common/interrupt.h"
#include "tlm/pim_rtl/detail.h"
#include "verilated.h"

namespace pimlab::tlm_pim_rtl {

const char* rtl_variant() { return PIMLAB_RTL_VARIANT; }
bool rtl_available() { return true; }
bool rtl_can_trace() { return PIMLAB_RTL_TRACE != 0; }

namespace detail {
namespace {

using Atom = std::array<std::uint8_t, 32>;
constexpr int kRowBytes = pim_unit::PimUnit::kRowBytes;

template <typename W>
void set_wide(W& w, const std::uint8_t* a) {
  for (int i = 0; i < 8; ++i) {
    std::uint32_t v;
    std::memcpy(&v, a + 4 * i, 4);
    w[i] = v;
  }
}
template <typename W>
void get_wide(const W& w, std::uint8_t* a) {
  for (int i = 0; i < 8; ++i) {
    const std::uint32_t v = w[i];
    std::memcpy(a + 4 * i, &v, 4);
  }
}

std::string describe(const pim_unit::Command& c) {
  std::string s = pim_unit::op_name(c.op & 7);
  s += " bank " + std::string(c.bank ? "B" : "A") + " idx " + std::to_string(c.idx);
  return s;
}

class RtlUnit : public tlm_hbm::PimUnitModel {
 public:
  RtlUnit(const tlm_hbm::PimUnitSite& site, const RtlOptions& opt, UnitRecord& rec)
      : m_site(site), m_rec(rec), m_ctx(new VerilatedContext), m_rules(site.params), m_check(opt.shadow_check),
        m_twin(site.params) {
    if (site.params.lanes != 8 || site.params.reg_sets != 1)
      throw std::invalid_argument("unit '" + site.name +
                                  "': the Verilated pim_pu library is built with Lanes 8, RegSets 1; "
                                  "the channel asks for pu_lanes " +
                                  std::to_string(site.params.lanes) + ", pu_reg_sets " +
                                  std::to_string(site.params.reg_sets));
    // Unknown initial values are random, seeded per run and per unit.
    m_ctx->randReset(2);
    m_ctx->randSeed(static_cast<int>((opt.seed * 2654435761u +
                                      static_cast<std::uint32_t>(site.pch * 64 + site.bank_group * 8 + site.pair)) &
                                     0x7fffffff) |
                    1);
#if PIMLAB_RTL_TRACE
    if (!opt.trace_dir.empty()) m_ctx->traceEverOn(true);
#endif
    m_dut.reset(new Vpim_pu(m_ctx.get(), "pim_pu"));
#if PIMLAB_RTL_TRACE
    if (!opt.trace_dir.empty()) {
      m_fst.reset(new VerilatedFstC);
      m_dut->trace(m_fst.get(), 99);
      std::filesystem::create_directories(opt.trace_dir);
      m_trace_path = opt.trace_dir + "/" + site.name + ".fst";
      m_fst->open(m_trace_path.c_str());
      add_trace_file(m_trace_path);
      add_trace_closer(this, [this] { close_trace(); });
    }
#else
    if (!opt.trace_dir.empty())
      throw std::runtime_error("this program links the untraced pim_pu library (" PIMLAB_RTL_VARIANT "); no FST");
#endif
    m_tck = site.tck_ps;
    // Reset before cycle 0: rst_ni low over two clock edges (not dumped:
    // the waves start at time 0 with the unit out of reset).
    idle_inputs();
    m_dut->clk_i = 0;
    m_dut->rst_ni = 0;
    m_dut->eval();
    for (int i = 0; i < 2; ++i) {
      m_dut->clk_i = 1;
      m_dut->eval();
      m_dut->clk_i = 0;
      m_dut->eval();
    }
    m_dut->rst_ni = 1;
    m_dut->clk_i = 1;
    m_dut->eval();
    m_rd_next[0].fill(0);
    m_rd_next[1].fill(0);
  }

  ~RtlUnit() override {
    remove_trace_closer(this);
    close_trace();
    m_dut->final();
  }

  // The last time (the unit's current cycle) and the file's close; once.
  void close_trace() {
#if PIMLAB_RTL_TRACE
    if (m_fst && m_fst->isOpen()) {
      m_fst->dump(static_cast<std::uint64_t>(m_cycle) * m_tck);
      m_fst->close();
    }
#endif
  }

  // Wall time spent in the unit (bench figures).
  struct Timer {
    UnitRecord& r;
    std::chrono::steady_clock::time_point t0 = std::chrono::steady_clock::now();
    ~Timer() { r.seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); }
  };

  bool issue(const pim_unit::Command& cmd, pim_unit::Cycle t, const pim_unit::PimUnit::Rows& rows,
             std::array<std::uint8_t, 32>* result) override {
    Timer timer{m_rec};
    if (t < m_cycle)
      throw std::logic_error("unit '" + m_site.name + "': command in cycle " + std::to_string(t) +
                             ", the RTL is already at cycle " + std::to_string(m_cycle));
    run_until(t);
    track_rows(rows);
    const std::uint8_t err_before = m_dut->err_cause_o;
    // The unit's command rules (spec.md, "Busy window and command rules")
    // tell which COMPs are accepted and which of them write back (SU).
    const int op = cmd.op & 7;
    bool su_comp = false;
    if (m_rules.check(cmd, t) == 0) {
      if (op == static_cast<int>(pim_unit::Op::comp)) {
        su_comp = m_rules.mode(cmd.bank & 1) == pim_unit::Mode::su;
        m_comp_cmd.push_back({t, m_rec.commands});
      }
      m_rules.accept(cmd, t);
    }
    if (su_comp) m_su_pending.push_back(t);
    std::array<std::uint8_t, 32> twin_res{};
    // The twin's busy() looks at its last COMP only: take cycle t's value
    // before the twin sees the command of cycle t.
    const int twin_busy = m_check ? twin_busy_at(t) : 0;
    if (m_check) m_twin.issue(cmd, t, twin_rows(), &twin_res);
    m_last_cmd = cmd;
    static const bool debug = std::getenv("PIMLAB_COSIM_DEBUG") != nullptr;
    if (debug)
      std::fprintf(stderr, "%s c%lld %s\n", m_site.name.c_str(), static_cast<long long>(t), describe(cmd).c_str());
    m_rec.wave_command(t, op);
    clock(&cmd, twin_busy);
    ++m_rec.commands;
    if (op == static_cast<int>(pim_unit::Op::result)) {
      // Registered output: after the edge ending cycle t, res_data_o holds
      // cycle t+1's value.
      std::array<std::uint8_t, 32> res{};
      if (m_dut->res_valid_o) get_wide(m_dut->res_data_o, res.data());
      if (result) *result = res;
      if (m_check && res != twin_res)
        mismatch(t + 1, "RESULT bank " + std::string(cmd.bank ? "B" : "A") + " group " + std::to_string(cmd.idx & 3),
                 m_rec.commands - 1, describe(m_last_cmd), twin_res.data(), res.data());
    }
    return (m_dut->err_cause_o & ~err_before) == 0;
  }

  void settle(pim_unit::Cycle t) override {
    Timer timer{m_rec};
    run_until(t);
  }

  void settle_all() override {
    Timer timer{m_rec};
    // Through the last write-back (rows must be final when the kernel ends).
    // Accumulator updates may still be in flight: a RESULT comes at least
    // AccLat + 1 cycles after its bank's COMP and clocks them through then.
    // Not further: the channel may start the next kernel AccLat cycles after
    // the last COMP.
    run_until(std::max(m_cycle, m_rules.last_comp() + m_site.params.wb_lat() + 1));
    if (m_check) {
      m_twin.settle_all();
      for (int b = 0; b < 2; ++b) compare_row(b);
      if (m_twin.err_cause() != m_dut->err_cause_o) {
        const std::uint8_t e = m_twin.err_cause(), a = m_dut->err_cause_o;
        mismatch(m_cycle, "err_cause_o at the end of the kernel", m_rec.commands ? m_rec.commands - 1 : 0,
                 describe(m_last_cmd), &e, &a, 1);
      }
      for (int b = 0; b < 2; ++b) m_scratch_src[b] = nullptr;  // rows may change between kernels
    }
  }

  bool writeback_pending() const override {
    for (pim_unit::Cycle c : m_su_pending)
      if (c + m_site.params.wb_lat() >= m_cycle) return true;
    return false;
  }
  std::uint8_t err_cause() const override { return m_dut->err_cause_o; }
  std::string last_error() const override {
    return "RTL err_cause_o = " + pim_unit::err_text(m_dut->err_cause_o) + " (unit " + m_site.name + ")";
  }
  const pim_unit::PuParams& params() const override { return m_site.params; }

 private:
  void idle_inputs() {
    m_dut->cmd_valid_i = 0;
    m_dut->cmd_op_i = 0;
    m_dut->cmd_bank_i = 0;
    m_dut->cmd_idx_i = 0;
    const Atom z{};
    set_wide(m_dut->cmd_wdata_i, z.data());
  }

  void run_until(pim_unit::Cycle t) {
    while (m_cycle < t) {
      // One interrupt acts within a second even when a command waits for
      // millions of cycles (a traced unit clocks every cycle): the PIM path
      // catches tlm_common::Interrupted and ends the kernel. Between two
      // cycles, so the unit and its FST stay consistent.
      if ((++m_poll & (tlm_common::kInterruptPollCycles - 1)) == 0) tlm_common::throw_if_interrupted();
      // Nothing in flight and nothing to trace: jumping ahead is exact (the
      // unit's state does not change without commands once busy_o is low
      // and the last write-back and result are out).
      if (!m_fst_on() && m_dut->busy_o == 0 && m_cycle > m_rules.last_comp() + m_site.params.acc_lat() + 1 &&
          !m_dut->res_valid_o) {
        m_cycle = t;
        break;
      }
      clock(nullptr);
    }
    while (!m_su_pending.empty() && m_su_pending.front() + m_site.params.wb_lat() < m_cycle) m_su_pending.pop_front();
    while (!m_comp_cmd.empty() && m_comp_cmd.front().first + m_site.params.acc_lat() + 1 < m_cycle - 64)
      m_comp_cmd.pop_front();
  }

  bool m_fst_on() const {
#if PIMLAB_RTL_TRACE
    return m_fst != nullptr;
#else
    return false;
#endif
  }

  void dump(std::uint64_t time_ps) {
#if PIMLAB_RTL_TRACE
    if (m_fst) m_fst->dump(time_ps);
#else
    (void)time_ps;
#endif
  }

  // One clock cycle m_cycle with `cmd` (or an idle port).
  int twin_busy_at(pim_unit::Cycle n) const { return m_twin.busy_mask(n); }

  void clock(const pim_unit::Command* cmd, int twin_busy = -1) {
    const pim_unit::Cycle n = m_cycle;
    // Inputs of cycle n: read data of the previous cycle's read, the command.
    set_wide(m_dut->bank_a_rdata_i, m_rd_next[0].data());
    set_wide(m_dut->bank_b_rdata_i, m_rd_next[1].data());
    if (cmd) {
      m_dut->cmd_valid_i = 1;
      m_dut->cmd_op_i = cmd->op & 7;
      m_dut->cmd_bank_i = cmd->bank & 1;
      m_dut->cmd_idx_i = cmd->idx & 31;
      set_wide(m_dut->cmd_wdata_i, cmd->wdata.data());
    } else if (m_dut->cmd_valid_i) {
      idle_inputs();
    }
    // The outputs are registered (spec.md: visible in cycle n = after the
    // edge that ends cycle n-1), so settling the new inputs here only matters
    // for the waveform; the falling-edge eval below settles them anyway.
    if (m_fst_on()) {
      m_dut->eval();
      dump(static_cast<std::uint64_t>(n) * m_tck);
    }
    // Outputs of cycle n (registered): bank read (old content), write-back
    // at the end of the cycle, busy.
    const int busy = m_dut->busy_o;
    m_rec.wave_busy_at(n, busy);
    if (busy) {
      ++m_rec.busy_cycles;
      m_rec.last_busy = std::max<std::int64_t>(m_rec.last_busy, n);
    }
    if (m_check) {
      const int want = twin_busy >= 0 ? twin_busy : twin_busy_at(n);
      if (want != busy) {
        const std::uint8_t e = static_cast<std::uint8_t>(want), a = static_cast<std::uint8_t>(busy);
        mismatch(n, "busy_o", last_comp_command(n), "", &e, &a, 1);
      }
    }
    const int re = m_dut->bank_re_o, we = m_dut->bank_we_o;
    const int rcol = m_dut->bank_rcol_o, wcol = m_dut->bank_wcol_o;
    for (int b = 0; b < 2; ++b)
      if (re & (1 << b)) {
        if (!m_rows[b])
          throw std::logic_error("unit '" + m_site.name + "': RTL reads bank " + (b ? "B" : "A") + " in cycle " +
                                 std::to_string(n) + " with no row open");
        std::memcpy(m_rd_next[b].data(), m_rows[b] + 32 * rcol, 32);
      }
    for (int b = 0; b < 2; ++b)
      if (we & (1 << b)) {
        Atom w;
        get_wide(m_dut->bank_wdata_o, w.data());
        if (!m_rows[b])
          throw std::logic_error("unit '" + m_site.name + "': RTL writes bank " + (b ? "B" : "A") + " in cycle " +
                                 std::to_string(n) + " with no row open");
        std::memcpy(m_rows[b] + 32 * wcol, w.data(), 32);
        if (m_check) {
          m_twin.settle(n + 1);
          const std::uint8_t* want = m_scratch_src[b] ? m_scratch[b].data() + 32 * wcol : nullptr;
          if (!want || std::memcmp(want, w.data(), 32) != 0) {
            const Atom none{};
            mismatch(n, std::string("write-back bank ") + (b ? "B" : "A") + " atom " + std::to_string(wcol),
                     comp_command(n - m_site.params.wb_lat()),
                     "COMP " + std::string(b ? "B" : "A") + " atom " + std::to_string(wcol) + " issued in cycle " +
                         std::to_string(n - m_site.params.wb_lat()),
                     want ? want : none.data(), w.data());
            if (want) std::memcpy(m_scratch[b].data() + 32 * wcol, w.data(), 32);  // report each difference once
          }
        }
      }
    // Falling edge half a cycle in, rising edge at the end of cycle n.
    m_dut->clk_i = 0;
    m_dut->eval();
    dump(static_cast<std::uint64_t>(n) * m_tck + m_tck / 2);
    m_dut->clk_i = 1;
    m_dut->eval();
    ++m_cycle;
    ++m_rec.cycles_clocked;
#if PIMLAB_RTL_TRACE
    // The FST writer keeps value changes in memory until a flush: write them
    // out every kFstFlushCycles cycles, so that closing the file (at the end,
    // or on an interrupt) has little left to do, and a killed run leaves a
    // file that reads (with its .hier side file) up to the last flush.
    if (m_fst && (m_cycle & (kFstFlushCycles - 1)) == 0) m_fst->flush();
#endif
  }

  // Rows: the channel's open rows (written by the RTL); the twin computes on
  // private copies taken when a row is first seen.
  void track_rows(const pim_unit::PimUnit::Rows& rows) {
    for (int b = 0; b < 2; ++b) {
      if (m_check && rows.row[b] != m_scratch_src[b]) {
        if (m_scratch_src[b]) compare_row(b);
        m_scratch_src[b] = rows.row[b];
        if (rows.row[b]) std::memcpy(m_scratch[b].data(), rows.row[b], kRowBytes);
      }
      m_rows[b] = rows.row[b];
    }
  }
  pim_unit::PimUnit::Rows twin_rows() {
    pim_unit::PimUnit::Rows r;
    for (int b = 0; b < 2; ++b) r.row[b] = m_scratch_src[b] ? m_scratch[b].data() : nullptr;
    return r;
  }
  void compare_row(int b) {
    if (!m_scratch_src[b]) return;
    m_twin.settle(m_cycle);
    for (int a = 0; a < pim_unit::PimUnit::kAtoms; ++a)
      if (std::memcmp(m_scratch[b].data() + 32 * a, m_scratch_src[b] + 32 * a, 32) != 0) {
        mismatch(m_cycle,
                 std::string("row content bank ") + (b ? "B" : "A") + " atom " + std::to_string(a) +
                     " (a write-back the RTL did not make)",
                 m_rec.commands ? m_rec.commands - 1 : 0, describe(m_last_cmd), m_scratch[b].data() + 32 * a,
                 m_scratch_src[b] + 32 * a);
        std::memcpy(m_scratch[b].data() + 32 * a, m_scratch_src[b] + 32 * a, 32);
      }
  }

  std::uint64_t comp_command(pim_unit::Cycle issue) const {
    for (const auto& [c, idx] : m_comp_cmd)
      if (c == issue) return idx;
    return m_rec.commands ? m_rec.commands - 1 : 0;
  }
  std::uint64_t last_comp_command(pim_unit::Cycle n) const {
    std::uint64_t best = m_rec.commands ? m_rec.commands - 1 : 0;
    for (const auto& [c, idx] : m_comp_cmd)
      if (c < n) best = idx;
    return best;
  }

  void mismatch(pim_unit::Cycle cycle, const std::string& what, std::uint64_t cmd_index, const std::string& cmd_text,
                const std::uint8_t* expected, const std::uint8_t* actual, int n = 32) {
    UnitMismatch m;
    m.unit = m_site.name;
    m.what = what;
    m.cycle = cycle;
    m.time_ps = static_cast<std::uint64_t>(cycle) * m_tck;
    m.unit_command = cmd_index;
    m.command = cmd_text;
    m.expected = hex(expected, n);
    m.actual = hex(actual, n);
    report_mismatch(std::move(m));
  }

  tlm_hbm::PimUnitSite m_site;
  UnitRecord& m_rec;
  std::unique_ptr<VerilatedContext> m_ctx;
  std::unique_ptr<Vpim_pu> m_dut;
#if PIMLAB_RTL_TRACE
  std::unique_ptr<VerilatedFstC> m_fst;
#endif
  std::string m_trace_path;
  // Closing an FST flushes what is left: with a flush every 2^13 cycles that
  // is at most 8192 cycles per unit, tens of ms, so an interrupt that closes
  // 16 traced units still acts within a second (docs/cosim.md has the
  // figures); every 2^16 cycles took up to 6 s on a loaded machine. The flush
  // itself costs in proportion to the value changes, not to the period.
  static constexpr pim_unit::Cycle kFstFlushCycles = pim_unit::Cycle{1} << 13;
  unsigned m_poll = 0;  // cycles clocked by run_until, for the interrupt poll
  std::uint64_t m_tck = 1000;
  pim_unit::Cycle m_cycle = 0;  // next cycle to clock
  std::uint8_t* m_rows[2] = {nullptr, nullptr};
  Atom m_rd_next[2];
  pim_unit::CommandRules m_rules;  // the RTL's accepted COMPs and each bank's mode
  std::deque<pim_unit::Cycle> m_su_pending;  // issue cycles of SU COMPs whose write-back may be pending
  std::deque<std::pair<pim_unit::Cycle, std::uint64_t>> m_comp_cmd;  // (issue cycle, unit command index) of recent COMPs
  pim_unit::Command m_last_cmd;                                      // the last command issued (for reports)
  // Shadow check.
  bool m_check;
  pim_unit::PimUnit m_twin;
  std::array<std::uint8_t, kRowBytes> m_scratch[2]{};
  const std::uint8_t* m_scratch_src[2] = {nullptr, nullptr};
};

}  // namespace

std::unique_ptr<tlm_hbm::PimUnitModel> make_rtl_unit(const tlm_hbm::PimUnitSite& site, const RtlOptions& opt,
                                                     UnitRecord& rec) {
  return std::make_unique<RtlUnit>(site, opt, rec);
}

}  // namespace detail
}  // namespace pimlab::tlm_pim_rtl
