// `pimlab platform FILE`: builds the SystemC platform a platform document
// describes (docs/platform.md: host, router, HBM channels, CIM tiles), checks
// every key, optionally runs GEMMs on its host with every operand moved over
// TLM through the router to the channels, and prints what was built and the
// results; --json gives the {meta, config, stats} document (config = the
// effective configuration, every parameter with its value) with the GEMM runs.
//
// SystemC is elaborated in this process directly (no sc_main: cmd_cosim.cpp
// owns it); one platform per invocation.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <regex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <systemc>

#include "cli.h"
#include "firmware/compiler/program.h"
#include "gpu/roofline.h"
#include "npu/gemm.h"
#include "tlm/common/config.h"
#include "tlm/common/interrupt.h"
#include "tlm/common/stats.h"
#include "tlm/platform/platform.h"
#include "tlm/platform/stage_driver.h"

namespace {

using pimlab::cli::Args;
using pimlab::cli::UsageError;
namespace tp = pimlab::tlm_platform;

const char* kUsage =
    "FILE [--gemm MxKxN [--bias] [--place X,W,BIAS,Y]] [--layer MODEL [--batch B] [--tp T]]\n"
    "       [--program DIR [--first-instances] [--offer-stream]] [--effective FILE] [--json [FILE|-]]";
const char* kSummary =
    "Builds the platform of a platform document (keys = SystemC hierarchical names: top.host, top.channels,\n"
    "top.interleave_bytes, top.npu.*, top.gpu.*, top.ch<i>.*, top.channel.*, top.pim_device.*, top.noc.*,\n"
    "top.cim.*; docs/platform.md; ready-made files in configs/platforms/). Every key is checked: a malformed\n"
    "file, an unknown key, a bad value, overlapping address ranges or an unknown host preset is one error\n"
    "line, exit status 2.\n"
    "--gemm runs one GEMM on the host, --layer the GEMMs of one decoder layer of MODEL (shapes from its\n"
    "operator graph); operands placed from top.memory_base (W, X, bias, Y of each GEMM in turn) and moved\n"
    "through the router to the channels. --program runs one compiled decode iteration (`pimlab compile\n"
    "--out DIR`) stage by stage: an NPU system's (the NPU's program by stage, every channel's PIM programs;\n"
    "configs/platforms/{neupims,npu-pim,npu-only}-32ch.json) or a GPU system's (its kernels and PIM\n"
    "launches; pimba-40ch.json, attacc-a100.json for attacc), the host's traffic and the PIM commands\n"
    "sharing the channels' controllers (docs/platform.md). --json: {meta, config,\n"
    "stats, gemms} or {meta, config, stats, iteration}.";

pimlab::npu::GemmShape parse_gemm(const std::string& text, bool bias) {
  static const std::regex re("([0-9]{1,9})x([0-9]{1,9})x([0-9]{1,9})");
  std::smatch m;
  if (!std::regex_match(text, m, re))
    throw UsageError("--gemm '" + text + "' is not MxKxN (three positive integers, e.g. 256x4096x3072)");
  const pimlab::npu::GemmShape s{std::stoll(m[1]), std::stoll(m[2]), std::stoll(m[3]), bias};
  if (s.m <= 0 || s.k <= 0 || s.n <= 0) throw UsageError("--gemm '" + text + "': every dimension must be > 0");
  return s;
}

pimlab::tlm_npu::TensorPlacement parse_place(const std::string& text) {
  static const std::regex re("(0x[0-9a-fA-F]{1,16}|[0-9]{1,19}),(0x[0-9a-fA-F]{1,16}|[0-9]{1,19}),"
                             "(0x[0-9a-fA-F]{1,16}|[0-9]{1,19}),(0x[0-9a-fA-F]{1,16}|[0-9]{1,19})");
  std::smatch m;
  if (!std::regex_match(text, m, re))
    throw UsageError("--place '" + text + "' is not X,W,BIAS,Y (four addresses, decimal or 0x hex)");
  auto u = [&](int i) { return static_cast<std::uint64_t>(std::stoull(m[i].str(), nullptr, 0)); };
  return pimlab::tlm_npu::TensorPlacement{u(1), u(2), u(3), u(4)};
}

// Where the GEMMs' tensors go: back to back from top.memory_base, or the
// first at --place; every byte within the memory the platform maps.
std::vector<pimlab::tlm_npu::TensorPlacement> place_all(const Args& a, tp::Platform& top,
                                                        const std::vector<tp::LayerGemm>& gemms, int element_bytes) {
  std::vector<pimlab::tlm_npu::TensorPlacement> places;
  std::uint64_t at = top.memory_base();
  for (const auto& g : gemms) places.push_back(tp::place_gemm(g.shape, element_bytes, at));
  if (a.has("place")) places[0] = parse_place(a.str("place", ""));
  if (at - top.memory_base() > top.memory_bytes())
    throw UsageError("the GEMMs' operands need " + std::to_string(at - top.memory_base()) +
                     " bytes; the platform maps " + std::to_string(top.memory_bytes()) + " (top.memory_bytes)");
  return places;
}

// Runs the simulation; returns its wall time. `failure`: what the host's
// program caught (empty: none), set by the time the simulation ends.
double simulate(const Args& a, const std::string& failure) {
  const auto t0 = std::chrono::steady_clock::now();
  sc_core::sc_start();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!failure.empty()) {
    // Tensors placed by --place outside the map: the user's input.
    if (a.has("place") && failure.find("TLM_ADDRESS_ERROR_RESPONSE") != std::string::npos)
      throw UsageError("--place: " + failure);
    throw std::runtime_error(failure);
  }
  return wall;
}

