#include "model/model.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <tuple>

#include <nlohmann/json.hpp>

namespace pimlab::model {

namespace {

using json = nlohmann::json;
using i64 = std::int64_t;

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + v[i];
  return out;
}

[[noreturn]] void fail(const std::string& where, const std::string& what) {
  throw std::invalid_argument(where + ": " + what);
}

// Reads an integer key that must be present and > 0.
i64 req(const json& d, const char* key, const std::string& where) {
  if (!d.contains(key) || d.at(key).is_null()) fail(where, std::string("missing key '") + key + "'");
  const json& v = d.at(key);
  const bool integral_float = v.is_number_float() && std::fabs(v.get<double>()) < 9.0e18 &&
                              v.get<double>() == std::floor(v.get<double>());
  if (!v.is_number_integer() && !integral_float)
    fail(where, std::string("key '") + key + "' = " + v.dump() + " is not an integer");
  const i64 x = v.is_number_integer() ? v.get<i64>() : static_cast<i64>(v.get<double>());
  if (x <= 0) fail(where, std::string("key '") + key + "' = " + std::to_string(x) + " must be > 0");
  // Products of two keys (expand * hidden_size) are formed before validate()
  // bounds each dimension; this keeps them inside int64.
  if (x > 2147483647) fail(where, std::string("key '") + key + "' = " + std::to_string(x) + " must be <= 2147483647");
  return x;
}

// An optional positive integer key (absent or null -> fallback).
i64 opt(const json& d, const char* key, i64 fallback, const std::string& where) {
  if (!d.contains(key) || d.at(key).is_null()) return fallback;
  return req(d, key, where);
}

bool flag(const json& d, const char* key, bool fallback, const std::string& where) {
  if (!d.contains(key) || d.at(key).is_null()) return fallback;
  if (!d.at(key).is_boolean()) fail(where, std::string("key '") + key + "' = " + d.at(key).dump() + " is not true/false");
  return d.at(key).get<bool>();
}

struct Arch {
  const char* name;
  Family family;
  const char* model_type;  // HF `model_type` of the same architecture
};
// Hugging Face `architectures` entries pimlab reads.
const std::vector<Arch>& hf_archs() {
  static const std::vector<Arch> a = {
      {"LlamaForCausalLM", Family::llama, "llama"},       {"MistralForCausalLM", Family::llama, "mistral"},
      {"Qwen2ForCausalLM", Family::llama, "qwen2"},       {"OPTForCausalLM", Family::opt, "opt"},
      {"GPT2LMHeadModel", Family::gpt2, "gpt2"},          {"GPTNeoXForCausalLM", Family::gpt_neox, "gpt_neox"},
      {"GPTJForCausalLM", Family::gptj, "gptj"},          {"Mamba2ForCausalLM", Family::mamba2, "mamba2"},
      {"Zamba2ForCausalLM", Family::zamba2, "zamba2"},
  };
  return a;
}
// pimlab's own JSON: "pimlab_architecture": one of these.
const std::vector<Arch>& own_archs() {
  static const std::vector<Arch> a = {
      {"retnet", Family::retnet, ""}, {"gla", Family::gla, ""}, {"hgrn2", Family::hgrn2, ""},
      {"gpt3", Family::gpt3, ""}};
  return a;
}

void set_attention_common(ModelConfig& c) {
  if (c.attn_input == 0) c.attn_input = c.hidden;
  if (c.attn_layers == 0) c.attn_layers = c.layers;
}

ModelConfig parse_hf(const json& d, Family f, const std::string& arch, const std::string& w) {
  ModelConfig c;
  c.family = f;
  c.architecture = arch;
  switch (f) {
    case Family::llama:
      c.hidden = req(d, "hidden_size", w);
      c.layers = req(d, "num_hidden_layers", w);
      c.heads = req(d, "num_attention_heads", w);
      c.kv_heads = opt(d, "num_key_value_heads", c.heads, w);
      c.head_dim = opt(d, "head_dim", c.hidden / c.heads, w);
      c.intermediate = req(d, "intermediate_size", w);
      c.vocab = req(d, "vocab_size", w);
      c.tie_embeddings = flag(d, "tie_word_embeddings", false, w);
      // Qwen2 has Q/K/V biases without saying so in its config.
      c.qkv_bias = flag(d, "attention_bias", arch == "Qwen2ForCausalLM", w);
      c.mlp_bias = flag(d, "mlp_bias", false, w);
      c.gated_ffn = true;
      c.rms_norm = true;
      break;
    case Family::opt:
      c.hidden = req(d, "hidden_size", w);
      c.layers = req(d, "num_hidden_layers", w);
      c.heads = req(d, "num_attention_heads", w);
      c.kv_heads = c.heads;
      c.head_dim = c.hidden / c.heads;
      c.intermediate = req(d, "ffn_dim", w);
      c.vocab = req(d, "vocab_size", w);
      c.tie_embeddings = flag(d, "tie_word_embeddings", true, w);
      c.qkv_bias = c.mlp_bias = flag(d, "enable_bias", true, w);
      // OPT's learned positions carry an offset of 2 rows.
      c.learned_positions = req(d, "max_position_embeddings", w) + 2;
      break;
    case Family::gpt2:
    case Family::gptj:
      c.hidden = req(d, "n_embd", w);
      c.layers = req(d, "n_layer", w);
      c.heads = req(d, "n_head", w);
      c.kv_heads = c.heads;
      c.head_dim = c.hidden / c.heads;
      c.intermediate = opt(d, "n_inner", 4 * c.hidden, w);
      c.vocab = req(d, "vocab_size", w);
      if (f == Family::gpt2) {
        c.tie_embeddings = flag(d, "tie_word_embeddings", true, w);
        c.qkv_bias = c.mlp_bias = true;
        c.learned_positions = req(d, "n_positions", w);
      } else {
        c.tie_embeddings = flag(d, "tie_word_embeddings", false, w);
        c.qkv_bias = false;  // GPT-J: no Q/K/V/out biases, MLP biases
        c.mlp_bias = true;
        c.parallel_residual = true;
      }
      break;
    case Family::gpt_neox:
      c.hidden = req(d, "hidden_size", w);
      c.layers = req(d, "num_hidden_layers", w);
      c.heads = req(d, "num_attention_heads", w);
      c.kv_heads = c.heads;
      c.head_dim = c.hidden / c.heads;
      c.intermediate = req(d, "intermediate_size", w);
      c.vocab = req(d, "vocab_size", w);
      c.tie_embeddings = flag(d, "tie_word_embeddings", false, w);
      c.qkv_bias = c.mlp_bias = flag(d, "attention_bias", true, w);
      c.parallel_residual = flag(d, "use_parallel_residual", true, w);
      break;
    case Family::mamba2:
      c.hidden = req(d, "hidden_size", w);
      c.layers = req(d, "num_hidden_layers", w);
      c.state_heads = req(d, "num_heads", w);
      c.state_dv = req(d, "head_dim", w);
      c.state_dk = req(d, "state_size", w);
      c.d_inner = req(d, "expand", w) * c.hidden;
      c.n_groups = opt(d, "n_groups", 1, w);
      c.conv_kernel = opt(d, "conv_kernel", 4, w);
      c.vocab = req(d, "vocab_size", w);
      c.tie_embeddings = flag(d, "tie_word_embeddings", true, w);
      c.rms_norm = true;
      break;
    case Family::zamba2: {
      c.hidden = req(d, "hidden_size", w);
      c.layers = req(d, "num_hidden_layers", w);
      c.state_heads = req(d, "n_mamba_heads", w);
      c.state_dv = req(d, "mamba_headdim", w);
      c.state_dk = req(d, "mamba_d_state", w);
      c.d_inner = req(d, "mamba_expand", w) * c.hidden;
      c.n_groups = opt(d, "mamba_ngroups", 1, w);
      c.conv_kernel = opt(d, "mamba_d_conv", 4, w);
      c.heads = req(d, "num_attention_heads", w);
      c.kv_heads = opt(d, "num_key_value_heads", c.heads, w);
      c.attn_input = 2 * c.hidden;  // the shared block reads [hidden, original embedding]
      c.head_dim = opt(d, "attention_head_dim", c.attn_input / c.heads, w);
      c.intermediate = req(d, "intermediate_size", w);
      c.shared_blocks = opt(d, "num_mem_blocks", 1, w);
      c.vocab = req(d, "vocab_size", w);
      c.tie_embeddings = flag(d, "tie_word_embeddings", true, w);
      c.gated_ffn = true;
      c.rms_norm = true;
      if (d.contains("hybrid_layer_ids") && d.at("hybrid_layer_ids").is_array()) {
        for (const auto& id : d.at("hybrid_layer_ids")) {
          if (!id.is_number_integer() || id.get<i64>() < 0 || id.get<i64>() >= c.layers)
            fail(w, "key 'hybrid_layer_ids' entry " + id.dump() + " is not a layer index in [0, " +
                        std::to_string(c.layers) + ")");
        }
        c.attn_layers = static_cast<i64>(d.at("hybrid_layer_ids").size());
      } else if (d.contains("layers_block_type") && d.at("layers_block_type").is_array()) {
        const auto& t = d.at("layers_block_type");
        if (static_cast<i64>(t.size()) != c.layers)
          fail(w, "key 'layers_block_type' has " + std::to_string(t.size()) + " entries, num_hidden_layers is " +
                      std::to_string(c.layers));
        for (const auto& e : t) {
          if (!e.is_string() || (e != "mamba" && e != "hybrid"))
            fail(w, "key 'layers_block_type' entry " + e.dump() + " is not \"mamba\" or \"hybrid\"");
          if (e == "hybrid") ++c.attn_layers;
        }
      } else {
        fail(w, "missing key 'hybrid_layer_ids' (or 'layers_block_type')");
      }
      if (c.attn_layers <= 0) fail(w, "key 'hybrid_layer_ids' is empty: a Zamba2 model has shared attention blocks");
      break;
    }
    default:
      break;
  }
  if (has_attention(f)) set_attention_common(c);
  return c;
}

ModelConfig parse_own(const json& d, Family f, const std::string& w) {
  ModelConfig c;
  c.family = f;
  c.architecture = std::string("pimlab:") + family_name(f);
  c.hidden = req(d, "hidden_size", w);
  c.layers = req(d, "num_hidden_layers", w);
  c.vocab = req(d, "vocab_size", w);
  c.tie_embeddings = flag(d, "tie_word_embeddings", false, w);
  c.intermediate = req(d, "intermediate_size", w);
  if (f == Family::gpt3) {
    c.heads = req(d, "num_heads", w);
    c.kv_heads = c.heads;
    c.head_dim = req(d, "head_dim", w);
    c.qkv_bias = c.mlp_bias = true;
    c.learned_positions = req(d, "max_position_embeddings", w);
    set_attention_common(c);
    return c;
  }
  c.state_heads = req(d, "num_heads", w);
  c.state_dk = req(d, "qk_head_dim", w);
  c.state_dv = req(d, "v_head_dim", w);
  c.gated_ffn = true;
  c.rms_norm = f != Family::retnet;
  if (f == Family::gla) c.gate_rank = req(d, "gate_low_rank_dim", w);
  return c;
}

ModelConfig mk_state(const char* name, Family f, i64 h, i64 n, i64 heads, i64 dk, i64 dv, i64 inter, i64 vocab) {
  ModelConfig c;
  c.name = name;
  c.family = f;
  c.architecture = std::string("pimlab:") + family_name(f);
  c.hidden = h;
  c.layers = n;
  c.vocab = vocab;
  c.state_heads = heads;
  c.state_dk = dk;
  c.state_dv = dv;
  c.intermediate = inter;
  c.gated_ffn = true;
  c.rms_norm = f != Family::retnet;
  if (f == Family::gla) c.gate_rank = 16;
  return c;
}

ModelConfig mk_mamba2(const char* name, i64 h, i64 n, i64 heads, i64 d_state, i64 head_dim) {
  ModelConfig c;
  c.name = name;
  c.family = Family::mamba2;
  c.architecture = "Mamba2ForCausalLM";
  c.hidden = h;
  c.layers = n;
  c.vocab = 50288;
  c.tie_embeddings = true;
  c.rms_norm = true;
  c.state_heads = heads;
  c.state_dk = d_state;
  c.state_dv = head_dim;
  c.d_inner = 2 * h;
  c.n_groups = 1;
  c.conv_kernel = 4;
  return c;
}

ModelConfig mk_zamba2(const char* name, i64 h, i64 n_mamba, i64 n_attn, i64 m_heads, i64 dstate_headdim,
                      i64 a_heads) {
  ModelConfig c;
  c.name = name;
  c.family = Family::zamba2;
  c.architecture = "Zamba2ForCausalLM";
  c.hidden = h;
  c.layers = n_mamba;
  c.vocab = 32000;
  c.tie_embeddings = true;
  c.rms_norm = true;
  c.gated_ffn = true;
  c.state_heads = m_heads;
  c.state_dk = dstate_headdim;
  c.state_dv = dstate_headdim;
  c.d_inner = 2 * h;
  c.n_groups = 2;
  c.conv_kernel = 4;
  c.attn_layers = n_attn;
  c.heads = c.kv_heads = a_heads;
  c.attn_input = 2 * h;
  c.head_dim = 2 * h / a_heads;
  c.intermediate = 4 * h;
  c.shared_blocks = 2;
  return c;
}

ModelConfig mk_mha(const char* name, Family f, const char* arch, i64 h, i64 n, i64 heads, i64 kv, i64 hd,
                   i64 inter, i64 vocab) {
  ModelConfig c;
  c.name = name;
  c.family = f;
  c.architecture = arch;
  c.hidden = h;
  c.layers = n;
  c.heads = heads;
  c.kv_heads = kv;
  c.head_dim = hd;
  c.intermediate = inter;
  c.vocab = vocab;
  if (f == Family::llama) {
    c.gated_ffn = c.rms_norm = true;
  } else {
    c.qkv_bias = c.mlp_bias = true;
    c.tie_embeddings = true;
    c.learned_positions = 2048 + (f == Family::opt ? 2 : 0);
  }
  set_attention_common(c);
  return c;
}

}  // namespace

