// Model descriptions: a model is its architecture family and its dimensions.
// Read from a Hugging Face config.json (LLaMA/Mistral/Qwen2, OPT, GPT-2,
// GPT-NeoX, GPT-J, Mamba-2, Zamba2), from pimlab's own JSON (RetNet, GLA,
// HGRN2, GPT-3), or taken from the built-in presets (docs/model.md).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace pimlab::model {

// Architecture family: decides the operator list of one decoder block.
enum class Family {
  llama,     // pre-RMSNorm decoder, GQA, SwiGLU (LLaMA, Mistral, Qwen2)
  opt,       // LayerNorm decoder, MHA, ReLU MLP
  gpt2,      // LayerNorm decoder, MHA, GELU MLP
  gpt_neox,  // as gpt2, parallel residual by default
  gptj,      // one LayerNorm per block, parallel attention and MLP
  gpt3,      // GPT-3 as NeuPIMs models it (LayerNorm, MHA, GELU MLP 4h)
  retnet,    // retention (linear attention with a d_k x d_v state per head), GLU FFN
  gla,       // gated linear attention, low-rank gate, SwiGLU FFN
  hgrn2,     // gated linear RNN with state expansion, SwiGLU FFN
  mamba2,    // Mamba-2 (SSD) blocks only
  zamba2,    // Mamba-2 blocks plus a shared attention+MLP block every few layers
};

const char* family_name(Family f);
// True for the families whose per-request memory is a fixed-size recurrent state.
bool has_state(Family f);
// True when at least one block keeps a KV cache.
bool has_attention(Family f);

// Dimensions. A field a family does not use is 0 (or false).
struct ModelConfig {
  std::string name;          // preset name or the config file's stem
  Family family = Family::llama;
  std::string architecture;  // HF `architectures[0]`, or `pimlab:<family>` for pimlab's own JSON

  std::int64_t hidden = 0;        // h (d_model)
  std::int64_t layers = 0;        // decoder blocks (zamba2: Mamba-2 blocks)
  std::int64_t vocab = 0;
  bool tie_embeddings = false;    // LM head shares the embedding matrix
  std::int64_t learned_positions = 0;  // rows of a learned position table (0: rotary or none)

  // Attention blocks (transformer families; zamba2's shared block).
  std::int64_t attn_layers = 0;   // blocks that keep a KV cache (zamba2: shared-block invocations)
  std::int64_t heads = 0;         // query heads
  std::int64_t kv_heads = 0;      // K/V heads (GQA when < heads)
  std::int64_t head_dim = 0;
  std::int64_t attn_input = 0;    // width the QKV projection reads (zamba2: 2h; else h)
  std::int64_t intermediate = 0;  // FFN inner width I
  bool gated_ffn = false;         // SwiGLU/GLU: gate+up (2I) then down
  bool qkv_bias = false;          // biases on Q, K, V (Qwen2, OPT, GPT-2, GPT-3, NeoX)
  bool mlp_bias = false;          // biases on the FFN and output projection
  bool rms_norm = false;          // RMSNorm (weight only) rather than LayerNorm (weight + bias)
  bool parallel_residual = false; // attention and MLP read the same input (GPT-J, NeoX)
  std::int64_t shared_blocks = 0; // zamba2: distinct shared attention blocks (parameters)

  // Recurrent state (retnet, gla, hgrn2, mamba2, zamba2): per head a
  // state_dk x state_dv matrix. Pimba's "head_dim" is state_dk, "state_dim" is state_dv.
  std::int64_t state_heads = 0;
  std::int64_t state_dk = 0;      // retnet/gla: key dim; hgrn2: expand dim; mamba2: d_state
  std::int64_t state_dv = 0;      // retnet/gla: value dim; hgrn2: head dim; mamba2: head_dim
  std::int64_t gate_rank = 0;     // gla: low-rank forget-gate width (16)

  // Mamba-2 (mamba2, zamba2).
  std::int64_t d_inner = 0;       // expand * h = state_heads * state_dv
  std::int64_t n_groups = 0;      // B/C groups
  std::int64_t conv_kernel = 0;   // causal conv1d width

  bool operator==(const ModelConfig& o) const;
  bool operator!=(const ModelConfig& o) const { return !(*this == o); }
};

// Parameter count (weights, biases, norms, embeddings, LM head unless tied).
std::int64_t parameters(const ModelConfig& m);
// KV-cache elements per token of one request (K and V, every attention block).
std::int64_t kv_elements_per_token(const ModelConfig& m);
// Recurrent-state elements of one request: the state matrices of every block.
std::int64_t state_elements_per_request(const ModelConfig& m);
// Mamba-2's conv1d window of one request (conv_kernel-1 past inputs per
// channel, every block); kept in the activation format.
std::int64_t conv_window_elements_per_request(const ModelConfig& m);
// Checks every dimension the family needs (> 0, divisibilities); throws
// std::invalid_argument naming `where`, the field and its value.
void validate(const ModelConfig& m, const std::string& where);

// Parses a config document (HF config.json or pimlab's own JSON); `where`
// (the file name) prefixes every error. Throws std::invalid_argument.
ModelConfig parse_config(const nlohmann::json& doc, const std::string& name, const std::string& where);
// Reads a config file: a malformed file, an unknown architecture, a missing,
// zero or negative key are std::invalid_argument naming file, key and value.
ModelConfig load_config(const std::string& path);
// A preset name, or a path to a config file (anything ending in .json or containing '/').
ModelConfig resolve_model(const std::string& name_or_path);

// Built-in presets: the 12 models of the Pimba evaluation, GPT-3 7B/13B/30B/175B
// (NeuPIMs) and LLaMA-3 8B/70B.
const std::vector<ModelConfig>& presets();
std::vector<std::string> preset_names();
// Throws std::invalid_argument listing the preset names.
const ModelConfig& preset(const std::string& name);

}  // namespace pimlab::model
