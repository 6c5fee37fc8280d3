// The per-atom operations of the PIM processing unit, exactly as
// docs/numerics.md ("PU arithmetic") states them. One atom is 32 elements:
// with MX8 storage that is 2 packed Mx8Blocks (32 bytes, one DRAM access).
//
// These functions are the reference the behavioural PIM unit, the RTL test
// bench and the golden kernels all call. They allocate nothing and keep no
// state; every rounding step is one numerics::pu_mul / numerics::pu_add call in the
// order the document gives.
//
// Two layers:
//  - float-level steps (su_combine, su_accumulate, score_tree, attend) work on
//    32 FP32 values already read from storage; the golden kernels of formats
//    other than MX8 use them with their own quantizer on write-back;
//  - MX8 atom operations (su_atom, score_atom, attend_atom) read packed blocks,
//    run the float-level steps and (SU only) re-quantize and write back.
#pragma once

#include <array>
#include <cstdint>

#include "numerics/mx8.h"
#include "numerics/rng.h"

namespace pimlab::golden {

// Elements per atom (32 B DRAM access, 1 byte per MX8 element).
inline constexpr int kAtom = 32;
// MX8 blocks per atom.
inline constexpr int kAtomBlocks = kAtom / numerics::kMx8Block;
static_assert(kAtomBlocks == 2, "an MX8 atom is two 16-element blocks");

// ---- register / atom helpers ----

// Decodes one atom (blocks2[0] = elements 0..15, blocks2[1] = 16..31) to FP32.
// Exact: every MX8 value is an FP32 value.
void decode_atom(const numerics::Mx8Block* blocks2, float* out32);

// Quantizes 32 FP32 values to one atom, block 0 then block 1; stochastic
// rounding draws one rng step per element in element order 0..31.
// Throws std::invalid_argument for NaN/Inf (from numerics::mx8_encode).
void encode_atom(const float* in32, numerics::Rounding mode, numerics::SrRng* rng, numerics::Mx8Block* out2);

// An atom's DRAM image: the packed bytes of block 0 (bytes 0..15), then block 1.
using AtomBytes = std::array<std::uint8_t, kAtomBlocks * numerics::kMx8Block>;
// encode_atom with round-half-up, as the atom's DRAM image (what a host write
// of 32 values stores).
AtomBytes encode_atom_bytes(const float* in32);

// What a 32-element MX8 register slice holds after the host writes `in32`
// into it: quantized with round-half-up and decoded (in32 and out32 may alias).
void load_mx8_slice(const float* in32, float* out32);

// ---- float-level steps (docs/numerics.md, "PU arithmetic") ----

// SU arithmetic of row r, elements c = 0..31:
//   g = pu_mul(gk_r, gv[c]); a = pu_mul(h[c], g); b = pu_mul(k_r, v[c]);
//   y[c] = pu_add(a, b).
// gv32 == nullptr means the gv register was never written (all 1.0).
// y32 may alias h32.
void su_combine(const float* h32, float k_r, float gk_r, const float* v32, const float* gv32,
                float* y32);

// SU output accumulation of row r (h_new = the written-back, dequantized row):
//   o_acc[c] = pu_add(o_acc[c], pu_mul(h_new[c], q_r)).
void su_accumulate(const float* h_new32, float q_r, float* o_acc32);

// SCORE without the accumulate: p_i = pu_mul(x_i, q_i), then the pairwise tree
// (level 1: t_i = pu_add(p_2i, p_2i+1), 16 sums; ... level 5: 1 sum).
float score_tree(const float* x32, const float* q32);

// ATTEND: acc[c] = pu_add(acc[c], pu_mul(x[c], p)).
void attend(const float* x32, float p, float* acc32);

// ---- MX8 atom operations (one COMP on one atom) ----

// SU on the atom holding row r of a 32x32 chunk.
//   h_in2:  the 2 stored state blocks of row r (read);
//   k_r, q_r, gk_r: row scalars, FP32 values decoded from the MX8 registers;
//   v32, gv32: the column slices (decoded); gv32 == nullptr means all 1.0;
//   mode, rng: write-back rounding (rng used only for stochastic, one draw per
//              element in element order 0..31, may be null for nearest);
//   o_acc32: the chunk's per-column partial output, accumulated in place;
//   h_out2: the 2 new state blocks (may alias h_in2);
//   h_new32: optional, receives the dequantized new row (what o accumulated).
void su_atom(const numerics::Mx8Block* h_in2, float k_r, float q_r, float gk_r, const float* v32,
             const float* gv32, numerics::Rounding mode, numerics::SrRng* rng, float* o_acc32,
             numerics::Mx8Block* h_out2, float* h_new32 = nullptr);

// SCORE on an MX8 atom: returns pu_add(acc, score_tree(decoded atom, q32)).
float score_atom(const numerics::Mx8Block* x2, const float* q32, float acc);

// ATTEND on an MX8 atom: acc[c] = pu_add(acc[c], pu_mul(x[c], p)).
void attend_atom(const numerics::Mx8Block* x2, float p, float* acc32);

}  // namespace pimlab::golden