// The router, channel and CIM lines of the table (either host).
void print_memory_side(tp::Platform& top) {
  const auto& ranges = top.noc().address_map().ranges();
  std::printf("  router    %s: 1 input, %zu outputs, %zu address ranges (%s)\n", top.noc().name(),
              top.channel_count() + static_cast<std::size_t>(top.cim() ? top.cim()->count() : 0u), ranges.size(),
              top.explicit_map() ? "explicit top.noc.address_map"
              : top.p_interleave_bytes.get()
                  ? ("generated, " + std::to_string(top.p_interleave_bytes.get()) + " B interleave").c_str()
                  : "generated, one range per channel");
  std::printf("  channels  %u x %s, %llu B each; memory [0x%llx, 0x%llx)\n", top.channel_count(),
              pimlab::tlm_common::Config::instance().effective().at("top.ch0.preset").get<std::string>().c_str(),
              static_cast<unsigned long long>(top.channel(0).capacity_bytes()),
              static_cast<unsigned long long>(top.memory_base()),
              static_cast<unsigned long long>(top.memory_base() + top.memory_bytes()));
  if (top.cim())
    std::printf("  cim       %u tiles from 0x%llx\n", top.cim()->count(), static_cast<unsigned long long>(top.cim()->tile_base(0)));
}

