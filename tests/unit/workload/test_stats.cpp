// Percentiles, workload statistics and the KS statistics on hand-derived cases.
#include <catch2/catch.hpp>

#include <cmath>
#include <numeric>
#include <vector>

#include "workload/stats.h"

namespace wl = pimlab::workload;

TEST_CASE("percentile: nearest rank") {
  // {1,2,3,4}: p50 -> rank ceil(2) = 2 -> 2; p99 -> rank ceil(3.96) = 4 -> 4; p0 -> rank 1.
  const std::vector<std::uint64_t> a{1, 2, 3, 4};
  CHECK(wl::percentile(a, 50) == 2);
  CHECK(wl::percentile(a, 99) == 4);
  CHECK(wl::percentile(a, 0) == 1);
  // 1..100: p50 -> 50, p99 -> 99, p100 -> 100.
  std::vector<std::uint64_t> b(100);
  std::iota(b.begin(), b.end(), 1);
  CHECK(wl::percentile(b, 50) == 50);
  CHECK(wl::percentile(b, 99) == 99);
  CHECK(wl::percentile(b, 100) == 100);
  CHECK_THROWS_AS(wl::percentile({}, 50), std::invalid_argument);
}

TEST_CASE("workload statistics: lengths and arrival rate") {
  // Arrivals 0, 0.5, 1, 1.5, 2: rate (5-1)/2 = 2 /s. Inputs 10..50: mean 30, p50 rank 3 -> 30,
  // p99 rank 5 -> 50. Outputs {5,1,3,2,4}: mean 3, p50 3, p99 5.
  const wl::Requests r{{0, 10, 5}, {0.5, 20, 1}, {1, 30, 3}, {1.5, 40, 2}, {2, 50, 4}};
  const auto s = wl::workload_stats(r);
  CHECK(s.count == 5);
  CHECK(s.input.mean == 30.0);
  CHECK(s.input.p50 == 30);
  CHECK(s.input.p99 == 50);
  CHECK(s.input.min == 10);
  CHECK(s.output.mean == 3.0);
  CHECK(s.output.p50 == 3);
  CHECK(s.output.p99 == 5);
  REQUIRE(s.arrival_rate_per_s);
  CHECK(*s.arrival_rate_per_s == 2.0);
  // One request, or all at the same time: no rate.
  CHECK_FALSE(wl::workload_stats({{0, 1, 1}}).arrival_rate_per_s);
  CHECK_FALSE(wl::workload_stats({{3, 1, 1}, {3, 2, 2}}).arrival_rate_per_s);
}

TEST_CASE("KS two-sample statistic on hand-derived cases") {
  // a = {1,2,3}, b = {2,3,4,5}: after 1: 1/3 - 0; after 2: 2/3 - 1/4 = 5/12; after 3:
  // 1 - 2/4 = 1/2; then a is exhausted. D = 1/2.
  CHECK(wl::ks_two_sample({1, 2, 3}, {2, 3, 4, 5}) == Approx(0.5).margin(1e-15));
  // Ties: a = {1,1,2}, b = {1,2,2}: after 1: 2/3 - 1/3; after 2: 1 - 1. D = 1/3.
  CHECK(wl::ks_two_sample({1, 1, 2}, {1, 2, 2}) == Approx(1.0 / 3).margin(1e-15));
  CHECK(wl::ks_two_sample({4, 4, 9}, {4, 4, 9}) == 0.0);
  CHECK(wl::ks_two_sample({1}, {2}) == 1.0);
}

TEST_CASE("KS critical values") {
  // alpha 0.05: c = sqrt(-ln(0.025)/2) = 1.35810 (the tabulated 1.358); n = m = 100:
  // 1.35810 * sqrt(200/10000) = 0.19206.
  CHECK(wl::ks_two_sample_critical(0.05, 100, 100) == Approx(0.19206).epsilon(1e-4));
  // alpha 0.01: c = sqrt(-ln(0.005)/2) = 1.62762; one sample, n = 400: 1.62762/20 = 0.081381.
  CHECK(wl::ks_one_sample_critical(0.01, 400) == Approx(0.081381).epsilon(1e-4));
  CHECK_THROWS_AS(wl::ks_two_sample_critical(0, 1, 1), std::invalid_argument);
  // One-sample D of {0.5} against U(0,1): max(0.5 - 0, 1 - 0.5) = 0.5.
  CHECK(wl::ks_one_sample({0.5}, [](double x) { return x; }) == 0.5);
}
