// OCP MX v1.0 block formats, following docs/numerics.md ("OCP MX formats").
#include "numerics/ocp_mx.h"

#include <array>
#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <string>

#include "numerics/fp.h"

namespace pimlab::numerics {

namespace {

// name, bits, ebits, mbits, bias, emax, max_normal
const MxElemInfo kInfo[] = {
    {"int8", 8, 0, 6, 0, 0, 127.0 / 64.0},      // 1.984375, two's complement with 2^-6 implied
    {"fp8-e4m3", 8, 4, 3, 7, 8, 448.0},         // S.1111.110 (S.1111.111 is NaN)
    {"fp8-e5m2", 8, 5, 2, 15, 15, 57344.0},     // S.11110.11 (exponent 11111 is Inf/NaN)
    {"fp6-e3m2", 6, 3, 2, 3, 4, 28.0},          // S.111.11
    {"fp6-e2m3", 6, 2, 3, 1, 2, 7.5},           // S.11.111
    {"fp4-e2m1", 4, 2, 1, 1, 2, 6.0},           // S.11.1
};

// 2^e as an FP32 value, e in [-149, 127].
float pow2f(int e) {
  if (e >= -126) return float_of(static_cast<std::uint32_t>(e + 127) << 23);
  return float_of(1u << (e + 149));
}

// sig * 2^s rounded to an integer, ties to even (sig < 2^24).
std::uint64_t scale_rne(std::uint32_t sig, int s) {
  if (s >= 0) return static_cast<std::uint64_t>(sig) << s;  // s is small here (checked by callers)
  const int r = -s;
  if (r >= 25) return 0;  // sig < 2^24 <= 2^(r-1): below half of one unit
  const std::uint64_t q = sig >> r;
  const std::uint64_t rem = sig & ((std::uint64_t{1} << r) - 1u);
  const std::uint64_t half = std::uint64_t{1} << (r - 1);
  return (rem > half || (rem == half && (q & 1u))) ? q + 1u : q;
}

// Number of significant bits of v (0 for 0).
inline int bit_length(std::uint64_t v) { return v ? 64 - __builtin_clzll(v) : 0; }

// FP element type: a magnitude in units of its smallest subnormal
// 2^(emin - M), emin = 1 - bias. N < 2^M is subnormal (field 0); otherwise the
// exponent field is bit_length(N) - M and the mantissa the M bits below the
// leading one.
std::uint64_t max_units(const MxElemInfo& in) {
  const int emin = 1 - in.bias;
  return static_cast<std::uint64_t>(std::ldexp(in.max_normal, in.mbits - emin));
}

std::uint8_t units_to_code(const MxElemInfo& in, std::uint64_t n, bool neg) {
  const unsigned M = static_cast<unsigned>(in.mbits);
  std::uint32_t field, man;
  if (n < (std::uint64_t{1} << M)) {
    field = 0;
    man = static_cast<std::uint32_t>(n);
  } else {
    const int e = bit_length(n) - 1 - static_cast<int>(M);  // n in [2^(M+e), 2^(M+e+1))
    field = static_cast<std::uint32_t>(e + 1);
    man = static_cast<std::uint32_t>((n >> e) - (std::uint64_t{1} << M));
  }
  const std::uint32_t code = (neg ? 1u << (in.bits - 1) : 0u) | (field << M) | man;
  return static_cast<std::uint8_t>(code);
}

}  // namespace

const MxElemInfo& mx_elem_info(MxElem e) { return kInfo[static_cast<int>(e)]; }

MxBlock mx_encode(MxElem et, const float* in32) {
  const MxElemInfo& in = mx_elem_info(et);
  // Step 1: reject NaN/Inf; find max|x| (as bits: the order of the magnitudes).
  std::uint32_t amax = 0;
  for (int i = 0; i < kMxBlock; ++i) {
    const std::uint32_t u = bits_of(in32[i]);
    if ((u & 0x7F800000u) == 0x7F800000u) {
      char buf[96];
      std::snprintf(buf, sizeof buf, "mx %s: element %d is %s (0x%08x); only finite values can be quantized",
                    in.name, i, (u & 0x7FFFFFu) ? "NaN" : ((u >> 31) ? "-Inf" : "+Inf"), static_cast<unsigned>(u));
      throw std::invalid_argument(buf);
    }
    if ((u & 0x7FFFFFFFu) > amax) amax = u & 0x7FFFFFFFu;
  }
  MxBlock b;
  // Step 2: shared exponent se = floor(log2(max|x|)) - emax, clamped below at
  // -127 (the smallest E8M0 scale); an all-zero block gets se = -127.
  int se = -127;
  if (amax != 0) {
    const int ea = static_cast<int>(amax >> 23);
    const int fl = ea ? ea - 127 : bit_length(amax) - 1 - 149;  // floor(log2) of a normal / subnormal
    se = fl - in.emax;
    if (se < -127) se = -127;
  }
  b.scale = static_cast<std::uint8_t>(se + 127);
  // Step 3: each element v = |x| / 2^se (exact), rounded to the element grid.
  const int emin = 1 - in.bias;
  static const std::array<std::uint64_t, 6> kMaxUnits = [] {
    std::array<std::uint64_t, 6> m{};
    for (int e = 0; e < 6; ++e) m[e] = e == 0 ? 127u : max_units(mx_elem_info(static_cast<MxElem>(e)));
    return m;
  }();
  const std::uint64_t nmax = kMaxUnits[static_cast<int>(et)];
  for (int i = 0; i < kMxBlock; ++i) {
    const std::uint32_t u = bits_of(in32[i]);
    const bool neg = (u >> 31) != 0;
    const int ex = static_cast<int>((u >> 23) & 0xFFu);
    // |x| = sig * 2^p
    const std::uint32_t sig = ex ? (0x800000u | (u & 0x7FFFFFu)) : (u & 0x7FFFFFu);
    const int p = ex ? ex - 150 : -149;
    if (et == MxElem::int8) {
      // q = RNE(v * 2^6) saturated to 127; the stored code is two's complement
      // (no negative zero: -0 and negatives rounding to 0 store 0).
      std::uint64_t n = sig ? scale_rne(sig, p - se + 6) : 0;
      if (n > nmax) n = nmax;
      const int q = neg ? -static_cast<int>(n) : static_cast<int>(n);
      b.codes[i] = static_cast<std::uint8_t>(static_cast<std::int8_t>(q));
      continue;
    }
    std::uint64_t n = 0;  // magnitude in units of 2^(emin - M) (of the scaled value)
    if (sig != 0) {
      // Exponent of v, the quantum 2^(max(ev, emin) - M) it is rounded to, and
      // the rounded magnitude in units of the smallest subnormal.
      const int ev = bit_length(sig) - 1 + p - se;
      const int qe = (ev > emin ? ev : emin) - in.mbits;
      // ev <= emax, so the left shift below is at most emax - emin + M <= 31 bits.
      const std::uint64_t k = scale_rne(sig, p - se - qe);
      n = k << (qe - (emin - in.mbits));
      if (n > nmax) n = nmax;  // saturate to the largest normal
    }
    b.codes[i] = units_to_code(in, n, neg);  // a value rounding to 0 keeps its sign
  }
  return b;
}

double mx_elem_value(MxElem et, std::uint8_t code) {
  const MxElemInfo& in = mx_elem_info(et);
  if (et == MxElem::int8) return std::ldexp(static_cast<double>(static_cast<std::int8_t>(code)), -6);
  const unsigned M = static_cast<unsigned>(in.mbits);
  const std::uint32_t c = code & ((1u << in.bits) - 1u);
  const bool neg = (c >> (in.bits - 1)) & 1u;
  const std::uint32_t field = (c >> M) & ((1u << in.ebits) - 1u);
  const std::uint32_t man = c & ((1u << M) - 1u);
  if (et == MxElem::fp8_e4m3 && field == 15 && man == 7) return std::nan("");
  if (et == MxElem::fp8_e5m2 && field == 31) return man ? std::nan("") : (neg ? -HUGE_VAL : HUGE_VAL);
  const int emin = 1 - in.bias;
  const double units = field ? static_cast<double>(((1u << M) | man) << (field - 1)) : static_cast<double>(man);
  const double v = std::ldexp(units, emin - static_cast<int>(M));
  return neg ? -v : v;
}

namespace {
// Every element value is (integer) * 2^unit: int8 unit 2^-6, FP unit
// 2^(emin - M). The table holds that integer (as a float: it has at most
// M + 1 significant bits, so it is exact) for each code; NaN/Inf codes hold NaN.
int unit_exponent(MxElem et) {
  const MxElemInfo& in = mx_elem_info(et);
  return et == MxElem::int8 ? -6 : 1 - in.bias - in.mbits;
}
const std::array<float, 256>& units_table(MxElem et) {
  static const auto tables = [] {
    std::array<std::array<float, 256>, 6> t{};
    for (int e = 0; e < 6; ++e) {
      const auto et = static_cast<MxElem>(e);
      for (int c = 0; c < 256; ++c) {
        const double v = mx_elem_value(et, static_cast<std::uint8_t>(c));
        t[e][c] = std::isfinite(v) ? static_cast<float>(std::ldexp(v, -unit_exponent(et))) : NAN;
      }
    }
    return t;
  }();
  return tables[static_cast<int>(et)];
}
}  // namespace

void mx_decode(MxElem et, const MxBlock& b, float* out32) {
  const MxElemInfo& in = mx_elem_info(et);
  if (b.scale == 0xFF) throw std::invalid_argument(std::string("mx ") + in.name + ": scale code 255 is NaN");
  const int se = static_cast<int>(b.scale) - 127;
  const float step = pow2f(se + unit_exponent(et));  // se + unit >= -127 - 16 = -143
  const std::array<float, 256>& table = units_table(et);
  const std::uint8_t mask = static_cast<std::uint8_t>((1u << in.bits) - 1u);
  for (int i = 0; i < kMxBlock; ++i) {
    const float units = table[b.codes[i] & mask];
    if (std::isnan(units))
      throw std::invalid_argument(std::string("mx ") + in.name + ": element " + std::to_string(i) +
                                  " holds a NaN/Inf code");
    // The integer times the power of two is exact (or out of range, which
    // the encoder never produces).
    const float r = units * step;
    if (!std::isfinite(r))
      throw std::invalid_argument(std::string("mx ") + in.name + ": element " + std::to_string(i) +
                                  " overflows FP32 with scale code " + std::to_string(b.scale));
    out32[i] = r;
  }
}

}  // namespace pimlab::numerics
