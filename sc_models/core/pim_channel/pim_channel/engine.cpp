#include "pim_channel/engine.h"

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <string>

namespace pimlab::pim {

bool is_refresh_slot(std::uint64_t c, int nREFI, int slots) {
  if (slots <= 0 || nREFI <= 0 || c < static_cast<std::uint64_t>(nREFI)) return false;
  return c % static_cast<std::uint64_t>(nREFI) < static_cast<std::uint64_t>(slots);
}

ChannelEngine::ChannelEngine(const Protocol& protocol, const PimTiming& timing)
    : m_p(protocol), m_t(timing), m_rules(protocol, timing) {
  if (m_p.window < 1) throw std::invalid_argument("protocol window must be >= 1");
  if (m_t.nREFI <= 0) throw std::invalid_argument("nREFI must be > 0");
  for (int a = 0; a < kNumCmdKinds; ++a)
    for (int b = 0; b < kNumCmdKinds; ++b)
      if (m_rules.has_rule(static_cast<CmdKind>(a), static_cast<CmdKind>(b)))
        m_next_of[a].push_back(static_cast<CmdKind>(b));
}

ChannelRun ChannelEngine::run(const Command* s, std::size_t n, int num_pch,
                              std::vector<std::uint64_t>* issue_cycles) const {
  ChannelRun result;
  if (issue_cycles) issue_cycles->assign(n, 0);
  if (n == 0) return result;
  if (num_pch < 1) throw std::invalid_argument("num_pch must be >= 1");

  // Positions of each pseudo-channel's commands in the channel stream.
  std::vector<std::vector<std::uint32_t>> pos(num_pch);
  for (std::size_t i = 0; i < n; ++i) {
    if (s[i].pch >= num_pch)
      throw std::invalid_argument("command " + std::to_string(i) + ": pseudo-channel " +
                                  std::to_string(s[i].pch) + " out of range [0, " +
                                  std::to_string(num_pch - 1) + "]");
    if (s[i].kind == CmdKind::Refresh)
      throw std::invalid_argument("command " + std::to_string(i) + ": refresh is controller-internal");
    pos[s[i].pch].push_back(static_cast<std::uint32_t>(i));
  }
  std::vector<std::size_t> head(num_pch, 0);
  // cursor[p*num_pch+q]: number of q's commands positioned before p's head.
  std::vector<std::size_t> cursor(static_cast<std::size_t>(num_pch) * num_pch, 0);
  using Cyc = std::int64_t;
  std::vector<Cyc> ready(static_cast<std::size_t>(num_pch) * kNumCmdKinds, 0);

  const Cyc refi = m_t.nREFI;
  const int slots = m_p.refresh_slots;
  const auto window = static_cast<std::size_t>(m_p.window);
  Cyc last = 0;

  auto skip_refresh = [&](Cyc c) {
    if (slots > 0 && c >= refi) {
      Cyc m = c % refi;
      if (m < slots) c += slots - m;
    }
    return c;
  };

  for (std::size_t left = n; left > 0; --left) {
    Cyc best = std::numeric_limits<Cyc>::max();
    int best_p = -1;
    std::uint32_t best_pos = 0;
    for (int p = 0; p < num_pch; ++p) {
      if (head[p] >= pos[p].size()) continue;
      const std::uint32_t P = pos[p][head[p]];
      // Unissued commands ahead of P in the channel stream.
      std::size_t ahead = 0;
      for (int q = 0; q < num_pch; ++q) {
        if (q == p) continue;
        std::size_t& cur = cursor[static_cast<std::size_t>(p) * num_pch + q];
        const auto& pq = pos[q];
        while (cur < pq.size() && pq[cur] < P) ++cur;
        if (cur > head[q]) ahead += cur - head[q];
      }
      if (ahead >= window) continue;
      const Command& c = s[P];
      Cyc cyc = std::max(last + 1, ready[static_cast<std::size_t>(p) * kNumCmdKinds + index_of(c.kind)]);
      cyc = skip_refresh(cyc);
      if (c.kind == CmdKind::RefreshBarrier) {
        const Cyc est = barrier_estimate(m_t, c.barrier());
        if (est + slots >= refi)
          throw std::invalid_argument(
              "refresh_barrier (ch " + std::to_string(c.ch) + ", pch " + std::to_string(c.pch) +
              "): the round's estimate " + std::to_string(est) + " cycles does not fit in nREFI " +
              std::to_string(refi) + "; the round can never start");
        if (cyc % refi + est >= refi) cyc = skip_refresh(cyc - cyc % refi + refi);
      }
      if (cyc < best || (cyc == best && P < best_pos)) {
        best = cyc;
        best_p = p;
        best_pos = P;
      }
    }
    if (best_p < 0) throw std::logic_error("channel engine: no command in the window");
    const Command& c = s[best_pos];
    Cyc* rp = &ready[static_cast<std::size_t>(best_p) * kNumCmdKinds];
    for (CmdKind k : m_next_of[index_of(c.kind)]) {
      const Cyc t = best + m_rules.distance(c.kind, c.arg, k);
      if (t > rp[index_of(k)]) rp[index_of(k)] = t;
    }
    result.counters.count(c);
    if (issue_cycles) (*issue_cycles)[best_pos] = static_cast<std::uint64_t>(best);
    ++head[best_p];
    last = best;
  }
  result.last_issue_cycle = static_cast<std::uint64_t>(last);
  if (slots > 0) result.counters.refreshes = static_cast<std::uint64_t>(last / refi);
  return result;
}

MultiChannelRun run_channels(const ChannelEngine& engine,
                             const std::vector<std::vector<Command>>& channel_streams, int num_pch,
                             std::vector<std::vector<std::uint64_t>>* issue_cycles) {
  MultiChannelRun r;
  if (issue_cycles) issue_cycles->assign(channel_streams.size(), {});
  bool any = false;
  for (std::size_t ch = 0; ch < channel_streams.size(); ++ch) {
    const ChannelRun c =
        engine.run(channel_streams[ch], num_pch, issue_cycles ? &(*issue_cycles)[ch] : nullptr);
    r.channel_last_issue.push_back(c.last_issue_cycle);
    r.counters.num_act += c.counters.num_act;
    r.counters.num_comp += c.counters.num_comp;
    r.counters.num_rdwr += c.counters.num_rdwr;
    r.counters.commands += c.counters.commands;
    r.counters.refreshes += c.counters.refreshes;
    if (!channel_streams[ch].empty()) {
      any = true;
      r.last_issue_cycle = std::max(r.last_issue_cycle, c.last_issue_cycle);
    }
  }
  // The kernel completes one cycle after its last command issued (the cycle
  // in which that command's completion is observed).
  r.cycles = any ? r.last_issue_cycle + 1 : 0;
  return r;
}

double energy_pj(const Counters& c, const EnergyTable& e) {
  return e.act_pj * static_cast<double>(c.num_act) + e.rdwr_pj * static_cast<double>(c.num_rdwr) +
         e.comp_pj * static_cast<double>(c.num_comp);
}

}  // namespace pimlab::pim
