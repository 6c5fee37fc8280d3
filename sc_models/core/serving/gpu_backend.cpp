#include "serving/gpu_backend.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "dram/spec.h"
#include "firmware/attacc/generator.h"
#include "model/graph.h"

namespace pimlab::serving {

namespace fw = firmware::pimba;

void set_gpu_pim_channels(PimbaPimOptions& p, const gpu::Host& h, bool artifact_compatible) {
  p.dram = artifact_compatible ? std::string("hbm2-pimba") : h.pim_dram;
  p.channels = h.hbm_stacks * dram::preset(p.dram).org.channels;
}

namespace {

gpu::OpClass gpu_class(const model::Operator& op) {
  switch (op.cls) {
    case model::OpClass::fc: return gpu::OpClass::FC;
    case model::OpClass::matmul: return gpu::OpClass::MATMUL;
    case model::OpClass::softmax: return gpu::OpClass::SOFTMAX;
    case model::OpClass::norm: return gpu::OpClass::NORM;
    case model::OpClass::act: return gpu::OpClass::ACT;
    case model::OpClass::g2g: return gpu::OpClass::G2G;
    case model::OpClass::x2g: return gpu::OpClass::X2G;
    case model::OpClass::su: break;
  }
  throw std::invalid_argument("operator '" + op.name + "' (class SU) is a PIM state-update kernel; it cannot run on the GPU");
}

std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }

}  // namespace

GpuBackend::GpuBackend(const GpuSystemOptions& o) : m_o(o) {
  if (o.system.host != model::Device::gpu)
    throw std::invalid_argument("system '" + o.system.name + "' has no GPU host");
  if (o.gpus < 1 || o.gpus > 64) throw std::invalid_argument("gpus " + std::to_string(o.gpus) + " out of range (1..64)");
  gpu::validate(o.host);
  if (o.system.pim_family == "attacc") {
    AttaccPimOptions p;
    p.placement = o.attacc_placement;
    p.sample_stride = o.attacc_sample_stride;
    p.artifact_compatible = o.artifact_compatible;
    m_attacc = std::make_unique<AttaccPim>(p);
  } else if (o.system.has_pim()) {
    const std::string& f = o.system.pim_family;
    if (f != "pimba" && f != "hbm-pim" && f != "time-multiplexed" && f != "pipelined")
      throw std::invalid_argument("system '" + o.system.name + "': PIM family '" + f +
                                  "' is not a Pimba-family design (pimba, hbm-pim, time-multiplexed, pipelined)");
    PimbaPimOptions p;
    p.variant = f;
    set_gpu_pim_channels(p, o.host, o.artifact_compatible);
    p.artifact_compatible = o.artifact_compatible;
    p.clock_mhz = o.host.hbm_clock_mhz;
    p.reuse = o.reuse;
    m_pim = std::make_unique<PimbaPim>(p);
    if (o.artifact_compatible && !(o.attention_lo > 0 && o.attention_hi > o.attention_lo))
      throw std::invalid_argument("artifact-compatible PIM attention needs its interpolation points (lin+1 < lin+lout)");
  }
  if (o.cim.place != CimPlace::none) {
    if (o.artifact_compatible)
      throw std::invalid_argument("system '" + o.system.name + "': CIM placement is not part of the artifacts (drop --artifact-compatible)");
    if (o.cim.place == CimPlace::softmax && m_attacc)
      throw std::invalid_argument("system '" + o.system.name +
                                  "': cim.place \"softmax\" conflicts with attacc, whose attention kernel runs the softmax in PIM");
    m_cim = std::make_unique<CimPlacement>(o.cim, o.model, o.gpus);
  }
  if (o.mode == ExecMode::interleaved)
    throw std::invalid_argument("system '" + o.system.name + "': mode 'interleaved' is the NeuPIMs sub-batch schedule "
                                "(neupims only); GPU-host systems take serial or overlap");
  if (o.mode == ExecMode::overlap) {
    if (!o.system.has_pim() && o.cim.place == CimPlace::none)
      throw std::invalid_argument("system '" + o.system.name + "': mode 'overlap' needs PIM or CIM tiles to overlap with the host "
                                  "(gpu+pim, pimba, time-multiplexed, pipelined, attacc, or a platform with a \"cim\" section); "
                                  "allowed here: serial");
    if (o.artifact_compatible)
      throw std::invalid_argument("system '" + o.system.name + "': the artifacts are serial; mode 'overlap' is not artifact-compatible");
    if (o.sub_batches != kSubBatchesAuto && (o.sub_batches < 1 || o.sub_batches > 64))
      throw std::invalid_argument("sub-batches " + std::to_string(o.sub_batches) + " out of range (1..64, or auto)");
  }
}

