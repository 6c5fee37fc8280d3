#include "pim_unit/unit.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "golden/pu_ops.h"
#include "numerics/mx8.h"

namespace pimlab::pim_unit {

namespace {

std::array<std::uint8_t, 32> gv_reset_value() {
  numerics::Mx8Fields f;
  f.shared_exp = 127;
  for (int i = 0; i < 16; ++i) f.mag[i] = 32;  // 32 * 2^(127-132) = 1.0
  const numerics::Mx8Block b = numerics::mx8_pack_fields(f);
  std::array<std::uint8_t, 32> out{};
  std::memcpy(out.data(), b.bytes.data(), 16);
  std::memcpy(out.data() + 16, b.bytes.data(), 16);
  return out;
}

void to_blocks(const std::uint8_t* atom32, numerics::Mx8Block* blocks2) {
  std::memcpy(blocks2[0].bytes.data(), atom32, 16);
  std::memcpy(blocks2[1].bytes.data(), atom32 + 16, 16);
}

void decode_slice(const std::array<std::uint8_t, 32>& s, float* out32) {
  numerics::Mx8Block b[2];
  to_blocks(s.data(), b);
  golden::decode_atom(b, out32);
}

}  // namespace

PimUnit::PimUnit(const PuParams& params) : m_p(params), m_rules(params) {
  m_p.validate();
  reset_state();
}

void PimUnit::reset_state() {
  const auto gv = gv_reset_value();
  for (Bank& b : m_bank) {
    b = Bank{};
    for (auto& set : b.regs) set[static_cast<int>(Slot::gv)] = gv;
  }
  m_rules.reset();
  m_err = 0;
  m_data_err_at = -1;
}

void PimUnit::reset(Cycle t) {
  settle(t);  // write-backs of cycles < t reached the rows
  m_wb.clear();
  reset_state();
  m_reason.clear();
  m_last_cmd = std::max(m_last_cmd, t);
  m_quiet = std::max(m_quiet, t);
}

bool PimUnit::reject(std::uint8_t cause, std::string why) {
  m_err |= cause;
  m_reason = std::move(why);
  ++m_illegal;
  return false;
}

void PimUnit::settle(Cycle t) {
  while (!m_wb.empty() && m_wb.front().cycle < t) {
    const Writeback& w = m_wb.front();
    std::memcpy(w.row + w.atom * kAtomBytes, w.data.data(), kAtomBytes);
    m_wb.pop_front();
  }
}

bool PimUnit::issue(const Command& cmd, Cycle t, const Rows& rows, std::array<std::uint8_t, 32>* result) {
  if (t <= m_last_cmd)
    throw std::logic_error("pim unit: command in cycle " + std::to_string(t) + " after one in cycle " +
                           std::to_string(m_last_cmd) + " (one command per cycle, in order)");
  m_last_cmd = t;
  // A COMP's DATA cause enters the flags at the edge ending its CAP cycle:
  // before this command if that cycle is earlier; in the same edge (after an
  // ERR_CLR of this cycle, which cannot clear it) if it is this cycle.
  if (m_data_err_at >= 0 && m_data_err_at < t) {
    m_err |= kErrData;
    m_data_err_at = -1;
  }
  const int op = cmd.op & 7;
  const int bank = cmd.bank & 1;
  const int idx = cmd.idx & 31;
  ++m_count[op];
  Bank& b = m_bank[bank];
  // For messages only (built when one is needed).
  const auto where = [&] {
    return std::string(op_name(cmd.op)) + " bank " + std::to_string(bank) + " idx " + std::to_string(idx) +
           " in cycle " + std::to_string(t);
  };
  m_quiet = std::max(m_quiet, t + 1);
  std::string why;
  if (const std::uint8_t cause = m_rules.check(cmd, t, &why)) return reject(cause, where() + ": " + why);
  if (static_cast<Op>(op) == Op::comp && rows.row[bank] == nullptr)
    throw std::logic_error("pim unit: " + where() + " with the bank's row closed");
  if (static_cast<Op>(op) == Op::result && !result) throw std::logic_error("pim unit: RESULT without a result buffer");
  m_rules.accept(cmd, t);
  switch (static_cast<Op>(op)) {
    case Op::comp:
      comp(b, bank, idx, t, rows.row[bank]);
      break;
    case Op::reg_wr:
      b.regs[idx >> 3][idx & 7] = cmd.wdata;
      break;
    case Op::result:
      for (int i = 0; i < 8; ++i) {
        std::uint32_t u;
        std::memcpy(&u, &b.acc[8 * (idx & 3) + i], 4);
        for (int k = 0; k < 4; ++k) (*result)[4 * i + k] = static_cast<std::uint8_t>(u >> (8 * k));
      }
      if (m_observer) m_observer->result(t + 1, bank, *result);
      break;
    case Op::clear:
      b.acc.fill(0.0f);
      break;
    case Op::cfg_wr: {
      const std::uint32_t v = cmd.value();
      if (idx == static_cast<int>(CfgReg::err_clr)) {
        m_err = static_cast<std::uint8_t>(m_err & ~(v & 0x3Fu));
        if (m_data_err_at == t) {  // set in the same edge: the set wins
          m_err |= kErrData;
          m_data_err_at = -1;
        }
      } else if (idx == static_cast<int>(CfgReg::seed)) {
        b.rng = numerics::SrRng(v);
      }  // CTRL: accepted by the rules above
      break;
    }
    default:  // NOP; the rules reject opcodes 6 and 7
      break;
  }
  return true;
}

void PimUnit::comp(Bank& b, int bank, int atom, Cycle t, std::uint8_t* row) {
  const Mode mode = m_rules.mode(bank);
  m_quiet = std::max(m_quiet, t + m_p.acc_lat());
  ++m_comps[static_cast<int>(mode)];
  // The read happens in cycle t+1: it sees write-backs of cycles <= t.
  if (m_observer) m_observer->bank_read(t + 1, bank, atom);
  settle(t + 1);
  std::uint8_t raw[32];
  std::memcpy(raw, row + atom * kAtomBytes, 32);
  for (int blk = 0; blk < 2; ++blk)
    if (!block_valid(raw + 16 * blk)) {
      m_data_err_at = t + 2;  // the CAP stage
      m_reason = "COMP bank " + std::to_string(bank) + " atom " + std::to_string(atom) + " in cycle " +
                 std::to_string(t) + ": MX8 block " + std::to_string(blk) + " outside the format, read as +0";
      std::memset(raw + 16 * blk, 0, 16);  // an all-zero block decodes to +0 everywhere
    }
  numerics::Mx8Block x[2];
  to_blocks(raw, x);
  const auto& regs = b.regs[m_rules.set_sel(bank)];
  float lane[32];
  switch (mode) {
    case Mode::su: {
      float k[32], gk[32], q[32], v[32], gv[32];
      decode_slice(regs[static_cast<int>(Slot::k)], k);
      decode_slice(regs[static_cast<int>(Slot::gk)], gk);
      decode_slice(regs[static_cast<int>(Slot::q)], q);
      decode_slice(regs[static_cast<int>(Slot::v)], v);
      decode_slice(regs[static_cast<int>(Slot::gv)], gv);
      numerics::Mx8Block out[2];
      golden::su_atom(x, k[atom], q[atom], gk[atom], v, gv,
                      m_rules.stochastic(bank) ? numerics::Rounding::stochastic : numerics::Rounding::nearest, &b.rng, b.acc.data(), out,
                      lane);
      Writeback w{t + m_p.wb_lat(), row, atom, {}};
      std::memcpy(w.data.data(), out[0].bytes.data(), 16);
      std::memcpy(w.data.data() + 16, out[1].bytes.data(), 16);
      if (m_observer) m_observer->bank_write(w.cycle, bank, atom, w.data);
      m_wb.push_back(w);
      break;
    }
    case Mode::score: {
      decode_slice(regs[static_cast<int>(Slot::q)], lane);
      b.acc[atom] = golden::score_atom(x, lane, b.acc[atom]);
      break;
    }
    case Mode::attend: {
      decode_slice(regs[static_cast<int>(Slot::p)], lane);
      golden::attend_atom(x, lane[atom], b.acc.data());
      break;
    }
  }
}

}  // namespace pimlab::pim_unit
