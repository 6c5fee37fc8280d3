// Command encoding, configuration registers, error causes and timing of the
// PIM processing unit, exactly as rtl/pim_pu/doc/spec.md defines them (the
// behavioural unit and the RTL decode the same packed command).
//
// Packed command, 265 bits: {wdata[255:0], idx[4:0], bank, op[2:0]}. Here the
// low 9 bits are the `head` (op at [2:0], bank at [3], idx at [8:4]) and
// wdata is 32 bytes, byte i = bits [8i+7 : 8i] (block 0 = bytes 0..15).
#pragma once

#include <array>
#include <cstdint>
#include <string>

namespace pimlab::pim_unit {

// Opcodes (3 bits). 6 and 7 are illegal (ERR_OPCODE).
enum class Op : std::uint8_t { nop = 0, comp = 1, reg_wr = 2, result = 3, clear = 4, cfg_wr = 5 };
inline constexpr int kNumOpcodes = 8;

// Register slots of one set (REG_WR idx = {set[1:0], slot[2:0]}).
enum class Slot : std::uint8_t { k = 0, gk = 1, q = 2, v = 3, gv = 4, p = 5 };
inline constexpr int kNumSlots = 6;

// Configuration registers (CFG_WR idx).
enum class CfgReg : std::uint8_t { ctrl = 0, seed = 1, err_clr = 2 };
// CTRL[1:0]
enum class Mode : std::uint8_t { su = 0, score = 1, attend = 2 };

// Sticky error causes (err_cause_o bits).
enum ErrBit : std::uint8_t {
  kErrOpcode = 1u << 0,
  kErrRate = 1u << 1,
  kErrBusy = 1u << 2,
  kErrAddr = 1u << 3,
  kErrCfg = 1u << 4,
  kErrData = 1u << 5,
};
// "OPCODE|BUSY" for a cause mask; "none" for 0.
std::string err_text(std::uint8_t causes);

const char* op_name(std::uint8_t op);

struct Command {
  std::uint8_t op = 0;    // 3 bits (values 6, 7 are representable: they are illegal commands)
  std::uint8_t bank = 0;  // 1 bit: 0 = bank A, 1 = bank B
  std::uint8_t idx = 0;   // 5 bits
  std::array<std::uint8_t, 32> wdata{};

  std::uint16_t head() const {
    return static_cast<std::uint16_t>((op & 7u) | ((bank & 1u) << 3) | ((idx & 31u) << 4));
  }
  // CFG_WR value: wdata bytes 0..3, little-endian.
  std::uint32_t value() const {
    return static_cast<std::uint32_t>(wdata[0]) | static_cast<std::uint32_t>(wdata[1]) << 8 |
           static_cast<std::uint32_t>(wdata[2]) << 16 | static_cast<std::uint32_t>(wdata[3]) << 24;
  }
  static Command from_head(std::uint16_t head, const std::array<std::uint8_t, 32>& wdata = {}) {
    Command c;
    c.op = head & 7u;
    c.bank = (head >> 3) & 1u;
    c.idx = (head >> 4) & 31u;
    c.wdata = wdata;
    return c;
  }

  // Builders (fields masked to their width).
  static Command nop() { return Command{}; }
  static Command comp(int bank, int atom) { return make(Op::comp, bank, atom); }
  static Command reg_wr(int bank, int set, Slot slot, const std::uint8_t* atom32);
  static Command result(int bank, int group) { return make(Op::result, bank, group); }
  static Command clear(int bank) { return make(Op::clear, bank, 0); }
  static Command cfg_wr(int bank, CfgReg reg, std::uint32_t value);
  static Command ctrl(int bank, Mode mode, bool stochastic = false, int set_sel = 0) {
    return cfg_wr(bank, CfgReg::ctrl,
                  static_cast<std::uint32_t>(mode) | (stochastic ? 4u : 0u) | (static_cast<std::uint32_t>(set_sel) << 3));
  }

 private:
  static Command make(Op op, int bank, int idx) {
    Command c;
    c.op = static_cast<std::uint8_t>(op);
    c.bank = static_cast<std::uint8_t>(bank & 1);
    c.idx = static_cast<std::uint8_t>(idx & 31);
    return c;
  }
};

// Timing parameters of the unit (spec.md, "Parameters" and "Timing").
struct PuParams {
  int lanes = 8;      // 8, 16 or 32
  int reg_sets = 1;   // 1..4
  int beats() const { return 32 / lanes; }
  int wb_lat() const { return 7 + beats(); }      // SU write-back cycle after the COMP
  int acc_lat() const { return 8 + 2 * beats(); } // accumulators hold the COMP's result after this cycle
  static constexpr int kCompInterval = 4;         // nCCD_L: COMP to COMP, either bank
  // Throws std::invalid_argument naming the field, value and allowed values.
  void validate() const;
};

// Cycles from a command's issue until its effect is visible (REG_WR, CLEAR,
// CFG_WR: 1; RESULT: data in cycle 1; COMP: acc_lat()).
int latency(const PuParams& p, std::uint8_t op);

}  // namespace pimlab::pim_unit
