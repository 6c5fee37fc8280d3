#include "pim/newton_checker.h"

#include <algorithm>
#include <map>
#include <tuple>

#include "pim/protocol.h"

namespace pimlab::pim {

namespace {

struct Range {  // touched banks: rank [p0,p1), bank group [g0,g1), bank [b0,b1)
  int p0, p1, g0, g1, b0, b1;
  bool operator<(const Range& o) const {
    return std::tie(p0, p1, g0, g1, b0, b1) < std::tie(o.p0, o.p1, o.g0, o.g1, o.b0, o.b1);
  }
};

Range range_of(dram::Target target, const NewtonIssued& c) {
  switch (target) {
    case dram::Target::Bank: return {c.rank, c.rank + 1, c.bg, c.bg + 1, c.bank, c.bank + 1};
    case dram::Target::BankGroup: return {c.rank, c.rank + 1, c.bg, c.bg + 1, 0, 4};
    case dram::Target::PseudoChannel: return {c.rank, c.rank + 1, 0, 4, 0, 4};
    case dram::Target::Channel: break;
  }
  return {0, 2, 0, 4, 0, 4};
}

bool overlap(int a0, int a1, int b0, int b1) { return a0 < b1 && b0 < a1; }

// Whether a row with scope `s` binds `next` after `prev` (docs/dram.md scopes).
bool in_scope(dram::Scope s, const Range& prev, const Range& next) {
  const bool p = overlap(prev.p0, prev.p1, next.p0, next.p1);
  const bool g = overlap(prev.g0, prev.g1, next.g0, next.g1);
  const bool b = overlap(prev.b0, prev.b1, next.b0, next.b1);
  const bool same_single_g = prev.g1 - prev.g0 == 1 && next.g1 - next.g0 == 1 && prev.g0 == next.g0;
  const bool same_single_p = prev.p1 - prev.p0 == 1 && next.p1 - next.p0 == 1 && prev.p0 == next.p0;
  switch (s) {
    case dram::Scope::SameBank: return p && g && b;
    case dram::Scope::SameBankGroup: return p && g;
    case dram::Scope::OtherBankGroup: return p && !same_single_g;
    case dram::Scope::PseudoChannel: return p;
    case dram::Scope::OtherPseudoChannel: return !same_single_p;
    case dram::Scope::Channel: return true;
  }
  return true;
}

}  // namespace

std::vector<NewtonViolation> check_newton(const dram::CommandSet& set, const dram::Timing& t,
                                          const std::vector<NewtonIssued>& stream, std::size_t max_report) {
  std::vector<NewtonViolation> out;
  auto report = [&](std::size_t i, const std::string& rule, const std::string& what) {
    if (max_report == 0 || out.size() < max_report) out.push_back({i, rule, what});
  };
  // Latest issue per (class, argument, touched banks).
  std::map<std::string, std::map<std::pair<std::uint32_t, Range>, std::uint64_t>> latest;
  // Issue cycles per (class, rank) for nth-rules.
  std::map<std::pair<std::string, int>, std::vector<std::uint64_t>> per_rank;
  // Open row per bank and row buffer.
  std::map<std::pair<int, int>, int> open;  // (bank 0..31, buffer) -> row
  auto open_row = [&](int bank, int buf) {
    auto it = open.find({bank, buf});
    return it == open.end() ? -1 : it->second;
  };
  for (std::size_t i = 0; i < stream.size(); ++i) {
    const NewtonIssued& c = stream[i];
    const std::string name = newton_class_name(c.cls);
    const dram::CommandClass& cc = set.classes.at(set.id(name));
    if (i > 0 && c.cycle <= stream[i - 1].cycle)
      report(i, "command_bus", name + " at " + std::to_string(c.cycle) + " not after the previous command (" +
                                   std::to_string(stream[i - 1].cycle) + ")");
    const Range nr = range_of(cc.target, c);
    for (const dram::Rule& r : set.rules) {
      if (r.to != name) continue;
      if (r.nth > 1) {
        for (int p = nr.p0; p < nr.p1; ++p) {
          const auto& v = per_rank[{r.from, p}];
          if (v.size() < static_cast<std::size_t>(r.nth)) continue;
          const std::uint64_t ref = v[v.size() - static_cast<std::size_t>(r.nth)];
          const int d = rule_distance(r, t, 0);
          if (c.cycle < ref + static_cast<std::uint64_t>(std::max(0, d)))
            report(i, r.name, name + " at " + std::to_string(c.cycle) + ": the " + std::to_string(r.nth) +
                                  "th previous " + r.from + " of rank " + std::to_string(p) + " was at " +
                                  std::to_string(ref) + " (needs " + r.distance + ")");
        }
        continue;
      }
      for (const auto& [key, when] : latest[r.from]) {
        if (!in_scope(r.scope, key.second, nr)) continue;
        const int d = rule_distance(r, t, key.first);
        if (d <= 0) continue;
        if (c.cycle < when + static_cast<std::uint64_t>(d))
          report(i, r.name, name + " at " + std::to_string(c.cycle) + " only " + std::to_string(c.cycle - when) +
                                " cycles after " + r.from + " (" + dram::scope_name(r.scope) + ", needs " +
                                r.distance + " = " + std::to_string(d) + ")");
      }
    }
    // Row-buffer state.
    for (int p = nr.p0; p < nr.p1; ++p)
      for (int g = nr.g0; g < nr.g1; ++g)
        for (int b = nr.b0; b < nr.b1; ++b) {
          const int bank = (p * 4 + g) * 4 + b;
          const int cur = open_row(bank, cc.row_buffer);
          switch (cc.effect) {
            case dram::BankEffect::Open:
              if (cur >= 0 && cur != c.row)
                report(i, "state", name + " at " + std::to_string(c.cycle) + ": bank " + std::to_string(bank) +
                                       " has row " + std::to_string(cur) + " open");
              open[{bank, cc.row_buffer}] = c.row;
              break;
            case dram::BankEffect::Close:
              if (cur < 0) report(i, "state", name + " at " + std::to_string(c.cycle) + ": bank " + std::to_string(bank) + " is closed");
              open.erase({bank, cc.row_buffer});
              break;
            case dram::BankEffect::Access:
              if (cur != c.row)
                report(i, "state", name + " at " + std::to_string(c.cycle) + ": bank " + std::to_string(bank) +
                                       " does not have row " + std::to_string(c.row) + " open");
              break;
            case dram::BankEffect::Refresh:
              for (int buf = 0; buf < 2; ++buf)
                if (open_row(bank, buf) >= 0)
                  report(i, "state", name + " at " + std::to_string(c.cycle) + ": bank " + std::to_string(bank) + " is open");
              break;
            case dram::BankEffect::None: break;
          }
        }
    auto& slot = latest[name][{c.arg, nr}];
    slot = std::max(slot, c.cycle);
    for (int p = nr.p0; p < nr.p1; ++p) per_rank[{name, p}].push_back(c.cycle);
  }
  return out;
}

}  // namespace pimlab::pim
