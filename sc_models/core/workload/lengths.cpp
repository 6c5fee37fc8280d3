#include "workload/lengths.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <istream>
#include <set>
#include <sstream>
#include <stdexcept>
#include <utility>

#include "workload/random.h"
#include "workload/text.h"

namespace pimlab::workload {

// The shipped histograms, compiled in (generated from tests/data/workloads/*_hist.tsv).
namespace embedded {
extern const char* const sharegpt_hist;
extern const char* const alpaca_hist;
}  // namespace embedded

using detail::fail;
using detail::field_error;

LengthTable LengthTable::parse_histogram(std::istream& in, const std::string& name) {
  LengthTable t;
  t.m_name = name;
  std::string line;
  std::size_t lineno = 0;
  bool header = false;
  std::set<std::pair<std::uint64_t, std::uint64_t>> seen;
  while (std::getline(in, line)) {
    ++lineno;
    if (detail::trim(line).empty()) continue;
    const auto f = detail::split(line, 0);
    if (!header) {
      if (f.size() != 3 || f[0] != "input_toks" || f[1] != "output_toks" || f[2] != "count")
        fail(name, lineno, "expected the header 'input_toks output_toks count', got '" + detail::trim(line) + "'");
      header = true;
      continue;
    }
    if (f.size() != 3) fail(name, lineno, "expected 3 fields (input_toks output_toks count), got " + std::to_string(f.size()));
    LengthPair p;
    if (!detail::parse_u64(f[0], p.input_tokens)) fail(name, lineno, field_error("input_toks", f[0], "an integer >= 0"));
    if (!detail::parse_u64(f[1], p.output_tokens)) fail(name, lineno, field_error("output_toks", f[1], "an integer >= 0"));
    if (!detail::parse_u64(f[2], p.count) || p.count == 0) fail(name, lineno, field_error("count", f[2], "an integer >= 1"));
    if (!seen.insert({p.input_tokens, p.output_tokens}).second)
      fail(name, lineno, "pair (" + f[0] + ", " + f[1] + ") appears twice");
    if (p.input_tokens == 0 || p.output_tokens == 0) {
      t.m_excluded += p.count;
      continue;
    }
    t.m_total += p.count;
    t.m_cum.push_back(t.m_total);
    t.m_pairs.push_back(p);
  }
  if (in.bad()) throw std::invalid_argument(name + ": read error");
  if (!header) fail(name, lineno == 0 ? 1 : lineno, "empty file: expected the header 'input_toks output_toks count'");
  if (t.m_total == 0) fail(name, lineno, "no row with input and output tokens >= 1");
  return t;
}

LengthTable LengthTable::read_histogram(const std::string& path) {
  std::ifstream f(path);
  if (!f) throw std::invalid_argument("cannot open length table '" + path + "'");
  return parse_histogram(f, path);
}

std::vector<std::string> LengthTable::builtin_names() { return {"sharegpt", "alpaca"}; }

const LengthTable& LengthTable::builtin(const std::string& name) {
  // Parsed once on first use (thread-safe initialisation of function-local statics).
  auto parse = [](const char* text, const char* table_name) {
    std::istringstream in(text);
    return parse_histogram(in, table_name);
  };
  if (name == "sharegpt") {
    static const LengthTable t = parse(embedded::sharegpt_hist, "sharegpt");
    return t;
  }
  if (name == "alpaca") {
    static const LengthTable t = parse(embedded::alpaca_hist, "alpaca");
    return t;
  }
  throw std::invalid_argument("unknown length table '" + name + "' (allowed: sharegpt, alpaca)");
}

const LengthPair& LengthTable::row(std::uint64_t i) const {
  if (i >= m_total) throw std::out_of_range("LengthTable::row: index past the table");
  // First pair whose cumulative count exceeds i.
  const auto it = std::upper_bound(m_cum.begin(), m_cum.end(), i);
  return m_pairs[static_cast<std::size_t>(it - m_cum.begin())];
}

namespace {
std::vector<std::uint64_t> expand(const std::vector<LengthPair>& pairs, std::uint64_t total, bool input) {
  std::vector<std::uint64_t> v;
  v.reserve(total);
  for (const auto& p : pairs) v.insert(v.end(), p.count, input ? p.input_tokens : p.output_tokens);
  std::sort(v.begin(), v.end());
  return v;
}
}  // namespace

std::vector<std::uint64_t> LengthTable::sorted_inputs() const { return expand(m_pairs, m_total, true); }
std::vector<std::uint64_t> LengthTable::sorted_outputs() const { return expand(m_pairs, m_total, false); }

Requests generate(const LengthTable& table, const GeneratorConfig& cfg) {
  if (cfg.requests == 0) throw std::invalid_argument("generator: requests must be >= 1");
  if (!(cfg.rate_per_s > 0))  // also rejects NaN
    throw std::invalid_argument("generator: rate must be > 0 requests/s (inf: all at t = 0)");
  Rng lengths(cfg.seed);
  Rng gaps(splitmix64(cfg.seed));
  const bool all_at_once = std::isinf(cfg.rate_per_s);
  Requests out;
  out.reserve(cfg.requests);
  double t = 0;
  for (std::uint64_t i = 0; i < cfg.requests; ++i) {
    const LengthPair& p = table.row(lengths.below(table.rows()));
    if (i > 0 && !all_at_once) {
      // Fixed: i / rate directly (no accumulated rounding); Poisson: the running sum of gaps.
      if (cfg.arrival == Arrival::fixed)
        t = static_cast<double>(i) / cfg.rate_per_s;
      else
        t += gaps.exponential(cfg.rate_per_s);
    }
    out.push_back(Request{t, p.input_tokens, p.output_tokens});
  }
  return out;
}

}  // namespace pimlab::workload
