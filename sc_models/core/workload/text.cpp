#include "workload/text.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <stdexcept>

namespace pimlab::workload::detail {

namespace {
bool blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
}  // namespace

std::string trim(const std::string& s) {
  std::size_t b = 0, e = s.size();
  while (b < e && blank(s[b])) ++b;
  while (e > b && blank(s[e - 1])) --e;
  return s.substr(b, e - b);
}

std::vector<std::string> split(const std::string& line, char sep) {
  std::vector<std::string> out;
  if (sep != 0) {
    std::size_t start = 0;
    for (;;) {
      const std::size_t p = line.find(sep, start);
      out.push_back(trim(line.substr(start, p == std::string::npos ? std::string::npos : p - start)));
      if (p == std::string::npos) break;
      start = p + 1;
    }
    return out;
  }
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && blank(line[i])) ++i;
    if (i == line.size()) break;
    std::size_t j = i;
    while (j < line.size() && !blank(line[j])) ++j;
    out.push_back(line.substr(i, j - i));
    i = j;
  }
  return out;
}

void fail(const std::string& name, std::size_t line, const std::string& what) {
  throw std::invalid_argument(name + ":" + std::to_string(line) + ": " + what);
}

bool parse_u64(const std::string& t, std::uint64_t& out) {
  if (t.empty()) return false;
  for (char c : t)
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  const auto r = std::from_chars(t.data(), t.data() + t.size(), out);
  return r.ec == std::errc() && r.ptr == t.data() + t.size();
}

bool parse_decimal(const std::string& t, double& out) {
  // Grammar check first: from_chars alone would also take "inf", "nan" and hex forms.
  std::size_t i = 0, n = t.size(), mant = 0;
  if (i < n && (t[i] == '+' || t[i] == '-')) ++i;
  while (i < n && std::isdigit(static_cast<unsigned char>(t[i]))) ++i, ++mant;
  if (i < n && t[i] == '.') {
    ++i;
    while (i < n && std::isdigit(static_cast<unsigned char>(t[i]))) ++i, ++mant;
  }
  if (mant == 0) return false;
  if (i < n && (t[i] == 'e' || t[i] == 'E')) {
    ++i;
    if (i < n && (t[i] == '+' || t[i] == '-')) ++i;
    std::size_t ed = 0;
    while (i < n && std::isdigit(static_cast<unsigned char>(t[i]))) ++i, ++ed;
    if (ed == 0) return false;
  }
  if (i != n) return false;
  const char* b = t.data();
  if (*b == '+') ++b;  // from_chars takes no leading '+'
  const auto r = std::from_chars(b, t.data() + n, out);
  return r.ec == std::errc() && r.ptr == t.data() + n && std::isfinite(out);
}

std::string field_error(const std::string& col, const std::string& text, const std::string& expected) {
  return "column '" + col + "' is '" + text + "', expected " + expected;
}

}  // namespace pimlab::workload::detail
