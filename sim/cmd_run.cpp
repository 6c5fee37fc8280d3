// `pimlab run`: serves a model to a request mix on one or more systems and
// reports tokens/s, tokens/J, latency percentiles and where the time and
// energy went (docs/serving.md). Without arguments it runs a small built-in
// comparison.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdlib>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <systemc>

#include "cli.h"
#include "compile_input.h"
#include "cosim_process.h"
#include "golden/accuracy.h"
#include "gpu/host.h"
#include "model/graph.h"
#include "model/model.h"
#include "model/system.h"
#include "serving/factory.h"
#include "serving/gpu_backend.h"
#include "serving/loop.h"
#include "serving/neupims_backend.h"
#include "pim/attacc.h"
#include "dram/spec.h"
#include "serving/platform.h"
#include "serving/timeline.h"
#include "sweep/grid.h"
#include "firmware/compiler/placement.h"
#include "firmware/compiler/program.h"
#include "tlm/common/interrupt.h"
#include "tlm/platform/platform.h"
#include "tlm/platform/serving_backend.h"
#include "tlm/platform/stage_driver.h"
#include "workload/lengths.h"
#include "workload/request.h"
#include "workload/snapshot.h"
#include "workload/trace.h"

namespace pimlab::sim {
}

namespace {

using pimlab::cli::Args;
using pimlab::cli::UsageError;
namespace model = pimlab::model;
namespace serving = pimlab::serving;
namespace workload = pimlab::workload;
namespace gpu = pimlab::gpu;
namespace golden = pimlab::golden;
using Json = nlohmann::ordered_json;

// First SIGINT (or SIGTERM: a job scheduler's cancel, `timeout`): finish the
// current iteration, write the partial statistics, exit 130. Second: exit 130
// at once (files are written under a temporary name and renamed, so none is
// left half-written).
std::atomic<bool> g_stop{false};
void run_sigint(int) {
  if (g_stop.exchange(true)) std::_Exit(130);
  pimlab::tlm_common::request_interrupt();  // --platform: the platform stops before its next stage instance
}

const char* kUsage = "[--system S[,S...]] [--model NAME|config.json[,...]] [--batch B] [options]";
const char* kSummary =
    "Serves a model to a request mix on one or more systems and reports tokens/s, tokens/J, time to\n"
    "first token and time per output token (p50, p99) and the time and energy of each category\n"
    "(gemm, gemv, state_update, causal_conv1d, discretization, comm, others). Every iteration runs on\n"
    "the system's models: the GPU roofline host and the PIM kernels at command level on every channel.\n"
    "Without arguments: Mamba-2-2.7B and OPT-7B at batch 64 on gpu, gpu+pim and pimba (one A100), and\n"
    "GPT-3 7B on npu+pim and neupims (4 NPU devices, TP 4), 1024 prompt tokens, 128 output tokens.\n"
    "Bad input exits with status 2; an interrupted run writes its partial statistics and exits with 130.";

struct Case {
  model::ModelConfig model;
  model::SystemSpec system;
  std::int64_t batch = 0;
  int gpus = 1;  // tensor-parallel degree (GPUs or NPU devices)
};

struct Outcome {
  Case c;
  serving::RunResult r;
  std::map<std::string, std::string> hw;
  double wall_s = 0;
  std::uint64_t pim_simulated = 0, pim_reused = 0;
  std::uint64_t cim_simulated = 0;  // distinct CIM softmax rows / FFN blocks run on the CIM core
  std::vector<serving::Timeline::Op> first_step;  // --plot: the operators of the first decode step (GPU hosts)
  std::vector<std::vector<std::int64_t>> decode_contexts;  // --functional: each decode iteration's KV lengths
  std::optional<serving::AttaccPimOptions> attacc;          // --functional: the attacc system's PIM
  std::map<int, std::int64_t> sub_batches_chosen;          // --sub-batches auto: count -> decode iterations
};

// Wraps a back-end that can lay an iteration out (the GPU-host and the NPU
// systems): the chosen decode iterations are recorded and written as VCD
// files (serving/timeline.h).
class TracingBackend : public serving::Backend {
 public:
  // dir empty: no VCD files; keep_first: the first decode step's operators are kept (first_step).
  template <class B>
  TracingBackend(B& inner, std::string dir, std::string stem, std::vector<std::int64_t> its, bool keep_first)
      : m_in(inner),
        m_record([&inner](serving::Timeline* t) { inner.record(t); }),
        m_dir(std::move(dir)),
        m_stem(std::move(stem)),
        m_its(std::move(its)),
        m_keep(keep_first) {}
  serving::IterationCost decode(const std::vector<serving::DecodeRequest>& b) override {
    ++m_n;
    if (record_contexts) {
      decode_contexts.emplace_back();
      for (const serving::DecodeRequest& r : b) decode_contexts.back().push_back(r.context);
    }
    const bool on = !m_dir.empty() && std::find(m_its.begin(), m_its.end(), m_n) != m_its.end();
    const bool keep = m_keep && m_n == 1;
    serving::Timeline t;
    m_record(on || keep ? &t : nullptr);
    serving::IterationCost c = m_in.decode(b);
    m_record(nullptr);
    if (keep) first_step = t.distinct;
    if (on) {
      const std::string path = m_dir + "/" + m_stem + "_it" + std::to_string(m_n) + ".vcd";
      const std::string tmp = path + ".part";  // renamed when complete: a waveform is never half-written
      std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
      if (!f) throw std::runtime_error("--trace: cannot write '" + path + "'");
      serving::write_vcd(f, t, m_stem + " decode iteration " + std::to_string(m_n));
      f.close();
      if (!f || std::rename(tmp.c_str(), path.c_str()) != 0) throw std::runtime_error("--trace: write to '" + path + "' failed");
      written.push_back(path);
    }
    return c;
  }
  serving::IterationCost prefill(const std::vector<serving::PrefillChunk>& c) override { return m_in.prefill(c); }
  int kv_channels() const override { return m_in.kv_channels(); }
  double kv_capacity_bytes() const override { return m_in.kv_capacity_bytes(); }
  std::map<std::string, std::string> describe() const override { return m_in.describe(); }
  std::vector<std::string> written;
  std::vector<serving::Timeline::Op> first_step;
  bool record_contexts = false;
  std::vector<std::vector<std::int64_t>> decode_contexts;

