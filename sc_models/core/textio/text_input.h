// Text input files as users feed them (traces, tables): what is refused
// before parsing starts, and a line reader with a bound. A directory opens as
// a stream on Linux and reads as nothing or as an I/O error; /dev/zero and
// other binary input have no line end and would grow one line without limit.
// Both are bad input: std::invalid_argument naming the file (and the line).
#pragma once

#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>

namespace pimlab::textio {

// Longest line read_line accepts (characters, without the line end).
constexpr std::size_t kMaxLineLength = 65536;

// Throws std::invalid_argument naming what and the path when path does not
// exist or cannot be opened ("cannot open <what> '<path>' (...)"), is a
// directory or an empty regular file ("<what> '<path>': ...").
// Special files (a pipe, a device) pass: read_line bounds what they give.
void check_input_file(const std::string& path, const std::string& what);

// Reads the next line into `line` (the '\n' removed, a trailing '\r' too).
// Returns false at the end of the input with nothing read. Throws
// std::invalid_argument "<source>:<line_no>: ..." for a NUL byte (binary
// input) or a line longer than max_length, without reading further; and for a
// read error of the stream.
bool read_line(std::istream& is, std::string& line, const std::string& source, std::size_t line_no,
               std::size_t max_length = kMaxLineLength);

// A trace address token: "0x" (or "0X") and 1-16 hexadecimal digits. Empty
// for anything else (the caller names file, line and the allowed form).
std::optional<std::uint64_t> parse_hex_address(const std::string& token);

}  // namespace pimlab::textio
