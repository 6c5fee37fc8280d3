// Golden INT8 MVM through the bit-serial decomposition (reference uclm.md §5.1).
#include <catch2/catch.hpp>

#include <cstdint>
#include <vector>

#include "golden/synth.h"
#include "golden_cim/mvm.h"

using namespace pimlab::golden_cim;
using pimlab::golden::SynthRng;

namespace {
std::vector<std::int8_t> rand_w(SynthRng& g, std::size_t n) {
  std::vector<std::int8_t> w(n);
  for (auto& v : w) v = static_cast<std::int8_t>(static_cast<int>(g.next() & 0xFF) - 128);
  return w;
}
std::vector<int> rand_x(SynthRng& g, int n, InputKind k) {
  std::vector<int> x(static_cast<std::size_t>(n));
  for (auto& v : x) v = static_cast<int>(g.next() & 0xFF) - (k == InputKind::Int8 ? 128 : 0);
  return x;
}
std::int32_t one_column(int x, int w, int rows, InputKind k, int adc) {
  return mvm_bitserial(std::vector<int>(rows, x), std::vector<std::int8_t>(rows, static_cast<std::int8_t>(w)), rows, 1, k,
                       adc)[0];
}
}  // namespace

TEST_CASE("adc is a pure clip: min(count, 2^bits - 1), bits 0 ideal") {
  CHECK(adc_code(64, 6) == 63);
  CHECK(adc_code(63, 6) == 63);
  CHECK(adc_code(17, 6) == 17);
  CHECK(adc_code(64, 7) == 64);
  CHECK(adc_code(64, 0) == 64);
  CHECK_THROWS_AS(adc_code(1, 17), std::invalid_argument);
}

TEST_CASE("bit-serial equals the exact product on random INT8 shapes (ideal and 6-bit ADC)") {
  // Random data: a column count of 64 needs all 64 rows with input bit and
  // weight bit 1, probability about 2^-128 per read, so the 6-bit ADC does
  // not clip and must also give the exact product.
  SynthRng g(0xC1A0);
  for (int K : {1, 63, 64, 65, 128, 768, 3072})
    for (int M : {1, 64, 768}) {
      if (K == 3072 && M == 768) continue;  // covered below with fewer columns per run
      const auto W = rand_w(g, static_cast<std::size_t>(K) * M);
      const auto x = rand_x(g, K, InputKind::Int8);
      const auto ref = mvm_exact(x, W, K, M);
      INFO("K " << K << " M " << M);
      CHECK(mvm_bitserial(x, W, K, M, InputKind::Int8, 0) == ref);
      CHECK(mvm_bitserial(x, W, K, M, InputKind::Int8, 6) == ref);
    }
  const int K = 3072, M = 768;
  const auto W = rand_w(g, static_cast<std::size_t>(K) * M);
  const auto x = rand_x(g, K, InputKind::Int8);
  CHECK(mvm_bitserial(x, W, K, M, InputKind::Int8, 6) == mvm_exact(x, W, K, M));
  const auto xu = rand_x(g, K, InputKind::Uint8);
  CHECK(mvm_bitserial(xu, W, K, M, InputKind::Uint8, 0) == mvm_exact(xu, W, K, M));
}

TEST_CASE("corner values, zero and one-hot vectors with an ideal ADC") {
  for (int xv : {-128, 127})
    for (int wv : {-128, 127}) {
      const int K = 64, M = 8;
      std::vector<int> x(K, xv);
      std::vector<std::int8_t> W(static_cast<std::size_t>(K) * M, static_cast<std::int8_t>(wv));
      CHECK(mvm_bitserial(x, W, K, M, InputKind::Int8, 0) == std::vector<std::int32_t>(M, K * xv * wv));
    }
  SynthRng g(7);
  const int K = 130, M = 70;
  const auto W = rand_w(g, static_cast<std::size_t>(K) * M);
  CHECK(mvm_bitserial(std::vector<int>(K, 0), W, K, M, InputKind::Int8, 6) == std::vector<std::int32_t>(M, 0));
  for (int hot : {0, 63, 64, 129}) {
    std::vector<int> x(K, 0);
    x[hot] = -128;
    std::vector<std::int32_t> want(M);
    for (int j = 0; j < M; ++j) want[j] = -128 * W[static_cast<std::size_t>(hot) * M + j];
    CHECK(mvm_bitserial(x, W, K, M, InputKind::Int8, 6) == want);
  }
}

