#include "firmware/attacc/calibration.h"

#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

namespace pimlab::firmware::attacc {

std::string preset_from_artifact(const std::string& name) {
  // HBM3_<rate>Gbps[_NPC]
  const std::string pre = "HBM3_";
  const auto g = name.find("Gbps");
  if (name.rfind(pre, 0) != 0 || g == std::string::npos)
    throw std::invalid_argument("unknown HBM3 preset '" + name + "'; expected HBM3_<rate>Gbps[_NPC]");
  const std::string rate = name.substr(pre.size(), g - pre.size());
  const std::string rest = name.substr(g + 4);
  if (!rest.empty() && rest != "_NPC") throw std::invalid_argument("unknown HBM3 preset suffix in '" + name + "'");
  return "attacc-hbm3-" + rate + (rest.empty() ? "" : "-npc");
}

std::vector<CalibrationRow> read_calibration(const std::string& path) {
  std::ifstream f(path);
  if (!f) throw std::invalid_argument("cannot open calibration file '" + path + "'");
  std::string line;
  std::vector<std::string> head;
  std::vector<CalibrationRow> rows;
  int ln = 0;
  auto split = [](const std::string& s) {
    std::vector<std::string> v;
    std::stringstream ss(s);
    std::string x;
    while (std::getline(ss, x, ',')) v.push_back(x);
    return v;
  };
  while (std::getline(f, line)) {
    ++ln;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    const auto v = split(line);
    if (head.empty()) {
      head = v;
      continue;
    }
    if (v.size() != head.size())
      throw std::invalid_argument(path + ":" + std::to_string(ln) + ": " + std::to_string(v.size()) + " fields, header has " +
                                  std::to_string(head.size()));
    std::map<std::string, std::string> m;
    for (std::size_t i = 0; i < v.size(); ++i) m[head[i]] = v[i];
    auto get = [&](const std::string& k) -> const std::string& {
      auto it = m.find(k);
      if (it == m.end()) throw std::invalid_argument(path + ":" + std::to_string(ln) + ": missing column '" + k + "'");
      return it->second;
    };
    auto num = [&](const std::string& k) -> long long {
      try {
        return std::stoll(get(k));
      } catch (const std::logic_error&) {
        throw std::invalid_argument(path + ":" + std::to_string(ln) + ": column '" + k + "' value '" + get(k) +
                                    "' is not an integer");
      }
    };
    CalibrationRow r;
    r.spec.placement = pim::parse_placement(get("pim"));
    r.spec.heads = static_cast<int>(num("nhead_per_hbm"));
    r.spec.len = static_cast<int>(num("L"));
    r.spec.d_head = static_cast<int>(num("dhead"));
    r.spec.dbyte = static_cast<int>(num("dbyte"));
    r.spec.max_len = static_cast<int>(num("maxL"));
    r.spec.artifact_compatible = true;
    r.preset = preset_from_artifact(get("preset"));
    r.cycles = num("cycles");
    r.mac_ab = num("mac_ab");
    r.mac_sb = num("mac_sb");
    r.mac_pb = num("mac_pb");
    r.wrgb = num("wrgb");
    r.mvsb = num("mvsb");
    r.mvgb = num("mvgb");
    r.sfm = num("sfm");
    if (m.count("wall_s")) r.wall_s = std::stod(m["wall_s"]);
    rows.push_back(r);
  }
  return rows;
}

}  // namespace pimlab::firmware::attacc
