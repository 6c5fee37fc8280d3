// Model descriptions: presets, the config loader (Hugging Face and pimlab's
// own JSON), parameter counts and per-request memory, and the loader's errors.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "model/graph.h"
#include "model/model.h"

using namespace pimlab::model;
using nlohmann::json;

namespace {

std::string config_path(const std::string& name) {
  return std::string(PIMLAB_MODEL_CONFIG_DIR) + "/" + name + ".json";
}

// Writes `text` to a scratch file named after the test and returns its path.
std::string scratch(const std::string& name, const std::string& text) {
  const std::string path = "test_model_" + name + ".json";
  std::ofstream(path) << text;
  return path;
}

ModelConfig from_json(const json& d) { return parse_config(d, "test", "test.json"); }

// Message of the std::invalid_argument `f` throws ("" when it does not throw).
template <class F>
std::string error_of(F f) {
  try {
    f();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("presets: names as the Pimba evaluation, NeuPIMs and LLaMA-3 spell them", "[model]") {
  const std::vector<std::string> want = {
      "retnet-2.7b", "retnet-70b", "gla-2.7b",   "gla-70b",    "hgrn2-2.7b", "hgrn2-70b",
      "mamba2-2.7b", "mamba2-70b", "zamba2-7b",  "zamba2-70b", "opt-7b",     "opt-70b",
      "gpt3-7b",     "gpt3-13b",   "gpt3-30b",   "gpt3-175b",  "llama3-8b",  "llama3-70b"};
  CHECK(preset_names() == want);
  CHECK(preset("RetNet-2.7B").name == "retnet-2.7b");
  CHECK_THROWS_WITH(preset("gpt4"), Catch::Contains("unknown model 'gpt4'") && Catch::Contains("mamba2-70b"));
}

TEST_CASE("presets: each shipped config file reproduces its preset", "[model]") {
  for (const auto& p : presets()) {
    INFO(p.name);
    const ModelConfig loaded = load_config(config_path(p.name));
    CHECK(loaded == p);
    CHECK(parameters(loaded) == parameters(p));
  }
}

TEST_CASE("presets: Pimba dimensions (system.md §1.3, models.yaml)", "[model]") {
  // name, layers, hidden, heads, head_dim (state_dk), state_dim (state_dv)
  struct D { const char* n; std::int64_t N, h, H, d, s; };
  for (const D& x : {D{"retnet-2.7b", 32, 2560, 10, 256, 512}, D{"retnet-70b", 96, 7680, 10, 768, 1536},
                     D{"gla-2.7b", 32, 2560, 5, 256, 512}, D{"gla-70b", 96, 7680, 5, 768, 1536},
                     D{"hgrn2-2.7b", 32, 2560, 20, 128, 128}, D{"hgrn2-70b", 96, 7680, 20, 384, 384},
                     D{"mamba2-2.7b", 64, 2560, 80, 128, 64}, D{"mamba2-70b", 192, 7680, 80, 384, 192},
                     D{"zamba2-7b", 81, 3584, 112, 64, 64}, D{"zamba2-70b", 174, 7168, 112, 128, 128}}) {
    INFO(x.n);
    const ModelConfig& m = preset(x.n);
    CHECK(m.layers == x.N);
    CHECK(m.hidden == x.h);
    CHECK(m.state_heads == x.H);
    CHECK(m.state_dk == x.d);
    CHECK(m.state_dv == x.s);
  }
  CHECK(preset("zamba2-7b").attn_layers == 13);
  CHECK(preset("zamba2-7b").heads == 32);
  CHECK(preset("zamba2-7b").head_dim == 224);
  CHECK(preset("zamba2-70b").attn_layers == 28);
  CHECK(preset("zamba2-70b").heads == 64);
  CHECK(preset("opt-70b").layers == 80);
  CHECK(preset("opt-70b").heads == 64);
  // GPT-3 as NeuPIMs models it (system.md §3.6): E, heads, d_k 128, layers.
  CHECK(preset("gpt3-30b").hidden == 7168);
  CHECK(preset("gpt3-30b").heads == 56);
  CHECK(preset("gpt3-30b").layers == 48);
  CHECK(preset("gpt3-175b").heads * preset("gpt3-175b").head_dim == 12288);
}

TEST_CASE("LLaMA-3 8B from its config.json: parameters, KV bytes, GQA and SwiGLU", "[model]") {
  const ModelConfig m = load_config(config_path("llama3-8b"));
  CHECK(m.architecture == "LlamaForCausalLM");
  CHECK(m.heads == 32);
  CHECK(m.kv_heads == 8);
  CHECK(m.head_dim == 128);
  // Published: 8.03 B. By hand: embedding and untied LM head 2 * 128256 * 4096
  // = 1 050 673 152; per layer q, o 4096^2 each, k, v 4096 * 1024 each
  // (41 943 040), SwiGLU 3 * 4096 * 14336 (176 160 768), two RMSNorms 8192:
  // 218 112 000 * 32 = 6 979 584 000; final norm 4096. Sum 8 030 261 248.
  CHECK(parameters(m) == 8030261248LL);
  CHECK(std::fabs(parameters(m) / 8.03e9 - 1.0) < 0.005);
  // K and V, 32 layers, 8 KV heads of 128, FP16: 2 * 32 * 8 * 128 * 2 = 131 072 bytes.
  CHECK(kv_elements_per_token(m) * 2 == 131072);
  CHECK(request_memory_bytes(m, 8192, FormatSet{}) == 131072.0 * 8192);
  // LLaMA-3 70B, published 70.6 B: same derivation gives 70 553 706 496.
  CHECK(parameters(preset("llama3-70b")) == 70553706496LL);
}

TEST_CASE("Hugging Face configs of other families: parameter counts as published", "[model]") {
  // Public parameter counts of the checkpoints whose configs these are.
  const json gpt2 = {{"architectures", {"GPT2LMHeadModel"}}, {"n_embd", 768}, {"n_layer", 12}, {"n_head", 12},
                     {"n_inner", nullptr}, {"n_positions", 1024}, {"vocab_size", 50257}};
  CHECK(parameters(from_json(gpt2)) == 124439808LL);  // gpt2
  const json opt = {{"architectures", {"OPTForCausalLM"}}, {"hidden_size", 768}, {"num_hidden_layers", 12},
                    {"num_attention_heads", 12}, {"ffn_dim", 3072}, {"max_position_embeddings", 2048},
                    {"vocab_size", 50272}};
  CHECK(parameters(from_json(opt)) == 125239296LL);  // facebook/opt-125m
  const json neox = {{"architectures", {"GPTNeoXForCausalLM"}}, {"hidden_size", 768}, {"num_hidden_layers", 12},
                     {"num_attention_heads", 12}, {"intermediate_size", 3072}, {"vocab_size", 50304}};
  CHECK(parameters(from_json(neox)) == 162322944LL);  // EleutherAI/pythia-160m
  const json mistral = {{"architectures", {"MistralForCausalLM"}}, {"hidden_size", 4096},
                        {"intermediate_size", 14336}, {"num_hidden_layers", 32}, {"num_attention_heads", 32},
                        {"num_key_value_heads", 8}, {"vocab_size", 32000}, {"tie_word_embeddings", false}};
  CHECK(parameters(from_json(mistral)) == 7241732096LL);  // Mistral-7B-v0.1
  const json qwen2 = {{"architectures", {"Qwen2ForCausalLM"}}, {"hidden_size", 3584}, {"intermediate_size", 18944},
                      {"num_hidden_layers", 28}, {"num_attention_heads", 28}, {"num_key_value_heads", 4},
                      {"vocab_size", 152064}, {"tie_word_embeddings", false}};
  const ModelConfig q = from_json(qwen2);
  CHECK(q.qkv_bias);
  CHECK(parameters(q) == 7615616512LL);  // Qwen2-7B
  // Without `architectures`, `model_type` names the architecture.
  json untyped = mistral;
  untyped.erase("architectures");
  untyped["model_type"] = "mistral";
  CHECK(from_json(untyped).architecture == "MistralForCausalLM");
  CHECK(parameters(from_json(untyped)) == 7241732096LL);
  untyped["model_type"] = "bert";
  CHECK_THROWS_WITH(from_json(untyped), Catch::Contains("'model_type' = \"bert\" is not supported"));
  const json gptj = {{"architectures", {"GPTJForCausalLM"}}, {"n_embd", 4096}, {"n_layer", 28}, {"n_head", 16},
                     {"vocab_size", 50400}};
  const ModelConfig j = from_json(gptj);
  CHECK(j.family == Family::gptj);
  CHECK(j.parallel_residual);
  CHECK(j.intermediate == 16384);
}

TEST_CASE("Mamba-2 and Zamba2 configs: state and conv window per request", "[model]") {
  const ModelConfig m = preset("mamba2-2.7b");
  CHECK(m.d_inner == 5120);
  // 64 layers x 80 heads x (128 x 64) state elements.
  CHECK(state_elements_per_request(m) == 64LL * 80 * 128 * 64);
  // conv window: 3 past inputs of d_inner + 2 * n_groups * d_state = 5376 channels.
  CHECK(conv_window_elements_per_request(m) == 64LL * 3 * 5376);
  CHECK(kv_elements_per_token(m) == 0);
  const ModelConfig z = preset("zamba2-7b");
  CHECK(kv_elements_per_token(z) == 2LL * 13 * 32 * 224);
  json d = json::parse(std::ifstream(config_path("zamba2-7b")));
  d.erase("hybrid_layer_ids");
  d["layers_block_type"] = json::array();
  for (int i = 0; i < 81; ++i) d["layers_block_type"].push_back(i % 6 == 5 ? "hybrid" : "mamba");
  CHECK(from_json(d).attn_layers == 13);
}

TEST_CASE("loader errors name the file, the key and the value", "[model][errors]") {
  CHECK_THROWS_WITH(load_config("no/such/config.json"),
                    Catch::Contains("no/such/config.json") && Catch::Contains("cannot open"));
  const std::string bad = scratch("malformed", "{\"architectures\": [\"LlamaForCausalLM\"],\n \"hidden_size\": }");
  CHECK_THAT(error_of([&] { load_config(bad); }),
             Catch::Contains(bad) && Catch::Contains("malformed JSON") && Catch::Contains("line 2"));
  const std::string unk = scratch("unknown", R"({"architectures": ["BertForMaskedLM"], "hidden_size": 768})");
  CHECK_THAT(error_of([&] { load_config(unk); }),
             Catch::Contains(unk) && Catch::Contains("'architectures'") && Catch::Contains("BertForMaskedLM") &&
                 Catch::Contains("LlamaForCausalLM"));
  CHECK_THAT(error_of([] { from_json({{"hidden_size", 8}}); }), Catch::Contains("missing key 'architectures'"));
  CHECK_THAT(error_of([] { from_json({{"pimlab_architecture", "lstm"}}); }),
             Catch::Contains("'pimlab_architecture'") && Catch::Contains("lstm") && Catch::Contains("retnet"));

  json llama = json::parse(std::ifstream(config_path("llama3-8b")));
  json d = llama;
  d.erase("num_key_value_heads");  // optional: defaults to the query heads (MHA)
  CHECK(from_json(d).kv_heads == 32);
  d = llama;
  d.erase("intermediate_size");
  CHECK_THAT(error_of([&] { from_json(d); }), Catch::Contains("test.json") && Catch::Contains("missing key 'intermediate_size'"));
  d = llama;
  d["hidden_size"] = 0;
  CHECK_THAT(error_of([&] { from_json(d); }), Catch::Contains("'hidden_size' = 0 must be > 0"));
  d = llama;
  d["num_hidden_layers"] = -4;
  CHECK_THAT(error_of([&] { from_json(d); }), Catch::Contains("'num_hidden_layers' = -4 must be > 0"));
  d = llama;
  d["vocab_size"] = 128256.0;  // an integral number written as a float is accepted
  CHECK(from_json(d).vocab == 128256);
  d["vocab_size"] = 1.5;
  CHECK_THAT(error_of([&] { from_json(d); }), Catch::Contains("'vocab_size' = 1.5 is not an integer"));
  d["vocab_size"] = "many";
  CHECK_THAT(error_of([&] { from_json(d); }), Catch::Contains("'vocab_size' = \"many\" is not an integer"));
  d = llama;
  d["num_key_value_heads"] = 5;
  CHECK_THAT(error_of([&] { from_json(d); }), Catch::Contains("not a multiple of num_key_value_heads = 5"));
  json gla = json::parse(std::ifstream(config_path("gla-2.7b")));
  gla.erase("gate_low_rank_dim");
  CHECK_THAT(error_of([&] { from_json(gla); }), Catch::Contains("missing key 'gate_low_rank_dim'"));
  json mamba = json::parse(std::ifstream(config_path("mamba2-2.7b")));
  mamba["head_dim"] = 48;  // 80 * 48 != 2 * 2560
  CHECK_THAT(error_of([&] { from_json(mamba); }), Catch::Contains("differs from num_heads * head_dim"));
  std::remove(bad.c_str());
  std::remove(unk.c_str());
}