const char* family_name(Family f) {
  switch (f) {
    case Family::llama: return "llama";
    case Family::opt: return "opt";
    case Family::gpt2: return "gpt2";
    case Family::gpt_neox: return "gpt_neox";
    case Family::gptj: return "gptj";
    case Family::gpt3: return "gpt3";
    case Family::retnet: return "retnet";
    case Family::gla: return "gla";
    case Family::hgrn2: return "hgrn2";
    case Family::mamba2: return "mamba2";
    case Family::zamba2: return "zamba2";
  }
  return "?";
}

bool has_state(Family f) {
  return f == Family::retnet || f == Family::gla || f == Family::hgrn2 || f == Family::mamba2 ||
         f == Family::zamba2;
}

bool has_attention(Family f) {
  return !(f == Family::retnet || f == Family::gla || f == Family::hgrn2 || f == Family::mamba2);
}

bool ModelConfig::operator==(const ModelConfig& o) const {
  auto t = [](const ModelConfig& c) {
    return std::tie(c.name, c.family, c.architecture, c.hidden, c.layers, c.vocab, c.tie_embeddings,
                    c.learned_positions, c.attn_layers, c.heads, c.kv_heads, c.head_dim, c.attn_input,
                    c.intermediate, c.gated_ffn, c.qkv_bias, c.mlp_bias, c.rms_norm, c.parallel_residual,
                    c.shared_blocks, c.state_heads, c.state_dk, c.state_dv, c.gate_rank, c.d_inner, c.n_groups,
                    c.conv_kernel);
  };
  return t(*this) == t(o);
}

