// The seeded generators: the shipped histograms against the published tables, the sampled
// length distribution against the table (two-sample Kolmogorov-Smirnov test), the arrival
// process (one-sample KS against the exponential), and determinism.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "workload/lengths.h"
#include "workload/random.h"
#include "workload/stats.h"

namespace wl = pimlab::workload;

namespace {

// Significance of every KS test in this file. The tests are seeded, so each outcome is fixed;
// alpha states how unlikely a rejection would be if the sampler were right.
constexpr double kAlpha = 0.01;

std::vector<std::uint64_t> sorted_inputs(const wl::Requests& r) {
  std::vector<std::uint64_t> v;
  for (const auto& q : r) v.push_back(q.input_tokens);
  std::sort(v.begin(), v.end());
  return v;
}
std::vector<std::uint64_t> sorted_outputs(const wl::Requests& r) {
  std::vector<std::uint64_t> v;
  for (const auto& q : r) v.push_back(q.output_tokens);
  std::sort(v.begin(), v.end());
  return v;
}

wl::Requests draw(const std::string& table, std::uint64_t n, std::uint64_t seed,
                  wl::Arrival arrival = wl::Arrival::poisson, double rate = 2.0) {
  wl::GeneratorConfig cfg;
  cfg.requests = n;
  cfg.seed = seed;
  cfg.arrival = arrival;
  cfg.rate_per_s = rate;
  return wl::generate(wl::LengthTable::builtin(table), cfg);
}

}  // namespace

TEST_CASE("shipped histograms hold the published tables (totals from the original files)") {
  // Totals of the published tables computed with awk from the original TSV files
  // (tests/data/workloads/README.md): rows, sum of input, sum of output, rows with 0 input,
  // rows with 0 output, rows with both 0.
  struct Expect {
    const char* name;
    std::uint64_t rows, sum_in, sum_out, zero_in, zero_out, both;
  };
  for (const Expect& e : {Expect{"sharegpt", 391726, 31451943, 115554602, 69, 907, 1},
                          Expect{"alpaca", 52002, 630832, 2899822, 0, 28, 0}}) {
    INFO(e.name);
    // Read the file independently of LengthTable.
    std::ifstream f(std::string(PIMLAB_WORKLOAD_DATA) + "/" + e.name + "_hist.tsv");
    REQUIRE(f);
    std::string line;
    std::getline(f, line);
    CHECK(line == "input_toks\toutput_toks\tcount");
    std::uint64_t rows = 0, sum_in = 0, sum_out = 0, zero_in = 0, zero_out = 0, both = 0;
    std::uint64_t in = 0, out = 0, c = 0;
    while (f >> in >> out >> c) {
      rows += c;
      sum_in += in * c;
      sum_out += out * c;
      zero_in += in == 0 ? c : 0;
      zero_out += out == 0 ? c : 0;
      both += in == 0 && out == 0 ? c : 0;
    }
    CHECK(rows == e.rows);
    CHECK(sum_in == e.sum_in);
    CHECK(sum_out == e.sum_out);
    CHECK(zero_in == e.zero_in);
    CHECK(zero_out == e.zero_out);
    CHECK(both == e.both);
    // The compiled-in table is that file without the rows of 0 input or 0 output tokens.
    const auto& t = wl::LengthTable::builtin(e.name);
    CHECK(t.excluded_rows() == e.zero_in + e.zero_out - e.both);
    CHECK(t.rows() == e.rows - t.excluded_rows());
  }
  // Sampleable ShareGPT rows: 390 751, sum of input 31 280 598 (README).
  const auto in = wl::LengthTable::builtin("sharegpt").sorted_inputs();
  std::uint64_t s = 0;
  for (auto v : in) s += v;
  CHECK(in.size() == 390751);
  CHECK(s == 31280598);
}

TEST_CASE("Rng: SplitMix64 test vector and the documented transformations") {
  // SplitMix64 from state 0: first output 0xE220A8397B1DCDAF (published reference value).
  CHECK(wl::splitmix64(0) == 0xE220A8397B1DCDAFull);
  // below(n) and unit_open0() against the rules written in random.h, on the raw engine.
  wl::Rng r(42);
  std::mt19937_64 e(42);
  const std::uint64_t n = 390751;
  const std::uint64_t rem = (std::uint64_t(0) - n) % n;  // 2^64 mod n
  std::uint64_t x = e();
  while (x >= std::uint64_t(0) - rem) x = e();
  CHECK(r.below(n) == x % n);
  CHECK(r.unit_open0() == static_cast<double>((e() >> 11) + 1) / 9007199254740992.0);
  // below(1) is 0; u never 0, so the exponential is finite.
  CHECK(r.below(1) == 0);
}

TEST_CASE("generator: the first request follows from the documented draws") {
  // Request 0 of seed 7: row index = below(rows) from mt19937_64(7), then the pair that holds
  // that row when pairs are laid out in file order (counted here by a linear walk).
  const auto& t = wl::LengthTable::builtin("sharegpt");
  std::mt19937_64 e(7);
  const std::uint64_t n = t.rows(), rem = (std::uint64_t(0) - n) % n;
  std::uint64_t x = e();
  while (x >= std::uint64_t(0) - rem) x = e();
  std::uint64_t idx = x % n, acc = 0;
  const wl::LengthPair* want = nullptr;
  for (const auto& p : t.pairs()) {
    if (idx < acc + p.count) {
      want = &p;
      break;
    }
    acc += p.count;
  }
  REQUIRE(want != nullptr);
  const auto r = draw("sharegpt", 2, 7, wl::Arrival::poisson, 2.0);
  CHECK(r[0].input_tokens == want->input_tokens);
  CHECK(r[0].output_tokens == want->output_tokens);
  CHECK(r[0].arrival_s == 0.0);
  // Request 1 arrives after -log(u)/rate, u from the arrival stream mt19937_64(splitmix64(7)).
  std::mt19937_64 g(wl::splitmix64(7));
  const double u = static_cast<double>((g() >> 11) + 1) / 9007199254740992.0;
  CHECK(r[1].arrival_s == -std::log(u) / 2.0);
}

