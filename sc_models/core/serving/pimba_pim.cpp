#include "serving/pimba_pim.h"

#include <stdexcept>
#include <algorithm>
#include <vector>

#include "pim/engine.h"
#include "pim/protocol.h"

namespace pimlab::serving {

namespace fw = firmware::pimba;

PimbaPim::PimbaPim(const PimbaPimOptions& o)
    : m_o(o), m_variant(&pim::variant(o.variant)), m_spec(dram::preset(o.dram)) {
  if (o.channels < 1 || o.channels > 1024)
    throw std::invalid_argument("PIM channels " + std::to_string(o.channels) + " out of range (1..1024)");
  if (o.artifact_compatible && !(o.clock_mhz > 0))
    throw std::invalid_argument("PIM clock " + std::to_string(o.clock_mhz) + " MHz must be > 0");
}

fw::KernelSpec PimbaPim::spec(fw::Op op, std::int64_t num_op, std::int64_t rows, std::int64_t cols) const {
  return fw::host_kernel(op, num_op, rows, cols, m_variant->name, m_o.channels, m_o.artifact_compatible, m_spec);
}

namespace {

void add(pim::Counters& to, const pim::Counters& c, std::uint64_t times) {
  to.num_act += c.num_act * times;
  to.num_comp += c.num_comp * times;
  to.num_rdwr += c.num_rdwr * times;
  to.commands += c.commands * times;
  to.refreshes += c.refreshes * times;
}

}  // namespace

PimKernelResult PimbaPim::simulate(fw::KernelSpec k) const {
  const pim::Protocol protocol = pim::pimba_protocol(k.artifact_compatible);
  const pim::ChannelEngine engine(protocol, m_spec);
  PimKernelResult r;
  if (k.artifact_compatible || !m_o.reuse) {
    // One global reader couples the channels (artifact), or no reuse asked.
    const fw::Program prog = fw::generate(k);
    const std::vector<std::uint16_t> feed = k.artifact_compatible ? fw::feed_order(prog) : std::vector<std::uint16_t>{};
    const pim::MultiChannelRun run = k.artifact_compatible
                                         ? engine.run(prog.channel_streams, k.pseudo_channels, feed)
                                         : engine.run(prog.channel_streams, k.pseudo_channels);
    r.cycles = run.cycles;
    r.counters = run.counters;
  } else {
    // Independent channels: equal streams issue at equal cycles, so only one
    // channel of each class of equal streams is generated and run.
    k.distinct_channels_only = true;
    const fw::Program prog = fw::generate(k);
    std::vector<std::uint64_t> members(prog.channel_streams.size(), 0);
    for (int src : prog.stream_source) ++members[static_cast<std::size_t>(src)];
    for (std::size_t ch = 0; ch < prog.channel_streams.size(); ++ch) {
      const std::vector<pim::Command>& s = prog.channel_streams[ch];
      if (members[ch] == 0 || s.empty()) continue;
      const pim::ChannelRun run = engine.run(s, k.pseudo_channels);
      // MultiChannelRun: cycles = last issue over all channels + 1.
      r.cycles = std::max<std::uint64_t>(r.cycles, run.last_issue_cycle + 1);
      add(r.counters, run.counters, members[ch]);
    }
  }
  const double pj = pim::energy_pj(r.counters, pim::energy_table(*m_variant, m_spec));
  r.energy_j = pj * 1e-12;
  r.time_s = m_o.artifact_compatible ? static_cast<double>(r.cycles) / (m_o.clock_mhz * 1e6)
                                     : static_cast<double>(r.cycles) * static_cast<double>(m_spec.t.tCK_ps) * 1e-12;
  return r;
}

double PimbaPim::cycle_s() const {
  return m_o.artifact_compatible ? 1.0 / (m_o.clock_mhz * 1e6) : static_cast<double>(m_spec.t.tCK_ps) * 1e-12;
}

std::vector<std::pair<std::uint64_t, pim::Command>> PimbaPim::channel0(fw::Op op, std::int64_t num_op, std::int64_t rows,
                                                                       std::int64_t cols) const {
  fw::KernelSpec k = spec(op, num_op, rows, cols);
  const pim::ChannelEngine engine(pim::pimba_protocol(k.artifact_compatible), m_spec);
  std::vector<std::vector<std::uint64_t>> cycles;
  if (!k.artifact_compatible) k.distinct_channels_only = true;
  const fw::Program prog = fw::generate(k);
  std::vector<std::pair<std::uint64_t, pim::Command>> out;
  if (k.artifact_compatible) {
    engine.run(prog.channel_streams, k.pseudo_channels, fw::feed_order(prog), &cycles);
    for (std::size_t i = 0; i < prog.channel_streams[0].size(); ++i) out.emplace_back(cycles[0][i], prog.channel_streams[0][i]);
  } else {
    const auto& s = prog.channel_streams[static_cast<std::size_t>(prog.stream_source[0])];
    std::vector<std::uint64_t> c;
    engine.run(s, k.pseudo_channels, &c);
    for (std::size_t i = 0; i < s.size(); ++i) out.emplace_back(c[i], s[i]);
  }
  return out;
}

PimKernelResult PimbaPim::run(fw::Op op, std::int64_t num_op, std::int64_t rows, std::int64_t cols) {
  const fw::KernelSpec k = spec(op, num_op, rows, cols);
  if (!m_o.reuse) {
    ++m_simulated;
    return simulate(k);
  }
  const fw::Geometry g = fw::geometry(k);
  const Key key{static_cast<int>(op), g.block_rows, g.block_cols};
  auto it = m_cache.find(key);
  if (it != m_cache.end()) {
    ++m_reused;
    return it->second;
  }
  ++m_simulated;
  return m_cache.emplace(key, simulate(k)).first->second;
}

}  // namespace pimlab::serving