// Upper bounds of the dimensions (validate): parameters() and the element
// counts are products of up to four of them in int64. Each bound is at least
// 8x the largest published model (vocab 256k, hidden 16k, intermediate 53k,
// 128 heads of 256, 126 layers); with them every sum of products stays below 2^58, so
// a typo such as hidden_size 4096000000000 is refused instead of overflowing.
constexpr i64 kMaxVocab = i64{1} << 22, kMaxWidth = i64{1} << 19, kMaxHidden = i64{1} << 17,
              kMaxCount = i64{1} << 12, kMaxLayers = i64{1} << 10, kMaxConv = i64{1} << 8;

void validate(const ModelConfig& c, const std::string& w) {
  auto bounded = [&](const char* field, i64 v, i64 hi) {
    if (v > hi) fail(w, std::string(field) + " = " + std::to_string(v) + " must be <= " + std::to_string(hi));
  };
  auto pos = [&](const char* field, i64 v, i64 hi = kMaxCount) {
    if (v <= 0) fail(w, std::string(field) + " = " + std::to_string(v) + " must be > 0");
    bounded(field, v, hi);
  };
  bounded("max_position_embeddings", c.learned_positions, kMaxVocab);
  bounded("expand * hidden_size", c.d_inner, kMaxWidth);
  bounded("attention input width", c.attn_input, kMaxWidth);
  bounded("num_mem_blocks", c.shared_blocks, kMaxLayers);
  pos("hidden_size", c.hidden, kMaxHidden);
  pos("num_hidden_layers", c.layers, kMaxLayers);
  pos("vocab_size", c.vocab, kMaxVocab);
  if (c.family != Family::mamba2) pos("intermediate_size", c.intermediate, kMaxWidth);
  if (has_attention(c.family)) {
    pos("num_attention_heads", c.heads);
    pos("num_key_value_heads", c.kv_heads);
    pos("head_dim", c.head_dim);
    pos("attention layers", c.attn_layers, kMaxLayers);
    if (c.heads % c.kv_heads != 0)
      fail(w, "num_attention_heads = " + std::to_string(c.heads) + " is not a multiple of num_key_value_heads = " +
                  std::to_string(c.kv_heads));
    if (c.family != Family::llama && c.family != Family::gpt3 && c.family != Family::zamba2 &&
        c.heads * c.head_dim != c.hidden)
      fail(w, "hidden size " + std::to_string(c.hidden) + " is not a multiple of the " + std::to_string(c.heads) +
                  " attention heads");
  }
  if (has_state(c.family)) {
    pos("state heads (num_heads)", c.state_heads);
    pos("state key dimension", c.state_dk);
    pos("state value dimension", c.state_dv);
  }
  if (c.family == Family::gla) pos("gate_low_rank_dim", c.gate_rank);
  if (c.family == Family::mamba2 || c.family == Family::zamba2) {
    pos("n_groups", c.n_groups);
    pos("conv_kernel", c.conv_kernel, kMaxConv);
    if (c.d_inner != c.state_heads * c.state_dv)
      fail(w, "expand * hidden_size = " + std::to_string(c.d_inner) + " differs from num_heads * head_dim = " +
                  std::to_string(c.state_heads) + " * " + std::to_string(c.state_dv));
    if (c.state_heads % c.n_groups != 0)
      fail(w, "num_heads = " + std::to_string(c.state_heads) + " is not a multiple of n_groups = " +
                  std::to_string(c.n_groups));
  }
}

