// NeuPIMs attention on the Newton / NeuPIMs channel (neupims_pim.md §9): the
// KV layout of one request in one channel and the command streams of a decode
// step (q length 1), d_head = 128, 32 banks of 1 KB rows (512 FP16 values):
//  - logit q*K^T: per chunk of 4 heads a GWRITE of the 4 query vectors, then
//    per tile of 32 tokens one GEMV row: P_HEADER(row, 8*heads, heads) and
//    `heads` COMPS_READRES of 8 MACs (SINGLE: 8 COMP + READRES each);
//  - attend p*V: per head and chunk of 512 tokens a GWRITE of the 512
//    probabilities, then 4 tiles (4 x 32 output dims) of one GEMV row each:
//    P_HEADER(row, pow2ceil(nc), 1) and one COMPS_READRES of nc MACs
//    (nc = 32, or ceil((L mod 512)/16) in a partial last chunk).
// Requests follow each other on the channel; each has its own K / V rows.
#pragma once

#include <string>

#include <cstdint>
#include <vector>

#include "pim/newton_controller.h"
#include "pim/newton_unit.h"

namespace pimlab::firmware::neupims {

enum class Op { Score, Attend };
Op parse_op(const std::string& s);  // "score" | "attend"; throws std::invalid_argument
const char* op_name(Op o);

struct AttentionSpec {
  Op op = Op::Score;
  pim::PimType type = pim::PimType::Dual;
  int len = 1;        // KV length L (tokens)
  int width = 512;    // model width per device E_tp (multiple of d_head = 128)
  int requests = 1;   // requests on the channel
  int loads = 0;      // concurrent normal-read iterations (16 row-miss READs each, as the calibration driver)
  int channel = 0;    // the channel field of every address
};

// The PIM stream and the concurrent loads of one channel. Throws
// std::invalid_argument for non-positive sizes or a width not a multiple of 128.
pim::NewtonWorkload attention_workload(const AttentionSpec& s);

// The PIM attention of several requests sharing channel `channel` in one
// decode step, as the NeuPIMs systems issue it (docs/serving_neupims.md) and
// `pimlab compile` writes it: every request's q*K^T (queue order), then every
// request's p*V (the NPU's softmax in between), each request on its own K / V
// rows: request i's rows follow request i-1's from row kKvFirstRow, wrapping
// below kKvRowLimit (the NPU's striped rows start there). `lens` are the KV
// lengths. Throws std::invalid_argument as attention_workload.
inline constexpr int kKvFirstRow = 1024;
inline constexpr int kKvRowLimit = 16384;
pim::NewtonWorkload channel_attention(const std::vector<std::int64_t>& lens, pim::PimType type, int width, int channel);

// The data of one request (FP16 bit patterns, d_head 128, h = width/128):
// keys / values tokens x (h*128) (token-major, head-major inside a token),
// queries h*128 (score) or probabilities h x len (attend).
struct AttentionData {
  std::vector<std::uint16_t> k, v, q, p;
};

// Where run_attention_data runs the streams: the per-bank units in process
// (UnitsTarget), or a Newton / NeuPIMs channel behind a TLM socket
// (tlm_pim_rtl's co-simulation, docs/cosim.md "Newton and AttAcc jobs").
class AttentionTarget {
 public:
  virtual ~AttentionTarget() = default;
  // Row `row` of bank `bank` (0..31 = rank*16 + bg*4 + bank) now holds `values` (512 FP16 bit patterns).
  virtual void write_row(int bank, int row, const std::vector<std::uint16_t>& values) = 0;
  // Runs `txns` (one GWRITE and the GEMVs after it) on the rows as written;
  // returns the 32 FP16 results of each READRES / COMPS_READRES, in order.
  virtual std::vector<std::vector<std::uint16_t>> run(const std::vector<pim::Txn>& txns) = 0;
};

// The per-bank units, in process, one transaction after the other.
class UnitsTarget : public AttentionTarget {
 public:
  explicit UnitsTarget(pim::NewtonUnits& u) : m_u(u) {}
  void write_row(int bank, int row, const std::vector<std::uint16_t>& values) override { m_u.write_row(bank, row, values); }
  std::vector<std::vector<std::uint16_t>> run(const std::vector<pim::Txn>& txns) override;

 private:
  pim::NewtonUnits& m_u;
};

// Runs the PIM stream of attention_workload(s) (requests = 1) functionally on
// `target`: lays the request's K rows (a row holds, in bank b, one token's key
// for the 4 heads of a chunk; 32 tokens per row) or V rows (in bank b, value
// element b of a 32-dim tile for 512 tokens; the artifact reuses the V rows
// for every head, so each head's values are written before its GEMVs),
// writes the 4 queries / the 512 probabilities into bank 0 row 0 before each
// GWRITE, and runs the stream one GWRITE-led segment at a time (the rows a
// segment reads are written before it, as the NPU writes them).
// Score returns the logits h x len (q.k, unscaled, FP16 as read); attend the
// outputs h x 128: the FP16 partials of the 512-token chunks summed in FP32
// in chunk order from +0 (the NPU's add).
std::vector<float> run_attention_data(const AttentionSpec& s, const AttentionData& d, AttentionTarget& target);
std::vector<float> run_attention_data(const AttentionSpec& s, const AttentionData& d, pim::NewtonUnits& units);

}  // namespace pimlab::firmware::neupims
