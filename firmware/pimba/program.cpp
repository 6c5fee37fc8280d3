#include "firmware/pimba/program.h"

#include <cstring>
#include <istream>
#include <ostream>
#include <sstream>
#include <stdexcept>

#include "pim/trace.h"

namespace pimlab::firmware::pimba {

namespace {

const char* const kMagic = "pimlab-pim-program";

[[noreturn]] void fail(const std::string& source, std::size_t line, const std::string& what) {
  throw std::invalid_argument(source + ":" + std::to_string(line) + ": " + what);
}

std::int64_t to_int(const std::string& t, const char* what, std::int64_t lo, std::int64_t hi,
                    const std::string& source, std::size_t line) {
  std::size_t used = 0;
  long long v = 0;
  try {
    v = std::stoll(t, &used, 10);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != t.size() || t.empty())
    fail(source, line, std::string(what) + " '" + t + "' is not an integer");
  if (v < lo || v > hi)
    fail(source, line, std::string(what) + " " + t + " out of range [" + std::to_string(lo) + ", " +
                           std::to_string(hi) + "]");
  return v;
}

std::uint8_t parse_op(const std::string& t, const std::string& source, std::size_t line) {
  for (std::uint8_t op = 0; op < 6; ++op)
    if (t == pim_unit::op_name(op)) return op;
  if (!t.empty() && t[0] >= '0' && t[0] <= '9') return static_cast<std::uint8_t>(to_int(t, "opcode", 0, 7, source, line));
  fail(source, line, "unknown unit opcode '" + t + "' (allowed: NOP, COMP, REG_WR, RESULT, CLEAR, CFG_WR or 0..7)");
}

}  // namespace

void write_program(std::ostream& os, const ChannelProgram& p) {
  os << kMagic << " 1 pimba\n";
  for (const pim::Command& c : p.stream) os << "cmd " << pim::format_trace_line(c) << '\n';
  for (const RowOp& r : p.rows)
    os << "row " << r.step << ' ' << int(r.pch) << ' ' << int(r.bank_group) << ' ' << int(r.bank) << ' ' << r.row
       << '\n';
  static const char* hex = "0123456789abcdef";
  for (const UnitOp& o : p.ops) {
    os << "op " << o.step << ' ' << o.offset << ' ' << o.col_slots << ' ' << int(o.pch) << ' ' << int(o.bank_group)
       << ' ' << int(o.pair) << ' ';
    if (o.cmd.op < 6)
      os << pim_unit::op_name(o.cmd.op);
    else
      os << int(o.cmd.op);
    os << ' ' << int(o.cmd.bank) << ' ' << int(o.cmd.idx);
    bool any = false;
    for (std::uint8_t b : o.cmd.wdata) any = any || b != 0;
    if (any) {
      os << ' ';
      for (std::uint8_t b : o.cmd.wdata) os << hex[b >> 4] << hex[b & 15];
    }
    os << '\n';
  }
}

ChannelProgram read_program(std::istream& is, const std::string& source) {
  ChannelProgram p;
  std::string line;
  std::size_t n = 0;
  bool header = false;
  pim::TraceLimits lim;
  lim.channels = 65536;
  lim.pseudo_channels = 256;
  while (std::getline(is, line)) {
    ++n;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const std::size_t hash = line.find('#');
    const std::string body = hash == std::string::npos ? line : line.substr(0, hash);
    std::istringstream ss(body);
    std::vector<std::string> tok;
    for (std::string t; ss >> t;) tok.push_back(t);
    if (tok.empty()) continue;
    if (!header) {
      if (tok.size() != 3 || tok[0] != kMagic || tok[1] != "1" || tok[2] != "pimba")
        fail(source, n, std::string("expected the header '") + kMagic + " 1 pimba'");
      header = true;
      continue;
    }
    if (tok[0] == "cmd") {
      const std::string rest = body.substr(body.find("cmd") + 3);
      pim::Command c;
      if (!pim::parse_trace_line(rest, source, n, lim, c)) fail(source, n, "'cmd' without a command");
      p.stream.push_back(c);
    } else if (tok[0] == "row") {
      if (tok.size() != 6) fail(source, n, "'row' needs 5 fields (step pch bank_group bank row), got " + std::to_string(tok.size() - 1));
      RowOp r;
      r.step = static_cast<std::uint32_t>(to_int(tok[1], "step", 0, 0xffffffffLL, source, n));
      r.pch = static_cast<std::uint8_t>(to_int(tok[2], "pch", 0, 255, source, n));
      r.bank_group = static_cast<std::uint8_t>(to_int(tok[3], "bank_group", 0, 255, source, n));
      r.bank = static_cast<std::uint8_t>(to_int(tok[4], "bank", 0, 255, source, n));
      r.row = static_cast<std::int32_t>(to_int(tok[5], "row", -1, 0x7fffffffLL, source, n));
      p.rows.push_back(r);
    } else if (tok[0] == "op") {
      if (tok.size() != 10 && tok.size() != 11)
        fail(source, n, "'op' needs 9 fields (step offset col_slots pch bank_group pair OP bank idx) and optional "
                        "wdata, got " + std::to_string(tok.size() - 1));
      UnitOp o;
      o.step = static_cast<std::uint32_t>(to_int(tok[1], "step", 0, 0xffffffffLL, source, n));
      o.offset = static_cast<std::uint32_t>(to_int(tok[2], "offset", 0, 0xffffffffLL, source, n));
      o.col_slots = static_cast<std::uint32_t>(to_int(tok[3], "col_slots", 0, 0xffffffffLL, source, n));
      o.pch = static_cast<std::uint8_t>(to_int(tok[4], "pch", 0, 255, source, n));
      o.bank_group = static_cast<std::uint8_t>(to_int(tok[5], "bank_group", 0, 255, source, n));
      o.pair = static_cast<std::uint8_t>(to_int(tok[6], "pair", 0, 255, source, n));
      o.cmd.op = parse_op(tok[7], source, n);
      o.cmd.bank = static_cast<std::uint8_t>(to_int(tok[8], "unit bank", 0, 1, source, n));
      o.cmd.idx = static_cast<std::uint8_t>(to_int(tok[9], "unit index", 0, 31, source, n));
      if (tok.size() == 11) {
        const std::string& h = tok[10];
        if (h.size() != 64) fail(source, n, "wdata needs 64 hex digits, got " + std::to_string(h.size()));
        for (std::size_t i = 0; i < 32; ++i) {
          auto nib = [&](char ch) -> int {
            if (ch >= '0' && ch <= '9') return ch - '0';
            if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
            if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
            fail(source, n, std::string("wdata: '") + ch + "' is not a hex digit");
          };
          o.cmd.wdata[i] = static_cast<std::uint8_t>(nib(h[2 * i]) * 16 + nib(h[2 * i + 1]));
        }
      }
      p.ops.push_back(o);
    } else {
      fail(source, n, "unknown item '" + tok[0] + "' (allowed: cmd, row, op)");
    }
  }
  if (!header) fail(source, n, std::string("empty program: expected the header '") + kMagic + " 1 pimba'");
  for (const RowOp& r : p.rows)
    if (r.step >= p.stream.size())
      throw std::invalid_argument(source + ": a row item names stream command " + std::to_string(r.step) + " of " +
                                  std::to_string(p.stream.size()));
  for (const UnitOp& o : p.ops)
    if (o.step >= p.stream.size())
      throw std::invalid_argument(source + ": an op item names stream command " + std::to_string(o.step) + " of " +
                                  std::to_string(p.stream.size()));
  return p;
}

}  // namespace pimlab::firmware::pimba
