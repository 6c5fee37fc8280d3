#include "dram/engine.h"

#include <algorithm>
#include <limits>
#include <stdexcept>

namespace pimlab::dram {

namespace {
// The planted fault (engine.h); empty rule = none.
PlantedRuleFault g_fault;
std::uint64_t g_fault_rows = 0;
}  // namespace

void set_planted_rule_fault(const PlantedRuleFault* f) {
  g_fault = f ? *f : PlantedRuleFault{};
  g_fault_rows = 0;
}

std::uint64_t planted_rule_fault_rows() { return g_fault_rows; }

namespace {
// A command of this target touches banks of one pseudo-channel only.
bool in_one_pch(Target t) { return t == Target::Bank || t == Target::BankGroup || t == Target::PseudoChannel; }
// A command of target t (inside one pseudo-channel) reaches one unit of
// scope s: the unit a rule of that scope bumps, or around which an "other"
// scope walks.
bool one_unit(Target t, Scope s) {
  switch (s) {
    case Scope::SameBank: return t == Target::Bank;
    case Scope::SameBankGroup:
    case Scope::OtherBankGroup: return t == Target::Bank || t == Target::BankGroup;
    case Scope::PseudoChannel:
    case Scope::OtherPseudoChannel:
    case Scope::Channel: return true;
  }
  return false;
}
}  // namespace

std::string to_string(const Address& a) {
  return "ch" + std::to_string(idx(a.ch)) + ".pch" + std::to_string(idx(a.pch)) + ".bg" +
         std::to_string(idx(a.bg)) + ".bank" + std::to_string(idx(a.bank)) + ".row" +
         std::to_string(idx(a.row)) + ".col" + std::to_string(idx(a.col));
}

ChannelEngine::ChannelEngine(const DramSpec& spec, const CommandSet& set, bool dual_command_bus)
    : m_spec(spec), m_set(set), m_dual(dual_command_bus) {
  validate(m_spec);
  m_pchs = spec.org.pseudo_channels;
  m_bgs = spec.org.bank_groups;
  m_banks = spec.org.banks_per_group;
  m_nclasses = static_cast<int>(set.classes.size());
  m_bufs = set.row_buffers();
  const int nbank = m_pchs * m_bgs * m_banks;
  m_by_next.assign(m_nclasses, {});
  m_by_from.assign(m_nclasses, {});
  m_ringed.assign(m_nclasses, 0);
  std::vector<char> reach_all(m_nclasses, 0);  // per class: a rule from it binds in every pseudo-channel
  m_gen.assign(static_cast<std::size_t>(m_pchs), 0);
  std::size_t acc = 0;
  // Rules into one class with one scope share their accumulators (the max of
  // issue + distance over all of them), so a query walks each scope once.
  std::vector<std::vector<std::pair<Scope, std::size_t>>> groups(m_nclasses);
  m_cls.clear();
  for (const CommandClass& cc : set.classes)
    m_cls.push_back({cc.target, cc.effect, cc.bus, cc.row_buffer, cc.fits_refresh_interval,
                     cc.effect == BankEffect::None || (cc.effect == BankEffect::Close && cc.target != Target::Bank),
                     false, false, false, false, false, 0, false});
  for (const Rule& r : set.rules) {
    Distance d;
    try {
      d = compile_distance(r.distance, spec.t);
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument("rule " + r.name + ": " + e.what());
    }
    if (!g_fault.rule.empty() && r.name == g_fault.rule) {  // test-only, see set_planted_rule_fault
      if (d.base != Distance::kNone) d.base -= g_fault.cycles;
      if (d.uses_arg()) d.arg_const -= g_fault.cycles;
      ++g_fault_rows;
    }
    if (r.nth < 1) throw std::invalid_argument("rule " + r.name + ": nth must be >= 1");
    if (r.nth > 1 && r.scope != Scope::PseudoChannel && r.scope != Scope::Channel)
      throw std::invalid_argument("rule " + r.name + ": nth > 1 needs scope pseudo-channel or channel");
    if (r.nth > 1 && d.uses_arg())
      throw std::invalid_argument("rule " + r.name + ": nth > 1 needs a distance without n");
    const ClassId from = set.id(r.from), to = set.id(r.to);
    Compiled c{from, r.scope, d, r.nth, 0, unit_of(r.scope)};
    if (r.scope == Scope::Channel || r.scope == Scope::OtherPseudoChannel) reach_all[from] = 1;
    if (r.nth == 1) {
      auto& g = groups[to];
      auto it = std::find_if(g.begin(), g.end(), [&](const auto& x) { return x.first == r.scope; });
      if (it == g.end()) {
        g.emplace_back(r.scope, acc);
        it = g.end() - 1;
        m_by_next[to].push_back(Compiled{0, r.scope, Distance{}, 1, acc, unit_of(r.scope)});
        switch (r.scope) {
          case Scope::SameBank: acc += nbank; break;
          case Scope::SameBankGroup:
          case Scope::OtherBankGroup: acc += static_cast<std::size_t>(m_pchs) * m_bgs; break;
          case Scope::PseudoChannel:
          case Scope::OtherPseudoChannel: acc += m_pchs; break;
          case Scope::Channel: acc += 1; break;
        }
      }
      m_by_from[from].push_back(Bump{it->second, r.scope, unit_of(r.scope), d});
    } else {
      m_by_next[to].push_back(c);
      m_hist = std::max(m_hist, r.nth);
      m_ring_reach = std::max(m_ring_reach, d.base);
      m_ringed[from] = 1;
    }
  }
  for (int c = 0; c < m_nclasses; ++c) {
    ClassInfo& ci = m_cls[c];
    ci.gens_all = reach_all[c] || m_ringed[c];
    ci.narrow_query = ci.narrow_commit = in_one_pch(ci.target);
    for (const Compiled& r : m_by_next[c])
      if (r.nth == 1 && !one_unit(ci.target, r.scope)) ci.narrow_query = false;
    for (const Bump& r : m_by_from[c])
      if (!one_unit(ci.target, r.scope)) ci.narrow_commit = false;
    ci.unit_query = ci.narrow_query;
    for (const Compiled& r : m_by_next[c])
      if (r.nth > 1 || r.scope == Scope::OtherBankGroup || r.scope == Scope::OtherPseudoChannel) ci.unit_query = false;
    ci.bus_index = m_dual && ci.bus == Bus::Column ? 1 : 0;
    for (const Compiled& r : m_by_next[c]) ci.bank_unit = ci.bank_unit || (r.nth == 1 && r.scope == Scope::SameBank);
    for (const Bump& r : m_by_from[c]) ci.bank_unit = ci.bank_unit || r.scope == Scope::SameBank;
    ci.unit_commit = ci.narrow_commit && !ci.gens_all && !m_ringed[c] && ci.effect != BankEffect::Open &&
                     ci.effect != BankEffect::Close;
  }
  m_acc.assign(acc, -kNever);
  m_ring_pch.assign(static_cast<std::size_t>(m_nclasses) * m_pchs * m_hist, -kNever);
  m_ring_ch.assign(static_cast<std::size_t>(m_nclasses) * m_hist, -kNever);
  m_ring_pch_pos.assign(static_cast<std::size_t>(m_nclasses) * m_pchs, 0);
  m_ring_ch_pos.assign(m_nclasses, 0);
  m_open.assign(static_cast<std::size_t>(nbank) * m_bufs, -1);
  m_open_banks.assign(static_cast<std::size_t>(m_pchs), 0);
}

Cycle ChannelEngine::rules_ready_slow(const Command& c) const {
  if (!m_cls[c.cls].narrow_query) return rules_ready_span(c);
  // Inside one pseudo-channel, one unit per scope (one bank: ACT, PRE, RD,
  // WR; a PIM family's pseudo-channel-wide commands): the scope units are
  // known, the "other" scopes walk the remaining bank groups /
  // pseudo-channels.
  const int p = idx(c.addr.pch), g = idx(c.addr.bg);
  const BankUnits u = units(c);
  Cycle t = 0;
  for (const Compiled& r : m_by_next[c.cls]) {
    Cycle ref = -kNever;
    if (r.nth > 1) {
      if (r.scope == Scope::PseudoChannel) {
        const std::size_t k = static_cast<std::size_t>(r.from) * m_pchs + p;
        ref = m_ring_pch[k * m_hist + (m_ring_pch_pos[k] - r.nth + m_hist * 2) % m_hist];
      } else {
        ref = m_ring_ch[static_cast<std::size_t>(r.from) * m_hist + (m_ring_ch_pos[r.from] - r.nth + m_hist * 2) % m_hist];
      }
      t = std::max(t, ref + r.distance.base);
      continue;
    }
    const Cycle* a = &m_acc[r.acc];
    switch (r.scope) {
      case Scope::OtherBankGroup:
        for (int g2 = 0; g2 < m_bgs; ++g2)
          if (g2 != g) ref = std::max(ref, a[bg_index(p, g2)]);
        break;
      case Scope::OtherPseudoChannel:
        for (int p2 = 0; p2 < m_pchs; ++p2)
          if (p2 != p) ref = std::max(ref, a[p2]);
        break;
      default: ref = a[u.of(r.unit)]; break;
    }
    if (ref > t) t = ref;
  }
  return t;
}

Cycle ChannelEngine::rules_ready_span(const Command& c) const {
  const Span s = span(c);
  Cycle t = 0;
  for (const Compiled& r : m_by_next[c.cls]) {
    Cycle ref = -kNever;
    if (r.nth > 1) {
      // The nth most recent command of the class (constant distance).
      if (r.scope == Scope::PseudoChannel) {
        for (int p = s.p0; p < s.p1; ++p) {
          const std::size_t k = static_cast<std::size_t>(r.from) * m_pchs + p;
          const int pos = (m_ring_pch_pos[k] - r.nth + m_hist * 2) % m_hist;
          ref = std::max(ref, m_ring_pch[k * m_hist + pos]);
        }
      } else {
        const int pos = (m_ring_ch_pos[r.from] - r.nth + m_hist * 2) % m_hist;
        ref = m_ring_ch[static_cast<std::size_t>(r.from) * m_hist + pos];
      }
      t = std::max(t, ref + r.distance.base);
      continue;
    }
    const Cycle* a = &m_acc[r.acc];
    switch (r.scope) {
      case Scope::SameBank:
        for (int p = s.p0; p < s.p1; ++p)
          for (int g = s.g0; g < s.g1; ++g)
            for (int b = s.b0; b < s.b1; ++b) ref = std::max(ref, a[bank_index(p, g, b)]);
        break;
      case Scope::SameBankGroup:
        for (int p = s.p0; p < s.p1; ++p)
          for (int g = s.g0; g < s.g1; ++g) ref = std::max(ref, a[bg_index(p, g)]);
        break;
      case Scope::OtherBankGroup:
        for (int p = s.p0; p < s.p1; ++p)
          for (int g = 0; g < m_bgs; ++g) {
            if (s.g1 - s.g0 == 1 && g == s.g0) continue;
            ref = std::max(ref, a[bg_index(p, g)]);
          }
        break;
      case Scope::PseudoChannel:
        ref = a[s.p0];
        for (int p = s.p0 + 1; p < s.p1; ++p) ref = std::max(ref, a[p]);
        break;
      case Scope::OtherPseudoChannel:
        for (int p = 0; p < m_pchs; ++p) {
          if (s.p1 - s.p0 == 1 && p == s.p0) continue;
          ref = std::max(ref, a[p]);
        }
        break;
      case Scope::Channel: ref = a[0]; break;
    }
    if (ref > t) t = ref;
  }
  return t;
}

Cycle ChannelEngine::fit_refresh_interval(const Command& c, Cycle t) const {
  const Cycle refi = m_spec.t.nREFI;
  if (static_cast<Cycle>(c.arg) >= refi)
    throw std::invalid_argument(m_set.classes[c.cls].name + ": its work (" + std::to_string(c.arg) +
                                " cycles) does not fit in nREFI " + std::to_string(refi) + "; it can never issue");
  if (t % refi + static_cast<Cycle>(c.arg) >= refi) t = t - t % refi + refi;
  return t;
}

bool ChannelEngine::state_allows_slow(const Command& c, std::string* why) const {
  const CommandClass& cc = m_set.classes[c.cls];
  const Span s = span(c);
  auto fail = [&](const std::string& w) {
    if (why) *why = cc.name + " at " + to_string(c.addr) + ": " + w;
    return false;
  };
  for (int p = s.p0; p < s.p1; ++p)
    for (int g = s.g0; g < s.g1; ++g)
      for (int b = s.b0; b < s.b1; ++b) {
        const int bi = bank_index(p, g, b);
        const int open = open_at(bi, cc.row_buffer);
        switch (cc.effect) {
          case BankEffect::None: break;
          case BankEffect::Open:
            if (open >= 0) return fail("bank pch" + std::to_string(p) + ".bg" + std::to_string(g) + ".bank" + std::to_string(b) + " is open");
            break;
          case BankEffect::Refresh:
            for (int buf = 0; buf < m_bufs; ++buf)
              if (open_at(bi, buf) >= 0)
                return fail("bank pch" + std::to_string(p) + ".bg" + std::to_string(g) + ".bank" + std::to_string(b) + " is open");
            break;
          case BankEffect::Close:
            if (cc.target == Target::Bank && open < 0) return fail("bank is already closed");
            break;
          case BankEffect::Access:
            if (open != idx(c.addr.row))
              return fail(open < 0 ? "bank is closed" : "bank has row " + std::to_string(open) + " open");
            break;
        }
      }
  return true;
}

void ChannelEngine::issue(const Command& c, Cycle t) {
  std::string why;
  if (!state_allows(c, &why)) throw std::logic_error("dram engine: illegal state: " + why);
  if (t < m_last_issue) throw std::logic_error("dram engine: time went backwards");
  // Legal at t iff the first legal cycle from t on is t itself (a class that
  // must fit before the next refresh can be legal early and not later).
  const Cycle e = earliest(c, t);
  if (e != t)
    throw std::logic_error("dram engine: " + m_set.classes[c.cls].name + " at cycle " + std::to_string(t) +
                           " is not legal; the first legal cycle from there is " + std::to_string(e));
  commit(c, t);
}

void ChannelEngine::record_external(const Command& c, Cycle t) {
  if (t < m_last_issue)
    throw std::logic_error("dram engine: external " + m_set.classes[c.cls].name + " at cycle " + std::to_string(t) +
                           " before the last issued command (cycle " + std::to_string(m_last_issue) + ")");
  commit(c, t);
}

bool ChannelEngine::absolute_time_free() const {
  for (const ClassInfo& c : m_cls)
    if (c.fits_refresh_interval) return false;
  return true;
}

void ChannelEngine::time_state(Cycle t, std::vector<Cycle>& out) const {
  constexpr Cycle kPast = std::numeric_limits<Cycle>::min();
  // Accumulators hold issue + distance: a bound at or before t binds nothing.
  for (Cycle v : m_acc) out.push_back(v <= t ? kPast : v - t);
  // Rings hold issue cycles, read as issue + (an nth rule's distance).
  for (Cycle v : m_ring_pch) out.push_back(v + m_ring_reach <= t ? kPast : v - t);
  for (Cycle v : m_ring_ch) out.push_back(v + m_ring_reach <= t ? kPast : v - t);
  for (int v : m_ring_pch_pos) out.push_back(v);
  for (int v : m_ring_ch_pos) out.push_back(v);
  for (Cycle b : m_bus_free) out.push_back(b <= t ? 0 : b - t);
  out.push_back(m_last_issue <= t ? 0 : m_last_issue - t);
  for (int v : m_open) out.push_back(v);
}

void ChannelEngine::shift_time(Cycle d) {
  // The initial -kNever stays "never issued".
  auto shift = [d](Cycle& v) {
    if (v > -kNever / 2) v += d;
  };
  for (Cycle& v : m_acc) shift(v);
  for (Cycle& v : m_ring_pch) shift(v);
  for (Cycle& v : m_ring_ch) shift(v);
  for (Cycle& b : m_bus_free) b += d;
  if (m_last_issue >= 0) m_last_issue += d;
}

void ChannelEngine::block_until(Cycle t) {
  for (Cycle& b : m_bus_free) b = std::max(b, t);
}

void ChannelEngine::commit_bumps(const Command& c, Cycle t, const Span& s) {
  for (const Bump& r : m_by_from[c.cls]) {
    const Cycle when = t + r.distance.at(c.arg);
    Cycle* a = &m_acc[r.acc];
    auto bump = [when](Cycle& x) {
      if (when > x) x = when;
    };
    if (r.scope == Scope::PseudoChannel && s.p1 - s.p0 == 1) {
      bump(a[s.p0]);
      continue;
    }
    switch (r.scope) {
      case Scope::SameBank:
        for (int p = s.p0; p < s.p1; ++p)
          for (int g = s.g0; g < s.g1; ++g)
            for (int b = s.b0; b < s.b1; ++b) bump(a[bank_index(p, g, b)]);
        break;
      case Scope::SameBankGroup:
      case Scope::OtherBankGroup:
        for (int p = s.p0; p < s.p1; ++p)
          for (int g = s.g0; g < s.g1; ++g) bump(a[bg_index(p, g)]);
        break;
      case Scope::PseudoChannel:
      case Scope::OtherPseudoChannel:
        for (int p = s.p0; p < s.p1; ++p) bump(a[p]);
        break;
      case Scope::Channel: bump(a[0]); break;
    }
  }
}

void ChannelEngine::commit(const Command& c, Cycle t) {
  m_last_issue = t;
  const ClassInfo& cc = m_cls[c.cls];
  const int p = idx(c.addr.pch);
  const bool one_pch = in_one_pch(cc.target);
  if (cc.gens_all) {
    for (auto& g : m_gen) ++g;
  } else if (one_pch) {
    ++m_gen[static_cast<std::size_t>(p)];
  } else {
    const Span s = span(c);
    for (int q = s.p0; q < s.p1; ++q) ++m_gen[static_cast<std::size_t>(q)];
  }
  if (cc.effect == BankEffect::Open || cc.effect == BankEffect::Close) commit_banks(c);
  // One unit per scope (one bank: ACT, PRE, RD, WR; a PIM family's
  // pseudo-channel-wide commands): one accumulator per rule.
  if (cc.narrow_commit) {
    bump_units(c, t);
  } else {
    commit_bumps(c, t, span(c));
  }
  if (m_ringed[c.cls]) {
    const Span s = one_pch ? Span{p, p + 1, 0, 0, 0, 0} : span(c);
    for (int q = s.p0; q < s.p1; ++q) {
      const std::size_t k = static_cast<std::size_t>(c.cls) * m_pchs + q;
      m_ring_pch[k * m_hist + m_ring_pch_pos[k]] = t;
      m_ring_pch_pos[k] = (m_ring_pch_pos[k] + 1) % m_hist;
    }
    m_ring_ch[static_cast<std::size_t>(c.cls) * m_hist + m_ring_ch_pos[c.cls]] = t;
    m_ring_ch_pos[c.cls] = (m_ring_ch_pos[c.cls] + 1) % m_hist;
  }
  take_bus(cc, t);
}

void ChannelEngine::commit_banks(const Command& c) {
  const ClassInfo& cc = m_cls[c.cls];
  const Span s = span(c);
  const int v = cc.effect == BankEffect::Open ? idx(c.addr.row) : -1;
  for (int p = s.p0; p < s.p1; ++p) {
    int delta = 0;  // banks of p whose "any row buffer open" changes
    for (int g = s.g0; g < s.g1; ++g)
      for (int b = s.b0; b < s.b1; ++b) {
        const std::size_t base = static_cast<std::size_t>(bank_index(p, g, b)) * m_bufs;
        int& slot = m_open[base + cc.row_buffer];
        if (m_bufs == 1) {
          delta += (v >= 0) - (slot >= 0);
          slot = v;
          continue;
        }
        // The bank's other row buffers decide with this one whether it is open.
        bool others = false;
        for (int buf = 0; buf < m_bufs && !others; ++buf) others = buf != cc.row_buffer && m_open[base + buf] >= 0;
        if (!others) delta += (v >= 0) - (slot >= 0);
        slot = v;
      }
    m_open_banks[static_cast<std::size_t>(p)] += delta;
    m_open_total += delta;
  }
}

}  // namespace pimlab::dram
