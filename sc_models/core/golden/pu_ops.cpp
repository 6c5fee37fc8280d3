#include "golden/pu_ops.h"

#include <algorithm>

#include "numerics/fp.h"

namespace pimlab::golden {

using numerics::pu_add;
using numerics::pu_mul;

void decode_atom(const numerics::Mx8Block* blocks2, float* out32) {
  numerics::mx8_decode(blocks2[0], out32);
  numerics::mx8_decode(blocks2[1], out32 + numerics::kMx8Block);
}

void encode_atom(const float* in32, numerics::Rounding mode, numerics::SrRng* rng, numerics::Mx8Block* out2) {
  out2[0] = numerics::mx8_encode(in32, mode, rng);
  out2[1] = numerics::mx8_encode(in32 + numerics::kMx8Block, mode, rng);
}

AtomBytes encode_atom_bytes(const float* in32) {
  numerics::Mx8Block b[kAtomBlocks];
  encode_atom(in32, numerics::Rounding::nearest, nullptr, b);
  AtomBytes a;
  for (int k = 0; k < kAtomBlocks; ++k)
    std::copy(b[k].bytes.begin(), b[k].bytes.end(), a.begin() + k * numerics::kMx8Block);
  return a;
}

void load_mx8_slice(const float* in32, float* out32) {
  numerics::Mx8Block b[kAtomBlocks];
  encode_atom(in32, numerics::Rounding::nearest, nullptr, b);
  decode_atom(b, out32);
}

void su_combine(const float* h32, float k_r, float gk_r, const float* v32, const float* gv32,
                float* y32) {
  if (gv32 == nullptr) {
    // gv never written: g = pu_mul(gk_r, 1.0) is the same for every c, so it
    // is computed once (pu_mul is a pure function: the same bits result).
    const float g = pu_mul(gk_r, 1.0f);
    for (int c = 0; c < kAtom; ++c) {
      const float a = pu_mul(h32[c], g);
      const float b = pu_mul(k_r, v32[c]);
      y32[c] = pu_add(a, b);
    }
    return;
  }
  for (int c = 0; c < kAtom; ++c) {
    const float g = pu_mul(gk_r, gv32[c]);
    const float a = pu_mul(h32[c], g);
    const float b = pu_mul(k_r, v32[c]);
    y32[c] = pu_add(a, b);
  }
}

void su_accumulate(const float* h_new32, float q_r, float* o_acc32) {
  for (int c = 0; c < kAtom; ++c) o_acc32[c] = pu_add(o_acc32[c], pu_mul(h_new32[c], q_r));
}

float score_tree(const float* x32, const float* q32) {
  float t[kAtom];
  for (int i = 0; i < kAtom; ++i) t[i] = pu_mul(x32[i], q32[i]);
  // Five levels: 16, 8, 4, 2, 1 sums; level sums overwrite the front of t.
  for (int n = kAtom / 2; n >= 1; n /= 2)
    for (int i = 0; i < n; ++i) t[i] = pu_add(t[2 * i], t[2 * i + 1]);
  return t[0];
}

void attend(const float* x32, float p, float* acc32) {
  for (int c = 0; c < kAtom; ++c) acc32[c] = pu_add(acc32[c], pu_mul(x32[c], p));
}

void su_atom(const numerics::Mx8Block* h_in2, float k_r, float q_r, float gk_r, const float* v32,
             const float* gv32, numerics::Rounding mode, numerics::SrRng* rng, float* o_acc32,
             numerics::Mx8Block* h_out2, float* h_new32) {
  float y[kAtom];
  decode_atom(h_in2, y);
  su_combine(y, k_r, gk_r, v32, gv32, y);
  encode_atom(y, mode, rng, h_out2);
  float hn_local[kAtom];
  float* hn = h_new32 ? h_new32 : hn_local;
  decode_atom(h_out2, hn);
  su_accumulate(hn, q_r, o_acc32);
}

float score_atom(const numerics::Mx8Block* x2, const float* q32, float acc) {
  float x[kAtom];
  decode_atom(x2, x);
  return pu_add(acc, score_tree(x, q32));
}

void attend_atom(const numerics::Mx8Block* x2, float p, float* acc32) {
  float x[kAtom];
  decode_atom(x2, x);
  attend(x, p, acc32);
}

}  // namespace pimlab::golden
