#include "pu_ref.h"

#include <cstdio>
#include <cstring>
#include <stdexcept>

#include "golden/pu_ops.h"
#include "numerics/fp.h"

namespace pimlab::tb {

namespace {

numerics::Mx8Block block_of(const Atom& a, int b) {
  numerics::Mx8Block blk;
  std::memcpy(blk.bytes.data(), a.data() + 16 * b, 16);
  return blk;
}

// One GV slice of sixteen 1.0 per block: field 0x20 for every element, E = 127.
Atom ones_atom() {
  float one[32];
  for (float& v : one) v = 1.0f;
  return encode_atom(one);
}

void decode_slice(const Atom& a, float* out32) {
  numerics::Mx8Block b[2] = {block_of(a, 0), block_of(a, 1)};
  golden::decode_atom(b, out32);
}

}  // namespace

bool mx8_block_ok(const std::uint8_t* blk16) {
  const std::uint8_t e = blk16[14], micro = blk16[15];
  return e != 0xFF && !(e == 0 && micro != 0);
}

Atom encode_atom(const float* v32) {
  return golden::encode_atom_bytes(v32);
}

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

PuRef::PuRef(PuParams p) : m_p(p) {
  if (p.lanes != 8 && p.lanes != 16 && p.lanes != 32)
    throw std::invalid_argument("PuRef: lanes = " + std::to_string(p.lanes) + ", allowed 8, 16, 32");
  if (p.reg_sets < 1 || p.reg_sets > 4)
    throw std::invalid_argument("PuRef: reg_sets = " + std::to_string(p.reg_sets) + ", allowed 1..4");
  reset(0);
}

void PuRef::reset(std::uint64_t now) {
  if (now > 0) apply_due_writes(now - 1);
  const Atom ones = ones_atom();
  for (int b = 0; b < 2; ++b) {
    for (auto& set : m_regs[b])
      for (int s = 0; s < num_slots; ++s) set[s] = (s == slot_gv) ? ones : Atom{};
    m_acc[b].fill(0.0f);
    m_mode[b] = Mode::su;
    m_stoch[b] = false;
    m_setsel[b] = 0;
    m_rng[b] = numerics::SrRng(0);
    m_busy[b] = 0;
  }
  m_cool = 0;
  m_err = 0;
  m_row_writes.clear();
  m_data_err_cycles.clear();
  exp_reads.clear();
  exp_writes.clear();
  exp_results.clear();
}

std::uint8_t PuRef::busy() const {
  return static_cast<std::uint8_t>((m_busy[0] ? 1 : 0) | (m_busy[1] ? 2 : 0));
}

void PuRef::apply_due_writes(std::uint64_t cycle) {
  // A write in cycle w changes the row at the end of w: a read in cycle
  // cycle+1 sees it when w <= cycle.
  while (!m_row_writes.empty() && m_row_writes.front().cycle <= cycle) {
    const BankWrite& w = m_row_writes.front();
    m_rows[w.bank][w.col] = w.data;
    m_row_writes.pop_front();
  }
}

void PuRef::do_comp(std::uint64_t cycle, int bank, int atom) {
  exp_reads.push_back({cycle + 1, bank, atom});
  Atom x = m_rows[bank][atom];
  for (int b = 0; b < 2; ++b) {
    if (!mx8_block_ok(x.data() + 16 * b)) {
      std::memset(x.data() + 16 * b, 0, 16);  // reads as +0, ERR_DATA
      m_data_err_cycles.push_back(cycle + 3);
    }
  }
  numerics::Mx8Block xb[2] = {block_of(x, 0), block_of(x, 1)};
  const Mode mode = m_mode[bank];
  n_comp[static_cast<int>(mode)]++;
  switch (mode) {
    case Mode::su: {
      float k[32], gk[32], q[32], v[32], gv[32];
      decode_slice(reg(bank, slot_k), k);
      decode_slice(reg(bank, slot_gk), gk);
      decode_slice(reg(bank, slot_q), q);
      decode_slice(reg(bank, slot_v), v);
      decode_slice(reg(bank, slot_gv), gv);
      numerics::Mx8Block out[2];
      golden::su_atom(xb, k[atom], q[atom], gk[atom], v, gv,
                      m_stoch[bank] ? numerics::Rounding::stochastic : numerics::Rounding::nearest, &m_rng[bank],
                      m_acc[bank].data(), out);
      BankWrite w{cycle + static_cast<std::uint64_t>(m_p.wb_lat()), bank, atom, {}};
      std::memcpy(w.data.data(), out[0].bytes.data(), 16);
      std::memcpy(w.data.data() + 16, out[1].bytes.data(), 16);
      exp_writes.push_back(w);
      m_row_writes.push_back(w);
      break;
    }
    case Mode::score: {
      float q[32];
      decode_slice(reg(bank, slot_q), q);
      m_acc[bank][atom] = golden::score_atom(xb, q, m_acc[bank][atom]);
      break;
    }
    case Mode::attend: {
      float p[32];
      decode_slice(reg(bank, slot_p), p);
      golden::attend_atom(xb, p[atom], m_acc[bank].data());
      break;
    }
  }
}

void PuRef::step(std::uint64_t cycle, const Command& cmd) {
  apply_due_writes(cycle);
  std::uint8_t set = 0, clr = 0;
  bool comp = false;
  const int bank = cmd.bank & 1;
  const bool busy_b = m_busy[bank] != 0;
  if (cmd.valid) {
    std::uint32_t value;
    std::memcpy(&value, cmd.wdata.data(), 4);
    switch (cmd.op & 7) {
      case 0:
        break;
      case 1:
        if (m_cool != 0) set |= 1u << err_rate;
        else comp = true;
        break;
      case 2: {
        const int rset = (cmd.idx >> 3) & 3, slot = cmd.idx & 7;
        if (slot >= num_slots || rset >= m_p.reg_sets) set |= 1u << err_addr;
        else if (busy_b && rset == m_setsel[bank]) set |= 1u << err_busy;
        else if (!mx8_block_ok(cmd.wdata.data()) || !mx8_block_ok(cmd.wdata.data() + 16)) set |= 1u << err_data;
        else m_regs[bank][rset][slot] = cmd.wdata;
        break;
      }
      case 3:
        if ((cmd.idx >> 2) != 0) set |= 1u << err_addr;
        else if (busy_b) set |= 1u << err_busy;
        else {
          ResultOut r{cycle + 1, {}};
          for (int i = 0; i < 8; ++i) r.words[i] = numerics::bits_of(m_acc[bank][8 * (cmd.idx & 3) + i]);
          exp_results.push_back(r);
        }
        break;
      case 4:
        if (busy_b) set |= 1u << err_busy;
        else m_acc[bank].fill(0.0f);
        break;
      case 5:
        switch (cmd.idx & 31) {
          case cfg_ctrl: {
            const unsigned mode = value & 3, setsel = (value >> 3) & 3;
            if (busy_b) set |= 1u << err_busy;
            else if (mode == 3 || static_cast<int>(setsel) >= m_p.reg_sets) set |= 1u << err_cfg;
            else {
              m_mode[bank] = static_cast<Mode>(mode);
              m_stoch[bank] = (value >> 2) & 1;
              m_setsel[bank] = static_cast<int>(setsel);
            }
            break;
          }
          case cfg_seed:
            if (busy_b) set |= 1u << err_busy;
            else m_rng[bank] = numerics::SrRng(value);
            break;
          case cfg_err_clr:
            clr = static_cast<std::uint8_t>(value & 0x3F);
            break;
          default:
            set |= 1u << err_addr;
        }
        break;
      default:
        set |= 1u << err_opcode;
    }
  }
  if (set) n_illegal++;
  // Busy windows and COMP spacing advance into cycle+1.
  for (int b = 0; b < 2; ++b)
    if (m_busy[b]) m_busy[b]--;
  if (m_cool) m_cool--;
  if (comp) {
    m_busy[bank] = m_p.acc_lat();
    m_cool = 3;
    do_comp(cycle, bank, cmd.idx & 31);
  }
  // ERR_DATA of a COMP's atom becomes visible 3 cycles after the COMP.
  while (!m_data_err_cycles.empty() && m_data_err_cycles.front() <= cycle + 1) {
    set |= 1u << err_data;
    m_data_err_cycles.pop_front();
  }
  m_err = static_cast<std::uint8_t>((m_err & ~clr) | set);
}

}  // namespace pimlab::tb
