#include "tlm/platform/serving_backend.h"

#include <algorithm>
#include <chrono>
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
  serving::IterationCost p = execute(in, c, t);
  if (interrupted()) {
    if (m_o.drive) throw serving::IterationInterrupted();
    return c;
  }
  m_its.push_back({m_n, batch.size(), c.time_s, t});
  return m_o.drive ? p : c;
}

serving::IterationCost PlatformBackend::prefill(const std::vector<serving::PrefillChunk>& chunks) {
  serving::IterationCost c = m_in.prefill(chunks);
  if (!m_o.drive || interrupted()) return c;
  if (m_o.on_start) m_o.on_start(0, chunks.size());
  fc::CompileInput in = m_o.compile;
  in.contexts.clear();
  in.pinned.clear();
  for (const serving::PrefillChunk& ch : chunks) {
    in.contexts.push_back(ch.context);
    in.chunks.push_back(ch.tokens);
  }
  double t = 0;
  serving::IterationCost p = execute(in, c, t);
  if (interrupted()) throw serving::IterationInterrupted();
  std::int64_t tokens = 0;
  for (const serving::PrefillChunk& ch : chunks) tokens += ch.tokens;
  m_prefills.push_back({chunks.size(), tokens, c.time_s, t});
  return p;
}

serving::IterationCost PlatformBackend::execute(const fc::CompileInput& in, const serving::IterationCost& c, double& t) {
  const auto t0 = std::chrono::steady_clock::now();
  const fc::SystemProgram prog = fc::compile(in);
  const std::size_t first_run = m_drv.report().runs.size();
  t = m_drv.run(prog);
  m_wall_s += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!m_drv.failure().empty()) throw std::runtime_error("the platform: " + m_drv.failure());
  // The platform's times; energy, bytes and flops are the back-end's count.
  serving::IterationCost p = c;
  for (auto& [k, v] : p.breakdown) v.time_s = 0;
  p.host_busy_s = p.pim_busy_s = 0;
  const auto& runs = m_drv.report().runs;
  for (std::size_t i = first_run; i < runs.size(); ++i) {
    const StageInstanceRun& r = runs[i];
    const double k = m_o.driver.first_instances_only ? static_cast<double>(std::max<std::int64_t>(1, prog.npu[r.stage].repeat))
                                                     : 1.0;
    serving::charge_stage_time(p, r.time_s * k, r.npu_s, r.pim_s, r.npu_busy, r.npu_cycles);
    p.host_busy_s += r.npu_s * k;
    p.pim_busy_s += r.pim_s * k;
  }
  p.time_s = t;
  return p;
}

}  // namespace pimlab::tlm_platform
