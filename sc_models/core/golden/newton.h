// Golden decode attention in the Newton / NeuPIMs per-bank units' order
// (pim/newton_unit.h, firmware/neupims/streams.h), written from the documented
// arithmetic as plain loops over heads, tokens and dimensions, FP16 data,
// d_head 128, h = width / 128 heads:
//  dot     over n values in steps of 16 (zeros pad): the 16 products exact in
//          FP32, summed pairwise (v[i] = v[2i] + v[2i+1], level by level), each
//          step's sum added to an FP32 accumulator from +0; the result is the
//          accumulator rounded to FP16;
//  logits  s[h][t] = dot over the 128 dimensions of head h of K[t] and q;
//  softmax s * fp32(1/sqrt(128)), host_softmax per head, p = fp16(p);
//  outputs per head and output dimension x, the tokens in chunks of 512: the
//          chunk's partial = dot over its tokens of V[t][x] and p[t] (the
//          chunk padded to a multiple of 16 tokens), out = sum of the chunks'
//          partials in chunk order, FP32 from +0.
#pragma once

#include <cstdint>
#include <vector>

namespace pimlab::golden {

struct NewtonAttention {
  std::vector<std::uint16_t> logits;  // h x len, FP16 (unscaled)
  std::vector<std::uint16_t> probs;   // h x len, FP16
  std::vector<float> out;             // h x 128
};

// K, V: len x width FP16 (token-major, head-major inside a token); q: width.
// Throws std::invalid_argument for sizes that do not match, len < 1 or a
// width that is not a positive multiple of 128.
NewtonAttention newton_attention(int width, int len, const std::vector<std::uint16_t>& K,
                                 const std::vector<std::uint16_t>& V, const std::vector<std::uint16_t>& q);

}  // namespace pimlab::golden
