// Verilator C++ test bench of pim_pu: driver -> DUT -> monitor -> in-order
// checker against the behavioural unit pim_unit::PimUnit
// (sc_models/core/pim_unit, computing with golden/pu_ops.h), given the same
// commands in the same cycles over its own copy of the open rows.
//
//   pim_pu_tb --test NAME [--seed N] [--comps N] [--trace FILE.fst] [+verilator+seed+N]
//   pim_pu_tb --list
//   pim_pu_tb --bench [--cycles N] [--stream all|b2b|checked|rounds|idle] [--trace F]
//                                        (speed: unit cycles per second)
//
// Exit status (README, "Command-line contract"): 0 pass, 1 mismatch (the
// first mismatches are reported), 2 bad usage, 3 an I/O or internal error (a
// trace file that cannot be written), 130/143 when interrupted (the FST is
// closed first).
#include "Vpim_pu.h"  // first: the generated model (STYLE.md)

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <limits>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <cerrno>
#include <deque>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "golden/pu_ops.h"
#include "numerics/fp.h"
#include "pim_unit/unit.h"
#include "verilated.h"
#if PIM_PU_TB_TRACE
#include "verilated_fst_c.h"
#endif

#ifndef PIM_PU_TB_LANES
#define PIM_PU_TB_LANES 8
#endif
#ifndef PIM_PU_TB_REGSETS
#define PIM_PU_TB_REGSETS 1
#endif

namespace {

namespace numerics = pimlab::numerics;
namespace pim_unit = pimlab::pim_unit;
using Atom = std::array<std::uint8_t, 32>;  // two packed MX8 blocks, block 0 = bytes 0..15
using pim_unit::CfgReg;
using pim_unit::Cycle;
using pim_unit::Mode;
using pim_unit::Op;
using pim_unit::PimUnit;
using pim_unit::Slot;

// One cycle of the command port: a command (cmd_valid_i high) or none.
struct Command {
  bool valid = false;
  pim_unit::Command cmd;
};

// Bytes 31..16 _ 15..0 in hex, most significant first.
std::string atom_hex(const Atom& a) {
  std::string s;
  char buf[4];
  for (int i = 31; i >= 0; --i) {
    std::snprintf(buf, sizeof buf, "%02x", a[i]);
    s += buf;
    if (i == 16) s += '_';
  }
  return s;
}

volatile std::sig_atomic_t g_stop_signal = 0;
void on_signal(int sig) { g_stop_signal = sig; }

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// A file that cannot be written: exit status 3.
struct IoError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// ---------------------------------------------------------------------------
// Harness: the DUT, its two banks (open rows), optional FST, the reference.
// ---------------------------------------------------------------------------
// What the reference predicts on the ports, in cycle order per kind.
struct BankRead {
  Cycle cycle;
  int bank;
  int col;
};
struct BankWrite {
  Cycle cycle;
  int bank;
  int col;
  Atom data;
};
struct ResultOut {
  Cycle cycle;
  std::array<std::uint32_t, 8> words;  // FP32 bit patterns, accumulator 8g+i in word i
};
struct Expected : PimUnit::Observer {
  std::deque<BankRead> reads;
  std::deque<BankWrite> writes;
  std::deque<ResultOut> results;
  void bank_read(Cycle c, int bank, int atom) override { reads.push_back({c, bank, atom}); }
  void bank_write(Cycle c, int bank, int atom, const Atom& data) override { writes.push_back({c, bank, atom, data}); }
  void result(Cycle c, int, const Atom& data) override {
    ResultOut r{c, {}};
    std::memcpy(r.words.data(), data.data(), 32);  // little-endian FP32 words
    results.push_back(r);
  }
  // Reset in cycle c: what was predicted for cycle c or later never happens.
  void cancel_from(Cycle c) {
    while (!reads.empty() && reads.back().cycle >= c) reads.pop_back();
    while (!writes.empty() && writes.back().cycle >= c) writes.pop_back();
    while (!results.empty() && results.back().cycle >= c) results.pop_back();
  }
};

class Harness {
 public:
  Harness(const std::string& trace_path, bool check)
      : m_ctx(new VerilatedContext), m_ref(pim_unit::PuParams{PIM_PU_TB_LANES, PIM_PU_TB_REGSETS}), m_check(check) {
    m_ref.set_observer(&m_exp);
#if PIM_PU_TB_TRACE
    m_ctx->traceEverOn(true);
#endif
    m_dut.reset(new Vpim_pu(m_ctx.get(), "top"));
#if PIM_PU_TB_TRACE
    if (!trace_path.empty()) {
      // The FST writer fails silently on a path it cannot create (the run
      // went on and printed PASS): check that the file can be written first.
      if (!std::ofstream(trace_path, std::ios::binary | std::ios::trunc))
        throw IoError("--trace: cannot write '" + trace_path + "': " + std::strerror(errno));
      m_fst.reset(new VerilatedFstC);
      m_dut->trace(m_fst.get(), 99);
      m_fst->open(trace_path.c_str());
      if (!m_fst->isOpen()) throw IoError("--trace: cannot write '" + trace_path + "'");
      m_trace_path = trace_path;
    }
#else
    if (!trace_path.empty())
      throw UsageError("--trace needs the traced bench (pim_pu_tb_trace); this build has no FST support");
#endif
    m_dut->clk_i = 0;
    m_dut->rst_ni = 1;
    idle_inputs();
    m_dut->eval();
    reset(2);
  }

  ~Harness() { close(); }

  void close() {
#if PIM_PU_TB_TRACE
    if (m_fst) {
      m_fst->close();
      m_fst.reset();
    }
#endif
    if (m_dut) m_dut->final();
  }

  const std::string& trace_path() const { return m_trace_path; }
  VerilatedContext* ctx() { return m_ctx.get(); }
  const PimUnit& ref() const { return m_ref; }
  std::uint64_t cycle() const { return m_cycle; }
  int failures() const { return m_fail; }
  // The reference's view of the current cycle.
  bool comp_allowed() const { return m_ref.comp_allowed(now()); }
  bool bank_busy(int bank) const { return m_ref.busy(bank, now()); }
  std::uint8_t err() const { return m_ref.err_cause_at(now()); }

  // Loads (activates) an atom of the open row of a bank: the DRAM side, not
  // a PU command, so it goes to the bank model and the reference's rows.
  void load_row(int bank, int col, const Atom& a) {
    m_rows[bank][col] = a;
    std::memcpy(m_ref_rows[bank].data() + 32 * col, a.data(), 32);
  }
  const Atom& row(int bank, int col) const { return m_rows[bank][col]; }

  // Asynchronous reset for `cycles` clock cycles, asserted in the middle of
  // the current cycle.
  void reset(int cycles) {
    m_dut->rst_ni = 0;
    m_dut->eval();
    m_ref.reset(now());
    m_exp.cancel_from(now());
    for (int i = 0; i < cycles; ++i) tick(Command{}, /*in_reset=*/true);
    m_dut->rst_ni = 1;
    m_dut->eval();
  }

