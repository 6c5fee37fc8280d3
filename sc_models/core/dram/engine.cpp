#include "dram/engine.h"

#include <algorithm>
#include <stdexcept>

namespace pimlab::dram {

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
  m_by_next.assign(m_nclasses, {});
  for (const Rule& r : set.rules) {
    const int d = eval_distance(r.distance, spec.t);
    m_dist.push_back(d);
    if (r.nth < 1) throw std::invalid_argument("rule " + r.name + ": nth must be >= 1");
    if (r.nth > 1 && r.scope != Scope::PseudoChannel && r.scope != Scope::Channel)
      throw std::invalid_argument("rule " + r.name + ": nth > 1 needs scope pseudo-channel or channel");
    m_hist = std::max(m_hist, r.nth);
    m_by_next[set.id(r.to)].push_back({set.id(r.from), r.scope, d, r.nth});
  }
  const int nbank = m_pchs * m_bgs * m_banks;
  m_last_bank.assign(static_cast<std::size_t>(m_nclasses) * nbank, -kNever);
  m_last_bg.assign(static_cast<std::size_t>(m_nclasses) * m_pchs * m_bgs, -kNever);
  m_last_pch.assign(static_cast<std::size_t>(m_nclasses) * m_pchs, -kNever);
  m_last_ch.assign(m_nclasses, -kNever);
  m_ring_pch.assign(static_cast<std::size_t>(m_nclasses) * m_pchs * m_hist, -kNever);
  m_ring_ch.assign(static_cast<std::size_t>(m_nclasses) * m_hist, -kNever);
  m_ring_pch_pos.assign(static_cast<std::size_t>(m_nclasses) * m_pchs, 0);
  m_ring_ch_pos.assign(m_nclasses, 0);
  m_open.assign(nbank, -1);
}

ChannelEngine::Span ChannelEngine::span(const Command& c) const {
  const int p = idx(c.addr.pch), g = idx(c.addr.bg), b = idx(c.addr.bank);
  switch (m_set.classes[c.cls].target) {
    case Target::Bank: return {p, p + 1, g, g + 1, b, b + 1};
    case Target::BankGroup: return {p, p + 1, g, g + 1, 0, m_banks};
    case Target::PseudoChannel: return {p, p + 1, 0, m_bgs, 0, m_banks};
    case Target::Channel: return {0, m_pchs, 0, m_bgs, 0, m_banks};
  }
  return {0, 0, 0, 0, 0, 0};
}

Cycle ChannelEngine::earliest(const Command& c) const {
  const Span s = span(c);
  const int bus = m_dual && m_set.classes[c.cls].bus == Bus::Column ? 1 : 0;
  // Never before the last issued command (time only moves forward).
  Cycle t = std::max<Cycle>({0, m_bus_free[bus], m_last_issue});
  const int nbank = m_pchs * m_bgs * m_banks;
  const int nbg = m_pchs * m_bgs;
  for (const Compiled& r : m_by_next[c.cls]) {
    Cycle ref = -kNever;
    switch (r.scope) {
      case Scope::SameBank:
        for (int p = s.p0; p < s.p1; ++p)
          for (int g = s.g0; g < s.g1; ++g)
            for (int b = s.b0; b < s.b1; ++b)
              ref = std::max(ref, m_last_bank[static_cast<std::size_t>(r.from) * nbank + bank_index(p, g, b)]);
        break;
      case Scope::SameBankGroup:
        for (int p = s.p0; p < s.p1; ++p)
          for (int g = s.g0; g < s.g1; ++g)
            ref = std::max(ref, m_last_bg[static_cast<std::size_t>(r.from) * nbg + bg_index(p, g)]);
        break;
      case Scope::OtherBankGroup:
        for (int p = s.p0; p < s.p1; ++p)
          for (int g = 0; g < m_bgs; ++g) {
            if (s.g1 - s.g0 == 1 && g == s.g0) continue;
            ref = std::max(ref, m_last_bg[static_cast<std::size_t>(r.from) * nbg + bg_index(p, g)]);
          }
        break;
      case Scope::PseudoChannel:
        for (int p = s.p0; p < s.p1; ++p) {
          const std::size_t k = static_cast<std::size_t>(r.from) * m_pchs + p;
          if (r.nth == 1) {
            ref = std::max(ref, m_last_pch[k]);
          } else {
            const int pos = (m_ring_pch_pos[k] - r.nth + m_hist * 2) % m_hist;
            ref = std::max(ref, m_ring_pch[k * m_hist + pos]);
          }
        }
        break;
      case Scope::Channel:
        if (r.nth == 1) {
          ref = m_last_ch[r.from];
        } else {
          const int pos = (m_ring_ch_pos[r.from] - r.nth + m_hist * 2) % m_hist;
          ref = m_ring_ch[static_cast<std::size_t>(r.from) * m_hist + pos];
        }
        break;
    }
    t = std::max(t, ref + r.distance);
  }
  return t;
}