ModelConfig parse_config(const json& d, const std::string& name, const std::string& w) {
  if (!d.is_object()) fail(w, "a model config must be a JSON object");
  ModelConfig c;
  if (d.contains("pimlab_architecture")) {
    const json& a = d.at("pimlab_architecture");
    std::vector<std::string> names;
    for (const auto& x : own_archs()) names.push_back(x.name);
    if (!a.is_string()) fail(w, "key 'pimlab_architecture' = " + a.dump() + " is not a string (allowed: " + join(names) + ")");
    const auto it = std::find_if(own_archs().begin(), own_archs().end(),
                                 [&](const Arch& x) { return x.name == lower(a.get<std::string>()); });
    if (it == own_archs().end())
      fail(w, "key 'pimlab_architecture' = \"" + a.get<std::string>() + "\" is not supported (allowed: " + join(names) + ")");
    c = parse_own(d, it->family, w);
  } else {
    std::vector<std::string> names;
    for (const auto& x : hf_archs()) names.push_back(x.name);
    if (!d.contains("architectures") && d.contains("model_type") && d.at("model_type").is_string()) {
      // Some configs name only their model_type.
      const std::string t = d.at("model_type").get<std::string>();
      const auto it = std::find_if(hf_archs().begin(), hf_archs().end(), [&](const Arch& x) { return x.model_type == t; });
      if (it == hf_archs().end()) {
        std::vector<std::string> types;
        for (const auto& x : hf_archs()) types.push_back(x.model_type);
        fail(w, "key 'model_type' = \"" + t + "\" is not supported and 'architectures' is missing (allowed: " +
                    join(types) + ")");
      }
      c = parse_hf(d, it->family, it->name, w);
      c.name = name;
      validate(c, w);
      return c;
    }
    if (!d.contains("architectures"))
      fail(w, "missing key 'architectures' (Hugging Face: " + join(names) +
                  "; or 'pimlab_architecture': retnet, gla, hgrn2, gpt3)");
    const json& a = d.at("architectures");
    if (!a.is_array() || a.empty() || !a.at(0).is_string())
      fail(w, "key 'architectures' = " + a.dump() + " is not a list of names (allowed: " + join(names) + ")");
    const std::string arch = a.at(0).get<std::string>();
    const auto it = std::find_if(hf_archs().begin(), hf_archs().end(), [&](const Arch& x) { return x.name == arch; });
    if (it == hf_archs().end())
      fail(w, "key 'architectures' = \"" + arch + "\" is not supported (allowed: " + join(names) + ")");
    c = parse_hf(d, it->family, arch, w);
  }
  c.name = name;
  if (d.contains("pimlab_name")) {
    if (!d.at("pimlab_name").is_string()) fail(w, "key 'pimlab_name' = " + d.at("pimlab_name").dump() + " is not a string");
    c.name = d.at("pimlab_name").get<std::string>();
  }
  validate(c, w);
  return c;
}

