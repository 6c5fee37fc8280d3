// The four Pimba-family designs as data (pim_commands.md): element width,
// COMP commands per round and per-command energy. A new design of the same
// command family is one more row.
#pragma once

#include <string>
#include <vector>

namespace pimlab::pim {

struct Variant {
  std::string name;            // pimlab name: "pimba", "hbm-pim", "time-multiplexed", "pipelined"
  std::string reference_name;  // the reference's spelling: "Pimba", "HBM-PIM", ...
  std::string description;
  int element_bytes = 1;       // state / KV element width (MX8: 1, FP16: 2)
  // COMP commands per round = chunk columns (32) x this factor.
  int su_comps_per_column = 2;    // state update
  int gemv_comps_per_column = 2;  // SCORE / ATTEND
  // Energy per event, pJ (the reference's table: ACT 0.11 pJ/bit x 1 KB row,
  // RD/WR 3.59 pJ/bit x 32 B, COMP 478.72).
  double act_pj = 901.12;
  double rdwr_pj = 919.04;
  double comp_pj = 478.72;
};

const std::vector<Variant>& variants();
std::vector<std::string> variant_names();
// Accepts the pimlab name or the reference spelling; throws std::invalid_argument
// naming the value and the allowed names.
const Variant& variant(const std::string& name);

}  // namespace pimlab::pim
