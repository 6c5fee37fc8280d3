// Pimba MX8: encode, decode and the packed 16-byte layout, following
// docs/numerics.md ("Pimba MX8") step by step.
#include "numerics/mx8.h"

#include <cstdio>
#include <stdexcept>
#include <string>

#include "numerics/fp.h"

namespace pimlab::numerics {

namespace {

std::string describe_bits(std::uint32_t u) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s (0x%08x)",
                (u & 0x007FFFFFu) ? "NaN" : ((u >> 31) ? "-Inf" : "+Inf"), static_cast<unsigned>(u));
  return buf;
}

// 2^(pe - 132) as an FP32 value (0 <= pe <= 254, so the exponent lies in
// -132..122: a normal or subnormal power of two, never zero or Inf).
inline float mx8_unit(unsigned pe) {
  const int e = static_cast<int>(pe) - 132;
  if (e >= -126) return float_of(static_cast<std::uint32_t>(e + 127) << 23);
  return float_of(1u << (e + 149));
}

}  // namespace

namespace {
// The 7-bit field {sign, m} of element i: bits [7i+6 : 7i] of the 112-bit
// little-endian field in bytes 0..13 (lo = bytes 0..7, hi = bytes 8..13).
struct Mx8Fields112 {
  std::uint64_t lo = 0, hi = 0;
  explicit Mx8Fields112(const Mx8Block& b) {
    for (int k = 7; k >= 0; --k) lo = (lo << 8) | b.bytes[k];
    for (int k = 13; k >= 8; --k) hi = (hi << 8) | b.bytes[k];
  }
  unsigned operator[](int i) const {
    const int bit = 7 * i;
    if (bit + 7 <= 64) return static_cast<unsigned>(lo >> bit) & 0x7Fu;
    if (bit >= 64) return static_cast<unsigned>(hi >> (bit - 64)) & 0x7Fu;
    return static_cast<unsigned>((lo >> bit) | (hi << (64 - bit))) & 0x7Fu;  // element 9: bits 63..69
  }
};
}  // namespace

Mx8Fields mx8_unpack_fields(const Mx8Block& b) {
  Mx8Fields f;
  const Mx8Fields112 fields(b);
  for (int i = 0; i < kMx8Block; ++i) {
    const unsigned v = fields[i];
    f.sign[i] = (v >> 6) != 0;
    f.mag[i] = static_cast<std::uint8_t>(v & 0x3Fu);
  }
  f.shared_exp = b.bytes[14];
  for (int j = 0; j < 8; ++j) f.pair_low[j] = ((b.bytes[15] >> j) & 1u) != 0;
  return f;
}

Mx8Block mx8_pack_fields(const Mx8Fields& f) {
  Mx8Block b;
  for (int i = 0; i < kMx8Block; ++i) {
    if (f.mag[i] > 63) throw std::invalid_argument("mx8: element " + std::to_string(i) + " magnitude " +
                                                   std::to_string(f.mag[i]) + " does not fit 6 bits (0..63)");
    const unsigned v = (f.sign[i] ? 0x40u : 0u) | f.mag[i];
    const int bit = 7 * i;
    const int byte = bit / 8, off = bit % 8;
    b.bytes[byte] = static_cast<std::uint8_t>(b.bytes[byte] | (v << off));
    if (off > 1) b.bytes[byte + 1] = static_cast<std::uint8_t>(b.bytes[byte + 1] | (v >> (8 - off)));
  }
  b.bytes[14] = f.shared_exp;
  std::uint8_t low = 0;
  for (int j = 0; j < 8; ++j) low = static_cast<std::uint8_t>(low | (f.pair_low[j] ? 1u << j : 0u));
  b.bytes[15] = low;
  return b;
}

