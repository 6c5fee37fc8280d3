#include "pim_unit/rules.h"

namespace pimlab::pim_unit {

bool block_valid(const std::uint8_t* b16) { return b16[14] != 255 && !(b16[14] == 0 && b16[15] != 0); }

namespace {

std::uint8_t fail(std::uint8_t cause, std::string* why, const std::string& text) {
  if (why) *why = text;
  return cause;
}

}  // namespace

std::uint8_t CommandRules::check(const Command& cmd, Cycle t, std::string* why) const {
  const int op = cmd.op & 7;
  const int bank = cmd.bank & 1;
  const int idx = cmd.idx & 31;
  switch (static_cast<Op>(op)) {
    case Op::nop:
      return 0;
    case Op::comp:
      if (!comp_allowed(t))
        return fail(kErrRate, why,
                    why ? "COMP " + std::to_string(t - m_last_comp) + " cycles after the previous one (at least 4)" : "");
      return 0;
    case Op::reg_wr: {
      const int set = idx >> 3, slot = idx & 7;
      if (slot >= kNumSlots || set >= m_p.reg_sets)
        return fail(kErrAddr, why,
                    why ? "register set " + std::to_string(set) + " slot " + std::to_string(slot) +
                              " (slots 0..5, sets 0.." + std::to_string(m_p.reg_sets - 1) + ")"
                        : "");
      if (set == m_bank[bank].set_sel && busy(bank, t))
        return fail(kErrBusy, why, "writes the selected register set of a busy bank");
      if (!block_valid(cmd.wdata.data()) || !block_valid(cmd.wdata.data() + 16))
        return fail(kErrData, why, "MX8 block outside the format");
      return 0;
    }
    case Op::result:
      if (idx >> 2) return fail(kErrAddr, why, why ? "RESULT group " + std::to_string(idx) + " (allowed 0..3)" : "");
      if (busy(bank, t)) return fail(kErrBusy, why, "RESULT of a busy bank");
      return 0;
    case Op::clear:
      if (busy(bank, t)) return fail(kErrBusy, why, "CLEAR of a busy bank");
      return 0;
    case Op::cfg_wr: {
      if (idx >= 3) return fail(kErrAddr, why, why ? "configuration register " + std::to_string(idx) + " (0..2)" : "");
      if (idx == static_cast<int>(CfgReg::err_clr)) return 0;  // allowed while busy, bank ignored
      if (busy(bank, t)) return fail(kErrBusy, why, "configuration write to a busy bank");
      if (idx == static_cast<int>(CfgReg::seed)) return 0;
      const std::uint32_t v = cmd.value();
      const int mode = v & 3, set_sel = (v >> 3) & 3;
      if (mode == 3 || set_sel >= m_p.reg_sets)
        return fail(kErrCfg, why,
                    why ? "CTRL mode " + std::to_string(mode) + " set_sel " + std::to_string(set_sel) +
                              " (mode 0..2, set_sel 0.." + std::to_string(m_p.reg_sets - 1) + ")"
                        : "");
      return 0;
    }
    default:
      return fail(kErrOpcode, why, why ? "opcode " + std::to_string(op) + " is illegal" : "");
  }
}

void CommandRules::accept(const Command& cmd, Cycle t) {
  const int op = cmd.op & 7;
  Bank& b = m_bank[cmd.bank & 1];
  if (op == static_cast<int>(Op::comp)) {
    m_last_comp = t;
    b.last_comp = t;
  } else if (op == static_cast<int>(Op::cfg_wr) && (cmd.idx & 31) == static_cast<int>(CfgReg::ctrl)) {
    const std::uint32_t v = cmd.value();
    b.mode = static_cast<Mode>(v & 3);
    b.stochastic = (v >> 2) & 1u;
    b.set_sel = static_cast<int>((v >> 3) & 3);
  }
}

}  // namespace pimlab::pim_unit