TEST_CASE("all-ones ADC corner: the 6-bit clip gives the exact deviation") {
  // Deviation = -sum over (b, c) with count 64 of s_b s_c 2^(b+c) (64 - 63).
  // x = W = -1: every bit 1, all 64 pairs clip; sum s_b s_c 2^(b+c) over all
  // pairs = (sum_b s_b 2^b)^2 = (-1)^2 = 1, so 64 -> 63.
  CHECK(one_column(-1, -1, 64, InputKind::Int8, 0) == 64);
  CHECK(one_column(-1, -1, 64, InputKind::Int8, 6) == 63);
  CHECK(one_column(-1, -1, 64, InputKind::Int8, 7) == 64);
  // -128 = bit 7 only: one pair (7,7), s = +1, 2^14 = 16384 -> 1,048,576 - 16,384.
  CHECK(one_column(-128, -128, 64, InputKind::Int8, 0) == 1048576);
  CHECK(one_column(-128, -128, 64, InputKind::Int8, 6) == 1032192);
  // -128 x 127: pairs (7, c<7), s = -1, sum 2^7 (2^7 - 1) = 16256 of deviation +16256.
  CHECK(one_column(-128, 127, 64, InputKind::Int8, 6) == -1024128);
  // 127 x 127: (2^7 - 1)^2 = 16129 less.
  CHECK(one_column(127, 127, 64, InputKind::Int8, 0) == 1032256);
  CHECK(one_column(127, 127, 64, InputKind::Int8, 6) == 1016127);
  // UINT8 255 (s_7 = +1) x -1: sum_b 2^b = 255, weight factor -1: -16320 + 255.
  CHECK(one_column(255, -1, 64, InputKind::Uint8, 6) == -16065);
  CHECK(one_column(255, 127, 64, InputKind::Uint8, 0) == 2072640);
  CHECK(one_column(255, 127, 64, InputKind::Uint8, 6) == 2040255);
  // 63 rows of -1 and one 0: counts are 63, no clip.
  std::vector<int> x(64, -1);
  x[63] = 0;
  CHECK(mvm_bitserial(x, std::vector<std::int8_t>(64, -1), 64, 1, InputKind::Int8, 6)[0] == 63);
  // Two row blocks of all ones: each UCLM clips independently, 2 x 63.
  CHECK(one_column(-1, -1, 128, InputKind::Int8, 6) == 126);
}

TEST_CASE("row-block partial sums: tree and sequential accumulation agree") {
  SynthRng g(11);
  const int K = 7 * 64 + 5, M = 33;
  const auto W = rand_w(g, static_cast<std::size_t>(K) * M);
  const auto x = rand_x(g, K, InputKind::Int8);
  auto parts = mvm_bitserial_partials(x, W, K, M, InputKind::Int8, 6);
  REQUIRE(parts.size() == 8);
  while (parts.size() > 1) {
    std::vector<std::vector<std::int32_t>> next;
    for (std::size_t i = 0; i < parts.size(); i += 2) {
      auto s = parts[i];
      if (i + 1 < parts.size())
        for (int j = 0; j < M; ++j) s[j] += parts[i + 1][j];
      next.push_back(s);
    }
    parts.swap(next);
  }
  CHECK(parts[0] == mvm_bitserial(x, W, K, M, InputKind::Int8, 6));
  CHECK(parts[0] == mvm_exact(x, W, K, M));
}

TEST_CASE("bad MVM input is rejected") {
  CHECK_THROWS_AS(mvm_bitserial({128}, {1}, 1, 1, InputKind::Int8, 6), std::invalid_argument);
  CHECK_THROWS_AS(mvm_bitserial({-1}, {1}, 1, 1, InputKind::Uint8, 6), std::invalid_argument);
  CHECK_THROWS_AS(mvm_bitserial({1, 2}, {1}, 2, 1, InputKind::Int8, 6), std::invalid_argument);
}
