#include "dram/controller.h"

#include <algorithm>
#include <limits>
#include <stdexcept>

namespace pimlab::dram {

namespace {
int read_int(const nlohmann::json& v, const std::string& key, int lo, int hi) {
  if (!v.is_number_integer() || v.get<std::int64_t>() < lo || v.get<std::int64_t>() > hi)
    throw std::invalid_argument("controller: key '" + key + "' has value " + v.dump() + "; allowed: an integer in [" +
                                std::to_string(lo) + ", " + std::to_string(hi) + "]");
  return v.get<int>();
}
}  // namespace

ControllerConfig controller_config_from_json(const nlohmann::json& j, ControllerConfig c) {
  if (!j.is_object()) throw std::invalid_argument("controller: expected a JSON object, got " + j.dump());
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& k = it.key();
    if (k == "queue_size") {
      c.queue_size = read_int(*it, k, 1, 4096);
    } else if (k == "write_high") {
      c.write_high = read_int(*it, k, 1, 4096);
    } else if (k == "write_low") {
      c.write_low = read_int(*it, k, 0, 4096);
    } else if (k == "dual_command_bus") {
      if (!it->is_boolean())
        throw std::invalid_argument("controller: key 'dual_command_bus' has value " + it->dump() + "; allowed: true or false");
      c.dual_command_bus = it->get<bool>();
    } else if (k == "page_policy") {
      const std::string v = it->is_string() ? it->get<std::string>() : it->dump();
      if (v == "open") c.page_policy = PagePolicy::Open;
      else if (v == "closed") c.page_policy = PagePolicy::Closed;
      else throw std::invalid_argument("controller: key 'page_policy' has value " + it->dump() + "; allowed: open or closed");
    } else if (k == "refresh") {
      const std::string v = it->is_string() ? it->get<std::string>() : it->dump();
      if (v == "all-bank") c.refresh = RefreshMode::AllBank;
      else if (v == "per-bank") c.refresh = RefreshMode::PerBank;
      else if (v == "off") c.refresh = RefreshMode::Off;
      else throw std::invalid_argument("controller: key 'refresh' has value " + it->dump() + "; allowed: all-bank, per-bank or off");
    } else if (k == "fast_idle_refresh") {
      if (!it->is_boolean())
        throw std::invalid_argument("controller: key 'fast_idle_refresh' has value " + it->dump() + "; allowed: true or false");
      c.fast_idle_refresh = it->get<bool>();
    } else {
      throw std::invalid_argument("controller: unknown key '" + k +
                                  "'; allowed: queue_size, page_policy, write_high, write_low, dual_command_bus, refresh or "
                                  "fast_idle_refresh");
    }
  }
  if (c.queue_size < 1)
    throw std::invalid_argument("controller: key 'queue_size' has value " + std::to_string(c.queue_size) + "; allowed: >= 1");
  if (c.write_low < 0)
    throw std::invalid_argument("controller: key 'write_low' has value " + std::to_string(c.write_low) + "; allowed: >= 0");
  if (c.write_high > c.queue_size)
    throw std::invalid_argument("controller: key 'write_high' has value " + std::to_string(c.write_high) +
                                "; allowed: at most queue_size = " + std::to_string(c.queue_size));
  if (c.write_low >= c.write_high)
    throw std::invalid_argument("controller: key 'write_low' has value " + std::to_string(c.write_low) +
                                "; allowed: less than write_high = " + std::to_string(c.write_high));
  return c;
}

nlohmann::json to_json(const ControllerConfig& c) {
  return {{"queue_size", c.queue_size},
          {"page_policy", c.page_policy == PagePolicy::Open ? "open" : "closed"},
          {"write_high", c.write_high},
          {"write_low", c.write_low},
          {"dual_command_bus", c.dual_command_bus},
          {"refresh", c.refresh == RefreshMode::AllBank ? "all-bank" : c.refresh == RefreshMode::PerBank ? "per-bank" : "off"},
          {"fast_idle_refresh", c.fast_idle_refresh}};
}