ModelConfig load_config(const std::string& path) {
  std::ifstream is(path);
  if (!is) fail(path, "cannot open model config");
  json d;
  try {
    d = json::parse(is);
  } catch (const json::exception& e) {  // parse_error, or out_of_range for a number too large (1e999)
    std::string what = e.what();
    // nlohmann: "[json.exception.parse_error.101] parse error at line 3, column 5: ..."
    const auto p = what.find("parse error");
    fail(path, "malformed JSON: " + (p == std::string::npos ? what : what.substr(p)));
  }
  std::string stem = path;
  const auto slash = stem.find_last_of('/');
  if (slash != std::string::npos) stem = stem.substr(slash + 1);
  if (stem.size() > 5 && stem.substr(stem.size() - 5) == ".json") stem.resize(stem.size() - 5);
  return parse_config(d, stem, path);
}

ModelConfig resolve_model(const std::string& s) {
  const bool is_path = s.find('/') != std::string::npos ||
                       (s.size() > 5 && lower(s.substr(s.size() - 5)) == ".json");
  if (is_path) return load_config(s);
  return preset(s);
}

std::int64_t parameters(const ModelConfig& c) {
  const i64 h = c.hidden;
  const i64 norm = c.rms_norm ? 1 : 2;  // weight (+ bias) per feature
  i64 total = c.vocab * h + c.learned_positions * h;
  if (!c.tie_embeddings) total += c.vocab * h;
  total += norm * h;  // final norm
  auto ffn = [&](i64 in) {
    i64 p = c.gated_ffn ? 3 * in * c.intermediate : 2 * in * c.intermediate;
    if (c.mlp_bias) p += (c.gated_ffn ? 2 * c.intermediate : c.intermediate) + in;
    return p;
  };
  auto attention_block = [&](i64 in, i64 norms_in, i64 norms_h) {
    i64 p = in * (c.heads + 2 * c.kv_heads) * c.head_dim + c.heads * c.head_dim * h;
    if (c.qkv_bias) p += (c.heads + 2 * c.kv_heads) * c.head_dim;
    if (c.mlp_bias) p += h;
    p += ffn(h);
    p += norm * (norms_in * in + norms_h * h);
    return p;
  };
  auto mamba_block = [&]() {
    const i64 conv_dim = c.d_inner + 2 * c.n_groups * c.state_dk;
    i64 p = h * (2 * c.d_inner + 2 * c.n_groups * c.state_dk + c.state_heads);  // in_proj
    p += conv_dim * c.conv_kernel + conv_dim;                                   // conv1d + bias
    p += 3 * c.state_heads;                                                     // dt_bias, A_log, D
    p += c.d_inner;                                                             // gated RMSNorm
    p += c.d_inner * h;                                                         // out_proj
    p += h;                                                                     // pre-norm
    return p;
  };
  const i64 hk = c.state_heads * c.state_dk, hv = c.state_heads * c.state_dv;
  switch (c.family) {
    case Family::llama:
    case Family::opt:
    case Family::gpt2:
    case Family::gpt_neox:
    case Family::gpt3:
      total += c.layers * attention_block(h, 1, 1);
      break;
    case Family::gptj:
      total += c.layers * attention_block(h, 1, 0);
      break;
    case Family::retnet:  // q, k (h x H dk), v and g (h x H dv), o (H dv x h), group norm, GLU FFN, 2 norms
      total += c.layers * (2 * h * hk + 2 * h * hv + hv * h + 2 * hv + ffn(h) + 2 * norm * h);
      break;
    case Family::gla:  // q, k, v, g, low-rank forget gate (with bias), o, output norm, SwiGLU, 2 norms
      total += c.layers * (2 * h * hk + 2 * h * hv + h * c.gate_rank + c.gate_rank * hk + hk + hv * h + hv +
                           ffn(h) + 2 * norm * h);
      break;
    case Family::hgrn2:  // q, f (h x H dk), i (h x H dv), o, output norm, SwiGLU, 2 norms
      total += c.layers * (2 * h * hk + h * hv + hv * h + hv + ffn(h) + 2 * norm * h);
      break;
    case Family::mamba2:
      total += c.layers * mamba_block();
      break;
    case Family::zamba2:
      // Mamba-2 blocks, the shared blocks (attention over 2h, MLP, two norms) and
      // one h x h output linear per hybrid layer (LoRA adapters not counted).
      total += c.layers * mamba_block() + c.shared_blocks * attention_block(c.attn_input, 1, 1) +
               c.attn_layers * h * h;
      break;
  }
  return total;
}

