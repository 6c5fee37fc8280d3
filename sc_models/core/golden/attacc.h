// Golden decode attention in the AttAcc processing units' order
// (docs/pim_protocols.md, "AttAcc HBM3-PIM", "Compute"), written from the
// documented arithmetic as plain loops over tokens and dimensions, FP16 data:
//  score   bank: per bank quarter b of the dimensions (ceil(D/64) atoms each),
//          acc_b = sum over its atoms k in order from +0 of
//          fp16_tree16(K atom, q atom); bg / buffer: key t is MAC index
//          n = t div 16 (bg) or t div 2 (buffer), its atoms x = k + n *
//          ceil(D/16), and atom x is added (k in order, from +0) to the partial
//          of its source bank: bg (x div 32) mod 4, buffer
//          (x mod 8) * 4 + (x div 8) mod 4 (SID, BG, bank). s = fp16 of the
//          pairwise sum of the 4 / 4 / 32 partials. Dimensions >= D are zeros.
//  softmax s * fp32(1/sqrt(D)), host_softmax, p = fp16(p).
//  context the tokens are dealt to lanes (bank / bg: 16 lanes, token t in lane
//          t mod 16; buffer: 2 lanes, t mod 2), k = t div lanes; each lane
//          accumulates acc[d] = acc[d] + V[t][d] * p_t over its tokens in
//          increasing order (FP32 from +0), bg / buffer into the partial of the
//          source bank of atom x = k + (d div 16) * ceil(L / lanes), the
//          partials summed pairwise; bank / bg: the 4 lanes of each group
//          (lanes 4g..4g+3) summed pairwise, part_g = fp16((a0+a1)+(a2+a3));
//          buffer: part_g = fp16(lane g); o[d] = sum over groups in order from
//          +0 of part_g[d] (FP32).
// (Pairwise: level by level, v[i] = v[2i] + v[2i+1].)
#pragma once

#include <cstdint>
#include <vector>

namespace pimlab::golden {

enum class AttaccLevel : std::uint8_t { Bank, BankGroup, Buffer };

struct AttaccAttention {
  std::vector<std::uint16_t> scores;  // len, FP16
  std::vector<std::uint16_t> probs;   // len, FP16
  std::vector<float> out;             // d_head
};

// K, V: len x d_head FP16 (token-major); q: d_head FP16. Throws
// std::invalid_argument for sizes that do not match or d_head / len < 1.
AttaccAttention attacc_attention(AttaccLevel level, int d_head, int len, const std::vector<std::uint16_t>& K,
                                 const std::vector<std::uint16_t>& V, const std::vector<std::uint16_t>& q);

}  // namespace pimlab::golden
