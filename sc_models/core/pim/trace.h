// The PIM trace text format (pim_commands.md, "Trace text format"):
// one command per line, `name ch pch`; the barrier carries four more fields,
// `refresh_barrier ch pch sched regs v_count comps`. Blank lines and lines
// starting with '#' are ignored on input.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "pim/command.h"

namespace pimlab::pim {

std::string format_trace_line(const Command& c);  // without the newline
void write_trace_line(std::ostream& os, const Command& c);

struct TraceLimits {
  int channels = 1024;      // channel ids must be < channels
  int pseudo_channels = 2;  // pch ids must be < pseudo_channels
  // Only the names the reference simulator's reader accepts
  // (act4_with_reg_{4,8,16,20}, precharge_with_result_{8,16}).
  bool reference_names_only = false;
};

// Parses one line. Throws std::invalid_argument "<source>:<line>: <what>".
// Returns false for a blank or comment line.
bool parse_trace_line(const std::string& line, const std::string& source, std::size_t line_no,
                      const TraceLimits& limits, Command& out);

// Reads a whole trace (file order). Throws std::invalid_argument with file and
// line for malformed input, a NUL byte or an over-long line (binary input), or
// when the file cannot be opened, is a directory or is empty.
std::vector<Command> read_trace_file(const std::string& path, const TraceLimits& limits);
std::vector<Command> read_trace(std::istream& is, const std::string& source, const TraceLimits& limits);

// The header comment `pimlab kernel --trace-out` writes as the first line:
//   # pimlab trace: family=pimba variant=pimba preset=hbm2-pimba channels=40
// (what the trace was generated for; `pimlab replay` takes it when the
// matching options are absent). Readers skip it like any comment; a trace
// without it is read as before.
struct TraceHeader {
  bool present = false;
  std::string family, variant, preset;  // empty: not given
  int channels = 0;                     // 0: not given
};
std::string format_trace_header(const TraceHeader& h);  // without the newline
// The header of `line`; present = false if the line is not a header. Throws
// std::invalid_argument "<source>:<line>: ..." for a malformed or unknown field.
TraceHeader parse_trace_header(const std::string& line, const std::string& source, std::size_t line_no);
// The header of a trace file (its first non-blank line), or present = false.
TraceHeader read_trace_header(const std::string& path);

}  // namespace pimlab::pim