double GpuBackend::kv_capacity_bytes() const {
  if (!(m_o.host.hbm_bytes > 0)) return 0;  // unknown: no capacity check
  return m_o.host.hbm_bytes * m_o.gpus - model::weight_memory_bytes(m_o.model, m_o.system.formats);
}

std::map<std::string, std::string> GpuBackend::describe() const {
  char peak[64], bw[64];
  std::snprintf(peak, sizeof peak, "%.17g", m_o.host.peak_flops);
  std::snprintf(bw, sizeof bw, "%.17g", m_o.host.hbm_bytes_per_s);
  std::map<std::string, std::string> d{{"host", m_o.host.name},
                                       {"host_peak_flops", peak},
                                       {"host_peak_bytes_per_s", bw},
                                       {"gpus", std::to_string(m_o.gpus)},
                                       {"mode", mode_name(m_o.mode)},
                                       {"pim", m_o.system.has_pim() ? m_o.system.pim_family : "none"}};
  if (m_o.mode == ExecMode::overlap) d["sub_batches"] = sub_batches_name(m_o.sub_batches);
  if (m_attacc) {
    d["pim_stacks"] = std::to_string(m_attacc->options().stacks);
    d["pim_dram"] = m_attacc->options().dram;
    d["pim_placement"] = pim::placement_name(m_attacc->options().placement);
  }
  if (m_cim) m_cim->describe(d);
  if (m_pim) {
    d["pim_channels"] = std::to_string(m_pim->options().channels);
    d["pim_dram"] = m_pim->options().dram;
  }
  return d;
}

void GpuBackend::host_op(const model::Operator& op, IterationCost& c) {
  gpu::Operator g;
  g.cls = gpu_class(op);
  g.name = op.name;
  g.category = model::category_name(op.category);
  g.m = op.m;
  g.n = op.n;
  g.k = op.k;
  g.num_op = op.num_op;
  g.dbyte = op.dbyte;
  const OpKey key{static_cast<int>(g.cls), g.m, g.n, g.k, g.num_op, g.dbyte};
  auto it = m_gpu_cache.find(key);
  if (it == m_gpu_cache.end()) it = m_gpu_cache.emplace(key, gpu::time_operator(m_o.host, g, m_o.gpus)).first;
  const gpu::OpResult& r = it->second;
  const double times = static_cast<double>(op.repeat) / static_cast<double>(op.steps);
  const double t = r.time_s * times;
  c.charge(g.category, t, 0, nullptr);
  const double off = r.e_offchip_pJ * 1e-12 * times * m_o.gpus, on = r.e_onchip_pJ * 1e-12 * times * m_o.gpus;
  c.charge(g.category, 0, off, &c.dram_energy_j);
  c.charge(g.category, 0, on, &c.host_energy_j);
  c.host_busy_s += t;
  if (!gpu::is_link(g.cls)) c.host_bytes += r.hbm_bytes * times;
  c.host_flops += r.flops * times;
  c.time_s += t;
  if (m_collect)
    m_traced.push_back({op.name, g.category, false, r.time_s / static_cast<double>(op.steps), op.repeat, {},
                        gpu::is_link(g.cls) ? 0.0 : r.flops, gpu::is_link(g.cls) ? 0.0 : r.hbm_bytes,
                        std::min(r.memory_s, r.time_s) / static_cast<double>(op.steps)});
}

PimKernelResult GpuBackend::attention_kernel(fw::Op op, std::int64_t num_op, std::int64_t rows, std::int64_t L) {
  if (!m_o.artifact_compatible) return m_pim->run(op, num_op, rows, L);
  // The artifact runs the kernel at the two ends of the KV range and
  // interpolates (a quirk; exact only at the ends).
  const PimKernelResult lo = m_pim->run(op, num_op, rows, m_o.attention_lo);
  const PimKernelResult hi = m_pim->run(op, num_op, rows, m_o.attention_hi);
  const double f = static_cast<double>(L - m_o.attention_lo) / static_cast<double>(m_o.attention_hi - m_o.attention_lo);
  PimKernelResult r = lo;
  r.time_s = lo.time_s + f * (hi.time_s - lo.time_s);
  r.energy_j = lo.energy_j + f * (hi.energy_j - lo.energy_j);
  return r;
}

