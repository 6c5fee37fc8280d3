#include "pim/newton_unit.h"

#include <stdexcept>
#include <string>

#include "numerics/fp.h"

namespace pimlab::pim {

void NewtonUnits::write_row(int bank, int row, const std::vector<std::uint16_t>& values) {
  if (bank < 0 || bank >= kNewtonBanks || values.size() != static_cast<std::size_t>(kNewtonRowValues))
    throw std::invalid_argument("newton units: a row is 512 FP16 values of bank 0..31");
  m_store[{bank, row}] = values;
}

std::vector<std::uint16_t> NewtonUnits::read_row(int bank, int row) const {
  const auto it = m_store.find({bank, row});
  return it == m_store.end() ? std::vector<std::uint16_t>(kNewtonRowValues, 0) : it->second;
}

void NewtonUnits::mac() {
  if (m_step >= kNewtonRowValues / kNewtonMacWidth)
    throw std::logic_error("newton units: MAC step " + std::to_string(m_step) + " beyond the row (32 steps of 16 values)");
  const int base = m_step * kNewtonMacWidth;
  for (int b = 0; b < kNewtonBanks; ++b) {
    const auto it = m_store.find({b, m_row});
    static const std::uint16_t kZero[kNewtonMacWidth] = {};
    const std::uint16_t* w = it == m_store.end() ? kZero : it->second.data() + base;
    const float tree = numerics::fp16_tree16(w, m_gbuf.data() + base);
    m_acc[b] = m_acc[b] + tree;
  }
  ++m_step;
}

std::vector<std::uint16_t> NewtonUnits::read_results() {
  std::vector<std::uint16_t> out(kNewtonBanks);
  for (int b = 0; b < kNewtonBanks; ++b) {
    out[static_cast<std::size_t>(b)] = numerics::fp32_to_fp16(m_acc[b]);
    m_acc[b] = 0.0f;
  }
  return out;
}

std::vector<std::uint16_t> NewtonUnits::execute(const Txn& t) {
  switch (t.type) {
    case TxnType::GWrite: m_gbuf = read_row(t.a.rank * 16 + t.a.bg * 4 + t.a.bank, t.a.row); return {};
    case TxnType::PHeader:
      m_row = t.a.row;
      m_step = 0;
      for (float& a : m_acc) a = 0.0f;
      return {};
    case TxnType::Comp: mac(); return {};
    case TxnType::ReadRes: return read_results();
    case TxnType::CompsReadRes:
      for (std::uint64_t k = 0; k < t.num_comps; ++k) mac();
      return read_results();
    default: return {};
  }
}

}  // namespace pimlab::pim
