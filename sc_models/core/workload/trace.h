// (b) Request traces: CSV files with the header `arrival_s,input_tokens,output_tokens`
// and one request per line, in arrival order.
//
// Format (docs/workload.md): the first non-blank line must be the header, exactly those three
// names (spaces around a field are ignored, a trailing CR is dropped). Each further non-blank line
// holds three fields: arrival_s, a finite decimal >= 0 and not earlier than the previous row;
// input_tokens and output_tokens, decimal integers >= 1. A trace with no request is an error.
// Every error is a std::invalid_argument whose message starts with "FILE:LINE: ".
#pragma once

#include <iosfwd>
#include <string>

#include "workload/request.h"

namespace pimlab::workload {

// Reads the trace at `path` (an unreadable file is a std::invalid_argument naming it).
Requests read_trace(const std::string& path);
// Parses a trace from a stream; `name` is the file name used in error messages.
Requests parse_trace(std::istream& in, const std::string& name);
// Writes a trace that parse_trace reads back to the same requests, bit for bit
// (arrival times with 17 significant digits).
void write_trace(std::ostream& out, const Requests& requests);

}  // namespace pimlab::workload