ChannelController::ChannelController(const DramSpec& spec, const ControllerConfig& cfg, ChannelId ch,
                                     const CommandSet* set)
    : m_spec(spec), m_cfg(cfg), m_ch(ch), m_engine(spec, set ? *set : hbm_command_set(), cfg.dual_command_bus) {
  controller_config_from_json(nlohmann::json::object(), cfg);  // re-validates the watermarks
  const CommandSet& s = m_engine.command_set();
  m_id = HbmClassIds::of(s);
  for (const auto& c : s.classes) {
    m_kind.push_back(checked_kind(c.name));
    m_column_bus.push_back(c.bus == Bus::Column ? 1 : 0);
    if (c.target == Target::Channel) m_channel_wide = true;
  }
  m_affects.assign(s.classes.size(), {});
  for (const auto& r : s.rules) {
    if (r.scope == Scope::Channel) m_channel_wide = true;
    const int reach = r.scope == Scope::SameBank ? 0 : r.scope == Scope::SameBankGroup ? 1 : 2;
    std::vector<Affect>& a = m_affects[s.id(r.from)];
    const ClassId to = s.id(r.to);
    auto it = std::find_if(a.begin(), a.end(), [&](const Affect& x) { return x.to == to; });
    if (it == a.end()) a.push_back({to, reach});
    else it->reach = std::max(it->reach, reach);
  }
  // A command reaches at least its own target's banks (a pseudo-channel-wide
  // command every bank of it, even through a same-bank rule).
  for (std::size_t k = 0; k < s.classes.size(); ++k) {
    const Target tgt = s.classes[k].target;
    const int own = tgt == Target::Bank ? 0 : tgt == Target::BankGroup ? 1 : 2;
    for (Affect& x : m_affects[k]) x.reach = std::max(x.reach, own);
    m_cls_wide.push_back(tgt == Target::Channel ? 1 : 0);
  }
  const int P = spec.org.pseudo_channels;
  const Cycle first = cfg.refresh == RefreshMode::AllBank ? spec.t.nREFI
                      : cfg.refresh == RefreshMode::PerBank ? spec.t.nREFIpb
                                                            : kNever;
  m_ref_due.assign(P, first);
  m_ref_min = first;
  m_refpb_bank.assign(P, 0);
  m_cmd_count.assign(s.classes.size(), 0);
  m_q.assign(P, {});
  m_wait.assign(P, {});
  for (auto& q : m_q) q.reserve(cfg.queue_size);
  m_rows.assign(static_cast<std::size_t>(cfg.queue_size), -1);  // a queue never holds more
  m_bank_flags.assign(static_cast<std::size_t>(banks_per_pseudo_channel(spec.org)), 0);
  m_draining.assign(P, 0);
  m_cands.assign(P, {});
  m_dirty.assign(P, 1);
  m_built_at.assign(P, -1);
  m_min_ready.assign(P, kNever);
  m_earliest_cache.assign(static_cast<std::size_t>(P) * banks_per_pseudo_channel(spec.org) * s.classes.size(), {});
  m_inv_pch.assign(static_cast<std::size_t>(P) * s.classes.size(), 0);
  m_inv_bg.assign(static_cast<std::size_t>(P) * spec.org.bank_groups * s.classes.size(), 0);
  m_bg_at.assign(P, 0);
  m_bg_active.assign(P, 0);
  m_refresh_until.assign(P, 0);
  if (cfg.fast_idle_refresh && m_engine.absolute_time_free())
    m_idle_period = cfg.refresh == RefreshMode::AllBank   ? spec.t.nREFI
                    : cfg.refresh == RefreshMode::PerBank ? static_cast<Cycle>(spec.t.nREFIpb) * banks_per_pseudo_channel(spec.org)
                                                          : 0;
}

ChannelController::ChannelController(const ChannelController& proto, ChannelId ch) : ChannelController(proto) {
  if (proto.m_seq != 0 || proto.m_cmds != 0 || proto.m_engine.last_issue() >= 0)
    throw std::logic_error("dram controller: a controller that has run cannot be copied for another channel");
  m_ch = ch;
  m_checker = nullptr;
  m_hook = nullptr;
}

void ChannelController::enqueue(const Request& r) {
  if (r.addr.ch != m_ch) throw std::logic_error("dram controller: request for another channel");
  const int p = idx(r.addr.pch);
  if (p < 0 || p >= m_spec.org.pseudo_channels)
    throw std::logic_error("dram controller: request for pseudo-channel " + std::to_string(p) + " outside the channel");
  const Entry e{r, ++m_seq, idx(r.addr.bg) * m_spec.org.banks_per_group + idx(r.addr.bank), false, false};
  ++m_pending;
  ++m_epoch;
  if (!m_wait[p].empty() || full(r.addr.pch)) {
    m_wait[p].push_back(e);
    return;
  }
  m_q[p].push_back(e);
  m_dirty[p] = 1;
}

void ChannelController::set_time_origin(Cycle t0) {
  const Cycle first = m_cfg.refresh == RefreshMode::AllBank ? m_spec.t.nREFI
                      : m_cfg.refresh == RefreshMode::PerBank ? m_spec.t.nREFIpb
                                                              : kNever;
  for (Cycle& d : m_ref_due) d = first == kNever ? kNever : t0 + first;
  update_ref_min();
  m_origin = t0;
  ++m_epoch;
  for (std::size_t p = 0; p < m_bg_at.size(); ++p) {
    m_bg_at[p] = t0;
    m_bg_active[p] = 0;
  }
}

Cycle ChannelController::active_between(int p, Cycle from, Cycle to) const {
  if (to <= from) return 0;
  if (m_engine.open_banks(PchId{p}) > 0) return to - from;
  return std::max<Cycle>(0, std::min(to, m_refresh_until[p]) - from);
}

void ChannelController::advance_background(int p, Cycle t) {
  if (t <= m_bg_at[p]) return;
  m_bg_active[p] += active_between(p, m_bg_at[p], t);
  m_bg_at[p] = t;
}

EnergyCounts ChannelController::energy_counts(Cycle until) const {
  EnergyCounts c;
  c.act = m_cmd_count[m_id.ACT];
  c.banks_closed = m_banks_closed;
  c.rd = m_cmd_count[m_id.RD];
  c.wr = m_cmd_count[m_id.WR];
  c.ref = m_cmd_count[m_id.REF];
  c.refpb = m_cmd_count[m_id.REFPB];
  for (std::size_t p = 0; p < m_bg_at.size(); ++p) {
    const Cycle end = std::max(until, m_bg_at[p]);
    const Cycle active = m_bg_active[p] + active_between(static_cast<int>(p), m_bg_at[p], end);
    c.active_cycles += active;
    c.precharged_cycles += (end - m_origin) - active;
  }
  return c;
}

