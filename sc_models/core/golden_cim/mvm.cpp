#include "golden_cim/mvm.h"

#include <stdexcept>
#include <string>

namespace pimlab::golden_cim {

int adc_code(int count, int adc_bits) {
  if (adc_bits < 0 || adc_bits > 16) throw std::invalid_argument("adc_bits " + std::to_string(adc_bits) + " is out of range [0, 16]");
  if (count < 0) throw std::invalid_argument("ADC input count " + std::to_string(count) + " is negative");
  if (adc_bits == 0) return count;
  const int full = (1 << adc_bits) - 1;
  return count < full ? count : full;
}

namespace {
void check_shapes(const std::vector<int>& x, const std::vector<std::int8_t>& W, int K, int M) {
  if (K < 1 || M < 1) throw std::invalid_argument("MVM shape " + std::to_string(K) + " x " + std::to_string(M) + " must be at least 1 x 1");
  if (x.size() != static_cast<std::size_t>(K)) throw std::invalid_argument("MVM input has " + std::to_string(x.size()) + " entries, expected K = " + std::to_string(K));
  if (W.size() != static_cast<std::size_t>(K) * static_cast<std::size_t>(M))
    throw std::invalid_argument("MVM weight matrix has " + std::to_string(W.size()) + " entries, expected K x M");
}
// Bit b of v as the array sees it: the low 8 bits of the two's-complement code.
inline int bit(int v, int b) { return (static_cast<unsigned>(v) >> b) & 1u; }
}  // namespace

std::vector<std::int32_t> mvm_exact(const std::vector<int>& x, const std::vector<std::int8_t>& W, int K, int M) {
  check_shapes(x, W, K, M);
  std::vector<std::int64_t> acc(static_cast<std::size_t>(M), 0);
  for (int i = 0; i < K; ++i)
    for (int j = 0; j < M; ++j) acc[j] += static_cast<std::int64_t>(x[i]) * W[static_cast<std::size_t>(i) * M + j];
  return std::vector<std::int32_t>(acc.begin(), acc.end());
}

std::vector<std::vector<std::int32_t>> mvm_bitserial_partials(const std::vector<int>& x,
                                                              const std::vector<std::int8_t>& W, int K, int M,
                                                              InputKind kind, int adc_bits) {
  check_shapes(x, W, K, M);
  adc_code(0, adc_bits);  // validates adc_bits
  const int lo = kind == InputKind::Int8 ? -128 : 0, hi = kind == InputKind::Int8 ? 127 : 255;
  for (int i = 0; i < K; ++i)
    if (x[i] < lo || x[i] > hi)
      throw std::invalid_argument("MVM input x[" + std::to_string(i) + "] = " + std::to_string(x[i]) + " is outside [" +
                                  std::to_string(lo) + ", " + std::to_string(hi) + "]");
  const int blocks = (K + kRowsPerBlock - 1) / kRowsPerBlock;
  std::vector<std::vector<std::int32_t>> partials(static_cast<std::size_t>(blocks));
  for (int r = 0; r < blocks; ++r) {
    const int i0 = r * kRowsPerBlock, i1 = i0 + kRowsPerBlock < K ? i0 + kRowsPerBlock : K;
    auto& out = partials[r];
    out.assign(static_cast<std::size_t>(M), 0);
    for (int j = 0; j < M; ++j) {
      std::int64_t acc = 0;
      for (int b = 0; b < kBits; ++b) {
        const int sb = (b == kBits - 1 && kind == InputKind::Int8) ? -1 : 1;
        for (int c = 0; c < kBits; ++c) {
          const int sc = (c == kBits - 1) ? -1 : 1;
          int count = 0;
          for (int i = i0; i < i1; ++i) count += bit(x[i], b) & bit(W[static_cast<std::size_t>(i) * M + j], c);
          acc += static_cast<std::int64_t>(sb * sc) * (std::int64_t{1} << (b + c)) * adc_code(count, adc_bits);
        }
      }
      out[j] = static_cast<std::int32_t>(acc);
    }
  }
  return partials;
}

std::vector<std::int32_t> mvm_bitserial(const std::vector<int>& x, const std::vector<std::int8_t>& W, int K, int M,
                                        InputKind kind, int adc_bits) {
  const auto partials = mvm_bitserial_partials(x, W, K, M, kind, adc_bits);
  std::vector<std::int64_t> acc(static_cast<std::size_t>(M), 0);
  for (const auto& p : partials)
    for (int j = 0; j < M; ++j) acc[j] += p[j];
  return std::vector<std::int32_t>(acc.begin(), acc.end());
}

}  // namespace pimlab::golden_cim
