// The command rules of the PIM processing unit (rtl/pim_pu/doc/spec.md, "Busy
// window and command rules" and "Illegal commands and the error flag") and the
// state they depend on: each bank's CTRL register and the cycles of the
// accepted COMPs. check() says which cause an illegal command sets, in the
// RTL's order of checks; accept() records what a legal command changes of
// that state. The behavioural unit (unit.h) decides every command with it;
// the co-simulation's RTL wrapper (tlm/pim_rtl/rtl_unit.cpp) follows the
// RTL's accepted COMPs and modes with it (which COMPs write back) without
// running the unit's arithmetic.
#pragma once

#include <cstdint>
#include <string>

#include "pim_unit/isa.h"

namespace pimlab::pim_unit {

using Cycle = std::int64_t;

// spec.md, "MX8 blocks outside the format": E = 255, or a micro-exponent bit
// with E = 0 (16 bytes, E at byte 14, micro bits at byte 15).
bool block_valid(const std::uint8_t* block16);

class CommandRules {
 public:
  static constexpr Cycle kNever = INT64_MIN / 2;

  explicit CommandRules(const PuParams& p) : m_p(p) {}

  // The cause bit `cmd` sets in cycle t if it is illegal, 0 if it is legal;
  // for an illegal one, *why (when given) says why.
  std::uint8_t check(const Command& cmd, Cycle t, std::string* why = nullptr) const;
  // Records a legal command of cycle t: a COMP's cycle, a CTRL write's fields.
  void accept(const Command& cmd, Cycle t);
  // Reset values: SU, nearest, set 0 in both banks; no COMP so far.
  void reset() { *this = CommandRules(m_p); }

  // Busy in cycles 1 .. AccLat after the bank's last accepted COMP.
  bool busy(int bank, Cycle t) const {
    const Cycle d = t - m_bank[bank].last_comp;
    return d >= 1 && d <= m_p.acc_lat();
  }
  bool comp_allowed(Cycle t) const { return t - m_last_comp >= PuParams::kCompInterval; }
  Cycle last_comp() const { return m_last_comp; }  // the latest accepted COMP of either bank
  Mode mode(int bank) const { return m_bank[bank].mode; }
  bool stochastic(int bank) const { return m_bank[bank].stochastic; }
  int set_sel(int bank) const { return m_bank[bank].set_sel; }

 private:
  struct Bank {
    Mode mode = Mode::su;
    bool stochastic = false;
    int set_sel = 0;
    Cycle last_comp = kNever;
  };
  PuParams m_p;
  Bank m_bank[2];
  Cycle m_last_comp = kNever;
};

}  // namespace pimlab::pim_unit
