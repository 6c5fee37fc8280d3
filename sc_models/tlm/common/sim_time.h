// Simulated time in whole picoseconds, the unit every shell computes in:
// ps_of(t) is t.value() / sc_time(1, SC_PS).value() and time_of(ps) is
// sc_time(double(ps), SC_PS), without building an sc_time per call (the
// kernel's time resolution is fixed once the first non-zero time exists, so
// one picosecond's value is read once). Exact while ps x (resolution units per
// ps) < 2^53, i.e. for simulated times below 2.5 hours at a 1 fs resolution.
#pragma once

#include <cstdint>

#include <systemc>

namespace pimlab::tlm_common {

// sc_time(1, SC_PS).value(): resolution units per picosecond (>= 1). Building
// that time fixes the kernel's resolution, as building it on every conversion
// did.
inline std::uint64_t ps_units() {
  static const std::uint64_t units = static_cast<std::uint64_t>(sc_core::sc_time(1, sc_core::SC_PS).value());
  return units;
}
inline std::uint64_t ps_of(const sc_core::sc_time& t) { return t.value() / ps_units(); }
inline sc_core::sc_time time_of(std::uint64_t ps) { return sc_core::sc_time::from_value(ps * ps_units()); }

}  // namespace pimlab::tlm_common
