// Transaction-level reference of pim_pu (rtl/pim_pu/doc/spec.md): the
// register file, accumulators, generator, error rules and latencies of the
// unit, with every arithmetic step delegated to golden/pu_ops.h. The test
// bench steps it once per cycle beside the RTL; it predicts the bank reads,
// bank write-backs, result read-outs, busy and error flags cycle by cycle.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <string>

#include "numerics/mx8.h"
#include "numerics/rng.h"

namespace pimlab::tb {

using Atom = std::array<std::uint8_t, 32>;  // two packed MX8 blocks, block 0 = bytes 0..15

enum class Op : std::uint8_t { nop = 0, comp = 1, reg_wr = 2, result = 3, clear = 4, cfg_wr = 5 };
enum class Mode : std::uint8_t { su = 0, score = 1, attend = 2 };
enum Slot : int { slot_k = 0, slot_gk = 1, slot_q = 2, slot_v = 3, slot_gv = 4, slot_p = 5, num_slots = 6 };
enum CfgReg : int { cfg_ctrl = 0, cfg_seed = 1, cfg_err_clr = 2 };
enum ErrBit : int { err_opcode = 0, err_rate = 1, err_busy = 2, err_addr = 3, err_cfg = 4, err_data = 5 };

struct Command {
  bool valid = false;
  std::uint8_t op = 0;    // 3 bits, 6 and 7 are illegal
  std::uint8_t bank = 0;  // 0 = A, 1 = B
  std::uint8_t idx = 0;   // 5 bits
  Atom wdata{};           // REG_WR data; CFG_WR value in bytes 0..3 (little-endian)
};

struct BankWrite {
  std::uint64_t cycle;
  int bank;
  int col;
  Atom data;
};
struct BankRead {
  std::uint64_t cycle;
  int bank;
  int col;
};
struct ResultOut {
  std::uint64_t cycle;
  std::array<std::uint32_t, 8> words;  // FP32 bit patterns, accumulator 8g+i in word i
};

struct PuParams {
  int lanes = 8;
  int reg_sets = 1;
  int beats() const { return 32 / lanes; }
  int wb_lat() const { return 7 + beats(); }
  int acc_lat() const { return 8 + 2 * beats(); }
};

// Zero block: what a block outside the format reads as (spec: "MX8 blocks
// outside the format").
bool mx8_block_ok(const std::uint8_t* blk16);

class PuRef {
 public:
  explicit PuRef(PuParams p);

  // Asynchronous reset asserted in cycle `now`: every register to its reset
  // value, in-flight work and write-backs of cycle `now` or later dropped
  // (earlier ones reached the rows). The bank rows (DRAM) are not reset.
  void reset(std::uint64_t now = 0);

  // The command of cycle `cycle` (cycles strictly increasing, one call per
  // cycle). Appends the predicted bank reads / writes / results to the queues
  // below and updates busy/error state, which `busy(c)` / `err(c)` report for
  // cycle c = cycle + 1.
  void step(std::uint64_t cycle, const Command& cmd);

  // The shadow of the two open rows; the bench loads (ACT) rows through here
  // and through its bank model at the same time.
  Atom& row(int bank, int col) { return m_rows[bank][col]; }

  std::uint8_t err() const { return m_err; }       // for the cycle after the last step
  std::uint8_t busy() const;                       // bit b = bank b busy, same cycle
  bool bank_busy(int bank) const { return m_busy[bank] != 0; }
  bool comp_allowed() const { return m_cool == 0; }  // for the next cycle's command
  float acc(int bank, int i) const { return m_acc[bank][i]; }
  Mode mode(int bank) const { return m_mode[bank]; }
  int set_sel(int bank) const { return m_setsel[bank]; }
  const PuParams& params() const { return m_p; }

  std::deque<BankRead> exp_reads;
  std::deque<BankWrite> exp_writes;
  std::deque<ResultOut> exp_results;

  // Statistics for the log.
  std::uint64_t n_comp[3] = {0, 0, 0};
  std::uint64_t n_illegal = 0;

 private:
  void apply_due_writes(std::uint64_t cycle);
  void do_comp(std::uint64_t cycle, int bank, int atom);
  const Atom& reg(int bank, int slot) const { return m_regs[bank][m_setsel[bank]][slot]; }

  PuParams m_p;
  std::array<std::array<Atom, 32>, 2> m_rows{};
  std::array<std::array<std::array<Atom, num_slots>, 4>, 2> m_regs{};
  std::array<std::array<float, 32>, 2> m_acc{};
  std::array<Mode, 2> m_mode{};
  std::array<bool, 2> m_stoch{};
  std::array<int, 2> m_setsel{};
  std::array<numerics::SrRng, 2> m_rng{numerics::SrRng(0), numerics::SrRng(0)};
  std::array<int, 2> m_busy{};
  int m_cool = 0;
  std::uint8_t m_err = 0;
  std::deque<BankWrite> m_row_writes;            // predicted writes not yet in m_rows
  std::deque<std::uint64_t> m_data_err_cycles;   // cycles where ERR_DATA becomes visible
};

// Packs 16+16 floats into an atom with round-half-up (throws on NaN/Inf).
Atom encode_atom(const float* v32);
std::string atom_hex(const Atom& a);

}  // namespace pimlab::tb
