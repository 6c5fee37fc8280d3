// The Newton / NeuPIMs transaction trace text format (docs/pim_protocols.md,
// "Newton / NeuPIMs family"): one transaction per line,
//   pim TYPE 0xADDR      (TYPE: GWRITE, P_HEADER, COMP, READRES, COMPS_READRES)
//   mem TYPE 0xADDR      (TYPE: READ, WRITE)
// the address encoded as newton.h describes (35 bits, hexadecimal with 0x);
// `#` starts a comment, blank lines are ignored. The two kinds form the two
// queues the driver replays (run_newton). `pimlab kernel --family neupims
// --trace-out` writes this format; `pimlab replay --format newton` reads it.
#pragma once

#include <iosfwd>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "pim/newton_controller.h"

namespace pimlab::pim {

// Per channel (the address's channel field) its two queues. Throws
// std::invalid_argument "SOURCE:LINE: what" for an unknown queue or
// transaction type, a malformed or out-of-range address, missing or extra
// fields; "cannot open trace file" for a missing file.
// With `type`, a transaction that flavour does not accept (neupims_pim.md §2)
// is an error of its line too.
std::map<int, NewtonWorkload> read_newton_trace(std::istream& in, const std::string& source, PimType type);
std::map<int, NewtonWorkload> read_newton_trace_file(const std::string& path, PimType type);
// The reason `type` refuses `t`, or empty if it accepts it.
std::string newton_refusal(PimType type, const Txn& t);
// Writes `w` (pim lines, then mem lines).
void write_newton_trace(std::ostream& os, const NewtonWorkload& w);

// Counters of several channels: cycles = the largest, the rest summed.
void accumulate(NewtonCounters& total, const NewtonCounters& c);
// The result keys of `pimlab replay --format newton` and `pimlab kernel
// --family neupims`: cycles, responses, num_*_cmds, energy_pj.
nlohmann::json newton_json(const NewtonCounters& c);

}  // namespace pimlab::pim