Cycle ChannelController::close_all(Cycle now) {
  if (m_pending)
    throw std::logic_error("dram controller: close_all with " + std::to_string(m_pending) + " requests queued");
  ++m_epoch;
  std::fill(m_dirty.begin(), m_dirty.end(), 1);
  invalidate_all_earliest();
  Cycle t = now;
  // Refreshes already due issue first, exactly as step() issues them.
  auto refresh_due = [&] {
    if (m_cfg.refresh == RefreshMode::Off) return false;
    for (Cycle d : m_ref_due)
      if (d <= now) return true;
    return false;
  };
  while (refresh_due()) {
    const Cycle next = step(t);
    if (next == kNever) throw std::logic_error("dram controller: a due refresh cannot issue");
    t = next;
  }
  // One precharge per pseudo-channel with open banks: PRE for a single open
  // bank, PREA for several; the one that can issue first goes first.
  const int P = m_spec.org.pseudo_channels, G = m_spec.org.bank_groups, B = m_spec.org.banks_per_group;
  std::vector<Command> closing;
  for (int p = 0; p < P; ++p) {
    const int n = m_engine.open_banks(PchId{p});
    if (n == 0) continue;
    Command c;
    c.addr.ch = m_ch;
    c.addr.pch = PchId{p};
    c.cls = n > 1 ? m_id.PREA : m_id.PRE;
    if (n == 1)
      for (int g = 0; g < G; ++g)
        for (int b = 0; b < B; ++b)
          if (m_engine.is_open(PchId{p}, BankGroupId{g}, BankId{b})) {
            c.addr.bg = BankGroupId{g};
            c.addr.bank = BankId{b};
          }
    closing.push_back(c);
  }
  while (!closing.empty()) {
    std::size_t best = 0;
    Cycle best_at = kNever;
    for (std::size_t i = 0; i < closing.size(); ++i) {
      const Cycle e = std::max(t, m_engine.earliest(closing[i]));
      if (e < best_at) best = i, best_at = e;
    }
    issue({closing[best], best_at, 2, 0, std::numeric_limits<std::size_t>::max()}, best_at);
    t = best_at;
    closing.erase(closing.begin() + static_cast<std::ptrdiff_t>(best));
  }
  // Every bank ready for an ACT: tRP, tRFC, tRC, tRRD and tFAW as the rules say.
  Cycle ready = now;
  for (int p = 0; p < P; ++p)
    for (int g = 0; g < G; ++g)
      for (int b = 0; b < B; ++b) {
        Command act;
        act.cls = m_id.ACT;
        act.addr.ch = m_ch;
        act.addr.pch = PchId{p};
        act.addr.bg = BankGroupId{g};
        act.addr.bank = BankId{b};
        ready = std::max(ready, m_engine.earliest(act));
      }
  return ready;
}

void ChannelController::account_external(const ExternalUse& u) {
  const int P = m_spec.org.pseudo_channels, G = m_spec.org.bank_groups, B = m_spec.org.banks_per_group;
  if (m_pending)
    throw std::logic_error("dram controller: external use with " + std::to_string(m_pending) + " requests queued");
  if (u.begin <= m_engine.last_issue() || u.end < u.begin)
    throw std::logic_error("dram controller: external use [" + std::to_string(u.begin) + ", " + std::to_string(u.end) +
                           ") must start after the last issued command (cycle " +
                           std::to_string(m_engine.last_issue()) + ") and not end before it starts");
  for (int p = 0; p < P; ++p)
    if (m_engine.open_banks(PchId{p}) > 0)
      throw std::logic_error("dram controller: external use while pch " + std::to_string(p) +
                             " has open banks (close_all first)");
  // Time order (stable: an activate and a precharge of one cycle keep theirs).
  std::vector<const ExternalCommand*> cmds;
  for (const ExternalCommand& c : u.commands) {
    const Address& a = c.addr;
    if (idx(a.pch) < 0 || idx(a.pch) >= P || (c.kind == ExternalCommand::Kind::Activate &&
                                              (idx(a.bg) < 0 || idx(a.bg) >= G || idx(a.bank) < 0 || idx(a.bank) >= B)))
      throw std::invalid_argument("dram controller: external command at " + to_string(a) + " outside the organisation");
    if (c.t < u.begin || c.t >= u.end)
      throw std::logic_error("dram controller: external command at cycle " + std::to_string(c.t) + " outside [" +
                             std::to_string(u.begin) + ", " + std::to_string(u.end) + ")");
    cmds.push_back(&c);
  }
  std::stable_sort(cmds.begin(), cmds.end(), [](const ExternalCommand* a, const ExternalCommand* b) { return a->t < b->t; });
  // Every bank closed at the end: its last command is a precharge.
  std::vector<char> open(static_cast<std::size_t>(P) * G * B, 0);
  for (const ExternalCommand* c : cmds) {
    const int p = idx(c->addr.pch);
    if (c->kind == ExternalCommand::Kind::Activate)
      open[(static_cast<std::size_t>(p) * G + idx(c->addr.bg)) * B + idx(c->addr.bank)] = 1;
    else
      std::fill(open.begin() + static_cast<std::ptrdiff_t>(p) * G * B, open.begin() + static_cast<std::ptrdiff_t>(p + 1) * G * B, 0);
  }
  for (std::size_t i = 0; i < open.size(); ++i)
    if (open[i])
      throw std::invalid_argument("dram controller: the external commands leave pch" + std::to_string(i / (G * B)) + ".bg" +
                                  std::to_string(i / B % G) + ".bank" + std::to_string(i % B) + " open");
  // Background: up to the interval as the controller left the banks; the
  // interval itself counts as precharged standby (the agent's energy is its own).
  for (int p = 0; p < P; ++p) {
    advance_background(p, u.begin);
    m_bg_at[p] = std::max(m_bg_at[p], u.end);
  }
  for (const ExternalCommand* c : cmds) {
    Command e;
    e.addr = c->addr;
    e.addr.ch = m_ch;
    const bool act = c->kind == ExternalCommand::Kind::Activate;
    e.cls = act ? m_id.ACT : m_id.PREA;
    m_engine.record_external(e, c->t);
    if (m_checker)
      m_checker->record_external({act ? CheckedKind::ACT : CheckedKind::PREA, e.addr.pch, act ? e.addr.bg : BankGroupId{0},
                                  act ? e.addr.bank : BankId{0}, e.addr.row, c->t});
  }
  m_engine.block_until(u.end);
  if (m_checker) m_checker->block_until(u.end);
  // Refresh: deadlines before `end` that have not issued belong to the agent's
  // refresh model when it has one; later deadlines keep the controller's cadence.
  if (u.refreshed && m_cfg.refresh != RefreshMode::Off) {
    const Cycle every = m_cfg.refresh == RefreshMode::AllBank ? m_spec.t.nREFI : m_spec.t.nREFIpb;
    const int banks = banks_per_pseudo_channel(m_spec.org);
    for (int p = 0; p < P; ++p) {
      if (m_ref_due[p] >= u.end) continue;
      const Cycle k = (u.end - m_ref_due[p] + every - 1) / every;
      m_ref_due[p] += k * every;
      m_refpb_bank[p] = static_cast<int>((m_refpb_bank[p] + k % banks) % banks);
    }
    update_ref_min();
  }
  std::fill(m_dirty.begin(), m_dirty.end(), 1);
  invalidate_all_earliest();  // the external commands and the blocked buses move every earliest cycle
  ++m_epoch;
}

