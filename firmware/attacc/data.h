// AttAcc attention on real FP16 data (docs/pim_protocols.md, "AttAcc
// HBM3-PIM", "Compute"): seeded K / V / q per head, their layout in the
// stack's backing store at the generator's addresses (mac_address), the data
// path driven by the issued command stream of the timing model, and the check
// against the golden attention in the units' order (golden/attacc.h) and the
// FP64 reference.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "firmware/attacc/generator.h"
#include "pim/attacc.h"
#include "pim/attacc_unit.h"

namespace pimlab::firmware::attacc {

// One head's data, FP16 bit patterns: K, V len x d_head (token-major), q d_head.
struct HeadData {
  std::vector<std::uint16_t> k, v, q;
};

// Uniform values in [-1, 1) from mt19937_64 (seed, head), rounded to FP16.
std::vector<HeadData> seeded_heads(const AttentionSpec& s, std::uint64_t seed);

// The units of the stack for s (placement, d_head, len, channels).
pim::AttaccUnitConfig unit_config(const AttentionSpec& s);

// Writes every atom the heads' MACs read (zeros past len / d_head) into the
// backing store and the queries into host memory. Head h runs in channel
// h mod channels, iteration h / channels. Throws std::invalid_argument for
// dbyte != 2 (the units compute on FP16) or when two heads' atoms land on the
// same address (the K / V stride ceil(max_len * d_head / 64) B does not hold a
// head when len * dbyte > max_len and heads > channels).
void load_heads(const AttentionSpec& s, const std::vector<HeadData>& d, pim::AttaccUnits& u);

// The atoms load_heads writes, as (byte address, FP16 values) in its order,
// without units: what a host writes into the channels' memory (the TLM
// channel target, docs/tlm.md "AttAcc family"). Same refusals as load_heads.
std::vector<std::pair<std::uint64_t, pim::AttaccAtom>> head_atoms(const AttentionSpec& s,
                                                                  const std::vector<HeadData>& d);

// Executes, per channel in issue order, the final command of every request in
// res.issued (run_attacc_stack with record = true) on the units.
void execute_issued(const std::vector<pim::AttaccStatement>& trace, const std::vector<pim::AttaccOp>& ops,
                    const pim::AttaccResult& res, pim::AttaccUnits& u);

struct VerifyReport {
  int heads = 0;
  std::uint64_t scores = 0, scores_mismatched = 0;    // values compared / unequal
  std::uint64_t probs = 0, probs_mismatched = 0;
  std::uint64_t outputs = 0, outputs_mismatched = 0;
  double max_abs_err_fp64 = 0;  // outputs against golden::attention_decode_f64
  double max_rel_err_fp64 = 0;  // the same divided by max |o| of the head
  std::string first_mismatch;   // "" if none
  std::uint64_t hazards = 0;    // pim::AttaccUnits::hazards()
  std::string first_hazard;
  bool ok() const { return scores_mismatched + probs_mismatched + outputs_mismatched == 0; }
};

// Compares the units' results of every head with golden::attacc_attention
// (values equal; +0 == -0) and reports the outputs' error against FP64.
VerifyReport verify_heads(const AttentionSpec& s, const std::vector<HeadData>& d, const pim::AttaccUnits& u);

// What the units produced for one head: its scores and probabilities as
// moved (FP16, len) and its outputs (FP32, d_head); empty if never produced.
struct HeadResults {
  std::vector<std::uint16_t> scores, probs;
  std::vector<float> outputs;
};
// The same comparison on results gathered elsewhere (one per head of s, in
// head order; e.g. read back from TLM channels), with the units' hazards.
VerifyReport verify_heads(const AttentionSpec& s, const std::vector<HeadData>& d, const std::vector<HeadResults>& got,
                          std::uint64_t hazards, const std::string& first_hazard);

}  // namespace pimlab::firmware::attacc