// The platform's host is the GPU: each GEMM is an FC kernel of the roofline
// GPU (A = X, B = W, C = Y; no bias row), its HBM traffic through the router.
int run_gpu(const Args& a, const pimlab::cli::JsonOutput& json_out, const std::string& file, tp::Platform& top,
            const std::vector<tp::LayerGemm>& gemms) {
  if (a.has("bias")) throw UsageError("--bias: the GPU host's FC kernels have no bias row (drop --bias)");
  constexpr int kElementBytes = 2;  // FP16 operands
  const std::vector<pimlab::tlm_npu::TensorPlacement> places = place_all(a, top, gemms, kElementBytes);
  std::vector<pimlab::tlm_gpu::KernelRun> runs;
  std::string failure;
  top.gpu().program = [&](pimlab::tlm_gpu::Gpu& g) {
    try {
      for (std::size_t i = 0; i < gemms.size(); ++i) {
        pimlab::gpu::Operator op;
        op.cls = pimlab::gpu::OpClass::FC;
        op.name = gemms[i].name;
        op.m = gemms[i].shape.m;
        op.n = gemms[i].shape.n;
        op.k = gemms[i].shape.k;
        op.dbyte = kElementBytes;
        runs.push_back(g.kernel(op, {places[i].x, places[i].w, places[i].y}));
      }
    } catch (const std::exception& e) {
      failure = e.what();
    }
  };
  const double wall = simulate(a, failure);
  nlohmann::json doc = pimlab::tlm_common::build_stats_document(pimlab::tlm_common::StatsMeta{});
  nlohmann::json jruns = nlohmann::json::array();
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const auto& r = runs[i];
    const auto& s = gemms[i].shape;
    jruns.push_back({{"name", gemms[i].name}, {"m", s.m}, {"k", s.k}, {"n", s.n}, {"a", places[i].x},
                     {"b", places[i].w}, {"c", places[i].y}, {"start_s", r.start_s}, {"end_s", r.end_s},
                     {"time_us", (r.end_s - r.start_s) * 1e6}, {"roofline_us", r.roofline.time_s * 1e6},
                     {"compute_us", r.roofline.compute_s * 1e6}, {"memory_us", (r.memory_end_s - r.start_s) * 1e6},
                     {"tiles", pimlab::gpu::tiles_string(*r.roofline.tiles)}, {"bytes_read", r.bytes_read},
                     {"bytes_written", r.bytes_written}});
  }
  doc["gemms"] = jruns;
  json_out.write(doc, 2);
  if (json_out.table()) {
    const pimlab::gpu::Host& h = top.gpu().host();
    std::printf("platform %s\n", file.c_str());
    std::printf("  host      %s: %s GPU (roofline), HBM requests of up to %llu B\n", top.gpu().name(), h.name.c_str(),
                static_cast<unsigned long long>(pimlab::tlm_common::Config::instance()
                                                    .effective()
                                                    .at(std::string(top.name()) + ".gpu.dma.request_bytes")
                                                    .get<std::uint64_t>()));
    print_memory_side(top);
    if (!runs.empty()) {
      std::printf("%-8s %-20s %11s %11s %11s %12s %12s\n", "kernel", "m x k x n", "time us", "roofline us",
                  "memory us", "read B", "written B");
      double total = 0;
      for (std::size_t i = 0; i < runs.size(); ++i) {
        const auto& r = runs[i];
        const auto& s = gemms[i].shape;
        total += r.end_s - r.start_s;
        const std::string dims = std::to_string(s.m) + " x " + std::to_string(s.k) + " x " + std::to_string(s.n);
        std::printf("%-8s %-20s %11.3f %11.3f %11.3f %12llu %12llu\n", gemms[i].name.c_str(), dims.c_str(),
                    (r.end_s - r.start_s) * 1e6, r.roofline.time_s * 1e6, (r.memory_end_s - r.start_s) * 1e6,
                    static_cast<unsigned long long>(r.bytes_read), static_cast<unsigned long long>(r.bytes_written));
      }
      std::printf("total    %-20s %11.3f us simulated, %.3f s wall\n", "", total * 1e6, wall);
    }
  }
  return 0;
}

