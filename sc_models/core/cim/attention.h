// The INT8 attention slice of one head on UCLM cores (docs/cim.md, reference
// uclm.md §1.6 dataflow and §5.4): W_Q, W_K, W_V held in UCLMs; per token the
// projections (MVMs on every row-block UCLM, partial sums and requantisation
// on the VFU); K written into K^T UCLMs by the address-mapped column write and
// V into V UCLMs by row writes; per query row the q K^T MVMs, the scale on
// the VFU, softmax on the cores that hold K^T with the lookups in those
// UCLMs, P V (UINT8 input) and the output requantisation. Rows stream: the
// next row's q K^T overlaps this row's softmax and P V.
#pragma once

#include <cstdint>
#include <vector>

#include "cim/chip.h"
#include "cim/softmax.h"

namespace pimlab::cim {

struct Requant {
  std::int32_t M = 1;
  int sh = 0;
};

struct AttentionSlice {
  int L = 0, d_model = 0, d_head = 0;
  std::vector<std::int8_t> X, Wq, Wk, Wv;  // L x d_model; d_model x d_head
  Requant rq_q, rq_k, rq_v, rq_score, rq_out;
  bool causal = false;
};

struct AttentionRunOptions {
  bool streamed = true;           // fine-grained row pipeline; false = batch order (all S, then softmax, then P V)
  std::int64_t k_write_delay = 0;  // extra cycles before every K write (write-then-compute hazard test)
};

struct AttentionRun {
  std::vector<std::int8_t> Q, K, V;
  std::vector<std::int32_t> S;
  std::vector<std::uint8_t> P;
  std::vector<std::int32_t> O32;
  std::vector<std::int8_t> O;
  std::int64_t cycles = 0;
  std::int64_t kv_written = 0;       // completion of the last K/V write
  std::int64_t first_qk_start = 0;   // earliest start of a q K^T MVM
  int uclms_used = 0;
};

// Throws std::invalid_argument on inconsistent sizes or when the slice needs
// more UCLMs than the chip has.
AttentionRun attention_on_chip(Chip& chip, const AttentionSlice& a, const AttentionRunOptions& opt = {});

}  // namespace pimlab::cim
