// One unified compute-and-lookup module (UCLM) as stored bits (docs/cim.md,
// reference uclm.md §1.2 and §1.6): weight_bits arrays of array_rows x
// array_cols 1-bit cells, array c holding bit c of every INT8 weight (bit 7
// weighs -2^7). Each array also carries the mask-programmed exp ROM (every
// cell's source line tied to LKL or GND): 128 entries of 16 bits, entry d in
// row d / (cols/16), columns 16 (d mod (cols/16)) .. + 15.
//
// Compute mode: per input bit b, per array c, the column counts
// popcount(input bit-plane b AND stored column) go through the ADC and the
// shift-and-add. Lookup mode (4 steps): copy the row to a buffer, write 1s,
// assert LKL and read the ROM bits, write the row back; the weights survive.
// The UCLM holds function only; timing lives in the tile (tile.h).
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "cim/config.h"

namespace pimlab::cim {

enum class InputKind { Int8, Uint8 };

// The mask ROM contents, T[d] = round(2^(-d/128) 2^16), T[0] saturated.
const std::array<std::uint16_t, 128>& rom_constants();

class Uclm {
 public:
  explicit Uclm(const TileConfig& cfg);

  // Writes one row (array_cols INT8 weights, fewer = zero-filled) into all
  // bit-plane arrays at once.
  void write_row(int row, const std::int8_t* w, int n);
  // The address-mapped transposed write (K^T): one column of array_rows INT8
  // values (fewer = zero-filled), one write cycle like a row (uclm.md §1.6).
  void write_col(int col, const std::int8_t* w, int n);
  std::int8_t weight(int row, int col) const;

  // Bit-serial MVM of x (at most array_rows entries, missing rows = 0):
  // array_cols int32 outputs through the ADC of the configuration.
  std::vector<std::int32_t> mvm(const std::vector<int>& x, InputKind kind) const;

  // One lookup on array `array`: returns the 16-bit ROM word d.
  std::uint16_t lookup(int array, int d);

  // Counters of the functional events.
  std::uint64_t column_reads() const { return m_column_reads; }  // ADC conversions
  std::uint64_t lookups() const { return m_lookups; }
  std::uint64_t row_writes() const { return m_row_writes; }    // per array row

 private:
  bool cell(int array, int row, int col) const { return (m_cols[array][col] >> row) & 1u; }
  void set_cell(int array, int row, int col, bool v);
  TileConfig m_cfg;
  // m_cols[c][j]: bit i = cell (row i, column j) of array c.
  std::vector<std::vector<std::uint64_t>> m_cols;
  // m_rom[c][j]: bit i = 1 when the cell's source line is tied to LKL.
  std::vector<std::vector<std::uint64_t>> m_rom;
  mutable std::uint64_t m_column_reads = 0;
  std::uint64_t m_lookups = 0, m_row_writes = 0;
  std::vector<std::uint8_t> m_row_buffer;  // the lookup's copy of the overwritten row
};

}  // namespace pimlab::cim
