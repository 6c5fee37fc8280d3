#include "dram/memory_system.h"

#include <algorithm>
#include <stdexcept>

namespace pimlab::dram {

void MemoryStats::collect(stats::Sink& s) const {
  s.add("commands", commands, "commands", "DRAM commands issued, every channel and class");
  s.add("reads", reads, "requests", "read requests served (one atom each)");
  s.add("writes", writes, "requests", "write requests served (one atom each)");
  s.add("row_hits", row_hits, "requests", "requests with no ACT or PRE on their behalf (row already open)");
  s.add("row_misses", row_misses, "requests", "requests to a closed bank (ACT needed)");
  s.add("row_conflicts", row_conflicts, "requests", "requests to a bank open on another row (PRE and ACT needed)");
  s.add("bytes", bytes, "bytes", "payload bytes read and written");
  s.add("total_cycles", total_cycles, "cycles", "first arrival to the end of the last burst (tCK)");
  s.add("total_ns", total_ns, "ns", "total_cycles x tCK");
  s.add("bandwidth_GBps", bandwidth_GBps, "GB/s", "bytes / total_ns (1 GB/s = 1 byte/ns)");
  s.add("refreshes", refreshes, "commands", "refresh commands issued");
  s.add("idle_refresh_periods_skipped", idle_refresh_periods_skipped, "periods",
        "refresh periods of idle gaps counted, not issued (summed over channels; docs/dram.md, Idle gaps)");
  s.add("energy_pj", energy_pj, "pJ", "IDD energy over total_cycles, every channel (the sum of energy_breakdown_pj)");
  s.add("events", events, "iterations", "event-loop iterations of the run (time jumps over idle cycles)");
  s.add("checker_violations", checker_violations, "violations", "issued commands the independent checker rejects");
  s.add_flag("checker_enabled", checker_enabled, "every issued command was re-validated by the independent checker");
}

MemorySystem::MemorySystem(const DramSpec& spec, const ControllerConfig& cfg, const AddressMap& map, bool check)
    : m_spec(spec), m_cfg(cfg), m_map(map) {
  // Channel 0's controller and checker are built; the other channels' are
  // copies (the same spec and configuration: building the engine's rule table
  // and the checker's once is most of the cost of a short replay).
  for (int c = 0; c < spec.org.channels; ++c) {
    m_ctrl.push_back(c == 0 ? std::make_unique<ChannelController>(spec, cfg, ChannelId{0})
                            : std::make_unique<ChannelController>(*m_ctrl.front(), ChannelId{c}));
    if (check) {
      m_checkers.push_back(c == 0 ? std::make_unique<RuleChecker>(spec, cfg.dual_command_bus)
                                  : std::make_unique<RuleChecker>(*m_checkers.front()));
      m_ctrl.back()->attach_checker(m_checkers.back().get());
    }
  }
}

nlohmann::json MemorySystem::run(const std::function<bool(MemRequest&)>& next) {
  const int C = m_spec.org.channels;
  std::vector<Cycle> next_step(C, kNever);
  std::uint64_t reads = 0, writes = 0, hits = 0, misses = 0, conflicts = 0, id = 0;
  std::vector<Cycle> lat;
  Cycle first_arrival = kNever, last_done = 0, last_arrival = 0;
  bool have = false, exhausted = false;
  MemRequest head;
  std::size_t in_flight = 0;
  // Largest first-to-last arrival span whose standby sums fit in int64:
  // pseudo-channels x span <= 2^61 leaves 2^62 for the service after it.
  const Cycle pchs = static_cast<Cycle>(C) * m_spec.org.pseudo_channels;
  const Cycle max_span = (Cycle{1} << 61) / pchs;
  constexpr Cycle kMaxArrival = Cycle{1} << 60;  // far below kNever (the controllers' no-event cycle)
  auto pull = [&]() {
    if (have || exhausted) return;
    if (!next(head)) {
      exhausted = true;
      return;
    }
    if (head.arrival < last_arrival)
      throw std::invalid_argument("request arrivals must not decrease (cycle " + std::to_string(head.arrival) +
                                  " after " + std::to_string(last_arrival) + ")");
    if (head.arrival < 0) throw std::invalid_argument("request arrival cycle " + std::to_string(head.arrival) + " is negative");
    if (head.arrival > kMaxArrival)
      throw std::invalid_argument("request arrival cycle " + std::to_string(head.arrival) + " is too large; allowed: at most " +
                                  std::to_string(kMaxArrival));
    // Standby cycles are summed over every pseudo-channel of the device from
    // the first arrival on (energy_counts): refuse a span whose sum would
    // leave int64, with room for the last requests' service.
    const Cycle from = first_arrival == kNever ? head.arrival : first_arrival;
    if (head.arrival - from > max_span)
      throw std::invalid_argument("request arrival cycle " + std::to_string(head.arrival) + " is " +
                                  std::to_string(head.arrival - from) + " cycles after the first arrival (cycle " +
                                  std::to_string(from) + "); allowed: at most " + std::to_string(max_span) + " (the " +
                                  std::to_string(pchs) + " pseudo-channels' standby cycles must fit in 64 bits)");
    last_arrival = head.arrival;
    have = true;
  };
  // Takes every request that has arrived by `now` into its channel (into its
  // pseudo-channel's queue or, when that is full, behind the requests waiting
  // for it: the controller's front end).
  auto admit = [&](Cycle now, Cycle step_at) {
    for (;;) {
      pull();
      if (!have || head.arrival > now) return;
      const Request r{id++, head.write, m_map.decode(head.address), head.arrival};
      const int c = idx(r.addr.ch);
      m_ctrl[c]->enqueue(r);
      next_step[c] = std::min(next_step[c], step_at);
      first_arrival = std::min(first_arrival, head.arrival);
      ++in_flight;
      have = false;
    }
  };
  std::vector<Completion> done;  // reused by every take
  auto collect = [&](ChannelController& ctl) {
    ctl.take_completions(done);
    for (const Completion& d : done) {
      --in_flight;
      last_done = std::max(last_done, d.done);
      if (d.req.write) {
        ++writes;
      } else {
        ++reads;
        lat.push_back(d.done - d.req.arrival);
      }
      hits += d.outcome == RowOutcome::Hit;
      misses += d.outcome == RowOutcome::Miss;
      conflicts += d.outcome == RowOutcome::Conflict;
    }
  };

  pull();
  Cycle now = have ? head.arrival : 0;
  const Cycle origin = now;
  // Channels start stepping at the first arrival (their refresh clocks run from 0).
  for (int c = 0; c < C; ++c) {
    m_ctrl[c]->set_time_origin(now);
    next_step[c] = m_cfg.refresh == RefreshMode::Off ? kNever : now;
  }
  m_events = 0;
  while (true) {
    ++m_events;
    admit(now, now);
    for (int c = 0; c < C; ++c) {
      if (next_step[c] > now) continue;
      next_step[c] = m_ctrl[c]->step(now);
      collect(*m_ctrl[c]);
    }
    pull();
    if (exhausted && !have && in_flight == 0) break;
    Cycle t = kNever;
    for (int c = 0; c < C; ++c)
      if (m_ctrl[c]->pending() > 0) t = std::min(t, next_step[c]);
    if (have) t = std::min(t, std::max(head.arrival, now + 1));
    if (t == kNever) throw std::logic_error("dram memory system: no next event while requests are pending");
    // Idle channels only need to catch up with their refreshes up to t.
    for (int c = 0; c < C; ++c) {
      if (m_ctrl[c]->pending() == 0 && next_step[c] < t) {
        next_step[c] = m_ctrl[c]->run_idle(next_step[c], t);
        collect(*m_ctrl[c]);
      }
    }
    now = std::max(t, now + 1);
  }

  std::uint64_t cmds = 0, refs = 0, viol = 0, skipped = 0;
  nlohmann::json by_class = nlohmann::json::object();
  std::vector<std::string> msgs;
  for (auto& ctl : m_ctrl) {
    cmds += ctl->commands();
    refs += ctl->refreshes();
    skipped += ctl->idle_refresh_periods_skipped();
    viol += ctl->checker_violations();
    const auto& cs = ctl->engine().command_set();
    for (std::size_t k = 0; k < cs.classes.size(); ++k) {
      const std::string& n = cs.classes[k].name;
      by_class[n] = (by_class.contains(n) ? by_class[n].get<std::uint64_t>() : 0) + ctl->commands_by_class()[k];
    }
    for (const auto& m : ctl->violation_messages())
      if (msgs.size() < 16) msgs.push_back(m);
  }
  const Cycle span = first_arrival == kNever ? 0 : last_done - first_arrival;
  // Energy over the same window (every channel, busy or idle, from the first
  // arrival to the end of the last burst).
  EnergyCounts ec;
  for (auto& ctl : m_ctrl) ec += ctl->energy_counts(first_arrival == kNever ? origin : last_done);
  const EnergyBreakdown eb = dram_energy(m_spec, ec);
  const double tck_ns = static_cast<double>(m_spec.t.tCK_ps) / 1000.0;
  const std::uint64_t bytes = (reads + writes) * static_cast<std::uint64_t>(m_spec.org.atom_bytes);
  MemoryStats ms;
  ms.commands = cmds;
  ms.reads = reads;
  ms.writes = writes;
  ms.row_hits = hits;
  ms.row_misses = misses;
  ms.row_conflicts = conflicts;
  ms.bytes = bytes;
  ms.total_cycles = span;
  ms.total_ns = static_cast<double>(span) * tck_ns;
  ms.bandwidth_GBps = span > 0 ? static_cast<double>(bytes) / (static_cast<double>(span) * tck_ns) : 0.0;
  ms.refreshes = refs;
  ms.idle_refresh_periods_skipped = skipped;
  ms.energy_pj = eb.total_pj();
  ms.events = m_events;
  ms.checker_violations = viol;
  ms.checker_enabled = !m_checkers.empty();
  nlohmann::json s = stats::flat(ms);
  s["commands_by_class"] = by_class;
  s["energy_breakdown_pj"] = eb.to_json();
  s["standby_cycles"] = {{"active", ec.active_cycles}, {"precharged", ec.precharged_cycles}};
  nlohmann::json lc = nlohmann::json::object(), ln = nlohmann::json::object();
  if (!lat.empty()) {
    double sum = 0;
    for (Cycle l : lat) sum += static_cast<double>(l);
    const Cycle mn = *std::min_element(lat.begin(), lat.end());
    const Cycle mx = *std::max_element(lat.begin(), lat.end());
    // p99: the smallest latency that at least 99 % of the reads do not exceed.
    const std::size_t k = (lat.size() * 99 + 99) / 100 - 1;
    std::nth_element(lat.begin(), lat.begin() + static_cast<std::ptrdiff_t>(k), lat.end());
    const Cycle p99 = lat[k];
    const double avg = sum / static_cast<double>(lat.size());
    lc = {{"avg", avg}, {"min", mn}, {"max", mx}, {"p99", p99}};
    ln = {{"avg", avg * tck_ns}, {"min", static_cast<double>(mn) * tck_ns}, {"max", static_cast<double>(mx) * tck_ns},
          {"p99", static_cast<double>(p99) * tck_ns}};
  }
  s["read_latency_cycles"] = lc;
  s["read_latency_ns"] = ln;
  if (!msgs.empty()) s["checker_messages"] = msgs;
  return s;
}

}  // namespace pimlab::dram
