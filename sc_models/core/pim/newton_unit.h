// The per-bank PIM units of one Newton / NeuPIMs channel, computing on the row
// bytes of the channel's backing store (neupims_pim.md §2, §9): a global
// buffer of one 1 KB row (512 FP16 values, filled by GWRITE), and in each of
// the 32 banks 16 FP16 multipliers, an adder tree and an accumulator.
//
// Arithmetic of one MAC step k in bank b (documented order, FP32 inside):
//   products  p_i = fp16(row_b[16k + i]) * fp16(gbuf[16k + i])   (exact in FP32)
//   tree      pairwise: ((p0+p1)+(p2+p3)) + ... over 16, FP32 round-to-nearest
//   acc       acc_b = acc_b + tree  (FP32, from +0 after each result read)
// A READRES (or the read of a COMPS_READRES) returns the 32 accumulators
// rounded to FP16 (one 64 B burst) and clears them. The MAC index k counts
// the MAC steps since the GEMV's P_HEADER, so the heads of a q*K^T row use
// consecutive 128-value segments of the row and of the global buffer.
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include "pim/newton.h"

namespace pimlab::pim {

constexpr int kNewtonRowValues = 512;  // FP16 values per 1 KB row
constexpr int kNewtonBanks = 32;
constexpr int kNewtonMacWidth = 16;    // multipliers per bank

class NewtonUnits {
 public:
  // Backing store: bank 0..31 (rank*16 + bg*4 + bank), 512 FP16 bit patterns.
  void write_row(int bank, int row, const std::vector<std::uint16_t>& values);
  // The stored row (zeros if never written).
  std::vector<std::uint16_t> read_row(int bank, int row) const;
  // Executes one PIM transaction in stream order (READ / WRITE are ignored).
  // Returns the 32 FP16 results of a READRES / COMPS_READRES, else empty.
  // Throws std::logic_error for a MAC step beyond the row (k >= 32).
  std::vector<std::uint16_t> execute(const Txn& t);

 private:
  void mac();
  std::vector<std::uint16_t> read_results();
  std::map<std::pair<int, int>, std::vector<std::uint16_t>> m_store;
  std::vector<std::uint16_t> m_gbuf = std::vector<std::uint16_t>(kNewtonRowValues, 0);
  float m_acc[kNewtonBanks] = {};
  int m_row = 0;
  int m_step = 0;
};

}  // namespace pimlab::pim
