#include "tlm/common/config.h"

#include <algorithm>
#include <filesystem>
#include <fstream>

namespace pimlab::tlm_common {

namespace {

// Levenshtein distance, for "did you mean" hints on unknown keys.
std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

}  // namespace

std::string json_text(const nlohmann::json& v) { return v.dump(); }

Config& Config::instance() {
  static Config config;
  return config;
}

void Config::flatten(const nlohmann::json& node, const std::string& prefix) {
  if (node.is_object()) {
    if (node.empty() && !prefix.empty())
      throw ConfigError("config key '" + prefix + "': an empty object sets nothing; give a value or remove it");
    for (auto it = node.begin(); it != node.end(); ++it) {
      if (it.key().empty()) throw ConfigError("config: empty key under '" + prefix + "'");
      flatten(it.value(), prefix.empty() ? it.key() : prefix + "." + it.key());
    }
    return;
  }
  if (prefix.empty()) throw ConfigError("config: the document must be a JSON object, got " + json_text(node));
  set(prefix, node);
}

void Config::load(const nlohmann::json& doc) { flatten(doc, ""); }

void Config::load_file(const std::string& path) {
  // A directory opens as a stream on Linux and fails only when read (an
  // ios_base::failure out of the stream buffer): refuse it by name.
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw ConfigError("config file '" + path + "': is a directory; expected a JSON file");
  std::ifstream in(path);
  if (!in) throw ConfigError("config file '" + path + "': cannot be opened");
  nlohmann::json doc;
  try {
    in >> doc;
  } catch (const nlohmann::json::exception& e) {
    throw ConfigError("config file '" + path + "': not valid JSON: " + e.what());
  } catch (const std::ios_base::failure& e) {
    throw ConfigError("config file '" + path + "': cannot be read: " + e.what());
  }
  load(doc);
}

void Config::set(const std::string& key, nlohmann::json value) {
  if (m_declared.count(key))
    throw ConfigError("config key '" + key + "': set after its module was constructed (value " + json_text(value) +
                      "); load the configuration before elaboration");
  m_presets[key] = std::move(value);
  m_consumed[key] = false;
}

std::optional<nlohmann::json> Config::take(const std::string& key) {
  auto it = m_presets.find(key);
  if (it == m_presets.end()) return std::nullopt;
  m_consumed[key] = true;
  return it->second;
}

void Config::declare(const std::string& key, ParamRecord record) {
  if (!m_declared.emplace(key, std::move(record)).second)
    throw ConfigError("config key '" + key + "': declared twice (two parameters with one hierarchical name)");
}

std::vector<std::string> Config::unconsumed() const {
  std::vector<std::string> keys;
  for (const auto& [key, used] : m_consumed)
    if (!used) keys.push_back(key);
  return keys;
}

void Config::check_consumed() const {
  const auto keys = unconsumed();
  if (keys.empty()) return;
  std::string msg = "config: unknown key";
  msg += keys.size() > 1 ? "s " : " ";
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const std::string& key = keys[i];
    msg += (i ? "; '" : "'") + key + "' = " + json_text(m_presets.at(key));
    std::string best;
    std::size_t best_d = std::string::npos;
    for (const auto& [declared, rec] : m_declared) {
      (void)rec;
      const std::size_t d = edit_distance(key, declared);
      if (d < best_d) best_d = d, best = declared;
    }
    if (!best.empty() && best_d <= std::max<std::size_t>(3, key.size() / 4))
      msg += " (did you mean '" + best + "'?)";
  }
  msg += m_declared.empty() ? " (no parameter is declared)" : " (the declared keys: pimlab config --list)";
  throw ConfigError(msg);
}

nlohmann::json Config::effective() const {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [key, rec] : m_declared) out[key] = rec.value;
  return out;
}

nlohmann::json Config::describe() const {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [key, rec] : m_declared) {
    nlohmann::json& e = out[key];
    e["type"] = rec.type;
    e["value"] = rec.value;
    e["default"] = rec.default_value;
    if (!rec.unit.empty()) e["unit"] = rec.unit;
    e["description"] = rec.description;
    e["allowed"] = rec.allowed;
  }
  return out;
}

void Config::dump(const std::string& path) const {
  std::ofstream out(path);
  if (!out) throw ConfigError("config dump '" + path + "': cannot be written");
  out << describe().dump(2) << "\n";
}

void Config::clear() {
  m_presets.clear();
  m_consumed.clear();
  m_declared.clear();
}

}  // namespace pimlab::tlm_common