// --program DIR: the compiled iteration, stage instance by stage instance.
int run_program(const Args& a, const pimlab::cli::JsonOutput& json_out, const std::string& file, tp::Platform& top) {
  namespace fc = pimlab::firmware::compiler;
  const std::string dir = a.str("program", "");
  fc::SystemProgram prog;
  try {
    prog = fc::read_program(dir);
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("--program: ") + e.what());
  }
  tp::DriverOptions o;
  o.first_instances_only = a.has("first-instances");
  o.offer_whole_stream = a.has("offer-stream");
  std::unique_ptr<tp::StageDriver> drv;
  try {
    drv = std::make_unique<tp::StageDriver>(top, prog, o);
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
  // Ctrl-C (or a scheduler's SIGTERM) ends the run before the next stage
  // instance; the finished ones are written, exit status 130.
  pimlab::tlm_common::install_sigint_handler();
  const double wall = simulate(a, drv->failure());
  const tp::DriverReport& rep = drv->report();
  // Per stage (an NPU's) or entry (a GPU's kernels and PIM launches): its
  // instances' mean and the sum over the iteration.
  struct Sum {
    std::string name;
    std::int64_t repeat = 1, runs = 0;
    double npu = 0, pim = 0, time = 0, bytes = 0, dram_j = 0, pim_j = 0;
  };
  const bool gpu = !prog.npu_host;
  const char* host_s = gpu ? "host_s" : "npu_s";
  const char* host_bytes = gpu ? "host_bytes" : "npu_bytes";
  std::vector<Sum> sums;
  if (gpu)
    for (const fc::HostEntry& e : prog.host) sums.push_back({e.name, e.repeat});
  else
    for (const fc::NpuStage& st : prog.npu) sums.push_back({st.name, st.repeat});
  nlohmann::json runs = nlohmann::json::array();
  for (const tp::StageInstanceRun& r : rep.runs) {
    Sum& s = sums[r.stage];
    ++s.runs;
    s.npu += r.npu_s;
    s.pim += r.pim_s;
    s.time += r.time_s;
    s.bytes += static_cast<double>(r.npu_bytes);
    s.dram_j += r.dram_pj * 1e-12;
    s.pim_j += r.pim_pj * 1e-12;
    runs.push_back({{"stage", r.name}, {"instance", r.instance}, {"start_s", r.start_s}, {host_s, r.npu_s},
                    {"pim_s", r.pim_s}, {"time_s", r.time_s}, {host_bytes, r.npu_bytes},
                    {"pim_programs", r.pim_programs}});
    if (gpu)
      runs.back()["category"] = r.category;
    else {  // the Newton channels' energy over the instance (one device)
      runs.back()["dram_energy_j"] = r.dram_pj * 1e-12;
      runs.back()["pim_energy_j"] = r.pim_pj * 1e-12;
    }
  }
  nlohmann::json stages = nlohmann::json::array();
  double dram_j = 0, pim_j = 0;  // the iteration's (instances not run counted as the first)
  for (const Sum& s : sums) {
    const double n = static_cast<double>(std::max<std::int64_t>(1, s.runs));
    stages.push_back({{"stage", s.name}, {"repeat", s.repeat}, {"instances_run", s.runs}, {host_s, s.npu / n},
                      {"pim_s", s.pim / n}, {"time_s", s.time / n}, {host_bytes, s.bytes / n}});
    if (gpu) continue;
    stages.back()["dram_energy_j"] = s.dram_j / n;
    stages.back()["pim_energy_j"] = s.pim_j / n;
    const double k = o.first_instances_only ? static_cast<double>(std::max<std::int64_t>(1, s.repeat)) / n : 1.0;
    dram_j += s.dram_j * k;
    pim_j += s.pim_j * k;
  }
  nlohmann::json doc = pimlab::tlm_common::build_stats_document(pimlab::tlm_common::StatsMeta{});
  doc["iteration"] = {{"program", dir},
                      {"system", prog.header.system},
                      {"model", prog.header.model},
                      {"batch", prog.header.batch},
                      {"first_instances_only", o.first_instances_only},
                      {"offer_whole_stream", o.offer_whole_stream},
                      {"late_posts", rep.late_posts},
                      {"late_s", rep.late_s},
                      {"bursts_waited", rep.bursts_waited},
                      {"interrupted", rep.interrupted},
                      {"iteration_time_s", rep.iteration_s},
                      {gpu ? "host_requests" : "npu_requests", rep.npu_requests},
                      {"stages", stages},
                      {"runs", runs}};
  if (!gpu) {
    doc["iteration"]["dram_energy_j"] = dram_j;
    doc["iteration"]["pim_energy_j"] = pim_j;
  }
  json_out.write(doc, 2);
  if (json_out.table()) {
    std::printf("platform %s, program %s (%s, %s, batch %lld)\n", file.c_str(), dir.c_str(), prog.header.system.c_str(),
                prog.header.model.c_str(), static_cast<long long>(prog.header.batch));
    const int w = gpu ? 20 : 6;
    std::printf("%-*s %6s %9s %12s %12s %12s %14s\n", w, gpu ? "entry" : "stage", "repeat", "instances",
                gpu ? "host us" : "npu us", "pim us", "time us", gpu ? "host bytes" : "npu bytes");
    for (const Sum& s : sums) {
      const double n = static_cast<double>(std::max<std::int64_t>(1, s.runs));
      std::printf("%-*s %6lld %9lld %12.3f %12.3f %12.3f %14.0f\n", w, s.name.c_str(), static_cast<long long>(s.repeat),
                  static_cast<long long>(s.runs), s.npu / n * 1e6, s.pim / n * 1e6, s.time / n * 1e6, s.bytes / n);
    }
    std::printf("iteration %.3f us simulated%s, %llu %s transactions, %.3f s wall%s\n", rep.iteration_s * 1e6,
                o.first_instances_only ? " (first instances x repeat)" : "",
                static_cast<unsigned long long>(rep.npu_requests), gpu ? "host" : "NPU", wall,
                rep.interrupted ? " -- INTERRUPTED: the stage instances finished so far" : "");
    if (!gpu)
      std::printf("channels' energy (one device, every channel to each stage's end): DRAM %.3f uJ, PIM %.3f uJ\n",
                  dram_j * 1e6, pim_j * 1e6);
  }
  return rep.interrupted ? 130 : 0;
}