void GpuBackend::attacc_op(const model::Operator& op, const std::vector<DecodeRequest>& batch, IterationCost& c) {
  // One stack run covers the layer's whole attention: score, softmax and
  // context (attacc_pim.md §9); the softmax and context operators add nothing.
  if (op.name == "attention_softmax" || op.name == "attention_kv" || op.cls == model::OpClass::softmax) return;
  if (op.name != "attention_qk")
    throw std::invalid_argument("operator '" + op.name + "' has no AttAcc PIM kernel (decode attention only)");
  const double times = static_cast<double>(op.repeat) / static_cast<double>(op.steps);
  const auto B = static_cast<std::int64_t>(batch.size());
  const std::int64_t per_request = (op.num_op / B) * op.m;
  std::vector<std::int64_t> contexts;  // grouped by KV length (firmware/attacc: what `pimlab compile` emits)
  for (const DecodeRequest& r : batch) contexts.push_back(r.context);
  for (const firmware::attacc::LengthGroup& g : firmware::attacc::length_groups(contexts)) {
    const AttaccKernelResult k = m_attacc->run(per_request * g.requests, op.k, g.len, op.dbyte);
    const double t = k.time_s * times;
    if (m_collect) m_traced.push_back({"attention", "gemv", true, k.time_s / static_cast<double>(op.steps), op.repeat, {}, 0, 0, 0});
    c.charge("gemv", t, k.energy_j * times * m_o.gpus, &c.pim_energy_j);
    c.pim_busy_s += t;
    c.time_s += t;
  }
}

void GpuBackend::pim_op(const model::Operator& op, const std::vector<DecodeRequest>& batch, IterationCost& c) {
  if (m_attacc) return attacc_op(op, batch, c);
  if (!m_pim) throw std::logic_error("PIM operator on a system without PIM");
  const std::string cat = model::category_name(op.category);
  const double times = static_cast<double>(op.repeat) / static_cast<double>(op.steps);
  auto charge = [&](const PimKernelResult& r) {
    const double t = r.time_s * times;
    c.charge(cat, t, r.energy_j * times * m_o.gpus, &c.pim_energy_j);
    c.pim_busy_s += t;
    c.time_s += t;
  };
  // Recording: the operator instance and its channel-0 commands.
  auto traced = [&](const PimKernelResult& r, fw::Op kop, std::int64_t num_op, std::int64_t rows, std::int64_t cols) {
    if (m_collect)
      m_traced.push_back({op.name, cat, true, r.time_s / static_cast<double>(op.steps), op.repeat,
                          m_trace ? m_pim->channel0(kop, num_op, rows, cols)
                                  : std::vector<std::pair<std::uint64_t, pim::Command>>{},
                          0, 0, 0});
  };
  if (op.cls == model::OpClass::su) {
    // m heads x num_op requests, each state n x k (system.md §1.3).
    const PimKernelResult r = m_pim->run(fw::Op::SU, op.m * op.num_op, op.n, op.k);
    charge(r);
    traced(r, fw::Op::SU, op.m * op.num_op, op.n, op.k);
    return;
  }
  const bool score = op.name == "attention_qk", attend = op.name == "attention_kv";
  if (op.cls != model::OpClass::matmul || !(score || attend))
    throw std::invalid_argument("operator '" + op.name + "' (" + model::class_name(op.cls) +
                                ") has no Pimba-family PIM kernel (state updates and attention GEMVs only)");
  // Matrices per request: KV heads of the shard x query rows sharing them
  // (GQA: each query head is its own GEMV over the shared K/V).
  const auto B = static_cast<std::int64_t>(batch.size());
  const std::int64_t per_request = (op.num_op / B) * op.m;
  const std::int64_t d = score ? op.k : op.n;
  const fw::Op kop = score ? fw::Op::Score : fw::Op::Attend;
  // Requests grouped by their KV length's column blocks (firmware/pimba:
  // the kernels `pimlab compile` emits); groups run back to back.
  std::vector<std::int64_t> contexts;
  for (const DecodeRequest& r : batch) contexts.push_back(r.context);
  for (const fw::AttentionKernel& g : fw::attention_kernels(kop, m_pim->variant().name, per_request, contexts)) {
    const PimKernelResult r = attention_kernel(kop, g.num_op, d, g.cols);
    charge(r);
    traced(r, kop, g.num_op, d, g.cols);
  }
}

