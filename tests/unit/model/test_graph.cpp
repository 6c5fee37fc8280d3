// Operator graphs (physically faithful shapes, FLOPs, bytes, sharding,
// formats) and the systems' mapping rules. Expected values are derived by
// hand in the comments.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>

#include "model/graph.h"
#include "model/model.h"
#include "model/system.h"

using namespace pimlab::model;

namespace {

const Operator& find(const std::vector<Operator>& ops, const std::string& name, const std::string& block = "") {
  for (const auto& o : ops)
    if (o.name == name && (block.empty() || o.block == block)) return o;
  FAIL("no operator " << name);
  throw 0;
}

GraphOptions opts(std::int64_t batch, std::int64_t context, std::int64_t tp) {
  GraphOptions o;
  o.batch = batch;
  o.context = context;
  o.tp = tp;
  return o;
}

}  // namespace

TEST_CASE("graph: LLaMA-3 8B decode step, GQA and SwiGLU shapes", "[graph]") {
  const auto ops = decode_graph(preset("llama3-8b"), opts(32, 2049, 1));
  // Q (32 heads) + K, V (8 heads each), head_dim 128: n = 48 * 128.
  const Operator& qkv = find(ops, "qkv");
  CHECK(qkv.m == 32);
  CHECK(qkv.n == 6144);
  CHECK(qkv.k == 4096);
  CHECK(qkv.repeat == 32);
  CHECK(qkv.flops == 2.0 * 32 * 6144 * 4096);
  // weights 4096 x 6144 and activations in (32 x 4096) and out (32 x 6144), 2 B each.
  CHECK(qkv.bytes == 2.0 * (4096.0 * 6144 + 32.0 * 4096 + 32.0 * 6144));
  // GQA: one GEMV per request and K/V head; the 4 query heads of a group share the K read.
  const Operator& qk = find(ops, "attention_qk");
  CHECK(qk.m == 4);
  CHECK(qk.n == 2049);
  CHECK(qk.k == 128);
  CHECK(qk.num_op == 8 * 32);
  CHECK(qk.kv_state_bytes == 2.0 * 128 * 2049 * 256);
  const Operator& kv = find(ops, "attention_kv");
  CHECK(kv.m == 4);
  CHECK(kv.n == 128);
  CHECK(kv.k == 2049);
  CHECK(find(ops, "attention_softmax").num_op == 32 * 32);
  // SwiGLU: gate+up 2 x 14336, act over 14336 reading two inputs, down from 14336.
  CHECK(find(ops, "ffn_1").n == 2 * 14336);
  const Operator& act = find(ops, "act");
  CHECK(act.n == 14336);
  CHECK(act.bytes == 3.0 * 32 * 14336 * 2);
  CHECK(find(ops, "ffn_2").k == 14336);
  CHECK(find(ops, "lm_head").n == 128256);
  CHECK(find(ops, "lm_head").repeat == 1);
  // No all-reduce on one device.
  for (const auto& o : ops) CHECK(o.cls != OpClass::g2g);

  // Independent totals: every weight but the embedding table is read once per
  // iteration, (8 030 261 248 - 128 256 * 4096) * 2 B; the K/V read is
  // B * L * (K/V bytes per token) = 32 * 2049 * 131 072.
  const GraphTotals t = totals(ops);
  CHECK(t.weight_bytes == (8030261248.0 - 128256.0 * 4096) * 2);
  CHECK(t.kv_state_bytes == 32.0 * 2049 * 131072);
  CHECK(t.comm_bytes == 0);
  CHECK(t.arithmetic_intensity() == Approx(t.flops / t.bytes));
}

TEST_CASE("graph: tensor parallelism shards heads, FFN and vocabulary", "[graph]") {
  // LLaMA-3 70B on 8 devices: 64/8 = 8 query heads, 8/8 = 1 K/V head each.
  const auto ops = decode_graph(preset("llama3-70b"), opts(16, 1000, 8));
  CHECK(find(ops, "qkv").n == (8 + 2) * 128);
  CHECK(find(ops, "attention_qk").m == 8);
  CHECK(find(ops, "attention_qk").num_op == 16);
  CHECK(find(ops, "proj").k == 1024);
  CHECK(find(ops, "ffn_1").n == 2 * 28672 / 8);
  CHECK(find(ops, "lm_head").n == 128256 / 8);
  CHECK(find(ops, "g2g_1").bytes == 16.0 * 8192 * 2);
  CHECK(find(ops, "g2g_2").m == 16);
  // 8 K/V heads on 16 devices: each keeps one (replicated), 4 query heads.
  const auto ops16 = decode_graph(preset("llama3-70b"), opts(1, 10, 16));
  CHECK(find(ops16, "qkv").n == (4 + 2) * 128);
  CHECK(find(ops16, "attention_qk").m == 4);
}