 private:
  serving::Backend& m_in;
  std::function<void(serving::Timeline*)> m_record;
  std::string m_dir, m_stem;
  std::vector<std::int64_t> m_its;
  bool m_keep;
  std::int64_t m_n = 0;
};

// --functional: every PIM kernel of every decode iteration of a run as a
// co-simulation job (docs/serving.md, "Functional runs"): per iteration, PIM
// layer, request and head, a state-update step or a decode attention at the
// request's KV length, on seeded synthetic data, checked against golden.
std::uint32_t job_seed(std::uint64_t seed, std::uint64_t it, std::uint64_t layer, std::uint64_t r, std::uint64_t h) {
  std::uint64_t x = seed;
  for (std::uint64_t v : {it, layer, r, h}) {
    x += 0x9e3779b97f4a7c15ull + v;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    x ^= x >> 31;
  }
  return static_cast<std::uint32_t>(x);
}

std::vector<pimlab::tlm_pim_rtl::CosimJob> functional_jobs(const model::ModelConfig& m, const model::SystemSpec& s,
                                                           int gpus, const std::vector<std::vector<std::int64_t>>& its,
                                                           std::uint64_t seed) {
  using pimlab::tlm_pim_rtl::CosimJob;
  constexpr std::size_t kMaxJobs = 200000;
  std::vector<CosimJob> jobs;
  const std::string who = m.name + " on " + s.name;
  for (std::size_t it = 0; it < its.size(); ++it) {
    const std::vector<std::int64_t>& ctx = its[it];
    const auto B = static_cast<std::int64_t>(ctx.size());
    if (B == 0) continue;
    std::int64_t sum = 0;
    for (std::int64_t L : ctx) sum += L;
    model::GraphOptions go = model::graph_options(s, B, (sum + B - 1) / B, gpus, false);
    go.artifact_steps = 1;
    for (const model::Operator& op : model::decode_graph(m, go)) {
      if (model::map_operator(s, op) != model::Device::pim) continue;
      if (op.name == "attention_kv") continue;  // the attention job runs SCORE, softmax and ATTEND
      const std::int64_t layers = op.repeat / std::max<std::int64_t>(1, op.steps);
      std::string recipe;
      std::int64_t heads = 0;
      if (op.cls == model::OpClass::su) {
        heads = op.m * op.num_op / B;
        for (const golden::StudyModel& g : golden::study_models())
          if (g.kind == golden::StudyKind::state_update && g.rows == op.n && g.cols == op.k &&
              (std::string(g.name) == "mamba2-2.7b" || std::string(g.name) == "retnet-2.7b"))
            recipe = g.name;  // the co-simulation draws these two models' inputs
        if (recipe.empty())
          throw UsageError("--functional: " + who + ": state update of " + std::to_string(op.n) + " x " +
                           std::to_string(op.k) + " per head has no functional recipe (allowed: 128 x 64 as "
                           "Mamba-2, 256 x 512 as RetNet)");
      } else if (op.name == "attention_qk") {
        heads = op.num_op / B * op.m;
        if (op.k != 128)
          throw UsageError("--functional: " + who + ": attention with d_head " + std::to_string(op.k) +
                           " has no functional recipe (allowed: d_head 128)");
        recipe = "opt-7b";
      } else {
        throw UsageError("--functional: " + who + ": PIM operator '" + op.name + "' has no functional model");
      }
      for (std::int64_t l = 0; l < layers; ++l)
        for (std::int64_t r = 0; r < B; ++r)
          for (std::int64_t h = 0; h < heads; ++h) {
            if (jobs.size() >= kMaxJobs)
              throw UsageError("--functional: " + who + " has more than " + std::to_string(kMaxJobs) +
                               " PIM kernels to check; use a model with fewer layers (a config file), a smaller "
                               "batch or --iterations");
            CosimJob j;
            j.kernel = op.cls == model::OpClass::su ? "su" : "attention";
            j.model = recipe;
            j.steps = 1;
            j.len = static_cast<int>(ctx[static_cast<std::size_t>(r)]);
            j.seed = job_seed(seed, it, static_cast<std::uint64_t>(l), static_cast<std::uint64_t>(r),
                              static_cast<std::uint64_t>(h));
            j.label = who + ", iteration " + std::to_string(it + 1) + ", layer " + std::to_string(l + 1) +
                      ", request " + std::to_string(r + 1) + ", head " + std::to_string(h + 1) + " (" + op.name + ")";
            jobs.push_back(std::move(j));
          }
    }
  }
  return jobs;
}

// --functional on the attention units of npu+pim, neupims and attacc (every
// request's attention, through the channel of its family): refuses a run whose attention (2 L x heads x d_head MACs per
// request, layer and iteration) exceeds `limit` MACs.
void check_attention_macs(const std::vector<Outcome>& outcomes, bool attention_layers, double limit) {
  double macs = 0;
  for (const Outcome& o : outcomes)
    for (const auto& ctx : o.decode_contexts)
      for (std::int64_t L : ctx)
        macs += 2.0 * static_cast<double>(L) * static_cast<double>(o.c.model.heads * o.c.model.head_dim) *
                static_cast<double>(attention_layers ? o.c.model.attn_layers : o.c.model.layers);
  if (macs > limit) {
    char buf[160];
    std::snprintf(buf, sizeof buf, "--functional: %.1f G MACs of attention to check (at most %.0f G); ", macs / 1e9,
                  limit / 1e9);
    throw UsageError(std::string(buf) + "use a model with fewer layers (a config file), a smaller batch or --iterations");
  }
}

// --plot DIR: the runs as the merged CSV of a sweep (one point per model,
// batch and system), then `pimlab plot --defaults` on it, so a run's report
// draws the same figures as a study.
void write_plots(const std::string& dir, const std::vector<Outcome>& outcomes, const Json& doc);

// --sub-batches N|auto (mode overlap): 1..64, or auto (serving::kSubBatchesAuto:
// each decode iteration keeps the fastest of the candidate counts).
int sub_batches_option(const Args& a) {
  const auto v = a.opt("sub-batches");
  if (!v) return 2;
  if (*v == "auto") return serving::kSubBatchesAuto;
  char* end = nullptr;
  errno = 0;
  const long long x = std::strtoll(v->c_str(), &end, 10);
  if (v->empty() || *end != '\0' || errno == ERANGE || x < 1 || x > 64)
    throw UsageError("--sub-batches '" + *v + "' is not allowed (allowed: 1..64 or auto)");
  return static_cast<int>(x);
}

// --platform: stats.platform from what the PlatformBackend ran during the
// outcome's run (its decode iterations, and driving its prefill passes, each
// compiled as `pimlab compile` would and executed on the platform).
Json platform_stats(const pimlab::tlm_platform::PlatformBackend& pb, const std::string& file, const Outcome& o,
                    bool first_instances, bool drive, bool all, const std::vector<std::int64_t>& wanted) {
  const auto& done = pb.iterations();
  const bool interrupted = pb.interrupted();
  // Iterations asked for that the run did not have (it ended before them).
  Json missing = Json::array();
  if (!interrupted && !o.r.interrupted)
    for (const std::int64_t w : wanted)
      if (w > o.r.decode_iterations) missing.push_back(w);
  if (!missing.empty())
    std::fprintf(stderr, "pimlab run: --platform-iterations: %s not in the run (it had %lld decode iterations)\n",
                 missing.dump().c_str(), static_cast<long long>(o.r.decode_iterations));
  // An NPU system's energy as the platform counts it, beside the back-end's.
  const bool energy = pb.counts_energy();
  // The back-end's and the platform's time of an iteration, a pass or their
  // sum, and (NPU systems) their energies.
  const auto compare = [energy](Json& e, double backend_s, double platform_s, double backend_j, double platform_j) {
    e["backend_s"] = backend_s;
    e["platform_s"] = platform_s;
    e["difference"] = backend_s > 0 ? platform_s / backend_s - 1 : 0.0;
    if (!energy) return;
    e["backend_energy_j"] = backend_j;
    e["platform_energy_j"] = platform_j;
    e["energy_difference"] = backend_j > 0 ? platform_j / backend_j - 1 : 0.0;
  };
  Json its = Json::array();
  double backend = 0, plat = 0, backend_j = 0, plat_j = 0;
  for (const pimlab::tlm_platform::PlatformIteration& x : done) {  // an iteration the interrupt cut short is left out
    backend += x.backend_s;
    plat += x.platform_s;
    backend_j += x.backend_energy_j;
    plat_j += x.platform_energy_j;
    Json e = {{"iteration", x.iteration}, {"batch", x.batch}};
    compare(e, x.backend_s, x.platform_s, x.backend_energy_j, x.platform_energy_j);
    its.push_back(std::move(e));
  }
  const pimlab::tlm_platform::DriverReport& rep = pb.report();
  Json j;
  j["file"] = file;
  j["first_instances_only"] = first_instances;
  j["drives"] = drive;
  j["iterations"] = its;
  if (drive) {  // the prefill passes, run on the platform too
    Json pre = Json::array();
    for (const pimlab::tlm_platform::PlatformPrefill& x : pb.prefills()) {
      Json e = {{"requests", x.requests}, {"tokens", x.tokens}};
      compare(e, x.backend_s, x.platform_s, x.backend_energy_j, x.platform_energy_j);
      pre.push_back(std::move(e));
    }
    j["prefill"] = pre;
  }
  j["not_in_run"] = missing;
  compare(j, backend, plat, backend_j, plat_j);  // the decode iterations'
  j["npu_transactions"] = rep.npu_requests;
  j["late_posts"] = rep.late_posts;
  j["bursts_waited"] = rep.bursts_waited;
  j["interrupted"] = interrupted;
  // Every decode iteration executed: the run's generation time and throughput on the platform.
  if ((all || drive) && !interrupted && !o.r.interrupted && !done.empty() &&
      static_cast<std::int64_t>(done.size()) == o.r.decode_iterations) {
    j["generation_time_s"] = plat;
    j["tokens_per_s"] = plat > 0 ? static_cast<double>(o.r.decode_tokens) / plat : 0.0;
    if (energy) j["tokens_per_j"] = plat_j > 0 ? static_cast<double>(o.r.decode_tokens) / plat_j : 0.0;
  }
  return j;
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  // Nearest rank: the smallest value with at least p of the samples at or below it.
  const auto rank = static_cast<std::size_t>(std::ceil(p * static_cast<double>(v.size())));
  return v[std::min(v.size() - 1, rank == 0 ? 0 : rank - 1)];
}

Json stats_json(const Outcome& o) {
  const serving::RunResult& r = o.r;
  Json s;
  const double gen = r.decode.time_s;
  const double energy = r.decode.energy_j() + r.prefill.energy_j();
  s["generation_time_s"] = gen;
  s["iteration_time_s"] = r.decode_iterations ? gen / static_cast<double>(r.decode_iterations) : 0.0;
  s["tokens_per_s"] = gen > 0 ? static_cast<double>(r.decode_tokens) / gen : 0.0;
  s["tokens_per_j"] = r.decode.energy_j() > 0 ? static_cast<double>(r.decode_tokens) / r.decode.energy_j() : 0.0;
  s["energy_j"] = energy;
  s["decode_energy_j"] = r.decode.energy_j();
  s["prefill_time_s"] = r.prefill.time_s;
  s["prefill_energy_j"] = r.prefill.energy_j();
  s["end_to_end_time_s"] = r.end_s;
  s["decode_iterations"] = r.decode_iterations;
  s["prefill_iterations"] = r.prefill_iterations;
  s["decode_tokens"] = r.decode_tokens;
  s["peak_batch"] = r.peak_batch;
  std::vector<double> ttft, tpot;
  std::int64_t done = 0;
  for (const auto& q : r.requests) {
    if (q.first_token_s >= 0) ttft.push_back(q.first_token_s - q.arrival_s);
    if (q.finish_s >= 0) {
      ++done;
      if (q.output > 1) tpot.push_back((q.finish_s - q.first_token_s) / static_cast<double>(q.output - 1));
    }
  }
  s["requests_done"] = done;
  s["ttft_s"] = {{"p50", percentile(ttft, 0.5)}, {"p99", percentile(ttft, 0.99)}};
  s["tpot_s"] = {{"p50", percentile(tpot, 0.5)}, {"p99", percentile(tpot, 0.99)}};
  Json b = Json::object();
  for (const char* cat : {"gemm", "gemv", "state_update", "causal_conv1d", "discretization", "comm", "others"}) {
    const auto d = r.decode.breakdown.find(cat);
    const auto p = r.prefill.breakdown.find(cat);
    double t = 0, e = 0;
    if (d != r.decode.breakdown.end()) t += d->second.time_s, e += d->second.energy_j;
    if (p != r.prefill.breakdown.end()) t += p->second.time_s, e += p->second.energy_j;
    b[cat] = {{"time_s", t}, {"energy_j", e}};
  }
  s["breakdown"] = b;
  s["energy_by_place_j"] = {{"host", r.decode.host_energy_j + r.prefill.host_energy_j},
                            {"dram", r.decode.dram_energy_j + r.prefill.dram_energy_j},
                            {"pim", r.decode.pim_energy_j + r.prefill.pim_energy_j}};
  const double total = gen + r.prefill.time_s;
  s["utilisation"] = {{"host_busy", total > 0 ? (r.decode.host_busy_s + r.prefill.host_busy_s) / total : 0.0},
                      {"pim_busy", total > 0 ? (r.decode.pim_busy_s + r.prefill.pim_busy_s) / total : 0.0}};
  const auto bw = o.hw.find("host_peak_bytes_per_s");
  if (bw != o.hw.end() && total > 0)
    s["utilisation"]["host_bandwidth"] = (r.decode.host_bytes + r.prefill.host_bytes) / (total * std::stod(bw->second));
  const auto fl = o.hw.find("host_peak_flops");
  if (fl != o.hw.end() && total > 0 && r.decode.host_flops + r.prefill.host_flops > 0)
    s["utilisation"]["host_compute"] = (r.decode.host_flops + r.prefill.host_flops) / (total * std::stod(fl->second));
  s["pim_kernels"] = {{"simulated", o.pim_simulated}, {"reused", o.pim_reused}};
  // --sub-batches auto: how many decode iterations kept each candidate count.
  const auto sb = o.hw.find("sub_batches");
  if (sb != o.hw.end() && sb->second == "auto") {
    Json chosen = Json::object();
    for (const int n : serving::auto_sub_batch_candidates(64)) {
      const auto it = o.sub_batches_chosen.find(n);
      chosen[std::to_string(n)] = it == o.sub_batches_chosen.end() ? std::int64_t{0} : it->second;
    }
    s["sub_batches_chosen"] = chosen;
  }
  // The platform's CIM tiles (docs/serving.md "CIM tiles"): their time, energy and operators.
  const auto place = o.hw.find("cim_place");
  if (place != o.hw.end()) {
    const double ce = r.decode.cim_energy_j + r.prefill.cim_energy_j, ct = r.decode.cim_busy_s + r.prefill.cim_busy_s;
    s["energy_by_place_j"]["cim"] = ce;
    s["utilisation"]["cim_busy"] = total > 0 ? ct / total : 0.0;
    Json ops = Json::array();
    const std::string& list = o.hw.at("cim_operators");
    for (std::size_t a = 0; a < list.size();) {
      const std::size_t b = std::min(list.find(',', a), list.size());
      ops.push_back(list.substr(a, b - a));
      a = b + 1;
    }
    // hidden_s: CIM time under host or PIM work (overlap mode; 0 when they take turns).
    s["cim"] = {{"place", place->second}, {"operators", ops}, {"time_s", ct}, {"energy_j", ce},
                {"hidden_s", r.decode.cim_hidden_s + r.prefill.cim_hidden_s},
                {"transfer_s", r.decode.cim_transfer_s + r.prefill.cim_transfer_s},
                {"transfer_bytes", r.decode.cim_transfer_bytes + r.prefill.cim_transfer_bytes},
                {"rows_simulated", o.cim_simulated}};
  }
  s["interrupted"] = r.interrupted;
  s["truncated"] = r.truncated;
  return s;
}

std::string fmt(double x, const char* f = "%.4g") {
  char b[64];
  std::snprintf(b, sizeof b, f, x);
  return b;
}

int run(int argc, char** argv) {
  const std::vector<pimlab::cli::OptionSpec> specs{
          {"config", "FILE", "a JSON object of these options (keys without the dashes: {\"system\": \"gpu,pimba\", \"batch\": 64}); options on the command line win", ""},
          {"system", "S[,S...]", "systems: " + pimlab::cli::one_of(model::system_names()) + ", or a platform file *.json (docs/serving.md)", "gpu,gpu+pim,pimba"},
          {"model", "NAME|FILE[,...]", "model presets (" + pimlab::cli::one_of(model::preset_names()) + ") or config.json files",
           "mamba2-2.7b,opt-7b"},
          {"batch", "B", "maximum batch (the fixed batch of the default workload)", "64"},
          {"survey", "", "the survey's axes: run at batch 1, 8 and --batch (tokens/s and tokens/J at each)", ""},
          {"input-len", "N", "prompt tokens of the fixed-batch workload", "1024"},
          {"output-len", "N", "output tokens of the fixed-batch workload (N-1 decode steps)", "128"},
          {"workload", "W", "fixed (the default: --batch requests at t=0), sharegpt, alpaca, a trace CSV "
                            "(arrival_s,input_tokens,output_tokens) or snapshot:FILE (seq_len,ch_idx)", "fixed"},
          {"rate", "R", "sharegpt/alpaca: arrivals per second (Poisson); inf = all at t=0", "inf"},
          {"requests", "N", "sharegpt/alpaca: requests drawn", "256"},
          {"seed", "S", "sharegpt/alpaca: seed of the draws; --functional: seed of the data", "1"},
          {"iterations", "N", "stop after N decode iterations (0: serve every request)", "0"},
          {"prefill", "MODE", "off (prompts taken as done: the papers' decode-only setting), whole, or a chunk "
                              "size in tokens", "off"},
          {"host", "H", "GPU host: a100, h100, b200 or a JSON host file", "a100"},
          {"gpus", "N", "GPUs (tensor-parallel degree), each with its own PIM channels", "1"},
          {"tp", "N", "same as --gpus (NPU systems: devices of the tensor-parallel group)", ""},
          {"pp", "N", "NPU systems: pipeline-parallel degree (each device holds layers / N)", "1"},
          {"sub-batch", "on|off|auto", "neupims: sub-batch interleaving (stages A-F); auto: on from batch 256 (the NeuPIMs evaluation's rule)", "auto"},
          {"mode", "serial|interleaved|overlap", "execution mode: serial (host and PIM take turns), interleaved (neupims: sub-batch stages A-F), overlap (GPU-host systems with PIM or CIM tiles, npu+pim: sub-batches whose operators run as their dependencies and the host, channels and PIM allow; docs/serving.md)", "each system's own"},
          {"sub-batches", "N|auto", "with --mode overlap: sub-batches the decode batch is cut into (1..64), or auto: each decode iteration keeps the fastest of 1, 2, 4, 8 (those <= the batch)", "2"},
          {"placement", "rr|clb", "NPU+PIM systems: KV channel placement, round robin or greedy channel load balancing",
           "clb for neupims, rr for npu+pim"},
          {"npu-issue", "offered|own", "NPU systems: when the NPU's transfers reach the channels: offered (the stage's whole stream at its start, the NeuPIMs artifact's assumption) or own (each transfer when the NPU program issues it, double buffering included: the program and the channels in lockstep, as on the platform; docs/serving_neupims.md); artifact-compatible mode: always offered; --fast-channels needs offered", "own"},
          {"fast-channels", "K", "NPU+PIM systems: simulate only the K busiest channels and the least busy one with the NPU traffic, estimate the others (0: every channel, exact; error in docs/serving_neupims.md; with --npu-issue offered)", "0"},
          {"attacc-placement", "P", "attacc system: the AttAcc processing units per bank, per bank group (bg) or on the buffer die", "bank"},
          {"attention-sample", "S", "attacc system: simulate the attention at KV lengths that are multiples of S and interpolate in between (0: every length, exact; error in docs/serving.md)", "0"},
          {"artifact-compatible", "", "reproduce the published artifacts, quirks included (docs/serving.md)", ""},
          {"ignore-capacity", "", "do not check that KV caches and states fit in the memory (the artifacts never check)", ""},
          {"no-reuse", "", "simulate every PIM kernel afresh (no exact reuse of equal kernels)", ""},
          {"functional", "", "pimba: every PIM kernel of every decode iteration also computes on seeded data in the channel's DRAM image (TLM channel, behavioural or RTL units); npu+pim, neupims: every request's attention on the per-bank units of a Newton / NeuPIMs TLM channel; attacc: on the AttAcc units of one stack's channels (TLM channel of the AttAcc family); each result checked bit for bit against the golden kernels; small models or few layers", ""},
          {"rtl-units", "LIST", "with --functional: units co-simulated as the Verilated RTL, e.g. pch0.bank_group0.pair0,pch1.bank_group3.pair1, or all", ""},
          {"trace", "DIR", "GPU-host and NPU systems: write a VCD of the chosen decode iterations to DIR (operators, stages, and channel 0's commands of the first layer)", ""},
          {"trace-iterations", "N[,N...]", "with --trace: the decode iterations to trace (1 = the first)", "1"},
          {"platform", "FILE", "one system, model and batch: also execute the chosen decode iterations on the SystemC platform of FILE (NPU systems: configs/platforms/{neupims,npu-pim,npu-only}-32ch.json; GPU systems: pimba-40ch.json, attacc: attacc-a100.json), each compiled as 'pimlab compile' would and run stage by stage (kernel by kernel) with the host's traffic and the PIM programs sharing the channels at command level; stats.platform sets them beside the back-end's times (docs/serving.md)", ""},
          {"platform-set", "KEY=VALUE[,...]", "with --platform: override keys of FILE (VALUE as JSON when it parses, else a string), e.g. top.pim_device.channel.placement=bg for --attacc-placement bg", ""},
          {"platform-iterations", "N[,N...]|all", "with --platform: the decode iterations executed there (1 = the first; all: every one, and the run's generation time on the platform)", "1"},
          {"platform-first-instances", "", "with --platform: each stage of an iteration once, its time counted repeat times (as 'pimlab platform --first-instances')", ""},
          {"platform-drives", "", "with --platform: every decode iteration (and prefill pass) runs on the platform and the serving loop takes its times (clock, admissions, latencies, generation time, categories; energy stays the back-end's count)", ""},
          {"plot", "DIR", "write DIR/results.csv (the merged format of 'pimlab sweep') and the default figures of 'pimlab plot --defaults' in DIR/plots/ (gnuplot)", ""},
          pimlab::cli::json_option("write the {meta, config, stats} document to FILE; alone or '-': on standard output, no table"),
          {"csv", "FILE", "write one CSV row per (model, batch, system)", ""}};
  Args a("run", specs);
  // --config FILE: its options, except those the command line gives (which win).
  std::vector<std::string> words;
  std::vector<std::string> on_line;
  for (int i = 2; i < argc; ++i) {
    const std::string w = argv[i];
    if (w.rfind("--", 0) == 0) on_line.push_back(w.substr(2, w.find('=') == std::string::npos ? std::string::npos : w.find('=') - 2));
  }
  for (int i = 2; i < argc; ++i) {
    const std::string w = argv[i];
    std::string path;
    if (w == "--config" && i + 1 < argc) path = argv[i + 1];
    else if (w.rfind("--config=", 0) == 0) path = w.substr(9);
    if (path.empty()) continue;
    std::ifstream f(path);
    if (!f) throw UsageError("--config: cannot read '" + path + "'");
    nlohmann::json c;
    try {
      c = nlohmann::json::parse(f);
    } catch (const nlohmann::json::exception& e) {  // parse_error, or out_of_range for a number too large
      throw UsageError("--config " + path + ": not JSON: " + e.what());
    }
    if (!c.is_object()) throw UsageError("--config " + path + ": expected a JSON object of pimlab run options");
    for (const auto& [k, v] : c.items()) {
      const bool known = k != "config" && std::any_of(specs.begin(), specs.end(), [&](const auto& o) { return o.name == k; });
      if (!known) throw UsageError("--config " + path + ": key '" + k + "' is not a pimlab run option (see 'pimlab run --help')");
      if (std::find(on_line.begin(), on_line.end(), k) != on_line.end()) continue;
      const bool flag = std::any_of(specs.begin(), specs.end(), [&](const auto& o) { return o.name == k && o.value_name.empty(); });
      if (flag) {
        if (!v.is_boolean()) throw UsageError("--config " + path + ": key '" + k + "' has value " + v.dump() + "; allowed: true or false");
        if (v.get<bool>()) words.push_back("--" + k);
        continue;
      }
      std::string text;
      if (v.is_string()) text = v.get<std::string>();
      else if (v.is_number()) text = v.dump();
      else if (v.is_array()) {
        for (std::size_t j = 0; j < v.size(); ++j) {
          if (!v[j].is_string() && !v[j].is_number())
            throw UsageError("--config " + path + ": key '" + k + "' has an element " + v[j].dump() + "; allowed: strings and numbers");
          text += (j ? "," : "") + (v[j].is_string() ? v[j].get<std::string>() : v[j].dump());
        }
      } else {
        throw UsageError("--config " + path + ": key '" + k + "' has value " + v.dump() + "; allowed: a string, a number or a list");
      }
      words.push_back("--" + k);
      words.push_back(text);
    }
  }
  std::vector<char*> args2{argv[0], argv[1]};
  for (auto& w : words) args2.push_back(w.data());
  for (int i = 2; i < argc; ++i) args2.push_back(argv[i]);
  a.parse(static_cast<int>(args2.size()), args2.data(), 2);
  if (a.help_requested()) {
    std::cout << a.help_text(kUsage, kSummary);
    return 0;
  }
  const bool artifact = a.has("artifact-compatible");
  if (a.has("tp") && a.has("gpus") && a.str("tp", "") != a.str("gpus", ""))
    throw UsageError("--tp " + a.str("tp", "") + " and --gpus " + a.str("gpus", "") + " disagree (they are one setting)");
  const int gpus = static_cast<int>(a.has("tp") ? a.integer("tp", 1, 1, 64) : a.integer("gpus", 1, 1, 64));
  std::vector<std::int64_t> batches;
  for (const std::string& b : a.list("batch", {"64"})) {
    char* end = nullptr;
    const long long v = std::strtoll(b.c_str(), &end, 10);
    if (b.empty() || *end != '\0' || v < 1 || v > (1 << 20))
      throw UsageError("--batch '" + b + "' is not an integer in [1, 1048576]");
    batches.push_back(v);
  }
  if (a.has("survey")) {
    if (batches.size() != 1) throw UsageError("--survey takes one --batch (the large batch), not a list");
    const std::int64_t large = batches[0];
    batches = {1, 8};
    if (large > 8) batches.push_back(large);
  }
  const std::int64_t lin = a.integer("input-len", 1024, 1, 1 << 24);
  const std::int64_t lout = a.integer("output-len", 128, 1, 1 << 24);
  const std::int64_t iterations = a.integer("iterations", 0, 0, std::int64_t{1} << 40);

  // Cases: every model on every system.
  std::vector<model::ModelConfig> models;
  for (const std::string& m : a.list("model", {"mamba2-2.7b", "opt-7b"})) {
    try {
      models.push_back(model::resolve_model(m));
    } catch (const std::invalid_argument& e) {
      throw UsageError(std::string("--model: ") + e.what());
    }
  }
  std::vector<model::SystemSpec> systems;  // for the config section and the keys
  std::map<std::string, serving::Platform> platforms;  // systems from platform files, by name
  for (const std::string& s : a.list("system", {"gpu", "gpu+pim", "pimba"})) {
    try {
      if (s.size() > 5 && s.compare(s.size() - 5, 5, ".json") == 0) {
        serving::Platform p = serving::platform_from_file(s);
        systems.push_back(p.system);
        if (!platforms.emplace(p.system.name, p).second)
          throw UsageError("--system: two systems named '" + p.system.name + "'");
      } else {
        systems.push_back(model::find_system(s));
      }
    } catch (const std::invalid_argument& e) {
      throw UsageError(std::string("--system: ") + e.what());
    }
  }
  gpu::Host host;
  {
    const std::string h = a.str("host", "a100");
    try {
      host = h.size() > 5 && h.compare(h.size() - 5, 5, ".json") == 0 ? gpu::host_from_file(h) : gpu::preset(h);
    } catch (const std::invalid_argument& e) {
      throw UsageError(std::string("--host: ") + e.what());
    }
  }

  // Workload.
  const std::string wl = a.str("workload", "fixed");
  workload::Requests requests;
  std::vector<int> pinned;
  Json wl_json;
  if (wl == "fixed") {
    for (const char* o : {"rate", "requests"})
      if (a.has(o)) throw UsageError(std::string("--") + o + " applies to --workload sharegpt|alpaca, not the fixed batch");
    if (a.has("seed") && !a.has("functional"))
      throw UsageError("--seed applies to --workload sharegpt|alpaca and --functional, not the fixed batch alone");
    if (lout == 1 && a.str("prefill", "off") == "off")
      throw UsageError("--output-len 1 leaves no decode step: the first token is the prompt's with --prefill off "
                       "(allowed: --output-len 2 or more, or --prefill whole|N to time the prompt)");
    wl_json = {{"kind", "fixed"}, {"input_len", lin}, {"output_len", lout}};
  } else {
    for (const char* o : {"input-len", "output-len"})
      if (a.has(o)) throw UsageError(std::string("--") + o + " applies to the fixed batch, not --workload " + wl);
    if (wl == "sharegpt" || wl == "alpaca") {
      workload::GeneratorConfig g;
      g.requests = a.integer("requests", 256, 1, 1 << 24);
      const std::string rate = a.str("rate", "inf");
      g.rate_per_s = rate == "inf" ? std::numeric_limits<double>::infinity() : a.real("rate", 1.0);
      if (!(g.rate_per_s > 0)) throw UsageError("--rate " + rate + " must be > 0 or inf");
      g.seed = a.u64("seed", 1);
      requests = workload::generate(workload::LengthTable::builtin(wl), g);
      wl_json = {{"kind", wl}, {"requests", g.requests}, {"rate", rate}, {"seed", g.seed}};
    } else if (wl.rfind("snapshot:", 0) == 0) {
      const workload::Snapshot snap = workload::read_snapshot(wl.substr(9));
      for (const auto& e : snap) {
        // One decode step whose attention reads seq_len tokens.
        requests.push_back({0.0, e.seq_len > 1 ? e.seq_len - 1 : 1, 2});
        pinned.push_back(static_cast<int>(e.channel));
      }
      wl_json = {{"kind", "snapshot"}, {"file", wl.substr(9)}, {"requests", snap.size()}};
    } else {
      requests = workload::read_trace(wl);
      wl_json = {{"kind", "trace"}, {"file", wl}, {"requests", requests.size()}};
    }
  }

  serving::LoopOptions lo;
  const bool snapshot = wl.rfind("snapshot:", 0) == 0;
  if (snapshot && !a.has("batch")) batches = {static_cast<std::int64_t>(requests.size())};
  {
    const std::string p = a.str("prefill", "off");
    if (p == "whole") {
      lo.prefill = true;
    } else if (p != "off") {
      lo.prefill = true;
      lo.prefill_chunk = a.integer("prefill", 0, 1, 1 << 24);
    }
  }
  lo.max_iterations = iterations;
  lo.stop = &g_stop;

  const auto trace_dir = a.opt("trace");
  std::vector<std::int64_t> trace_its;
  for (const std::string& x : a.list("trace-iterations", {"1"})) {
    char* end = nullptr;
    const long long v = std::strtoll(x.c_str(), &end, 10);
    if (x.empty() || *end != '\0' || v < 1) throw UsageError("--trace-iterations '" + x + "' is not an iteration number >= 1");
    trace_its.push_back(v);
  }
  if (a.has("trace-iterations") && !trace_dir) throw UsageError("--trace-iterations applies only with --trace DIR");
  if (trace_dir) {
    std::error_code ec;
    std::filesystem::create_directories(*trace_dir, ec);
    if (ec || !std::filesystem::is_directory(*trace_dir))
      throw std::runtime_error("--trace: cannot create the directory '" + *trace_dir + "'");
  }
  // The other outputs are checked before the work too, so that a long run does
  // not end in an I/O error (exit 3) with its results lost.
  if (const auto plot_dir = a.opt("plot")) {
    std::error_code ec;
    std::filesystem::create_directories(*plot_dir, ec);
    if (ec || !std::filesystem::is_directory(*plot_dir) || ::access(plot_dir->c_str(), W_OK) != 0)
      throw std::runtime_error("--plot: cannot create or write the directory '" + *plot_dir + "'");
  }
  if (const auto csv_path = a.opt("csv")) pimlab::cli::check_output_file("csv", *csv_path);
  const pimlab::cli::JsonOutput json_out(a);
  const bool json_stdout = json_out.to_stdout();

  const bool tty = isatty(2) != 0;
  std::signal(SIGINT, run_sigint);
  std::signal(SIGTERM, run_sigint);
  std::vector<Outcome> outcomes;
  // The runs: every model x batch x system; without --model, --system,
  // --batch, --gpus and --tp, the built-in comparison, which adds GPT-3 7B on
  // four NPU devices (TP 4, the NeuPIMs setting) on npu+pim and neupims.
  std::vector<Case> cases;
  for (const auto& m : models)
    for (const std::int64_t b : batches)
      for (const auto& s : systems) cases.push_back({m, s, b, gpus});
  const bool builtin = !a.has("model") && !a.has("system") && !a.has("batch") && !a.has("gpus") && !a.has("tp");
  if (builtin)
    for (const char* s : {"npu+pim", "neupims"}) {
      cases.push_back({model::preset("gpt3-7b"), model::find_system(s), batches[0], 4});
      if (models.size() == 2) models.push_back(cases.back().model);
      systems.push_back(cases.back().system);
    }
  // An option that applies to none of the systems is an error, not ignored.
  {
    auto any = [&](auto pred) {
      return std::any_of(cases.begin(), cases.end(), [&](const Case& c) { return pred(c.system); });
    };
    const auto npu_pim = [](const model::SystemSpec& x) { return x.host == model::Device::npu && x.has_pim(); };
    const auto npu = [](const model::SystemSpec& x) { return x.host == model::Device::npu; };
    const auto attacc = [](const model::SystemSpec& x) { return x.pim_family == "attacc"; };
    const auto gpu_host = [](const model::SystemSpec& x) { return x.host == model::Device::gpu; };
    const auto neupims = [](const model::SystemSpec& x) { return x.pim_family == "neupims"; };
    const struct {
      const char* opt;
      bool ok;
      const char* what;
    } rules[] = {{"sub-batch", any(neupims), "neupims"},
                 {"placement", any(npu_pim), "npu+pim and neupims"},
                 {"fast-channels", any(npu_pim), "npu+pim and neupims"},
                 {"npu-issue", any(npu), "the NPU systems"},
                 {"pp", any(npu), "the NPU systems"},
                 {"attacc-placement", any(attacc), "attacc"},
                 {"attention-sample", any(attacc), "attacc"},
                 {"host", any(gpu_host), "the GPU-host systems"},
                 {"trace", any(gpu_host) || any(npu), "the GPU-host and NPU systems"}};
    for (const auto& r : rules)
      if (a.has(r.opt) && !r.ok) throw UsageError(std::string("--") + r.opt + " applies to " + r.what + ", which none of --system is");
    if (a.has("fast-channels") && a.integer("fast-channels", 0, 0, 1024) > 0 && !artifact &&
        a.choice("npu-issue", "own", {"offered", "own"}) == "own")
      throw UsageError("--fast-channels " + a.str("fast-channels", "") +
                       " approximates the offered NPU stream, and the NPU issues its own transfers by default "
                       "(add --npu-issue offered, or drop --fast-channels)");
    const std::string mode = a.choice("mode", "serial", {"serial", "interleaved", "overlap"});
    if (a.has("sub-batches") && !(a.has("mode") && mode == "overlap"))
      throw UsageError("--sub-batches applies with --mode overlap (the neupims sub-batches are --sub-batch on|off|auto)");
    if (a.has("mode") && a.has("sub-batch"))
      throw UsageError("--mode and --sub-batch both set the neupims schedule (interleaved = --sub-batch on); give one");
  }
  const bool functional = a.has("functional");
  // --functional runs one family's units: the Pimba processing unit (pimba) or
  // the Newton / NeuPIMs per-bank units (npu+pim, neupims).
  std::string functional_family;  // pimba, newton (npu+pim, neupims) or attacc
  if (functional) {
    auto family = [](const Case& c) -> std::string {
      const std::string& f = c.system.pim_family;
      if (f == "pimba" || f == "attacc") return f;
      if (f == "newton" || f == "neupims") return "newton";
      return "";
    };
    functional_family = cases.empty() ? std::string() : family(cases.front());
    for (const Case& c : cases) {
      if (family(c).empty())
        throw UsageError("--functional applies to pimba (the Pimba processing unit), npu+pim and neupims (the "
                         "Newton / NeuPIMs per-bank units) and attacc (the AttAcc units), not " + c.system.name);
      if (family(c) != functional_family)
        throw UsageError("--functional checks one PIM family per run: pimba, npu+pim and neupims, or attacc");
    }
    if (artifact) throw UsageError("--functional checks the faithful kernels; drop --artifact-compatible");
  }
  std::vector<std::string> rtl_units;
  if (a.has("rtl-units")) {
    if (!functional) throw UsageError("--rtl-units applies only with --functional");
    if (functional_family != "pimba")
      throw UsageError("--rtl-units: the " + std::string(functional_family == "newton" ? "Newton / NeuPIMs" : "AttAcc") +
                       " units have no RTL (pimba only)");
    for (const std::string& u : a.list("rtl-units", {}))
      if (u == "all")
        for (int p = 0; p < 2; ++p)
          for (int g = 0; g < 4; ++g)
            for (int q = 0; q < 2; ++q)
              rtl_units.push_back("pch" + std::to_string(p) + ".bank_group" + std::to_string(g) + ".pair" + std::to_string(q));
      else {
        // The co-simulated channel (hbm2-pimba): 2 pseudo-channels x 4 bank groups x 2 bank pairs.
        int p = -1, g = -1, q = -1, n = 0;
        if (std::sscanf(u.c_str(), "pch%d.bank_group%d.pair%d%n", &p, &g, &q, &n) != 3 ||
            n != static_cast<int>(u.size()) || p < 0 || p > 1 || g < 0 || g > 3 || q < 0 || q > 1 ||
            u != "pch" + std::to_string(p) + ".bank_group" + std::to_string(g) + ".pair" + std::to_string(q))
          throw UsageError("--rtl-units: '" + u + "' is not a unit of the channel (allowed: pch<0..1>.bank_group<0..3>.pair<0..1>, or all)");
        rtl_units.push_back(u);
      }
    if (rtl_units.empty()) throw UsageError("--rtl-units: an empty list (give unit names or all)");
  }
  // The attacc system's processing units: --attacc-placement, unless the
  // system's file (--config) gives them.
  const auto attacc_placement = [&](const std::string& system) {
    const pimlab::pim::AttaccPlacement given =
        pimlab::pim::parse_placement(a.choice("attacc-placement", "bank", {"bank", "bg", "buffer"}));
    const auto plat = platforms.find(system);
    return plat != platforms.end() && plat->second.attacc_placement ? *plat->second.attacc_placement : given;
  };
  // --platform FILE: the platform is built (every key checked) before the run.
  const auto platform_file = a.opt("platform");
  std::vector<std::int64_t> platform_its;
  bool platform_all = false;
  std::unique_ptr<pimlab::tlm_platform::Platform> platform_top;
  std::unique_ptr<pimlab::tlm_platform::PlatformBackend> on_platform;
  const bool platform_drive = a.has("platform-drives");
  for (const char* o : {"platform-iterations", "platform-first-instances", "platform-drives", "platform-set"})
    if (a.has(o) && !platform_file) throw UsageError(std::string("--") + o + " applies only with --platform FILE");
  if (platform_file) {
    if (cases.size() != 1)
      throw UsageError("--platform executes one run's iterations (one model, batch and system: SystemC builds one "
                       "platform per process); --model, --batch and --system give " + std::to_string(cases.size()) + " runs");
    const model::SystemSpec& ps = cases.front().system;
    if (a.has("mode") && a.str("mode", "") == "overlap")
      throw UsageError("--platform: mode overlap has no compiled program (allowed: serial, interleaved)");
    if (a.integer("pp", 1, 1, 64) != 1)
      throw UsageError("--platform: --pp " + a.str("pp", "") + " (the program is one device's whole iteration; allowed: 1)");
    if (platforms.count(ps.name) && platforms.at(ps.name).cim)
      throw UsageError("--platform: system '" + ps.name + "' has CIM tiles, which compiled NPU programs do not drive");
    if (a.has("platform-drives") && a.has("platform-iterations"))
      throw UsageError("--platform-drives runs every decode iteration on the platform; drop --platform-iterations");
    for (const std::string& x : a.list("platform-iterations", {"1"})) {
      if (x == "all") {
        platform_all = true;
        continue;
      }
      char* end = nullptr;
      const long long v = std::strtoll(x.c_str(), &end, 10);
      if (x.empty() || *end != '\0' || v < 1)
        throw UsageError("--platform-iterations '" + x + "' is not allowed (allowed: iteration numbers >= 1, or all)");
      platform_its.push_back(v);
    }
    setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);
    platform_top = pimlab::tlm_platform::build_from_file(
        *platform_file, pimlab::tlm_platform::parse_overrides(a.list("platform-set", {})));
    // The program's side is checked on a one-request iteration of the run's system.
    namespace fc = pimlab::firmware::compiler;
    fc::CompileInput probe;
    probe.model = cases.front().model;
    probe.system = ps;
    probe.contexts = {2};
    probe.tp = cases.front().gpus;
    probe.artifact_compatible = artifact;
    probe.timing = false;
    if (ps.pim_family == "attacc") {  // the run's processing units, which the platform's AttAcc channels must have
      probe.attacc_placement = attacc_placement(ps.name);
    } else if (ps.has_pim() && ps.host == model::Device::gpu) {  // the GPU's PIM channels, as the back-end takes them
      serving::PimbaPimOptions pim;
      const auto plat = platforms.find(ps.name);
      serving::set_gpu_pim_channels(pim, plat != platforms.end() && plat->second.gpu_host ? *plat->second.gpu_host : host,
                                    artifact);
      probe.pim_channels = pim.channels;
      probe.pim_dram = pim.dram;
    }
    if (ps.has_pim() && ps.host == model::Device::npu) {
      // The NeuPIMs back-end's channels: what the run's programs will name.
      probe.placement = fc::neupims_placement(fc::Policy::round_robin,
                                              static_cast<std::uint32_t>(serving::NeupimsOptions{}.channels), 0,
                                              static_cast<std::uint64_t>(probe.model.hidden),
                                              static_cast<std::uint64_t>(probe.model.heads),
                                              static_cast<std::uint64_t>(probe.model.layers),
                                              static_cast<std::uint64_t>(probe.tp), 1);
      probe.pinned = {0};
    }
    try {
      const fc::SystemProgram prog = fc::compile(probe);
      const pimlab::tlm_platform::StageDriver check(*platform_top, prog);
    } catch (const std::invalid_argument& e) {
      throw UsageError("--platform " + *platform_file + ": " + e.what());
    }
  }
  std::int64_t prev_batch = -1;
  for (const Case& cs : cases) {
    const model::ModelConfig& m = cs.model;
    const model::SystemSpec& s = cs.system;
    const std::int64_t batch = cs.batch;
    if (wl == "fixed" && batch != prev_batch)
      requests = workload::fixed_batch(static_cast<std::uint64_t>(batch), static_cast<std::uint64_t>(lin),
                                       static_cast<std::uint64_t>(lout));
    prev_batch = batch;
    {
      if (g_stop.load()) break;
      serving::SystemChoice sc;
      sc.system = s;
      sc.model = m;
      sc.host = host;
      sc.gpus = cs.gpus;
      const auto plat = platforms.find(s.name);
      sc.artifact_compatible = artifact;
      if (artifact) {
        sc.attention_lo = lin + 1;
        sc.attention_hi = lin + lout;
      }
      sc.reuse = !a.has("no-reuse");
      sc.pp = static_cast<int>(a.integer("pp", 1, 1, 64));
      {
        const std::string sb = a.choice("sub-batch", "auto", {"on", "off", "auto"});
        sc.sub_batch = sb == "on" || (sb == "auto" && batch >= 256);
      }
      if (a.has("mode")) sc.mode = serving::parse_mode(a.choice("mode", "serial", {"serial", "interleaved", "overlap"}));
      sc.sub_batches = sub_batches_option(a);
      sc.exact_channels = static_cast<int>(a.integer("fast-channels", 0, 0, 1024));
      sc.npu_issue = serving::parse_npu_issue(a.choice("npu-issue", "own", {"offered", "own"}));
      sc.threads = 2;  // results do not depend on it
      sc.attacc_sample_stride = a.integer("attention-sample", 0, 0, 1 << 20);
      sc.attacc_placement = attacc_placement(s.name);
      if (plat != platforms.end()) {  // what the platform file gives wins over the options
        if (plat->second.gpu_host) sc.host = *plat->second.gpu_host;
        if (plat->second.gpus) sc.gpus = *plat->second.gpus;
        if (plat->second.cim) sc.cim = *plat->second.cim;
      }
      std::unique_ptr<serving::Backend> be;
      try {
        be = serving::make_backend(sc);
      } catch (const std::invalid_argument& e) {
        throw UsageError(m.name + " on " + s.name + ": " + e.what());
      }
      const model::FormatSet formats = s.formats;
      const double cap = be->kv_capacity_bytes();
      serving::LoopOptions o = lo;
      o.max_batch = batch;
      if (cap != 0 && be->kv_channels() == 0 && !artifact && !a.has("ignore-capacity")) {
        // The artifacts check no capacity (a quirk): off in artifact-compatible mode.
        if (cap < 0)
          throw UsageError(m.name + " on " + s.name + ": the weights do not fit in the memory (short by " +
                           fmt(-cap / 1073741824.0, "%.3f") + " GiB)");
        o.request_bytes = [m, formats](std::int64_t L) { return model::request_memory_bytes(m, L, formats); };
        o.capacity_bytes = cap;
        if (wl == "fixed") {
          const double need = static_cast<double>(batch) * o.request_bytes(lin + lout - 1);
          if (need > cap)
            throw UsageError(m.name + " on " + s.name + ": batch " + std::to_string(batch) + " needs " +
                             fmt(need / 1073741824.0, "%.3f") + " GiB of KV/state at length " +
                             std::to_string(lin + lout - 1) + " but " + fmt(cap / 1073741824.0, "%.3f") +
                             " GiB is free after the weights (short by " + fmt((need - cap) / 1073741824.0, "%.3f") +
                             " GiB)");
        }
      }
      if (be->kv_channels() > 0 && !snapshot) {
        // Requests are pinned to channels: NeuPIMs' KV tile layout and load estimate.
        namespace fc = pimlab::firmware::compiler;
        const std::string pol = a.choice("placement", s.pim_family == "newton" ? "rr" : "clb", {"rr", "clb"});
        o.placement = fc::neupims_placement(
            pol == "rr" ? fc::Policy::round_robin : fc::Policy::greedy, static_cast<std::uint32_t>(be->kv_channels()),
            cap > 0 ? static_cast<std::uint64_t>(cap) : 0, static_cast<std::uint64_t>(m.hidden),
            static_cast<std::uint64_t>(m.heads), static_cast<std::uint64_t>(m.layers),
            static_cast<std::uint64_t>(sc.gpus), static_cast<std::uint64_t>(sc.pp));
      } else if (a.has("placement")) {
        throw UsageError("--placement applies to the NPU+PIM systems (npu+pim, neupims), not " + s.name);
      }
      const std::string label = m.name + " on " + s.name;
      // Decode iterations the run will take, when known in advance (the fixed batch).
      const std::int64_t total_steps = wl == "fixed" ? (iterations > 0 ? std::min(iterations, lout - 1) : lout - 1) : 0;
      if (tty)
        o.progress = [&, label, total_steps, start = std::chrono::steady_clock::now()](
                         std::int64_t it, double sim_t, std::int64_t tokens) {
          if (it % 16 != 0) return;
          const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
          std::string eta;
          if (total_steps > 0 && it < total_steps)
            eta = ", ETA " + fmt(wall / static_cast<double>(it) * static_cast<double>(total_steps - it), "%.0f") + " s";
          std::fprintf(stderr, "\r%s: %lld%s iterations, %.1f tokens/s simulated%s   ", label.c_str(),
                       static_cast<long long>(it), total_steps > 0 ? (" of " + std::to_string(total_steps)).c_str() : "",
                       sim_t > 0 ? static_cast<double>(tokens) / sim_t : 0.0, eta.c_str());
        };
      const auto t0 = std::chrono::steady_clock::now();
      Outcome out;
      out.c = cs;
      out.hw = be->describe();
      std::unique_ptr<TracingBackend> tracer;
      auto* gpu_be = dynamic_cast<serving::GpuBackend*>(be.get());
      auto* npu_be = dynamic_cast<serving::NeupimsBackend*>(be.get());
      if (trace_dir && !gpu_be && !npu_be)
        throw UsageError("--trace applies to the GPU-host and NPU systems, not " + s.name);
      std::string stem = m.name + "_" + s.name + "_b" + std::to_string(batch);
      for (char& ch : stem)
        if (ch == '+' || ch == '/') ch = '-';
      if (gpu_be) {  // always: the first decode step's host operators go into stats.operators
        tracer = std::make_unique<TracingBackend>(*gpu_be, trace_dir ? *trace_dir : std::string(), stem, trace_its,
                                                  true);
        tracer->record_contexts = functional;
      } else if (npu_be && (trace_dir || functional)) {
        tracer = std::make_unique<TracingBackend>(*npu_be, trace_dir ? *trace_dir : std::string(), stem, trace_its,
                                                  false);
        tracer->record_contexts = functional;
      }
      serving::Backend& timed = tracer ? static_cast<serving::Backend&>(*tracer) : *be;
      if (platform_top) {
        // --platform: the chosen (or, driving, every) decode iteration compiled as
        // `pimlab compile` would (this run's placement and sub-batching, the
        // requests' channels pinned) and executed on the platform.
        pimlab::tlm_platform::PlatformServingOptions po;
        po.compile.model = m;
        po.compile.system = s;
        po.compile.tp = sc.gpus;
        po.compile.artifact_compatible = artifact;
        po.compile.sub_batch = sc.sub_batch;
        po.compile.placement = o.placement;
        pimlab::sim::take_gpu_pim(*be, po.compile);  // the GPU's PIM, as the back-end has it
        if (!po.compile.placement && be->kv_channels() > 0) {
          // A snapshot pins every request to its channel: the compiler takes the
          // channels from it, the policy is never asked.
          namespace fc = pimlab::firmware::compiler;
          po.compile.placement = fc::neupims_placement(
              fc::Policy::round_robin, static_cast<std::uint32_t>(be->kv_channels()), cap > 0 ? static_cast<std::uint64_t>(cap) : 0,
              static_cast<std::uint64_t>(m.hidden), static_cast<std::uint64_t>(m.heads), static_cast<std::uint64_t>(m.layers),
              static_cast<std::uint64_t>(sc.gpus), static_cast<std::uint64_t>(sc.pp));
        }
        po.drive = platform_drive;
        po.iterations = platform_its;
        po.all = platform_all;
        po.driver.first_instances_only = a.has("platform-first-instances");
        if (tty)
          po.on_start = [](std::int64_t it, std::size_t b) {
            if (it == 0)
              std::fprintf(stderr, "\rplatform: prefill of %zu requests          ", b);
            else
              std::fprintf(stderr, "\rplatform: decode iteration %lld, batch %zu   ", static_cast<long long>(it), b);
          };
        on_platform = std::make_unique<pimlab::tlm_platform::PlatformBackend>(*platform_top, timed, po);
      }
      try {
        out.r = serving::serve(on_platform ? static_cast<serving::Backend&>(*on_platform) : timed, requests, o,
                               pinned.empty() ? nullptr : &pinned);
      } catch (const std::invalid_argument& e) {
        // A request the loop cannot place (capacity, channel room): bad input, named by its run.
        throw UsageError(label + ": " + e.what());
      }
      if (tracer) {
        for (const auto& f : tracer->written) std::fprintf(stderr, "pimlab run: wrote %s (gtkwave %s)\n", f.c_str(), f.c_str());
        out.first_step = tracer->first_step;
        out.decode_contexts = std::move(tracer->decode_contexts);
      }
      out.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      if (gpu_be) out.sub_batches_chosen = gpu_be->sub_batches_chosen();
      if (npu_be) {
        out.sub_batches_chosen = npu_be->sub_batches_chosen();
        if (npu_be->cim()) out.cim_simulated = npu_be->cim()->rows_simulated();
      }
      if (auto* g = dynamic_cast<serving::GpuBackend*>(be.get())) {
        if (g->pim()) out.pim_simulated = g->pim()->kernels_simulated(), out.pim_reused = g->pim()->kernels_reused();
        if (g->cim()) out.cim_simulated = g->cim()->rows_simulated();
        if (g->attacc()) {
          out.pim_simulated = g->attacc()->kernels_simulated(), out.pim_reused = g->attacc()->kernels_reused();
          out.attacc = g->attacc()->options();
        }
      }
      if (tty) std::fprintf(stderr, "\r%*s\r", 110, "");
      outcomes.push_back(std::move(out));
    }
  }

