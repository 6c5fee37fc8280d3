// IDD-based energy of plain DRAM traffic (the DRAMPower method), a pure
// function of command counts and standby cycles.
//
// Per pseudo-channel, with VDD and the IDD currents of the spec (dram/spec.h,
// Power; values and sources in docs/dram.md, "Energy"):
//   ACT   VDD (IDD0 - IDD3N) tRAS     per activate
//   PRE   VDD (IDD0 - IDD2N) tRP      per bank closed (a PREA of k open banks: k)
//   RD    VDD (IDD4R - IDD3N) nBL     per read burst
//   WR    VDD (IDD4W - IDD3N) nBL     per write burst
//   REF   VDD (IDD5AB - IDD3N) tRFC   per all-bank refresh of one pseudo-channel
//   REFPB REF / banks per pseudo-channel (one bank's share of the same refresh)
//   background VDD IDD3N per active-standby cycle, VDD IDD2N per precharged one
// times tCK. ACT + PRE = VDD (IDD0 tRC - IDD3N tRAS - IDD2N tRP) when tRC =
// tRAS + tRP: the activate energy of the DRAMsim3 IDD model.
#pragma once

#include <cstdint>

#include <nlohmann/json.hpp>

#include "dram/spec.h"
#include "stats/stats.h"

namespace pimlab::dram {

struct EnergyCounts {
  std::uint64_t act = 0;           // ACT commands
  std::uint64_t banks_closed = 0;  // banks closed by PRE / PREA
  std::uint64_t rd = 0, wr = 0;    // column commands (one burst each)
  std::uint64_t ref = 0;           // all-bank REF (one pseudo-channel each)
  std::uint64_t refpb = 0;         // per-bank REFPB
  std::int64_t active_cycles = 0;     // pseudo-channel cycles in active standby
  std::int64_t precharged_cycles = 0; // pseudo-channel cycles in precharged standby
  EnergyCounts& operator+=(const EnergyCounts& o);
};

// Energy of one event of each kind, pJ.
struct EnergyPerEvent {
  double act = 0, pre = 0, rd = 0, wr = 0, ref = 0, refpb = 0;
  double active_cycle = 0, precharged_cycle = 0;
};
EnergyPerEvent energy_per_event(const DramSpec& s);

struct EnergyBreakdown {
  double act_pj = 0, pre_pj = 0, rd_pj = 0, wr_pj = 0, ref_pj = 0;
  double active_background_pj = 0, precharged_background_pj = 0;
  double total_pj() const;
  // The stats schema (stats/stats.h), every term in pJ: act, pre, rd, wr,
  // ref, background_active, background_precharged.
  void collect(stats::Sink& sink) const;
  // Its value-only view (the energy_breakdown_pj of `pimlab replay --format mem`).
  nlohmann::json to_json() const;
};
EnergyBreakdown dram_energy(const DramSpec& s, const EnergyCounts& c);

}  // namespace pimlab::dram