TEST_CASE("generator: same seed => the same requests, bit for bit, other seeds differ") {
  for (const char* table : {"sharegpt", "alpaca"}) {
    const auto a = draw(table, 5000, 123);
    const auto b = draw(table, 5000, 123);
    REQUIRE(a.size() == b.size());
    CHECK(std::memcmp(a.data(), b.data(), a.size() * sizeof(wl::Request)) == 0);
    const auto c = draw(table, 5000, 124);
    std::size_t same = 0;
    for (std::size_t i = 0; i < a.size(); ++i)
      same += a[i].input_tokens == c[i].input_tokens && a[i].output_tokens == c[i].output_tokens;
    CHECK(same < a.size() / 2);
    // Lengths do not depend on the arrival process or the rate.
    const auto d = draw(table, 5000, 123, wl::Arrival::fixed, 50.0);
    for (std::size_t i = 0; i < a.size(); ++i) {
      CHECK(a[i].input_tokens == d[i].input_tokens);
      CHECK(a[i].output_tokens == d[i].output_tokens);
    }
  }
}

TEST_CASE("generator: sampled lengths match the table (two-sample KS, alpha 0.01)") {
  // n = 20 000 draws against the m table rows. Critical value c(0.01) sqrt((n+m)/(n m)) with
  // c(0.01) = sqrt(-ln(0.005)/2) = 1.6276; for ShareGPT (m = 390 751) that is 0.01180, for Alpaca (m = 51 974) 0.01354. Token
  // counts are discrete, which makes the test conservative (true size <= alpha).
  const std::uint64_t n = 20000;
  for (const char* table : {"sharegpt", "alpaca"}) {
    const auto& t = wl::LengthTable::builtin(table);
    const auto tin = t.sorted_inputs(), tout = t.sorted_outputs();
    const double crit = wl::ks_two_sample_critical(kAlpha, n, t.rows());
    for (std::uint64_t seed : {1, 2, 3}) {
      const auto r = draw(table, n, seed);
      const double d_in = wl::ks_two_sample(sorted_inputs(r), tin);
      const double d_out = wl::ks_two_sample(sorted_outputs(r), tout);
      INFO(table << " seed " << seed << ": D_in " << d_in << ", D_out " << d_out << ", critical " << crit);
      CHECK(d_in <= crit);
      CHECK(d_out <= crit);
    }
  }
}

TEST_CASE("KS test has power: it rejects a different table and lengths 10 % too long") {
  const std::uint64_t n = 20000;
  const auto& share = wl::LengthTable::builtin("sharegpt");
  const double crit = wl::ks_two_sample_critical(kAlpha, n, share.rows());
  const auto r = draw("alpaca", n, 1);
  CHECK(wl::ks_two_sample(sorted_inputs(r), share.sorted_inputs()) > crit);
  // ShareGPT draws with every output length scaled by 1.1 (rounded to nearest).
  auto s = draw("sharegpt", n, 1);
  std::vector<std::uint64_t> longer;
  for (const auto& q : s) longer.push_back(static_cast<std::uint64_t>(std::llround(1.1 * static_cast<double>(q.output_tokens))));
  std::sort(longer.begin(), longer.end());
  CHECK(wl::ks_two_sample(longer, share.sorted_outputs()) > crit);
}

TEST_CASE("generator: Poisson gaps are exponential (one-sample KS, alpha 0.01), fixed gaps are 1/rate") {
  const double rate = 3.0;
  const auto r = draw("alpaca", 20001, 5, wl::Arrival::poisson, rate);
  std::vector<double> gaps;
  for (std::size_t i = 1; i < r.size(); ++i) gaps.push_back(r[i].arrival_s - r[i - 1].arrival_s);
  std::sort(gaps.begin(), gaps.end());
  const double d = wl::ks_one_sample(gaps, [&](double x) { return 1.0 - std::exp(-rate * x); });
  // c(0.01)/sqrt(20 000) = 1.6276 / 141.42 = 0.01151.
  CHECK(d <= wl::ks_one_sample_critical(kAlpha, gaps.size()));
  // Fixed rate 4: gaps of 0.25 s, exact in binary, so request i arrives at i/4 exactly.
  const auto f = draw("alpaca", 1000, 5, wl::Arrival::fixed, 4.0);
  for (std::size_t i = 0; i < f.size(); ++i) CHECK(f[i].arrival_s == static_cast<double>(i) / 4.0);
  // Rate inf: every request at t = 0.
  const auto z = draw("alpaca", 10, 5, wl::Arrival::poisson, std::numeric_limits<double>::infinity());
  for (const auto& q : z) CHECK(q.arrival_s == 0.0);
}

TEST_CASE("generator: bad configurations are errors") {
  wl::GeneratorConfig cfg;
  cfg.requests = 0;
  CHECK_THROWS_AS(wl::generate(wl::LengthTable::builtin("alpaca"), cfg), std::invalid_argument);
  cfg.requests = 1;
  for (double bad : {0.0, -1.0, std::nan("")}) {
    cfg.rate_per_s = bad;
    CHECK_THROWS_AS(wl::generate(wl::LengthTable::builtin("alpaca"), cfg), std::invalid_argument);
  }
}
