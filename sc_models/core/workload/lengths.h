// (c) Request-length tables and the seeded generators that sample them.
//
// A table is the multiset of (input_tokens, output_tokens) pairs of a dataset, held as a
// histogram: distinct pairs with their row counts (tests/data/workloads/README.md explains the
// file and how it is derived from the published table). Sampling draws a pair with probability
// count / total, i.e. a uniformly random row of the original table; input and output lengths
// are drawn together, so their correlation is kept.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "workload/request.h"

namespace pimlab::workload {

struct LengthPair {
  std::uint64_t input_tokens = 0;
  std::uint64_t output_tokens = 0;
  std::uint64_t count = 0;   // rows of the table with this pair
};

class LengthTable {
 public:
  // Histogram text: header `input_toks<TAB>output_toks<TAB>count`, then one pair per line
  // (tabs or spaces between fields); count >= 1, no pair twice. Rows with 0 input or 0 output
  // tokens are counted in excluded_rows() and left out of sampling: a request needs a prompt
  // token and at least one decode step (the NeuPIMs trace generator drops the 0-output rows too).
  // Errors: std::invalid_argument "NAME:LINE: ...".
  static LengthTable parse_histogram(std::istream& in, const std::string& name);
  static LengthTable read_histogram(const std::string& path);
  // The shipped tables: "sharegpt" (391 726 rows) and "alpaca" (52 002 rows), compiled into the
  // library. Throws std::invalid_argument for another name.
  static const LengthTable& builtin(const std::string& name);
  static std::vector<std::string> builtin_names();

  const std::string& name() const { return m_name; }
  const std::vector<LengthPair>& pairs() const { return m_pairs; }  // sampled pairs, file order
  std::uint64_t rows() const { return m_total; }                   // rows that can be sampled
  std::uint64_t excluded_rows() const { return m_excluded; }
  // The i-th sampleable row in a fixed order (pairs in file order, each repeated count times),
  // 0 <= i < rows(). Sampling = row(uniform index).
  const LengthPair& row(std::uint64_t i) const;
  // Every sampleable row's input (or output) length, ascending: the table's empirical
  // distribution, e.g. for a two-sample test.
  std::vector<std::uint64_t> sorted_inputs() const;
  std::vector<std::uint64_t> sorted_outputs() const;

 private:
  std::string m_name;
  std::vector<LengthPair> m_pairs;
  std::vector<std::uint64_t> m_cum;  // m_cum[i] = sum of counts of pairs[0..i]
  std::uint64_t m_total = 0;
  std::uint64_t m_excluded = 0;
};

enum class Arrival { poisson, fixed };

struct GeneratorConfig {
  std::uint64_t requests = 1000;  // >= 1
  double rate_per_s = 1.0;        // > 0; +infinity: every request arrives at t = 0
  Arrival arrival = Arrival::poisson;
  std::uint64_t seed = 1;
};

// Draws `requests` requests. Lengths: request i takes row(below(rows())) from the stream
// Rng(seed). Arrivals come from a separate stream Rng(splitmix64(seed)), so the lengths for a
// seed do not depend on the arrival process or rate: request i arrives at i / rate (fixed), or
// request 0 at 0 and each next one after an exponential gap of mean 1/rate (Poisson). Same table,
// config and seed => the same requests, bit for bit. Throws std::invalid_argument for 0
// requests or a rate that is not > 0.
Requests generate(const LengthTable& table, const GeneratorConfig& cfg);

}  // namespace pimlab::workload
