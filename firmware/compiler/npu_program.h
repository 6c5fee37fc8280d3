// The NPU's instruction stream of one decode iteration (docs/compiler.md,
// "NPU programs"): the ordered GEMMs, vector operations and (npu-only)
// streamed attentions of each stage of the NeuPIMs iteration (system.md §2.4),
// with the operand traffic each one moves. One builder serves the NeuPIMs
// back-end of `pimlab run` (serving/neupims_backend.h times these very
// stages) and `pimlab compile` (which writes them as `host.npu`), so the two
// cannot disagree. SystemC-free.
//
// Stages, per iteration (N = layers per pipeline stage):
//   npu-only                 layer x N: LayerNorm, QKV, every request's attention, projection, FFN
//   serial (npu+pim, or      A x N: LayerNorm + QKV;  B x N: the host's share of the PIM attention
//   neupims without            (softmax, partial-sum adds) while the channels run it;
//   sub-batches)             E x N: projection + FFN
//   interleaved (neupims)    A, B, C x (N-1), D x (N-1), E, F over two sub-batches (system.md §2.4)
//   then `head` x 1 (LayerNorm + LM head over the whole batch) unless artifact-compatible.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <utility>
#include <vector>

#include "model/model.h"
#include "npu/gemm.h"
#include "npu/vector.h"

namespace pimlab::firmware::compiler {

enum class NpuOpKind { gemm, vector, attention };
const char* to_string(NpuOpKind k);  // the item name of its line in host.npu

struct NpuOp {
  NpuOpKind kind = NpuOpKind::gemm;
  // What the operation computes (qkv, proj, ffn_1, ffn_2, lm_head, layernorm,
  // residual, gelu, silu, mul, softmax, psum_add, attention): waveforms and
  // reports; not part of the text format (empty in a program read back).
  std::string name;
  std::string category = "gemm";  // the time/energy category: gemm, gemv, others
  npu::GemmShape shape;           // gemm (operands moved by the GEMM's own tiling)
  npu::VectorOp vop = npu::VectorOp::add;
  std::int64_t rows = 0, n = 0;   // vector: rows x n elements
  std::int64_t read_bytes = 0, write_bytes = 0;  // vector and attention: DRAM traffic
  std::int64_t flops = 0;         // vector and attention: the FLOPs (energy)
  std::int64_t len = 0, heads = 0;  // attention: KV length and heads of one request
  std::int64_t tokens = 1;          // attention: query tokens (1 = a decode step, q > 1 = a prefill chunk)
};

struct NpuStage {
  std::string name;        // A..F, "layer", "head"
  std::int64_t repeat = 1; // times per iteration
  std::int64_t tokens = 0; // requests whose tokens the stage's NPU work carries
  // The requests whose PIM attention runs on the channels during the stage:
  // index into the builder's request groups, -1 none. In a program read back
  // from text the link is `segment` instead (the compiler's segment id).
  int pim_group = -1;
  int segment = -1;
  std::vector<NpuOp> ops;
};

enum class NpuIteration { npu_only, serial, interleaved };

struct NpuProgramOptions {
  model::ModelConfig model;  // a transformer (heads x head_dim per layer)
  int tp = 1, pp = 1;
  int element_bytes = 2;
  NpuIteration iteration = NpuIteration::serial;
  bool lm_head = true;       // false in artifact-compatible mode (the artifact models the decoder layers only)
};

// The stages of one decode iteration. `contexts`: the KV length of each
// request; `groups`: serial / npu-only: one group of every request;
// interleaved: the two sub-batches (serving/... split_sub_batches).
std::vector<NpuStage> npu_decode_stages(const NpuProgramOptions& o, const std::vector<std::int64_t>& contexts,
                                        const std::vector<std::vector<std::size_t>>& groups);

// The order in which the stages' instances run: list order, except that
// consecutive stages of one repeat count R > 1 form a loop body run R times
// (serial: (A, B, E) x layers; interleaved: (C, D) x (layers - 1); npu-only:
// layer x layers). Each entry: {stage index, instance 0 .. R - 1}.
std::vector<std::pair<std::size_t, std::int64_t>> stage_instances(const std::vector<NpuStage>& stages);
// The same rule over a list of repeat counts (a GPU host's entries: host_instances, program.h).
std::vector<std::pair<std::size_t, std::int64_t>> loop_instances(const std::vector<std::int64_t>& repeats);

// One request's prefill chunk: `tokens` new prompt tokens ending at KV length `context`.
struct NpuPrefillChunk {
  std::int64_t tokens = 0;
  std::int64_t context = 0;
};

// The stages of one prefill pass over `chunks`, every operator on the NPU:
//   prefill x N: LayerNorm + QKV of all T chunk tokens, each request's
//                attention (its q tokens against its L keys: K and V streamed
//                from the channels, the scores block computed whole, causal
//                entries masked, not skipped), projection, FFN;
//   then `head` x 1 over the chunks' requests (one row each: the token the
//   chunk ends with) unless artifact-compatible.
// `o.iteration` is ignored. Throws std::invalid_argument for a chunk with
// tokens < 1 or context < tokens, or no chunk.
std::vector<NpuStage> npu_prefill_stages(const NpuProgramOptions& o, const std::vector<NpuPrefillChunk>& chunks);

// Text (the body of `host.npu`, after its header line):
//   stage NAME REPEAT TOKENS SEGMENT|-
//   gemm CATEGORY M K N BIAS(0|1)
//   vector CATEGORY OP ROWS N READ_BYTES WRITE_BYTES FLOPS
//   attention CATEGORY LEN HEADS READ_BYTES WRITE_BYTES FLOPS TOKENS
// (an attention line of 7 fields, without TOKENS, is a decode step: TOKENS 1).
// `#` starts a comment. Operation lines belong to the stage above them.
void write_npu_stages(std::ostream& os, const std::vector<NpuStage>& stages);
// Reads what write_npu_stages wrote, after the header line was consumed
// (`line_no` = that line's number). Throws std::invalid_argument
// "SOURCE:LINE: what" for an unknown item or operation, a wrong field count,
// a value out of range, an operation before the first stage.
std::vector<NpuStage> read_npu_stages(std::istream& is, const std::string& source, std::size_t line_no);

}  // namespace pimlab::firmware::compiler