bool GpuBackend::cim_op(const model::Operator& op, const std::vector<std::int64_t>& lengths, bool& ffn_act,
                        IterationCost& c) {
  if (!m_cim) return false;
  const auto B = static_cast<std::int64_t>(lengths.size());
  if (m_cim->system().place == CimPlace::softmax && op.name == "attention_softmax") {
    cim_charge(op, op.name, m_cim->softmax_layer(lengths, (op.num_op / B) * op.m), c);
    return true;
  }
  if (m_cim->system().place == CimPlace::ffn) {
    if (op.name == "ffn_1") {
      cim_charge(op, "ffn_1+act+ffn_2", m_cim->ffn_layer(op.m), c);
      ffn_act = true;
      return true;
    }
    if (op.name == "ffn_2" || (ffn_act && op.cls == model::OpClass::act)) {  // timed with ffn_1
      ffn_act = false;
      return true;
    }
  }
  return false;
}

void GpuBackend::cim_charge(const model::Operator& op, const std::string& name, const CimOpCost& k,
                            IterationCost& c) {
  // Serial composition, as PIM kernels: the layer's CIM time adds to the
  // iteration; every layer is the same (repeat), energy counts every GPU's chip.
  const double times = static_cast<double>(op.repeat) / static_cast<double>(op.steps);
  const double t = k.time_s * times;
  c.charge(model::category_name(op.category), t, k.energy_j * times * m_o.gpus, &c.cim_energy_j);
  c.cim_busy_s += t;
  c.cim_transfer_s += k.transfer.time_s() * times;
  c.cim_transfer_bytes += static_cast<double>(k.transfer.bytes()) * times;
  c.time_s += t;
  if (m_collect) {
    Traced x;
    x.name = name;
    x.category = model::category_name(op.category);
    x.cim = true;
    x.time_s = k.time_s / static_cast<double>(op.steps);
    x.repeat = op.repeat;
    m_traced.push_back(std::move(x));
  }
}

IterationCost GpuBackend::decode(const std::vector<DecodeRequest>& batch) {
  IterationCost c;
  if (batch.empty()) return c;
  for (const DecodeRequest& r : batch)
    if (r.context < 1) throw std::invalid_argument("decode request with KV length " + std::to_string(r.context));
  if (m_o.mode == ExecMode::overlap) return decode_overlap(batch);
  m_collect = m_trace != nullptr;
  m_traced.clear();
  run_ops(batch, c);
  if (m_trace) lay_out(*m_trace);
  m_collect = false;
  return c;
}

void GpuBackend::run_ops(const std::vector<DecodeRequest>& batch, IterationCost& c) {
  std::int64_t sum = 0;
  for (const DecodeRequest& r : batch) sum += r.context;
  const auto B = static_cast<std::int64_t>(batch.size());
  // The host's attention is memory bound on the KV bytes, sum of L over the
  // batch: timed at the mean length (exact when all lengths are equal).
  model::GraphOptions go = model::graph_options(m_o.system, B, ceil_div(sum, B), m_o.gpus, m_o.artifact_compatible);
  go.artifact_steps = 1;  // one iteration = one decode step
  const std::vector<model::Operator> ops = model::decode_graph(m_o.model, go);
  bool ffn_act = false;  // the activation between ffn_1 and ffn_2 runs on the CIM VFU
  std::vector<std::int64_t> lengths;
  for (const DecodeRequest& r : batch) lengths.push_back(r.context);
  for (const model::Operator& op : ops) {
    if (cim_op(op, lengths, ffn_act, c)) continue;
    if (model::map_operator(m_o.system, op, m_o.extra_rules) == model::Device::pim)
      pim_op(op, batch, c);
    else
      host_op(op, c);
  }
}

IterationCost GpuBackend::decode_overlap(const std::vector<DecodeRequest>& batch) {
  if (m_o.sub_batches != kSubBatchesAuto) return overlap_with(batch, m_o.sub_batches, m_trace);
  // Auto: every candidate count costed by the same path (choose_sub_batches).
  struct Run {
    IterationCost cost;
    Timeline trace;
  };
  int chosen = 0;
  std::string note;
  Run best = choose_sub_batches<Run>(
      batch.size(),
      [&](int s) {
        Run r;
        r.cost = overlap_with(batch, s, m_trace ? &r.trace : nullptr);
        return r;
      },
      [](const Run& r) { return r.cost.time_s; }, chosen, note);
  ++m_sb_chosen[chosen];
  if (m_trace) {
    *m_trace = std::move(best.trace);
    m_trace->note = note;
  }
  return best.cost;
}

