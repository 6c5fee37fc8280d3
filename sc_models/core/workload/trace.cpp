#include "workload/trace.h"

#include <cstdio>
#include <fstream>
#include <istream>
#include <ostream>
#include <stdexcept>

#include "workload/text.h"

namespace pimlab::workload {

using detail::fail;
using detail::field_error;

Requests parse_trace(std::istream& in, const std::string& name) {
  static const char* const kCols[3] = {"arrival_s", "input_tokens", "output_tokens"};
  Requests out;
  std::string line;
  std::size_t lineno = 0;
  bool header = false;
  double prev = 0;
  while (std::getline(in, line)) {
    ++lineno;
    if (detail::trim(line).empty()) continue;
    const auto f = detail::split(line, ',');
    if (!header) {
      if (f.size() != 3 || f[0] != kCols[0] || f[1] != kCols[1] || f[2] != kCols[2])
        fail(name, lineno, "expected the header 'arrival_s,input_tokens,output_tokens', got '" + detail::trim(line) + "'");
      header = true;
      continue;
    }
    if (f.size() != 3)
      fail(name, lineno, "expected 3 fields (arrival_s,input_tokens,output_tokens), got " + std::to_string(f.size()));
    Request r;
    if (!detail::parse_decimal(f[0], r.arrival_s) || r.arrival_s < 0)
      fail(name, lineno, field_error(kCols[0], f[0], "a finite number of seconds >= 0"));
    if (!detail::parse_u64(f[1], r.input_tokens) || r.input_tokens == 0)
      fail(name, lineno, field_error(kCols[1], f[1], "an integer >= 1"));
    if (!detail::parse_u64(f[2], r.output_tokens) || r.output_tokens == 0)
      fail(name, lineno, field_error(kCols[2], f[2], "an integer >= 1"));
    if (!out.empty() && r.arrival_s < prev) {
      char buf[96];
      std::snprintf(buf, sizeof buf, "arrival_s %.17g is earlier than the previous row's %.17g", r.arrival_s, prev);
      fail(name, lineno, std::string(buf) + " (rows must be in arrival order)");
    }
    prev = r.arrival_s;
    out.push_back(r);
  }
  if (in.bad()) throw std::invalid_argument(name + ": read error");
  if (!header) fail(name, lineno == 0 ? 1 : lineno, "empty file: expected the header 'arrival_s,input_tokens,output_tokens'");
  if (out.empty()) fail(name, lineno, "the trace has a header but no request");
  return out;
}

Requests read_trace(const std::string& path) {
  std::ifstream f(path);
  if (!f) throw std::invalid_argument("cannot open trace file '" + path + "'");
  return parse_trace(f, path);
}

void write_trace(std::ostream& out, const Requests& requests) {
  out << "arrival_s,input_tokens,output_tokens\n";
  char buf[96];
  for (const auto& r : requests) {
    std::snprintf(buf, sizeof buf, "%.17g,%llu,%llu\n", r.arrival_s,
                  static_cast<unsigned long long>(r.input_tokens), static_cast<unsigned long long>(r.output_tokens));
    out << buf;
  }
}

}  // namespace pimlab::workload