bool ChannelEngine::state_allows(const Command& c, std::string* why) const {
  const Span s = span(c);
  const CommandClass& cc = m_set.classes[c.cls];
  auto fail = [&](const std::string& w) {
    if (why) *why = cc.name + " at " + to_string(c.addr) + ": " + w;
    return false;
  };
  for (int p = s.p0; p < s.p1; ++p)
    for (int g = s.g0; g < s.g1; ++g)
      for (int b = s.b0; b < s.b1; ++b) {
        const int open = m_open[bank_index(p, g, b)];
        switch (cc.effect) {
          case BankEffect::None: break;
          case BankEffect::Open:
          case BankEffect::Refresh:
            if (open >= 0) return fail("bank pch" + std::to_string(p) + ".bg" + std::to_string(g) + ".bank" + std::to_string(b) + " is open");
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
  const Cycle e = earliest(c);
  if (t < e)
    throw std::logic_error("dram engine: " + m_set.classes[c.cls].name + " at cycle " + std::to_string(t) +
                           " before its earliest cycle " + std::to_string(e));
  if (t < m_last_issue) throw std::logic_error("dram engine: time went backwards");
  commit(c, t);
}

void ChannelEngine::record_external(const Command& c, Cycle t) {
  if (t < m_last_issue)
    throw std::logic_error("dram engine: external " + m_set.classes[c.cls].name + " at cycle " + std::to_string(t) +
                           " before the last issued command (cycle " + std::to_string(m_last_issue) + ")");
  commit(c, t);
}

void ChannelEngine::block_until(Cycle t) {
  for (Cycle& b : m_bus_free) b = std::max(b, t);
}

void ChannelEngine::commit(const Command& c, Cycle t) {
  m_last_issue = t;
  const Span s = span(c);
  const CommandClass& cc = m_set.classes[c.cls];
  const int nbank = m_pchs * m_bgs * m_banks;
  const int nbg = m_pchs * m_bgs;
  for (int p = s.p0; p < s.p1; ++p) {
    for (int g = s.g0; g < s.g1; ++g) {
      for (int b = s.b0; b < s.b1; ++b) {
        const int bi = bank_index(p, g, b);
        m_last_bank[static_cast<std::size_t>(c.cls) * nbank + bi] = t;
        if (cc.effect == BankEffect::Open) m_open[bi] = idx(c.addr.row);
        if (cc.effect == BankEffect::Close) m_open[bi] = -1;
      }
      m_last_bg[static_cast<std::size_t>(c.cls) * nbg + bg_index(p, g)] = t;
    }
    const std::size_t k = static_cast<std::size_t>(c.cls) * m_pchs + p;
    m_last_pch[k] = t;
    m_ring_pch[k * m_hist + m_ring_pch_pos[k]] = t;
    m_ring_pch_pos[k] = (m_ring_pch_pos[k] + 1) % m_hist;
  }
  m_last_ch[c.cls] = t;
  m_ring_ch[static_cast<std::size_t>(c.cls) * m_hist + m_ring_ch_pos[c.cls]] = t;
  m_ring_ch_pos[c.cls] = (m_ring_ch_pos[c.cls] + 1) % m_hist;
  const int bus = m_dual && cc.bus == Bus::Column ? 1 : 0;
  m_bus_free[bus] = std::max(m_bus_free[bus], t + 1);
}

int ChannelEngine::open_banks(PchId p) const {
  int n = 0;
  for (int g = 0; g < m_bgs; ++g)
    for (int b = 0; b < m_banks; ++b) n += m_open[bank_index(idx(p), g, b)] >= 0;
  return n;
}

}  // namespace pimlab::dram