IterationCost GpuBackend::overlap_with(const std::vector<DecodeRequest>& batch, int sub_batches, Timeline* trace) {
  // Sub-batches: contiguous slices of the batch, sizes differing by at most
  // one (the first B mod S one larger); each is costed by the serial path's
  // own operators (run_ops: roofline host operators, command-level PIM kernels).
  IterationCost c;
  const auto B = static_cast<std::int64_t>(batch.size());
  const std::int64_t S = std::min<std::int64_t>(sub_batches, B);
  std::vector<std::vector<Traced>> items(static_cast<std::size_t>(S));
  m_collect = true;
  std::size_t first = 0;
  for (std::int64_t j = 0; j < S; ++j) {
    const auto n = static_cast<std::size_t>(B / S + (j < B % S ? 1 : 0));
    const std::vector<DecodeRequest> sub(batch.begin() + static_cast<std::ptrdiff_t>(first),
                                         batch.begin() + static_cast<std::ptrdiff_t>(first + n));
    first += n;
    m_traced.clear();
    run_ops(sub, c);
    items[static_cast<std::size_t>(j)] = std::move(m_traced);
  }
  m_traced.clear();
  m_collect = false;
  // Each sub-batch's chain: layer by layer, pass r running every operator whose
  // repeat exceeds r, in graph order (the rule of lay_out).
  std::vector<std::vector<OverlapOp>> chains(items.size());
  std::vector<std::vector<const Traced*>> of(items.size());
  for (std::size_t j = 0; j < items.size(); ++j) {
    std::int64_t passes = 0;
    for (const Traced& x : items[j]) passes = std::max(passes, x.repeat);
    for (std::int64_t r = 0; r < passes; ++r)
      for (const Traced& x : items[j]) {
        if (x.repeat <= r) continue;
        chains[j].push_back({x.pim, x.time_s, x.pim || x.cim ? 0.0 : x.memory_s, 0.0, x.cim});
        of[j].push_back(&x);
      }
  }
  const OverlapSchedule sch = schedule_overlap(chains, m_pim != nullptr);
  // Time: the makespan. Categories: a PIM kernel is charged its whole span, a
  // CIM operator the part of its span no PIM kernel covers, a host operator
  // the part of its span neither covers (the accelerators' time stands, the
  // host's work under it is hidden), so the categories add up to the
  // iteration time (the schedule leaves no moment idle).
  c.time_s = sch.makespan_s;
  for (auto& [k, v] : c.breakdown) v.time_s = 0;
  Spans pim_spans, cim_spans, host_spans;
  for (std::size_t j = 0; j < chains.size(); ++j)
    for (std::size_t i = 0; i < chains[j].size(); ++i) {
      const OverlapSlot& s = sch.slots[j][i];
      (chains[j][i].pim ? pim_spans : chains[j][i].cim ? cim_spans : host_spans).emplace_back(s.start_s, s.end_s);
      if (chains[j][i].pim && s.host_end_s > s.host_start_s) host_spans.emplace_back(s.host_start_s, s.host_end_s);
    }
  const Spans pim_union = merge_spans(pim_spans);
  Spans accel = pim_spans;
  accel.insert(accel.end(), cim_spans.begin(), cim_spans.end());
  const Spans accel_union = merge_spans(accel);
  Spans other = pim_spans;  // host or PIM at work: what CIM time hides under
  other.insert(other.end(), host_spans.begin(), host_spans.end());
  const Spans other_union = merge_spans(other);
  // The PIM kernels first, then the rest in chain order (the order of the sums).
  for (const bool pim : {true, false})
    for (std::size_t j = 0; j < chains.size(); ++j)
      for (std::size_t i = 0; i < chains[j].size(); ++i) {
        if (chains[j][i].pim != pim) continue;
        const OverlapSlot& s = sch.slots[j][i];
        double charged = s.end_s - s.start_s;
        if (chains[j][i].cim) {
          charged -= covered_time(pim_union, s.start_s, s.end_s);
          c.cim_hidden_s += covered_time(other_union, s.start_s, s.end_s);
        } else if (!pim) {
          charged -= covered_time(accel_union, s.start_s, s.end_s);
        }
        c.breakdown[of[j][i]->category].time_s += charged;
      }
  if (trace) {
    // The operators at their scheduled times; PIM commands of the first
    // sub-batch's first-layer kernels from each kernel's start.
    Timeline& t = *trace;
    t = Timeline{};
    t.concurrent = true;
    if (m_pim) {
      t.pim_clock_ps = m_pim->cycle_s() * 1e12;
      t.pseudo_channels = m_pim->pseudo_channels();
    }
    const std::size_t first_pass = items.empty() ? 0 : items[0].size();
    for (std::size_t j = 0; j < chains.size(); ++j)
      for (std::size_t i = 0; i < chains[j].size(); ++i) {
        const Traced& x = *of[j][i];
        const OverlapSlot& s = sch.slots[j][i];
        if (j == 0 && i < first_pass && m_pim)
          for (const auto& [cyc, cmd] : x.commands)
            t.pim_commands.push_back({s.start_s + static_cast<double>(cyc) * m_pim->cycle_s(), cmd.pch,
                                      pim::trace_name(cmd.kind, cmd.arg)});
        t.ops.push_back({s.start_s, s.end_s, x.name + ".sb" + std::to_string(j + 1), x.category, x.device(),
                         x.flops, x.bytes});
      }
    std::stable_sort(t.ops.begin(), t.ops.end(),
                     [](const Timeline::Op& a, const Timeline::Op& b) { return a.start_s < b.start_s; });
    std::stable_sort(t.pim_commands.begin(), t.pim_commands.end(),
                     [](const Timeline::PimCommand& a, const Timeline::PimCommand& b) { return a.time_s < b.time_s; });
    for (const Traced& x : items[0]) t.distinct.push_back({0, x.time_s, x.name, x.category, x.device(), x.flops, x.bytes});
  }
  return c;
}

