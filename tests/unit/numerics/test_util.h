// Helpers shared by the numerics tests: FP32 values written as bit patterns so
// that every expected value is exact and readable in hex.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "numerics/fp.h"

namespace numtest {

inline float F(std::uint32_t bits) { return pimlab::numerics::float_of(bits); }
inline std::uint32_t B(float f) { return pimlab::numerics::bits_of(f); }

// Catch prints integers in decimal; this makes failures readable.
inline std::string hex32(std::uint32_t u) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", static_cast<unsigned>(u));
  return buf;
}

}  // namespace numtest
