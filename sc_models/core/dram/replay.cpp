#include "dram/replay.h"

#include <cctype>
#include <fstream>
#include <stdexcept>

#include "dram/memory_system.h"
#include "textio/text_input.h"

namespace pimlab::dram {

namespace {

struct ReplaySetup {
  DramSpec spec;
  ControllerConfig ctl;
  nlohmann::json mapping = "ro_ba_bg_pc_ch_co";
  bool check = true;
};

ReplaySetup setup_from_json(const nlohmann::json& j) {
  if (!j.is_object()) throw std::invalid_argument("replay config: expected a JSON object, got " + j.dump());
  ReplaySetup s;
  std::string preset_name = "hbm2-pimba";
  if (j.contains("preset")) {
    if (!j["preset"].is_string())
      throw std::invalid_argument("replay config: key 'preset' has value " + j["preset"].dump() + "; allowed: a preset name");
    preset_name = j["preset"].get<std::string>();
  }
  s.spec = preset(preset_name);
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& k = it.key();
    if (k == "preset") continue;
    if (k == "spec") s.spec = spec_from_json(*it, s.spec);
    else if (k == "controller") s.ctl = controller_config_from_json(*it);
    else if (k == "mapping") s.mapping = *it;
    else if (k == "check") {
      if (!it->is_boolean()) throw std::invalid_argument("replay config: key 'check' has value " + it->dump() + "; allowed: true or false");
      s.check = it->get<bool>();
    } else {
      throw std::invalid_argument("replay config: unknown key '" + k + "'; allowed: preset, spec, controller, mapping or check");
    }
  }
  return s;
}

// Parses "<cycle> <R|W> <hex address>"; returns false for blank and comment lines.
bool parse_line(const std::string& line, const std::string& where, MemRequest& r) {
  std::size_t i = 0;
  auto skip_ws = [&] {
    while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i]))) ++i;
  };
  auto token = [&] {
    skip_ws();
    std::size_t j = i;
    while (j < line.size() && !std::isspace(static_cast<unsigned char>(line[j]))) ++j;
    std::string t = line.substr(i, j - i);
    i = j;
    return t;
  };
  skip_ws();
  if (i == line.size() || line[i] == '#') return false;
  const std::string cyc = token(), op = token(), addr = token();
  const std::string extra = token();
  const std::string form = "expected '<cycle> <R|W> <hex address>'";
  if (cyc.empty() || op.empty() || addr.empty())
    throw std::invalid_argument(where + ": too few fields in '" + line + "'; " + form);
  if (!extra.empty()) throw std::invalid_argument(where + ": unexpected field '" + extra + "'; " + form);
  if (cyc.size() > 18) throw std::invalid_argument(where + ": cycle '" + cyc + "' is too large; allowed: 0 .. 10^18");
  for (char c : cyc)
    if (!std::isdigit(static_cast<unsigned char>(c)))
      throw std::invalid_argument(where + ": cycle '" + cyc + "' is not a non-negative decimal integer");
  r.arrival = std::stoll(cyc);
  if (op == "R" || op == "r") r.write = false;
  else if (op == "W" || op == "w") r.write = true;
  else throw std::invalid_argument(where + ": operation '" + op + "' is not allowed; allowed: R or W");
  std::string hex = addr;
  if (hex.size() > 2 && hex[0] == '0' && (hex[1] == 'x' || hex[1] == 'X')) hex = hex.substr(2);
  if (hex.empty() || hex.size() > 16)
    throw std::invalid_argument(where + ": address '" + addr + "' is not a hex number of at most 64 bits");
  for (char c : hex)
    if (!std::isxdigit(static_cast<unsigned char>(c)))
      throw std::invalid_argument(where + ": address '" + addr + "' is not a hex number");
  r.address = std::stoull(hex, nullptr, 16);
  return true;
}

}  // namespace

nlohmann::json read_replay_config(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::invalid_argument("replay config file '" + path + "': cannot be opened");
  nlohmann::json j;
  try {
    in >> j;
  } catch (const nlohmann::json::exception& e) {
    throw std::invalid_argument("replay config file '" + path + "': not valid JSON: " + e.what());
  }
  try {
    const ReplaySetup s = setup_from_json(j);
    const AddressMap map(s.spec.org, s.mapping);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument("replay config file '" + path + "': " + e.what());
  }
  return j;
}

nlohmann::json replay_mem_trace(const std::string& path, const nlohmann::json& config) {
  textio::check_input_file(path, "memory trace");
  std::ifstream in(path);
  if (!in) throw std::invalid_argument("cannot open memory trace '" + path + "'");
  return replay_mem_trace(in, path, config);
}

nlohmann::json replay_mem_trace(std::istream& in, const std::string& name, const nlohmann::json& config) {
  const ReplaySetup s = setup_from_json(config);
  const AddressMap map(s.spec.org, s.mapping);
  MemorySystem mem(s.spec, s.ctl, map, s.check);
  std::string line;
  std::uint64_t lineno = 0;
  std::string where;
  nlohmann::json stats;
  try {
    stats = mem.run([&](MemRequest& r) {
      while (textio::read_line(in, line, name, lineno + 1)) {
        ++lineno;
        where = name + ":" + std::to_string(lineno);
        if (parse_line(line, where, r)) return true;
      }
      return false;
    });
  } catch (const std::invalid_argument& e) {
    const std::string msg = e.what();
    // Errors from decoding / ordering carry no position: add the line.
    if (msg.rfind(name + ":", 0) == 0) throw;
    throw std::invalid_argument(where + ": " + msg);
  }
  nlohmann::json cfg = {{"dram", to_json(s.spec)},
                        {"controller", to_json(s.ctl)},
                        {"mapping", map.order_string()},
                        {"check", s.check},
                        {"trace", name}};
  return {{"config", cfg}, {"stats", stats}};
}

}  // namespace pimlab::dram
