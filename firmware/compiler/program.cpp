#include "firmware/compiler/program.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <ostream>
#include <sstream>
#include <stdexcept>

#include "dram/spec.h"
#include "firmware/attacc/generator.h"
#include "firmware/neupims/streams.h"
#include "firmware/pimba/generator.h"
#include "model/graph.h"
#include "pim/attacc_trace.h"
#include "pim/engine.h"
#include "pim/newton.h"
#include "pim/newton_trace.h"
#include "pim/protocol.h"
#include "pim/trace.h"
#include "textio/text_input.h"

namespace pimlab::firmware::compiler {

namespace {

using i64 = std::int64_t;
namespace fw = firmware::pimba;

[[noreturn]] void fail(const std::string& source, std::size_t line, const std::string& what) {
  throw std::invalid_argument(source + ":" + std::to_string(line) + ": " + what);
}

i64 ceil_div(i64 a, i64 b) { return (a + b - 1) / b; }

bool is_pimba_family(const std::string& f) {
  return f == "pimba" || f == "hbm-pim" || f == "time-multiplexed" || f == "pipelined";
}

std::string two(int v) {
  char b[16];
  std::snprintf(b, sizeof b, "%02d", v);
  return b;
}

std::string file_path(int channel, int segment, const std::string& fmt) {
  return std::string(fmt == "attacc" ? "pim/st" : "pim/ch") + two(channel) + ".s" + two(segment) + "." + fmt;
}

HostEntry kernel_entry(const model::Operator& op, int sub_batch, int after) {
  HostEntry e;
  e.kind = EntryKind::kernel;
  e.sub_batch = sub_batch;
  e.repeat = op.repeat / std::max<i64>(1, op.steps);
  e.after = after;
  e.name = op.name;
  e.cls = model::class_name(op.cls);
  e.category = model::category_name(op.category);
  e.m = op.m;
  e.n = op.n;
  e.k = op.k;
  e.num_op = op.num_op;
  e.dbyte = op.dbyte;
  return e;
}

// A PIM segment (the NPU host's stages name it; a GPU host launches it, below).
int declare_segment(SystemProgram& p, const std::string& name, int sub_batch, i64 repeat, i64 requests) {
  Segment s;
  s.id = static_cast<int>(p.segments.size());
  s.name = name;
  s.sub_batch = sub_batch;
  s.repeat = repeat;
  s.requests = requests;
  p.segments.push_back(s);
  return s.id;
}

// A PIM segment and its launch on the host.
int add_segment(SystemProgram& p, const std::string& name, int sub_batch, i64 repeat, i64 requests, int& prev,
                const std::string& category) {
  const int id = declare_segment(p, name, sub_batch, repeat, requests);
  HostEntry e;
  e.kind = EntryKind::pim;
  e.category = category;
  e.sub_batch = sub_batch;
  e.repeat = repeat;
  e.after = prev;
  e.name = name;
  e.segment = id;
  prev = static_cast<int>(p.host.size());
  p.host.push_back(e);
  return id;
}

// ---- GPU host: graph order, serial (serving/gpu_backend.h) --------------------------------------
void compile_gpu(const CompileInput& in, SystemProgram& p, i64 mean) {
  const auto B = static_cast<i64>(in.contexts.size());
  model::GraphOptions go = model::graph_options(in.system, B, mean, in.tp, in.artifact_compatible);
  go.artifact_steps = 1;  // one iteration = one decode step
  const std::vector<model::Operator> ops = model::decode_graph(in.model, go);
  const std::string& variant = in.system.pim_family;
  const bool attacc = variant == "attacc";
  const dram::DramSpec* dram =
      in.system.has_pim() ? &dram::preset(attacc ? in.attacc_dram : in.pim_dram) : nullptr;
  int prev = -1;
  for (const model::Operator& op : ops) {
    if (model::map_operator(in.system, op) != model::Device::pim) {
      p.host.push_back(kernel_entry(op, 1, prev));
      prev = static_cast<int>(p.host.size()) - 1;
      continue;
    }
    if (attacc) {
      // One stack run covers the layer's score, softmax and context
      // (GpuBackend::attacc_op): the softmax and context operators add nothing.
      if (op.name == "attention_softmax" || op.name == "attention_kv" || op.cls == model::OpClass::softmax) continue;
      if (op.name != "attention_qk")
        throw std::invalid_argument("operator '" + op.name + "' has no AttAcc PIM kernel (decode attention only)");
      const i64 per_request = (op.num_op / B) * op.m;
      const std::vector<firmware::attacc::LengthGroup> groups = firmware::attacc::length_groups(in.contexts);
      for (std::size_t j = 0; j < groups.size(); ++j) {
        const int seg = add_segment(p, "attention." + std::to_string(j), 1, op.repeat / std::max<i64>(1, op.steps),
                                    groups[j].requests, prev, model::category_name(op.category));
        const firmware::attacc::AttentionSpec spec = firmware::attacc::stack_kernel(
            in.attacc_placement, per_request * groups[j].requests, in.attacc_stacks, op.k, groups[j].len, op.dbyte,
            in.attacc_max_len, dram->org.channels, in.artifact_compatible);
        const std::vector<pim::AttaccStatement> trace = firmware::attacc::generate(spec);
        std::uint64_t cycles = 0;
        // Every stack runs the same kernel (the back-end times one and charges all).
        for (int st = 0; st < in.attacc_stacks; ++st) {
          ChannelFile f;
          f.segment = seg;
          f.channel = st;
          f.path = file_path(st, seg, "attacc");
          f.commands = trace.size();
          f.attacc = trace;
          if (in.timing && st == 0) cycles = time_channel_file(p.header, f);
          f.cycles = cycles;
          p.files.push_back(std::move(f));
        }
      }
      continue;
    }
    // The PIM kernels of the operator, as GpuBackend::pim_op issues them.
    struct K {
      fw::Op op;
      i64 num_op, rows, cols;
      i64 requests;
    };
    std::vector<K> kernels;
    if (op.cls == model::OpClass::su) {
      kernels.push_back({fw::Op::SU, op.m * op.num_op, op.n, op.k, B});
    } else {
      const bool score = op.name == "attention_qk", attend = op.name == "attention_kv";
      if (op.cls != model::OpClass::matmul || !(score || attend))
        throw std::invalid_argument("operator '" + op.name + "' (" + model::class_name(op.cls) +
                                    ") has no Pimba-family PIM kernel (state updates and attention GEMVs only)");
      const i64 per_request = (op.num_op / B) * op.m;
      const fw::Op kop = score ? fw::Op::Score : fw::Op::Attend;
      for (const fw::AttentionKernel& g : fw::attention_kernels(kop, variant, per_request, in.contexts))
        kernels.push_back({kop, g.num_op, score ? op.k : op.n, g.cols, g.requests});
    }
    for (std::size_t j = 0; j < kernels.size(); ++j) {
      const K& k = kernels[j];
      const int seg = add_segment(p, op.name + "." + std::to_string(j), 1, op.repeat / std::max<i64>(1, op.steps),
                                  k.requests, prev, model::category_name(op.category));
      const fw::KernelSpec spec =
          fw::host_kernel(k.op, k.num_op, k.rows, k.cols, variant, in.pim_channels, false, *dram);
      const fw::Program prog = fw::generate(spec);
      for (std::size_t ch = 0; ch < prog.channel_streams.size(); ++ch) {
        const std::vector<pim::Command>& s = prog.channel_streams[ch];
        if (s.empty()) continue;
        ChannelFile f;
        f.segment = seg;
        f.channel = static_cast<int>(ch);
        f.path = file_path(f.channel, seg, "pimba");
        f.commands = s.size();
        f.pimba = s;
        if (in.timing) f.cycles = time_channel_file(p.header, f);
        p.files.push_back(std::move(f));
      }
    }
  }
}

// ---- NPU host: sub-batches of the placement (serving/neupims_backend.h) -------------------------
void compile_npu(const CompileInput& in, SystemProgram& p) {
  const bool pim = in.system.has_pim();
  std::vector<std::vector<std::size_t>> groups;
  std::vector<std::uint32_t> channel_of(in.contexts.size(), 0);
  std::uint32_t C = 0;
  pim::PimType type = pim::PimType::Dual;
  if (pim) {
    if (!in.placement) throw std::invalid_argument("an NPU+PIM system needs a placement configuration");
    type = in.system.pim_family == "newton" ? pim::PimType::Single : pim::PimType::Dual;
    C = in.placement->channels;
    if (!in.pinned.empty()) {
      for (std::size_t i = 0; i < in.pinned.size(); ++i) {
        if (in.pinned[i] < 0 || static_cast<std::uint32_t>(in.pinned[i]) >= C)
          throw std::invalid_argument("request " + std::to_string(i) + ": channel " + std::to_string(in.pinned[i]) +
                                      " (allowed: 0.." + std::to_string(C - 1) + ")");
        channel_of[i] = static_cast<std::uint32_t>(in.pinned[i]);
      }
    } else {
      Placer placer(*in.placement);
      std::vector<NewRequest> fresh;
      for (std::size_t i = 0; i < in.contexts.size(); ++i) {
        const i64 L = in.contexts[i];
        const i64 R = in.reserve.empty() ? L : std::max(L, in.reserve[i]);
        fresh.push_back({static_cast<std::uint64_t>(L - 1), static_cast<std::uint64_t>(R)});
      }
      channel_of = placer.place({}, fresh).channel;
    }
  }
  const bool interleave = pim && in.system.pim_family == "neupims" && in.sub_batch;
  if (interleave) {
    const SubBatches sb = split_sub_batches(channel_of, C);
    groups = {sb.first, sb.second};
  } else {
    groups.emplace_back();
    for (std::size_t i = 0; i < in.contexts.size(); ++i) groups.back().push_back(i);
  }
  const int width = static_cast<int>(in.model.heads / in.tp * in.model.head_dim);
  // Each group's attention is one PIM segment (q*K^T and p*V of a layer).
  std::vector<int> seg_of(groups.size(), -1);
  if (pim) {
    for (std::size_t g = 0; g < groups.size(); ++g) {
      const std::vector<std::size_t>& idx = groups[g];
      if (idx.empty()) continue;
      const int sb = static_cast<int>(g) + 1;
      const std::string name = interleave ? "attention.sb" + std::to_string(sb) : std::string("attention");
      const int seg = declare_segment(p, name, sb, in.model.layers, static_cast<i64>(idx.size()));
      seg_of[g] = seg;
      std::vector<std::vector<i64>> lens(C);
      for (std::size_t i : idx) lens[channel_of[i]].push_back(in.contexts[i]);
      for (std::uint32_t ch = 0; ch < C; ++ch) {
        if (lens[ch].empty()) continue;
        ChannelFile f;
        f.segment = seg;
        f.channel = static_cast<int>(ch);
        f.path = file_path(f.channel, seg, "newton");
        f.newton = firmware::neupims::channel_attention(lens[ch], type, width, static_cast<int>(ch));
        f.commands = f.newton.pim.size();
        if (in.timing) f.cycles = time_channel_file(p.header, f);
        p.files.push_back(std::move(f));
      }
    }
  }
  // The NPU's instruction stream: the stages the NeuPIMs back-end times
  // (npu_program.h), each naming the segment the channels run meanwhile.
  NpuProgramOptions po;
  po.model = in.model;
  po.tp = in.tp;
  po.element_bytes = in.npu_element_bytes;
  po.lm_head = !in.artifact_compatible;  // the artifact models the decoder layers only
  po.iteration = !pim ? NpuIteration::npu_only : interleave ? NpuIteration::interleaved : NpuIteration::serial;
  p.npu_host = true;
  p.npu = npu_decode_stages(po, in.contexts, groups);
  for (NpuStage& s : p.npu)
    if (s.pim_group >= 0 && pim) s.segment = seg_of[static_cast<std::size_t>(s.pim_group)];
}

// ---- prefill: every operator on the host -------------------------------------------------------
// GPU: the graph of Q query tokens per request (serving/gpu_backend.h
// prefill); NPU: npu_prefill_stages (serving/neupims_backend.h prefill).
void compile_prefill(const CompileInput& in, SystemProgram& p) {
  if (in.system.host == model::Device::gpu) {
    model::GraphOptions go = model::graph_options(in.system, static_cast<i64>(in.contexts.size()), p.header.context,
                                                  in.tp, false);
    go.query_tokens = in.chunk;
    go.su_kernel = false;
    go.artifact_steps = 1;
    int prev = -1;
    for (const model::Operator& op : model::decode_graph(in.model, go)) {
      p.host.push_back(kernel_entry(op, 1, prev));
      prev = static_cast<int>(p.host.size()) - 1;
    }
    return;
  }
  NpuProgramOptions po;
  po.model = in.model;
  po.tp = in.tp;
  po.element_bytes = in.npu_element_bytes;
  std::vector<NpuPrefillChunk> chunks;
  for (std::size_t i = 0; i < in.contexts.size(); ++i)
    chunks.push_back({in.chunks.empty() ? in.chunk : in.chunks[i], in.contexts[i]});
  p.npu_host = true;
  p.npu = npu_prefill_stages(po, chunks);
}

// ---- text helpers -------------------------------------------------------------------------------
std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> t;
  std::istringstream ss(line);
  for (std::string w; ss >> w;) t.push_back(w);
  return t;
}

i64 to_int(const std::string& v, const char* what, i64 lo, i64 hi, const std::string& src, std::size_t line) {
  char* end = nullptr;
  errno = 0;
  const long long x = std::strtoll(v.c_str(), &end, 10);
  if (v.empty() || *end != '\0' || errno == ERANGE)
    fail(src, line, std::string(what) + " '" + v + "' is not an integer");
  if (x < lo || x > hi)
    fail(src, line, std::string(what) + " " + v + " out of range (" + std::to_string(lo) + ".." + std::to_string(hi) + ")");
  return x;
}

int to_after(const std::string& v, int index, const std::string& src, std::size_t line) {
  if (v == "-") return -1;
  const i64 a = to_int(v, "after", 0, std::max(0, index - 1), src, line);
  if (index == 0) fail(src, line, "after '" + v + "': the first entry waits for nothing (write '-')");
  return static_cast<int>(a);
}

std::string header_line(const ProgramHeader& h, const char* kind) {
  std::ostringstream os;
  os << "pimlab-program " << h.version << ' ' << kind << " system=" << h.system << " model=" << h.model
     << " batch=" << h.batch << " context=" << h.context << " tp=" << h.tp << " family=" << h.family
     << " variant=" << h.variant << " preset=" << h.preset << " channels=" << h.channels
     << " artifact=" << (h.artifact_compatible ? 1 : 0);
  if (h.chunk > 0) os << " chunk=" << h.chunk;
  return os.str();
}

bool same_header(const ProgramHeader& a, const ProgramHeader& b) {
  return a.version == b.version && a.system == b.system && a.model == b.model && a.batch == b.batch &&
         a.context == b.context && a.tp == b.tp && a.family == b.family && a.variant == b.variant &&
         a.preset == b.preset && a.channels == b.channels && a.artifact_compatible == b.artifact_compatible &&
         a.chunk == b.chunk;
}

std::ifstream open_in(const std::string& path, const char* what) {
  textio::check_input_file(path, what);
  std::ifstream f(path);
  if (!f) throw std::invalid_argument(std::string("cannot open ") + what + " '" + path + "'");
  return f;
}

const char* host_file(const SystemProgram& p) { return p.npu_host ? "host.npu" : "host.kernels"; }

}  // namespace

