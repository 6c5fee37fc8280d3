#include "serving/platform.h"

#include <fstream>
#include <set>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "model/graph.h"

namespace pimlab::serving {

namespace {

[[noreturn]] void bad(const std::string& where, const std::string& key, const std::string& value,
                      const std::string& allowed) {
  throw std::invalid_argument(where + ": key '" + key + "' has value " + value + "; allowed: " + allowed);
}

std::string str(const nlohmann::json& j, const std::string& where, const std::string& key) {
  if (!j.at(key).is_string()) bad(where, key, j.at(key).dump(), "a string");
  return j.at(key).get<std::string>();
}

}  // namespace

Platform platform_from_json(const nlohmann::json& j, const std::string& where) {
  if (!j.is_object()) throw std::invalid_argument(where + ": expected a JSON object");
  static const std::set<std::string> keys{"name", "base", "description", "host", "gpu", "gpus", "pim",
                                          "attacc_placement", "formats", "rules", "cim"};
  for (const auto& [k, v] : j.items())
    if (!keys.count(k)) {
      std::string all;
      for (const auto& x : keys) all += (all.empty() ? "" : ", ") + x;
      bad(where, k, v.dump(), "the keys " + all);
    }
  Platform p;
  if (j.contains("base")) {
    try {
      p.system = model::find_system(str(j, where, "base"));
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument(where + ": key 'base': " + e.what());
    }
  } else {
    p.system.host = model::Device::gpu;
  }
  if (!j.contains("name")) throw std::invalid_argument(where + ": key 'name' is missing");
  p.system.name = str(j, where, "name");
  if (p.system.name.empty()) bad(where, "name", "\"\"", "a non-empty string");
  if (j.contains("description")) p.system.description = str(j, where, "description");
  if (j.contains("host")) {
    const std::string h = str(j, where, "host");
    if (h == "gpu") p.system.host = model::Device::gpu;
    else if (h == "npu") p.system.host = model::Device::npu;
    else bad(where, "host", j.at("host").dump(), "\"gpu\", \"npu\"");
  }
  const bool had_pim = p.system.has_pim();
  if (j.contains("pim")) {
    static const std::set<std::string> fams{"none", "pimba", "hbm-pim", "time-multiplexed", "pipelined",
                                            "attacc", "newton", "neupims"};
    const std::string f = str(j, where, "pim");
    if (!fams.count(f))
      bad(where, "pim", j.at("pim").dump(), "none, pimba, hbm-pim, time-multiplexed, pipelined, attacc, newton, neupims");
    p.system.pim_family = f == "none" ? "" : f;
  }
  if (p.system.has_pim() && !had_pim && !j.contains("rules"))
    p.system.rules = {{"", "state_update", "", model::Device::pim}, {"", "gemv", "", model::Device::pim}};
  if (j.contains("gpu")) {
    const auto& g = j.at("gpu");
    try {
      p.gpu_host = g.is_string() ? gpu::preset(g.get<std::string>()) : gpu::host_from_json(g);
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument(where + ": key 'gpu': " + e.what());
    }
  }
  if (j.contains("gpus")) {
    const auto& g = j.at("gpus");
    if (!g.is_number_integer() || g.get<long long>() < 1 || g.get<long long>() > 64)
      bad(where, "gpus", g.dump(), "an integer in [1, 64]");
    p.gpus = g.get<int>();
  }
  if (j.contains("attacc_placement")) {
    try {
      p.attacc_placement = pim::parse_placement(str(j, where, "attacc_placement"));
    } catch (const std::invalid_argument&) {
      bad(where, "attacc_placement", j.at("attacc_placement").dump(), "\"bank\", \"bg\", \"buffer\"");
    }
  }
  if (j.contains("formats")) {
    const auto& f = j.at("formats");
    if (!f.is_object()) bad(where, "formats", f.dump(), "an object with weights, activations, kv, state");
    for (const auto& [k, v] : f.items()) {
      model::ElemFormat* slot = k == "weights" ? &p.system.formats.weights
                                : k == "activations" ? &p.system.formats.activations
                                : k == "kv" ? &p.system.formats.kv
                                : k == "state" ? &p.system.formats.state
                                : nullptr;
      if (!slot) bad(where, "formats." + k, v.dump(), "the keys weights, activations, kv, state");
      if (!v.is_string()) bad(where, "formats." + k, v.dump(), "a format name (fp32, fp16, bf16, fp8, mx8, int8)");
      try {
        *slot = model::parse_elem_format(v.get<std::string>());
      } catch (const std::invalid_argument& e) {
        throw std::invalid_argument(where + ": key 'formats." + k + "': " + e.what());
      }
    }
  }
  if (j.contains("rules")) {
    const auto& r = j.at("rules");
    if (!r.is_array()) bad(where, "rules", r.dump(), "a list of \"KEY=VALUE[,KEY=VALUE]:DEVICE\" strings");
    p.system.rules.clear();
    for (std::size_t i = 0; i < r.size(); ++i) {
      const std::string key = "rules[" + std::to_string(i) + "]";
      if (!r[i].is_string()) bad(where, key, r[i].dump(), "a \"KEY=VALUE[,KEY=VALUE]:DEVICE\" string");
      try {
        p.system.rules.push_back(model::parse_mapping_rule(r[i].get<std::string>(), p.system.host));
      } catch (const std::invalid_argument& e) {
        throw std::invalid_argument(where + ": key '" + key + "': " + e.what());
      }
    }
  }
  if (j.contains("cim")) p.cim = cim_from_json(j.at("cim"), where);
  return p;
}

CimSystem cim_from_json(const nlohmann::json& c, const std::string& where) {
  std::string all = "place, softmax_cores, link_width_bytes, link_clock_mhz, link_latency_cycles";
  for (const auto& k : cim::config_keys()) all += ", " + k;
  if (!c.is_object()) bad(where, "cim", c.dump(), "an object with the keys " + all);
  CimSystem s;
  for (const auto& [k, v] : c.items()) {
    const std::string key = "cim." + k;
    if (k == "place") {
      if (!v.is_string()) bad(where, key, v.dump(), "\"none\", \"softmax\", \"ffn\"");
      try {
        s.place = parse_cim_place(v.get<std::string>());
      } catch (const std::invalid_argument&) {
        bad(where, key, v.dump(), "\"none\", \"softmax\", \"ffn\"");
      }
    } else if (k == "softmax_cores") {
      if (!v.is_number_integer() || v.get<long long>() < 1 || v.get<long long>() > (1 << 20))
        bad(where, key, v.dump(), "an integer in [1, the chip's cores]");
      s.softmax_cores = v.get<int>();
    } else if (k == "link_width_bytes" || k == "link_clock_mhz" || k == "link_latency_cycles") {
      // The router's link ranges (docs/noc.md "Configuration").
      const long long lo = k == "link_latency_cycles" ? 0 : 1;
      const long long hi = k == "link_width_bytes" ? noc::kMaxWidthBytes
                           : k == "link_clock_mhz" ? noc::kMaxClockMhz
                                                   : noc::kMaxLatencyCycles;
      if (!v.is_number_integer() || v.get<long long>() < lo || v.get<long long>() > hi)
        bad(where, key, v.dump(), "an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
      const auto x = static_cast<std::uint32_t>(v.get<long long>());
      (k == "link_width_bytes" ? s.link.width_bytes : k == "link_clock_mhz" ? s.link.clock_mhz : s.link.latency_cycles) = x;
    } else if (k == "variant") {
      if (!v.is_string()) bad(where, key, v.dump(), "\"A\", \"B\"");
      try {
        s.tile.variant = cim::parse_variant(v.get<std::string>());
      } catch (const std::invalid_argument&) {
        bad(where, key, v.dump(), "\"A\", \"B\"");
      }
    } else if (cim::is_config_key(k)) {
      if (!v.is_number()) bad(where, key, v.dump(), "a number");
      try {
        cim::set_config_key(s.tile, s.energy, k, v.get<double>());
      } catch (const std::invalid_argument& e) {
        throw std::invalid_argument(where + ": key '" + key + "': " + e.what());
      }
    } else {
      bad(where, key, v.dump(), "the keys " + all);
    }
  }
  // The core's ranges and consistency rules; its messages start with the key.
  try {
    s.tile.validate();
    s.energy.validate();
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(where + ": key 'cim." + cim::config_error_key(e.what()) + "': " + e.what());
  }
  if (s.place == CimPlace::softmax && s.softmax_cores > s.tile.cores())
    bad(where, "cim.softmax_cores", std::to_string(s.softmax_cores),
        "an integer in [1, " + std::to_string(s.tile.cores()) + "] (tiles x cores_per_tile)");
  return s;
}

Platform platform_from_file(const std::string& path) {
  std::ifstream f(path);
  if (!f) throw std::invalid_argument("platform file '" + path + "': cannot open");
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(f);
  } catch (const nlohmann::json::exception& e) {  // parse_error, or out_of_range for a number too large
    throw std::invalid_argument("platform file '" + path + "': not JSON: " + e.what());
  }
  return platform_from_json(j, path);
}

}  // namespace pimlab::serving
