// The input of `pimlab quantize`: FP32 values, one per line, as a decimal
// number or a 0x-prefixed 8-digit FP32 bit pattern (the command's --help and
// docs/numerics.md describe it). Kept apart from the command so the fuzz
// harness (fuzz/fuzz_quantize.cpp) feeds the same function.
#pragma once

#include <cstddef>
#include <iosfwd>
#include <string>
#include <vector>

namespace pimlab::cli {

// One input line (already trimmed, not empty) -> a finite FP32 value. Throws
// UsageError "line N: 'text' ..." for a malformed, non-finite or
// overflowing value.
float parse_quantize_value(const std::string& t, std::size_t line);

// Every value of the input, in order; blank lines are skipped (line numbers
// count them). Throws UsageError as parse_quantize_value, std::runtime_error
// when reading the stream fails.
std::vector<float> read_quantize_input(std::istream& in);

}  // namespace pimlab::cli