std::uint64_t time_channel_file(const ProgramHeader& h, const ChannelFile& f) {
  const std::string fmt = channel_format(h.family);
  if (fmt == "pimba") {
    const dram::DramSpec& spec = dram::preset(h.preset);
    const pim::ChannelEngine engine(pim::pimba_protocol(h.artifact_compatible), spec);
    return f.pimba.empty() ? 0 : engine.run(f.pimba, spec.org.pseudo_channels).last_issue_cycle + 1;
  }
  if (fmt == "newton") {
    const pim::NewtonOptions no{pim::parse_pim_type(h.variant), h.artifact_compatible};
    return pim::run_newton(no, f.newton).cycles;
  }
  if (fmt == "attacc") {
    pim::AttaccOptions opt;
    opt.artifact_compatible = h.artifact_compatible;
    return static_cast<std::uint64_t>(pim::run_attacc_stack(dram::preset(h.preset), f.attacc, opt).cycles);
  }
  throw std::invalid_argument("family '" + h.family + "' has no channel files");
}

std::string channel_format(const std::string& family) {
  if (is_pimba_family(family)) return "pimba";
  if (family == "newton" || family == "neupims") return "newton";
  if (family == "attacc") return "attacc";
  return "";
}

SystemProgram compile(const CompileInput& in) {
  if (in.contexts.empty()) throw std::invalid_argument("no requests to compile (batch 0)");
  i64 sum = 0;
  for (std::size_t i = 0; i < in.contexts.size(); ++i) {
    const i64 L = in.contexts[i];
    if (L < 2 || L > (i64{1} << 30))
      throw std::invalid_argument("request " + std::to_string(i) + ": context " + std::to_string(L) +
                                  " out of range (2..2^30: a prompt of at least one token, plus this step's)");
    sum += L;
  }
  if (in.tp < 1) throw std::invalid_argument("tp " + std::to_string(in.tp) + " (allowed: >= 1)");
  if (!in.reserve.empty() && in.reserve.size() != in.contexts.size())
    throw std::invalid_argument("reserve lengths: " + std::to_string(in.reserve.size()) + " for " +
                                std::to_string(in.contexts.size()) + " requests");
  if (!in.pinned.empty() && in.pinned.size() != in.contexts.size())
    throw std::invalid_argument("pinned channels: " + std::to_string(in.pinned.size()) + " for " +
                                std::to_string(in.contexts.size()) + " requests");
  const std::string& fam = in.system.pim_family;
  const std::string fmt = channel_format(fam);
  if (in.system.has_pim() && fmt.empty())
    throw std::invalid_argument("system '" + in.system.name + "': PIM family '" + fam +
                                "' has no compiled streams (families compiled: pimba, hbm-pim, time-multiplexed, "
                                "pipelined, newton, neupims)");
  if (in.chunk < 0) throw std::invalid_argument("chunk " + std::to_string(in.chunk) + " (allowed: 0 = a decode step, or >= 1 tokens)");
  i64 chunk = in.chunk;  // the header's: the largest request's
  if (!in.chunks.empty()) {
    if (in.chunks.size() != in.contexts.size())
      throw std::invalid_argument("prefill chunks: " + std::to_string(in.chunks.size()) + " for " +
                                  std::to_string(in.contexts.size()) + " requests");
    if (in.system.host == model::Device::gpu)
      throw std::invalid_argument("per-request prefill chunks on a GPU host (its prefill graph takes one chunk "
                                  "size for every request: chunk)");
    for (std::size_t i = 0; i < in.chunks.size(); ++i) {
      if (in.chunks[i] < 1)
        throw std::invalid_argument("request " + std::to_string(i) + ": a chunk of " + std::to_string(in.chunks[i]) +
                                    " tokens (allowed: >= 1)");
      chunk = std::max(chunk, in.chunks[i]);
    }
  }
  if (chunk > 0) {
    if (in.artifact_compatible)
      throw std::invalid_argument("a prefill chunk with --artifact-compatible: the artifacts model decode steps only");
    for (std::size_t i = 0; i < in.contexts.size(); ++i) {
      const i64 q = in.chunks.empty() ? in.chunk : in.chunks[i];
      if (q > in.contexts[i])
        throw std::invalid_argument("request " + std::to_string(i) + ": a chunk of " + std::to_string(q) +
                                    " tokens does not fit in context " + std::to_string(in.contexts[i]));
    }
  }
  if (fmt == "pimba" && in.artifact_compatible && chunk == 0)
    throw std::invalid_argument("system '" + in.system.name +
                                "': artifact-compatible Pimba-family PIM attention is interpolated between two "
                                "lengths and has no stream of its own; compile without --artifact-compatible");
  const auto B = static_cast<i64>(in.contexts.size());
  SystemProgram p;
  ProgramHeader& h = p.header;
  h.system = in.system.name;
  h.model = in.model.name;
  h.batch = B;
  h.context = ceil_div(sum, B);
  h.tp = in.tp;
  h.artifact_compatible = in.artifact_compatible;
  if (in.system.has_pim()) {
    h.family = fam;
    if (fmt == "pimba") {
      h.variant = fam;
      h.preset = in.pim_dram;
      h.channels = in.pim_channels;
    } else if (fmt == "attacc") {
      h.variant = pim::placement_name(in.attacc_placement);
      h.preset = in.attacc_dram;
      h.channels = in.attacc_stacks;
    } else {
      h.variant = fam == "newton" ? "single" : "dual";
      h.preset = pim::newton_spec().name;
      h.channels = in.placement ? static_cast<int>(in.placement->channels) : 0;
    }
  }
  if (chunk > 0) {
    h.chunk = chunk;
    compile_prefill(in, p);
    return p;
  }
  if (in.system.host == model::Device::gpu) compile_gpu(in, p, h.context);
  else compile_npu(in, p);
  return p;
}