TEST_CASE("graph: Mamba-2 block at its real widths", "[graph]") {
  const ModelConfig& m = preset("mamba2-2.7b");
  auto o = opts(8, 1, 1);
  o.su_kernel = true;
  const auto ops = decode_graph(m, o);
  // in_proj: z and x (2 * 5120), B and C (2 * 1 group * 128), dt (80 heads).
  CHECK(find(ops, "qkv").n == 10576);
  const Operator& conv = find(ops, "causal_conv1d");
  CHECK(conv.n == 5120 + 256);
  CHECK(conv.k == 4);
  CHECK(find(ops, "discretization").n == 80);
  const Operator& su = find(ops, "state_update");
  CHECK(su.m == 80);
  CHECK(su.n == 128);
  CHECK(su.k == 64);
  CHECK(su.num_op == 8);
  // 5 flops per state element (decay multiply, k v^T multiply and add, read-out
  // multiply and add), 80 heads x 8 requests; state read and written, FP16.
  CHECK(su.flops == 5.0 * 128 * 64 * 80 * 8);
  CHECK(su.kv_state_bytes == 2.0 * 128 * 64 * 2 * 80 * 8);
  CHECK(find(ops, "norm").n == 5120);
  CHECK(find(ops, "o").k == 5120);
  // Two devices: 40 heads, d_inner 2560, the single B/C group replicated.
  o.tp = 2;
  CHECK(find(decode_graph(m, o), "qkv").n == 2 * 2560 + 256 + 40);
}

TEST_CASE("graph: element formats set dbyte and storage bytes", "[graph]") {
  const ModelConfig& m = preset("opt-7b");
  GraphOptions o = opts(4, 512, 1);
  o.formats.kv = ElemFormat::mx8;
  o.formats.weights = ElemFormat::int8;
  const auto ops = decode_graph(m, o);
  const Operator& qk = find(ops, "attention_qk");
  CHECK(qk.dbyte == 1);
  CHECK(qk.kv_state_bytes == 128.0 * 512 * 1.0 * 32 * 4);  // MX8: 16 bytes per 16 values
  const Operator& qkv = find(ops, "qkv");
  CHECK(qkv.dbyte == 1);
  CHECK(qkv.weight_bytes == 4096.0 * 12288 * (8 + 32.0 / 32) / 8);  // INT8 + FP32 scale per 32
  CHECK(parse_elem_format("BF16") == ElemFormat::bf16);
  CHECK(elem_dbyte(ElemFormat::fp8) == 1);
  CHECK_THROWS_WITH(parse_elem_format("fp4"), Catch::Contains("unknown element format 'fp4'"));
}

TEST_CASE("graph: artifact repeats fold the run and totals stay per iteration", "[graph]") {
  const ModelConfig& m = preset("retnet-2.7b");
  GraphOptions o = opts(32, 2049, 1);
  o.su_kernel = true;
  o.artifact_compatible = true;
  const auto ops = decode_graph(m, o);
  double per_iter = 0;
  for (const auto& op : ops) {
    CHECK(op.repeat == 32 * 2047);
    CHECK(op.steps == 2047);
    per_iter += op.flops * 32;
  }
  CHECK(totals(ops).flops == Approx(per_iter).epsilon(1e-12));
  // SU: 10 heads of 256 x 512, 5 flops per element, batch 32.
  CHECK(find(ops, "state_update").flops == 5.0 * 256 * 512 * 10 * 32);
}

TEST_CASE("graph: bad options and unsupported artifact families", "[graph][errors]") {
  const ModelConfig& m = preset("opt-7b");
  CHECK_THROWS_WITH(decode_graph(m, opts(0, 10, 1)), Catch::Contains("batch 0 must be > 0"));
  CHECK_THROWS_WITH(decode_graph(m, opts(1, -5, 1)), Catch::Contains("context length -5 must be > 0"));
  CHECK_THROWS_WITH(decode_graph(m, opts(1, 5, 0)), Catch::Contains("tensor-parallel degree 0"));
  GraphOptions o = opts(1, 5, 1);
  o.artifact_compatible = true;
  CHECK_THROWS_WITH(decode_graph(preset("llama3-8b"), o), Catch::Contains("artifact-compatible") &&
                                                              Catch::Contains("llama3-8b"));
  // GPT-3 is OPT-like (MHA, 4h MLP): the artifact's OPT list applies.
  CHECK(decode_graph(preset("gpt3-7b"), o).size() == 10);
}

