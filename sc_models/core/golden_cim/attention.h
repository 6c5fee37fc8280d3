// Golden INT8 attention slice of one head (docs/cim.md, reference uclm.md §5.4):
// Q = X W_Q, K = X W_K, V = X W_V (int32 -> int8 requantised), S = Q K^T
// (int32), softmax (softmax.h) -> UINT8 P, O = P V (int32, P unsigned),
// requantised to int8. Every product goes through the bit-serial MVM with the
// configured ADC, as the arrays compute it.
#pragma once

#include <cstdint>
#include <vector>

#include "golden_cim/lut_exp.h"
#include "golden_cim/softmax.h"

namespace pimlab::golden_cim {

struct AttentionSliceInput {
  int L = 0;        // tokens
  int d_model = 0;  // input width
  int d_head = 0;   // head width
  std::vector<std::int8_t> X;                  // L x d_model
  std::vector<std::int8_t> Wq, Wk, Wv;         // d_model x d_head each
  Requant rq_q, rq_k, rq_v, rq_score, rq_out;  // rq_score: S -> Q.10 softmax input
  bool causal = false;                         // mask keys after the query
  int adc_bits = 6;
  ExpVariant variant = ExpVariant::B;
};

struct AttentionSliceOutput {
  std::vector<std::int8_t> Q, K, V;  // L x d_head
  std::vector<std::int32_t> S;       // L x L
  std::vector<std::uint8_t> P;       // L x L
  std::vector<std::int32_t> O32;     // L x d_head
  std::vector<std::int8_t> O;        // L x d_head
};

// Throws std::invalid_argument on inconsistent sizes.
AttentionSliceOutput attention_slice(const AttentionSliceInput& in);

}  // namespace pimlab::golden_cim
