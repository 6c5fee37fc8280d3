// Behavioural model of the PIM processing unit of one bank pair
// (rtl/pim_pu/doc/spec.md): per-bank register sets, configuration, FP32
// accumulators, a stochastic-rounding generator per bank, the COMP operations
// SU / SCORE / ATTEND computed with the golden per-atom operations
// (golden/pu_ops.h), the command rules (COMP rate, busy window) and the sticky
// error causes. It works on the bytes of the banks' open rows, so a command
// stream changes memory exactly as the RTL does, at the same cycles:
//
//  - every command carries its issue cycle (strictly increasing);
//  - an SU write-back lands in the row at the end of cycle issue + wb_lat();
//    a COMP reads its atom in cycle issue + 1 and sees only write-backs of
//    earlier cycles (the RTL's read-before-write hazard rule);
//  - accumulators are updated in COMP order (the RTL's fixed pipeline keeps
//    that order); RESULT is only legal after the busy window, so it sees them.
//
// The same model serves at transaction level (the HBM channel's PIM path,
// which looks at rows, results and error causes once a kernel is over) and at
// cycle level (the RTL bench rtl/pim_pu/dv/pim_pu_tb.cpp, which compares the
// unit's ports in every cycle): busy_mask(t), err_cause_at(t) and an Observer
// that is told, when a command is issued, in which cycle each bank read, bank
// write-back and result will show on the ports. reset(t) is the asynchronous
// reset of spec.md "Clock and reset".
//
// Pure C++, no SystemC.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <string>

#include "numerics/rng.h"
#include "pim_unit/isa.h"
#include "pim_unit/rules.h"

namespace pimlab::pim_unit {

class PimUnit {
 public:
  static constexpr int kBanks = 2;
  static constexpr int kLanes = 32;     // accumulators per bank = elements per atom
  static constexpr int kAtoms = 32;     // atoms per open row
  static constexpr int kAtomBytes = 32;
  static constexpr int kRowBytes = kAtoms * kAtomBytes;

  explicit PimUnit(const PuParams& params = PuParams{});

  // Port-level events, announced while the command that causes them is
  // issued, with the cycle in which they show on the ports (spec.md, "Timing":
  // a COMP's read in cycle issue + 1, its SU write-back in issue + wb_lat(), a
  // RESULT's data in issue + 1). The data are the 32 bytes on bank_wdata_o /
  // res_data_o. Events of cycles >= t are cancelled by reset(t): the observer
  // drops them itself.
  class Observer {
   public:
    virtual ~Observer() = default;
    virtual void bank_read(Cycle c, int bank, int atom) = 0;
    virtual void bank_write(Cycle c, int bank, int atom, const std::array<std::uint8_t, 32>& data) = 0;
    virtual void result(Cycle c, int bank, const std::array<std::uint8_t, 32>& data) = 0;
  };
  void set_observer(Observer* o) { m_observer = o; }

  // Asynchronous reset asserted in cycle t: write-backs of cycles < t have
  // reached the rows, later ones and every COMP in flight are discarded;
  // registers, configuration, generators, accumulators, COMP spacing and error
  // causes take their reset values. The rows (DRAM) keep their contents; the
  // command counters keep counting. Later commands must come after cycle t.
  void reset(Cycle t);

  // The open row of each bank (kRowBytes bytes, written in place by SU
  // write-backs). A COMP to a bank whose row pointer is null is a caller bug
  // (the DRAM protocol opens the row first): std::logic_error.
  struct Rows {
    std::uint8_t* row[kBanks] = {nullptr, nullptr};
  };

  // Issues `cmd` in cycle `t` (> the previous command's cycle; one command per
  // cycle, else std::logic_error). Returns false for an illegal command
  // (dropped, cause bit set). A RESULT writes 32 bytes to *result (8 FP32
  // little-endian, accumulator 8g+i at bytes 4i..4i+3), visible in cycle t+1.
  bool issue(const Command& cmd, Cycle t, const Rows& rows, std::array<std::uint8_t, 32>* result = nullptr);

  // Applies every pending SU write-back whose cycle is < t (call before the
  // banks' rows are closed or read by anyone else, e.g. with t = a large value).
  void settle(Cycle t);
  void settle_all() { settle(INT64_MAX); }
  bool writeback_pending() const { return !m_wb.empty(); }
  // Cycle after which every effect of the commands so far is visible.
  Cycle quiet_after() const { return m_quiet; }

  // Error state (err_cause_o / err_o) once every command so far has passed
  // its pipeline (a COMP's DATA cause is set in its CAP cycle, issue + 2).
  std::uint8_t err_cause() const { return m_err | (m_data_err_at >= 0 ? kErrData : 0); }
  bool err() const { return err_cause() != 0; }
  // err_cause_o in cycle t, every command of the cycles before t issued and
  // none of cycle t or later.
  std::uint8_t err_cause_at(Cycle t) const {
    return m_err | (m_data_err_at >= 0 && m_data_err_at < t ? kErrData : 0);
  }
  // The reason of the most recent illegal command, for messages.
  const std::string& last_error() const { return m_reason; }

  // Architectural state, for tests and waveforms.
  const std::array<float, kLanes>& acc(int bank) const { return m_bank[bank].acc; }
  Mode mode(int bank) const { return m_rules.mode(bank); }
  bool busy(int bank, Cycle t) const { return m_rules.busy(bank, t); }
  // busy_o in cycle t: bit b = bank b busy.
  int busy_mask(Cycle t) const { return (busy(0, t) ? 1 : 0) | (busy(1, t) ? 2 : 0); }
  // Whether a COMP in cycle t keeps the COMP rate (spec.md, "COMP rate").
  bool comp_allowed(Cycle t) const { return m_rules.comp_allowed(t); }
  int set_sel(int bank) const { return m_rules.set_sel(bank); }
  const std::array<std::uint8_t, 32>& slice(int bank, int set, Slot s) const {
    return m_bank[bank].regs[set][static_cast<int>(s)];
  }
  const PuParams& params() const { return m_p; }
  // Commands issued per opcode (legal or not); COMPs executed per mode.
  std::uint64_t issued(Op op) const { return m_count[static_cast<int>(op)]; }
  std::uint64_t comps(Mode m) const { return m_comps[static_cast<int>(m)]; }
  std::uint64_t illegal() const { return m_illegal; }

 private:
  struct Bank {
    std::array<std::array<std::array<std::uint8_t, 32>, kNumSlots>, 4> regs{};
    numerics::SrRng rng{0};
    std::array<float, kLanes> acc{};
  };
  struct Writeback {
    Cycle cycle;
    std::uint8_t* row;
    int atom;
    std::array<std::uint8_t, 32> data;
  };
  void reset_state();
  bool reject(std::uint8_t cause, std::string why);
  void comp(Bank& b, int bank, int atom, Cycle t, std::uint8_t* row);

  PuParams m_p;
  CommandRules m_rules;  // CTRL of each bank, accepted COMPs, legality
  Bank m_bank[kBanks];
  std::deque<Writeback> m_wb;
  Cycle m_last_cmd = INT64_MIN / 2;
  Cycle m_quiet = 0;
  std::uint8_t m_err = 0;
  Cycle m_data_err_at = -1;  // latest CAP cycle of a COMP that read a bad block, not yet in m_err
  std::string m_reason;
  std::array<std::uint64_t, kNumOpcodes> m_count{};
  std::array<std::uint64_t, 3> m_comps{};
  std::uint64_t m_illegal = 0;
  Observer* m_observer = nullptr;
};

}  // namespace pimlab::pim_unit
