// `pimlab replay`: replays a trace. Four formats:
//  - pimba: the PIM command trace text format (pim_commands.md; what
//    `pimlab kernel --trace-out` writes), timed by the HBM-PIM channel engine;
//  - mem: a plain memory trace (<cycle> <R|W> <address>), run through the
//    command-level HBM controller of the DRAM core;
//  - newton: Newton / NeuPIMs transactions on the Newton channel controller;
//  - attacc: AttAcc requests on one HBM3-PIM stack.
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli.h"
#include "pim_run.h"
#include "dram/replay.h"
#include "dram/spec.h"
#include "pim/engine.h"
#include "pim/newton_checker.h"
#include "pim/attacc_trace.h"
#include "pim/newton_trace.h"
#include "pim/protocol.h"
#include "pim/trace.h"
#include "pim/variant.h"
#include "textio/text_input.h"

namespace {

using pimlab::cli::Args;
using pimlab::cli::UsageError;
namespace pim = pimlab::pim;

const char* kUsage = "FILE [--format pimba|mem|newton|attacc] [--dram PRESET] [--config FILE] [--check] [--json [FILE|-]] [options]";
const char* kSummary =
    "Replays a trace file and reports cycles, command counts, energy and time.\n"
    "  --format pimba: PIM command trace, one command per line 'name ch pch' (the barrier adds\n"
    "                  'sched regs v_count comps'); each channel's lines are its controller order.\n"
    "  --format mem:   plain memory trace '<cycle> <R|W> <hex address>' through the HBM controller;\n"
    "                  adds bandwidth, read-latency and IDD-energy statistics; --config FILE sets the\n"
    "                  controller, queue depth, command buses, address mapping and preset overrides.\n"
    "  --format newton: Newton / NeuPIMs transactions 'pim|mem TYPE 0xADDR' (docs/pim_protocols.md).\n"
    "  --format attacc: AttAcc requests 'PIM_MAC_AB 0xADDR' ... in global order (docs/pim_protocols.md).\n"
    "A pimba trace's header comment ('# pimlab trace: family=pimba variant=V preset=P channels=K', written\n"
    "by 'pimlab kernel --trace-out') supplies --variant, --dram and --channels when they are absent; an\n"
    "attacc trace's (family=attacc variant=PLACEMENT preset=P) supplies --placement and --dram.\n"
    "Malformed lines, binary data, an empty file or a directory are reported with file (and line) and\n"
    "exit status 2.";

void print_row(const char* k, unsigned long long v, const char* note = "") {
  std::printf("  %-18s %14llu  %s\n", k, v, note);
}
void print_row(const char* k, double v, const char* note = "") { std::printf("  %-18s %14.1f  %s\n", k, v, note); }

int run_pimba(const Args& a, const std::string& path, const pim::TraceHeader& header) {
  // Options absent: what the trace's header says it was generated for.
  const pimlab::dram::DramSpec& spec =
      pimlab::dram::preset(a.str("dram", header.preset.empty() ? "hbm2-pimba" : header.preset));
  const std::string variant_name = a.str("variant", header.variant.empty() ? "pimba" : header.variant);
  const bool artifact = a.has("artifact-compatible");
  const double pim_mhz = pimlab::sim::pim_clock_option(a, artifact);
  pim::TraceLimits lim;
  lim.channels =
      static_cast<int>(a.integer("channels", header.channels > 0 ? header.channels : spec.org.channels, 1, 1024));
  lim.pseudo_channels = spec.org.pseudo_channels;
  lim.reference_names_only = artifact;
  const std::vector<pim::Command> all = pim::read_trace_file(path, lim);
  if (all.empty()) throw UsageError("trace file '" + path + "': has no commands");
  int used = 0;
  for (const auto& c : all) used = std::max(used, static_cast<int>(c.ch) + 1);
  std::vector<std::vector<pim::Command>> streams(static_cast<std::size_t>(used));
  std::vector<std::uint16_t> feed;
  feed.reserve(all.size());
  for (const auto& c : all) {
    streams[c.ch].push_back(c);
    feed.push_back(c.ch);
  }

  pim::Protocol protocol = pim::pimba_protocol(artifact);
  if (a.has("refresh")) protocol.refresh = pim::parse_refresh_model(a.choice("refresh", "slot", {"slot", "full", "off"}));
  const pimlab::dram::DramSpec timing = spec;
  const bool check = a.has("check");
  // Artifact-compatible: one reader walks the file and stalls at a full
  // channel, as the reference does; default: every channel fed independently.
  const pimlab::sim::PimRunReport rep =
      pimlab::sim::run_pim_streams(protocol, timing, streams, spec.org.pseudo_channels, artifact ? &feed : nullptr,
                                   check, pim::variant(variant_name), pim_mhz);
  const pim::MultiChannelRun& r = rep.run;

  const pimlab::cli::JsonOutput json_out(a);
  if (json_out.requested()) {
    nlohmann::json j = rep.result_json();
    j["channels_used"] = used;
    j["config"] = {{"format", "pimba"},  {"trace", path},
                   {"dram", spec.name},  {"tCK_ps", timing.t.tCK_ps},
                   {"time_clock_mhz", pimlab::sim::time_clock_mhz(pim_mhz, spec)}, {"artifact_compatible", artifact},
                   {"window", protocol.window}, {"refresh", pim::refresh_model_name(protocol.refresh)}};
    json_out.write(j, 2);
  }
  if (json_out.table()) {
    std::printf("pimlab replay: %s (pimba format), %d channel(s), dram %s%s\n", path.c_str(), used, spec.name.c_str(),
                artifact ? ", artifact-compatible" : "");
    print_row("cycles", static_cast<unsigned long long>(r.cycles), "DRAM clock cycles");
    print_row("time_ns", rep.time_ns, pim_mhz > 0 ? "at the PIM clock (artifact-compatible)" : "at the preset's clock");
    print_row("commands", static_cast<unsigned long long>(r.counters.commands));
    print_row("num_act", static_cast<unsigned long long>(r.counters.num_act));
    print_row("num_comp", static_cast<unsigned long long>(r.counters.num_comp));
    print_row("num_rdwr", static_cast<unsigned long long>(r.counters.num_rdwr));
    print_row("energy_pj", rep.energy_pj);
    print_row("refreshes", static_cast<unsigned long long>(r.counters.refreshes));
    if (check) print_row("checker_violations", static_cast<unsigned long long>(rep.violations));
  }
  return check && rep.violations ? 1 : 0;
}

int run_mem(const Args& a, const std::string& path) {
  // Configuration: --config FILE (keys of replay_mem_trace: preset, spec,
  // mapping, controller, check), then --dram and --check on top.
  nlohmann::json cfg = nlohmann::json::object();
  if (a.has("config")) cfg = pimlab::dram::read_replay_config(a.str("config", ""));
  if (a.has("dram")) {
    const std::string d = a.str("dram", "hbm2-pimba");
    pimlab::dram::preset(d);  // an unknown name is an error naming the allowed ones
    if (cfg.contains("preset") && cfg["preset"] != d)
      throw UsageError("--dram " + d + " contradicts \"preset\": " + cfg["preset"].dump() + " of --config " +
                       a.str("config", ""));
    cfg["preset"] = d;
  }
  // The checker is off unless --check or the config's "check" turns it on.
  if (a.has("check")) cfg["check"] = true;
  else if (!cfg.contains("check")) cfg["check"] = false;
  const nlohmann::json doc = pimlab::dram::replay_mem_trace(path, cfg);
  const nlohmann::json& s = doc.at("stats");
  const std::string dram_name = doc.at("config").at("dram").at("name").get<std::string>();
  auto get = [&](const char* k) -> std::uint64_t { return s.contains(k) ? s.at(k).get<std::uint64_t>() : 0; };
  std::uint64_t acts = 0;
  if (s.contains("commands_by_class") && s["commands_by_class"].contains("ACT"))
    acts = s["commands_by_class"]["ACT"].get<std::uint64_t>();
  const std::uint64_t rdwr = get("reads") + get("writes");
  if (rdwr == 0) throw UsageError("memory trace '" + path + "': has no requests");
  const bool check = s.value("checker_enabled", false);
  const std::uint64_t violations = get("checker_violations");
  nlohmann::json j;
  j["cycles"] = get("total_cycles");
  j["num_act"] = acts;
  j["num_comp"] = 0;
  j["num_rdwr"] = rdwr;
  j["energy_pj"] = s.value("energy_pj", 0.0);
  j["energy_breakdown_pj"] = s.value("energy_breakdown_pj", nlohmann::json::object());
  j["commands"] = get("commands");
  j["time_ns"] = s.value("total_ns", 0.0);
  j["bandwidth_GBps"] = s.value("bandwidth_GBps", 0.0);
  j["read_latency_cycles"] = s.value("read_latency_cycles", nlohmann::json::object());
  j["read_latency_ns"] = s.value("read_latency_ns", nlohmann::json::object());
  j["check"] = check;
  j["checker_violations"] = violations;
  j["dram"] = doc;
  const pimlab::cli::JsonOutput json_out(a);
  json_out.write(j, 2);
  if (json_out.table()) {
    std::printf("pimlab replay: %s (memory trace), dram %s\n", path.c_str(), dram_name.c_str());
    print_row("cycles", static_cast<unsigned long long>(get("total_cycles")), "first arrival to last completion");
    print_row("time_ns", s.value("total_ns", 0.0));
    print_row("commands", static_cast<unsigned long long>(get("commands")));
    print_row("reads", static_cast<unsigned long long>(get("reads")));
    print_row("writes", static_cast<unsigned long long>(get("writes")));
    print_row("num_act", static_cast<unsigned long long>(acts));
    print_row("energy_pj", j["energy_pj"].get<double>(), "IDD model (docs/dram.md, Energy)");
    const auto& eb = j["energy_breakdown_pj"];
    for (const char* k : {"act", "pre", "rd", "wr", "ref"})
      if (eb.contains(k)) print_row((std::string("  ") + k).c_str(), eb[k].get<double>(), "pJ");
    if (eb.contains("background_active"))
      print_row("  background act", eb["background_active"].get<double>(), "pJ, a row open or refreshing");
    if (eb.contains("background_precharged"))
      print_row("  background pre", eb["background_precharged"].get<double>(), "pJ, all banks closed");
    std::printf("  %-18s %14.2f  GB/s\n", "bandwidth", s.value("bandwidth_GBps", 0.0));
    const auto& lc = j["read_latency_cycles"];
    if (lc.contains("avg"))
      std::printf("  %-18s %14.1f  cycles (min %llu, p99 %llu, max %llu)\n", "read_latency_avg",
                  lc["avg"].get<double>(), static_cast<unsigned long long>(lc["min"].get<std::uint64_t>()),
                  static_cast<unsigned long long>(lc["p99"].get<std::uint64_t>()),
                  static_cast<unsigned long long>(lc["max"].get<std::uint64_t>()));
    print_row("refreshes", static_cast<unsigned long long>(get("refreshes")));
    if (check) print_row("checker_violations", static_cast<unsigned long long>(violations));
    else std::printf("  %-18s %14s  (--check turns it on)\n", "checker", "off");
  }
  return check && violations ? 1 : 0;
}

// --format newton: the Newton / NeuPIMs channel (pim/newton_controller.h),
// each channel of the file replayed on its own controller.
int run_newton_format(const Args& a, const std::string& path) {
  for (const char* o : {"dram", "channels", "variant", "pim-clock-mhz", "refresh", "config"})
    if (a.has(o)) throw UsageError(std::string("--") + o + " does not apply to --format newton");
  pim::NewtonOptions o;
  o.type = pim::parse_pim_type(a.choice("pim-type", "dual", {"dual", "single", "dram"}));
  o.artifact_compatible = a.has("artifact-compatible");
  const auto channels = pim::read_newton_trace_file(path, o.type);
  if (channels.empty()) throw UsageError("trace file '" + path + "': has no transactions");
  pim::NewtonCounters total;
  std::uint64_t violations = 0;
  std::string first_violation;
  for (const auto& [ch, w] : channels) {
    std::vector<pim::NewtonIssued> trace;
    const pim::NewtonCounters c = pim::run_newton(o, w, a.has("check") ? &trace : nullptr);
    if (a.has("check")) {
      const auto v = pim::check_newton(o, pim::newton_spec().t, trace, 0);
      if (!v.empty() && first_violation.empty())
        first_violation = "channel " + std::to_string(ch) + ", command " + std::to_string(v.front().index) + " (" +
                          v.front().rule + "): " + v.front().what;
      violations += v.size();
    }
    pim::accumulate(total, c);
  }
  if (violations) std::fprintf(stderr, "pimlab replay: checker: %s\n", first_violation.c_str());
  nlohmann::json j = pim::newton_json(total);
  if (a.has("check")) j["checker_violations"] = violations;
  j["channels_used"] = channels.size();
  j["config"] = {{"format", "newton"}, {"trace", path}, {"pim_type", pim::pim_type_name(o.type)},
                 {"artifact_compatible", o.artifact_compatible}};
  const pimlab::cli::JsonOutput json_out(a);
  json_out.write(j, 2);
  if (json_out.table()) {
    std::printf("pimlab replay: %s (newton format), %zu channel(s), pim type %s%s\n", path.c_str(), channels.size(),
                pim::pim_type_name(o.type), o.artifact_compatible ? ", artifact-compatible" : "");
    for (const auto& [k, v] : j.items())
      if (v.is_number_unsigned()) print_row(k.c_str(), v.get<unsigned long long>());
      else if (v.is_number()) print_row(k.c_str(), v.get<double>());
  }
  return a.has("check") && violations ? 1 : 0;
}

// --format attacc: an AttAcc request trace (pim/attacc_trace.h) on one
// HBM3-PIM stack; the header supplies --placement and --dram when absent.
int run_attacc_format(const Args& a, const std::string& path) {
  for (const char* o : {"channels", "variant", "pim-clock-mhz", "refresh", "config", "pim-type"})
    if (a.has(o)) throw UsageError(std::string("--") + o + " does not apply to --format attacc");
  const pim::TraceHeader header = pim::read_trace_header(path);
  if (!header.family.empty() && header.family != "attacc")
    throw UsageError("trace file '" + path + "': header family '" + header.family +
                     "' is not allowed for --format attacc; allowed: attacc");
  std::string placement_name = a.str("placement", header.variant);
  if (placement_name.empty())
    throw UsageError("trace file '" + path + "' has no header naming its placement: give --placement bank|bg|buffer");
  const pim::AttaccPlacement placement = pim::parse_placement(placement_name);
  const std::string dram_name = a.str("dram", header.preset.empty() ? "attacc-hbm3-5.2" : header.preset);
  const pimlab::dram::DramSpec& spec = pimlab::dram::preset(dram_name);
  if (spec.t.nCCDAB <= 0) throw UsageError("--dram " + dram_name + " has no HBM3-PIM commands (an attacc-hbm3-* preset)");
  if (header.channels > 0 && header.channels != spec.org.channels)
    throw UsageError("trace file '" + path + "' was written for " + std::to_string(header.channels) +
                     " channels; preset " + spec.name + " has " + std::to_string(spec.org.channels));
  const std::vector<pim::AttaccStatement> trace = pim::read_attacc_trace_file(path, spec.org.channels);
  if (trace.empty()) throw UsageError("trace file '" + path + "': has no requests");
  const bool artifact = a.has("artifact-compatible");
  const pimlab::sim::AttaccRunReport rep =
      pimlab::sim::run_attacc_trace(spec, trace, placement, artifact, a.has("check"));
  nlohmann::json j = rep.result;
  j["config"] = {{"format", "attacc"},        {"trace", path},          {"placement", pim::placement_name(placement)},
                 {"dram", spec.name},         {"tCK_ps", spec.t.tCK_ps}, {"artifact_compatible", artifact}};
  const pimlab::cli::JsonOutput json_out(a);
  json_out.write(j, 2);
  if (json_out.table()) {
    std::printf("pimlab replay: %s (attacc format), %s placement, dram %s%s\n", path.c_str(),
                pim::placement_name(placement), spec.name.c_str(), artifact ? ", artifact-compatible" : "");
    pimlab::sim::print_attacc_result(j, static_cast<long long>(spec.t.tCK_ps), rep.wall_s);
  }
  if (rep.violations) std::fprintf(stderr, "pimlab replay: checker: %s\n", rep.first_violation.c_str());
  return rep.violations ? 1 : 0;
}

int run(int argc, char** argv) {
  Args a("replay",
         {{"format", "F", "trace format: pimba (PIM commands), mem (plain memory requests), newton (Newton / NeuPIMs transactions) or attacc (AttAcc requests)", "pimba"},
          {"dram", "PRESET", "DRAM preset: " + pimlab::cli::one_of(pimlab::dram::preset_names()),
           "pimba: the trace header's preset, else hbm2-pimba"},
          {"channels", "K", "pimba: channel ids must be < K", "the trace header's channels, else the preset's"},
          {"variant", "V", "pimba: energy table of this design", "the trace header's variant, else pimba"},
          {"pim-clock-mhz", "F", "pimba with --artifact-compatible: the clock time_ns converts cycles at; otherwise the preset's tCK", "1512 with --artifact-compatible"},
          {"artifact-compatible", "", "pimba: reference simulator behaviour (no refresh, one reader over the file in order, its command names only)", ""},
          {"refresh", "MODEL", "pimba: refresh model slot, full or off (see 'pimlab kernel --help')",
           "slot; off with --artifact-compatible"},
          {"check", "", "re-validate every issued command with the independent rule checker", "off"},
          {"config", "FILE", "mem: JSON configuration with the keys preset, spec, mapping, controller, check (docs/dram.md)", ""},
          {"pim-type", "T", "newton: controller dual (NeuPIMs), single (Newton) or dram", "dual"},
          {"placement", "P", "attacc: processing units bank, bg or buffer (the energy table)", "the trace header's variant"},
          pimlab::cli::json_option()},
         1, "FILE");
  a.parse(argc, argv, 2);
  if (a.help_requested()) {
    std::cout << a.help_text(kUsage, kSummary);
    return 0;
  }
  const pimlab::cli::JsonOutput json_out(a);
  if (a.positional().empty()) throw UsageError("missing trace FILE (see 'pimlab replay --help')");
  const std::string path = a.positional()[0];
  // Missing, directory and empty inputs are refused by name (they replayed
  // to all-zero results); binary input by its first NUL byte, in the readers.
  pimlab::textio::check_input_file(path, "trace file");
  const std::string format = a.choice("format", "pimba", {"pimba", "mem", "newton", "attacc"});
  if (format == "newton") return run_newton_format(a, path);
  if (format == "attacc") return run_attacc_format(a, path);
  if (a.has("placement")) throw UsageError("--placement applies to --format attacc only");
  if (a.has("pim-type")) throw UsageError("--pim-type applies to --format newton only");
  if (format == "mem") {
    for (const char* o : {"channels", "variant", "pim-clock-mhz", "artifact-compatible", "refresh"})
      if (a.has(o)) throw UsageError(std::string("--") + o + " applies to --format pimba only");
    return run_mem(a, path);
  }
  if (a.has("config")) throw UsageError("--config applies to --format mem only");
  const pim::TraceHeader header = pim::read_trace_header(path);
  if (!header.family.empty() && header.family != "pimba")
    throw UsageError("trace file '" + path + "': header family '" + header.family +
                     "' is not allowed for --format pimba; allowed: pimba");
  return run_pimba(a, path, header);
}

}  // namespace

PIMLAB_COMMAND("replay", "replay a PIM command trace or a plain memory trace", run);