Mx8Block mx8_encode(const float* in16, Rounding mode, SrRng* rng) {
  if (mode == Rounding::stochastic && rng == nullptr)
    throw std::invalid_argument("mx8_encode: stochastic rounding needs a generator (rng is null)");
  // Steps 1-2: reject NaN/Inf; split into sign, biased exponent e and the
  // 24-bit significand (0 for zeros and FP32 subnormals).
  std::uint32_t sig[kMx8Block];
  unsigned e[kMx8Block];
  bool sign[kMx8Block];
  unsigned E = 0;
  for (int i = 0; i < kMx8Block; ++i) {
    const std::uint32_t u = bits_of(in16[i]);
    const unsigned ei = (u >> 23) & 0xFFu;
    if (ei == 0xFF)
      throw std::invalid_argument("mx8: element " + std::to_string(i) + " is " + describe_bits(u) +
                                  "; only finite values can be quantized");
    sign[i] = (u >> 31) != 0;
    e[i] = ei;
    sig[i] = ei ? (0x800000u | (u & 0x7FFFFFu)) : 0u;
    // Step 3: E is the largest biased exponent of the block.
    if (ei > E) E = ei;
  }
  Mx8Fields f;
  f.shared_exp = static_cast<std::uint8_t>(E);
  for (int j = 0; j < kMx8Block / 2; ++j) {
    // Step 3: a pair whose two exponents are both below E uses E - 1.
    const bool low = E > 0 && e[2 * j] < E && e[2 * j + 1] < E;
    f.pair_low[j] = low;
    const unsigned pe = low ? E - 1 : E;
    for (int k = 0; k < 2; ++k) {
      const int i = 2 * j + k;
      // Step 4: align to the pair exponent and keep 6 bits from bit 23.
      const unsigned d = pe - e[i];  // >= 0 (zeros have e = 0)
      const unsigned shift = 18 + d;
      std::uint64_t m;
      if (mode == Rounding::nearest) {
        m = shift > 40 ? 0 : (static_cast<std::uint64_t>(sig[i]) + (std::uint64_t{1} << (17 + d))) >> shift;
      } else {
        const std::uint64_t r = rng->next8();  // one draw per element, zeros included
        m = shift > 40 ? 0 : (static_cast<std::uint64_t>(sig[i]) + (r << (10 + d))) >> shift;
      }
      // Step 5: a carry out of the 6-bit field saturates to 63.
      if (m == 64) m = 63;
      // Step 6: m = 0 stores a zero of the value's sign.
      f.sign[i] = sign[i];
      f.mag[i] = static_cast<std::uint8_t>(m);
    }
  }
  return mx8_pack_fields(f);
}

void mx8_decode(const Mx8Block& b, float* out16) {
  const unsigned E = b.bytes[14];
  const unsigned low = b.bytes[15];
  // Blocks the encoder never writes (finite inputs give E <= 254, and a pair
  // can use E - 1 only when E > 0) have no FP32 meaning: reject them.
  if (E == 0xFF)
    throw std::invalid_argument("mx8: shared exponent 255 is not a valid block (finite inputs give 0..254)");
  if (E == 0 && low != 0) {
    int j = 0;
    while (((low >> j) & 1u) == 0) ++j;
    throw std::invalid_argument("mx8: pair " + std::to_string(j) +
                                " uses the micro-exponent in a block whose shared exponent is 0");
  }
  // Step 7: value = m * 2^(pe - 132), exact in FP32 (m < 64: a multiple of 2^-132 below 2^128).
  const float unit_hi = mx8_unit(E);
  const float unit_lo = E > 0 ? mx8_unit(E - 1) : unit_hi;
  const Mx8Fields112 fields(b);
  for (int i = 0; i < kMx8Block; ++i) {
    const unsigned v = fields[i];
    const float unit = ((low >> (i / 2)) & 1u) ? unit_lo : unit_hi;
    const float mag = static_cast<float>(v & 0x3Fu) * unit;  // m = 0 gives +0
    out16[i] = (v & 0x40u) ? -mag : mag;
  }
}

}  // namespace pimlab::numerics
