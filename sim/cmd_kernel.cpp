// `pimlab kernel`: one PIM kernel (SU, SCORE or ATTEND) of the Pimba family on
// HBM-PIM channels: the firmware generator lowers it to per-pseudo-channel
// command streams, the event-driven channel engine times them.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli.h"
#include "pim_run.h"
#include "dram/spec.h"
#include "firmware/neupims/streams.h"
#include "firmware/pimba/generator.h"
#include "pim/engine.h"
#include "pim/newton_checker.h"
#include "pim/newton_trace.h"
#include "pim/protocol.h"
#include "pim/trace.h"
#include "pim/variant.h"

namespace pimlab::sim {
int kernel_attacc(int argc, char** argv);  // cmd_kernel_attacc.cpp
}

namespace {

using pimlab::cli::Args;
using pimlab::cli::UsageError;
namespace fw = pimlab::firmware::pimba;
namespace pim = pimlab::pim;

const char* kUsage =
    "--op su|score|attend --num-op N --rows R --cols C [--variant V] [--channels K] [--dram PRESET] "
    "[--json [FILE|-]] [options]";
const char* kSummary =
    "Runs one Pimba-family PIM kernel on HBM-PIM channels at command level and reports its cycles\n"
    "(DRAM clock), command counts, energy and time at the PIM clock. SU = state update over num_op\n"
    "state matrices of rows x cols; SCORE / ATTEND = q*K^T / p*V over num_op matrices of\n"
    "d_head (rows) x context length (cols). Bad input exits with status 2.";

// The value of --family in argv ("" if absent).
std::string family_of(int argc, char** argv) {
  for (int i = 2; i < argc; ++i) {
    const std::string s = argv[i];
    if (s == "--family" && i + 1 < argc) return argv[i + 1];
    if (s.rfind("--family=", 0) == 0) return s.substr(9);
  }
  return "";
}

// --family neupims: NeuPIMs attention streams (firmware/neupims) of N
// requests on one Newton / NeuPIMs channel (pim/newton_controller.h).
int run_neupims(int argc, char** argv) {
  namespace np = pimlab::firmware::neupims;
  Args a("kernel",
         {{"family", "F", "PIM family: pimba or neupims", "pimba"},
          {"pim-type", "T", "neupims: dual (NeuPIMs, PIM row buffer) or single (Newton)", "dual"},
          {"op", "OP", "neupims: score (q*K^T logits) or attend (p*V)", ""},
          {"len", "L", "KV length (tokens)", ""},
          {"width", "E", "model width per device E_tp (multiple of d_head 128)", ""},
          {"requests", "N", "requests on the channel", "1"},
          {"loads", "K", "concurrent normal reads: K iterations of 16 row-miss READs", "0"},
          {"artifact-compatible", "", "reproduce NewtonSim, quirks included (docs/pim_protocols.md)", ""},
          {"check", "", "re-validate every issued command with the independent rule checker", ""},
          {"trace-out", "FILE", "write the transaction stream ('pimlab replay --format newton' reads it)", ""},
          pimlab::cli::json_option()});
  a.parse(argc, argv, 2);
  if (a.help_requested()) {
    std::cout << a.help_text("--family neupims --pim-type dual|single --op score|attend --len L --width E --requests N [--loads K] [--json [FILE|-]]",
                             "Runs the NeuPIMs attention command streams of N requests on one Newton / NeuPIMs channel\n"
                             "and reports cycles, command counts and energy (docs/pim_protocols.md).");
    return 0;
  }
  const pimlab::cli::JsonOutput json_out(a);
  for (const char* req : {"op", "len", "width"})
    if (!a.has(req)) throw UsageError(std::string("missing --") + req + " (see 'pimlab kernel --family neupims --help')");
  np::AttentionSpec s;
  s.op = np::parse_op(a.choice("op", "score", {"score", "attend"}));
  s.type = pim::parse_pim_type(a.choice("pim-type", "dual", {"dual", "single"}));
  s.len = static_cast<int>(a.integer("len", 1, 1, 1 << 20));
  s.width = static_cast<int>(a.integer("width", 128, 1, 1 << 20));
  s.requests = static_cast<int>(a.integer("requests", 1, 1, 1 << 16));
  s.loads = static_cast<int>(a.integer("loads", 0, 0, 1 << 20));
  const pim::NewtonWorkload w = np::attention_workload(s);
  if (auto path = a.opt("trace-out")) {
    std::ofstream f(*path);
    if (!f) throw std::runtime_error("--trace-out: cannot write '" + *path + "'");
    pim::write_newton_trace(f, w);
    if (!f.flush()) throw std::runtime_error("--trace-out: write to '" + *path + "' failed");
  }
  const pim::NewtonOptions o{s.type, a.has("artifact-compatible")};
  std::vector<pim::NewtonIssued> trace;
  const pim::NewtonCounters c = pim::run_newton(o, w, a.has("check") ? &trace : nullptr);
  nlohmann::json j = pim::newton_json(c);
  std::size_t violations = 0;
  if (a.has("check")) {
    violations = pim::check_newton(o, pim::newton_spec().t, trace, 0).size();
    j["checker_violations"] = violations;
  }
  j["config"] = {{"family", "neupims"}, {"pim_type", pim::pim_type_name(s.type)}, {"op", np::op_name(s.op)},
                 {"len", s.len}, {"width", s.width}, {"requests", s.requests}, {"loads", s.loads},
                 {"artifact_compatible", o.artifact_compatible}};
  json_out.write(j, 2);
  if (json_out.table()) {
    std::printf("pimlab kernel: neupims %s, %s, L %d, E %d, %d request(s), %d load iteration(s)%s\n", np::op_name(s.op),
                pim::pim_type_name(s.type), s.len, s.width, s.requests, s.loads,
                o.artifact_compatible ? ", artifact-compatible" : "");
    for (const auto& [k, v] : j.items())
      if (v.is_number_unsigned()) std::printf("  %-24s %14llu\n", k.c_str(), v.get<unsigned long long>());
      else if (v.is_number()) std::printf("  %-24s %14.1f\n", k.c_str(), v.get<double>());
  }
  return a.has("check") && violations ? 1 : 0;
}

int run(int argc, char** argv) {
  const std::string family = family_of(argc, argv);
  if (family == "neupims") return run_neupims(argc, argv);
  if (family == "attacc") return pimlab::sim::kernel_attacc(argc, argv);
  if (!family.empty() && family != "pimba")
    throw UsageError("--family: unknown value '" + family + "' (allowed: pimba, attacc, neupims)");
  Args a("kernel",
         {{"family", "F", "PIM family: pimba (default), attacc or neupims (see 'pimlab kernel --family attacc|neupims --help')", "pimba"},
          {"op", "OP", "kernel: su, score or attend", ""},
          {"variant", "V", "design: pimba, hbm-pim, time-multiplexed or pipelined", "pimba"},
          {"num-op", "N", "independent matrices (heads x batch)", ""},
          {"rows", "R", "SU: state rows; SCORE/ATTEND: d_head", ""},
          {"cols", "C", "SU: state columns; SCORE/ATTEND: context length", ""},
          {"channels", "K", "HBM-PIM channels the kernel is spread over (1..1024)", "1"},
          {"dram", "PRESET", "DRAM timing/organisation preset: " + pimlab::cli::one_of(pimlab::dram::preset_names()),
           "hbm2-pimba"},
          {"pim-clock-mhz", "F", "with --artifact-compatible: the clock time_ns converts cycles at (the Pimba paper's A100 PIM clock); otherwise time_ns uses the preset's tCK", "1512 with --artifact-compatible"},
          {"no-chunk-group", "", "SU: every chunk gets 3 + v_count register writes", ""},
          {"no-cmd-sched", "", "separate ACT4 + n REG_WRITE and PRECHARGE + r RESULT commands", ""},
          {"artifact-compatible", "", "reproduce the reference artifact, quirks included (docs/pim_protocols.md)", ""},
          {"refresh", "MODEL", "refresh: slot (the contract: one slot every nREFI), full (REFab on precharged banks, nRFC before the next ACT4) or off",
           "slot; off with --artifact-compatible"},
          {"check", "", "re-validate every issued command with the independent rule checker", ""},
          {"trace-out", "FILE", "write the generated command trace (text format) to FILE", ""},
          pimlab::cli::json_option()});
  a.parse(argc, argv, 2);
  if (a.help_requested()) {
    std::cout << a.help_text(kUsage, kSummary);
    return 0;
  }
  const pimlab::cli::JsonOutput json_out(a);
  a.choice("family", "pimba", {"pimba", "attacc"});
  for (const char* req : {"op", "num-op", "rows", "cols"})
    if (!a.has(req)) throw UsageError(std::string("missing --") + req + " (see 'pimlab kernel --help')");

  fw::KernelSpec k;
  k.op = fw::parse_op(a.choice("op", "su", {"su", "score", "attend"}));
  const std::string variant_arg = a.str("variant", "pimba");
  const pim::Variant& variant = pim::variant(variant_arg);
  k.variant = variant.name;
  k.num_op = static_cast<int>(a.integer("num-op", 1, 1, 1 << 24));
  k.rows = static_cast<int>(a.integer("rows", 1, 1, 1 << 24));
  k.cols = static_cast<int>(a.integer("cols", 1, 1, 1 << 24));
  k.channels = static_cast<int>(a.integer("channels", 1, 1, 1024));
  if (a.has("no-chunk-group") && k.op != fw::Op::SU)
    throw UsageError(std::string("--no-chunk-group applies to --op su only (chunk grouping is SU's register-write "
                                 "scheme), not to --op ") + fw::op_name(k.op));
  k.chunk_group = !a.has("no-chunk-group");
  k.cmd_sched = !a.has("no-cmd-sched");
  k.artifact_compatible = a.has("artifact-compatible");
  const double pim_mhz = pimlab::sim::pim_clock_option(a, k.artifact_compatible);
  const std::string dram_name = a.str("dram", "hbm2-pimba");
  const pimlab::dram::DramSpec& spec = pimlab::dram::preset(dram_name);
  k.pseudo_channels = spec.org.pseudo_channels;
  k.bank_groups = spec.org.bank_groups;
  k.banks_per_group = spec.org.banks_per_group;
  k.page_bytes = spec.org.page_bytes;
  k.atom_bytes = spec.org.atom_bytes;

  const auto t0 = std::chrono::steady_clock::now();
  const fw::Program prog = fw::generate(k);
  if (auto path = a.opt("trace-out")) {
    // A file that cannot be written is an I/O error (exit status 3).
    std::ofstream f(*path);
    if (!f) throw std::runtime_error("--trace-out: cannot write '" + *path + "'");
    // The header says what the trace was generated for (`pimlab replay` takes
    // it when its options are absent). With --artifact-compatible the file is
    // the reference's exchange format exactly, without it.
    if (!k.artifact_compatible) {
      pim::TraceHeader h;
      h.family = "pimba";
      h.variant = k.variant;
      h.preset = spec.name;
      h.channels = k.channels;
      f << pim::format_trace_header(h) << '\n';
    }
    fw::write_trace(f, prog);
    if (!f.flush()) throw std::runtime_error("--trace-out: write to '" + *path + "' failed");
  }
  pim::Protocol protocol = pim::pimba_protocol(k.artifact_compatible);
  if (a.has("refresh")) protocol.refresh = pim::parse_refresh_model(a.choice("refresh", "slot", {"slot", "full", "off"}));
  const pimlab::dram::DramSpec timing = spec;
  const bool check = a.has("check");
  // Artifact-compatible: one trace reader feeds every channel in the exchange
  // trace order (a full channel stalls the others); default: independent channels.
  const std::vector<std::uint16_t> feed = k.artifact_compatible ? fw::feed_order(prog) : std::vector<std::uint16_t>{};
  const pimlab::sim::PimRunReport rep = pimlab::sim::run_pim_streams(protocol, timing, prog.channel_streams, k.pseudo_channels,
                                           k.artifact_compatible ? &feed : nullptr, check, variant, pim_mhz);
  const pim::MultiChannelRun& r = rep.run;
  const double wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  nlohmann::json j = rep.result_json();
  j["chunks"] = prog.geo.chunks;
  j["chunks_simulated"] = prog.chunks_issued;
  j["chunks_dropped"] = prog.geo.chunks - prog.chunks_issued;
  j["rounds"] = prog.rounds.size();
  j["config"] = {{"op", fw::op_name(k.op)},
                 {"variant", k.variant},
                 {"num_op", k.num_op},
                 {"rows", k.rows},
                 {"cols", k.cols},
                 {"channels", k.channels},
                 {"dram", spec.name},
                 {"tCK_ps", timing.t.tCK_ps},
                 {"time_clock_mhz", pimlab::sim::time_clock_mhz(pim_mhz, spec)},
                 {"chunk_group", k.chunk_group},
                 {"cmd_sched", k.cmd_sched},
                 {"artifact_compatible", k.artifact_compatible},
                 {"element_bytes", prog.geo.elem_bytes},
                 {"chunk_rows", prog.geo.chunk_rows},
                 {"chunk_cols", prog.geo.chunk_cols},
                 {"v_count", prog.geo.v_count},
                 {"block_rows", prog.geo.block_rows},
                 {"block_cols", prog.geo.block_cols},
                 {"comps_per_round", prog.geo.comps_per_round},
                 {"results_per_round", prog.geo.results_per_round},
                 {"window", protocol.window},
                 {"refresh", pim::refresh_model_name(protocol.refresh)},
                 {"nREFI", timing.t.nREFI},
                 {"col", pim::col(timing.t)}};
  json_out.write(j, 2);
  if (json_out.table()) {
    std::printf("pimlab kernel: %s on %s, num_op %d, %d x %d, %d channel(s), dram %s%s\n", fw::op_name(k.op),
                k.variant.c_str(), k.num_op, k.rows, k.cols, k.channels, spec.name.c_str(),
                k.artifact_compatible ? ", artifact-compatible" : "");
    std::printf("  %-18s %14llu  DRAM clock cycles (tCK %lld ps)\n", "cycles", static_cast<unsigned long long>(r.cycles),
                static_cast<long long>(timing.t.tCK_ps));
    std::printf("  %-18s %14.1f  at %.0f MHz (%s)\n", "time_ns", rep.time_ns, pimlab::sim::time_clock_mhz(pim_mhz, spec),
                pim_mhz > 0 ? "the PIM clock, artifact-compatible" : "the preset's clock");
    std::printf("  %-18s %14llu\n", "commands", static_cast<unsigned long long>(r.counters.commands));
    std::printf("  %-18s %14llu\n", "num_act", static_cast<unsigned long long>(r.counters.num_act));
    std::printf("  %-18s %14llu\n", "num_comp", static_cast<unsigned long long>(r.counters.num_comp));
    std::printf("  %-18s %14llu\n", "num_rdwr", static_cast<unsigned long long>(r.counters.num_rdwr));
    std::printf("  %-18s %14.1f\n", "energy_pj", rep.energy_pj);
    std::printf("  %-18s %14llu  (%lld block-rows x %lld block-columns, %zu rounds)\n", "chunks",
                static_cast<unsigned long long>(prog.geo.chunks), static_cast<long long>(prog.geo.block_rows),
                static_cast<long long>(prog.geo.block_cols), prog.rounds.size());
    if (prog.chunks_issued != prog.geo.chunks)
      std::printf("  %-18s %14lld  dropped by the reference's stream interleave\n", "chunks_dropped",
                  static_cast<long long>(prog.geo.chunks - prog.chunks_issued));
    std::printf("  %-18s %14llu\n", "refreshes", static_cast<unsigned long long>(r.counters.refreshes));
    if (check) std::printf("  %-18s %14llu\n", "checker_violations", static_cast<unsigned long long>(rep.violations));
    for (const auto& m : rep.messages) std::printf("    %s\n", m.c_str());
    std::printf("  (%.3f s wall)\n", wall_s);
  }
  return check && rep.violations ? 1 : 0;
}

}  // namespace

PIMLAB_COMMAND("kernel", "one Pimba-family PIM kernel (su/score/attend) on HBM-PIM channels", run);
