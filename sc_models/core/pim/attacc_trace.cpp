#include "pim/attacc_trace.h"

#include <cstdio>
#include <fstream>
#include <istream>
#include <ostream>
#include <sstream>
#include <stdexcept>

#include "textio/text_input.h"

namespace pimlab::pim {

namespace {
[[noreturn]] void fail(const std::string& source, std::size_t line_no, const std::string& what) {
  throw std::invalid_argument(source + ":" + std::to_string(line_no) + ": " + what);
}
}  // namespace

std::vector<AttaccStatement> read_attacc_trace(std::istream& in, const std::string& source, int channels) {
  std::vector<AttaccStatement> out;
  std::string line;
  std::size_t no = 0;
  while (textio::read_line(in, line, source, no + 1)) {
    ++no;
    const auto hash = line.find('#');
    if (hash != std::string::npos) line.erase(hash);
    std::istringstream ss(line);
    std::string type, addr, extra;
    if (!(ss >> type)) continue;
    if (!(ss >> addr)) fail(source, no, "a request needs 2 fields 'MNEMONIC 0xADDR'");
    if (ss >> extra) fail(source, no, "unexpected field '" + extra + "' after the address");
    AttaccStatement s;
    try {
      s.type = parse_req(type);
    } catch (const std::invalid_argument& e) {
      fail(source, no, e.what());
    }
    const std::optional<std::uint64_t> parsed = textio::parse_hex_address(addr);
    if (!parsed) fail(source, no, "malformed address '" + addr + "' (expected hexadecimal 0x...)");
    s.addr = *parsed;
    const std::uint64_t ch = s.addr >> 30;
    if (ch >= static_cast<std::uint64_t>(channels))
      fail(source, no, "address " + addr + " names channel " + std::to_string(ch) + "; the stack has " +
                           std::to_string(channels) + " (channel = address bits 30 and up)");
    out.push_back(s);
  }
  return out;
}

std::vector<AttaccStatement> read_attacc_trace_file(const std::string& path, int channels) {
  textio::check_input_file(path, "trace file");
  std::ifstream in(path);
  if (!in) throw std::invalid_argument("cannot open trace file '" + path + "'");
  return read_attacc_trace(in, path, channels);
}

void write_attacc_trace(std::ostream& os, const TraceHeader& header, const std::vector<AttaccStatement>& trace) {
  os << format_trace_header(header) << '\n';
  char buf[64];
  for (const AttaccStatement& s : trace) {
    std::snprintf(buf, sizeof buf, "%s 0x%llx\n", req_name(s.type), static_cast<unsigned long long>(s.addr));
    os << buf;
  }
}

nlohmann::json attacc_json(const AttaccResult& r, const dram::DramSpec& spec, AttaccPlacement placement,
                           bool artifact_compatible) {
  nlohmann::json j = nlohmann::json::object();
  stats::Flat flat(j);
  stats::collect_only(flat, r.counts, {"mac_ab", "mac_sb", "mac_pb", "wrgb", "mvsb", "mvgb", "sfm", "barriers"},
                      "pim::AttaccCounts");
  j["cycles"] = r.cycles;
  j["time_ns"] = static_cast<double>(r.cycles) * static_cast<double>(spec.t.tCK_ps) / 1000.0;
  j["energy_pj"] = attacc_energy_pj(placement, r.counts, artifact_compatible);
  j["refreshes"] = r.refreshes;
  nlohmann::json cmds = nlohmann::json::object();
  const dram::CommandSet set = attacc_command_set(spec, artifact_compatible);
  for (int c = 0; c < kAttaccClasses; ++c)
    if (c != kMACPBAlias && (c < kACT || r.counts.cmd[c] > 0)) cmds[set.classes[static_cast<std::size_t>(c)].name] = r.counts.cmd[c];
  j["commands"] = cmds;
  return j;
}

}  // namespace pimlab::pim