  // --functional: the PIM kernels of every decode iteration of every run,
  // computed in one co-simulation (SystemC elaborates once per process).
  Json functional_json;
  int functional_rc = 0;
  if (functional && !g_stop.load()) {
    // Every job runs through the TLM channel of its family (docs/cosim.md):
    // pimba's kernels on the Pimba channel; npu+pim / neupims: every
    // request's attention of every decode iteration, layer and device (its
    // heads / tp heads) on a Newton / NeuPIMs channel; attacc: every request's
    // attention of every decode iteration and layer, its heads on one GPU, on
    // one stack of that GPU's AttAcc device, on channels of the AttAcc family.
    namespace cs = pimlab::tlm_pim_rtl;
    cs::CosimOptions co;
    std::vector<std::string> recipes;  // the input recipe of each kind of kernel checked
    auto add_recipe = [&](const std::string& r) {
      if (std::find(recipes.begin(), recipes.end(), r) == recipes.end()) recipes.push_back(r);
    };
    const std::uint64_t seed = a.u64("seed", 1);
    if (functional_family == "pimba") {
      for (const Outcome& o : outcomes) {
        auto jobs = functional_jobs(o.c.model, o.c.system, o.c.gpus, o.decode_contexts, seed);
        co.jobs.insert(co.jobs.end(), std::make_move_iterator(jobs.begin()), std::make_move_iterator(jobs.end()));
      }
      for (const cs::CosimJob& j : co.jobs) add_recipe(j.kernel + ": " + j.model);
    } else if (functional_family == "newton") {
      check_attention_macs(outcomes, false, 4e9);
      for (const Outcome& o : outcomes) {
        const char* type = o.c.system.pim_family == "newton" ? "single" : "dual";
        add_recipe(std::string("attention: newton-") + type);
        const int tp = o.c.gpus;
        const int width = static_cast<int>(o.c.model.heads / tp * o.c.model.head_dim);
        const std::string who = o.c.model.name + " on " + o.c.system.name;
        for (std::size_t it = 0; it < o.decode_contexts.size(); ++it)
          for (int l = 0; l < o.c.model.layers; ++l)
            for (std::size_t q = 0; q < o.decode_contexts[it].size(); ++q)
              for (int d = 0; d < tp; ++d) {
                cs::CosimJob j;
                j.kernel = "newton-attention";
                j.pim_type = type;
                j.width = width;
                j.len = static_cast<int>(o.decode_contexts[it][q]);
                j.seed = job_seed(seed, it, static_cast<std::uint64_t>(l), q, static_cast<std::uint64_t>(d));
                j.label = who + ", iteration " + std::to_string(it + 1) + ", layer " + std::to_string(l + 1) +
                          ", request " + std::to_string(q + 1) + ", device " + std::to_string(d + 1);
                co.jobs.push_back(std::move(j));
              }
      }
    } else {
      check_attention_macs(outcomes, true, 1e9);
      for (const Outcome& o : outcomes) {
        if (!o.attacc) continue;
        const serving::AttaccPimOptions& ao = *o.attacc;
        add_recipe(std::string("attention: attacc-") + pimlab::pim::placement_name(ao.placement));
        const std::string who = o.c.model.name + " on " + o.c.system.name;
        for (std::size_t it = 0; it < o.decode_contexts.size(); ++it)
          for (int l = 0; l < o.c.model.attn_layers; ++l)
            for (std::size_t q = 0; q < o.decode_contexts[it].size(); ++q) {
              cs::CosimJob j;
              j.kernel = "attacc-attention";
              j.preset = ao.dram;
              j.placement = pimlab::pim::placement_name(ao.placement);
              j.heads = static_cast<int>(o.c.model.heads / o.c.gpus);
              j.len = static_cast<int>(o.decode_contexts[it][q]);
              j.d_head = static_cast<int>(o.c.model.head_dim);
              j.max_len = ao.max_len;
              j.seed = job_seed(seed, it, static_cast<std::uint64_t>(l), q, 0);
              j.label = who + ", iteration " + std::to_string(it + 1) + ", layer " + std::to_string(l + 1) +
                        ", request " + std::to_string(q + 1);
              co.jobs.push_back(std::move(j));
            }
      }
    }
    co.units = "behavioural";
    co.rtl_units = rtl_units;
    co.quiet = true;
    co.progress = tty;
    try {
      cs::validate(co);
    } catch (const std::invalid_argument& e) {
      throw UsageError(std::string("--functional: ") + e.what());
    }
    functional_rc = pimlab::sim::run_cosim_process(co, argv[0]);
    if (functional_rc == 2) throw UsageError("--rtl-units: a unit name is not a unit of the channel (see the message above)");
    const cs::CosimFigures& f = cs::last_figures();
    const char* verdict = functional_rc == 0 ? "match" : functional_rc == 1 ? "mismatch" : functional_rc == 130 ? "interrupted" : "error";
    functional_json = {{"verdict", verdict},
                       {"jobs", co.jobs.size()},
                       {"jobs_checked", f.jobs},
                       {"pim_kernels", f.kernels},
                       {"values_compared", f.values_compared},
                       {"kernel_cycles", f.kernel_cycles},
                       {"recipes", recipes},
                       {"rtl_units", rtl_units},
                       {"digest", f.digest},
                       {"channel_pim_transactions", f.channel_pim_transactions}};
    if (functional_rc == 130) g_stop.store(true);
  }

