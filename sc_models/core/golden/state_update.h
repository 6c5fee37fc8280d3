// Golden state update h <- h (.) (g_k g_v^T) + k v^T, o = h^T q, in FP64 and
// in any storage format of numerics::Format, following docs/numerics.md
// ("Kernel-level layout and order") operation by operation. The MX8 version is
// composed of golden::su_atom calls, so it is bit-identical to what the PIM
// unit computes chunk by chunk. docs/golden.md describes the kernels.
#pragma once

#include <cstdint>
#include <vector>

#include "numerics/format.h"
#include "numerics/mx8.h"
#include "numerics/rng.h"

namespace pimlab::golden {

// Inputs of one step. Rows: k, q, gk (one value per state row); columns: v, gv
// (one per state column). gv empty = the gv register is never written (1.0).
template <class T>
struct SuInputsT {
  std::vector<T> k, q, gk;
  std::vector<T> v, gv;
};
using SuInputs = SuInputsT<float>;     // what the host hands the unit (FP32)
using SuInputs64 = SuInputsT<double>;  // FP64 reference inputs

// Rounds every FP64 input to the nearest FP32 value (the host's activations).
SuInputs to_fp32(const SuInputs64& in);
SuInputs64 to_fp64(const SuInputs& in);

// Throws std::invalid_argument naming the vector and the sizes when the inputs
// do not match a rows x cols state (rows, cols >= 1).
template <class T>
void check_su_inputs(int rows, int cols, const SuInputsT<T>& in);

// ---- FP64 reference ----
// h: rows*cols row-major, updated in place:
//   h[r][c] = h[r][c] * (gk[r] * gv[c]) + k[r] * v[c];   o[c] = sum_r h[r][c] * q[r]
// (o resized to cols; summed over r in increasing order).
void su_step_f64(int rows, int cols, std::vector<double>& h, const SuInputs64& in, std::vector<double>& o);
// N steps; returns o of every step (outputs[t] = o after step t).
std::vector<std::vector<double>> su_run_f64(int rows, int cols, std::vector<double>& h,
                                            const std::vector<SuInputs64>& steps);

// ---- the state as the hardware stores it ----
class SuState {
 public:
  // Quantizes h0 (rows*cols row-major; empty = all +0) to the format (round to
  // nearest / half-up for MX8). rows >= 1; cols a positive multiple of 32
  // (one atom); throws std::invalid_argument otherwise.
  SuState(numerics::Format format, int rows, int cols, const std::vector<float>& h0 = {});
  // An MX8 state from its packed image (row-major, cols/16 blocks per row),
  // e.g. the bytes the PIM unit or the RTL left in DRAM.
  static SuState from_mx8_blocks(int rows, int cols, const std::vector<numerics::Mx8Block>& blocks);

  numerics::Format format() const { return m_format; }
  int rows() const { return m_rows; }
  int cols() const { return m_cols; }
  // The stored state, dequantized to FP32 (rows*cols, row-major).
  const std::vector<float>& values() const { return m_values; }
  // MX8 only: the packed blocks, row-major (cols/16 per row); empty otherwise.
  const std::vector<numerics::Mx8Block>& mx8_blocks() const { return m_blocks; }

 private:
  friend void su_step(SuState&, const SuInputs&, std::vector<float>&, numerics::Rounding, numerics::SrRng*);
  numerics::Format m_format;
  int m_rows, m_cols;
  std::vector<float> m_values;
  std::vector<numerics::Mx8Block> m_blocks;
};

// One step in the state's format:
//  1. k, q, gk, v, gv are quantized to the format (round to nearest), in blocks
//     of the format's size along each vector;
//  2. chunks (i, j) of 32 rows x 32 columns are visited i-major (i = 0, 1, ...;
//     j = 0, 1, ... within i); in each chunk the COMPs run over rows r = 0..31
//     (fewer in a last partial block-row): SU arithmetic, write-back quantized
//     with `mode` (stochastic: MX8 only, one rng draw per element in that
//     order), o_acc[c] += h'[r][c] * q[r];
//  3. o[c] = pu_add(... pu_add(+0, part_0[c]) ..., part_last[c]) over i.
// o is resized to cols.
void su_step(SuState& s, const SuInputs& in, std::vector<float>& o,
             numerics::Rounding mode = numerics::Rounding::nearest, numerics::SrRng* rng = nullptr);
// N steps; returns o of every step.
std::vector<std::vector<float>> su_run(SuState& s, const std::vector<SuInputs>& steps,
                                       numerics::Rounding mode = numerics::Rounding::nearest,
                                       numerics::SrRng* rng = nullptr);

}  // namespace pimlab::golden
