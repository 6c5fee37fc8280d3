#include "firmware/pimba/lowering.h"

#include <stdexcept>
#include <string>

#include "pim/variant.h"

namespace pimlab::firmware::pimba {

using pim::CmdKind;

namespace {


void check_supported(const Program& p, int ch) {
  const auto& k = p.spec;
  if (pim::variant(k.variant).element_bytes != 1)
    throw std::invalid_argument("PIM kernel lowering: variant '" + k.variant +
                                "' stores 2-byte elements; the PIM unit computes on MX8 (allowed: pimba)");
  if (k.banks_per_group % 2 != 0)
    throw std::invalid_argument("PIM kernel lowering: banks_per_group " + std::to_string(k.banks_per_group) +
                                " is odd (one unit per bank pair)");
  if (k.page_bytes != 1024 || k.atom_bytes != 32)
    throw std::invalid_argument("PIM kernel lowering: page " + std::to_string(k.page_bytes) + " B, atom " +
                                std::to_string(k.atom_bytes) + " B (the unit works on 32 atoms of 32 B)");
  if (ch < 0 || ch >= k.channels)
    throw std::invalid_argument("PIM kernel lowering: channel " + std::to_string(ch) + " not in [0, " +
                                std::to_string(k.channels) + ")");
}

std::vector<pim_unit::Slot> slots_of(Op op, const BankWork& w, int v_count) {
  std::vector<pim_unit::Slot> s;
  if (op == Op::SU) {
    if (w.reg_writes == 3 + v_count) s = {pim_unit::Slot::k, pim_unit::Slot::gk, pim_unit::Slot::q};
    for (int i = 0; i < v_count; ++i) s.push_back(pim_unit::Slot::v);
  } else {
    s.push_back(op == Op::Score ? pim_unit::Slot::q : pim_unit::Slot::p);
  }
  if (static_cast<int>(s.size()) != w.reg_writes)
    throw std::invalid_argument("PIM kernel lowering: a bank receives " + std::to_string(w.reg_writes) +
                                " register writes, expected " + std::to_string(s.size()));
  return s;
}

}  // namespace

std::vector<ChunkPlace> chunk_places(const Program& p, int ch, int base_row) {
  check_supported(p, ch);
  std::vector<ChunkPlace> out;
  const int bpg = p.spec.banks_per_group;
  for (std::uint32_t ri = 0; ri < p.rounds.size(); ++ri) {
    const Round& r = p.rounds[ri];
    if (r.ch != ch) continue;
    for (std::size_t b = 0; b < r.banks.size(); ++b) {
      const BankWork& w = r.banks[b];
      if (w.block_row < 0) continue;
      ChunkPlace c;
      c.block_row = w.block_row;
      c.block_col = w.block_col;
      c.pch = r.pch;
      c.bank_group = static_cast<std::uint8_t>(b / bpg);
      c.bank = static_cast<std::uint8_t>(b % bpg);
      c.row = base_row + static_cast<std::int32_t>(r.index_in_pch);
      c.round = ri;
      out.push_back(c);
    }
  }
  return out;
}

LoweredKernel lower_kernel(const Program& p, int ch, int base_row, const OperandSource& operands,
                                 numerics::Rounding rounding) {
  check_supported(p, ch);
  const auto& k = p.spec;
  const int bpg = k.banks_per_group, bgs = k.bank_groups, pairs = bpg / 2;
  const int v_count = p.geo.v_count;
  const pim_unit::Mode mode = k.op == Op::SU ? pim_unit::Mode::su : k.op == Op::Score ? pim_unit::Mode::score : pim_unit::Mode::attend;
  LoweredKernel out;
  ChannelProgram& ext = out.program;
  ext.stream = p.channel_streams.at(static_cast<std::size_t>(ch));

  // Per pseudo-channel progress through its current round.
  struct PchState {
    std::uint32_t round = 0;
    int comp = 0;          // COMPs of the round so far
    int result = 0;        // result reads of the round so far
    // Without command scheduling: pending register writes of the last ACT4.
    std::vector<std::pair<int, pim_unit::Slot>> reg_queue;  // (bank index in pch, slot)
    std::size_t reg_next = 0;
  };
  std::vector<PchState> st(static_cast<std::size_t>(k.pseudo_channels));

  auto place = [&](const Round& r, int b) {
    ChunkPlace c;
    c.block_row = r.banks[b].block_row;
    c.block_col = r.banks[b].block_col;
    c.pch = r.pch;
    c.bank_group = static_cast<std::uint8_t>(b / bpg);
    c.bank = static_cast<std::uint8_t>(b % bpg);
    c.row = base_row + static_cast<std::int32_t>(r.index_in_pch);
    return c;
  };
  // offset cycles + col_slots column accesses after the command (the channel
  // converts column accesses with its own timing).
  auto unit_op = [&](std::uint32_t step, std::uint32_t offset, std::uint32_t col_slots, int pch, int b,
                     const pim_unit::Command& cmd) {
    ext.ops.push_back({step, offset, static_cast<std::uint8_t>(pch), static_cast<std::uint8_t>(b / bpg),
                       static_cast<std::uint8_t>((b % bpg) / 2), cmd, col_slots});
  };
  auto reg_write = [&](std::uint32_t step, std::uint32_t offset, std::uint32_t col_slots, const Round& r, int b,
                       pim_unit::Slot slot) {
    const Atom32 a = operands(r, r.banks[b], slot);
    unit_op(step, offset, col_slots, r.pch, b, pim_unit::Command::reg_wr(b % 2, 0, slot, a.data()));
  };
  // Result read k of a round: group k % 4 of bank (k / 4) % 2 of every unit
  // with work there; CLEAR one cycle after a bank's last read.
  auto result_read = [&](std::uint32_t step, std::uint32_t offset, std::uint32_t col_slots, const Round& r, int kk,
                         int reads) {
    const int half = (kk / 4) % 2, group = kk % 4;
    for (int b = half; b < bgs * bpg; b += 2) {
      if (r.banks[b].block_row < 0) continue;
      unit_op(step, offset, col_slots, r.pch, b, pim_unit::Command::result(half, group));
      out.results.push_back({place(r, b), group});
      const bool last_of_bank = kk + 4 >= reads || ((kk + 4) / 4) % 2 != half;
      if (group == 3 && last_of_bank) unit_op(step, offset + 1, col_slots, r.pch, b, pim_unit::Command::clear(half));
    }
  };

  for (std::uint32_t s = 0; s < ext.stream.size(); ++s) {
    const pim::Command& c = ext.stream[s];
    PchState& ps = st.at(c.pch);
    switch (c.kind) {
      case CmdKind::RefreshBarrier: {
        ps.round = c.round;
        ps.comp = ps.result = 0;
        ps.reg_queue.clear();
        ps.reg_next = 0;
        for (int g = 0; g < bgs; ++g)
          for (int q = 0; q < pairs; ++q)
            for (int half = 0; half < 2; ++half)
              ext.ops.push_back({s, static_cast<std::uint32_t>(half), c.pch, static_cast<std::uint8_t>(g),
                                 static_cast<std::uint8_t>(q),
                                 pim_unit::Command::ctrl(half, mode, rounding == numerics::Rounding::stochastic, 0)});
        break;
      }
      case CmdKind::Act4WithReg:
      case CmdKind::Act4: {
        const Round& r = p.rounds.at(c.round);
        std::uint32_t slots = 0;  // register write k: 1 cycle + k column accesses after the ACT4
        for (int i = 0; i < bpg; ++i) {
          const int b = c.bank_group * bpg + i;
          if (r.banks[b].block_row < 0) continue;
          ext.rows.push_back({s, c.pch, c.bank_group, static_cast<std::uint8_t>(i), place(r, b).row});
          for (pim_unit::Slot slot : slots_of(k.op, r.banks[b], v_count)) {
            if (c.kind == CmdKind::Act4WithReg) {
              reg_write(s, 1, slots, r, b, slot);
              ++slots;
            } else {
              ps.reg_queue.emplace_back(b, slot);
            }
          }
        }
        break;
      }
      case CmdKind::RegWrite: {
        const Round& r = p.rounds.at(c.round);
        if (ps.reg_next >= ps.reg_queue.size())
          throw std::invalid_argument("PIM kernel lowering: REG_WRITE without a pending register write");
        const auto [b, slot] = ps.reg_queue[ps.reg_next++];
        reg_write(s, 0, 0, r, b, slot);
        break;
      }
      case CmdKind::Comp: {
        const Round& r = p.rounds.at(c.round);
        const int half = ps.comp % 2, atom = ps.comp / 2;
        for (int b = half; b < bgs * bpg; b += 2)
          if (r.banks[b].block_row >= 0) unit_op(s, 0, 0, r.pch, b, pim_unit::Command::comp(half, atom));
        ++ps.comp;
        break;
      }
      case CmdKind::PrechargeWithResult:
      case CmdKind::Precharge: {
        const Round& r = p.rounds.at(c.round);
        for (int b = 0; b < bgs * bpg; ++b)
          if (r.banks[b].block_row >= 0)
            ext.rows.push_back({s, c.pch, static_cast<std::uint8_t>(b / bpg), static_cast<std::uint8_t>(b % bpg), -1});
        if (c.kind == CmdKind::PrechargeWithResult)
          for (int kk = 0; kk < static_cast<int>(c.arg); ++kk)
            result_read(s, 1, static_cast<std::uint32_t>(kk), r, kk, static_cast<int>(c.arg));
        break;
      }
      case CmdKind::Result: {
        const Round& r = p.rounds.at(c.round);
        result_read(s, 0, 0, r, ps.result, r.results);
        ++ps.result;
        break;
      }
      case CmdKind::Refresh:
        break;
    }
  }
  return out;
}

}  // namespace pimlab::firmware::pimba
