// Operator graphs: the operators of one decode iteration of a model, with
// their class, category, shape, element bytes, repeat count, FLOPs and bytes
// moved, for any batch, context length, tensor-parallel degree and element
// formats. Physically faithful by default; artifact-compatible mode gives the
// Pimba artifact's folded and unsplit shapes (docs/model.md).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/model.h"

namespace pimlab::model {

// Operator classes and categories as the Pimba artifact names them.
enum class OpClass { fc, matmul, su, softmax, norm, act, g2g, x2g };
enum class Category { gemm, gemv, state_update, causal_conv1d, discretization, comm, others };
const char* class_name(OpClass c);      // "FC", "MATMUL", "SU", "SOFTMAX", "NORM", "ACT", "G2G", "X2G"
const char* category_name(Category c);  // "gemm", "gemv", ...
// Case-insensitive; throw std::invalid_argument listing the allowed names.
OpClass parse_class(const std::string& s);
Category parse_category(const std::string& s);

// Element formats of weights, activations and KV/state.
enum class ElemFormat { fp32, fp16, bf16, fp8, mx8, int8 };
const char* format_name(ElemFormat f);  // "fp32", "fp16", "bf16", "fp8", "mx8", "int8"
// Case-insensitive; throws std::invalid_argument listing the allowed names.
ElemFormat parse_elem_format(const std::string& s);
// Bytes of one element as the artifact counts them (the `dbyte` column).
int elem_dbyte(ElemFormat f);
// Storage bytes per element with the block scale amortised (mx8: 1, int8: 1 + 4/32,
// from pimlab_numerics; fp8: 1, a per-tensor scale).
double elem_storage_bytes(ElemFormat f);

struct FormatSet {
  ElemFormat weights = ElemFormat::fp16;
  ElemFormat activations = ElemFormat::fp16;
  ElemFormat kv = ElemFormat::fp16;     // KV cache of attention blocks
  ElemFormat state = ElemFormat::fp16;  // recurrent states
};

// One operator: (m x k)·(k x n) done num_op times for FC/MATMUL; SU updates
// m·num_op states of n x k; element-wise ops work on m x n, num_op times.
struct Operator {
  OpClass cls = OpClass::fc;
  Category category = Category::gemm;
  std::string name;
  std::string block;           // "decoder", "mamba", "attention" (zamba2's shared block), "head"
  std::int64_t m = 0, n = 0, k = 0, num_op = 1;
  int dbyte = 2;               // element bytes of the operator's main operand
  std::int64_t repeat = 1;     // instances (artifact-compatible post-transformers: per run, see steps)
  std::int64_t steps = 1;      // decode steps folded into repeat (artifact: lout-1 for post-transformers)
  std::int64_t context = 0;    // KV length L of attention operators, else 0
  double flops = 0;            // one instance
  double bytes = 0;            // one instance: compulsory memory traffic (G2G, X2G: message size)
  double weight_bytes = 0;     // part of `bytes` that is weights
  double kv_state_bytes = 0;   // part of `bytes` that is KV cache or recurrent state
};

struct GraphOptions {
  std::int64_t batch = 32;
  std::int64_t context = 2049;  // KV length L of this step (Pimba: lin + 1 at the first step)
  std::int64_t tp = 1;          // tensor-parallel degree; the list is one device's shard
  FormatSet formats;
  std::int64_t query_tokens = 1;  // tokens per request in this iteration: 1 = a decode step,
                                  // q > 1 = a prefill chunk of q tokens ending at KV length `context`
  bool su_kernel = false;       // one SU operator (a PIM state-update kernel) instead of two MATMULs
  bool artifact_compatible = false;
  // A decode step's attention runs on a PIM device beside the host (AttAcc,
  // attacc_pim.md §9): its Q, K, V go there after the QKV projection
  // ("x2g_qkv") and its output comes back before the output projection
  // ("x2g_out"), X2G operators of class comm. Not in a prefill chunk (its
  // attention stays on the host).
  bool x2g = false;
  std::int64_t artifact_steps = 2047;  // lout - 1: post-transformer repeats in artifact mode
};

// The names of the two X2G transfers (GraphOptions::x2g): to the PIM device
// before its attention, and back from it after.
inline constexpr const char* kX2gToDevice = "x2g_qkv";
inline constexpr const char* kX2gFromDevice = "x2g_out";

// The operators of one iteration (a decode step, or a prefill chunk when
// query_tokens > 1). Throws std::invalid_argument on
// non-positive batch/context/tp, or artifact-compatible mode for a family the
// artifact does not model.
std::vector<Operator> decode_graph(const ModelConfig& m, const GraphOptions& o);

struct GraphTotals {
  double flops = 0;            // sum of flops * repeat / steps (one iteration)
  double bytes = 0;            // same for bytes, communication excluded
  double comm_bytes = 0;       // G2G and X2G messages
  double weight_bytes = 0;     // weight traffic of one iteration (one device)
  double kv_state_bytes = 0;   // KV/state traffic of one iteration (one device)
  double arithmetic_intensity() const { return bytes > 0 ? flops / bytes : 0.0; }
};
GraphTotals totals(const std::vector<Operator>& ops);

// Memory one request holds at KV length `context` (all layers, all shards):
// KV cache in the kv format, states in the state format, Mamba-2 conv windows
// in the activation format (storage bytes, scales amortised).
double request_memory_bytes(const ModelConfig& m, std::int64_t context, const FormatSet& f);
// Whole-model weight bytes in the weight format.
double weight_memory_bytes(const ModelConfig& m, const FormatSet& f);

}  // namespace pimlab::model