int run(int argc, char** argv) {
  Args a("platform",
         {{"gemm", "MxKxN", "run one GEMM (m tokens, k inputs, n outputs) on the host", ""},
          {"bias", "", "with --gemm: the GEMM adds a bias row", ""},
          {"place", "X,W,BIAS,Y", "with --gemm: router addresses of the tensors (decimal or 0x hex)",
           "W, X, bias, Y back to back from top.memory_base"},
          {"layer", "MODEL", "run the GEMMs of one decoder layer of MODEL (preset or config file)", ""},
          {"batch", "B", "with --layer: decode batch (tokens per GEMM)", "256"},
          {"tp", "T", "with --layer: tensor-parallel degree (the shard one host holds)", "4"},
          {"program", "DIR", "run the compiled iteration in DIR (pimlab compile --out DIR) stage by stage", ""},
          {"first-instances", "", "with --program: each stage once (its figures counted repeat times)", ""},
          {"offer-stream", "", "with --program: each stage's whole NPU stream offered at its start (the NeuPIMs back-end's assumption)", ""},
          {"set", "KEY=VALUE[,...]", "override keys of FILE (VALUE as JSON when it parses, else a string), e.g. top.pim_device.channel.placement=bg", ""},
          {"effective", "FILE", "write the effective configuration (every key with its value; loads again as a platform file)", ""},
          pimlab::cli::json_option()},
         1, "FILE");
  a.parse(argc, argv, 2);
  if (a.help_requested()) {
    std::cout << a.help_text(kUsage, kSummary);
    return 0;
  }
  const pimlab::cli::JsonOutput json_out(a);
  if (a.positional().empty()) throw UsageError("a platform FILE is required (e.g. configs/platforms/neupims-npu-32ch.json)");
  for (const char* o : {"bias", "place"})
    if (a.has(o) && !a.has("gemm")) throw UsageError(std::string("--") + o + " applies to --gemm");
  for (const char* o : {"batch", "tp"})
    if (a.has(o) && !a.has("layer")) throw UsageError(std::string("--") + o + " applies to --layer");
  for (const char* o : {"first-instances", "offer-stream"})
    if (a.has(o) && !a.has("program")) throw UsageError(std::string("--") + o + " applies to --program");
  if (a.has("program") && (a.has("gemm") || a.has("layer")))
    throw UsageError("--program runs a compiled iteration; it does not combine with --gemm or --layer");
  std::vector<tp::LayerGemm> gemms;
  if (a.has("gemm")) gemms.push_back({"gemm", parse_gemm(a.str("gemm", ""), a.has("bias"))});
  if (a.has("layer")) {
    const std::int64_t batch = a.integer("batch", 256, 1, 1 << 20), t = a.integer("tp", 4, 1, 1024);
    for (const auto& g : tp::decoder_layer_gemms(a.str("layer", ""), batch, t)) gemms.push_back(g);
  }

  setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);
  const std::string file = a.positional()[0];
  auto top = tp::build_from_file(file, tp::parse_overrides(a.list("set", {})));
  if (a.has("effective")) {
    const std::string out = a.str("effective", "");
    std::ofstream os(out);
    os << pimlab::tlm_common::Config::instance().effective().dump(2) << "\n";
    if (!os) throw std::runtime_error("--effective '" + out + "': cannot be written");
  }
  if (a.has("program")) return run_program(a, json_out, file, *top);
  if (top->gpu_host()) return run_gpu(a, json_out, file, *top, gemms);
  const pimlab::npu::NpuConfig& cfg = top->npu().config();
  const std::vector<pimlab::tlm_npu::TensorPlacement> places = place_all(a, *top, gemms, cfg.element_bytes);
  std::vector<pimlab::tlm_npu::GemmRun> runs;
  std::string failure;
  top->npu().program = [&](pimlab::tlm_npu::Npu& n) {
    try {
      for (std::size_t i = 0; i < gemms.size(); ++i) runs.push_back(n.gemm(gemms[i].shape, places[i]));
    } catch (const std::exception& e) {
      failure = e.what();
    }
  };
  const double wall = simulate(a, failure);

  const double us = cfg.cycle_s() * 1e6;
  nlohmann::json doc = pimlab::tlm_common::build_stats_document(pimlab::tlm_common::StatsMeta{});
  nlohmann::json jruns = nlohmann::json::array();
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const auto& r = runs[i];
    const auto& s = gemms[i].shape;
    jruns.push_back({{"name", gemms[i].name}, {"m", s.m}, {"k", s.k}, {"n", s.n}, {"bias", s.bias},
                     {"w", places[i].w}, {"x", places[i].x}, {"y", places[i].y},
                     {"start_cycle", r.timing.start}, {"end_cycle", r.timing.end},
                     {"compute_only_end_cycle", r.compute_only_end}, {"stall_cycles", r.stall_cycles},
                     {"time_us", static_cast<double>(r.timing.end - r.timing.start) * us},
                     {"bytes_read", r.timing.read_bytes}, {"bytes_written", r.timing.write_bytes}});
  }
  doc["gemms"] = jruns;
  json_out.write(doc, 2);
  if (json_out.table()) {
    std::printf("platform %s\n", file.c_str());
    std::printf("  host      %s: %s NPU, %d x %dx%d arrays at %lld MHz, DMA requests of %d B\n",
                top->npu().name(), cfg.name.c_str(), cfg.systolic.count, cfg.systolic.rows, cfg.systolic.cols,
                static_cast<long long>(cfg.clock_mhz), cfg.dma.request_bytes);
    print_memory_side(*top);
    if (!runs.empty()) {
      std::printf("%-8s %-20s %11s %11s %11s %12s %12s\n", "gemm", "m x k x n", "time us", "compute us", "stall us",
                  "read B", "written B");
      std::int64_t total = 0;
      for (std::size_t i = 0; i < runs.size(); ++i) {
        const auto& r = runs[i];
        const auto& s = gemms[i].shape;
        total += r.timing.end - r.timing.start;
        const std::string dims = std::to_string(s.m) + " x " + std::to_string(s.k) + " x " + std::to_string(s.n);
        std::printf("%-8s %-20s %11.3f %11.3f %11.3f %12lld %12lld\n", gemms[i].name.c_str(), dims.c_str(),
                    static_cast<double>(r.timing.end - r.timing.start) * us,
                    static_cast<double>(r.compute_only_end - r.timing.start) * us,
                    static_cast<double>(r.stall_cycles) * us, static_cast<long long>(r.timing.read_bytes),
                    static_cast<long long>(r.timing.write_bytes));
      }
      std::printf("total    %-20s %11.3f us simulated, %.3f s wall\n", "", static_cast<double>(total) * us, wall);
    }
  }
  return 0;
}

}  // namespace

PIMLAB_COMMAND("platform", "build a SystemC platform from a platform document; run GEMMs or a compiled iteration on it", run);