void GpuBackend::lay_out(Timeline& t) const {
  // Layer by layer: pass r runs every operator whose repeat exceeds r, in
  // graph order (exact for one block type; blocks of different kinds, as in
  // Zamba2, are interleaved by this rule rather than by the model's schedule).
  t = Timeline{};
  if (m_pim) {
    t.pim_clock_ps = m_pim->cycle_s() * 1e12;
    t.pseudo_channels = m_pim->pseudo_channels();
  }
  std::int64_t passes = 0;
  for (const Traced& x : m_traced) passes = std::max(passes, x.repeat);
  double now = 0;
  for (std::int64_t r = 0; r < passes; ++r)
    for (const Traced& x : m_traced) {
      if (x.repeat <= r) continue;
      if (r == 0 && m_pim)
        for (const auto& [cyc, cmd] : x.commands)
          t.pim_commands.push_back({now + static_cast<double>(cyc) * m_pim->cycle_s(), cmd.pch, pim::trace_name(cmd.kind, cmd.arg)});
      t.ops.push_back({now, now + x.time_s, x.name, x.category, x.device(), x.flops, x.bytes});
      now += x.time_s;
    }
  for (const Traced& x : m_traced) t.distinct.push_back({0, x.time_s, x.name, x.category, x.device(), x.flops, x.bytes});
}

IterationCost GpuBackend::prefill(const std::vector<PrefillChunk>& chunks) {
  IterationCost c;
  // Chunks of equal length share one graph; the prefill operators run on the
  // host (PIM serves decode GEMVs and state updates only) or, placed there,
  // on the CIM tiles.
  std::map<std::int64_t, std::vector<std::int64_t>> groups;  // tokens -> the chunks' contexts
  for (const PrefillChunk& ch : chunks) {
    if (ch.tokens < 1 || ch.context < ch.tokens) throw std::invalid_argument("bad prefill chunk");
    groups[ch.tokens].push_back(ch.context);
  }
  for (const auto& [q, lengths] : groups) {
    const auto n = static_cast<std::int64_t>(lengths.size());
    std::int64_t sum = 0;
    for (const std::int64_t L : lengths) sum += L;
    model::GraphOptions go = model::graph_options(m_o.system, n, std::max(q, ceil_div(sum, n)), m_o.gpus,
                                                  m_o.artifact_compatible);
    go.query_tokens = q;
    go.su_kernel = false;
    go.artifact_steps = 1;
    // The CIM placement's operators run on the tiles as in decode: the FFN
    // block over the pass's token rows, the softmax's q rows per request and
    // head at the request's KV length (masked, not skipped, as the host's).
    bool ffn_act = false;
    for (const model::Operator& op : model::decode_graph(m_o.model, go))
      if (!cim_op(op, lengths, ffn_act, c)) host_op(op, c);
  }
  return c;
}

}  // namespace pimlab::serving
