#include "pim/checker.h"

#include <algorithm>
#include <map>
#include <stdexcept>
#include <utility>

namespace pimlab::pim {

namespace {

class Fenwick {
 public:
  explicit Fenwick(std::size_t n) : m_t(n + 1, 0) {}
  void add(std::size_t i) {
    for (++i; i < m_t.size(); i += i & (~i + 1)) ++m_t[i];
  }
  std::size_t prefix(std::size_t i) const {  // count of entries with index < i
    std::size_t s = 0;
    for (; i > 0; i -= i & (~i + 1)) s += m_t[i];
    return s;
  }

 private:
  std::vector<std::size_t> m_t;
};

int column(const dram::Timing& t) { return std::max(t.nBL, t.nCCDL); }
int n_of(std::uint32_t n) { return static_cast<int>(n); }

}  // namespace

const std::vector<PimbaCheckRow>& pimba_check_table() {
  using K = CmdKind;
  using T = const dram::Timing&;
  static const std::vector<PimbaCheckRow> rows = {
      {"act4_reg_to_act4_reg", K::Act4WithReg, K::Act4WithReg,
       [](T t, std::uint32_t n) { return std::max({t.nRRDS, t.nFAW, n_of(n) * column(t) + 2}); }},
      {"act4_reg_to_comp", K::Act4WithReg, K::Comp,
       [](T t, std::uint32_t n) { return std::max({t.nRCDRD, t.nRCDWR, n_of(n) * column(t) + 2}); }},
      {"act4_to_act4_or_reg_write", K::Act4, K::Act4, [](T t, std::uint32_t) { return std::max(t.nRRDS, t.nFAW); }},
      {"act4_to_act4_or_reg_write", K::Act4, K::RegWrite, [](T t, std::uint32_t) { return std::max(t.nRRDS, t.nFAW); }},
      {"act4_to_comp", K::Act4, K::Comp, [](T t, std::uint32_t) { return std::max(t.nRCDRD, t.nRCDWR); }},
      {"reg_write_to_reg_write_or_comp", K::RegWrite, K::RegWrite, [](T t, std::uint32_t) { return column(t); }},
      {"reg_write_to_reg_write_or_comp", K::RegWrite, K::Comp, [](T t, std::uint32_t) { return column(t); }},
      {"comp_to_comp", K::Comp, K::Comp, [](T t, std::uint32_t) { return t.nCCDL; }},
      {"comp_to_precharge", K::Comp, K::PrechargeWithResult, [](T t, std::uint32_t) { return std::max(t.nRTPL, t.nWR); }},
      {"comp_to_precharge", K::Comp, K::Precharge, [](T t, std::uint32_t) { return std::max(t.nRTPL, t.nWR); }},
      {"act4_to_precharge", K::Act4WithReg, K::PrechargeWithResult, [](T t, std::uint32_t) { return t.nRAS; }},
      {"act4_to_precharge", K::Act4WithReg, K::Precharge, [](T t, std::uint32_t) { return t.nRAS; }},
      {"act4_to_precharge", K::Act4, K::PrechargeWithResult, [](T t, std::uint32_t) { return t.nRAS; }},
      {"act4_to_precharge", K::Act4, K::Precharge, [](T t, std::uint32_t) { return t.nRAS; }},
      {"precharge_with_result_to_barrier", K::PrechargeWithResult, K::RefreshBarrier,
       [](T t, std::uint32_t n) { return std::max(t.nRP, n_of(n) * column(t) + 1); }},
      {"precharge_to_barrier", K::Precharge, K::RefreshBarrier, [](T t, std::uint32_t) { return t.nRP; }},
      {"precharge_to_result", K::Precharge, K::Result, [](T t, std::uint32_t) { return t.nRP; }},
      {"result_to_result", K::Result, K::Result, [](T t, std::uint32_t) { return column(t); }},
  };
  return rows;
}

int pimba_check_barrier_estimate(const dram::Timing& t, const BarrierArgs& b) {
  const int c = column(t);
  const int regs = static_cast<int>(b.regs), results = 8 * static_cast<int>(b.v_count) * c;
  const int tail = static_cast<int>(b.comps) * t.nCCDL + std::max(t.nRTPL, t.nWR);
  if (b.sched) {
    const int w = 1 + (regs + 3) / 4 * c;  // W = 1 + ceil(regs/4)·col
    return 3 * std::max({t.nRRDS, t.nFAW, w}) + std::max({t.nRCDRD, t.nRCDWR, w}) + std::max(t.nRP, results) + tail;
  }
  return 4 * std::max(t.nRRDS, t.nFAW) + regs * c + t.nRP + results + tail;
}

std::vector<Violation> check_channel(const Protocol& protocol, const dram::DramSpec& spec,
                                     const std::vector<Command>& stream,
                                     const std::vector<std::uint64_t>& cycles, int num_pch,
                                     std::size_t max_report,
                                     const std::vector<std::uint64_t>* refresh_cycles) {
  if (cycles.size() != stream.size())
    throw std::invalid_argument("checker: " + std::to_string(cycles.size()) + " cycles for " +
                                std::to_string(stream.size()) + " commands");
  std::vector<Violation> out;
  auto report = [&](std::size_t i, const std::string& rule, const std::string& what) {
    if (max_report == 0 || out.size() < max_report) out.push_back({i, rule, what});
  };
  const dram::Timing& timing = spec.t;
  const std::uint64_t refi = static_cast<std::uint64_t>(timing.nREFI);

  // Command bus: distinct cycles on the channel.
  {
    std::vector<std::pair<std::uint64_t, std::size_t>> by_cycle;
    by_cycle.reserve(stream.size());
    for (std::size_t i = 0; i < stream.size(); ++i) by_cycle.emplace_back(cycles[i], i);
    std::sort(by_cycle.begin(), by_cycle.end());
    for (std::size_t k = 1; k < by_cycle.size(); ++k)
      if (by_cycle[k].first == by_cycle[k - 1].first)
        report(by_cycle[k].second, "command_bus",
               "issued in cycle " + std::to_string(by_cycle[k].first) + " together with command " +
                   std::to_string(by_cycle[k - 1].second));
  }

  // Controller window: fewer than `window` older commands still pending.
  {
    std::vector<std::uint64_t> sorted(cycles.begin(), cycles.end());
    std::sort(sorted.begin(), sorted.end());
    sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
    Fenwick fw(sorted.size());
    for (std::size_t i = 0; i < stream.size(); ++i) {
      const std::size_t rank =
          static_cast<std::size_t>(std::lower_bound(sorted.begin(), sorted.end(), cycles[i]) - sorted.begin());
      const std::size_t older_later = i - fw.prefix(rank + 1);  // older commands issued after this one
      if (older_later >= static_cast<std::size_t>(protocol.window))
        report(i, "window",
               std::to_string(older_later) + " older commands still pending (window " +
                   std::to_string(protocol.window) + ")");
      fw.add(rank);
    }
  }

  // Per pseudo-channel: order, rules, refresh slots, barrier.
  const std::vector<PimbaCheckRow>& table = pimba_check_table();
  std::vector<std::map<std::pair<int, std::uint32_t>, std::uint64_t>> latest(num_pch);
  std::vector<std::uint64_t> last(num_pch, 0);
  std::vector<bool> any(num_pch, false);
  for (std::size_t i = 0; i < stream.size(); ++i) {
    const Command& c = stream[i];
    const std::uint64_t t = cycles[i];
    if (c.pch >= num_pch) {
      report(i, "pseudo_channel", "pch " + std::to_string(c.pch) + " out of range");
      continue;
    }
    if (t == 0) report(i, "cycle", "issue cycle 0 (cycles start at 1)");
    if (any[c.pch] && t <= last[c.pch])
      report(i, "order",
             "cycle " + std::to_string(t) + " not after the previous command of pch " +
                 std::to_string(c.pch) + " (cycle " + std::to_string(last[c.pch]) + ")");
    if (protocol.slot_cycles() > 0 && t >= refi && t % refi < static_cast<std::uint64_t>(protocol.slot_cycles()))
      report(i, "refresh", "cycle " + std::to_string(t) + " is a refresh slot");
    if (c.kind == CmdKind::RefreshBarrier) {
      const std::uint64_t est = static_cast<std::uint64_t>(pimba_check_barrier_estimate(timing, c.barrier()));
      if (t % refi + est >= refi)
        report(i, "refresh_barrier",
               "cycle " + std::to_string(t) + ": (t mod nREFI) + estimate " + std::to_string(est) +
                   " >= nREFI " + std::to_string(refi));
    }
    // Every rule of the checker's table into this command's kind, against the
    // latest command of every (kind, argument) of the pseudo-channel (refresh:
    // see below).
    for (const PimbaCheckRow& r : table) {
      if (r.to != c.kind) continue;
      for (const auto& [key, when] : latest[c.pch]) {
        const CmdKind prev = static_cast<CmdKind>(key.first);
        if (r.from != prev) continue;
        const std::uint64_t need = static_cast<std::uint64_t>(std::max(0, r.distance(timing, key.second)));
        if (t < when + need)
          report(i, r.name,
                 trace_name(c.kind, c.arg) + " at " + std::to_string(t) + " only " + std::to_string(t - when) +
                     " cycles after " + trace_name(prev, key.second) + " (needs " + std::to_string(need) + ")");
      }
    }
    auto& slot = latest[c.pch][{index_of(c.kind), has_arg(c.kind) ? c.arg : 0u}];
    slot = std::max(slot, t);
    last[c.pch] = std::max(last[c.pch], t);
    any[c.pch] = true;
  }
  // Full refresh model: every refresh against the stream.
  if (protocol.refresh == RefreshModel::Full && refresh_cycles) {
    std::vector<std::uint64_t> refs(refresh_cycles->begin(), refresh_cycles->end());
    std::sort(refs.begin(), refs.end());
    const std::size_t none = static_cast<std::size_t>(-1);
    // Per pch, issue cycles of its ACT4s and precharges.
    std::vector<std::vector<std::uint64_t>> acts(num_pch), pres(num_pch);
    for (std::size_t i = 0; i < stream.size(); ++i) {
      if (stream[i].pch >= num_pch) continue;
      if (is_act4(stream[i].kind)) acts[stream[i].pch].push_back(cycles[i]);
      if (is_precharge(stream[i].kind)) pres[stream[i].pch].push_back(cycles[i]);
    }
    for (auto& v : acts) std::sort(v.begin(), v.end());
    for (auto& v : pres) std::sort(v.begin(), v.end());
    auto last_before = [](const std::vector<std::uint64_t>& v, std::uint64_t t) {
      auto it = std::lower_bound(v.begin(), v.end(), t);
      return it == v.begin() ? static_cast<std::uint64_t>(0) : *(it - 1) + 1;  // 0 = none, else cycle + 1
    };
    for (std::size_t j = 0; j < refs.size(); ++j) {
      const std::uint64_t f = refs[j];
      if (f < (j + 1) * refi)
        report(none, "refresh_due", "refresh " + std::to_string(j) + " at " + std::to_string(f) +
                                        " before it is due (" + std::to_string((j + 1) * refi) + ")");
      if (j > 0 && refs[j - 1] == f) report(none, "command_bus", "two refreshes in cycle " + std::to_string(f));
      for (int p = 0; p < num_pch; ++p) {
        const std::uint64_t a = last_before(acts[p], f), q = last_before(pres[p], f);
        if (a != 0 && (q < a || (q - 1) + static_cast<std::uint64_t>(timing.nRP) > f))
          report(none, "refresh_banks_closed",
                 "refresh at " + std::to_string(f) + ": pch " + std::to_string(p) + " not precharged nRP before");
      }
    }
    for (std::size_t i = 0; i < stream.size(); ++i) {
      const std::uint64_t t = cycles[i];
      if (std::binary_search(refs.begin(), refs.end(), t))
        report(i, "command_bus", "issued in cycle " + std::to_string(t) + " together with a refresh");
      if (is_act4(stream[i].kind)) {
        auto it = std::lower_bound(refs.begin(), refs.end(), t);
        if (it != refs.begin() && t < *(it - 1) + static_cast<std::uint64_t>(timing.nRFC))
          report(i, "refresh_to_act4", trace_name(stream[i].kind, stream[i].arg) + " at " + std::to_string(t) +
                                           " within nRFC " + std::to_string(timing.nRFC) + " of the refresh at " +
                                           std::to_string(*(it - 1)));
      }
    }
  }
  return out;
}

}  // namespace pimlab::pim
