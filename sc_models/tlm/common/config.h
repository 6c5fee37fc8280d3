// Configuration keyed by SystemC hierarchical names.
//
// One JSON document configures a whole platform. Keys are hierarchical names:
// either flat ("top.hbm.ch0.capacity_bytes": 1073741824) or nested
// ({"top": {"hbm": {"ch0": {"capacity_bytes": ...}}}}); both are flattened to
// dotted keys. The document is loaded *before* the modules are constructed.
// Every parameter is declared once, by its owner, with its default, unit,
// description and allowed values (the one place defaults live):
//
//   Param<std::uint64_t> p_capacity_bytes{*this, "capacity_bytes", 1ull << 30, "bytes",
//                                         "addressable bytes of the channel", 1024, 1ull << 40};
//
// A value of the wrong type or outside the allowed set is a ConfigError naming
// the key, the value and what is allowed; after elaboration
// Config::check_consumed() turns every key that no parameter took (a typo, a
// key of a module that does not exist) into a ConfigError listing them.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include <nlohmann/json.hpp>
#include <systemc>

namespace pimlab::tlm_common {

struct ConfigError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

// What one declared parameter looks like in the effective config.
struct ParamRecord {
  nlohmann::json value;
  nlohmann::json default_value;
  std::string unit;
  std::string description;
  std::string allowed;  // human-readable, e.g. "integer in [1, 64]"
  std::string type;     // JSON type of the value: boolean, integer, number, string, array
};

// The process-wide configuration broker (SystemC elaborates one design per
// process, so one broker per process is the natural scope).
class Config {
 public:
  static Config& instance();

  // Merges a document (flat or nested); later values override earlier ones.
  // A key that a parameter has already consumed is an error: it would be
  // silently ignored otherwise.
  void load(const nlohmann::json& doc);
  // Reads a JSON file and loads it; errors name the file.
  void load_file(const std::string& path);
  void set(const std::string& key, nlohmann::json value);

  // Used by Param: takes the preset for `key` (if any) and records the
  // declared parameter. Declaring a key twice is an error.
  std::optional<nlohmann::json> take(const std::string& key);
  void declare(const std::string& key, ParamRecord record);

  // Keys loaded but never taken by a parameter; throws ConfigError listing
  // each with the closest declared key.
  void check_consumed() const;
  std::vector<std::string> unconsumed() const;

  // The effective configuration: {key: value} (loadable again with load()).
  nlohmann::json effective() const;
  // The same with type, default, unit, description and allowed values per
  // key: what `pimlab config --list` prints.
  nlohmann::json describe() const;
  void dump(const std::string& path) const;

  // Forgets presets and declarations (for a fresh elaboration in tools).
  void clear();

 private:
  void flatten(const nlohmann::json& node, const std::string& prefix);
  std::map<std::string, nlohmann::json> m_presets;
  std::map<std::string, bool> m_consumed;
  std::map<std::string, ParamRecord> m_declared;
};

std::string json_text(const nlohmann::json& v);

// A configuration parameter of type T (bool, integral, double or std::string).
template <class T>
class Param {
  static_assert(std::is_same_v<T, bool> || std::is_integral_v<T> || std::is_floating_point_v<T> ||
                    std::is_same_v<T, std::string>,
                "Param<T>: T must be bool, an integer, a floating-point type or std::string");

 public:
  // Numeric parameter with an inclusive range.
  template <class U = T, std::enable_if_t<std::is_arithmetic_v<U> && !std::is_same_v<U, bool>, int> = 0>
  Param(const sc_core::sc_object& owner, const std::string& name, T default_value, std::string unit,
        std::string description, T min = std::numeric_limits<T>::lowest(),
        T max = std::numeric_limits<T>::max())
      : Param(key_of(owner, name), default_value, std::move(unit), std::move(description), min, max) {}
  template <class U = T, std::enable_if_t<std::is_arithmetic_v<U> && !std::is_same_v<U, bool>, int> = 0>
  Param(const std::string& key, T default_value, std::string unit, std::string description,
        T min = std::numeric_limits<T>::lowest(), T max = std::numeric_limits<T>::max())
      : m_key(key), m_value(default_value) {
    std::ostringstream allowed;
    allowed << (std::is_integral_v<T> ? "integer" : "number") << " in [" << min << ", " << max << "]";
    init(default_value, std::move(unit), std::move(description), allowed.str(),
         [&](const T& v) { return v >= min && v <= max; });
  }