std::vector<std::pair<std::size_t, std::int64_t>> host_instances(const std::vector<HostEntry>& host) {
  std::vector<std::int64_t> repeats;
  for (const HostEntry& e : host) repeats.push_back(e.repeat);
  return loop_instances(repeats);
}

std::string pim_entry_category(const HostEntry& e) {
  if (!e.category.empty()) return e.category;
  return e.name.rfind("attention", 0) == 0 ? "gemv" : "state_update";
}

// ---- writers ------------------------------------------------------------------------------------
void write_host_kernels(std::ostream& os, const SystemProgram& p) {
  os << header_line(p.header, "host.kernels") << '\n';
  os << "# kernel INDEX SUB_BATCH REPEAT AFTER CLS CATEGORY NAME M N K NUM_OP DBYTE\n";
  os << "# pim    INDEX SUB_BATCH REPEAT AFTER SEGMENT NAME\n";
  for (std::size_t i = 0; i < p.host.size(); ++i) {
    const HostEntry& e = p.host[i];
    const std::string after = e.after < 0 ? "-" : std::to_string(e.after);
    if (e.kind == EntryKind::kernel)
      os << "kernel " << i << ' ' << e.sub_batch << ' ' << e.repeat << ' ' << after << ' ' << e.cls << ' '
         << e.category << ' ' << e.name << ' ' << e.m << ' ' << e.n << ' ' << e.k << ' ' << e.num_op << ' '
         << e.dbyte << '\n';
    else
      os << "pim " << i << ' ' << e.sub_batch << ' ' << e.repeat << ' ' << after << ' ' << e.segment << ' ' << e.name
         << '\n';
  }
}