std::int64_t kv_elements_per_token(const ModelConfig& c) {
  if (!has_attention(c.family)) return 0;
  return 2 * c.attn_layers * c.kv_heads * c.head_dim;
}

std::int64_t state_elements_per_request(const ModelConfig& c) {
  if (!has_state(c.family)) return 0;
  return c.layers * c.state_heads * c.state_dk * c.state_dv;
}

std::int64_t conv_window_elements_per_request(const ModelConfig& c) {
  if (c.family != Family::mamba2 && c.family != Family::zamba2) return 0;
  return c.layers * (c.conv_kernel - 1) * (c.d_inner + 2 * c.n_groups * c.state_dk);
}

const std::vector<ModelConfig>& presets() {
  // Pimba evaluation (system.md §1.3, models/models.yaml): layers, hidden, heads,
  // head_dim (state_dk) and state_dim (state_dv). FFN widths the artifact folds
  // are taken from its activation widths: RetNet 1.4h, GLA/HGRN2 int(2.6h).
  static const std::vector<ModelConfig> p = [] {
    std::vector<ModelConfig> v;
    v.push_back(mk_state("retnet-2.7b", Family::retnet, 2560, 32, 10, 256, 512, 3584, 32000));
    v.push_back(mk_state("retnet-70b", Family::retnet, 7680, 96, 10, 768, 1536, 10752, 32000));
    v.push_back(mk_state("gla-2.7b", Family::gla, 2560, 32, 5, 256, 512, 6656, 32000));
    v.push_back(mk_state("gla-70b", Family::gla, 7680, 96, 5, 768, 1536, 19968, 32000));
    v.push_back(mk_state("hgrn2-2.7b", Family::hgrn2, 2560, 32, 20, 128, 128, 6656, 32000));
    v.push_back(mk_state("hgrn2-70b", Family::hgrn2, 7680, 96, 20, 384, 384, 19968, 32000));
    v.push_back(mk_mamba2("mamba2-2.7b", 2560, 64, 80, 128, 64));
    v.push_back(mk_mamba2("mamba2-70b", 7680, 192, 80, 384, 192));
    v.push_back(mk_zamba2("zamba2-7b", 3584, 81, 13, 112, 64, 32));
    v.push_back(mk_zamba2("zamba2-70b", 7168, 174, 28, 112, 128, 64));
    v.push_back(mk_mha("opt-7b", Family::opt, "OPTForCausalLM", 4096, 32, 32, 32, 128, 16384, 50272));
    v.push_back(mk_mha("opt-70b", Family::opt, "OPTForCausalLM", 8192, 80, 64, 64, 128, 32768, 50272));
    // GPT-3 as NeuPIMs runs it (system.md §3.6): E, heads, d_k 128, layers; vocab 50 304.
    v.push_back(mk_mha("gpt3-7b", Family::gpt3, "pimlab:gpt3", 4096, 32, 32, 32, 128, 16384, 50304));
    v.push_back(mk_mha("gpt3-13b", Family::gpt3, "pimlab:gpt3", 5120, 40, 40, 40, 128, 20480, 50304));
    v.push_back(mk_mha("gpt3-30b", Family::gpt3, "pimlab:gpt3", 7168, 48, 56, 56, 128, 28672, 50304));
    v.push_back(mk_mha("gpt3-175b", Family::gpt3, "pimlab:gpt3", 12288, 96, 96, 96, 128, 49152, 50304));
    // LLaMA-3 (public model cards): GQA with 8 K/V heads, SwiGLU, vocab 128 256.
    v.push_back(mk_mha("llama3-8b", Family::llama, "LlamaForCausalLM", 4096, 32, 32, 8, 128, 14336, 128256));
    v.push_back(mk_mha("llama3-70b", Family::llama, "LlamaForCausalLM", 8192, 80, 64, 8, 128, 28672, 128256));
    for (const auto& c : v) validate(c, c.name);
    return v;
  }();
  return p;
}

std::vector<std::string> preset_names() {
  std::vector<std::string> n;
  for (const auto& c : presets()) n.push_back(c.name);
  return n;
}

const ModelConfig& preset(const std::string& name) {
  const std::string want = lower(name);
  for (const auto& c : presets())
    if (c.name == want) return c;
  throw std::invalid_argument("unknown model '" + name + "' (allowed: " + join(preset_names()) +
                              ", or a config.json path)");
}

}  // namespace pimlab::model
