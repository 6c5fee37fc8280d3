// GPU hosts of the roofline model: the facts of one GPU as data (a struct),
// the built-in presets A100, H100 and B200, and a JSON host description.
// Where every preset number comes from: docs/gpu.md.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace pimlab::gpu {

// Energy per byte moved at each level of the memory hierarchy, and per
// arithmetic operation pair (one FLOP/2 = one multiply-accumulate).
struct EnergyTable {
  double hbm_pj_per_byte = 28.72;
  double l2_pj_per_byte = 2.4;
  double l1_pj_per_byte = 1.28;
  double reg_pj_per_byte = 0.0675;
  double alu_pj_per_mac = 0.32;  // per FLOP/2
  double link_pj_per_byte = 10.4;  // host <-> PIM device link (X2G): NVLink 1.3 pJ/bit (attacc_pim.md §9)
};

struct Host {
  std::string name;
  int sms = 0;                      // streaming multiprocessors: wave granularity
  double l1_bytes_per_sm = 0;       // L1 tile capacity check
  double l2_bytes = 0;              // L2 tile capacity check
  double peak_flops = 0;            // dense FP16/BF16 tensor FLOP/s (2-byte operands)
  double hbm_bytes_per_s = 0;       // peak HBM bandwidth
  double nvlink_bytes_per_s = 0;    // NVLink bandwidth per GPU (both directions together)
  int hbm_stacks = 0;               // HBM stacks: PIM channels = stacks x the pim_dram preset's channels
  double hbm_clock_mhz = 0;         // HBM clock (artifact-compatible mode: PIM cycles -> seconds)
  // The DRAM preset (dram/spec.h) of the HBM as Pimba-family PIM channels in
  // the faithful mode: one of pim_dram_names(). Artifact-compatible mode
  // always takes the artifact's 8 x stacks channels of hbm2-pimba.
  std::string pim_dram = "hbm2-pimba";
  double hbm_bytes = 0;             // HBM capacity (weights + KV/state must fit); 0 = unknown
  double max_compute_util = 0.8;    // roofline cap on peak_flops
  double max_memory_util = 0.85;    // roofline cap on hbm_bytes_per_s
  EnergyTable energy;
};

// The DRAM presets a host's HBM can take as Pimba-family PIM channels:
// "hbm2-pimba", "hbm3-5200", "hbm3-6400".
std::vector<std::string> pim_dram_names();

// Built-in presets, lower-case names: "a100", "h100", "b200".
std::vector<std::string> preset_names();
// The preset of that name (case-insensitive); std::invalid_argument naming the
// value and the allowed names otherwise.
const Host& preset(const std::string& name);

// A host from a JSON object. Keys: "base" (a preset name to start from;
// without it every number must be given), "name", "sms", "l1_bytes_per_sm",
// "l2_bytes", "peak_flops", "hbm_bytes_per_s", "nvlink_bytes_per_s",
// "hbm_stacks", "hbm_clock_mhz", "hbm_bytes" (capacity), "pim_dram", "max_compute_util", "max_memory_util",
// "energy" {hbm_pj_per_byte, l2_pj_per_byte, l1_pj_per_byte, reg_pj_per_byte,
// alu_pj_per_mac}. Unknown keys, wrong types and out-of-range values throw
// std::invalid_argument naming the key, the value and what is allowed.
Host host_from_json(const nlohmann::json& j);
// Reads a JSON host file; errors name the file.
Host host_from_file(const std::string& path);
// Validates every field (the same rules host_from_json applies).
void validate(const Host& h);
nlohmann::json to_json(const Host& h);

}  // namespace pimlab::gpu
