// The AttAcc processing units of one HBM3-PIM stack computing on FP16 data
// (docs/pim_protocols.md, "AttAcc HBM3-PIM", "Compute"): the backing store of
// the stack's banks (32 B atoms of 16 FP16 values at the §1 byte addresses),
// per channel the GEMV buffers, the MAC units of the placement (bank: 64 per
// channel, bg: 16, buffer: 2) with their accumulators, the softmax buffer and
// the softmax unit on the buffer die.
//
// The same issued command stream that the timing model produces drives the
// data path: run_attacc_stack(..., record = true) keeps every issued command
// with the trace index of its request, and execute() is called for the final
// commands (MAC, WRGB, MVSB, MVGB, SFM) in issue order, per channel. A
// request's address selects the atoms it reads (every bank the command
// touches); what a trace statement cannot carry — which head, which key /
// output atom n and which operand atom k or buffer chunk it is — comes with the
// statement from the generator (AttaccOp), as the PU-side indices of the
// command.
//
// Arithmetic (FP16 storage, FP32 inside):
//  - score MAC: acc += numerics::fp16_tree16(K atom, q atom) (16 exact FP32
//    products, pairwise FP32 tree), one FP32 accumulator per key n (bg /
//    buffer: per key and source bank of the atom), double buffered by score
//    group (16 keys; consecutive groups of the stream, across heads, alternate);
//  - context MAC: acc_i += V_i * p (exact FP32 product, FP32 add), 16 output
//    lanes per unit (bg / buffer: per source bank), double buffered by output
//    atom (consecutive atoms of the stream alternate);
//  - MVSB: the partials of a key / output lane summed pairwise in FP32 (bank
//    placement: the 4 bank PUs of the bank group, (a0+a1)+(a2+a3); bg: the 4
//    source banks; buffer: the 32 source banks), then for the context of
//    bank / bg the 4 bank groups of a (pCH, SID) pairwise; the move carries
//    FP16 (rounded to nearest even) and clears the accumulators. Partials per
//    source bank make the result independent of the order in which the
//    controller issues MACs to different banks (it reorders them; MACs to one
//    bank keep their order);
//  - SFM: s * fp32(1/sqrt(D)) in FP32, golden::host_softmax, p rounded to FP16;
//  - output: the FP16 partials of the (pCH, SID) groups (buffer: of the 2 pCHs)
//    summed in FP32 from +0 in group order.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "pim/attacc.h"

namespace pimlab::pim {

// What a statement does on the data path (the generator's annotation).
enum class AttaccPhase : std::uint8_t { None, Wrgb, ScoreMac, ScoreMvsb, Sfm, Mvgb, CtxMac, CtxMvsb };
struct AttaccOp {
  AttaccPhase phase = AttaccPhase::None;  // None: barrier
  std::int32_t iter = 0;  // head iteration (head = iter * channels + channel)
  std::int32_t n = 0;     // score: key index n (MVSB: group j); context: output atom n; MVGB: chunk c; WRGB: atom c
  std::int32_t k = 0;     // MAC operand atom / token chunk k
};

using AttaccAtom = std::array<std::uint16_t, 16>;

struct AttaccUnitConfig {
  AttaccPlacement placement = AttaccPlacement::Bank;
  int d_head = 128;
  int len = 1;
  int channels = 16;
};

class AttaccUnits {
 public:
  // Throws std::invalid_argument for d_head or len < 1.
  explicit AttaccUnits(const AttaccUnitConfig& cfg);

  // Backing store, by byte address (§1 fields incl. channel; bits 0-4 ignored).
  void write_atom(std::uint64_t addr, const AttaccAtom& v);
  AttaccAtom read_atom(std::uint64_t addr) const;  // zeros if never written
  bool has_atom(std::uint64_t addr) const;
  std::size_t atoms() const { return m_store.size(); }

  // Host memory: the query (d_head FP16 values) a WRGB of (channel, iter) sends.
  void set_query(int channel, int iter, const std::vector<std::uint16_t>& q);

  // Executes one final command of channel `channel` (its request type and
  // address as in the trace, the generator's op). Throws std::logic_error for
  // an op that does not fit the configuration.
  void execute(int channel, AttaccReq type, std::uint64_t addr, const AttaccOp& op);

  // Results of (channel, iter): the scores as moved (FP16, len), the
  // probabilities (FP16, len), the outputs (FP32, d_head). Empty if never produced.
  std::vector<std::uint16_t> scores(int channel, int iter) const;
  std::vector<std::uint16_t> probs(int channel, int iter) const;
  std::vector<float> outputs(int channel, int iter) const;

  // Data hazards: commands executed before the commands producing their
  // inputs (an MVSB before the MACs of its keys / outputs, SFM before the
  // head's last score MVSB, MVGB before SFM, a context MAC before the head's
  // MVGBs). The results then differ from the golden; the first is described.
  std::uint64_t hazards() const { return m_hazards; }
  const std::string& first_hazard() const { return m_first_hazard; }

  // Operand atoms per key (score) / output atoms (context) per unit.
  int score_atoms() const { return m_score_k; }
  int out_atoms() const { return m_ctx_n; }

 private:
  struct Head {
    std::vector<std::uint16_t> scores, probs;
    // FP16 partials per (pCH, SID) group (buffer: per pCH), d_head each.
    std::vector<std::vector<std::uint16_t>> partials;
    // Progress, for the hazard check.
    std::vector<int> score_macs;  // per score group
    std::vector<int> ctx_macs;    // per output atom n
    int score_mvsb = 0, mvgb = 0;
    bool sfm = false;
  };
  void hazard(int ch, const AttaccOp& op, const std::string& what);
  struct Chan {
    // GEMV buffers, double buffered by head iteration parity.
    std::vector<std::uint16_t> q[2];                 // 16 * q atoms
    std::vector<std::vector<std::uint16_t>> p[2];    // per lane: 16 * chunks
    std::vector<float> acc_s;  // [unit][bank][32]
    std::vector<float> acc_c;  // [unit][bank][2][16]
  };
  Head& head(int ch, int iter);
  int units() const;  // MAC units addressed per command's lane (16 / 16 / 2)
  int score_slot(int iter, int n) const;
  int ctx_slot(int iter, int n) const;
  float& acc_s(Chan& c, int lane, int bank, int slot);
  float* acc_c(Chan& c, int lane, int bank, int slot);

  AttaccUnitConfig m_cfg;
  int m_score_k, m_ctx_n, m_ctx_k, m_groups;
  std::unordered_map<std::uint64_t, AttaccAtom> m_store;
  std::unordered_map<std::uint64_t, std::vector<std::uint16_t>> m_query;  // (ch, iter)
  std::unordered_map<std::uint64_t, Head> m_heads;
  std::vector<Chan> m_ch;
  std::uint64_t m_hazards = 0;
  std::string m_first_hazard;
  int m_score_groups, m_mvsb_per_group, m_mvgb_per_head;
};

}  // namespace pimlab::pim