  // --platform: the decode iterations executed on the SystemC platform during the run.
  Json platform_json;
  if (on_platform && !outcomes.empty()) {
    if (tty) std::fprintf(stderr, "\r%*s\r", 80, "");
    platform_json = platform_stats(*on_platform, *platform_file, outcomes.front(), a.has("platform-first-instances"),
                                   platform_drive, platform_all, platform_its);
    platform_json["set"] = a.list("platform-set", {});  // the overrides of the file, as given
  }

  // The document.
  Json doc;
  doc["meta"] = {{"command", "run"}, {"schema", "pimlab.run/1"}};
  Json cfg;
  cfg["systems"] = Json::array();
  for (const auto& s : systems) cfg["systems"].push_back(s.name);
  cfg["models"] = Json::array();
  for (const auto& m : models) cfg["models"].push_back(m.name);
  cfg["workload"] = wl_json;
  cfg["batches"] = batches;
  cfg["prefill"] = a.str("prefill", "off");
  cfg["iterations"] = iterations;
  cfg["host"] = host.name;
  cfg["gpus"] = gpus;
  cfg["artifact_compatible"] = artifact;
  if (a.has("mode")) {  // without --mode each system runs its own (hardware.mode of each run)
    cfg["mode"] = a.str("mode", "");
    if (cfg["mode"] == "overlap") {
      const int sb = sub_batches_option(a);
      if (sb == serving::kSubBatchesAuto)
        cfg["sub_batches"] = "auto";
      else
        cfg["sub_batches"] = sb;
    }
  }
  doc["config"] = cfg;
  // Key of a run in stats.systems: the varying parts, then the system.
  auto key_of = [&](const Outcome& o) {
    std::string k;
    if (models.size() > 1) k += o.c.model.name + "/";
    if (batches.size() > 1) k += "b" + std::to_string(o.c.batch) + "/";
    return k + o.c.system.name;
  };
  Json stats;
  const bool single = outcomes.size() == 1;
  Json per = Json::object();
  for (const Outcome& o : outcomes) {
    Json s = stats_json(o);
    s["model"] = o.c.model.name;
    s["system"] = o.c.system.name;
    s["batch"] = o.c.batch;
    Json hw = Json::object();
    for (const auto& [k, v] : o.hw) hw[k] = v;
    s["hardware"] = hw;
    // The host operators of the first decode step (GPU hosts): the roofline view's data.
    if (!o.first_step.empty()) {
      Json ops = Json::array();
      for (const auto& op : o.first_step)
        if (op.device == "host")
          ops.push_back({{"name", op.name}, {"category", op.category}, {"flops", op.flops}, {"bytes", op.bytes},
                         {"time_s", op.end_s - op.start_s}});
      s["operators"] = ops;
    }
    // Against the GPU system of the same model when it ran.
    for (const Outcome& g : outcomes)
      if (g.c.model.name == o.c.model.name && g.c.batch == o.c.batch && g.c.system.name == "gpu" && o.r.decode.time_s > 0) {
        s["normalised_throughput"] = g.r.decode.time_s / o.r.decode.time_s;
        s["normalised_energy"] = g.r.decode.energy_j() > 0 ? o.r.decode.energy_j() / g.r.decode.energy_j() : 0.0;
      }
    per[key_of(o)] = s;
  }
  if (single) {
    stats = per.begin().value();
  } else {
    stats["systems"] = per;
  }
  if (!functional_json.is_null()) stats["functional"] = functional_json;
  if (!platform_json.is_null()) stats["platform"] = platform_json;
  doc["stats"] = stats;
  const bool interrupted = g_stop.load();
  if (interrupted) doc["stats"]["interrupted"] = true;

