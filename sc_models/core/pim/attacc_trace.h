// The AttAcc request trace text format (docs/pim_protocols.md, "AttAcc
// HBM3-PIM", "Traces"): what `pimlab kernel --family attacc --trace-out`
// writes and `pimlab replay --format attacc` reads. One request per line,
//   MNEMONIC 0xADDR
// MNEMONIC one of PIM_MAC_AB, PIM_MAC_SB, PIM_MAC_PB, PIM_WR_GB, PIM_MV_SB,
// PIM_MV_GB, PIM_SFM, PIM_BARRIER (attacc.h), the address as attacc.h encodes
// it (channel in bits 30 and up, hexadecimal with 0x); `#` starts a comment,
// blank lines are ignored. The lines are the global trace in order: the
// lockstep front-end of run_attacc_stack feeds them as they come. The first
// line is the pim/trace.h header with family=attacc, variant=<placement>,
// preset=<DRAM preset>, channels=<channels of the stack>.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "dram/spec.h"
#include "pim/attacc.h"
#include "pim/trace.h"

namespace pimlab::pim {

// Throws std::invalid_argument "SOURCE:LINE: what" for an unknown mnemonic, a
// malformed address or one whose channel is not below `channels`, missing or
// extra fields; textio's errors for over-long lines and binary input.
std::vector<AttaccStatement> read_attacc_trace(std::istream& in, const std::string& source, int channels);
// The same for a file (missing, directory and empty files refused by name).
std::vector<AttaccStatement> read_attacc_trace_file(const std::string& path, int channels);
// The header line, then one line per statement.
void write_attacc_trace(std::ostream& os, const TraceHeader& header, const std::vector<AttaccStatement>& trace);

// The result keys of `pimlab kernel --family attacc` and `pimlab replay
// --format attacc`: cycles (DRAM clock), time_ns, mac_ab, mac_sb, mac_pb,
// wrgb, mvsb, mvgb, sfm (requests), energy_pj, barriers, refreshes and the
// issued commands per class.
nlohmann::json attacc_json(const AttaccResult& r, const dram::DramSpec& spec, AttaccPlacement placement,
                           bool artifact_compatible);

}  // namespace pimlab::pim
