#include "cim/uclm.h"

#include <stdexcept>
#include <string>

namespace pimlab::cim {

const std::array<std::uint16_t, 128>& rom_constants() {
  // The ROM image of the exp table (UQ0.16), programmed by the layout.
  static const std::array<std::uint16_t, 128> rom = {
      0xFFFF, 0xFE9E, 0xFD3E, 0xFBE0, 0xFA84, 0xF929, 0xF7D1, 0xF67A, 0xF525, 0xF3D3, 0xF281, 0xF132, 0xEFE5,
      0xEE99, 0xED4F, 0xEC07, 0xEAC1, 0xE97C, 0xE839, 0xE6F8, 0xE5B9, 0xE47B, 0xE340, 0xE205, 0xE0CD, 0xDF96,
      0xDE61, 0xDD2E, 0xDBFC, 0xDACC, 0xD99D, 0xD870, 0xD745, 0xD61B, 0xD4F3, 0xD3CD, 0xD2A8, 0xD185, 0xD063,
      0xCF43, 0xCE25, 0xCD08, 0xCBEC, 0xCAD2, 0xC9BA, 0xC8A3, 0xC78D, 0xC67A, 0xC567, 0xC456, 0xC347, 0xC239,
      0xC12C, 0xC021, 0xBF18, 0xBE0F, 0xBD09, 0xBC03, 0xBAFF, 0xB9FD, 0xB8FC, 0xB7FC, 0xB6FE, 0xB601, 0xB505,
      0xB40B, 0xB312, 0xB21A, 0xB124, 0xB02F, 0xAF3B, 0xAE49, 0xAD58, 0xAC69, 0xAB7A, 0xAA8D, 0xA9A1, 0xA8B7,
      0xA7CE, 0xA6E6, 0xA5FF, 0xA519, 0xA435, 0xA352, 0xA270, 0xA190, 0xA0B0, 0x9FD2, 0x9EF5, 0x9E19, 0x9D3F,
      0x9C65, 0x9B8D, 0x9AB6, 0x99E0, 0x990C, 0x9838, 0x9765, 0x9694, 0x95C4, 0x94F5, 0x9427, 0x935A, 0x928E,
      0x91C4, 0x90FA, 0x9032, 0x8F6B, 0x8EA4, 0x8DDF, 0x8D1B, 0x8C58, 0x8B96, 0x8AD5, 0x8A15, 0x8956, 0x8898,
      0x87DB, 0x871F, 0x8665, 0x85AB, 0x84F2, 0x843A, 0x8383, 0x82CE, 0x8219, 0x8165, 0x80B2};
  return rom;
}

Uclm::Uclm(const TileConfig& cfg) : m_cfg(cfg) {
  cfg.validate();
  m_cols.assign(static_cast<std::size_t>(cfg.weight_bits), std::vector<std::uint64_t>(static_cast<std::size_t>(cfg.array_cols), 0));
  m_rom = m_cols;
  const int per_row = cfg.array_cols / 16;
  const auto& rom = rom_constants();
  for (auto& arr : m_rom)
    for (int d = 0; d < 128; ++d) {
      const int row = d / per_row, col0 = 16 * (d % per_row);
      for (int k = 0; k < 16; ++k)  // column col0 + k holds bit 15 - k (MSB first)
        if ((rom[d] >> (15 - k)) & 1u) arr[col0 + k] |= std::uint64_t{1} << row;
    }
}

void Uclm::set_cell(int array, int row, int col, bool v) {
  auto& w = m_cols[array][col];
  const std::uint64_t bit = std::uint64_t{1} << row;
  w = v ? (w | bit) : (w & ~bit);
}

void Uclm::write_row(int row, const std::int8_t* w, int n) {
  if (row < 0 || row >= m_cfg.array_rows) throw std::invalid_argument("UCLM row " + std::to_string(row) + " is out of range");
  if (n < 0 || n > m_cfg.array_cols) throw std::invalid_argument("UCLM row write of " + std::to_string(n) + " weights exceeds the array width");
  for (int j = 0; j < m_cfg.array_cols; ++j) {
    const unsigned v = j < n ? static_cast<std::uint8_t>(w[j]) : 0u;
    for (int c = 0; c < m_cfg.weight_bits; ++c) set_cell(c, row, j, (v >> c) & 1u);
  }
  m_row_writes += static_cast<std::uint64_t>(m_cfg.weight_bits);
}

void Uclm::write_col(int col, const std::int8_t* w, int n) {
  if (col < 0 || col >= m_cfg.array_cols) throw std::invalid_argument("UCLM column " + std::to_string(col) + " is out of range");
  if (n < 0 || n > m_cfg.array_rows) throw std::invalid_argument("UCLM column write of " + std::to_string(n) + " weights exceeds the array height");
  for (int i = 0; i < m_cfg.array_rows; ++i) {
    const unsigned v = i < n ? static_cast<std::uint8_t>(w[i]) : 0u;
    for (int c = 0; c < m_cfg.weight_bits; ++c) set_cell(c, i, col, (v >> c) & 1u);
  }
  m_row_writes += static_cast<std::uint64_t>(m_cfg.weight_bits);
}

std::int8_t Uclm::weight(int row, int col) const {
  unsigned v = 0;
  for (int c = 0; c < m_cfg.weight_bits; ++c) v |= static_cast<unsigned>(cell(c, row, col)) << c;
  return static_cast<std::int8_t>(static_cast<std::uint8_t>(v));
}

std::vector<std::int32_t> Uclm::mvm(const std::vector<int>& x, InputKind kind) const {
  if (x.size() > static_cast<std::size_t>(m_cfg.array_rows))
    throw std::invalid_argument("UCLM MVM input of " + std::to_string(x.size()) + " rows exceeds " + std::to_string(m_cfg.array_rows));
  // Input bit-planes as row masks (the word lines driven in pass b).
  std::uint64_t plane[8] = {};
  for (std::size_t i = 0; i < x.size(); ++i) {
    const int v = x[i];
    if (kind == InputKind::Int8 ? (v < -128 || v > 127) : (v < 0 || v > 255))
      throw std::invalid_argument("UCLM MVM input " + std::to_string(v) + " is outside the " +
                                  (kind == InputKind::Int8 ? "INT8" : "UINT8") + " range");
    const unsigned u = static_cast<std::uint8_t>(v);
    for (int b = 0; b < 8; ++b)
      if ((u >> b) & 1u) plane[b] |= std::uint64_t{1} << i;
  }
  const std::int64_t full = m_cfg.adc_bits == 0 ? (std::int64_t{1} << 40) : (std::int64_t{1} << m_cfg.adc_bits) - 1;
  std::vector<std::int64_t> acc(static_cast<std::size_t>(m_cfg.array_cols), 0);
  for (int b = 0; b < m_cfg.input_bits; ++b) {
    const bool neg_b = b == 7 && kind == InputKind::Int8;
    for (int c = 0; c < m_cfg.weight_bits; ++c) {
      const bool neg = neg_b != (c == 7);
      const auto& col = m_cols[c];
      for (int j = 0; j < m_cfg.array_cols; ++j) {
        std::int64_t n = __builtin_popcountll(plane[b] & col[j]);  // bitline count
        if (n > full) n = full;                                      // ADC
        const std::int64_t term = n << (b + c);                      // shift-and-add
        acc[j] += neg ? -term : term;
      }
    }
  }
  m_column_reads += static_cast<std::uint64_t>(m_cfg.input_bits) * m_cfg.weight_bits * m_cfg.array_cols;
  return std::vector<std::int32_t>(acc.begin(), acc.end());
}

std::uint16_t Uclm::lookup(int array, int d) {
  if (array < 0 || array >= m_cfg.weight_bits) throw std::invalid_argument("lookup array " + std::to_string(array) + " is out of range");
  if (d < 0 || d > 127) throw std::invalid_argument("lookup index " + std::to_string(d) + " is outside [0, 127]");
  const int per_row = m_cfg.array_cols / 16, row = d / per_row, col0 = 16 * (d % per_row);
  // 1. copy the row to the buffer
  std::vector<std::uint8_t>& saved = m_row_buffer;
  saved.resize(static_cast<std::size_t>(m_cfg.array_cols));
  for (int j = 0; j < m_cfg.array_cols; ++j) saved[j] = cell(array, row, j);
  // 2. write 1s into the row
  for (int j = 0; j < m_cfg.array_cols; ++j) set_cell(array, row, j, true);
  // 3. assert LKL: a cell storing 1 whose source line is tied to LKL reads 1
  std::uint16_t word = 0;
  for (int k = 0; k < 16; ++k) {
    const int j = col0 + k;
    const bool bit = cell(array, row, j) && ((m_rom[array][j] >> row) & 1u);
    word = static_cast<std::uint16_t>(word | (static_cast<unsigned>(bit) << (15 - k)));
  }
  // 4. write the original row back
  for (int j = 0; j < m_cfg.array_cols; ++j) set_cell(array, row, j, saved[j] != 0);
  ++m_lookups;
  return word;
}

}  // namespace pimlab::cim
