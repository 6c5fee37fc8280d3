// AttAcc attention -> PIM request trace (docs/pim_protocols.md, "AttAcc
// HBM3-PIM"): decode-phase attention of nh heads on one HBM3 stack, one head
// per channel in iterations of up to 16 heads, the score GEMV q*K^T, softmax
// and the context GEMV s*V lowered to all-bank (bank placement), same-bank
// (bg) or per-bank (buffer) MACs plus the data moves, orchestrated in head
// pairs so that one head's softmax and context overlap the next head's score.
//
// Artifact-compatible mode reproduces the published generator with its
// quirks: one extra score MAC per channel in the first pair, the second head
// of every pair re-running the first head's context, and statements dropped
// when a sliced list does not divide evenly. The default emits the intended
// work: every head's own context, no extra MAC, slices that cover the list.
#pragma once

#include <cstdint>
#include <vector>

#include "pim/attacc.h"
#include "pim/attacc_unit.h"

namespace pimlab::firmware::attacc {

struct AttentionSpec {
  pim::AttaccPlacement placement = pim::AttaccPlacement::Bank;
  int heads = 1;          // heads (x batch) on this stack
  int len = 1;            // context length L
  int d_head = 128;       // D
  int dbyte = 2;          // element bytes (1, 2 or 4): 32 / dbyte lanes per atom
  int max_len = 4096;     // KV layout size per head (the K / V region stride)
  int channels = 16;      // channels of the stack
  bool artifact_compatible = false;
};

// Throws std::invalid_argument naming the field for a non-positive size, a
// dbyte other than 1, 2 or 4, len > max_len, or a KV layout that does not fit
// a channel.
void validate(const AttentionSpec& s);

// The global trace: statements in front-end order (barriers included). With
// ops, ops[i] says what statement i does on the data path (pim/attacc_unit.h).
std::vector<pim::AttaccStatement> generate(const AttentionSpec& s, std::vector<pim::AttaccOp>* ops = nullptr);

// The KV layout (§7.1-§7.2): the byte address (channel 0, the decisive bank)
// of atom x of head iteration `iter`'s K (context = false) or V region: base
// iter * ceil(max_len * d_head / 64) B (+ 8 MiB for V), atom x placed as the
// placement's MACs address it.
std::uint64_t mac_address(const AttentionSpec& s, int iter, bool context, std::int64_t x);

// One stack's kernel of a GPU's decode attention, as the serving back-end
// (serving/attacc_pim.h) times it and `pimlab compile` emits it: num_op heads
// (heads x requests) spread over `stacks` stacks, ceil(num_op / stacks) on
// each, at KV length L. Throws std::invalid_argument for L > max_len (the KV
// region per head) or a size out of range.
AttentionSpec stack_kernel(pim::AttaccPlacement placement, std::int64_t num_op, int stacks, std::int64_t d_head,
                           std::int64_t L, int dbyte, int max_len, int channels, bool artifact_compatible);

// The requests of a decode batch grouped by KV length (ascending): one kernel per length.
struct LengthGroup {
  std::int64_t len = 0, requests = 0;
};
std::vector<LengthGroup> length_groups(const std::vector<std::int64_t>& contexts);

}  // namespace pimlab::firmware::attacc
