#include "pim/trace.h"

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <istream>
#include <ostream>
#include <sstream>
#include <stdexcept>

#include "textio/text_input.h"

namespace pimlab::pim {

std::string format_trace_line(const Command& c) {
  std::string s = trace_name(c.kind, c.arg);
  s += ' ';
  s += std::to_string(c.ch);
  s += ' ';
  s += std::to_string(c.pch);
  if (c.kind == CmdKind::RefreshBarrier) {
    s += ' ' + std::to_string(c.sched) + ' ' + std::to_string(c.arg) + ' ' + std::to_string(c.v_count) +
         ' ' + std::to_string(c.comps);
  }
  return s;
}

void write_trace_line(std::ostream& os, const Command& c) { os << format_trace_line(c) << '\n'; }

namespace {

[[noreturn]] void fail(const std::string& source, std::size_t line_no, const std::string& what) {
  throw std::invalid_argument(source + ":" + std::to_string(line_no) + ": " + what);
}

long long to_int(const std::string& tok, const std::string& field, long long lo, long long hi,
                 const std::string& source, std::size_t line_no) {
  errno = 0;
  char* end = nullptr;
  long long v = std::strtoll(tok.c_str(), &end, 10);
  if (tok.empty() || *end != '\0' || errno == ERANGE)
    fail(source, line_no, field + " '" + tok + "' is not an integer");
  if (v < lo || v > hi)
    fail(source, line_no,
         field + " " + tok + " out of range [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
  return v;
}

bool suffix_arg(const std::string& name, const std::string& prefix, std::string& arg) {
  if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) return false;
  arg = name.substr(prefix.size());
  return true;
}

}  // namespace

bool parse_trace_line(const std::string& line, const std::string& source, std::size_t line_no,
                      const TraceLimits& limits, Command& out) {
  std::istringstream ss(line);
  std::vector<std::string> tok;
  for (std::string t; ss >> t;) tok.push_back(t);
  if (tok.empty() || tok[0][0] == '#') return false;
  Command c;
  const std::string& name = tok[0];
  std::string arg;
  std::size_t want = 3;
  if (name == "refresh_barrier") {
    c.kind = CmdKind::RefreshBarrier;
    want = 7;
  } else if (suffix_arg(name, "act4_with_reg_", arg)) {
    c.kind = CmdKind::Act4WithReg;
    c.arg = static_cast<std::uint32_t>(to_int(arg, "register-write count of '" + name + "'", 1, 4096, source, line_no));
    if (limits.reference_names_only && c.arg != 4 && c.arg != 8 && c.arg != 16 && c.arg != 20)
      fail(source, line_no, "'" + name + "' is not a command of the reference simulator (act4_with_reg_{4,8,16,20})");
  } else if (name == "act4") {
    c.kind = CmdKind::Act4;
  } else if (name == "reg_write") {
    c.kind = CmdKind::RegWrite;
  } else if (name == "comp") {
    c.kind = CmdKind::Comp;
  } else if (suffix_arg(name, "precharge_with_result_", arg)) {
    c.kind = CmdKind::PrechargeWithResult;
    c.arg = static_cast<std::uint32_t>(to_int(arg, "result count of '" + name + "'", 1, 4096, source, line_no));
    if (limits.reference_names_only && c.arg != 8 && c.arg != 16)
      fail(source, line_no,
           "'" + name + "' is not a command of the reference simulator (precharge_with_result_{8,16})");
  } else if (name == "precharge") {
    c.kind = CmdKind::Precharge;
  } else if (name == "result") {
    c.kind = CmdKind::Result;
  } else {
    fail(source, line_no,
         "unknown command '" + name +
             "' (allowed: refresh_barrier, act4_with_reg_<n>, act4, reg_write, comp, "
             "precharge_with_result_<r>, precharge, result)");
  }
  if (tok.size() != want)
    fail(source, line_no,
         "'" + name + "' needs " + std::to_string(want - 1) + " fields after the name, got " +
             std::to_string(tok.size() - 1));
  c.ch = static_cast<std::uint16_t>(to_int(tok[1], "channel", 0, limits.channels - 1, source, line_no));
  c.pch = static_cast<std::uint8_t>(to_int(tok[2], "pseudo-channel", 0, limits.pseudo_channels - 1, source, line_no));
  if (c.kind == CmdKind::RefreshBarrier) {
    c.sched = static_cast<std::uint8_t>(to_int(tok[3], "barrier sched", 0, 1, source, line_no));
    c.arg = static_cast<std::uint32_t>(to_int(tok[4], "barrier regs", 0, 1 << 20, source, line_no));
    c.v_count = static_cast<std::uint8_t>(to_int(tok[5], "barrier v_count", 1, 64, source, line_no));
    c.comps = static_cast<std::uint16_t>(to_int(tok[6], "barrier comps", 0, 65535, source, line_no));
  }
  out = c;
  return true;
}

std::vector<Command> read_trace(std::istream& is, const std::string& source, const TraceLimits& limits) {
  std::vector<Command> out;
  std::string line;
  std::size_t line_no = 0;
  Command c;
  while (textio::read_line(is, line, source, line_no + 1)) {
    ++line_no;
    if (parse_trace_line(line, source, line_no, limits, c)) out.push_back(c);
  }
  return out;
}

std::vector<Command> read_trace_file(const std::string& path, const TraceLimits& limits) {
  textio::check_input_file(path, "trace file");
  std::ifstream f(path);
  if (!f) throw std::invalid_argument("cannot open trace file '" + path + "'");
  return read_trace(f, path, limits);
}

// ---- header ----

namespace {
constexpr const char* kHeaderTag = "# pimlab trace:";
}

std::string format_trace_header(const TraceHeader& h) {
  std::string s = kHeaderTag;
  if (!h.family.empty()) s += " family=" + h.family;
  if (!h.variant.empty()) s += " variant=" + h.variant;
  if (!h.preset.empty()) s += " preset=" + h.preset;
  if (h.channels > 0) s += " channels=" + std::to_string(h.channels);
  return s;
}

TraceHeader parse_trace_header(const std::string& line, const std::string& source, std::size_t line_no) {
  TraceHeader h;
  const std::string tag = kHeaderTag;
  if (line.compare(0, tag.size(), tag) != 0) return h;
  h.present = true;
  std::istringstream ss(line.substr(tag.size()));
  for (std::string t; ss >> t;) {
    const auto eq = t.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == t.size())
      fail(source, line_no, "header field '" + t + "' is not key=value");
    const std::string key = t.substr(0, eq), value = t.substr(eq + 1);
    if (key == "family")
      h.family = value;
    else if (key == "variant")
      h.variant = value;
    else if (key == "preset")
      h.preset = value;
    else if (key == "channels")
      h.channels = static_cast<int>(to_int(value, "header channels", 1, 1024, source, line_no));
    else
      fail(source, line_no, "unknown header key '" + key + "' (allowed: family, variant, preset, channels)");
  }
  return h;
}

TraceHeader read_trace_header(const std::string& path) {
  textio::check_input_file(path, "trace file");
  std::ifstream f(path);
  if (!f) throw std::invalid_argument("cannot open trace file '" + path + "'");
  std::string line;
  // The header is the first line that is not blank.
  for (std::size_t line_no = 1; textio::read_line(f, line, path, line_no); ++line_no) {
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    return parse_trace_header(line, path, line_no);
  }
  return {};
}

}  // namespace pimlab::pim
