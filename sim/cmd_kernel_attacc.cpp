// `pimlab kernel --family attacc`: decode-phase attention of H heads on one
// AttAcc HBM3-PIM stack (docs/pim_protocols.md, "AttAcc HBM3-PIM"): the
// firmware generator lowers it to the stack's request trace, the per-channel
// controllers time it on the DRAM rule engine. Dispatched from cmd_kernel.cpp.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "cli.h"
#include "dram/spec.h"
#include "firmware/attacc/data.h"
#include "firmware/attacc/generator.h"
#include "pim/attacc.h"
#include "pim/attacc_trace.h"
#include "pim_run.h"

namespace pimlab::sim {

int kernel_attacc(int argc, char** argv) {
  using cli::Args;
  namespace pim = pimlab::pim;
  std::vector<std::string> presets;
  for (const std::string& p : dram::preset_names())
    if (p.rfind("attacc-", 0) == 0) presets.push_back(p);
  Args a("kernel",
         {{"family", "F", "PIM family: pimba or attacc", "pimba"},
          {"placement", "P", "processing units: bank (per bank, all-bank MACs), bg (per bank group, same-bank MACs) or buffer (buffer die, per-bank MACs)", ""},
          {"heads", "H", "heads (x batch) on the stack", ""},
          {"len", "L", "context length", ""},
          {"d-head", "D", "head dimension", "128"},
          {"dbyte", "B", "element bytes (1, 2 or 4)", "2"},
          {"max-len", "M", "longest context the KV layout is sized for", "4096"},
          {"dram", "PRESET", "HBM3-PIM speed grade: " + cli::one_of(presets), "attacc-hbm3-5.2"},
          {"artifact-compatible", "", "reproduce the reference artifact, quirks included (docs/pim_protocols.md)", ""},
          {"check", "", "re-validate every issued command with the independent AttAcc checker", ""},
          {"verify", "", "compute on seeded FP16 data with the issued commands and compare every head with the golden attention (exit 1 on mismatch)", ""},
          {"seed", "S", "with --verify: seed of the K, V and q data", "1"},
          {"trace-out", "FILE", "write the generated request trace ('pimlab replay --format attacc' reads it)", ""},
          pimlab::cli::json_option()});
  a.parse(argc, argv, 2);
  if (a.help_requested()) {
    std::cout << a.help_text("--family attacc --placement bank|bg|buffer --heads H --len L [options]",
                             "Times one decoder layer's decode-phase attention (score, softmax, context) of H heads\n"
                             "on one AttAcc HBM3-PIM stack (16 channels) at command level. Bad input exits with status 2.");
    return 0;
  }
  const pimlab::cli::JsonOutput json_out(a);
  for (const char* req : {"placement", "heads", "len"})
    if (!a.has(req)) throw cli::UsageError(std::string("missing --") + req + " (see 'pimlab kernel --family attacc --help')");
  firmware::attacc::AttentionSpec k;
  k.placement = pim::parse_placement(a.choice("placement", "bank", {"bank", "bg", "buffer"}));
  k.heads = static_cast<int>(a.integer("heads", 1, 1, 1 << 20));
  k.len = static_cast<int>(a.integer("len", 1, 1, 1 << 20));
  k.d_head = static_cast<int>(a.integer("d-head", 128, 1, 4096));
  k.dbyte = static_cast<int>(a.integer("dbyte", 2, 1, 4));
  k.max_len = static_cast<int>(a.integer("max-len", 4096, 1, 1 << 20));
  k.artifact_compatible = a.has("artifact-compatible");
  const std::string dram_name = a.str("dram", "attacc-hbm3-5.2");
  const dram::DramSpec& spec = dram::preset(dram_name);
  if (spec.t.nCCDAB <= 0)
    throw cli::UsageError("--dram " + dram_name + " has no HBM3-PIM commands; allowed: " + cli::one_of(presets));
  k.channels = spec.org.channels;
  const bool check = a.has("check");
  const bool verify = a.has("verify");
  if (a.has("seed") && !verify) throw cli::UsageError("--seed applies with --verify only");
  const std::uint64_t seed = a.u64("seed", 1);
  if (verify && k.dbyte != 2)
    throw cli::UsageError("--verify: --dbyte " + std::to_string(k.dbyte) + " is not computed; the units compute on FP16 (allowed: --dbyte 2)");

  std::vector<pim::AttaccOp> ops;
  const auto trace = firmware::attacc::generate(k, verify ? &ops : nullptr);
  // The data in the backing store before the run (a layout that cannot hold
  // the heads is bad input).
  std::vector<firmware::attacc::HeadData> data;
  std::unique_ptr<pim::AttaccUnits> units;
  if (verify) {
    data = firmware::attacc::seeded_heads(k, seed);
    units = std::make_unique<pim::AttaccUnits>(firmware::attacc::unit_config(k));
    try {
      firmware::attacc::load_heads(k, data, *units);
    } catch (const std::invalid_argument& e) {
      throw cli::UsageError(std::string("--verify: ") + e.what());
    }
  }
  if (auto path = a.opt("trace-out")) {
    std::ofstream f(*path);
    if (!f) throw std::runtime_error("--trace-out: cannot write '" + *path + "'");
    pim::TraceHeader h;
    h.family = "attacc";
    h.variant = pim::placement_name(k.placement);
    h.preset = spec.name;
    h.channels = spec.org.channels;
    pim::write_attacc_trace(f, h, trace);
    if (!f.flush()) throw std::runtime_error("--trace-out: write to '" + *path + "' failed");
  }
  pim::AttaccResult issued;
  const AttaccRunReport rep = run_attacc_trace(spec, trace, k.placement, k.artifact_compatible, check, verify ? &issued : nullptr);
  nlohmann::json j = rep.result;
  firmware::attacc::VerifyReport vr;
  if (verify) {
    firmware::attacc::execute_issued(trace, ops, issued, *units);
    vr = firmware::attacc::verify_heads(k, data, *units);
    j["verify"] = {{"verdict", vr.ok() ? "match" : "mismatch"},
                   {"seed", seed},
                   {"heads", vr.heads},
                   {"scores", vr.scores},
                   {"scores_mismatched", vr.scores_mismatched},
                   {"probs", vr.probs},
                   {"probs_mismatched", vr.probs_mismatched},
                   {"outputs", vr.outputs},
                   {"outputs_mismatched", vr.outputs_mismatched},
                   {"max_abs_err_fp64", vr.max_abs_err_fp64},
                   {"max_rel_err_fp64", vr.max_rel_err_fp64},
                   {"first_mismatch", vr.first_mismatch},
                   {"hazards", vr.hazards},
                   {"first_hazard", vr.first_hazard}};
  }
  j["config"] = {{"family", "attacc"},
                 {"placement", pim::placement_name(k.placement)},
                 {"heads", k.heads},
                 {"len", k.len},
                 {"d_head", k.d_head},
                 {"dbyte", k.dbyte},
                 {"max_len", k.max_len},
                 {"dram", spec.name},
                 {"tCK_ps", spec.t.tCK_ps},
                 {"nCCDAB", spec.t.nCCDAB},
                 {"nCCDSB", spec.t.nCCDSB},
                 {"artifact_compatible", k.artifact_compatible}};
  json_out.write(j, 2);
  if (json_out.table()) {
    std::printf("pimlab kernel: attacc %s placement, %d head(s), L %d, d_head %d, dbyte %d, dram %s%s\n",
                pim::placement_name(k.placement), k.heads, k.len, k.d_head, k.dbyte, spec.name.c_str(),
                k.artifact_compatible ? ", artifact-compatible" : "");
    print_attacc_result(j, static_cast<long long>(spec.t.tCK_ps), rep.wall_s);
    if (verify)
      std::printf("  %-18s %14s  %d head(s) vs golden (seed %llu): scores %llu/%llu, probs %llu/%llu, outputs %llu/%llu unequal; "
                  "max |o - fp64| %.3g\n",
                  "verify", vr.ok() ? "match" : "MISMATCH", vr.heads, static_cast<unsigned long long>(seed),
                  static_cast<unsigned long long>(vr.scores_mismatched), static_cast<unsigned long long>(vr.scores),
                  static_cast<unsigned long long>(vr.probs_mismatched), static_cast<unsigned long long>(vr.probs),
                  static_cast<unsigned long long>(vr.outputs_mismatched), static_cast<unsigned long long>(vr.outputs),
                  vr.max_abs_err_fp64);
  }
  if (check && rep.violations) std::fprintf(stderr, "pimlab kernel: checker: %s\n", rep.first_violation.c_str());
  if (verify && !vr.ok()) std::fprintf(stderr, "pimlab kernel: verify: mismatch: %s\n", vr.first_mismatch.c_str());
  if (verify && vr.hazards) std::fprintf(stderr, "pimlab kernel: verify: %llu data hazard(s), first: %s\n",
                                         static_cast<unsigned long long>(vr.hazards), vr.first_hazard.c_str());
  return (check && rep.violations) || (verify && !vr.ok()) ? 1 : 0;
}

}  // namespace pimlab::sim
