// `pimlab accuracy`: what each storage format costs in accuracy. Runs a
// model's decode kernel (state update or decode attention) on seeded synthetic
// inputs in each format against FP64 and prints a table; --json writes the
// same data with the effective parameters. docs/golden.md has the details.
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli.h"
#include "golden/accuracy.h"

namespace pimlab::sim {

namespace {

nlohmann::ordered_json accuracy_json(const golden::StudyResult& r) {
  const golden::StudyModel& m = *r.model;
  const golden::StudyConfig& c = r.config;
  nlohmann::ordered_json j;
  j["command"] = "accuracy";
  nlohmann::ordered_json p;
  p["model"] = m.name;
  p["kernel"] = m.kind == golden::StudyKind::state_update ? "state_update" : "decode_attention";
  p["shape"] = m.shape_text;
  if (m.kind == golden::StudyKind::state_update) {
    p["rows"] = m.rows;
    p["cols"] = m.cols;
  } else {
    p["d_head"] = m.rows;
    p["context_tokens"] = c.context;
  }
  p["heads"] = c.heads;
  p["model_heads"] = m.model_heads;
  p["steps"] = c.steps;
  p["seed"] = c.seed;
  p["rounding"] = golden::rounding_name(c.rounding);
  std::vector<std::string> names;
  for (const auto f : c.formats) names.push_back(numerics::info(f).name);
  p["formats"] = names;
  j["parameters"] = p;
  j["inputs"] = m.inputs_text;
  j["metrics"] = {
      {"o_rel_err_max", "max over heads and steps of ||o^ - o||_2 / ||o||_2 against FP64"},
      {"o_rel_err_mean", "mean over heads and steps of ||o^ - o||_2 / ||o||_2 against FP64"},
      {"state_rel_err", m.kind == golden::StudyKind::state_update
                            ? "final state ||h^ - h||_F / ||h||_F over all heads run"
                            : "final K/V cache ||x^ - x||_F / ||x||_F over all heads run"},
  };
  nlohmann::ordered_json rows = nlohmann::ordered_json::array();
  for (const auto& f : r.formats) {
    nlohmann::ordered_json row;
    row["format"] = numerics::info(f.format).name;
    row["bits_per_element"] = f.bits_per_element;
    row["rounding"] = f.stochastic ? "stochastic" : "nearest";
    row["o_rel_err_max"] = f.o_rel_max;
    row["o_rel_err_mean"] = f.o_rel_mean;
    row["state_rel_err"] = f.state_rel;
    rows.push_back(row);
  }
  j["results"] = rows;
  return j;
}

const char* kSummary =
    "Measures what each storage format costs: runs a model's decode kernel (the state update\n"
    "h <- h (.) (g_k g_v^T) + k v^T, o = h^T q for Mamba-2, RetNet, GLA, HGRN2; decode attention\n"
    "for OPT-7B) on seeded synthetic inputs in each format, exactly as the PIM unit computes it\n"
    "(docs/numerics.md), and compares with FP64. Prints format, bits per element, relative\n"
    "error of o (max, mean over heads and steps) and of the final state (attention: the K/V\n"
    "cache). Output is byte-identical for the same arguments.\n\n"
    "formats: mx8 (Pimba MX8), int8 (symmetric INT8, FP32 scale per 32), e4m3 and e5m2 (OCP\n"
    "MXFP8, i.e. mxfp8-e4m3 / mxfp8-e5m2), fp16, bf16, and any other format name:\n"
    "fp32, mxint8, mxfp6-e3m2, mxfp6-e2m3, mxfp4-e2m1.\n"
    "models and default heads: mamba2-2.7b (128x64, 16 of 80 heads), retnet-2.7b (256x512,\n"
    "2 of 10), gla-2.7b (256x512, 2 of 5), hgrn2-2.7b (128x128, 8 of 20), opt-7b (d_head 128,\n"
    "4 of 32 heads, 512 context tokens). Inputs and metrics: docs/golden.md.";

int run_accuracy(int argc, char** argv) {
  cli::Args args("accuracy",
                 {{"model", "NAME", "mamba2-2.7b, retnet-2.7b, gla-2.7b, hgrn2-2.7b or opt-7b", "mamba2-2.7b"},
                  {"steps", "N", "decode steps (state updates / generated tokens)", "64"},
                  {"formats", "LIST", "comma-separated formats", "mx8,int8,e4m3,e5m2,fp16,bf16"},
                  {"seed", "S", "seed of the synthetic inputs (and of stochastic rounding)", "1"},
                  {"heads", "H", "heads to run", "per model, see above"},
                  {"context", "L", "opt-7b: tokens in the K/V cache before the first step", "512"},
                  {"rounding", "MODE", "nearest or stochastic (stochastic: MX8 state write-back only)",
                   "nearest"},
                  cli::json_option()});
  args.parse(argc, argv, 2);
  if (args.help_requested()) {
    std::cout << args.help_text("[options]", kSummary);
    return 0;
  }
  golden::StudyConfig c;
  std::vector<std::string> model_names;
  for (const auto& m : golden::study_models()) model_names.push_back(m.name);
  c.model = args.choice("model", c.model, model_names);
  c.steps = static_cast<int>(args.integer("steps", c.steps, 1, 100000));
  c.heads = static_cast<int>(args.integer("heads", 0, 1, 1000));
  const auto& model = golden::find_study_model(c.model);
  if (args.has("context") && model.kind != golden::StudyKind::attention)
    throw cli::UsageError(std::string("--context applies to opt-7b only, not to ") + model.name);
  c.context = static_cast<int>(args.integer("context", 0, 1, 1000000));
  c.seed = args.u64("seed", c.seed);
  c.rounding = args.choice("rounding", "nearest", {"nearest", "stochastic"}) == "stochastic"
                   ? numerics::Rounding::stochastic
                   : numerics::Rounding::nearest;
  if (c.rounding == numerics::Rounding::stochastic && model.kind != golden::StudyKind::state_update)
    throw cli::UsageError("--rounding stochastic applies to the state update (MX8 write-back), not to " +
                          std::string(model.name));
  for (const auto& name : args.list("formats", {"mx8", "int8", "e4m3", "e5m2", "fp16", "bf16"},
                                    golden::study_format_names()))
    c.formats.push_back(golden::parse_study_format(name));
  // A FILE that cannot be written fails here, before the (long) study runs.
  const cli::JsonOutput json_out(args);
  const golden::StudyResult r = golden::run_accuracy_study(c);
  if (json_out.table()) std::cout << "pimlab accuracy: " << golden::format_accuracy_table(r);
  json_out.write(accuracy_json(r), 2);
  return 0;
}

}  // namespace
}  // namespace pimlab::sim

PIMLAB_COMMAND("accuracy", "accuracy of each storage format against FP64 (state update, attention)",
               pimlab::sim::run_accuracy);