  // One unit cycle with the given command on the command port.
  void tick(const Command& cmd, bool in_reset = false) {
    if (g_stop_signal) throw Interrupted{};
    // Monitor: outputs during this cycle (registered in the DUT).
    if (!in_reset) monitor();
    // Bank model: read data requested in the previous cycle; then this
    // cycle's read (old content) and write (end of the cycle).
    set_wide(m_dut->bank_a_rdata_i, m_rd_data[0]);
    set_wide(m_dut->bank_b_rdata_i, m_rd_data[1]);
    const int re = m_dut->bank_re_o, we = m_dut->bank_we_o;
    for (int b = 0; b < 2; ++b)
      if (re & (1 << b)) m_rd_data[b] = m_rows[b][m_dut->bank_rcol_o];
    for (int b = 0; b < 2; ++b)
      if (we & (1 << b)) get_wide(m_dut->bank_wdata_o, m_rows[b][m_dut->bank_wcol_o]);
    // Driver.
    m_dut->cmd_valid_i = cmd.valid;
    m_dut->cmd_op_i = cmd.cmd.op & 7;
    m_dut->cmd_bank_i = cmd.cmd.bank & 1;
    m_dut->cmd_idx_i = cmd.cmd.idx & 31;
    set_wide(m_dut->cmd_wdata_i, cmd.cmd.wdata);
    // Reference model: the same command in the same cycle (only when
    // checking; the speed bench also runs the DUT alone). Its write-backs of
    // this cycle land in its rows now, as the DUT's do in the bank model:
    // a row loaded after this cycle replaces them.
    if (!in_reset && m_check) {
      if (cmd.valid) {
        Atom res;
        m_ref.issue(cmd.cmd, now(), PimUnit::Rows{{m_ref_rows[0].data(), m_ref_rows[1].data()}}, &res);
      }
      m_ref.settle(now() + 1);
    }
    // Rising edge at the end of the cycle; falling edge half a cycle later.
    m_dut->clk_i = 1;
    m_dut->eval();
    m_ctx->time(m_cycle * 1000 + 500);
    dump();
    m_dut->clk_i = 0;
    m_dut->eval();
    ++m_cycle;
    m_ctx->time(m_cycle * 1000);
    dump();
    if (in_reset) idle_inputs();
  }

  void idle(int cycles) {
    for (int i = 0; i < cycles; ++i) tick(Command{});
  }

  // Reports a mismatch (the first 20 in full).
  void fail(const std::string& what) {
    if (m_fail < 20) std::printf("MISMATCH cycle %llu: %s\n", static_cast<unsigned long long>(m_cycle), what.c_str());
    ++m_fail;
  }

  // At the end of a test: every expected event must have been observed.
  void drain() {
    idle(m_ref.params().acc_lat() + 2);
    if (!m_exp.reads.empty()) fail("expected bank read never happened");
    if (!m_exp.writes.empty()) fail("expected bank write-back never happened");
    if (!m_exp.results.empty()) fail("expected result never came");
  }

  struct Interrupted {};

  std::uint64_t n_checked = 0;

 private:
  template <typename W>
  static void set_wide(W& w, const Atom& a) {
    for (int i = 0; i < 8; ++i) {
      std::uint32_t v;
      std::memcpy(&v, a.data() + 4 * i, 4);
      w[i] = v;
    }
  }
  template <typename W>
  static void get_wide(const W& w, Atom& a) {
    for (int i = 0; i < 8; ++i) {
      const std::uint32_t v = w[i];
      std::memcpy(a.data() + 4 * i, &v, 4);
    }
  }

  Cycle now() const { return static_cast<Cycle>(m_cycle); }

  void idle_inputs() {
    m_dut->cmd_valid_i = 0;
    m_dut->cmd_op_i = 0;
    m_dut->cmd_bank_i = 0;
    m_dut->cmd_idx_i = 0;
    set_wide(m_dut->cmd_wdata_i, Atom{});
  }

  void dump() {
#if PIM_PU_TB_TRACE
    if (m_fst) m_fst->dump(m_ctx->time());
#endif
  }

  // In-order checker: compares what the DUT shows in cycle m_cycle with what
  // the reference predicted for that cycle.
  void monitor() {
    if (!m_check) return;
    char buf[256];
    auto& reads = m_exp.reads;
    auto& writes = m_exp.writes;
    auto& results = m_exp.results;
    // Bank reads.
    const int re = m_dut->bank_re_o;
    const bool read_due = !reads.empty() && reads.front().cycle == now();
    if (re) {
      const int bank = (re & 2) ? 1 : 0;
      if (!read_due) {
        std::snprintf(buf, sizeof buf, "unexpected bank read bank %d col %d", bank, m_dut->bank_rcol_o);
        fail(buf);
      } else {
        const auto& e = reads.front();
        if (re != (1 << e.bank) || static_cast<int>(m_dut->bank_rcol_o) != e.col) {
          std::snprintf(buf, sizeof buf, "bank read: got re=%d col %d, expected bank %d col %d", re,
                        m_dut->bank_rcol_o, e.bank, e.col);
          fail(buf);
        }
        reads.pop_front();
        ++n_checked;
      }
    } else if (read_due) {
      fail("bank read missing");
      reads.pop_front();
    }
    // Bank write-backs.
    const int we = m_dut->bank_we_o;
    const bool write_due = !writes.empty() && writes.front().cycle == now();
    if (we) {
      Atom got;
      get_wide(m_dut->bank_wdata_o, got);
      if (!write_due) {
        std::snprintf(buf, sizeof buf, "unexpected bank write we=%d col %d", we, m_dut->bank_wcol_o);
        fail(buf);
      } else {
        const auto& e = writes.front();
        if (we != (1 << e.bank) || static_cast<int>(m_dut->bank_wcol_o) != e.col || got != e.data) {
          std::snprintf(buf, sizeof buf, "write-back: got we=%d col %d data ", we, m_dut->bank_wcol_o);
          fail(buf + atom_hex(got) + "\n           expected bank " + std::to_string(e.bank) +
               " col " + std::to_string(e.col) + " data " + atom_hex(e.data));
        }
        writes.pop_front();
        ++n_checked;
      }
    } else if (write_due) {
      fail("bank write-back missing");
      writes.pop_front();
    }
    // Results.
    const bool res_due = !results.empty() && results.front().cycle == now();
    if (m_dut->res_valid_o) {
      if (!res_due) {
        fail("unexpected result");
      } else {
        const auto& e = results.front();
        for (int i = 0; i < 8; ++i) {
          const std::uint32_t got = m_dut->res_data_o[i];
          if (got != e.words[i]) {
            std::snprintf(buf, sizeof buf, "result word %d: got 0x%08x (%g), expected 0x%08x (%g)", i, got,
                          static_cast<double>(numerics::float_of(got)), e.words[i],
                          static_cast<double>(numerics::float_of(e.words[i])));
            fail(buf);
          }
        }
        results.pop_front();
        ++n_checked;
      }
    } else if (res_due) {
      fail("result missing");
      results.pop_front();
    }
    // Status.
    const int busy = m_ref.busy_mask(now());
    if (m_dut->busy_o != busy) {
      std::snprintf(buf, sizeof buf, "busy_o %d, expected %d", m_dut->busy_o, busy);
      fail(buf);
    }
    const std::uint8_t err = m_ref.err_cause_at(now());
    if (m_dut->err_cause_o != err || m_dut->err_o != (err != 0)) {
      std::snprintf(buf, sizeof buf, "err_cause_o 0x%02x err_o %d, expected 0x%02x", m_dut->err_cause_o,
                    m_dut->err_o, err);
      fail(buf);
    }
  }

