#include "serving/cost.h"

namespace pimlab::serving {

void IterationCost::add(const IterationCost& c) {
  time_s += c.time_s;
  for (const auto& [k, v] : c.breakdown) {
    breakdown[k].time_s += v.time_s;
    breakdown[k].energy_j += v.energy_j;
  }
  host_energy_j += c.host_energy_j;
  dram_energy_j += c.dram_energy_j;
  pim_energy_j += c.pim_energy_j;
  cim_energy_j += c.cim_energy_j;
  host_busy_s += c.host_busy_s;
  pim_busy_s += c.pim_busy_s;
  cim_busy_s += c.cim_busy_s;
  cim_hidden_s += c.cim_hidden_s;
  cim_transfer_s += c.cim_transfer_s;
  cim_transfer_bytes += c.cim_transfer_bytes;
  host_bytes += c.host_bytes;
  host_flops += c.host_flops;
}

void IterationCost::charge(const std::string& category, double t, double e, double* place_j) {
  auto& b = breakdown[category];
  b.time_s += t;
  b.energy_j += e;
  if (place_j) *place_j += e;
}

}  // namespace pimlab::serving