  if (json_stdout) {
    json_out.write(doc, 2);
  } else {
    std::string bl;
    for (std::size_t i = 0; i < batches.size(); ++i) bl += (i ? "," : "") + std::to_string(batches[i]);
    std::printf("pimlab run: %s, batch %s%s\n", wl == "fixed" ? ("fixed batch, " + std::to_string(lin) + " in / " + std::to_string(lout) + " out").c_str() : wl.c_str(),
                bl.c_str(), artifact ? ", artifact-compatible" : "");
    std::printf("  %-14s %6s %-18s %-14s %12s %12s %12s %10s %10s %9s\n", "model", "batch", "system", "hardware", "tokens/s",
                "tokens/J", "iter ms", "vs gpu", "energy", "wall s");
    for (const Outcome& o : outcomes) {
      const Json s = per[key_of(o)];
      std::string hw = o.hw.count("host") ? o.hw.at("host") : "?";
      if (o.c.gpus > 1) hw += " x" + std::to_string(o.c.gpus);
      if (o.hw.count("cim_tiles")) hw += "+cim" + o.hw.at("cim_tiles");  // CIM tiles per GPU
      std::printf("  %-14s %6lld %-18s %-14s %12s %12s %12s %10s %10s %9.2f\n", o.c.model.name.c_str(),
                  static_cast<long long>(o.c.batch), o.c.system.name.c_str(), hw.c_str(),
                  fmt(s["tokens_per_s"].get<double>(), "%.1f").c_str(), fmt(s["tokens_per_j"].get<double>(), "%.3f").c_str(),
                  fmt(s["iteration_time_s"].get<double>() * 1e3, "%.3f").c_str(),
                  s.contains("normalised_throughput") ? (fmt(s["normalised_throughput"].get<double>(), "%.2f") + "x").c_str() : "-",
                  s.contains("normalised_energy") ? fmt(s["normalised_energy"].get<double>(), "%.2f").c_str() : "-",
                  o.wall_s);
    }
    std::printf("  (vs gpu: throughput over the gpu system's; energy: decode energy relative to it)\n");
    if (!functional_json.is_null())
      std::printf("  functional: %s -- %llu PIM kernels of %llu jobs, %llu values compared bit for bit with golden, "
                  "%llu kernel cycles, %zu RTL units, digest %s\n",
                  functional_json["verdict"].get<std::string>() == "match" ? "MATCH" : "MISMATCH or incomplete",
                  functional_json["pim_kernels"].get<unsigned long long>(),
                  functional_json["jobs_checked"].get<unsigned long long>(),
                  functional_json["values_compared"].get<unsigned long long>(),
                  functional_json["kernel_cycles"].get<unsigned long long>(), rtl_units.size(),
                  functional_json["digest"].get<std::string>().c_str());
    if (!platform_json.is_null()) {
      const auto& pj = platform_json;
      std::printf("  platform %s%s: %zu decode iteration%s executed%s: back-end %.3f ms, platform %.3f ms (%+.1f %%), "
                  "%.1f s wall%s\n",
                  pj["file"].get<std::string>().c_str(), pj["drives"].get<bool>() ? " (drives the run: its times above)" : "",
                  pj["iterations"].size(), pj["iterations"].size() == 1 ? "" : "s",
                  pj["first_instances_only"].get<bool>() ? " (first stage instances)" : "",
                  pj["backend_s"].get<double>() * 1e3, pj["platform_s"].get<double>() * 1e3,
                  pj["difference"].get<double>() * 100, on_platform->wall_s(),
                  pj["interrupted"].get<bool>() ? " -- INTERRUPTED: the iterations finished so far" : "");
      // An NPU system's energies: back-end, platform (mJ, every device).
      const auto energy_text = [](const Json& it) -> std::string {
        if (!it.contains("platform_energy_j")) return {};
        char b[96];
        std::snprintf(b, sizeof b, "   energy: back-end %9.4f mJ   platform %9.4f mJ   %+6.2f %%", it["backend_energy_j"].get<double>() * 1e3,
                      it["platform_energy_j"].get<double>() * 1e3, it["energy_difference"].get<double>() * 100);
        return b;
      };
      if (pj.contains("prefill"))
        for (const auto& it : pj["prefill"])
          std::printf("    prefill of %lld requests, %lld tokens: back-end %10.3f ms   platform %10.3f ms   %+6.1f %%%s\n",
                      it["requests"].get<long long>(), it["tokens"].get<long long>(), it["backend_s"].get<double>() * 1e3,
                      it["platform_s"].get<double>() * 1e3, it["difference"].get<double>() * 100,
                      energy_text(it).c_str());
      for (const auto& it : pj["iterations"])
        std::printf("    iteration %-6lld batch %-5lld back-end %10.3f ms   platform %10.3f ms   %+6.1f %%%s\n",
                    it["iteration"].get<long long>(), it["batch"].get<long long>(), it["backend_s"].get<double>() * 1e3,
                    it["platform_s"].get<double>() * 1e3, it["difference"].get<double>() * 100,
                    energy_text(it).c_str());
      if (pj.contains("tokens_per_s")) {
        char tj[48] = "";
        if (pj.contains("tokens_per_j")) std::snprintf(tj, sizeof tj, ", %.3f tokens/J", pj["tokens_per_j"].get<double>());
        std::printf("    every decode iteration on the platform: %.1f tokens/s%s (generation %.6f s)\n",
                    pj["tokens_per_s"].get<double>(), tj, pj["generation_time_s"].get<double>());
      }
    }
  }
  if (!json_stdout) json_out.write(doc, 2);
  if (auto plot_dir = a.opt("plot")) write_plots(*plot_dir, outcomes, doc);
  if (auto csv_path = a.opt("csv")) {
    std::ofstream csv_file(*csv_path, std::ios::binary | std::ios::trunc);
    if (!csv_file) throw std::runtime_error("--csv: cannot write '" + *csv_path + "'");  // I/O error: exit 3
    csv_file << "model,batch,system,generation_time_s,iteration_time_s,tokens_per_s,tokens_per_j,energy_j,ttft_p50_s,"
                "ttft_p99_s,tpot_p50_s,tpot_p99_s\n";
    for (const Outcome& o : outcomes) {
      const Json s = per[key_of(o)];
      csv_file << o.c.model.name << "," << o.c.batch << "," << o.c.system.name << "," << s["generation_time_s"].dump() << ","
               << s["iteration_time_s"].dump() << "," << s["tokens_per_s"].dump() << "," << s["tokens_per_j"].dump()
               << "," << s["energy_j"].dump() << "," << s["ttft_s"]["p50"].dump() << "," << s["ttft_s"]["p99"].dump()
               << "," << s["tpot_s"]["p50"].dump() << "," << s["tpot_s"]["p99"].dump() << "\n";
    }
    if (!csv_file) throw std::runtime_error("--csv: write failed");
  }
  if (interrupted) return 130;
  if (functional_rc == 1) return 1;  // a PIM result differs from golden (reported on standard error)
  if (functional_rc != 0) return 3;
  return 0;
}

