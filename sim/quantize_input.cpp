// The input of `pimlab quantize` (quantize_input.h).
#include "quantize_input.h"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <istream>
#include <stdexcept>

#include "cli.h"

namespace pimlab::cli {

namespace {

std::string trim(const std::string& s) {
  std::size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

bool is_hex_pattern(const std::string& t) {
  if (t.size() != 10 || t[0] != '0' || (t[1] != 'x' && t[1] != 'X')) return false;
  for (std::size_t i = 2; i < t.size(); ++i)
    if (!std::isxdigit(static_cast<unsigned char>(t[i]))) return false;
  return true;
}

// [+-]? (digits (. digits?)? | . digits) ([eE] [+-]? digits)?
bool is_decimal(const std::string& t) {
  std::size_t i = 0, n = t.size();
  auto digits = [&] {
    std::size_t s = i;
    while (i < n && std::isdigit(static_cast<unsigned char>(t[i]))) ++i;
    return i - s;
  };
  if (i < n && (t[i] == '+' || t[i] == '-')) ++i;
  std::size_t mant = digits();
  if (i < n && t[i] == '.') {
    ++i;
    mant += digits();
  }
  if (mant == 0) return false;
  if (i < n && (t[i] == 'e' || t[i] == 'E')) {
    ++i;
    if (i < n && (t[i] == '+' || t[i] == '-')) ++i;
    if (digits() == 0) return false;
  }
  return i == n;
}

// "nan", "inf", "infinity" in any case, with an optional sign: returns what
// the word means ("NaN", "+Inf", "-Inf"), or "" for anything else.
std::string special_word(std::string t) {
  const bool neg = !t.empty() && t[0] == '-';
  if (!t.empty() && (t[0] == '+' || t[0] == '-')) t = t.substr(1);
  for (auto& c : t) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (t == "nan") return "NaN";
  if (t == "inf" || t == "infinity") return neg ? "-Inf" : "+Inf";
  return "";
}

std::string special_name(std::uint32_t u) {
  if (u & 0x007FFFFFu) return "NaN";
  return (u >> 31) ? "-Inf" : "+Inf";
}

}  // namespace

float parse_quantize_value(const std::string& t, std::size_t line) {
  const std::string where = "line " + std::to_string(line) + ": '" + t + "'";
  if (is_hex_pattern(t)) {
    const auto u = static_cast<std::uint32_t>(std::strtoul(t.c_str() + 2, nullptr, 16));
    if ((u & 0x7F800000u) == 0x7F800000u)
      throw UsageError(where + " is " + special_name(u) + "; only finite values can be quantized");
    float f;
    std::memcpy(&f, &u, sizeof f);
    return f;
  }
  if (const std::string w = special_word(t); !w.empty())
    throw UsageError(where + " is " + w + "; only finite values can be quantized");
  if (!is_decimal(t)) {
    std::string hint;
    if (t.size() > 1 && (t.compare(0, 2, "0x") == 0 || t.compare(0, 2, "0X") == 0))
      hint = " (an FP32 bit pattern is 0x followed by exactly 8 hex digits)";
    else if (t.size() > 2 && (t[0] == '-' || t[0] == '+') && (t.compare(1, 2, "0x") == 0 || t.compare(1, 2, "0X") == 0))
      hint = " (an FP32 bit pattern takes no sign)";
    throw UsageError(where + " is not a number" + hint);
  }
  // strtof rounds the decimal to the nearest FP32 value (ties to even) in one
  // step; an FP32 underflow gives the correctly rounded subnormal or zero.
  errno = 0;
  const float v = std::strtof(t.c_str(), nullptr);
  if (std::isinf(v)) throw UsageError(where + " overflows FP32 (magnitude above 3.4028235e38)");
  return v;
}

std::vector<float> read_quantize_input(std::istream& in) {
  std::vector<float> values;
  std::string line;
  std::size_t lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    const std::string t = trim(line);
    if (t.empty()) continue;
    values.push_back(parse_quantize_value(t, lineno));
  }
  if (in.bad()) throw std::runtime_error("reading stdin failed");
  return values;
}

}  // namespace pimlab::cli