void ChannelController::idle_state(Cycle t, std::vector<Cycle>& out) const {
  out.clear();
  m_engine.time_state(t, out);
  for (std::size_t p = 0; p < m_ref_due.size(); ++p) {
    out.push_back(m_ref_due[p] - t);
    out.push_back(m_refpb_bank[p]);
    out.push_back(m_draining[p]);
    // Standby bookkeeping: counted up to m_bg_at, a refresh running to
    // m_refresh_until (no effect when it ends before m_bg_at).
    out.push_back(m_bg_at[p] - t);
    out.push_back(std::max(m_refresh_until[p], m_bg_at[p]) - t);
  }
}

Cycle ChannelController::run_idle(Cycle next, Cycle until) {
  if (m_pending)
    throw std::logic_error("dram controller: run_idle with " + std::to_string(m_pending) + " requests queued");
  while (next < until) {
    if (m_idle_period > 0 && !m_hook && m_engine.open_banks() == 0) {
      const bool marked = m_mark.valid && m_mark.epoch == m_epoch;
      if (marked && next == m_mark.t + m_idle_period) {
        idle_state(next, m_idle_scratch);
        const Cycle k = (until - 1 - next) / m_idle_period;  // whole periods that start and end before until
        if (k > 0 && m_idle_scratch == m_mark.state && m_violations == m_mark.violations) {
          // One period took the channel from the marked state to the same
          // state one period later: every following period repeats it.
          const auto times = [k](std::uint64_t now, std::uint64_t then) { return static_cast<std::uint64_t>(k) * (now - then); };
          for (std::size_t i = 0; i < m_cmd_count.size(); ++i) m_cmd_count[i] += times(m_cmd_count[i], m_mark.cmd_count[i]);
          m_cmds += times(m_cmds, m_mark.cmds);
          m_banks_closed += times(m_banks_closed, m_mark.banks_closed);
          const Cycle d = k * m_idle_period;
          for (std::size_t p = 0; p < m_bg_active.size(); ++p) {
            m_bg_active[p] += k * (m_bg_active[p] - m_mark.bg_active[p]);
            m_bg_at[p] += d;
            m_ref_due[p] += d;
            m_refresh_until[p] += d;
          }
          update_ref_min();
          m_engine.shift_time(d);
          std::fill(m_dirty.begin(), m_dirty.end(), 1);
          invalidate_all_earliest();
          m_idle_skipped += static_cast<std::uint64_t>(k);
          next += d;
          m_mark.valid = false;
          continue;
        }
      }
      if (!marked || next >= m_mark.t + m_idle_period) {
        m_mark.valid = true;
        m_mark.epoch = m_epoch;
        m_mark.t = next;
        if (next == m_mark.t && !m_idle_scratch.empty() && marked) m_mark.state.swap(m_idle_scratch);
        idle_state(next, m_mark.state);
        m_mark.cmd_count = m_cmd_count;
        m_mark.cmds = m_cmds;
        m_mark.banks_closed = m_banks_closed;
        m_mark.violations = m_violations;
        m_mark.bg_active = m_bg_active;
      }
    }
    next = step(next);
  }
  return next;
}