void write_host_npu(std::ostream& os, const SystemProgram& p) {
  os << header_line(p.header, "host.npu") << '\n';
  write_npu_stages(os, p.npu);
}

void write_manifest(std::ostream& os, const SystemProgram& p) {
  os << header_line(p.header, "manifest") << '\n';
  os << "host " << host_file(p) << '\n';
  os << "# segment ID NAME SUB_BATCH REPEAT REQUESTS\n";
  for (const Segment& s : p.segments)
    os << "segment " << s.id << ' ' << s.name << ' ' << s.sub_batch << ' ' << s.repeat << ' ' << s.requests << '\n';
  os << "# file PATH SEGMENT CHANNEL COMMANDS CYCLES\n";
  for (const ChannelFile& f : p.files)
    os << "file " << f.path << ' ' << f.segment << ' ' << f.channel << ' ' << f.commands << ' ' << f.cycles << '\n';
}

void write_channel_file(std::ostream& os, const SystemProgram& p, const ChannelFile& f) {
  pim::TraceHeader th;
  th.present = true;
  th.variant = p.header.variant;
  th.preset = p.header.preset;
  th.channels = p.header.channels;
  if (channel_format(p.header.family) == "attacc") {
    th.family = "attacc";
    th.channels = dram::preset(p.header.preset).org.channels;  // of the stack
    pim::write_attacc_trace(os, th, f.attacc);
  } else if (channel_format(p.header.family) == "pimba") {
    th.family = "pimba";
    os << pim::format_trace_header(th) << '\n';
    for (const pim::Command& c : f.pimba) pim::write_trace_line(os, c);
  } else {
    th.family = p.header.family;
    os << pim::format_trace_header(th) << '\n';
    pim::write_newton_trace(os, f.newton);
  }
}

