// Internals shared by the unit models of tlm_pim_rtl (not for users): the
// per-unit records behind model_totals(), the mismatch sink, and the factory
// each Verilated variant library defines (rtl_unit.cpp).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "tlm/hbm/unit_model.h"
#include "tlm/pim_rtl/rtl_unit.h"

namespace pimlab::tlm_pim_rtl::detail {

struct UnitRecord {
  std::string name, model;
  std::uint64_t busy_cycles = 0, cycles_clocked = 0, commands = 0;
  std::int64_t last_busy = 0;
  double seconds = 0;  // wall time spent in the model (RTL: clocking, bank ports, shadow twin)
  // Unit waves (RtlOptions::unit_waves).
  bool wave = false;
  int wave_busy = 0;
  std::vector<UnitWaveEvent> events;
  void wave_command(std::int64_t t, int op) {
    if (!wave) return;
    events.push_back({t, 1, static_cast<std::uint8_t>(op)});
    events.push_back({t + 1, 1, 0});
  }
  void wave_busy_at(std::int64_t t, int busy) {
    if (!wave || busy == wave_busy) return;
    wave_busy = busy;
    events.push_back({t, 0, static_cast<std::uint8_t>(busy)});
  }
};
// A record with a stable address for the unit's lifetime (the whole run).
UnitRecord& new_unit(const std::string& name, const std::string& model, bool wave);
// Keeps the first mismatch reported.
void report_mismatch(UnitMismatch m);
void add_trace_file(const std::string& path);
// What close_unit_traces() runs: one function per traced unit that writes the
// unit's last FST time and closes the file (safe on its own thread: each unit
// has its own Verilated context and FST writer), keyed by the unit.
void add_trace_closer(const void* unit, std::function<void()> close);
void remove_trace_closer(const void* unit);
std::string hex(const std::uint8_t* p, int n);  // byte 0 first, "0x.." per 32-bit little-endian word

// Defined by the variant library (rtl_unit.cpp, or rtl_none.cpp without RTL).
std::unique_ptr<tlm_hbm::PimUnitModel> make_rtl_unit(const tlm_hbm::PimUnitSite& site, const RtlOptions& opt,
                                                     UnitRecord& rec);

}  // namespace pimlab::tlm_pim_rtl::detail