  std::unique_ptr<VerilatedContext> m_ctx;
  std::unique_ptr<Vpim_pu> m_dut;
#if PIM_PU_TB_TRACE
  std::unique_ptr<VerilatedFstC> m_fst;
#endif
  std::string m_trace_path;
  PimUnit m_ref;
  Expected m_exp;
  std::array<std::uint8_t, PimUnit::kRowBytes> m_ref_rows[2]{};  // the reference's copy of the open rows
  bool m_check;
  std::uint64_t m_cycle = 0;
  int m_fail = 0;
  Atom m_rd_data[2]{};
  Atom m_rows[2][32]{};
};

// ---------------------------------------------------------------------------
// Command builders
// ---------------------------------------------------------------------------
Command valid(const pim_unit::Command& c) { return Command{true, c}; }
// Any opcode, the illegal 6 and 7 included.
Command cmd(int op, int bank, int idx) {
  return valid(pim_unit::Command::from_head(static_cast<std::uint16_t>((op & 7) | ((bank & 1) << 3) | ((idx & 31) << 4))));
}
Command comp(int bank, int atom) { return valid(pim_unit::Command::comp(bank, atom)); }
// Slots 6 and 7 are representable (illegal: ERR_ADDR).
Command reg_wr(int bank, int set, int slot, const Atom& data) {
  return valid(pim_unit::Command::reg_wr(bank, set, static_cast<Slot>(slot), data.data()));
}
Command reg_wr(int bank, int set, Slot slot, const Atom& data) { return reg_wr(bank, set, static_cast<int>(slot), data); }
// Registers 3..31 are representable (illegal: ERR_ADDR).
Command cfg_wr(int bank, int reg, std::uint32_t value) {
  return valid(pim_unit::Command::cfg_wr(bank, static_cast<CfgReg>(reg), value));
}
Command cfg_wr(int bank, CfgReg reg, std::uint32_t value) { return cfg_wr(bank, static_cast<int>(reg), value); }
// The CTRL value (spec.md, "Configuration registers").
std::uint32_t ctrl(Mode mode, bool stoch, int set = 0) { return pim_unit::Command::ctrl(0, mode, stoch, set).wdata[0]; }
Command result(int bank, int group) { return valid(pim_unit::Command::result(bank, group)); }
Command clear(int bank) { return valid(pim_unit::Command::clear(bank)); }

Atom splat(float v) {
  float a[32];
  for (float& x : a) x = v;
  return pimlab::golden::encode_atom_bytes(a);
}

// Issues a command and waits the cycles needed by the COMP spacing rule.
void issue(Harness& h, const Command& c, int gap = 1) {
  h.tick(c);
  if (gap > 1) h.idle(gap - 1);
}

// Reads all 32 accumulators of a bank through RESULT (checked by the
// monitor) and returns them from the reference, after the bank is idle.
void read_all(Harness& h, int bank) {
  while (h.bank_busy(bank)) h.idle(1);
  for (int g = 0; g < 4; ++g) h.tick(result(bank, g));
  h.idle(1);
}

void expect_eq(Harness& h, const char* what, std::uint32_t got, std::uint32_t want) {
  if (got != want) {
    char buf[200];
    std::snprintf(buf, sizeof buf, "%s: 0x%08x (%g), hand-derived 0x%08x (%g)", what, got,
                  static_cast<double>(numerics::float_of(got)), want, static_cast<double>(numerics::float_of(want)));
    h.fail(buf);
  }
}
void expect_atom(Harness& h, const char* what, const Atom& got, const Atom& want) {
  if (got != want) h.fail(std::string(what) + ": " + atom_hex(got) + ", hand-derived " + atom_hex(want));
}

// An atom whose 16+16 element fields all equal `field`, with E and micro bytes.
Atom atom_fields(unsigned field, unsigned e, unsigned micro) {
  Atom a{};
  for (int b = 0; b < 2; ++b) {
    std::uint8_t* blk = a.data() + 16 * b;
    for (int i = 0; i < 16; ++i) {
      const int bit = 7 * i;
      blk[bit / 8] = static_cast<std::uint8_t>(blk[bit / 8] | (field << (bit % 8)));
      if (bit % 8 > 1) blk[bit / 8 + 1] = static_cast<std::uint8_t>(blk[bit / 8 + 1] | (field >> (8 - bit % 8)));
    }
    blk[14] = static_cast<std::uint8_t>(e);
    blk[15] = static_cast<std::uint8_t>(micro);
  }
  return a;
}

// ---------------------------------------------------------------------------
// Random stimulus
// ---------------------------------------------------------------------------
class Stim {
 public:
  explicit Stim(std::uint64_t seed) : m_rng(seed) {}
  std::uint32_t u32() { return static_cast<std::uint32_t>(m_rng()); }
  int range(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(m_rng); }
  bool chance(double p) { return std::uniform_real_distribution<double>(0, 1)(m_rng) < p; }

  // A random FP32 value around 2^scale: zeros, ties, extremes mixed in.
  float value(int scale) {
    const int kind = range(0, 19);
    if (kind == 0) return 0.0f;
    if (kind == 1) return -0.0f;
    const int e = std::max(-149 + 24, std::min(127, scale + range(-4, 1)));
    std::uint32_t mant = u32() & 0x7FFFFF;
    if (kind < 6) mant &= 0x7E0000u | (1u << (16 + range(0, 1)));  // 6-bit values and exact ties
    const std::uint32_t sign = chance(0.5) ? 0x80000000u : 0u;
    return numerics::float_of(sign | (static_cast<std::uint32_t>(e + 127) << 23) | mant);
  }
  int scale() {
    const int k = range(0, 9);
    if (k == 0) return range(-126, -100);  // underflow territory
    if (k == 1) return range(100, 127);    // overflow territory
    return range(-8, 8);
  }
  Atom atom(int scale) {
    float v[32];
    for (float& x : v) x = value(scale);
    return pimlab::golden::encode_atom_bytes(v);
  }
  Atom atom() { return atom(scale()); }
  // A block outside the format (E = 255, or micro bits with E = 0).
  Atom bad_atom() {
    Atom a = atom();
    const int b = range(0, 1);
    if (chance(0.5)) a[16 * b + 14] = 0xFF;
    else {
      a[16 * b + 14] = 0;
      a[16 * b + 15] = static_cast<std::uint8_t>(1u << range(0, 7));
    }
    return a;
  }
  std::mt19937_64& engine() { return m_rng; }

