// The AttAcc calibration table (tests/data/attacc/attacc_calibration.csv):
// one attention kernel per row with the reference simulator's cycles, request
// counts and wall time.
#pragma once

#include <string>
#include <vector>

#include "firmware/attacc/generator.h"

namespace pimlab::firmware::attacc {

struct CalibrationRow {
  AttentionSpec spec;        // artifact_compatible = true
  std::string preset;        // pimlab preset name, e.g. "attacc-hbm3-5.2-npc"
  long long cycles = 0;
  long long mac_ab = 0, mac_sb = 0, mac_pb = 0, wrgb = 0, mvsb = 0, mvgb = 0, sfm = 0;
  double wall_s = 0;         // 0 when absent
};

// "HBM3_5.2Gbps_NPC" -> "attacc-hbm3-5.2-npc"; throws std::invalid_argument.
std::string preset_from_artifact(const std::string& name);
// Throws std::invalid_argument naming the file, line and field.
std::vector<CalibrationRow> read_calibration(const std::string& path);

}  // namespace pimlab::firmware::attacc
