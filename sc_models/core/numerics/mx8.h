// Pimba MX8: blocks of 16 values, pairs sharing a 1-bit micro-exponent, 6-bit
// significands (implicit one included) plus sign. docs/numerics.md, "MX8",
// states the rules and the packed 16-byte layout this code implements.
#pragma once

#include <array>
#include <cstdint>

#include "rng.h"

namespace pimlab::numerics {

enum class Rounding { nearest, stochastic };

inline constexpr int kMx8Block = 16;

// Packed storage of one block: exactly the bytes the PIM unit reads from DRAM.
//   bytes[0..13]: 16 elements of 7 bits, element i in bits [7i+6 : 7i] of the
//                 112-bit little-endian field (bit 6 = sign, bits 5..0 = m);
//   bytes[14]:    shared exponent E (biased as FP32, 0..255);
//   bytes[15]:    micro-exponents, bit j = 1 when pair j (elements 2j, 2j+1)
//                 uses exponent E-1.
// Element value = (-1)^sign * m * 2^(pair_exponent - 127 - 5).
struct Mx8Block {
  std::array<std::uint8_t, 16> bytes{};
  bool operator==(const Mx8Block& o) const { return bytes == o.bytes; }
};

// The decoded fields of a block (what the packed bytes mean).
struct Mx8Fields {
  std::uint8_t shared_exp = 0;               // E
  std::array<bool, 8> pair_low{};            // pair j uses E-1
  std::array<bool, 16> sign{};
  std::array<std::uint8_t, 16> mag{};        // m, 0..63
};

Mx8Fields mx8_unpack_fields(const Mx8Block& b);
Mx8Block mx8_pack_fields(const Mx8Fields& f);

// Quantizes 16 finite FP32 values. Throws std::invalid_argument naming the
// index and the value for NaN or Inf. `rng` is used (one next8() per element,
// element order 0..15, zero and flushed elements included) only for
// Rounding::stochastic and may be null otherwise.
Mx8Block mx8_encode(const float* in16, Rounding mode, SrRng* rng = nullptr);
// Exact decode: every MX8 value is an FP32 value.
void mx8_decode(const Mx8Block& b, float* out16);

}  // namespace pimlab::numerics