 private:
  std::mt19937_64 m_rng;
};

// One Pimba-like round per bank pair: configure both banks, write their
// registers, activate rows, stream COMPs alternating A/B, read results.
// Illegal commands and resets are sprinkled in when `nasty`.
void random_round(Harness& h, Stim& s, bool nasty, int max_gap, std::uint64_t& comps) {
  const int sets = PIM_PU_TB_REGSETS;
  for (int b = 0; b < 2; ++b) {
    while (h.bank_busy(b)) h.idle(1);
    const Mode mode = static_cast<Mode>(s.range(0, 2));
    const int set = s.range(0, sets - 1);
    issue(h, cfg_wr(b, CfgReg::ctrl, ctrl(mode, s.chance(0.3), set)));
    if (s.chance(0.5)) issue(h, cfg_wr(b, CfgReg::seed, s.chance(0.1) ? 0u : s.u32()));
    for (int slot = 0; slot < pim_unit::kNumSlots; ++slot)
      if (s.chance(0.85)) issue(h, reg_wr(b, set, slot, s.atom()));
    if (s.chance(0.7)) issue(h, clear(b));
    for (int col = 0; col < 32; ++col) h.load_row(b, col, s.chance(0.01) ? s.bad_atom() : s.atom());
  }
  // COMP stream: both banks walk their atoms, interleaved A/B.
  const int n = s.range(8, 64);
  for (int i = 0; i < n; ++i) {
    const int bank = (i & 1) ^ (s.chance(0.1) ? 1 : 0);
    const int atom = (i / 2 + (s.chance(0.2) ? s.range(0, 31) : 0)) & 31;
    while (!h.comp_allowed()) h.idle(1);
    if (nasty && s.chance(0.02)) {
      // An illegal command in the middle of the stream.
      const int kind = s.range(0, 6);
      Command c;
      switch (kind) {
        case 0: c = cmd(6 + s.range(0, 1), bank, 0); break;
        case 1: c = reg_wr(bank, h.ref().set_sel(bank), s.range(0, 5), s.atom()); break;  // busy
        case 2: c = result(bank, s.range(4, 31)); break;                                   // addr
        case 3: c = cfg_wr(bank, s.range(3, 31), 0); break;                                // addr
        case 4: c = reg_wr(bank, s.range(0, sets - 1), s.range(6, 7), s.atom()); break;    // addr
        case 5: c = reg_wr(bank ^ 1, h.ref().set_sel(bank ^ 1), 0, s.bad_atom()); break;   // data or busy
        default: c = clear(bank); break;                                                   // busy (maybe)
      }
      h.tick(c);
      if (s.chance(0.3)) h.tick(cfg_wr(0, CfgReg::err_clr, 0x3F));
      continue;
    }
    h.tick(comp(bank, atom));
    ++comps;
    if (nasty && s.chance(0.02)) h.tick(comp(bank ^ 1, atom));  // too early: ERR_RATE
    const int gap = s.chance(0.7) ? 4 : s.range(4, max_gap);
    for (int g = 1; g < gap; ++g) {
      // Spaced commands to the other (idle) bank are legal in between.
      if (s.chance(0.05) && !h.bank_busy(bank ^ 1)) h.tick(result(bank ^ 1, s.range(0, 3)));
      else h.idle(1);
    }
    if (nasty && s.chance(0.002)) h.reset(s.range(1, 3));  // reset in the middle of the stream
  }
  for (int b = 0; b < 2; ++b) read_all(h, b);
  if (h.err() && s.chance(0.5)) h.tick(cfg_wr(s.range(0, 1), CfgReg::err_clr, 0x3F));
}

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------
struct Options {
  std::uint64_t seed = 1;
  std::uint64_t comps = 20000;
};

using TestFn = std::function<void(Harness&, const Options&)>;

// su_basic: h = 1.0, k = 0.5, gk = 1.0, v = 1.0, gv = 1.0 (reset value), q = 2.0.
//   g = 1*1 = 1; a = 1*1 = 1; b = 0.5*1 = 0.5; y = 1.5 (exact).
//   MX8 of sixteen 1.5: E = 127 (1.5 = 1.1b * 2^0), no micro-exponents,
//   m = (0xC00000 + 2^17) >> 18 = 48 -> field 0x30 for every element.
//   o_acc[c] = 0 + 1.5 * 2.0 = 3.0 = 0x40400000; after two COMPs on rows 0, 1
//   of the same bank: 6.0 = 0x40C00000.
void t_su_basic(Harness& h, const Options&) {
  issue(h, reg_wr(0, 0, Slot::k, splat(0.5f)));
  issue(h, reg_wr(0, 0, Slot::gk, splat(1.0f)));
  issue(h, reg_wr(0, 0, Slot::v, splat(1.0f)));
  issue(h, reg_wr(0, 0, Slot::q, splat(2.0f)));
  h.load_row(0, 0, splat(1.0f));
  h.load_row(0, 1, splat(1.0f));
  issue(h, comp(0, 0), 4);
  issue(h, comp(0, 1), 4);
  read_all(h, 0);
  h.drain();
  expect_atom(h, "row 0 after SU", h.row(0, 0), atom_fields(0x30, 127, 0));
  expect_atom(h, "row 1 after SU", h.row(0, 1), atom_fields(0x30, 127, 0));
  expect_eq(h, "o_acc[0]", numerics::bits_of(h.ref().acc(0)[0]), 0x40C00000u);
  expect_eq(h, "o_acc[31]", numerics::bits_of(h.ref().acc(0)[31]), 0x40C00000u);
}

// su_round_tie: h = 1.0, gk = gv = 1, k = 2^-6, v = 1: y = 1 + 2^-6.
//   sig = 0x820000; round-half-up: (0x820000 + 0x20000) >> 18 = 0x840000 >> 18
//   = 33 (the dropped bits 0x20000 are exactly half: a tie, rounded up);
//   round-half-down would give 32. Field 0x21, E = 127.
//   Second row: y = 1.9921875 = 1.96875 + 0.0234375 (h = 63/32, k = 3/128):
//   sig = 0xFF0000, (0xFF0000 + 0x20000) >> 18 = 64 -> carry out of the 6-bit
//   field -> saturates to 63 (field 0x3F).
void t_su_round_tie(Harness& h, const Options&) {
  issue(h, reg_wr(0, 0, Slot::k, splat(1.0f / 64)));
  issue(h, reg_wr(0, 0, Slot::gk, splat(1.0f)));
  issue(h, reg_wr(0, 0, Slot::v, splat(1.0f)));
  issue(h, reg_wr(1, 0, Slot::k, splat(3.0f / 128)));
  issue(h, reg_wr(1, 0, Slot::gk, splat(1.0f)));
  issue(h, reg_wr(1, 0, Slot::v, splat(1.0f)));
  h.load_row(0, 5, splat(1.0f));
  h.load_row(1, 5, splat(63.0f / 32));
  issue(h, comp(0, 5), 4);
  issue(h, comp(1, 5), 4);
  h.drain();
  expect_atom(h, "tie rounds half up", h.row(0, 5), atom_fields(0x21, 127, 0));
  expect_atom(h, "carry saturates", h.row(1, 5), atom_fields(0x3F, 127, 0));
}

// su_micro_exp: block max 1.0 in pair 0, all other values 0.375 (< 0.5):
//   E = 127; pairs 1..7 have both exponents (125) below E -> micro bit set,
//   pair exponent 126; 0.375 = 1.1b * 2^-2, d = 126 - 125 = 1:
//   m = (0xC00000 + 2^18) >> 19 = 24 (exact). Pair 0: m = 32.
//   Bytes: fields {0x20, 0x20, 0x18 x 14}, E = 0x7F, micro = 0xFE.
//   (Set up as y = h with k = 0: b = 0*v = +0, a = h*1.)
void t_su_micro_exp(Harness& h, const Options&) {
  float v[32];
  for (int i = 0; i < 32; ++i) v[i] = ((i & 15) < 2) ? 1.0f : 0.375f;
  issue(h, reg_wr(0, 0, Slot::gk, splat(1.0f)));
  h.load_row(0, 3, pimlab::golden::encode_atom_bytes(v));
  issue(h, comp(0, 3), 4);
  h.drain();
  Atom want{};
  for (int b = 0; b < 2; ++b) {
    std::uint8_t* blk = want.data() + 16 * b;
    for (int i = 0; i < 16; ++i) {
      const unsigned f = i < 2 ? 0x20 : 0x18;
      const int bit = 7 * i;
      blk[bit / 8] = static_cast<std::uint8_t>(blk[bit / 8] | (f << (bit % 8)));
      if (bit % 8 > 1) blk[bit / 8 + 1] = static_cast<std::uint8_t>(blk[bit / 8 + 1] | (f >> (8 - bit % 8)));
    }
    blk[14] = 0x7F;
    blk[15] = 0xFE;
  }
  expect_atom(h, "micro-exponent block", h.row(0, 3), want);
}

// su_extremes: underflow and saturation.
//   Bank A: h = 2^-100, gk = 2^-30, gv = 1, k = 0: a = 2^-130 < 2^-126 -> FTZ
//   -> +0; b = +0; y = +0 -> the whole atom stores +0 (E = 0, fields 0).
//   Bank B: h = 0.75, gk = gv = 2^100: g = 2^200 saturates to FLT_MAX;
//   a = 0.75 * FLT_MAX = 3 * (2^24 - 1) * 2^102 = 50331645 * 2^102, rounded
//   to 24 bits: 12582911.25 * 2^104 -> 12582911 * 2^104 = 0x7F3FFFFF; y = a.
//   MX8: E = 254, m = (0xBFFFFF + 2^17) >> 18 = 48 -> field 0x30.
void t_su_extremes(Harness& h, const Options&) {
  issue(h, reg_wr(0, 0, Slot::gk, splat(std::ldexp(1.0f, -30))));
  h.load_row(0, 7, splat(std::ldexp(1.0f, -100)));
  issue(h, reg_wr(1, 0, Slot::gk, splat(std::ldexp(1.0f, 100))));
  issue(h, reg_wr(1, 0, Slot::gv, splat(std::ldexp(1.0f, 100))));
  h.load_row(1, 7, splat(0.75f));
  issue(h, comp(0, 7), 4);
  issue(h, comp(1, 7), 4);
  h.drain();
  expect_atom(h, "underflow flushes", h.row(0, 7), atom_fields(0x00, 0, 0));
  expect_atom(h, "saturated gate", h.row(1, 7), atom_fields(0x30, 254, 0));
  expect_eq(h, "0.75*FLT_MAX (pu_mul)", numerics::bits_of(numerics::pu_mul(0.75f, std::numeric_limits<float>::max())),
            0x7F3FFFFFu);
}

// su_zeros: zero state and zero operands keep signs as IEEE says:
//   h = -0 (field 0x40), g = 1, k = 0: a = -0 * 1 = -0, b = +0 * 1 = +0,
//   y = -0 + +0 = +0 -> stored +0 (field 0x00), E = 0.
void t_su_zeros(Harness& h, const Options&) {
  issue(h, reg_wr(0, 0, Slot::gk, splat(1.0f)));
  h.load_row(0, 0, splat(-0.0f));
  issue(h, comp(0, 0), 4);
  h.drain();
  expect_atom(h, "-0 + +0", h.row(0, 0), atom_fields(0x00, 0, 0));
}

// score_basic: x = 1.0 everywhere, q = 1.0: 32 products of 1, the tree sums
//   to 32 = 0x42000000; two COMPs on atom 4 of bank B: 64 = 0x42800000.
//   Atom 9: x = +1/-1 alternating: every level-1 sum is 1 + (-1) = +0, the
//   tree gives +0, acc[9] = +0 + +0 = +0.
void t_score_basic(Harness& h, const Options&) {
  issue(h, cfg_wr(1, CfgReg::ctrl, ctrl(Mode::score, false)));
  issue(h, reg_wr(1, 0, Slot::q, splat(1.0f)));
  float alt[32];
  for (int i = 0; i < 32; ++i) alt[i] = (i & 1) ? -1.0f : 1.0f;
  h.load_row(1, 4, splat(1.0f));
  h.load_row(1, 9, pimlab::golden::encode_atom_bytes(alt));
  issue(h, comp(1, 4), 4);
  issue(h, comp(1, 4), 4);
  issue(h, comp(1, 9), 4);
  read_all(h, 1);
  h.drain();
  expect_eq(h, "score acc[4]", numerics::bits_of(h.ref().acc(1)[4]), 0x42800000u);
  expect_eq(h, "score acc[9]", numerics::bits_of(h.ref().acc(1)[9]), 0x00000000u);
}

// attend_basic: x = 1.5, p[t] = 0.5 for every token: each COMP adds 0.75;
//   4 COMPs (atoms 0..3) -> 3.0 = 0x40400000 in every accumulator.
void t_attend_basic(Harness& h, const Options&) {
  issue(h, cfg_wr(0, CfgReg::ctrl, ctrl(Mode::attend, false)));
  issue(h, reg_wr(0, 0, Slot::p, splat(0.5f)));
  for (int t = 0; t < 4; ++t) h.load_row(0, t, splat(1.5f));
  for (int t = 0; t < 4; ++t) issue(h, comp(0, t), 4);
  read_all(h, 0);
  h.drain();
  expect_eq(h, "attend acc[0]", numerics::bits_of(h.ref().acc(0)[0]), 0x40400000u);
  expect_eq(h, "attend acc[17]", numerics::bits_of(h.ref().acc(0)[17]), 0x40400000u);
}

// attend_carry: an accumulation whose rounding carries into the exponent.
//   p[t] = 1 for every token; atom t (t = 0..3) holds 63/64 * 2^(-6t) in every
//   element (m = 63), atom 4 holds 2^-25. The first four sums are exact:
//   63/64 * (1 + 2^-6 + 2^-12 + 2^-18) = 1 - 2^-24 = 0x3F7FFFFF (24 ones).
//   Then 1 - 2^-24 + 2^-25 = 1 - 2^-25: 25 ones, the dropped bit is exactly
//   half and the kept LSB is 1, so round-to-nearest-even rounds up, the
//   carry runs through all 24 bits into the exponent: 1.0 = 0x3F800000.
void t_attend_carry(Harness& h, const Options&) {
  issue(h, cfg_wr(0, CfgReg::ctrl, ctrl(Mode::attend, false)));
  issue(h, reg_wr(0, 0, Slot::p, splat(1.0f)));
  for (int t = 0; t < 4; ++t) h.load_row(0, t, splat(std::ldexp(63.0f / 64, -6 * t)));
  h.load_row(0, 4, splat(std::ldexp(1.0f, -25)));
  for (int t = 0; t < 4; ++t) issue(h, comp(0, t), 4);
  while (h.bank_busy(0)) h.idle(1);
  for (int g = 0; g < 4; ++g) h.tick(result(0, g));
  h.idle(1);
  expect_eq(h, "1 - 2^-24 after four COMPs", numerics::bits_of(h.ref().acc(0)[0]), 0x3F7FFFFFu);
  issue(h, comp(0, 4), 4);
  read_all(h, 0);
  h.drain();
  expect_eq(h, "carry into the exponent", numerics::bits_of(h.ref().acc(0)[5]), 0x3F800000u);
}

// Loads random operands and rows in both banks for `mode`.
void setup_random(Harness& h, Stim& s, Mode mode, bool stoch) {
  for (int b = 0; b < 2; ++b) {
    issue(h, cfg_wr(b, CfgReg::ctrl, ctrl(mode, stoch)));
    issue(h, cfg_wr(b, CfgReg::seed, s.u32()));
    for (int slot = 0; slot < pim_unit::kNumSlots; ++slot) issue(h, reg_wr(b, 0, slot, s.atom(0)));
    for (int col = 0; col < 32; ++col) h.load_row(b, col, s.atom());
  }
}

// bank_alternation: the Pimba SU round of one PU: 64 COMPs back to back at
// nCCD_L = 4, alternating A/B, atoms 0..31 of each bank; then results.
void t_bank_alternation(Harness& h, const Options& o) {
  Stim s(o.seed);
  for (Mode mode : {Mode::su, Mode::score, Mode::attend}) {
    setup_random(h, s, mode, false);
    for (int i = 0; i < 64; ++i) issue(h, comp(i & 1, i / 2), 4);
    read_all(h, 0);
    read_all(h, 1);
  }
  h.drain();
}

// spaced: COMPs with random gaps 4..40 and random banks and atoms.
void t_spaced(Harness& h, const Options& o) {
  Stim s(o.seed);
  for (Mode mode : {Mode::su, Mode::score, Mode::attend}) {
    setup_random(h, s, mode, mode == Mode::su);
    for (int i = 0; i < 60; ++i) issue(h, comp(s.range(0, 1), s.range(0, 31)), s.range(4, 40));
    read_all(h, 0);
    read_all(h, 1);
  }
  h.drain();
}

// stochastic: SU with stochastic rounding in both banks, seeded.
void t_stochastic(Harness& h, const Options& o) {
  Stim s(o.seed);
  setup_random(h, s, Mode::su, true);
  for (int i = 0; i < 64; ++i) issue(h, comp(i & 1, i / 2), 4);
  read_all(h, 0);
  read_all(h, 1);
  h.drain();
}

// mixed_modes: bank A and bank B run different kernels in one stream.
void t_mixed_modes(Harness& h, const Options& o) {
  Stim s(o.seed);
  setup_random(h, s, Mode::su, false);
  issue(h, cfg_wr(1, CfgReg::ctrl, ctrl(Mode::score, false)));
  for (int i = 0; i < 64; ++i) issue(h, comp(i & 1, i / 2), 4);
  while (h.bank_busy(1)) h.idle(1);
  issue(h, cfg_wr(1, CfgReg::ctrl, ctrl(Mode::attend, false)));
  for (int i = 0; i < 64; ++i) issue(h, comp(i & 1, i / 2), 4);
  read_all(h, 0);
  read_all(h, 1);
  h.drain();
}

// reset_mid_op: reset while COMPs are in every pipeline stage; no write-back
// or accumulator update may survive, every register takes its reset value
// (GV = 1.0), and the unit works normally afterwards.
void t_reset_mid_op(Harness& h, const Options& o) {
  Stim s(o.seed);
  for (int delay = 1; delay <= 18; ++delay) {
    setup_random(h, s, static_cast<Mode>(delay % 3), false);
    for (int i = 0; i < 6; ++i) issue(h, comp(i & 1, i), 4);
    h.idle(delay % 5);
    h.reset(1 + delay % 3);
    // Default registers: SU with k = 0, gk = 0: y = +0 * h + 0 = 0.
    for (int i = 0; i < 4; ++i) issue(h, comp(i & 1, 10 + i), 4);
    read_all(h, 0);
    read_all(h, 1);
  }
  h.drain();
}

// illegal: every illegal command sets its cause, changes nothing else, and
// ERR_CLR clears it.
void t_illegal(Harness& h, const Options& o) {
  Stim s(o.seed);
  setup_random(h, s, Mode::su, false);
  issue(h, cmd(6, 0, 0));                                                    // OPCODE
  issue(h, cmd(7, 1, 3));                                                    // OPCODE
  issue(h, comp(0, 0));
  issue(h, comp(1, 0));                                                      // RATE (1 cycle)
  h.idle(1);
  issue(h, comp(1, 1));                                                      // RATE (3 cycles)
  issue(h, reg_wr(0, 0, Slot::k, s.atom()));                      // BUSY
  issue(h, result(0, 0));                                                    // BUSY
  issue(h, clear(0));                                                        // BUSY
  issue(h, cfg_wr(0, CfgReg::ctrl, ctrl(Mode::score, false)));       // BUSY
  issue(h, cfg_wr(0, CfgReg::seed, 5));                              // BUSY
  issue(h, reg_wr(1, 0, 6, s.atom()));                                       // ADDR slot 6
  issue(h, reg_wr(1, 1, 0, s.atom()));                                       // ADDR set 1 (RegSets 1)
  issue(h, result(1, 4));                                                    // ADDR group
  issue(h, cfg_wr(1, 3, 0));                                                 // ADDR cfg
  issue(h, cfg_wr(1, CfgReg::ctrl, 3));                              // CFG mode 3
  issue(h, cfg_wr(1, CfgReg::ctrl, ctrl(Mode::su, false, 3)));       // CFG set 3
  issue(h, reg_wr(1, 0, 0, s.bad_atom()));                                   // DATA
  issue(h, cfg_wr(0, CfgReg::err_clr, 0x0F));                        // clear some
  issue(h, cfg_wr(1, CfgReg::err_clr, 0x3F));                        // clear all
  h.load_row(1, 2, s.bad_atom());
  h.idle(4);
  issue(h, comp(1, 2), 4);                                                   // DATA from the row
  read_all(h, 0);
  read_all(h, 1);
  issue(h, cmd(static_cast<int>(Op::nop), 0, 0));
  h.drain();
  if (h.err() == 0) h.fail("illegal: ERR_DATA of the atom read not recorded");
}

// regsets_preload: bank A computes SU with set 0 while the host writes the
// next chunk's operands into set 1 (legal while busy, RegSets > 1), then
// CTRL selects set 1 and the next COMPs use it. With RegSets = 1 the writes
// to set 1 are illegal (ERR_ADDR) and change nothing.
void t_regsets_preload(Harness& h, const Options& o) {
  Stim s(o.seed);
  setup_random(h, s, Mode::su, false);
  const int next = PIM_PU_TB_REGSETS > 1 ? 1 : 0;
  for (int i = 0; i < 16; ++i) {
    h.tick(comp(0, i));
    if (i < pim_unit::kNumSlots) h.tick(reg_wr(0, 1, i, s.atom(0)));
    else h.idle(1);
    if (i == 8) h.tick(reg_wr(0, 0, Slot::k, s.atom(0)));  // selected set, busy: ERR_BUSY
    else h.idle(1);
    h.idle(1);
  }
  while (h.bank_busy(0)) h.idle(1);
  issue(h, cfg_wr(0, CfgReg::ctrl, ctrl(Mode::su, false, next)));
  for (int i = 16; i < 32; ++i) issue(h, comp(0, i), 4);
  read_all(h, 0);
  h.drain();
  if (h.ref().set_sel(0) != next) h.fail("regsets_preload: set not selected");
}

void t_random(Harness& h, const Options& o) {
  Stim s(o.seed);
  std::uint64_t comps = 0;
  while (comps < o.comps) random_round(h, s, true, 24, comps);
  h.drain();
  std::printf("random: %llu COMPs\n", static_cast<unsigned long long>(comps));
}

const std::map<std::string, TestFn>& tests() {
  static const std::map<std::string, TestFn> t = {
      {"su_basic", t_su_basic},           {"su_round_tie", t_su_round_tie},
      {"su_micro_exp", t_su_micro_exp},   {"su_extremes", t_su_extremes},
      {"su_zeros", t_su_zeros},           {"score_basic", t_score_basic},
      {"attend_basic", t_attend_basic},   {"bank_alternation", t_bank_alternation},
      {"spaced", t_spaced},               {"stochastic", t_stochastic},
      {"mixed_modes", t_mixed_modes},     {"reset_mid_op", t_reset_mid_op},
      {"illegal", t_illegal},             {"random", t_random},
      {"regsets_preload", t_regsets_preload}, {"attend_carry", t_attend_carry},
  };
  return t;
}

// Speed: back-to-back SU COMPs alternating banks (every stage busy), with the
// checker off ("dut") and on ("checked").
int run_bench(std::uint64_t cycles, const std::string& trace, const std::string& stream) {
  std::printf("pim_pu speed, Lanes %d, RegSets %d%s\n", PIM_PU_TB_LANES, PIM_PU_TB_REGSETS,
              trace.empty() ? ", untraced" : ", FST-traced");
  std::printf("%-30s %14s %14s\n", "stream", "unit cycles", "M cycles/s");
  for (int checked = 0; checked < 2; ++checked) {
    if (stream != "all" && stream != (checked ? "checked" : "b2b")) continue;
    Harness h(trace, checked != 0);
    Stim s(1);
    setup_random(h, s, Mode::su, false);
    const std::uint64_t start = h.cycle();
    const auto t0 = std::chrono::steady_clock::now();
    int i = 0;
    while (h.cycle() - start < cycles) {
      h.tick(comp(i & 1, (i / 2) & 31));
      h.idle(3);
      ++i;
    }
    const double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("%-30s %14llu %14.2f\n", checked ? "SU back-to-back, + checker" : "SU back-to-back, DUT + banks",
                static_cast<unsigned long long>(cycles), static_cast<double>(cycles) / dt / 1e6);
    if (h.failures()) return 1;
  }
  // One PU's view of Pimba SU rounds (pim_commands.md, HBM2 timing): the
  // round's register writes (4 per bank, col = 4 cycles apart), the ACT4 /
  // register phase of the pseudo-channel (W = 1 + ceil(64/4) * 4 = 65 cycles
  // per bank group, 3 x 65 + 65 before the first COMP), 64 COMPs at nCCD_L,
  // COMP -> PRECHARGE 16, PRECHARGE -> RESULT 14, 8 RESULTs col apart.
  if (stream == "all" || stream == "rounds") {
    Harness h(trace, false);
    Stim s(2);
    setup_random(h, s, Mode::su, false);
    const auto t0 = std::chrono::steady_clock::now();
    const std::uint64_t start = h.cycle();
    std::uint64_t comps = 0;
    while (h.cycle() - start < cycles) {
      for (int b = 0; b < 2; ++b)
        for (Slot slot : {Slot::k, Slot::q, Slot::gk, Slot::v})
          issue(h, reg_wr(b, 0, slot, s.atom(0)), 4);
      h.idle(3 * 65 + 65 - 32);
      for (int i = 0; i < 64; ++i) issue(h, comp(i & 1, i / 2), 4);
      comps += 64;
      h.idle(16 + 14);
      for (int g = 0; g < 8; ++g) issue(h, result(g >> 2, g & 3), 4);
    }
    const std::uint64_t n = h.cycle() - start;
    const double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("%-30s %14llu %14.2f   (%.0f %% of cycles in COMP phases)\n", "Pimba SU rounds, DUT + banks",
                static_cast<unsigned long long>(n), static_cast<double>(n) / dt / 1e6,
                100.0 * static_cast<double>(comps * 4) / static_cast<double>(n));
  }
  if (stream == "all" || stream == "idle") {
    Harness h(trace, false);
    const auto t0 = std::chrono::steady_clock::now();
    for (std::uint64_t c = 0; c < cycles; ++c) h.tick(Command{});
    const double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("%-30s %14llu %14.2f\n", "idle", static_cast<unsigned long long>(cycles),
                static_cast<double>(cycles) / dt / 1e6);
  }
  return 0;
}

std::uint64_t parse_u64(const std::string& key, const std::string& v) {
  // std::stoull takes a sign and negates: '-5' would be 2^64 - 5 (a run
  // without end). Only digits (0x hex included) are a count.
  if (v.empty() || !std::isdigit(static_cast<unsigned char>(v[0])))
    throw UsageError(key + ": '" + v + "' is not a non-negative integer");
  try {
    std::size_t pos = 0;
    const unsigned long long x = std::stoull(v, &pos, 0);
    if (pos != v.size()) throw std::invalid_argument(v);
    return x;
  } catch (const std::exception&) {
    throw UsageError(key + ": '" + v + "' is not a non-negative integer");
  }
}

// Verilator's own parser aborts (exit status 134) on a malformed or unknown
// +verilator+ argument: check the ones this bench takes first, with its limits.
void check_verilator_arg(const std::string& a) {
  auto number = [&](const std::string& prefix, std::uint64_t lo, std::uint64_t hi) {
    const std::string v = a.substr(prefix.size());
    const bool digits = !v.empty() && v.size() <= 10 &&
                        std::all_of(v.begin(), v.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
    const std::uint64_t x = digits ? std::stoull(v) : 0;
    if (!digits || x < lo || x > hi)
      throw UsageError(prefix + ": '" + v + "' is not allowed; allowed: an integer in [" + std::to_string(lo) + ", " +
                       std::to_string(hi) + "]");
  };
  const std::uint64_t int_max = std::numeric_limits<int>::max();
  if (a.rfind("+verilator+seed+", 0) == 0) return number("+verilator+seed+", 1, int_max);
  if (a.rfind("+verilator+rand+reset+", 0) == 0) return number("+verilator+rand+reset+", 0, 2);
  if (a.rfind("+verilator+error+limit+", 0) == 0) return number("+verilator+error+limit+", 0, int_max);
  if (a == "+verilator+noassert") return;
  throw UsageError("unknown argument '" + a +
                   "' (allowed: +verilator+seed+N, +verilator+rand+reset+0|1|2, +verilator+error+limit+N, "
                   "+verilator+noassert)");
}

}  // namespace

int main(int argc, char** argv) {
  std::string test, trace;
  Options opt;
  bool list = false, bench = false;
  std::uint64_t bench_cycles = 2000000;
  std::string bench_stream = "all";
  try {
    for (int i = 1; i < argc; ++i) {
      const std::string a = argv[i];
      auto value = [&]() -> std::string {
        if (i + 1 >= argc) throw UsageError(a + " needs a value");
        return argv[++i];
      };
      if (a == "--test") test = value();
      else if (a == "--seed") opt.seed = parse_u64(a, value());
      else if (a == "--comps") opt.comps = parse_u64(a, value());
      else if (a == "--trace") trace = value();
      else if (a == "--list") list = true;
      else if (a == "--bench") bench = true;
      else if (a == "--cycles") bench_cycles = parse_u64(a, value());
      else if (a == "--stream") {
        bench_stream = value();
        if (bench_stream != "all" && bench_stream != "b2b" && bench_stream != "checked" && bench_stream != "rounds" &&
            bench_stream != "idle")
          throw UsageError("--stream: '" + bench_stream + "' (allowed: all, b2b, checked, rounds, idle)");
      }
      else if (a.rfind("+verilator+", 0) == 0) check_verilator_arg(a);  // then Verilated::commandArgs
      else throw UsageError("unknown argument '" + a + "' (allowed: --test NAME, --seed N, --comps N, "
                            "--trace FILE.fst, --list, --bench, --cycles N, --stream S, +verilator+seed+N)");
    }
    if (list) {
      for (const auto& t : tests()) std::printf("%s\n", t.first.c_str());
      return 0;
    }
    Verilated::commandArgs(argc, argv);
    if (bench) return run_bench(bench_cycles, trace, bench_stream);
    if (test.empty()) throw UsageError("--test NAME is required (--list shows the names)");
    const auto it = tests().find(test);
    if (it == tests().end()) throw UsageError("--test: unknown test '" + test + "' (--list shows the names)");

    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    std::printf("pim_pu_tb: test %s, seed %llu, Lanes %d, RegSets %d, verilator seed %s\n", test.c_str(),
                static_cast<unsigned long long>(opt.seed), PIM_PU_TB_LANES, PIM_PU_TB_REGSETS,
                Verilated::commandArgsPlusMatch("verilator+seed+")[0] ? Verilated::commandArgsPlusMatch("verilator+seed+")
                                                                       : "(default)");
    Harness h(trace, true);
    int rc = 0;
    try {
      it->second(h, opt);
    } catch (const Harness::Interrupted&) {
      h.close();
      std::printf("pim_pu_tb: interrupted by signal %d at cycle %llu; trace closed\n", static_cast<int>(g_stop_signal),
                  static_cast<unsigned long long>(h.cycle()));
      return 128 + static_cast<int>(g_stop_signal);
    }
    const PimUnit& r = h.ref();
    std::printf("pim_pu_tb: %llu cycles, COMPs su %llu score %llu attend %llu, illegal commands %llu, "
                "%llu events checked\n",
                static_cast<unsigned long long>(h.cycle()), static_cast<unsigned long long>(r.comps(Mode::su)),
                static_cast<unsigned long long>(r.comps(Mode::score)),
                static_cast<unsigned long long>(r.comps(Mode::attend)), static_cast<unsigned long long>(r.illegal()),
                static_cast<unsigned long long>(h.n_checked));
#if PIM_PU_TB_COV
    {
      const char* cov = std::getenv("PIM_PU_COV_FILE");
      const std::string path = cov ? cov : "coverage.dat";
      h.ctx()->coveragep()->write(path.c_str());
      std::printf("pim_pu_tb: coverage written to %s\n", path.c_str());
    }
#endif
    h.close();
    if (!trace.empty()) std::printf("pim_pu_tb: waves: gtkwave %s %s/pim_pu.gtkw\n", trace.c_str(), PIM_PU_TB_SRC_DIR);
    if (h.failures()) {
      std::printf("FAIL: %d mismatches\n", h.failures());
      rc = 1;
    } else {
      std::printf("PASS\n");
    }
    return rc;
  } catch (const UsageError& e) {
    std::fprintf(stderr, "pim_pu_tb: %s\n", e.what());
    return 2;
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "pim_pu_tb: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "pim_pu_tb: error: %s\n", e.what());
    return 3;
  }
}