TEST_CASE("systems: the papers' mapping rule and its overrides", "[system]") {
  CHECK(system_names() == std::vector<std::string>{"gpu", "gpu+q", "gpu+pim", "pimba", "time-multiplexed",
                                                   "pipelined", "npu-only", "npu+pim", "neupims", "attacc"});
  const ModelConfig& opt = preset("opt-7b");
  auto devices = [&](const std::string& sys, const std::vector<MappingRule>& extra = {}) {
    const SystemSpec& s = find_system(sys);
    const auto ops = decode_graph(opt, graph_options(s, 32, 2049, 1, true));
    std::map<std::string, std::string> d;
    const auto dev = map_operators(s, ops, extra);
    for (std::size_t i = 0; i < ops.size(); ++i) d[ops[i].name] = device_name(dev[i]);
    return d;
  };
  for (const char* s : {"gpu", "gpu+q"})
    for (const auto& [name, dev] : devices(s)) CHECK(dev == "gpu");
  for (const auto& [name, dev] : devices("npu-only")) CHECK(dev == "npu");
  auto p = devices("pimba");
  CHECK(p["attention_qk"] == "pim");
  CHECK(p["attention_kv"] == "pim");
  CHECK(p["attention_softmax"] == "gpu");
  CHECK(p["qkv"] == "gpu");
  auto n = devices("neupims");
  CHECK(n["attention_qk"] == "pim");
  CHECK(n["attention_softmax"] == "npu");  // NPU vector unit between the two GEMVs
  CHECK(n["ffn_1"] == "npu");
  CHECK(devices("attacc")["attention_softmax"] == "pim");  // buffer-die softmax unit
  // State updates go to PIM in every PIM system.
  const SystemSpec& tm = find_system("time-multiplexed");
  for (const auto& op : decode_graph(preset("gla-70b"), graph_options(tm, 8, 1, 8, false)))
    CHECK((map_operator(tm, op) == Device::pim) == (op.category == Category::state_update));
  // User rules come first; a PIM rule on a system without PIM falls back to the host.
  CHECK(devices("pimba", {parse_mapping_rule("name=attention_softmax:pim", Device::gpu)})["attention_softmax"] ==
        "pim");
  CHECK(devices("pimba", {parse_mapping_rule("category=gemv:host", Device::gpu)})["attention_qk"] == "gpu");
  CHECK(devices("gpu", {parse_mapping_rule("cls=MATMUL:pim", Device::gpu)})["attention_qk"] == "gpu");
  const MappingRule r = parse_mapping_rule("cls=fc,name=qkv:npu", Device::gpu);
  CHECK(r.cls == "FC");
  CHECK(r.name == "qkv");
  CHECK(r.device == Device::npu);
  CHECK_THROWS_WITH(parse_mapping_rule("category=gemv", Device::gpu), Catch::Contains("no ':DEVICE'"));
  CHECK_THROWS_WITH(parse_mapping_rule("kind=gemv:pim", Device::gpu), Catch::Contains("'kind=gemv' is not KEY=VALUE"));
  CHECK_THROWS_WITH(parse_mapping_rule("category=gemm2:pim", Device::gpu), Catch::Contains("unknown operator category"));
  CHECK_THROWS_WITH(parse_mapping_rule("name=qkv:tpu", Device::gpu), Catch::Contains("unknown device 'tpu'"));
  CHECK_THROWS_WITH(find_system("dgx"), Catch::Contains("unknown system 'dgx'") && Catch::Contains("attacc"));
  CHECK(find_system("GPU+PIM").pim_family == "hbm-pim");
  CHECK(find_system("pimba").formats.state == ElemFormat::mx8);
  CHECK(find_system("gpu+q").formats.kv == ElemFormat::fp8);
}

