#include "tlm/platform/serving_backend.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <stdexcept>
#include <utility>

#include "serving/neupims_backend.h"

namespace pimlab::tlm_platform {

namespace fc = firmware::compiler;

PlatformBackend::PlatformBackend(Platform& p, serving::Backend& inner, PlatformServingOptions o)
    : m_in(inner), m_o(std::move(o)), m_drv(p, m_o.driver) {
  m_o.compile.timing = false;
  m_o.compile.chunk = 0;
  m_o.compile.chunks.clear();
}

serving::IterationCost PlatformBackend::decode(const std::vector<serving::DecodeRequest>& batch) {
  ++m_n;
  serving::IterationCost c = m_in.decode(batch);
  const bool chosen = m_o.drive || m_o.all ||
                      std::find(m_o.iterations.begin(), m_o.iterations.end(), m_n) != m_o.iterations.end();
  if (!chosen || interrupted()) return c;
  if (m_o.on_start) m_o.on_start(m_n, batch.size());
  fc::CompileInput in = m_o.compile;
  in.contexts.clear();
  in.pinned.clear();
  for (const serving::DecodeRequest& r : batch) {
    in.contexts.push_back(r.context);
    if (in.placement) in.pinned.push_back(r.channel);
  }
  double t = 0;
  serving::IterationCost p = execute({in}, c, t);
  if (interrupted()) {
    if (m_o.drive) throw serving::IterationInterrupted();
    return c;
  }
  m_its.push_back({m_n, batch.size(), c.time_s, t, c.energy_j(), p.energy_j()});
  return m_o.drive ? p : c;
}

serving::IterationCost PlatformBackend::prefill(const std::vector<serving::PrefillChunk>& chunks) {
  serving::IterationCost c = m_in.prefill(chunks);
  if (!m_o.drive || interrupted()) return c;
  if (m_o.on_start) m_o.on_start(0, chunks.size());
  // NPU hosts: one pass, each request with its own chunk. GPU hosts: as the
  // GPU back-end composes it, one graph per chunk length, run one after the
  // other (its prefill graph takes one chunk size).
  std::vector<fc::CompileInput> ins;
  if (m_o.compile.system.host == model::Device::gpu) {
    std::map<std::int64_t, std::vector<std::int64_t>> groups;  // tokens -> contexts
    for (const serving::PrefillChunk& ch : chunks) groups[ch.tokens].push_back(ch.context);
    for (const auto& [q, contexts] : groups) {
      fc::CompileInput in = m_o.compile;
      in.contexts = contexts;
      in.pinned.clear();
      in.chunk = q;
      ins.push_back(std::move(in));
    }
  } else {
    fc::CompileInput in = m_o.compile;
    in.contexts.clear();
    in.pinned.clear();
    for (const serving::PrefillChunk& ch : chunks) {
      in.contexts.push_back(ch.context);
      in.chunks.push_back(ch.tokens);
    }
    ins.push_back(std::move(in));
  }
  double t = 0;
  serving::IterationCost p = execute(ins, c, t);
  if (interrupted()) throw serving::IterationInterrupted();
  std::int64_t tokens = 0;
  for (const serving::PrefillChunk& ch : chunks) tokens += ch.tokens;
  m_prefills.push_back({chunks.size(), tokens, c.time_s, t, c.energy_j(), p.energy_j()});
  return p;
}

serving::IterationCost PlatformBackend::execute(const std::vector<fc::CompileInput>& ins, const serving::IterationCost& c,
                                                double& t) {
  // The platform's times. An NPU system's energy is the platform's too: the
  // NPU program's compute and scratchpad energy and every channel's count of
  // its commands, refresh and background, charged by the back-end's rule
  // (serving::charge_stage_energy). A GPU system's energy, and the bytes and
  // flops, are the back-end's count (the GPU platform's Pimba-family channels
  // count no energy).
  const bool npu = counts_energy();
  serving::IterationCost p = c;
  for (auto& [k, v] : p.breakdown) {
    v.time_s = 0;
    if (npu) v.energy_j = 0;
  }
  if (npu) p.host_energy_j = p.dram_energy_j = p.pim_energy_j = 0;
  p.host_busy_s = p.pim_busy_s = 0;
  t = 0;
  for (const fc::CompileInput& in : ins) {
    const auto t0 = std::chrono::steady_clock::now();
    fc::SystemProgram prog = fc::compile(in);
    // What the charging below needs of the program, which the driver takes over.
    std::vector<std::int64_t> repeats;
    if (npu)
      for (const fc::NpuStage& st : prog.npu) repeats.push_back(st.repeat);
    else
      for (const fc::HostEntry& e : prog.host) repeats.push_back(e.repeat);
    const std::size_t first_run = m_drv.report().runs.size();
    t += m_drv.run(std::move(prog));
    m_wall_s += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (!m_drv.failure().empty()) throw std::runtime_error("the platform: " + m_drv.failure());
    if (interrupted()) return p;
    const auto& runs = m_drv.report().runs;
    for (std::size_t i = first_run; i < runs.size(); ++i) {
      const StageInstanceRun& r = runs[i];
      const double k =
          m_o.driver.first_instances_only ? static_cast<double>(std::max<std::int64_t>(1, repeats[r.stage])) : 1.0;
      if (npu) {
        serving::charge_stage_time(p, r.time_s * k, r.npu_s, r.pim_s, r.npu_busy, r.npu_cycles);
        // Energy counts every device of the tensor-parallel group (--pp 1 here).
        serving::charge_stage_energy(p, 1e-12 * k * static_cast<double>(in.tp), r.npu_host_pj, r.npu_bytes_by,
                                     r.dram_pj, r.pim_pj);
      } else
        p.charge(r.category, r.time_s * k, 0, nullptr);  // a GPU's kernel or PIM launch: its own category
      p.host_busy_s += r.npu_s * k;
      p.pim_busy_s += r.pim_s * k;
    }
  }
  p.time_s = t;
  return p;
}

}  // namespace pimlab::tlm_platform
