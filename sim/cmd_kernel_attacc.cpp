// `pimlab kernel --family attacc`: decode-phase attention of H heads on one
// AttAcc HBM3-PIM stack (docs/pim_protocols.md, "AttAcc HBM3-PIM"): the
// firmware generator lowers it to the stack's request trace, the per-channel
// controllers time it on the DRAM rule engine. Dispatched from cmd_kernel.cpp.
#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>

#include <nlohmann/json.hpp>

#include "cli.h"
#include "dram/spec.h"
#include "firmware/attacc/generator.h"
#include "pim/attacc.h"
#include "pim/attacc_checker.h"

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

  const auto t0 = std::chrono::steady_clock::now();
  const auto trace = firmware::attacc::generate(k);
  pim::AttaccOptions opt;
  opt.artifact_compatible = k.artifact_compatible;
  const pim::AttaccResult r = pim::run_attacc_stack(spec, trace, opt, check);
  std::size_t violations = 0;
  std::string first_violation;
  if (check)
    for (std::size_t ch = 0; ch < r.issued.size(); ++ch) {
      const auto v = pim::check_attacc_channel(spec, r.issued[ch], k.artifact_compatible, 0);
      violations += v.size();
      if (!v.empty() && first_violation.empty())
        first_violation = "channel " + std::to_string(ch) + " command " + std::to_string(v[0].index) + ": " + v[0].rule + ": " + v[0].what;
    }
  const double wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  using R = pim::AttaccReq;
  auto req = [&](R t) { return r.counts.req[static_cast<int>(t)]; };
  const double time_ns = static_cast<double>(r.cycles) * static_cast<double>(spec.t.tCK_ps) / 1000.0;
  const double energy = pim::attacc_energy_pj(k.placement, r.counts, k.artifact_compatible);
  nlohmann::json j;
  j["cycles"] = r.cycles;
  j["time_ns"] = time_ns;
  j["mac_ab"] = req(R::MacAB);
  j["mac_sb"] = req(R::MacSB);
  j["mac_pb"] = req(R::MacPB);
  j["wrgb"] = req(R::WrGB);
  j["mvsb"] = req(R::MvSB);
  j["mvgb"] = req(R::MvGB);
  j["sfm"] = req(R::Sfm);
  j["energy_pj"] = energy;
  j["barriers"] = req(R::Barrier);
  j["refreshes"] = r.refreshes;
  nlohmann::json cmds = nlohmann::json::object();
  const dram::CommandSet set = pim::attacc_command_set(spec, k.artifact_compatible);
  for (int c = 0; c < pim::kAttaccClasses; ++c)
    if (c != pim::kMACPBAlias) cmds[set.classes[static_cast<std::size_t>(c)].name] = r.counts.cmd[c];
  j["commands"] = cmds;
  if (check) j["checker_violations"] = violations;
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
    std::printf("  %-18s %14lld  DRAM clock cycles (tCK %lld ps)\n", "cycles", static_cast<long long>(r.cycles),
                static_cast<long long>(spec.t.tCK_ps));
    std::printf("  %-18s %14.1f\n", "time_ns", time_ns);
    for (const char* key : {"mac_ab", "mac_sb", "mac_pb", "wrgb", "mvsb", "mvgb", "sfm", "refreshes"})
      std::printf("  %-18s %14llu\n", key, j[key].get<unsigned long long>());
    std::printf("  %-18s %14.1f\n", "energy_pj", energy);
    if (check) std::printf("  %-18s %14zu\n", "checker_violations", violations);
    std::printf("  (%.3f s wall)\n", wall_s);
  }
  if (check && violations) std::fprintf(stderr, "pimlab kernel: checker: %s\n", first_violation.c_str());
  return check && violations ? 1 : 0;
}

}  // namespace pimlab::sim
