#include "pim/engine.h"

#include <algorithm>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>

namespace pimlab::pim {

bool is_refresh_slot(std::uint64_t c, int nREFI, int slots) {
  if (slots <= 0 || nREFI <= 0 || c < static_cast<std::uint64_t>(nREFI)) return false;
  return c % static_cast<std::uint64_t>(nREFI) < static_cast<std::uint64_t>(slots);
}

ChannelEngine::ChannelEngine(const Protocol& protocol, const dram::DramSpec& spec) : m_p(protocol), m_spec(spec) {
  if (m_p.window < 1) throw std::invalid_argument("protocol window must be >= 1");
  if (m_spec.t.nREFI <= 0) throw std::invalid_argument("nREFI must be > 0");
  if (static_cast<int>(m_p.set.classes.size()) != kNumCmdKinds)
    throw std::invalid_argument("protocol '" + m_p.name + "': its command set must have one class per command kind");
  // Builds the rule engine once, so a malformed table fails here.
  dram::ChannelEngine probe(m_spec, engine_command_set(m_p));
}

namespace {

using Cyc = std::int64_t;
constexpr Cyc kNever = std::numeric_limits<Cyc>::max();

// Scheduling state of one pseudo-channel of a channel.
struct PchState {
  const std::uint32_t* pos = nullptr;  // its commands' positions in the channel stream
  std::uint32_t n = 0;                 // ... how many
  std::uint32_t head = 0;              // next index into pos
  int acts = 0;                        // ACT4s since its last precharge
  // The head's engine command and its rule bound, valid while the head and
  // the engine's generation of the pseudo-channel are unchanged.
  std::uint32_t head_of = ~std::uint32_t{0};
  std::uint64_t head_gen = ~std::uint64_t{0};
  dram::Command head_cmd;
  Cyc head_rules = 0;
};

// Scheduling state of one channel.
struct Chan {
  const std::vector<Command>* s = nullptr;
  std::unique_ptr<dram::ChannelEngine> eng;     // the channel's rules and bank state
  std::vector<std::unique_ptr<std::uint32_t[]>> pos;  // per pch: positions in the channel stream
  std::vector<PchState> pch;
  std::size_t sent = 0;                         // commands handed to the controller
  std::size_t issued = 0;
  Cyc last = 0;                                 // last stream command issue cycle
  Cyc next = kNever;                            // cached earliest issue (valid unless dirty)
  int next_pch = -1;                            // -2: the refresh
  bool dirty = true;
  Cyc ref_due = 0;                              // Full refresh model: cycle the next refresh is due
  std::vector<std::uint64_t> refreshes;         // issue cycles
  ChannelRun run;
};

// The errors of simulate()'s loop, out of line so the loop stays small.
[[noreturn]] __attribute__((noinline, cold)) void barrier_never_fits(const Command& c, std::uint32_t estimate,
                                                                      Cyc refi) {
  throw std::invalid_argument("refresh_barrier (ch " + std::to_string(c.ch) + ", pch " + std::to_string(c.pch) +
                              "): the round's estimate " + std::to_string(estimate) +
                              " cycles does not fit in nREFI " + std::to_string(refi) + "; the round can never start");
}

[[noreturn]] __attribute__((noinline, cold)) void state_forbids(const dram::ChannelEngine& eng, const dram::Command& e,
                                                                 std::size_t ci, std::uint32_t P, const Command& cmd) {
  std::string why;
  eng.state_allows(e, &why);
  throw std::invalid_argument("channel " + std::to_string(ci) + " command " + std::to_string(P) + " (" +
                              trace_name(cmd.kind, cmd.arg) + "): " + why);
}

}  // namespace

MultiChannelRun ChannelEngine::simulate(const std::vector<std::vector<Command>>& streams, int num_pch,
                                        const std::vector<std::uint16_t>* feed,
                                        std::vector<std::vector<std::uint64_t>>* issue_cycles) const {
  if (num_pch < 1) throw std::invalid_argument("num_pch must be >= 1");
  dram::DramSpec spec = m_spec;
  spec.org.pseudo_channels = num_pch;
  const dram::Timing& T = spec.t;
  const int bgs = spec.org.bank_groups;
  const dram::CommandSet set = engine_command_set(m_p);
  const std::size_t nch = streams.size();
  std::vector<Chan> ch(nch);
  std::size_t total = 0;
  for (std::size_t c = 0; c < nch; ++c) {
    Chan& k = ch[c];
    k.s = &streams[c];
    k.eng = std::make_unique<dram::ChannelEngine>(spec, set);
    k.pos.resize(static_cast<std::size_t>(num_pch));
    k.pch.assign(static_cast<std::size_t>(num_pch), {});
    k.ref_due = T.nREFI;
    std::vector<std::uint32_t> per(static_cast<std::size_t>(num_pch), 0);
    const Command* const sc = streams[c].data();
    const std::size_t sn = streams[c].size();
    std::uint32_t* const perp = per.data();
    for (std::size_t i = 0; i < sn; ++i) {
      const Command& cmd = sc[i];
      if (cmd.pch >= num_pch)
        throw std::invalid_argument("channel " + std::to_string(c) + " command " + std::to_string(i) +
                                    ": pseudo-channel " + std::to_string(cmd.pch) + " out of range [0, " +
                                    std::to_string(num_pch - 1) + "]");
      if (cmd.kind == CmdKind::Refresh)
        throw std::invalid_argument("channel " + std::to_string(c) + " command " + std::to_string(i) +
                                    ": refresh is controller-internal");
      ++perp[cmd.pch];
    }
    // Counting-sort fill, one write cursor per pseudo-channel.
    std::vector<std::uint32_t*> wr(static_cast<std::size_t>(num_pch));
    for (int p = 0; p < num_pch; ++p) {
      k.pos[static_cast<std::size_t>(p)].reset(new std::uint32_t[per[static_cast<std::size_t>(p)]]);
      wr[static_cast<std::size_t>(p)] = k.pos[static_cast<std::size_t>(p)].get();
    }
    std::uint32_t** const wrp = wr.data();
    for (std::size_t i = 0; i < sn; ++i) *wrp[sc[i].pch]++ = static_cast<std::uint32_t>(i);
    total += sn;
    for (int p = 0; p < num_pch; ++p) {
      PchState& q = k.pch[static_cast<std::size_t>(p)];
      q.pos = k.pos[static_cast<std::size_t>(p)].get();
      q.n = per[static_cast<std::size_t>(p)];
    }
  }
  if (feed) {
    if (feed->size() != total)
      throw std::invalid_argument("feed order has " + std::to_string(feed->size()) + " entries for " +
                                  std::to_string(total) + " commands");
    std::vector<std::size_t> per(nch, 0);
    for (std::uint16_t c : *feed) {
      if (c >= nch) throw std::invalid_argument("feed order names channel " + std::to_string(c));
      ++per[c];
    }
    for (std::size_t c = 0; c < nch; ++c)
      if (per[c] != streams[c].size())
        throw std::invalid_argument("feed order gives channel " + std::to_string(c) + " " +
                                    std::to_string(per[c]) + " commands, its stream has " +
                                    std::to_string(streams[c].size()));
  }
  if (issue_cycles) {
    issue_cycles->assign(nch, {});
    for (std::size_t c = 0; c < nch; ++c) (*issue_cycles)[c].assign(streams[c].size(), 0);
  }

  const Cyc refi = T.nREFI;
  const int slots = m_p.slot_cycles();
  const bool full = m_p.refresh == RefreshModel::Full;
  const auto window = static_cast<std::size_t>(m_p.window);
  dram::Command ref_cmd;
  ref_cmd.cls = static_cast<dram::ClassId>(index_of(CmdKind::Refresh));
  auto skip_refresh = [&](Cyc c) {
    if (slots > 0 && c >= refi) {
      const Cyc m = c % refi;
      if (m < slots) c += slots - m;
    }
    return c;
  };
  // The engine command of stream command `c`, the head of pseudo-channel q: an ACT4
  // opens the next bank group of its round (the stream's order defines it).
  auto set_head_cmd = [&](PchState& q, const Command& c) {
    set_engine_command(q.head_cmd, c, T);
    if (is_act4(c.kind)) q.head_cmd.addr.bg = dram::BankGroupId{q.acts % bgs};
  };
  // Earliest legal cycle (>= t) of the best head of channel k, or kNever.
  // Called only at the start of a cycle t after every issued command (t is
  // one past the latest issue of any channel, and nothing blocks the bus), so
  // the engine's bus and last-issue bounds cannot bind: earliest_after_last.
  auto earliest = [&](Chan& k, Cyc t) {
    dram::ChannelEngine& eng = *k.eng;
    const Command* const stream = k.s->data();
    PchState* const pch = k.pch.data();
    k.next = kNever;
    k.next_pch = -1;
    std::uint32_t best_pos = 0;
    // Full model: the due refresh, once every bank is precharged (the engine
    // adds nRP after each precharge). It wins a tie (the controller's
    // priority queue), so it is evaluated first.
    if (full && k.issued < k.s->size() && eng.open_banks() == 0) {
      k.next = eng.earliest(ref_cmd, std::max(t, k.ref_due));
      k.next_pch = -2;
    }
    for (int p = 0; p < num_pch; ++p) {
      PchState& q = pch[p];
      if (q.head >= q.n) continue;  // exhausted
      const std::uint32_t P = q.pos[q.head];
      if (P >= k.sent) continue;  // not yet in the window
      const Command& c = stream[P];
      const std::uint64_t gen = eng.generation(dram::PchId{p});
      if (q.head_of != P || q.head_gen != gen) {
        if (q.head_of != P) {
          set_head_cmd(q, c);
          if (c.kind == CmdKind::RefreshBarrier && static_cast<Cyc>(q.head_cmd.arg) + slots >= refi)
            barrier_never_fits(c, q.head_cmd.arg, refi);
        }
        q.head_rules = eng.rules_ready(q.head_cmd);
        q.head_of = P;
        q.head_gen = gen;
      }
      // The rule engine places a barrier in a refresh interval its round fits
      // in; a refresh slot at the start of the interval only moves it on by
      // the slot (the round still fits: estimate + slots < nREFI).
      Cyc cyc = skip_refresh(eng.earliest_after_last(q.head_cmd, q.head_rules, t));
      if (full && c.kind == CmdKind::RefreshBarrier && cyc >= k.ref_due) {
        // Full model: a due refresh goes before a new round once every
        // other pseudo-channel is precharged too (this one is, it is at a
        // barrier). While another one is still open the round may start and
        // the refresh is postponed, so the two can never wait on each other.
        bool others_closed = true;
        for (int o = 0; o < num_pch; ++o)
          if (o != p && eng.open_banks(dram::PchId{o}) > 0) others_closed = false;
        if (others_closed) continue;
      }
      if (cyc < k.next || (cyc == k.next && k.next_pch != -2 && P < best_pos)) {
        k.next = cyc;
        k.next_pch = p;
        best_pos = P;
      }
    }
    k.dirty = false;
  };

  std::size_t gptr = 0;  // global reader position (feed mode)
  const std::uint16_t* const feed_d = feed ? feed->data() : nullptr;
  const std::size_t feed_n = feed ? feed->size() : 0;
  std::size_t left = total;
  Cyc t = 1;
  while (left > 0) {
    // Front end at the start of cycle t.
    if (feed) {
      while (gptr < feed_n) {
        Chan& k = ch[feed_d[gptr]];
        if (k.sent - k.issued >= window) break;  // that channel is full: the reader stalls
        ++k.sent;
        k.dirty = true;
        ++gptr;
      }
    } else {
      for (Chan& k : ch) {
        const std::size_t n = k.s->size();
        if (k.sent < n && k.sent - k.issued < window) {
          k.sent = std::min(n, k.issued + window);
          k.dirty = true;
        }
      }
    }
    Cyc c = kNever;
    for (Chan& k : ch) {
      if (k.dirty) earliest(k, t);
      c = std::min(c, k.next);
    }
    if (c == kNever) throw std::logic_error("channel engine: nothing can issue");
    for (std::size_t ci = 0; ci < nch; ++ci) {
      Chan& k = ch[ci];
      if (k.next != c) continue;
      k.dirty = true;
      if (k.next_pch == -2) {  // Full model: REFab
        k.eng->issue(ref_cmd, c);
        k.refreshes.push_back(static_cast<std::uint64_t>(c));
        ++k.run.counters.refreshes;
        k.ref_due += refi;
        continue;
      }
      PchState& q = k.pch[static_cast<std::size_t>(k.next_pch)];
      const std::uint32_t P = q.pos[q.head];
      const Command& cmd = (*k.s)[P];
      const dram::Command& e = q.head_cmd;
      if (!k.eng->state_allows(e)) state_forbids(*k.eng, e, ci, P, cmd);
      k.eng->issue_unchecked(e, c);  // c = earliest(e, t) was just evaluated for it
      if (is_act4(cmd.kind)) ++q.acts;
      if (is_precharge(cmd.kind)) q.acts = 0;
      k.run.counters.count(cmd);
      if (issue_cycles) (*issue_cycles)[ci][P] = static_cast<std::uint64_t>(c);
      ++q.head;
      ++k.issued;
      k.last = c;
      --left;
    }
    t = c + 1;
  }

  MultiChannelRun r;
  bool any = false;
  for (Chan& k : ch) {
    k.run.last_issue_cycle = static_cast<std::uint64_t>(k.last);
    if (slots > 0) k.run.counters.refreshes = static_cast<std::uint64_t>(k.last / refi);
    r.channel_last_issue.push_back(k.run.last_issue_cycle);
    r.refresh_cycles.push_back(std::move(k.refreshes));
    r.counters.num_act += k.run.counters.num_act;
    r.counters.num_comp += k.run.counters.num_comp;
    r.counters.num_rdwr += k.run.counters.num_rdwr;
    r.counters.commands += k.run.counters.commands;
    r.counters.refreshes += k.run.counters.refreshes;
    if (!k.s->empty()) {
      any = true;
      r.last_issue_cycle = std::max(r.last_issue_cycle, k.run.last_issue_cycle);
    }
  }
  // The kernel completes one cycle after its last command issued (the cycle
  // in which that command's completion is observed).
  r.cycles = any ? r.last_issue_cycle + 1 : 0;
  return r;
}

MultiChannelRun ChannelEngine::run(const std::vector<std::vector<Command>>& channel_streams, int num_pch,
                                   std::vector<std::vector<std::uint64_t>>* issue_cycles) const {
  return simulate(channel_streams, num_pch, nullptr, issue_cycles);
}

MultiChannelRun ChannelEngine::run(const std::vector<std::vector<Command>>& channel_streams, int num_pch,
                                   const std::vector<std::uint16_t>& feed_order,
                                   std::vector<std::vector<std::uint64_t>>* issue_cycles) const {
  return simulate(channel_streams, num_pch, &feed_order, issue_cycles);
}

ChannelRun ChannelEngine::run(const std::vector<Command>& stream, int num_pch,
                              std::vector<std::uint64_t>* issue_cycles) const {
  // One channel: a copy-free wrapper would need a span; streams here are small
  // or the caller uses the multi-channel form.
  std::vector<std::vector<Command>> one{stream};
  std::vector<std::vector<std::uint64_t>> cyc;
  const MultiChannelRun m = simulate(one, num_pch, nullptr, issue_cycles ? &cyc : nullptr);
  if (issue_cycles) *issue_cycles = std::move(cyc[0]);
  ChannelRun r;
  r.last_issue_cycle = m.last_issue_cycle;
  r.counters = m.counters;
  return r;
}

EnergyTable energy_table(const Variant& v, const dram::DramSpec& s) {
  constexpr double kReferenceBanks = 16;  // HBM2: 4 bank groups x 4 banks per pseudo-channel
  const double banks = static_cast<double>(s.org.bank_groups) * static_cast<double>(s.org.banks_per_group);
  return {v.act_pj, v.rdwr_pj, v.comp_pj * banks / kReferenceBanks};
}

double energy_pj(const Counters& c, const EnergyTable& e) {
  return e.act_pj * static_cast<double>(c.num_act) + e.rdwr_pj * static_cast<double>(c.num_rdwr) +
         e.comp_pj * static_cast<double>(c.num_comp);
}

}  // namespace pimlab::pim
