#include "golden_cim/lut_exp.h"

#include <stdexcept>
#include <string>

namespace pimlab::golden_cim {

const std::array<std::uint16_t, 128>& exp_table() {
  // round(2^(-d/128) * 2^16) for d = 0..127, T[0] = 65536 saturated to 65535.
  // The nearest any entry comes to a rounding tie is 0.0043 of a step, so the
  // constants do not depend on the libm that computed them (checked in
  // tests/unit/golden_cim against std::exp2).
  static const std::array<std::uint16_t, 128> t = {
      65535, 65182, 64830, 64480, 64132, 63785, 63441, 63098, 62757, 62419, 62081, 61746, 61413, 61081, 60751,
      60423, 60097, 59772, 59449, 59128, 58809, 58491, 58176, 57861, 57549, 57238, 56929, 56622, 56316, 56012,
      55709, 55408, 55109, 54811, 54515, 54221, 53928, 53637, 53347, 53059, 52773, 52488, 52204, 51922, 51642,
      51363, 51085, 50810, 50535, 50262, 49991, 49721, 49452, 49185, 48920, 48655, 48393, 48131, 47871, 47613,
      47356, 47100, 46846, 46593, 46341, 46091, 45842, 45594, 45348, 45103, 44859, 44617, 44376, 44137, 43898,
      43661, 43425, 43191, 42958, 42726, 42495, 42265, 42037, 41810, 41584, 41360, 41136, 40914, 40693, 40473,
      40255, 40037, 39821, 39606, 39392, 39180, 38968, 38757, 38548, 38340, 38133, 37927, 37722, 37518, 37316,
      37114, 36914, 36715, 36516, 36319, 36123, 35928, 35734, 35541, 35349, 35158, 34968, 34779, 34591, 34405,
      34219, 34034, 33850, 33667, 33486, 33305, 33125, 32946};
  return t;
}

ExpFields exp_fields(std::int32_t delta_code, ExpVariant v) {
  if (delta_code > 0 || delta_code < kMinDeltaCode)
    throw std::invalid_argument("exp input code " + std::to_string(delta_code) + " is outside [-32768, 0]");
  ExpFields f{};
  f.t24 = (-static_cast<std::int64_t>(delta_code) * kLog2e + (std::int64_t{1} << 15)) >> 16;
  f.q = static_cast<int>(f.t24 >> 24);
  f.d = static_cast<int>((f.t24 >> 17) & 127);
  f.r = f.t24 & ((std::int64_t{1} << 17) - 1);
  const std::int64_t T = exp_table()[static_cast<std::size_t>(f.d)];
  std::int64_t m = T << 8;
  if (v == ExpVariant::B) m -= (T * f.r * kLn2 + (std::int64_t{1} << 31)) >> 32;
  f.m = static_cast<std::uint32_t>(m);
  return f;
}

std::uint32_t lut_exp(std::int64_t delta_code, ExpVariant v) {
  if (delta_code > 0) throw std::invalid_argument("exp input code " + std::to_string(delta_code) + " is positive (delta = x - max <= 0)");
  if (delta_code < kMinDeltaCode) return 0;
  const ExpFields f = exp_fields(static_cast<std::int32_t>(delta_code), v);
  if (f.q >= 25) return 0;
  return static_cast<std::uint32_t>((static_cast<std::uint64_t>(f.m) + ((std::uint64_t{1} << f.q) >> 1)) >> f.q);
}

const char* variant_name(ExpVariant v) { return v == ExpVariant::A ? "A" : "B"; }

}  // namespace pimlab::golden_cim