void write_program(const std::string& dir, const SystemProgram& p) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(fs::path(dir) / "pim", ec);
  if (ec) throw std::runtime_error("cannot create the directory '" + dir + "/pim': " + ec.message());
  // Channel files of an earlier program in the same directory would be stale.
  for (const auto& e : fs::directory_iterator(fs::path(dir) / "pim", ec)) {
    const std::string x = e.path().extension().string();
    if (e.is_regular_file() && (x == ".pimba" || x == ".newton" || x == ".attacc")) fs::remove(e.path(), ec);
  }
  auto put = [&](const std::string& rel, auto&& body) {
    const std::string path = (fs::path(dir) / rel).string();
    std::ofstream os(path, std::ios::binary | std::ios::trunc);
    if (!os) throw std::runtime_error("cannot write '" + path + "'");
    body(os);
    os.flush();
    if (!os) throw std::runtime_error("cannot write '" + path + "'");
  };
  put("manifest", [&](std::ostream& os) { write_manifest(os, p); });
  // The host file of the other kind, from an earlier program, would be stale.
  fs::remove(fs::path(dir) / (p.npu_host ? "host.kernels" : "host.npu"), ec);
  if (p.npu_host)
    put("host.npu", [&](std::ostream& os) { write_host_npu(os, p); });
  else
    put("host.kernels", [&](std::ostream& os) { write_host_kernels(os, p); });
  for (const ChannelFile& f : p.files) put(f.path, [&](std::ostream& os) { write_channel_file(os, p, f); });
}