  // Boolean parameter.
  template <class U = T, std::enable_if_t<std::is_same_v<U, bool>, int> = 0>
  Param(const sc_core::sc_object& owner, const std::string& name, bool default_value, std::string description)
      : Param(key_of(owner, name), default_value, std::move(description)) {}
  template <class U = T, std::enable_if_t<std::is_same_v<U, bool>, int> = 0>
  Param(const std::string& key, bool default_value, std::string description) : m_key(key), m_value(default_value) {
    init(default_value, "", std::move(description), "true or false", [](const T&) { return true; });
  }

  // String parameter; `choices` empty = any string.
  template <class U = T, std::enable_if_t<std::is_same_v<U, std::string>, int> = 0>
  Param(const sc_core::sc_object& owner, const std::string& name, std::string default_value,
        std::string description, std::vector<std::string> choices = {})
      : Param(key_of(owner, name), std::move(default_value), std::move(description), std::move(choices)) {}
  template <class U = T, std::enable_if_t<std::is_same_v<U, std::string>, int> = 0>
  Param(const std::string& key, std::string default_value, std::string description,
        std::vector<std::string> choices = {})
      : m_key(key), m_value(default_value) {
    std::string allowed = "any string";
    if (!choices.empty()) {
      allowed = "one of";
      for (std::size_t i = 0; i < choices.size(); ++i) allowed += (i ? ", \"" : " \"") + choices[i] + "\"";
    }
    init(default_value, "", std::move(description), allowed, [&](const T& v) {
      if (choices.empty()) return true;
      for (const auto& c : choices)
        if (c == v) return true;
      return false;
    });
  }

  const T& get() const { return m_value; }
  operator const T&() const { return m_value; }
  const std::string& key() const { return m_key; }

 private:
  static std::string key_of(const sc_core::sc_object& owner, const std::string& name) {
    return std::string(owner.name()) + "." + name;
  }

  template <class Check>
  void init(const T& default_value, std::string unit, std::string description, const std::string& allowed,
            Check check) {
    Config& cfg = Config::instance();
    if (auto preset = cfg.take(m_key)) {
      if (!convert(*preset, m_value) || !check(m_value))
        throw ConfigError("config key '" + m_key + "': value " + json_text(*preset) + " is not allowed; allowed: " +
                          allowed);
    }
    cfg.declare(m_key, ParamRecord{nlohmann::json(m_value), nlohmann::json(default_value), std::move(unit),
                                   std::move(description), allowed, type_name()});
  }

  static const char* type_name() {
    if constexpr (std::is_same_v<T, bool>) return "boolean";
    else if constexpr (std::is_same_v<T, std::string>) return "string";
    else if constexpr (std::is_integral_v<T>) return "integer";
    else return "number";
  }

  static bool convert(const nlohmann::json& j, T& out) {
    if constexpr (std::is_same_v<T, bool>) {
      if (!j.is_boolean()) return false;
      out = j.get<bool>();
      return true;
    } else if constexpr (std::is_same_v<T, std::string>) {
      if (!j.is_string()) return false;
      out = j.get<std::string>();
      return true;
    } else if constexpr (std::is_integral_v<T>) {
      if (j.is_number_unsigned()) {
        const auto u = j.get<std::uint64_t>();
        if (u > static_cast<std::uint64_t>(std::numeric_limits<T>::max())) return false;
        out = static_cast<T>(u);
        return true;
      }
      if (j.is_number_integer()) {
        const auto s = j.get<std::int64_t>();
        if constexpr (std::is_unsigned_v<T>) {
          if (s < 0) return false;
        } else {
          if (s < static_cast<std::int64_t>(std::numeric_limits<T>::lowest()) ||
              s > static_cast<std::int64_t>(std::numeric_limits<T>::max()))
            return false;
        }
        out = static_cast<T>(s);
        return true;
      }
      return false;
    } else {
      if (!j.is_number()) return false;
      out = j.get<T>();
      return true;
    }
  }

  std::string m_key;
  T m_value;
};

}  // namespace pimlab::tlm_common