std::uint64_t ChannelController::refreshes() const { return m_cmd_count[m_id.REF] + m_cmd_count[m_id.REFPB]; }

bool ChannelController::bank_blocked_by_refresh(PchId p, BankGroupId g, BankId b, Cycle now) const {
  if (m_cfg.refresh == RefreshMode::Off || now < m_ref_due[idx(p)]) return false;
  if (m_cfg.refresh == RefreshMode::AllBank) return true;
  const int bank = idx(g) * m_spec.org.banks_per_group + idx(b);
  return bank == m_refpb_bank[idx(p)];
}

void ChannelController::build_candidates(int p, Cycle now, std::vector<Cand>& out) {
  out.clear();
  const int G = m_spec.org.bank_groups, B = m_spec.org.banks_per_group;
  const int nb = G * B;
  constexpr std::size_t kNone = std::numeric_limits<std::size_t>::max();
  // Refresh first: a due refresh closes the banks it needs and then refreshes.
  if (m_cfg.refresh != RefreshMode::Off && now >= m_ref_due[p]) {
    Command c;
    c.addr.ch = m_ch;
    c.addr.pch = PchId{p};
    if (m_cfg.refresh == RefreshMode::AllBank) {
      c.cls = m_engine.open_banks(PchId{p}) > 0 ? m_id.PREA : m_id.REF;
    } else {
      c.addr.bg = BankGroupId{m_refpb_bank[p] / B};
      c.addr.bank = BankId{m_refpb_bank[p] % B};
      c.cls = m_engine.is_open(c.addr.pch, c.addr.bg, c.addr.bank) ? m_id.PRE : m_id.REFPB;
    }
    out.push_back({c, m_engine.earliest(c), 0, 0, kNone});
  }
  const std::vector<Entry>& q = m_q[p];
  const std::size_t n = q.size();
  if (n == 0 && m_cfg.page_policy == PagePolicy::Open) {
    // Nothing queued: no request candidate, and a write drain ends (no write
    // queued is at most write_low), as the general path below concludes.
    m_draining[p] = 0;
    return;
  }
  // Banks with a queued row hit (by a read / by a write), banks already
  // claimed by an older request's ACT or PRE, and banks with a row-hit
  // candidate of the pass writing / reading.
  enum : std::uint8_t { kReadHit = 1, kWriteHit = 2, kClaimed = 4, kHitCandRead = 8, kHitCandWrite = 16 };
  // Flags of the banks this build reads: those of the queued requests (and,
  // closed page, every bank). Open row of each queued request's bank (-1
  // closed), and the writes queued.
  if (m_cfg.page_policy == PagePolicy::Closed) std::fill(m_bank_flags.begin(), m_bank_flags.end(), 0);
  std::uint8_t* const f = m_bank_flags.data();
  const PchId pch{p};
  int writes = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const Entry& e = q[i];
    writes += e.req.write;
    m_rows[i] = idx(m_engine.open_row(pch, e.req.addr.bg, e.req.addr.bank));
    f[e.bank] = 0;
  }
  for (std::size_t i = 0; i < n; ++i) {
    const Entry& e = q[i];
    if (m_rows[i] == idx(e.req.addr.row)) f[e.bank] |= e.req.write ? kWriteHit : kReadHit;
  }
  // Which requests are eligible: reads, unless this pseudo-channel drains writes.
  const int reads = static_cast<int>(n) - writes;
  if (!m_draining[p] && writes >= m_cfg.write_high) m_draining[p] = 1;
  if (m_draining[p] && writes <= m_cfg.write_low) m_draining[p] = 0;
  const bool serve_writes = m_draining[p] || reads == 0;
  const int ncls = static_cast<int>(m_engine.command_set().classes.size());
  // Single-bank commands of one class to one bank share their earliest cycle
  // (the row and column do not enter any rule), and it stays valid until a
  // command issues from which a rule leads to that class within the rule's
  // reach (issue() clears it; see m_dirty for why the other pseudo-channel's
  // commands and the command buses do not matter).
  CachedEarliest* const cache = &m_earliest_cache[static_cast<std::size_t>(p) * nb * ncls];
  const std::uint64_t* const inv_pch = &m_inv_pch[static_cast<std::size_t>(p) * ncls];
  const std::uint64_t* const inv_bg = &m_inv_bg[static_cast<std::size_t>(p) * G * ncls];
  auto earliest_of = [&](const Command& c, int bi) {
    CachedEarliest& e = cache[static_cast<std::size_t>(bi) * ncls + c.cls];
    const std::uint64_t inv = std::max({m_inv_all, inv_pch[c.cls], inv_bg[static_cast<std::size_t>(bi / B) * ncls + c.cls]});
    if (e.stamp == 0 || e.stamp < inv) {
      e.stamp = m_tick;
      e.ready = m_engine.earliest(c);
    }
    return e.ready;
  };
  // The bank a per-bank refresh blocks (-1 none; an all-bank refresh blocks them all).
  const bool refresh_due = m_cfg.refresh != RefreshMode::Off && now >= m_ref_due[p];
  const bool all_blocked = refresh_due && m_cfg.refresh == RefreshMode::AllBank;
  const int blocked_bank = refresh_due && m_cfg.refresh == RefreshMode::PerBank ? m_refpb_bank[p] : -1;
  // Candidates of the requests of one direction; returns how many.
  // Row hits of one bank and direction share their ready cycle, so only the
  // oldest can win: one candidate per bank keeps the list short.
  auto pass = [&](bool dir_write) {
    std::size_t added = 0;
    if (all_blocked) return added;
    const std::uint8_t hit_cand = dir_write ? kHitCandWrite : kHitCandRead;
    for (std::size_t i = 0; i < q.size(); ++i) {
      const Entry& e = q[i];
      if (e.req.write != dir_write) continue;
      const int bi = e.bank;
      if (bi == blocked_bank) continue;
      const int open = m_rows[i];
      int prio = 3;
      ClassId cls;
      if (open >= 0) {
        if (open == idx(e.req.addr.row)) {
          if (f[bi] & hit_cand) continue;
          f[bi] |= hit_cand;
          cls = dir_write ? m_id.WR : m_id.RD;
          prio = 1;
        } else {
          // A row with a queued hit is not closed for a conflict: hits of the
          // direction being served go first, and a row that a queued read
          // hits is not closed by a write (also while writes drain).
          if (f[bi] & (kReadHit | kClaimed | (dir_write ? kWriteHit : 0))) continue;
          cls = m_id.PRE;
          f[bi] |= kClaimed;
        }
      } else {
        if (f[bi] & kClaimed) continue;
        cls = m_id.ACT;
        f[bi] |= kClaimed;
      }
      Command c;
      c.cls = cls;
      c.addr = e.req.addr;
      out.push_back({c, earliest_of(c, bi), prio, e.seq, i});
      ++added;
    }
    return added;
  };
  // While writes drain and no write can make progress (every one waits for a
  // row that queued reads still hit), the reads are served meanwhile.
  if (!serve_writes || (pass(true) == 0 && reads > 0)) pass(false);
  // Closed page: precharge every open bank that no queued request hits.
  if (m_cfg.page_policy == PagePolicy::Closed) {
    for (int g = 0; g < G; ++g)
      for (int b = 0; b < B; ++b) {
        const int bi = g * B + b;
        if (!m_engine.is_open(PchId{p}, BankGroupId{g}, BankId{b}) || (f[bi] & (kReadHit | kWriteHit))) continue;
        if (bank_blocked_by_refresh(PchId{p}, BankGroupId{g}, BankId{b}, now)) continue;
        Command c;
        c.cls = m_id.PRE;
        c.addr.ch = m_ch;
        c.addr.pch = PchId{p};
        c.addr.bg = BankGroupId{g};
        c.addr.bank = BankId{b};
        out.push_back({c, earliest_of(c, bi), 2, 0, kNone});
      }
  }
}

