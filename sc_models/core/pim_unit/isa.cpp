#include "pim_unit/isa.h"

#include <cstring>
#include <stdexcept>

namespace pimlab::pim_unit {

std::string err_text(std::uint8_t causes) {
  static const char* names[6] = {"OPCODE", "RATE", "BUSY", "ADDR", "CFG", "DATA"};
  std::string s;
  for (int i = 0; i < 6; ++i)
    if (causes & (1u << i)) s += (s.empty() ? "" : "|") + std::string(names[i]);
  return s.empty() ? "none" : s;
}

const char* op_name(std::uint8_t op) {
  switch (op & 7u) {
    case 0: return "NOP";
    case 1: return "COMP";
    case 2: return "REG_WR";
    case 3: return "RESULT";
    case 4: return "CLEAR";
    case 5: return "CFG_WR";
    default: return "ILLEGAL";
  }
}

Command Command::reg_wr(int bank, int set, Slot slot, const std::uint8_t* atom32) {
  Command c = make(Op::reg_wr, bank, ((set & 3) << 3) | static_cast<int>(slot));
  std::memcpy(c.wdata.data(), atom32, 32);
  return c;
}

Command Command::cfg_wr(int bank, CfgReg reg, std::uint32_t value) {
  Command c = make(Op::cfg_wr, bank, static_cast<int>(reg));
  for (int i = 0; i < 4; ++i) c.wdata[i] = static_cast<std::uint8_t>(value >> (8 * i));
  return c;
}

void PuParams::validate() const {
  if (lanes != 8 && lanes != 16 && lanes != 32)
    throw std::invalid_argument("pim unit: lanes = " + std::to_string(lanes) + " is not allowed; allowed: 8, 16 or 32");
  if (reg_sets < 1 || reg_sets > 4)
    throw std::invalid_argument("pim unit: reg_sets = " + std::to_string(reg_sets) +
                                " is not allowed; allowed: 1..4");
}

int latency(const PuParams& p, std::uint8_t op) {
  return (op & 7u) == static_cast<std::uint8_t>(Op::comp) ? p.acc_lat() : 1;
}

}  // namespace pimlab::pim_unit
