#include "serving/attacc_pim.h"

#include <algorithm>
#include <stdexcept>

#include "firmware/attacc/generator.h"

namespace pimlab::serving {

AttaccPim::AttaccPim(const AttaccPimOptions& o) : m_o(o), m_spec(dram::preset(o.dram)) {
  if (m_spec.t.nCCDAB <= 0) throw std::invalid_argument("DRAM preset '" + o.dram + "' has no HBM3-PIM commands");
  if (o.stacks < 1 || o.stacks > 64) throw std::invalid_argument("AttAcc stacks " + std::to_string(o.stacks) + " out of range (1..64)");
}

AttaccKernelResult AttaccPim::run(std::int64_t num_op, std::int64_t d_head, std::int64_t L, int dbyte) {
  const std::int64_t S = m_o.sample_stride;
  if (S <= 1 || L % S == 0 || L < S) return exact(num_op, d_head, L, dbyte);
  const std::int64_t lo = (L / S) * S, hi = std::min<std::int64_t>(lo + S, m_o.max_len);
  if (hi <= L) return exact(num_op, d_head, L, dbyte);
  const AttaccKernelResult a = exact(num_op, d_head, lo, dbyte), b = exact(num_op, d_head, hi, dbyte);
  const double f = static_cast<double>(L - lo) / static_cast<double>(hi - lo);
  AttaccKernelResult r;
  r.cycles = -1;  // interpolated: no cycle count of its own
  r.time_s = a.time_s + f * (b.time_s - a.time_s);
  r.energy_j = a.energy_j + f * (b.energy_j - a.energy_j);
  return r;
}

AttaccKernelResult AttaccPim::exact(std::int64_t num_op, std::int64_t d_head, std::int64_t L, int dbyte) {
  const std::int64_t per_stack = (num_op + m_o.stacks - 1) / m_o.stacks;
  const auto key = std::make_tuple(per_stack, d_head, L, dbyte);
  if (auto it = m_cache.find(key); it != m_cache.end()) {
    ++m_reused;
    return it->second;
  }
  ++m_simulated;
  const firmware::attacc::AttentionSpec k =
      firmware::attacc::stack_kernel(m_o.placement, num_op, m_o.stacks, d_head, L, dbyte, m_o.max_len,
                                     m_spec.org.channels, m_o.artifact_compatible);
  pim::AttaccOptions opt;
  opt.artifact_compatible = m_o.artifact_compatible;
  const pim::AttaccResult r = pim::run_attacc_stack(m_spec, firmware::attacc::generate(k), opt);
  AttaccKernelResult out;
  out.cycles = r.cycles;
  out.time_s = static_cast<double>(r.cycles) * static_cast<double>(m_spec.t.tCK_ps) * 1e-12;
  // Stacks with per_stack heads each (the last may hold fewer: charged as full, an upper bound).
  out.energy_j = pim::attacc_energy_pj(m_o.placement, r.counts, m_o.artifact_compatible) * 1e-12 * m_o.stacks;
  return m_cache.emplace(key, out).first->second;
}

}  // namespace pimlab::serving