void write_plots(const std::string& dir, const std::vector<Outcome>& outcomes, const Json& doc) {
  namespace sw = pimlab::sweep;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec || !std::filesystem::is_directory(dir)) throw std::runtime_error("--plot: cannot create the directory '" + dir + "'");
  sw::Grid g;
  g.name = "run";
  g.columns = {"model", "batch", "system"};
  g.points.resize(outcomes.size());
  std::vector<sw::Finished> done;
  const bool several = doc["stats"].contains("systems");
  std::size_t i = 0;
  for (auto it = outcomes.begin(); it != outcomes.end(); ++it, ++i) {
    sw::Point& p = g.points[i];
    p.index = i;
    char idx[16];
    std::snprintf(idx, sizeof idx, "%03zu", i);
    p.name = std::string(idx) + "_" + it->c.model.name + "_b" + std::to_string(it->c.batch) + "_" + it->c.system.name;
    p.settings = {{"model", it->c.model.name}, {"batch", it->c.batch}, {"system", it->c.system.name}};
    Json d = doc;
    if (several) {
      // This run's stats object, found by its model, batch and system.
      for (const auto& [k, v] : doc["stats"]["systems"].items())
        if (v["model"] == it->c.model.name && v["batch"] == it->c.batch && v["system"] == it->c.system.name) d["stats"] = v;
    }
    done.push_back({&p, d});
  }
  // The host operators of each GPU-host run's first decode step, for the roofline view.
  const std::string ops = sw::operators_csv(done);
  if (!ops.empty()) {
    const std::string path = dir + "/operators.csv";
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    if (!f) throw std::runtime_error("--plot: cannot write '" + path + "'");
    f << ops;
    if (!f.flush()) throw std::runtime_error("--plot: write to '" + path + "' failed");
  } else {
    std::filesystem::remove(dir + "/operators.csv", ec);  // none of an earlier run into the same DIR
  }
  const std::string csv = dir + "/results.csv";
  {
    std::ofstream f(csv, std::ios::binary | std::ios::trunc);
    if (!f) throw std::runtime_error("--plot: cannot write '" + csv + "'");
    f << sw::merge_csv(g, done);
    if (!f.flush()) throw std::runtime_error("--plot: write to '" + csv + "' failed");
  }
  // The figures: the default set (with the rooflines when there are operators).
  std::error_code e2;
  const std::string exe = std::filesystem::read_symlink("/proc/self/exe", e2).string();
  if (e2) throw std::runtime_error("--plot: cannot find the pimlab executable (/proc/self/exe)");
  // `pimlab plot FILE MODE`, this executable as its own child (its figure list to /dev/null).
  auto plot = [&](const std::string& file, const char* mode) {
    const pid_t pid = fork();
    if (pid < 0) throw std::runtime_error("--plot: fork failed");
    if (pid == 0) {
      const int out = open("/dev/null", O_WRONLY);
      if (out >= 0) dup2(out, 1);
      const char* argv[] = {exe.c_str(), "plot", file.c_str(), mode, nullptr};
      execv(exe.c_str(), const_cast<char* const*>(argv));
      _exit(3);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0)
      if (errno != EINTR) throw std::runtime_error("--plot: waitpid failed");
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
      throw std::runtime_error("--plot: 'pimlab plot " + file + " " + mode + "' failed (exit " +
                               std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) + ")");
  };
  plot(csv, "--defaults");
  std::fprintf(stderr, "pimlab run: wrote %s and the figures in %s/plots/\n", csv.c_str(), dir.c_str());
}

}  // namespace

PIMLAB_COMMAND("run", "serve a model to a request mix on one or more systems (the main job)", run);
