// `pimlab model`: the operators of one decode iteration of a model on a
// system, with the device each is mapped to, FLOPs, bytes and totals.
// docs/model.md has the details.
#include <cmath>
#include <cstdio>
#include <iomanip>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli.h"
#include "model/graph.h"
#include "model/model.h"
#include "model/system.h"

namespace pimlab::sim {

namespace {

using json = nlohmann::ordered_json;

const char* kSummary =
    "Prints the operators of one decode iteration (context L = the KV length of that step; with\n"
    "--chunk Q > 1, a prefill chunk of Q tokens per request ending at L) of a model on a\n"
    "system: class, category, name, shape (m, n, k, num_op), element bytes, repeat\n"
    "count (instances per iteration), the device it is mapped to, FLOPs and bytes of one\n"
    "instance, and totals (parameters, weight bytes, KV/state bytes per request, arithmetic\n"
    "intensity). MODEL is a preset name or a config.json (Hugging Face, or pimlab's own JSON for\n"
    "RetNet, GLA, HGRN2, GPT-3). With --tp N the list is one device's shard.\n\n"
    "--artifact-compatible reproduces the Pimba artifact's folded and unsplit shapes; its\n"
    "post-transformer repeat counts cover the artifact's whole 2047-step run (totals are still\n"
    "per iteration).\n"
    "mapping rules (--map): KEY=VALUE[,KEY=VALUE]:DEVICE, KEY cls, category or name, DEVICE\n"
    "host, gpu, npu or pim; several rules separated by ';'; they are tried before the system's.\n"
    "formats: fp32, fp16, bf16, fp8, mx8, int8.";

// Integral values as integers (exact in JSON and CSV), others with 17 digits.
std::string num_text(double v) {
  if (std::fabs(v) < 9007199254740992.0 && v == std::floor(v)) return std::to_string(static_cast<long long>(v));
  std::ostringstream os;
  os << std::setprecision(17) << v;
  return os.str();
}

json num_json(double v) {
  if (std::fabs(v) < 9007199254740992.0 && v == std::floor(v)) return static_cast<long long>(v);
  return v;
}

std::vector<model::MappingRule> parse_rules(const std::string& text, model::Device host) {
  std::vector<model::MappingRule> rules;
  std::stringstream ss(text);
  std::string part;
  while (std::getline(ss, part, ';'))
    if (!part.empty()) {
      try {
        rules.push_back(model::parse_mapping_rule(part, host));
      } catch (const std::invalid_argument& e) {
        throw cli::UsageError(std::string("--map: ") + e.what());
      }
    }
  return rules;
}

model::ElemFormat format_option(const cli::Args& args, const char* name, model::ElemFormat fallback) {
  const auto v = args.opt(name);
  if (!v) return fallback;
  try {
    return model::parse_elem_format(*v);
  } catch (const std::invalid_argument& e) {
    throw cli::UsageError(std::string("--") + name + ": " + e.what());
  }
}

int run_model(int argc, char** argv) {
  cli::Args args("model",
                 {{"batch", "B", "requests in the batch", "32"},
                  {"context", "L", "KV length of this decode step", "2049 (Pimba: input 2048 + 1)"},
                  {"tp", "N", "tensor-parallel degree (the list is one device's shard)", "1"},
                  {"system", "S", "gpu, gpu+q, gpu+pim, pimba, time-multiplexed, pipelined, npu-only, npu+pim, "
                                  "neupims or attacc", "gpu"},
                  {"chunk", "Q", "tokens per request: 1 = a decode step, Q > 1 = a prefill chunk ending at L", "1"},
                  {"artifact-compatible", "", "the Pimba artifact's folded and unsplit shapes", ""},
                  {"weights", "FMT", "weight format", "the system's (fp16)"},
                  {"activations", "FMT", "activation format", "the system's (fp16)"},
                  {"kv", "FMT", "KV cache and state format", "the system's"},
                  {"map", "RULES", "extra mapping rules, tried first", ""},
                  {"csv", "", "print the operator list as CSV", ""},
                  pimlab::cli::json_option()},
                 1, "MODEL|config.json");
  args.parse(argc, argv, 2);
  if (args.help_requested()) {
    std::cout << args.help_text("MODEL|config.json [options]", kSummary);
    return 0;
  }
  const pimlab::cli::JsonOutput json_out(args);
  if (args.positional().empty()) throw cli::UsageError("missing MODEL (a preset name or a config.json)");
  if (args.has("csv") && json_out.requested()) throw cli::UsageError("--csv and --json exclude each other");
  const model::ModelConfig m = model::resolve_model(args.positional()[0]);
  const std::int64_t batch = args.integer("batch", 32, 1, 1 << 20);
  const std::int64_t context = args.integer("context", 2049, 1, 1LL << 30);
  const std::int64_t tp = args.integer("tp", 1, 1, 4096);
  const std::string sys_name = args.str("system", "gpu");
  const model::SystemSpec& sys = model::find_system(sys_name);
  const bool artifact = args.has("artifact-compatible");
  model::GraphOptions o = model::graph_options(sys, batch, context, tp, artifact);
  o.query_tokens = args.integer("chunk", 1, 1, 1LL << 30);
  o.formats.weights = format_option(args, "weights", o.formats.weights);
  o.formats.activations = format_option(args, "activations", o.formats.activations);
  o.formats.kv = o.formats.state = format_option(args, "kv", o.formats.kv);
  const auto rules = parse_rules(args.str("map", ""), sys.host);
  const auto ops = model::decode_graph(m, o);
  const auto dev = model::map_operators(sys, ops, rules);
  const model::GraphTotals t = model::totals(ops);
  const double params = static_cast<double>(model::parameters(m));
  const double weight_bytes = model::weight_memory_bytes(m, o.formats);
  const double req_bytes = model::request_memory_bytes(m, context, o.formats);
  const double kv_token = static_cast<double>(model::kv_elements_per_token(m)) * model::elem_storage_bytes(o.formats.kv);
  std::map<std::string, std::pair<double, double>> by_dev;  // device -> (flops, bytes) per iteration
  for (std::size_t i = 0; i < ops.size(); ++i) {
    if (ops[i].category == model::Category::comm) continue;
    const double r = static_cast<double>(ops[i].repeat) / static_cast<double>(ops[i].steps);
    auto& p = by_dev[model::device_name(dev[i])];
    p.first += ops[i].flops * r;
    p.second += ops[i].bytes * r;
  }

  if (args.has("csv")) {
    std::cout << "cls,category,name,m,n,k,num_op,dbyte,repeat,device,flops,bytes,steps,context,block\n";
    for (std::size_t i = 0; i < ops.size(); ++i) {
      const auto& op = ops[i];
      std::cout << model::class_name(op.cls) << ',' << model::category_name(op.category) << ',' << op.name << ','
                << op.m << ',' << op.n << ',' << op.k << ',' << op.num_op << ',' << op.dbyte << ',' << op.repeat
                << ',' << model::device_name(dev[i]) << ',' << num_text(op.flops) << ',' << num_text(op.bytes)
                << ',' << op.steps << ',' << op.context << ',' << op.block << '\n';
    }
    return 0;
  }
  if (json_out.requested()) {
    json j;
    j["command"] = "model";
    json c;
    c["model"] = m.name;
    c["family"] = model::family_name(m.family);
    c["architecture"] = m.architecture;
    c["batch"] = batch;
    c["context"] = context;
    c["tp"] = tp;
    c["chunk"] = o.query_tokens;
    c["system"] = sys.name;
    c["host"] = model::device_name(sys.host);
    c["pim"] = sys.pim_family;
    c["artifact_compatible"] = artifact;
    c["formats"] = {{"weights", model::format_name(o.formats.weights)},
                    {"activations", model::format_name(o.formats.activations)},
                    {"kv", model::format_name(o.formats.kv)},
                    {"state", model::format_name(o.formats.state)}};
    j["config"] = c;
    json md;
    md["hidden_size"] = m.hidden;
    md["num_hidden_layers"] = m.layers;
    md["vocab_size"] = m.vocab;
    if (model::has_attention(m.family)) {
      md["attention_layers"] = m.attn_layers;
      md["num_attention_heads"] = m.heads;
      md["num_key_value_heads"] = m.kv_heads;
      md["head_dim"] = m.head_dim;
    }
    if (model::has_state(m.family)) {
      md["state_heads"] = m.state_heads;
      md["state_dk"] = m.state_dk;
      md["state_dv"] = m.state_dv;
    }
    md["intermediate_size"] = m.intermediate;
    j["model"] = md;
    json list = json::array();
    for (std::size_t i = 0; i < ops.size(); ++i) {
      const auto& op = ops[i];
      json r;
      r["cls"] = model::class_name(op.cls);
      r["category"] = model::category_name(op.category);
      r["name"] = op.name;
      r["block"] = op.block;
      r["m"] = op.m;
      r["n"] = op.n;
      r["k"] = op.k;
      r["num_op"] = op.num_op;
      r["dbyte"] = op.dbyte;
      r["repeat"] = op.repeat;
      r["steps"] = op.steps;
      r["context"] = op.context;
      r["device"] = model::device_name(dev[i]);
      r["flops"] = num_json(op.flops);
      r["bytes"] = num_json(op.bytes);
      list.push_back(r);
    }
    j["operators"] = list;
    json tj;
    tj["parameters"] = num_json(params);
    tj["weight_bytes"] = num_json(weight_bytes);
    tj["kv_bytes_per_token"] = num_json(kv_token);
    tj["kv_state_bytes_per_request"] = num_json(req_bytes);
    tj["flops"] = num_json(t.flops);
    tj["bytes"] = num_json(t.bytes);
    tj["weight_bytes_per_iteration"] = num_json(t.weight_bytes);
    tj["kv_state_bytes_per_iteration"] = num_json(t.kv_state_bytes);
    tj["comm_bytes"] = num_json(t.comm_bytes);
    tj["arithmetic_intensity"] = t.arithmetic_intensity();
    json bd;
    for (const auto& [d, p] : by_dev) bd[d] = {{"flops", num_json(p.first)}, {"bytes", num_json(p.second)}};
    tj["by_device"] = bd;
    j["totals"] = tj;
    json_out.write(j, 2);
    if (json_out.to_stdout()) return 0;
  }

  std::cout << "pimlab model: " << m.name << " (" << model::family_name(m.family) << ") on " << sys.name
            << ", batch " << batch << ", context " << context << ", tp " << tp
            << (o.query_tokens > 1 ? ", prefill chunk " + std::to_string(o.query_tokens) : std::string())
            << (artifact ? ", artifact-compatible" : "") << "\n";
  std::printf("%-7s %-14s %-18s %8s %8s %8s %8s %5s %8s %-6s %14s %14s\n", "cls", "category", "name", "m", "n",
              "k", "num_op", "dbyte", "repeat", "device", "flops", "bytes");
  for (std::size_t i = 0; i < ops.size(); ++i) {
    const auto& op = ops[i];
    std::printf("%-7s %-14s %-18s %8lld %8lld %8lld %8lld %5d %8lld %-6s %14s %14s\n", model::class_name(op.cls),
                model::category_name(op.category), op.name.c_str(), static_cast<long long>(op.m),
                static_cast<long long>(op.n), static_cast<long long>(op.k), static_cast<long long>(op.num_op),
                op.dbyte, static_cast<long long>(op.repeat), model::device_name(dev[i]), num_text(op.flops).c_str(),
                num_text(op.bytes).c_str());
  }
  std::printf("totals per iteration%s:\n", artifact ? " (artifact repeats divided by the folded steps)" : "");
  std::printf("  parameters                  %s\n", num_text(params).c_str());
  std::printf("  weight bytes (model)        %s\n", num_text(weight_bytes).c_str());
  std::printf("  KV bytes per token          %s\n", num_text(kv_token).c_str());
  std::printf("  KV/state bytes per request  %s\n", num_text(req_bytes).c_str());
  std::printf("  flops                       %s\n", num_text(t.flops).c_str());
  std::printf("  bytes (without G2G)         %s\n", num_text(t.bytes).c_str());
  std::printf("  arithmetic intensity        %.4g flop/B\n", t.arithmetic_intensity());
  for (const auto& [d, p] : by_dev)
    std::printf("  on %-4s flops %s, bytes %s\n", d.c_str(), num_text(p.first).c_str(), num_text(p.second).c_str());
  return 0;
}

}  // namespace

PIMLAB_COMMAND("model", "operators of one decode iteration of a model on a system, mapped to devices", run_model);

}  // namespace pimlab::sim
