// The Verilated PIM unit (rtl/pim_pu) as a unit model of the HBM channel's PIM
// path (tlm/hbm/unit_model.h), plus a monitored behavioural model, for
// co-simulation (docs/cosim.md).
//
// Scheme (exact, no SystemC event per clock): the channel hands each unit its
// commands with their absolute channel cycle. The wrapper keeps the RTL's
// current cycle and, before presenting a command in cycle t, clocks the model
// edge by edge through every cycle before t with an idle command port (bank
// reads and write-backs are served from the open rows in those cycles). Cycle
// n spans [n*tCK, (n+1)*tCK) ps: inputs change at n*tCK, the clock falls at
// n*tCK + tCK/2 and rises at (n+1)*tCK (the edge that ends cycle n); the FST is
// dumped with exactly these times, so it lines up with the channel's VCD
// (which shows a command issued in cycle n from n*tCK for one tCK).
//
// Shadow check (on by default): each RTL unit drives a behavioural twin
// (pim/unit.h) with the same commands in the same cycles over private copies
// of the open rows, and compares in every cycle: busy_o, every bank write-back
// (cycle, bank, atom, 32 bytes), every RESULT's data; at the end of each
// kernel the row contents and the error causes. The first difference is
// recorded (first_mismatch()) with unit, cycle, simulated time, the unit
// command that caused it and both values in hex.
//
// The Verilated library is chosen at link time (one per variant: plain,
// FST-traced, planted faults); Verilator headers appear only in rtl_unit.cpp.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace pimlab::tlm_pim_rtl {

struct RtlOptions {
  std::string trace_dir;      // non-empty: one FST per RTL unit, <trace_dir>/<unit name>.fst
  bool shadow_check = true;   // compare every RTL unit with a behavioural twin cycle by cycle
  std::uint32_t seed = 1;     // Verilator X-initialisation seed (--x-initial unique)
  bool unit_waves = false;    // record every unit's busy mask and commands for the channel VCD
};

// Registers "rtl" (the Verilated unit) and "behavioural" (the behavioural unit
// with a busy-cycle monitor) in the channel's unit-model registry. Call before
// the channels are constructed. Throws std::runtime_error for a trace
// directory on a build without FST support.
void register_unit_models(const RtlOptions& opt);

// The variant of the Verilated library this program links: "plain", "trace",
// "bug_rounding", ...; "none" when pimlab was built without RTL.
const char* rtl_variant();
bool rtl_available();
bool rtl_can_trace();

struct UnitMismatch {
  std::string unit;            // hierarchical name of the unit
  std::string what;            // "write-back bank A atom 5", "RESULT bank B group 2", "busy_o", ...
  std::int64_t cycle = 0;      // channel cycle in which the difference shows
  std::uint64_t time_ps = 0;   // cycle * tCK
  std::uint64_t unit_command = 0;  // index (from 0, per unit, whole run) of the command that caused it
  std::string command;         // that command, decoded
  std::string expected, actual;  // hex
};
// The first difference any shadow check found (nullptr: none so far).
const UnitMismatch* first_mismatch();

// Per unit model kind ("rtl", "behavioural"): units, unit cycles clocked
// (RTL only), cycles in which some bank of a unit was busy, commands, write-backs.
struct ModelTotals {
  std::string model;
  int units = 0;
  std::uint64_t cycles_clocked = 0;
  std::uint64_t busy_cycles = 0;
  std::uint64_t commands = 0;
  std::int64_t last_effect_cycle = 0;  // latest cycle in which any unit of this kind was busy
  double seconds = 0;                  // wall time inside the units (RTL only)
};
std::vector<ModelTotals> model_totals();
// Per-unit busy cycles of one unit by name (-1: unknown unit).
std::int64_t unit_busy_cycles(const std::string& unit);
// Unit waves (RtlOptions::unit_waves): per unit, its busy mask (busy_o) and the
// opcode of the command it receives (held for one cycle, 0 = none), as events
// at channel cycles; the caller replays them into the channel's VCD.
struct UnitWaveEvent {
  std::int64_t cycle;
  std::uint8_t kind;   // 0: busy mask, 1: command opcode
  std::uint8_t value;
};
std::vector<std::string> wave_units();  // hierarchical names, index = unit index below
std::vector<UnitWaveEvent> take_wave_events(std::size_t unit);

// FST files written so far (traced runs).
std::vector<std::string> trace_files();
// Closes every traced RTL unit's FST now, several at once (closing one writes
// what its writer still holds: ~0.1 s each, sequentially seconds for 16 units).
// Call once the simulation is over; the units dump nothing more.
void close_unit_traces();

}  // namespace pimlab::tlm_pim_rtl
