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
// Pure C++, no SystemC.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <string>

#include "numerics/rng.h"
#include "pim_unit/isa.h"

namespace pimlab::pim_unit {

using Cycle = std::int64_t;

class PimUnit {
 public:
  static constexpr int kBanks = 2;
  static constexpr int kLanes = 32;     // accumulators per bank = elements per atom
  static constexpr int kAtoms = 32;     // atoms per open row
  static constexpr int kAtomBytes = 32;
  static constexpr int kRowBytes = kAtoms * kAtomBytes;

  explicit PimUnit(const PuParams& params = PuParams{});

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
  // The reason of the most recent illegal command, for messages.
  const std::string& last_error() const { return m_reason; }

  // Architectural state, for tests and waveforms.
  const std::array<float, kLanes>& acc(int bank) const { return m_bank[bank].acc; }
  Mode mode(int bank) const { return m_bank[bank].mode; }
  bool busy(int bank, Cycle t) const;
  const std::array<std::uint8_t, 32>& slice(int bank, int set, Slot s) const {
    return m_bank[bank].regs[set][static_cast<int>(s)];
  }
  const PuParams& params() const { return m_p; }
  std::uint64_t issued(Op op) const { return m_count[static_cast<int>(op)]; }
  std::uint64_t illegal() const { return m_illegal; }

 private:
  struct Bank {
    std::array<std::array<std::array<std::uint8_t, 32>, kNumSlots>, 4> regs{};
    Mode mode = Mode::su;
    bool stochastic = false;
    int set_sel = 0;
    numerics::SrRng rng{0};
    std::array<float, kLanes> acc{};
    Cycle last_comp = INT64_MIN / 2;
  };
  struct Writeback {
    Cycle cycle;
    std::uint8_t* row;
    int atom;
    std::array<std::uint8_t, 32> data;
  };
  bool reject(std::uint8_t cause, std::string why);
  void comp(Bank& b, int bank, int atom, Cycle t, std::uint8_t* row);

  PuParams m_p;
  Bank m_bank[kBanks];
  std::deque<Writeback> m_wb;
  Cycle m_last_cmd = INT64_MIN / 2;
  Cycle m_last_comp = INT64_MIN / 2;  // any bank (COMP rate)
  Cycle m_quiet = 0;
  std::uint8_t m_err = 0;
  Cycle m_data_err_at = -1;  // latest CAP cycle of a COMP that read a bad block, not yet in m_err
  std::string m_reason;
  std::array<std::uint64_t, kNumOpcodes> m_count{};
  std::uint64_t m_illegal = 0;
};

}  // namespace pimlab::pim_unit