void ChannelController::issue(const Cand& c, Cycle now) {
  const int p = idx(c.cmd.addr.pch);
  const bool wide = m_cls_wide[c.cmd.cls] != 0;
  // Standby cycles up to `now` in the state before this command.
  if (wide) {
    for (int k = 0; k < m_spec.org.pseudo_channels; ++k) advance_background(k, now);
  } else {
    advance_background(p, now);
  }
  if (c.cmd.cls == m_id.PRE) ++m_banks_closed;  // needs an open bank
  else if (c.cmd.cls == m_id.PREA) m_banks_closed += static_cast<std::uint64_t>(m_engine.open_banks(c.cmd.addr.pch));
  // Every candidate was chosen with its bank state and its cached earliest
  // cycle (ready <= now, its command bus free at now): issue_unchecked is
  // legal here. Builds with assertions re-check both (ChannelEngine::issue
  // throws on an illegal command); the attached checker sees every command.
#ifdef NDEBUG
  m_engine.issue_unchecked(c.cmd, now);
#else
  m_engine.issue(c.cmd, now);
#endif
  ++m_cmds;
  ++m_cmd_count[c.cmd.cls];
  if (m_checker) {
    CheckedCommand cc{m_kind[c.cmd.cls], c.cmd.addr.pch, c.cmd.addr.bg, c.cmd.addr.bank, c.cmd.addr.row, now};
    for (const Violation& v : m_checker->check(cc)) {
      ++m_violations;
      if (m_violation_msgs.size() < 16) m_violation_msgs.push_back(v.rule + ": " + v.message);
    }
  }
  if (m_hook) m_hook(c.cmd, now);
  if (wide || m_channel_wide) {
    std::fill(m_dirty.begin(), m_dirty.end(), 1);
    invalidate_all_earliest();
  } else {
    m_dirty[p] = 1;
    // Cached earliest cycles this command can move: the classes its rules
    // lead to, in the banks the rules reach (a pseudo-channel-wide command
    // reaches every bank of it even through a same-bank rule).
    // (m_affects holds each reach already widened to the command's own target.)
    const std::size_t ncls = m_cmd_count.size();
    const int B = m_spec.org.banks_per_group, nb = m_spec.org.bank_groups * B;  // banks per pseudo-channel
    const int bank = idx(c.cmd.addr.bg) * B + idx(c.cmd.addr.bank);
    const std::uint64_t tick = ++m_tick;
    CachedEarliest* const bank_cache = &m_earliest_cache[(static_cast<std::size_t>(p) * nb + bank) * ncls];
    std::uint64_t* const bg_inv = &m_inv_bg[(static_cast<std::size_t>(p) * m_spec.org.bank_groups + idx(c.cmd.addr.bg)) * ncls];
    std::uint64_t* const pch_inv = &m_inv_pch[static_cast<std::size_t>(p) * ncls];
    for (const Affect& a : m_affects[c.cmd.cls]) {
      if (a.reach == 0) bank_cache[a.to].stamp = 0;
      else if (a.reach == 1) bg_inv[a.to] = tick;
      else pch_inv[a.to] = tick;
    }
  }
  if (c.cmd.cls == m_id.REF) {
    m_ref_due[p] += m_spec.t.nREFI;
    update_ref_min();
    m_refresh_until[p] = std::max(m_refresh_until[p], now + m_spec.t.nRFC);
  } else if (c.cmd.cls == m_id.REFPB) {
    m_ref_due[p] += m_spec.t.nREFIpb;
    update_ref_min();
    m_refpb_bank[p] = (m_refpb_bank[p] + 1) % banks_per_pseudo_channel(m_spec.org);
    m_refresh_until[p] = std::max(m_refresh_until[p], now + m_spec.t.nRFCpb);
  } else if (c.q != std::numeric_limits<std::size_t>::max()) {
    std::vector<Entry>& q = m_q[p];
    Entry& e = q[c.q];
    if (c.cmd.cls == m_id.ACT) {
      e.act_for_me = true;
    } else if (c.cmd.cls == m_id.PRE) {
      e.pre_for_me = true;
    } else {  // RD / WR: the request is served
      Completion d;
      d.req = e.req;
      d.column_issue = now;
      d.done = now + (e.req.write ? m_spec.t.nCWL : m_spec.t.nCL) + m_spec.t.nBL;
      d.outcome = e.pre_for_me ? RowOutcome::Conflict : e.act_for_me ? RowOutcome::Miss : RowOutcome::Hit;
      m_done.push_back(d);
      q.erase(q.begin() + static_cast<std::ptrdiff_t>(c.q));
      --m_pending;
    }
  }
}