// ---- readers ------------------------------------------------------------------------------------
ProgramHeader parse_header(const std::string& line, const std::string& kind, const std::string& source,
                           std::size_t line_no) {
  const std::vector<std::string> t = split(line);
  if (t.size() < 3 || t[0] != "pimlab-program")
    fail(source, line_no, "not a pimlab program file (the first line must be 'pimlab-program " +
                              std::to_string(kProgramVersion) + " " + kind + " ...')");
  ProgramHeader h;
  h.version = static_cast<int>(to_int(t[1], "format version", 1, 1 << 20, source, line_no));
  if (h.version != kProgramVersion)
    fail(source, line_no, "format version " + t[1] + " is not supported (allowed: " + std::to_string(kProgramVersion) + ")");
  if (t[2] != kind) fail(source, line_no, "file kind '" + t[2] + "' where '" + kind + "' is expected");
  static const char* keys[] = {"system", "model", "batch", "context", "tp", "family", "variant", "preset", "channels", "artifact", "chunk"};
  std::map<std::string, std::string> kv;
  for (std::size_t i = 3; i < t.size(); ++i) {
    const auto eq = t[i].find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == t[i].size())
      fail(source, line_no, "header field '" + t[i] + "' is not key=value");
    const std::string k = t[i].substr(0, eq);
    if (std::find(std::begin(keys), std::end(keys), k) == std::end(keys))
      fail(source, line_no, "unknown header key '" + k +
                                "' (allowed: system, model, batch, context, tp, family, variant, preset, channels, artifact, chunk)");
    if (!kv.emplace(k, t[i].substr(eq + 1)).second) fail(source, line_no, "header key '" + k + "' given twice");
  }
  for (const char* k : keys)
    if (!kv.count(k) && std::string(k) != "chunk") fail(source, line_no, std::string("header key '") + k + "' missing");
  h.system = kv["system"];
  h.model = kv["model"];
  h.batch = to_int(kv["batch"], "batch", 1, 1 << 20, source, line_no);
  h.context = to_int(kv["context"], "context", 1, i64{1} << 30, source, line_no);
  h.tp = to_int(kv["tp"], "tp", 1, 4096, source, line_no);
  h.family = kv["family"];
  if (h.family != "none" && channel_format(h.family).empty())
    fail(source, line_no, "family '" + h.family +
                              "' (allowed: none, pimba, hbm-pim, time-multiplexed, pipelined, newton, neupims)");
  h.variant = kv["variant"];
  h.preset = kv["preset"];
  h.channels = static_cast<int>(to_int(kv["channels"], "channels", 0, 1024, source, line_no));
  h.artifact_compatible = to_int(kv["artifact"], "artifact", 0, 1, source, line_no) == 1;
  if (kv.count("chunk")) h.chunk = to_int(kv["chunk"], "chunk", 1, h.context, source, line_no);
  if (h.family != "none" && h.channels < 1) fail(source, line_no, "channels 0 with PIM family '" + h.family + "'");
  return h;
}

