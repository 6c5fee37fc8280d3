#include "workload/stats.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace pimlab::workload {

std::uint64_t percentile(const std::vector<std::uint64_t>& sorted, double p) {
  if (sorted.empty()) throw std::invalid_argument("percentile of an empty list");
  if (!(p >= 0 && p <= 100)) throw std::invalid_argument("percentile outside [0, 100]");
  const double n = static_cast<double>(sorted.size());
  // ceil(p/100 * n) with p/100*n formed exactly enough: p*n/100 (p and n are small integers
  // in practice; e.g. 99 * 1000 / 100 = 990 exactly).
  auto rank = static_cast<std::size_t>(std::ceil(p * n / 100.0));
  rank = std::max<std::size_t>(rank, 1);
  rank = std::min(rank, sorted.size());
  return sorted[rank - 1];
}

LengthStats length_stats(std::vector<std::uint64_t> values) {
  if (values.empty()) throw std::invalid_argument("statistics of an empty list");
  std::sort(values.begin(), values.end());
  LengthStats s;
  long double sum = 0;
  for (auto v : values) sum += static_cast<long double>(v);
  s.mean = static_cast<double>(sum / static_cast<long double>(values.size()));
  s.min = values.front();
  s.max = values.back();
  s.p50 = percentile(values, 50);
  s.p99 = percentile(values, 99);
  return s;
}

WorkloadStats workload_stats(const Requests& requests) {
  if (requests.empty()) throw std::invalid_argument("statistics of an empty workload");
  WorkloadStats s;
  s.count = requests.size();
  std::vector<std::uint64_t> in, out;
  in.reserve(requests.size());
  out.reserve(requests.size());
  s.first_arrival_s = s.last_arrival_s = requests.front().arrival_s;
  for (const auto& r : requests) {
    in.push_back(r.input_tokens);
    out.push_back(r.output_tokens);
    s.first_arrival_s = std::min(s.first_arrival_s, r.arrival_s);
    s.last_arrival_s = std::max(s.last_arrival_s, r.arrival_s);
  }
  s.input = length_stats(std::move(in));
  s.output = length_stats(std::move(out));
  const double span = s.last_arrival_s - s.first_arrival_s;
  if (s.count > 1 && span > 0) s.arrival_rate_per_s = static_cast<double>(s.count - 1) / span;
  return s;
}

double ks_two_sample(const std::vector<std::uint64_t>& a, const std::vector<std::uint64_t>& b) {
  if (a.empty() || b.empty()) throw std::invalid_argument("KS test of an empty sample");
  const double n = static_cast<double>(a.size()), m = static_cast<double>(b.size());
  std::size_t i = 0, j = 0;
  double d = 0;
  while (i < a.size() && j < b.size()) {
    // Step past every copy of the next distinct value in both samples, then compare the CDFs.
    const std::uint64_t x = std::min(a[i], b[j]);
    while (i < a.size() && a[i] == x) ++i;
    while (j < b.size() && b[j] == x) ++j;
    d = std::max(d, std::fabs(static_cast<double>(i) / n - static_cast<double>(j) / m));
  }
  return d;  // past this point one CDF is 1 and the other rises to 1: |diff| only shrinks
}

namespace {
double c_alpha(double alpha) {
  if (!(alpha > 0 && alpha < 1)) throw std::invalid_argument("KS significance must be in (0, 1)");
  return std::sqrt(-std::log(alpha / 2) / 2);
}
}  // namespace

double ks_two_sample_critical(double alpha, std::uint64_t n, std::uint64_t m) {
  const double dn = static_cast<double>(n), dm = static_cast<double>(m);
  return c_alpha(alpha) * std::sqrt((dn + dm) / (dn * dm));
}

double ks_one_sample_critical(double alpha, std::uint64_t n) {
  return c_alpha(alpha) / std::sqrt(static_cast<double>(n));
}

}  // namespace pimlab::workload