Cycle ChannelController::look_ahead(Cycle t1) {
  const int P = m_spec.org.pseudo_channels;
  if (m_ref_min <= t1)
    for (int p = 0; p < P; ++p)
      if (m_ref_due[p] > m_built_at[p] && m_ref_due[p] <= t1) m_dirty[p] = 1;
  bool at_t1 = false;
  Cycle mn = kNever;
  for (int p = 0; p < P; ++p) {
    if (m_dirty[p]) {
      const char draining = m_draining[p];
      build_candidates(p, t1, m_cands[p]);
      if (m_draining[p] != draining) {
        // The build at t1 starts or stops a write drain: a request enqueued
        // before step(t1) would have entered that build, so it stays dirty
        // and step(t1) builds it.
        m_draining[p] = draining;
        at_t1 = true;
        continue;
      }
      m_built_at[p] = t1;
      m_dirty[p] = 0;
      Cycle m = kNever;
      for (const Cand& c : m_cands[p]) m = std::min(m, c.ready);
      m_min_ready[p] = m;
    }
    mn = std::min(mn, m_min_ready[p]);
  }
  return at_t1 ? t1 : std::max(mn, t1);
}

bool ChannelController::serve_alone(Cycle now, Cycle& last, Cycle& next) {
  // Only open page, no channel-wide class or rule, nothing due before `now`.
  if (m_cfg.page_policy != PagePolicy::Open || m_channel_wide || now >= m_ref_min) return false;
  const int P = m_spec.org.pseudo_channels;
  int p = -1;
  for (int k = 0; k < P; ++k) {
    if (!m_q[k].empty()) {
      if (p >= 0) return false;
      p = k;
    } else if (!m_dirty[k] && !m_cands[k].empty()) {
      return false;
    }
  }
  if (p < 0 || m_pending != m_q[p].size() || m_draining[p]) return false;
  std::vector<Entry>& q = m_q[p];
  const Entry& e0 = q.front();
  if (static_cast<int>(q.size()) >= m_cfg.write_high) return false;
  for (const Entry& e : q)
    if (e.bank != e0.bank || e.req.write != e0.req.write || e.req.addr.row != e0.req.addr.row) return false;
  // One bank, one row, one direction: FR-FCFS has exactly one candidate at a
  // time (the oldest request's PRE, ACT or column command; the others are
  // row hits behind it or wait for its bank), and no other pseudo-channel has
  // any until a refresh falls due. So each command issues at the first step
  // cycle at which it is ready, as step() would: at max(ready, previous + 1),
  // or in the previous command's cycle when that step's second round (the
  // other command bus) finds it ready.
  const int B = m_spec.org.banks_per_group, nb = m_spec.org.bank_groups * B;
  const int ncls = static_cast<int>(m_cmd_count.size());
  const bool dual = m_cfg.dual_command_bus;
  const PchId pch{p};
  const int bi = e0.bank;
  const int g = bi / B;
  const ClassId col = e0.req.write ? m_id.WR : m_id.RD;
  CachedEarliest* const cache = &m_earliest_cache[(static_cast<std::size_t>(p) * nb + bi) * ncls];
  const std::uint64_t* const inv_pch = &m_inv_pch[static_cast<std::size_t>(p) * ncls];
  const std::uint64_t* const inv_bg = &m_inv_bg[(static_cast<std::size_t>(p) * m_spec.org.bank_groups + g) * ncls];
  Cycle prev = -1;
  int in_prev = 0;  // commands issued in cycle `prev`
  int prev_bus = 0;
  while (!q.empty()) {
    const Entry& e = q.front();
    const int open = idx(m_engine.open_row(pch, e.req.addr.bg, e.req.addr.bank));
    Cand c{};
    c.cmd.addr = e.req.addr;
    c.cmd.cls = open == idx(e.req.addr.row) ? col : open >= 0 ? m_id.PRE : m_id.ACT;
    c.prio = c.cmd.cls == col ? 1 : 3;
    c.age = e.seq;
    c.q = 0;
    CachedEarliest& ce = cache[c.cmd.cls];
    const std::uint64_t inv = std::max({m_inv_all, inv_pch[c.cmd.cls], inv_bg[c.cmd.cls]});
    if (ce.stamp == 0 || ce.stamp < inv) {
      ce.stamp = m_tick;
      ce.ready = m_engine.earliest(c.cmd);
    }
    c.ready = ce.ready;
    const int bus = dual ? m_column_bus[c.cmd.cls] : 0;
    Cycle t;
    if (prev >= 0 && dual && in_prev == 1 && bus != prev_bus && c.ready <= prev) t = prev;
    else t = std::max(c.ready, prev >= 0 ? prev + 1 : now);
    if (t >= m_ref_min) break;  // a refresh falls due first: step() takes over
    issue(c, t);
    in_prev = t == prev ? in_prev + 1 : 1;
    prev = t;
    prev_bus = bus;
  }
  if (prev < 0) return false;
  // The step at `prev` ends as step() ends one that issued.
  m_dirty[p] = 1;
  last = prev;
  bool tail = m_pending != 0 || m_ref_min <= prev + 1 || (m_idle_period > 0 && !m_hook && m_engine.open_banks() == 0);
  for (int k = 0; k < P && !tail; ++k) tail = m_dirty[k] && m_draining[k];
  if (tail) {
    next = step_tail(prev, true, kNever);
  } else {
    // Nothing queued or waiting and no refresh due by prev + 1: the
    // look-ahead's builds would give every pseudo-channel no candidate (and
    // end no write drain), so the next step is the next refresh deadline; the
    // dirty ones are built by the next step instead, to the same candidates.
    next = m_ref_min;
  }
  return true;
}

