// Golden INT8 matrix-vector product of a UCLM-style CIM array
// (docs/cim.md, reference uclm.md §5.1).
//
// The exact product is y[j] = sum_i x[i] W[i][j] in int32. The array computes
// it bit-serially: for every input bit b and weight bit-plane c the column
// count n = popcount over the rows of a 64-row block of (bit b of x AND bit c
// of W) goes through the ADC, code = min(n, 2^adc_bits - 1) (adc_bits = 0 is
// ideal, no clip), and shift-and-add accumulates s_b s_c 2^(b+c) code, where s
// is -1 for bit 7 of a signed (two's-complement) operand and +1 otherwise.
// Row blocks (UCLMs) give int32 partial sums that the vector unit adds.
#pragma once

#include <cstdint>
#include <vector>

namespace pimlab::golden_cim {

constexpr int kRowsPerBlock = 64;  // rows of one UCLM (64 x 64 arrays)
constexpr int kBits = 8;           // INT8 inputs and weights

enum class InputKind { Int8, Uint8 };

// The ADC as a pure function: code = min(count, 2^bits - 1); bits = 0 is ideal.
int adc_code(int count, int adc_bits);

// Exact int32 product; x has K entries, W is K x M row-major (int8).
std::vector<std::int32_t> mvm_exact(const std::vector<int>& x, const std::vector<std::int8_t>& W, int K, int M);

// Per row block (rows [64 r, 64 r + 64)) the int32 partial sums of the
// bit-serial product: partials[r][j]. Throws std::invalid_argument when an
// input is outside the range of `kind` or adc_bits is outside [0, 16].
std::vector<std::vector<std::int32_t>> mvm_bitserial_partials(const std::vector<int>& x,
                                                              const std::vector<std::int8_t>& W, int K, int M,
                                                              InputKind kind, int adc_bits);

// The row-block partial sums added in block order.
std::vector<std::int32_t> mvm_bitserial(const std::vector<int>& x, const std::vector<std::int8_t>& W, int K, int M,
                                        InputKind kind, int adc_bits);

}  // namespace pimlab::golden_cim
