// HBM device description: organisation and timing, as data.
//
// A DramSpec is a plain value: the four presets come from the public
// configurations listed in docs/dram.md (one column each), and any field can be
// overridden from JSON. All timing values are in tCK cycles except tCK_ps.
// Every value that the sources leave open is documented next to the preset in
// spec.cpp and in docs/dram.md.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace pimlab::dram {

// Organisation of one device. Every count is a power of two (the address
// mapping slices bit fields). `columns` counts column accesses of one atom
// each, so columns * atom_bytes == page_bytes (a 1 KB page of 32 B atoms has
// 32 columns). `channels` is the number of channels the address mapping spans.
struct Organization {
  int channels = 0;
  int pseudo_channels = 0;  // per channel
  int bank_groups = 0;      // per pseudo-channel
  int banks_per_group = 0;
  int rows = 0;             // per bank
  int columns = 0;          // atom-sized column accesses per row
  int atom_bytes = 0;       // bytes moved by one RD/WR (one burst of one pseudo-channel)
  int page_bytes = 0;       // row buffer size per bank
};

// Timing in tCK cycles (except tCK_ps). Names follow JEDEC: S = different bank
// group, L = same bank group; RCDRD/RCDWR = ACT to RD/WR; RTPS/RTPL = RD to PRE
// (the L value applies within a bank, see docs/dram.md); RFC/REFI = all-bank
// refresh, RFCpb/REFIpb = per-bank refresh (REFIpb = interval between per-bank
// refresh commands of one pseudo-channel).
struct Timing {
  std::int64_t tCK_ps = 0;
  int nBL = 0, nCL = 0, nCWL = 0, nRCDRD = 0, nRCDWR = 0, nRP = 0, nRAS = 0, nRC = 0, nWR = 0,
      nRTPS = 0, nRTPL = 0, nCCDS = 0, nCCDL = 0, nRRDS = 0, nRRDL = 0, nWTRS = 0, nWTRL = 0,
      nFAW = 0, nRFC = 0, nRFCpb = 0, nREFI = 0, nREFIpb = 0;
};

// Supply voltage and IDD currents of one pseudo-channel for the energy model
// (dram/energy.h). IDD0: one bank activate-precharge; IDD2N / IDD3N:
// precharged / active standby; IDD4R / IDD4W: burst read / write; IDD5AB:
// all-bank refresh. Per pseudo-channel: the public HBM2 configuration these
// come from models a pseudo-channel as a rank of one device.
struct Power {
  int VDD_mV = 0;
  int IDD0 = 0, IDD2N = 0, IDD3N = 0, IDD4R = 0, IDD4W = 0, IDD5AB = 0;  // mA
};

struct DramSpec {
  std::string name;
  Organization org;
  Timing t;
  Power p;
};

// One of preset_names(); throws std::invalid_argument listing the allowed names.
const DramSpec& preset(const std::string& name);
// "hbm2-pimba", "hbm2-pim-samsung", "hbm3-6400", "hbm3-5200".
std::vector<std::string> preset_names();

// `base` with the fields present in `j` overridden. Accepted layout:
//   {"name": "...", "org": {"rows": 16384, ...}, "timing": {"nCL": 14, "tCK_ps": 1000, ...},
//    "power": {"VDD_mV": 1200, "IDD0": 65, ...}}
// Unknown keys, non-integer values and values out of range throw
// std::invalid_argument naming the key, the value and the allowed range; the
// result is checked as a whole with validate().
DramSpec spec_from_json(const nlohmann::json& j, const DramSpec& base);
nlohmann::json to_json(const DramSpec& s);

// Cross-field checks (powers of two, columns * atom_bytes == page_bytes,
// nREFI > nRFC, ...). Throws std::invalid_argument naming the field.
void validate(const DramSpec& s);

// Derived quantities used by the engine and the checker (docs/dram.md).
int banks_per_pseudo_channel(const Organization& o);
// Peak data rate of one pseudo-channel: one atom per max(nBL, nCCDS) cycles.
double peak_bytes_per_ns_per_pch(const DramSpec& s);

}  // namespace pimlab::dram