Cycle ChannelController::step(Cycle now) {
  const int P = m_spec.org.pseudo_channels;
  const bool dual = m_cfg.dual_command_bus;
  bool used[2] = {false, false};
  bool issued = false;
  Cycle next = kNever;
  if (m_ref_min <= now)
    for (int p = 0; p < P; ++p)
      if (m_ref_due[p] > m_built_at[p] && m_ref_due[p] <= now) m_dirty[p] = 1;
  for (int round = 0; round < (dual ? 2 : 1); ++round) {
    for (int p = 0; p < P; ++p)
      if (m_dirty[p]) {
        build_candidates(p, now, m_cands[p]);
        m_built_at[p] = now;
        m_dirty[p] = 0;
        Cycle mn = kNever;
        for (const Cand& c : m_cands[p]) mn = std::min(mn, c.ready);
        m_min_ready[p] = mn;
      }
    if (round == 0)
      for (int p = 0; p < P; ++p) next = std::min(next, m_min_ready[p]);
    const Cand* best = nullptr;
    int best_bus = 0;
    for (int p = 0; p < P; ++p) {
      if (m_min_ready[p] > now) continue;
      for (const Cand& c : m_cands[p]) {
        if (c.ready > now) continue;
        const int bus = dual ? m_column_bus[c.cmd.cls] : 0;
        if (used[bus]) continue;
        if (!best || c.prio < best->prio || (c.prio == best->prio && c.age < best->age)) {
          best = &c;
          best_bus = bus;
        }
      }
    }
    if (!best) break;
    used[best_bus] = true;
    const Cand chosen = *best;
    issue(chosen, now);
    issued = true;
  }
  return step_tail(now, issued, next);
}

Cycle ChannelController::step_tail(Cycle now, bool issued, Cycle next) {
  const int P = m_spec.org.pseudo_channels;
  // Waiting requests take the slots that freed (schedulable from now + 1).
  if (issued)
    for (int p = 0; p < P; ++p)
      while (!m_wait[p].empty() && !full(PchId{p})) {
        m_q[p].push_back(m_wait[p].front());
        m_wait[p].pop_front();
        m_dirty[p] = 1;
      }
  // After an issue the candidates changed: build them now as step(now + 1)
  // would and skip to the first cycle one is ready, unless run_idle may mark
  // its idle state at the next step cycle (nothing pending, no hook, every
  // bank closed: it compares the state at step cycles one refresh period
  // apart, so those stay as they were). Otherwise nothing is ready before
  // the earliest candidate.
  if (issued) {
    const bool idle_mark = m_pending == 0 && m_idle_period > 0 && !m_hook && m_engine.open_banks() == 0;
    next = idle_mark ? now + 1 : look_ahead(now + 1);
  }
  if (m_ref_min > now) {
    next = std::min(next, m_ref_min);
  } else {
    for (Cycle due : m_ref_due)
      if (due > now) next = std::min(next, due);
  }
  return next == kNever ? kNever : std::max(next, now + 1);
}

}  // namespace pimlab::dram
