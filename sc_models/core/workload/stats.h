// Summary statistics of a workload and the Kolmogorov-Smirnov statistics used to check that
// sampled lengths follow a table.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "workload/request.h"

namespace pimlab::workload {

// Nearest-rank percentile of ascending `sorted` (non-empty): the value at 1-based rank
// ceil(p/100 * n), at least rank 1. p50 of {1,2,3,4} is 2, p99 of 100 values is the 99th.
std::uint64_t percentile(const std::vector<std::uint64_t>& sorted, double p);

struct LengthStats {
  double mean = 0;
  std::uint64_t min = 0, p50 = 0, p99 = 0, max = 0;
};
// Throws std::invalid_argument for an empty list.
LengthStats length_stats(std::vector<std::uint64_t> values);

struct WorkloadStats {
  std::uint64_t count = 0;
  LengthStats input, output;
  double first_arrival_s = 0, last_arrival_s = 0;
  // (count - 1) / (last - first): the mean arrival rate over the trace; empty when there is
  // only one request or all arrive at the same time.
  std::optional<double> arrival_rate_per_s;
};
WorkloadStats workload_stats(const Requests& requests);

// Two-sample KS statistic D = sup_x |F_a(x) - F_b(x)| of two ascending samples (non-empty).
// Exact for samples with ties: both empirical CDFs are evaluated after each distinct value.
double ks_two_sample(const std::vector<std::uint64_t>& a_sorted, const std::vector<std::uint64_t>& b_sorted);
// Critical value of the two-sample test at significance alpha (0 < alpha < 1), large-sample form:
// c(alpha) * sqrt((n + m) / (n m)), c(alpha) = sqrt(-ln(alpha / 2) / 2). Reject "same
// distribution" when D > critical. For discrete data (token counts) the test is conservative.
double ks_two_sample_critical(double alpha, std::uint64_t n, std::uint64_t m);
// One-sample KS statistic of ascending `sorted` against a continuous CDF given as a callable.
template <class Cdf>
double ks_one_sample(const std::vector<double>& sorted, Cdf cdf) {
  const double n = static_cast<double>(sorted.size());
  double d = 0;
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    const double f = cdf(sorted[i]);
    const double lo = f - static_cast<double>(i) / n, hi = static_cast<double>(i + 1) / n - f;
    d = lo > d ? lo : d;
    d = hi > d ? hi : d;
  }
  return d;
}
// Critical value of the one-sample test: c(alpha) / sqrt(n).
double ks_one_sample_critical(double alpha, std::uint64_t n);

}  // namespace pimlab::workload
