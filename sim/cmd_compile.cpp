// `pimlab compile`: one decode iteration of a model on a system compiled into
// per-device programs written as data (firmware/compiler/program.h,
// docs/compiler.md): the host's kernel list and every PIM channel's command
// stream from the family's generator, plus a manifest. The channel files
// replay with `pimlab replay --format pimba|newton`.
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli.h"
#include "compile_input.h"
#include "firmware/compiler/placement.h"
#include "firmware/compiler/program.h"
#include "gpu/host.h"
#include "model/model.h"
#include "model/system.h"
#include "serving/factory.h"
#include "serving/gpu_backend.h"
#include "workload/request.h"
#include "workload/snapshot.h"
#include "workload/trace.h"

namespace {

using pimlab::cli::Args;
using pimlab::cli::UsageError;
namespace fc = pimlab::firmware::compiler;
namespace model = pimlab::model;
namespace serving = pimlab::serving;

std::size_t npu_ops(const fc::SystemProgram& p) {
  std::size_t n = 0;
  for (const fc::NpuStage& s : p.npu) n += s.ops.size();
  return n;
}

// "host kernels K, PIM launches L" (GPU host) or "NPU stages S, NPU operations O" (NPU host).
std::string host_summary(const fc::SystemProgram& p) {
  if (p.npu_host) return "NPU stages " + std::to_string(p.npu.size()) + ", NPU operations " + std::to_string(npu_ops(p));
  std::size_t kernels = 0;
  for (const fc::HostEntry& e : p.host) kernels += e.kind == fc::EntryKind::kernel;
  return "host kernels " + std::to_string(kernels) + ", PIM launches " + std::to_string(p.host.size() - kernels);
}

const char* kUsage = "MODEL|config.json --system S --out DIR [--batch B] [--context L | --workload W] [--tp N] [options]\n"
                     "       pimlab compile --read DIR [--json [FILE|-]]";
const char* kSummary =
    "Compiles one decode iteration of MODEL on system S (every request at KV length L) and writes\n"
    "its programs to DIR: `manifest`, the host's program -- `host.kernels` on a GPU host (its kernels\n"
    "and PIM launches in order, with sub-batch, repeat and the entry each waits for), `host.npu` on\n"
    "an NPU host (its instruction stream by stage A..F, each naming the PIM segment the channels run\n"
    "meanwhile) -- and one file per PIM channel and\n"
    "segment, pim/chNN.sSS.pimba (Pimba family) or pim/chNN.sSS.newton (Newton / NeuPIMs), or per\n"
    "AttAcc stack, pim/stNN.sSS.attacc: the command streams of the family's generator for the\n"
    "requests placed there. Each file replays with 'pimlab replay FILE --format pimba|newton|attacc'\n"
    "to the cycles the manifest lists, which are the serving back-end's (docs/compiler.md). Channel\n"
    "files of an earlier program in DIR/pim are removed.\n"
    "With --chunk Q > 1 it compiles one prefill pass instead: Q prompt tokens per request ending at L,\n"
    "every operator on the host (host.kernels or host.npu, no PIM files).\n"
    "Requests are placed as 'pimlab run' admits a fresh batch (prompt L-1, room for L).\n"
    "--read DIR reads a program back (errors name file and line, exit 2), times every channel\n"
    "file again and compares with the manifest's cycles (exit 1 on a difference).\n"
    "Systems: gpu, gpu+q, gpu+pim, pimba, time-multiplexed, pipelined, npu-only, npu+pim, neupims,\n"
    "attacc.";

// --read DIR: the program read back and every channel file timed again.
int read_back(const Args& a, const pimlab::cli::JsonOutput& json_out) {
  if (!a.positional().empty()) throw UsageError("--read DIR takes no MODEL");
  for (const char* o : {"system", "out", "batch", "context", "chunk", "workload", "tp", "artifact-compatible", "host", "sub-batch",
                        "placement", "attacc-placement"})
    if (a.has(o)) throw UsageError(std::string("--") + o + " does not apply to --read");
  const std::string dir = a.str("read", "");
  const fc::SystemProgram p = fc::read_program(dir);
  std::size_t mismatches = 0;
  std::string first;
  for (const fc::ChannelFile& f : p.files) {
    const std::uint64_t c = fc::time_channel_file(p.header, f);
    if (c != f.cycles) {
      ++mismatches;
      if (first.empty())
        first = f.path + ": " + std::to_string(c) + " cycles, the manifest says " + std::to_string(f.cycles);
    }
  }
  std::size_t kernels = 0;
  for (const fc::HostEntry& e : p.host) kernels += e.kind == fc::EntryKind::kernel;
  if (json_out.requested()) {
    nlohmann::ordered_json j;
    j["command"] = "compile";
    j["read"] = dir;
    j["system"] = p.header.system;
    j["model"] = p.header.model;
    j["family"] = p.header.family;
    j["host_kernels"] = kernels;
    j["pim_launches"] = p.host.size() - kernels;
    j["npu_stages"] = p.npu.size();
    j["npu_ops"] = npu_ops(p);
    j["segments"] = p.segments.size();
    j["channel_files"] = p.files.size();
    j["cycle_mismatches"] = mismatches;
    json_out.write(j, 2);
  }
  if (json_out.table())
    std::printf("pimlab compile --read: %s: %s on %s, %s, %zu segments, %zu channel files, %zu cycle mismatches\n",
                dir.c_str(), p.header.model.c_str(), p.header.system.c_str(), host_summary(p).c_str(),
                p.segments.size(), p.files.size(), mismatches);
  if (mismatches) std::fprintf(stderr, "pimlab compile: %s\n", first.c_str());
  return mismatches ? 1 : 0;
}

int run(int argc, char** argv) {
  Args a("compile",
         {{"system", "S", "gpu, gpu+q, gpu+pim, pimba, time-multiplexed, pipelined, npu-only, npu+pim, neupims or attacc", ""},
          {"out", "DIR", "directory the program is written to (created if missing)", ""},
          {"batch", "B", "requests in the batch", "32"},
          {"context", "L", "KV length of this decode step (>= 2)", "2049"},
          {"chunk", "Q", "tokens per request: 1 = a decode step, Q > 1 = a prefill chunk of Q prompt tokens ending at "
                         "the request's context (every operator on the host: no PIM files)", "1"},
          {"workload", "W", "instead of --batch x --context: a request trace CSV (the first B requests, each at its "
                            "first decode step) or snapshot:FILE (a NeuPIMs decode snapshot, channels pinned)", ""},
          {"tp", "N", "tensor-parallel degree (the programs are one device's)", "1"},
          {"artifact-compatible", "", "the artifacts' shapes and controller rules (not with a Pimba-family PIM)", ""},
          {"host", "H", "GPU-host systems: GPU preset (a100, h100, b200) or a host JSON file; sets the PIM channels", "a100"},
          {"sub-batch", "on|off|auto", "neupims: sub-batch interleaving; auto: on from batch 256 (as 'pimlab run')", "auto"},
          {"placement", "rr|clb", "npu+pim and neupims: KV channel placement (as 'pimlab run')", "rr on npu+pim, clb on neupims"},
          {"attacc-placement", "P", "attacc: the AttAcc processing units per bank, per bank group (bg) or on the buffer die", "bank"},
          {"read", "DIR", "read the program in DIR back and check every channel file's cycles against its manifest", ""},
          pimlab::cli::json_option()},
         1, "MODEL|config.json");
  a.parse(argc, argv, 2);
  if (a.help_requested()) {
    std::cout << a.help_text(kUsage, kSummary);
    return 0;
  }
  const pimlab::cli::JsonOutput json_out(a);
  if (a.has("read")) return read_back(a, json_out);
  if (a.positional().empty()) throw UsageError("missing MODEL (a preset name or a config.json)");
  if (!a.has("system")) throw UsageError("missing --system S (see 'pimlab compile --help')");
  if (!a.has("out")) throw UsageError("missing --out DIR");
  model::ModelConfig m;
  try {
    m = model::resolve_model(a.positional()[0]);
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
  model::SystemSpec s;
  try {
    s = model::find_system(a.str("system", ""));
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("--system: ") + e.what());
  }
  const std::string out = a.str("out", "");
  if (out.empty()) throw UsageError("--out: empty directory name");
  if (a.has("workload") && a.has("context")) throw UsageError("--workload and --context exclude each other");
  std::int64_t batch = a.integer("batch", 32, 1, 1 << 20);
  const std::int64_t context = a.integer("context", 2049, 2, std::int64_t{1} << 30);
  // The requests: a fixed batch at one KV length, or the first B of a workload
  // (all of it without --batch), each at its first decode step as `pimlab run`
  // admits it; requests with a single output token never decode and are left out.
  std::vector<std::int64_t> contexts, reserve;
  std::vector<int> pinned;
  if (a.has("workload")) {
    const std::string wl = a.str("workload", "");
    const std::size_t cap = a.has("batch") ? static_cast<std::size_t>(batch) : std::size_t{1} << 20;
    if (wl.rfind("snapshot:", 0) == 0) {
      for (const auto& e : pimlab::workload::read_snapshot(wl.substr(9))) {
        if (contexts.size() == cap) break;
        contexts.push_back(std::max<std::int64_t>(2, static_cast<std::int64_t>(e.seq_len)));
        pinned.push_back(static_cast<int>(e.channel));
      }
    } else {
      for (const auto& r : pimlab::workload::read_trace(wl)) {
        if (contexts.size() == cap) break;
        if (r.output_tokens < 2) continue;
        contexts.push_back(static_cast<std::int64_t>(r.input_tokens) + 1);
        reserve.push_back(static_cast<std::int64_t>(r.input_tokens + r.output_tokens) - 1);
      }
      if (contexts.empty()) throw UsageError("--workload " + wl + ": no request decodes (every output is 1 token)");
    }
    batch = static_cast<std::int64_t>(contexts.size());
  } else {
    contexts.assign(static_cast<std::size_t>(batch), context);
  }
  const int tp = static_cast<int>(a.integer("tp", 1, 1, 64));
  const bool artifact = a.has("artifact-compatible");
  const bool npu_pim = s.host == model::Device::npu && s.has_pim();
  if (a.has("sub-batch") && s.pim_family != "neupims")
    throw UsageError("--sub-batch applies to neupims, not " + s.name);
  if (a.has("placement") && !npu_pim) throw UsageError("--placement applies to npu+pim and neupims, not " + s.name);
  if (a.has("placement") && a.str("workload", "").rfind("snapshot:", 0) == 0)
    throw UsageError("--placement does not apply to a snapshot (its channels are pinned)");
  if (a.has("host") && s.host != model::Device::gpu) throw UsageError("--host applies to the GPU-host systems, not " + s.name);
  if (a.has("attacc-placement") && s.pim_family != "attacc")
    throw UsageError("--attacc-placement applies to attacc, not " + s.name);
  if (fc::channel_format(s.pim_family).empty() && s.has_pim())
    throw UsageError("system '" + s.name + "': PIM family '" + s.pim_family + "' has no compiled streams");

  // The back-end `pimlab run` would build: validates the model for the
  // system and gives the PIM organisation and the KV room per channel.
  serving::SystemChoice sc;
  sc.system = s;
  sc.model = m;
  sc.gpus = tp;
  sc.artifact_compatible = artifact;
  if (s.host == model::Device::gpu) {
    const std::string h = a.str("host", "a100");
    try {
      sc.host = h.size() > 5 && h.compare(h.size() - 5, 5, ".json") == 0 ? pimlab::gpu::host_from_file(h)
                                                                         : pimlab::gpu::preset(h);
    } catch (const std::invalid_argument& e) {
      throw UsageError(std::string("--host: ") + e.what());
    }
    if (artifact && fc::channel_format(s.pim_family) == "pimba" && !a.has("chunk"))
      throw UsageError("--artifact-compatible: the Pimba artifact interpolates PIM attention between two lengths; "
                       "there is no per-iteration stream to emit (compile " + s.name + " without it)");
  }
  sc.attacc_placement = pimlab::pim::parse_placement(a.choice("attacc-placement", "bank", {"bank", "bg", "buffer"}));
  {
    const std::string sb = a.choice("sub-batch", "auto", {"on", "off", "auto"});
    sc.sub_batch = sb == "on" || (sb == "auto" && batch >= 256);
  }
  std::unique_ptr<serving::Backend> be;
  try {
    be = serving::make_backend(sc);
  } catch (const std::invalid_argument& e) {
    throw UsageError(m.name + " on " + s.name + ": " + e.what());
  }

  fc::CompileInput in;
  in.model = m;
  in.system = s;
  in.contexts = contexts;
  in.reserve = reserve;
  if (npu_pim) in.pinned = pinned;
  in.tp = tp;
  in.artifact_compatible = artifact;
  in.sub_batch = sc.sub_batch;
  if (const std::int64_t q = a.integer("chunk", 1, 1, std::int64_t{1} << 30); q > 1) in.chunk = q;
  pimlab::sim::take_gpu_pim(*be, in);
  if (npu_pim) {
    const std::string pol = a.choice("placement", s.pim_family == "newton" ? "rr" : "clb", {"rr", "clb"});
    const double cap = be->kv_capacity_bytes();
    in.placement = fc::neupims_placement(pol == "rr" ? fc::Policy::round_robin : fc::Policy::greedy,
                                         static_cast<std::uint32_t>(be->kv_channels()),
                                         cap > 0 ? static_cast<std::uint64_t>(cap) : 0,
                                         static_cast<std::uint64_t>(m.hidden), static_cast<std::uint64_t>(m.heads),
                                         static_cast<std::uint64_t>(m.layers), static_cast<std::uint64_t>(tp), 1);
  }
  const fc::SystemProgram p = fc::compile(in);
  fc::write_program(out, p);

  // Summary: per segment, the channels with work and the slowest one.
  struct Seg {
    int channels = 0;
    std::uint64_t max_cycles = 0, commands = 0;
  };
  std::vector<Seg> segs(p.segments.size());
  for (const fc::ChannelFile& f : p.files) {
    Seg& x = segs[static_cast<std::size_t>(f.segment)];
    ++x.channels;
    x.max_cycles = std::max(x.max_cycles, f.cycles);
    x.commands += f.commands;
  }
  std::size_t kernels = 0;
  for (const fc::HostEntry& e : p.host) kernels += e.kind == fc::EntryKind::kernel;
  if (json_out.requested()) {
    nlohmann::ordered_json j;
    j["command"] = "compile";
    j["config"] = {{"model", p.header.model},     {"system", p.header.system}, {"batch", p.header.batch},
                   {"context", p.header.context}, {"tp", p.header.tp},         {"family", p.header.family},
                   {"variant", p.header.variant}, {"preset", p.header.preset}, {"channels", p.header.channels},
                   {"artifact_compatible", p.header.artifact_compatible},      {"chunk", std::max<std::int64_t>(1, p.header.chunk)},
                   {"out", out}};
    j["host_kernels"] = kernels;
    j["pim_launches"] = p.host.size() - kernels;
    j["npu_stages"] = p.npu.size();
    j["npu_ops"] = npu_ops(p);
    j["channel_files"] = p.files.size();
    nlohmann::ordered_json sj = nlohmann::ordered_json::array();
    for (std::size_t i = 0; i < p.segments.size(); ++i)
      sj.push_back({{"id", p.segments[i].id},
                    {"name", p.segments[i].name},
                    {"sub_batch", p.segments[i].sub_batch},
                    {"repeat", p.segments[i].repeat},
                    {"requests", p.segments[i].requests},
                    {"channels", segs[i].channels},
                    {"commands", segs[i].commands},
                    {"max_cycles", segs[i].max_cycles}});
    j["segments"] = sj;
    json_out.write(j, 2);
  }
  if (json_out.table()) {
    std::printf("pimlab compile: %s on %s, batch %lld, context %lld, tp %d -> %s\n", p.header.model.c_str(),
                p.header.system.c_str(), static_cast<long long>(p.header.batch),
                static_cast<long long>(p.header.context), tp, out.c_str());
    std::printf("  %s, channel files %zu (family %s)\n", host_summary(p).c_str(), p.files.size(),
                p.header.family.c_str());
    for (std::size_t i = 0; i < p.segments.size(); ++i)
      std::printf("  segment %-3d %-18s sub-batch %d  repeat %-4lld channels %-4d max cycles %llu\n",
                  p.segments[i].id, p.segments[i].name.c_str(), p.segments[i].sub_batch,
                  static_cast<long long>(p.segments[i].repeat), segs[i].channels,
                  static_cast<unsigned long long>(segs[i].max_cycles));
  }
  return 0;
}

}  // namespace

PIMLAB_COMMAND("compile", "compile one decode iteration into per-device programs (host kernels, PIM streams)", run);