TEST_CASE("graph: prefill chunks", "[graph]") {
  // LLaMA-3 8B, 2 requests, a chunk of 128 tokens ending at KV length 1024.
  GraphOptions o = opts(2, 1024, 1);
  o.query_tokens = 128;
  const auto ops = decode_graph(preset("llama3-8b"), o);
  CHECK(find(ops, "qkv").m == 256);      // token rows: 2 x 128
  CHECK(find(ops, "ffn_2").m == 256);
  const Operator& qk = find(ops, "attention_qk");
  CHECK(qk.m == 4 * 128);                // a GQA group's 4 heads x 128 chunk tokens
  CHECK(qk.n == 1024);
  CHECK(qk.num_op == 8 * 2);
  // K read once per (request, K/V head) however long the chunk: 128 x 1024 x 2 B x 16.
  CHECK(qk.kv_state_bytes == 128.0 * 1024 * 2 * 16);
  CHECK(find(ops, "attention_softmax").m == 128);
  CHECK(find(ops, "lm_head").m == 2);    // logits of the last token only
  // Mamba-2 on a host: the chunk's outer products are one (d_state x q)·(q x head_dim) product.
  o.context = 4096;
  const auto mops = decode_graph(preset("mamba2-2.7b"), o);
  const Operator& kv = find(mops, "attention_kv");
  CHECK(kv.m == 128);
  CHECK(kv.n == 64);
  CHECK(kv.k == 128);
  CHECK(kv.num_op == 80 * 2);
  CHECK(find(mops, "attention_qk").m == 128);
  // conv1d: 3 window entries read and 3 written per channel and request.
  const Operator& conv = find(mops, "causal_conv1d");
  CHECK(conv.m == 256);
  CHECK(conv.kv_state_bytes == 2.0 * 5376 * 6 * 2);
  o.su_kernel = true;
  const auto su_ops = decode_graph(preset("mamba2-2.7b"), o);
  const Operator& su = find(su_ops, "state_update");
  CHECK(su.flops == 5.0 * 128 * 64 * 80 * 2 * 128);
  CHECK(su.kv_state_bytes == 2.0 * 128 * 64 * 2 * 80 * 2);  // state read and written once
  o.context = 100;
  CHECK_THROWS_WITH(decode_graph(preset("llama3-8b"), o), Catch::Contains("does not fit in context length 100"));
  o.context = 4096;
  o.artifact_compatible = true;
  CHECK_THROWS_WITH(decode_graph(preset("opt-7b"), o), Catch::Contains("no prefill"));
}

TEST_CASE("graph: an AttAcc system's decode step sends Q, K, V to its device and takes the output back", "[graph][system]") {
  // LLaMA-3 8B (32 heads, 8 K/V heads of 128) at TP 2, batch 4: per device 16 heads and 4 K/V heads.
  const SystemSpec attacc = find_system("attacc");
  GraphOptions o = graph_options(attacc, 4, 1024, 2, false);
  CHECK(o.x2g);
  const auto ops = decode_graph(preset("llama3-8b"), o);
  const Operator& in = find(ops, "x2g_qkv");
  CHECK(in.cls == OpClass::x2g);
  CHECK(in.category == Category::comm);
  CHECK(in.m == 4);
  CHECK(in.n == (16 + 2 * 4) * 128);     // the QKV projection's output width on this device
  CHECK(in.bytes == 4.0 * 3072 * 2);     // the message, FP16
  const Operator& out = find(ops, "x2g_out");
  CHECK(out.n == 16 * 128);
  CHECK(out.repeat == find(ops, "qkv").repeat);  // once per layer
  // In order: QKV projection, its transfer, the attention, the output back, the output projection.
  std::vector<std::string> names;
  for (const Operator& op : ops) names.push_back(op.name);
  const auto at = [&](const std::string& n) { return std::find(names.begin(), names.end(), n) - names.begin(); };
  CHECK(at("qkv") + 1 == at("x2g_qkv"));
  CHECK(at("x2g_qkv") < at("attention_qk"));
  CHECK(at("attention_kv") + 1 == at("x2g_out"));
  CHECK(at("x2g_out") + 1 == at("proj"));
  // Both stay on the GPU; the comm totals count them.
  CHECK(map_operator(attacc, in) == Device::gpu);
  CHECK(totals(ops).comm_bytes == Approx(32 * (in.bytes + out.bytes) + 32 * 2 * (4.0 * 4096 * 2)));
  // A prefill chunk's attention stays on the GPU: no transfer. Nor on the Pimba family's
  // systems, whose PIM is the GPU's own HBM.
  o.query_tokens = 16;
  for (const Operator& op : decode_graph(preset("llama3-8b"), o)) CHECK(op.cls != OpClass::x2g);
  for (const char* s : {"gpu", "gpu+pim", "pimba", "npu+pim", "neupims"}) {
    INFO(s);
    CHECK(!graph_options(find_system(s), 4, 1024, 2, false).x2g);
  }
  CHECK(parse_class("x2g") == OpClass::x2g);
}