std::vector<HostEntry> read_host_kernels(std::istream& is, const std::string& source, ProgramHeader* header) {
  std::vector<HostEntry> out;
  std::string line;
  bool have_header = false;
  for (std::size_t n = 1; textio::read_line(is, line, source, n); ++n) {
    const auto first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos || line[first] == '#') continue;
    if (!have_header) {
      const ProgramHeader h = parse_header(line, "host.kernels", source, n);
      if (header) *header = h;
      have_header = true;
      continue;
    }
    const std::vector<std::string> t = split(line);
    if (t.empty()) continue;  // only white space the first test does not skip (\f, \v)
    const int index = static_cast<int>(out.size());
    HostEntry e;
    if (t[0] == "kernel") {
      if (t.size() != 13) fail(source, n, "a kernel line has 13 fields, not " + std::to_string(t.size()));
      e.kind = EntryKind::kernel;
    } else if (t[0] == "pim") {
      if (t.size() != 7) fail(source, n, "a pim line has 7 fields, not " + std::to_string(t.size()));
      e.kind = EntryKind::pim;
    } else {
      fail(source, n, "unknown item '" + t[0] + "' (allowed: kernel, pim)");
    }
    if (to_int(t[1], "index", 0, 1 << 30, source, n) != index)
      fail(source, n, "index " + t[1] + " where " + std::to_string(index) + " is next");
    e.sub_batch = static_cast<int>(to_int(t[2], "sub_batch", 0, 2, source, n));
    e.repeat = to_int(t[3], "repeat", 1, i64{1} << 40, source, n);
    e.after = to_after(t[4], index, source, n);
    if (e.kind == EntryKind::kernel) {
      try {
        e.cls = model::class_name(model::parse_class(t[5]));
        e.category = model::category_name(model::parse_category(t[6]));
      } catch (const std::invalid_argument& x) {
        fail(source, n, x.what());
      }
      if (e.cls != t[5] || e.category != t[6]) fail(source, n, "class '" + t[5] + "' / category '" + t[6] + "' not in canonical spelling");
      e.name = t[7];
      e.m = to_int(t[8], "m", 0, i64{1} << 40, source, n);
      e.n = to_int(t[9], "n", 0, i64{1} << 40, source, n);
      e.k = to_int(t[10], "k", 0, i64{1} << 40, source, n);
      e.num_op = to_int(t[11], "num_op", 1, i64{1} << 40, source, n);
      e.dbyte = static_cast<int>(to_int(t[12], "dbyte", 1, 8, source, n));
    } else {
      e.segment = static_cast<int>(to_int(t[5], "segment", 0, 1 << 30, source, n));
      e.name = t[6];
      e.category = pim_entry_category(e);
    }
    out.push_back(e);
  }
  if (!have_header) throw std::invalid_argument(source + ": empty (no 'pimlab-program' header)");
  return out;
}

std::vector<NpuStage> read_host_npu(std::istream& is, const std::string& source, ProgramHeader* header) {
  std::string line;
  for (std::size_t n = 1; textio::read_line(is, line, source, n); ++n) {
    const auto first = line.find_first_not_of(" \t\r\f\v");
    if (first == std::string::npos || line[first] == '#') continue;
    const ProgramHeader h = parse_header(line, "host.npu", source, n);
    if (header) *header = h;
    return read_npu_stages(is, source, n);
  }
  throw std::invalid_argument(source + ": empty (no 'pimlab-program' header)");
}

