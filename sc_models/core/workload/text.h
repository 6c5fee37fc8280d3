// Line and field helpers shared by the workload readers (trace, snapshot, length tables):
// strict, locale-independent number parsing and "FILE:LINE: ..." errors.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace pimlab::workload::detail {

// `s` without surrounding spaces, tabs and a trailing CR.
std::string trim(const std::string& s);
// Fields of `line` split at `sep` (',') or, with sep == 0, at runs of spaces/tabs; each trimmed.
std::vector<std::string> split(const std::string& line, char sep);
// Throws std::invalid_argument("NAME:LINE: what").
[[noreturn]] void fail(const std::string& name, std::size_t line, const std::string& what);
// A decimal integer (digits only, no sign) that fits in uint64; nothing else.
bool parse_u64(const std::string& t, std::uint64_t& out);
// A finite decimal number ([+-]digits[.digits][e[+-]digits]), no hex, inf or nan.
bool parse_decimal(const std::string& t, double& out);
// "NAME:LINE: column 'col' is 'text', expected what" for field errors.
std::string field_error(const std::string& col, const std::string& text, const std::string& expected);

}  // namespace pimlab::workload::detail