SystemProgram read_program(const std::string& dir) {
  namespace fs = std::filesystem;
  SystemProgram p;
  const std::string mpath = (fs::path(dir) / "manifest").string();
  {
    std::ifstream is = open_in(mpath, "program manifest");
    std::string line;
    bool have_header = false, have_host = false;
    for (std::size_t n = 1; textio::read_line(is, line, mpath, n); ++n) {
      const auto first = line.find_first_not_of(" \t\r");
      if (first == std::string::npos || line[first] == '#') continue;
      if (!have_header) {
        p.header = parse_header(line, "manifest", mpath, n);
        have_header = true;
        continue;
      }
      const std::vector<std::string> t = split(line);
      if (t.empty()) continue;  // only white space the first test does not skip (\f, \v)
      if (t[0] == "host") {
        if (t.size() != 2 || (t[1] != "host.kernels" && t[1] != "host.npu"))
          fail(mpath, n, "expected 'host host.kernels' or 'host host.npu'");
        if (have_host) fail(mpath, n, "second 'host' line");
        have_host = true;
        p.npu_host = t[1] == "host.npu";
      } else if (t[0] == "segment") {
        if (t.size() != 6) fail(mpath, n, "a segment line has 6 fields, not " + std::to_string(t.size()));
        Segment s;
        s.id = static_cast<int>(to_int(t[1], "segment", 0, 1 << 30, mpath, n));
        if (s.id != static_cast<int>(p.segments.size()))
          fail(mpath, n, "segment " + t[1] + " where " + std::to_string(p.segments.size()) + " is next");
        s.name = t[2];
        s.sub_batch = static_cast<int>(to_int(t[3], "sub_batch", 0, 2, mpath, n));
        s.repeat = to_int(t[4], "repeat", 1, i64{1} << 40, mpath, n);
        s.requests = to_int(t[5], "requests", 0, 1 << 20, mpath, n);
        p.segments.push_back(s);
      } else if (t[0] == "file") {
        if (t.size() != 6) fail(mpath, n, "a file line has 6 fields, not " + std::to_string(t.size()));
        if (p.header.family == "none") fail(mpath, n, "a channel file in a program without PIM");
        ChannelFile f;
        f.path = t[1];
        f.segment = static_cast<int>(to_int(t[2], "segment", 0, 1 << 30, mpath, n));
        if (f.segment >= static_cast<int>(p.segments.size())) fail(mpath, n, "file names segment " + t[2] + ", which is not declared before it");
        f.channel = static_cast<int>(to_int(t[3], "channel", 0, p.header.channels - 1, mpath, n));
        f.commands = static_cast<std::uint64_t>(to_int(t[4], "commands", 1, i64{1} << 50, mpath, n));
        f.cycles = static_cast<std::uint64_t>(to_int(t[5], "cycles", 0, i64{1} << 60, mpath, n));
        const std::string want = file_path(f.channel, f.segment, channel_format(p.header.family));
        if (f.path != want) fail(mpath, n, "file '" + f.path + "' where '" + want + "' is expected for that channel and segment");
        p.files.push_back(f);
      } else {
        fail(mpath, n, "unknown item '" + t[0] + "' (allowed: host, segment, file)");
      }
    }
    if (!have_header) throw std::invalid_argument(mpath + ": empty (no 'pimlab-program' header)");
    if (!have_host) throw std::invalid_argument(mpath + ": no 'host host.kernels' or 'host host.npu' line");
  }
  const std::string hpath = (fs::path(dir) / host_file(p)).string();
  if (p.npu_host) {
    std::ifstream is = open_in(hpath, "NPU program");
    ProgramHeader h;
    p.npu = read_host_npu(is, hpath, &h);
    if (!same_header(h, p.header))
      throw std::invalid_argument(hpath + ":1: header disagrees with the manifest's (" + header_line(h, "host.npu") +
                                  " vs " + header_line(p.header, "manifest") + ")");
    for (const NpuStage& s : p.npu)
      if (s.segment >= static_cast<int>(p.segments.size()))
        throw std::invalid_argument(hpath + ": stage " + s.name + " names segment " + std::to_string(s.segment) +
                                    ", which the manifest does not declare");
  } else {
    std::ifstream is = open_in(hpath, "host kernel list");
    ProgramHeader h;
    p.host = read_host_kernels(is, hpath, &h);
    if (!same_header(h, p.header))
      throw std::invalid_argument(hpath + ":1: header disagrees with the manifest's (" + header_line(h, "host.kernels") +
                                  " vs " + header_line(p.header, "manifest") + ")");
    for (std::size_t i = 0; i < p.host.size(); ++i)
      if (p.host[i].kind == EntryKind::pim && p.host[i].segment >= static_cast<int>(p.segments.size()))
        throw std::invalid_argument(hpath + ": entry " + std::to_string(i) + " launches segment " +
                                    std::to_string(p.host[i].segment) + ", which the manifest does not declare");
  }
  const std::string fmt = channel_format(p.header.family);
  for (ChannelFile& f : p.files) {
    const std::string path = (fs::path(dir) / f.path).string();
    if (fmt == "attacc") {
      f.attacc = pim::read_attacc_trace_file(path, dram::preset(p.header.preset).org.channels);
      if (f.attacc.size() != f.commands)
        throw std::invalid_argument(path + ": " + std::to_string(f.attacc.size()) + " requests, the manifest says " +
                                    std::to_string(f.commands));
    } else if (fmt == "pimba") {
      pim::TraceLimits lim;
      lim.channels = p.header.channels;
      lim.pseudo_channels = dram::preset(p.header.preset).org.pseudo_channels;
      f.pimba = pim::read_trace_file(path, lim);
      for (const pim::Command& c : f.pimba)
        if (c.ch != f.channel)
          throw std::invalid_argument(path + ": a command of channel " + std::to_string(c.ch) + " in the file of channel " +
                                      std::to_string(f.channel));
      if (f.pimba.size() != f.commands)
        throw std::invalid_argument(path + ": " + std::to_string(f.pimba.size()) + " commands, the manifest says " +
                                    std::to_string(f.commands));
    } else {
      const auto chans = pim::read_newton_trace_file(path, pim::parse_pim_type(p.header.variant));
      if (chans.size() != 1 || chans.begin()->first != f.channel)
        throw std::invalid_argument(path + ": transactions must all be of channel " + std::to_string(f.channel));
      f.newton = chans.begin()->second;
      if (f.newton.pim.size() != f.commands)
        throw std::invalid_argument(path + ": " + std::to_string(f.newton.pim.size()) +
                                    " PIM transactions, the manifest says " + std::to_string(f.commands));
    }
  }
  return p;
}

}  // namespace pimlab::firmware::compiler
