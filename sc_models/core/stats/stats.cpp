#include "stats/stats.h"

#include <cmath>
#include <stdexcept>
#include <utility>

namespace pimlab::stats {

namespace {

void check(const nlohmann::json& group, const std::string& name, const std::string& unit,
           const std::string& description) {
  if (name.empty()) throw std::logic_error("stat without a name");
  if (unit.empty() || description.empty())
    throw std::logic_error("stat '" + name + "': every stat needs a unit and a description");
  if (group.contains(name)) throw std::logic_error("stat '" + name + "' added twice");
}

}  // namespace

nlohmann::json Sink::number(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }

void Document::put(const std::string& name, nlohmann::json value, const std::string& unit,
                   const std::string& description) {
  check(m_group, name, unit, description);
  m_group[name] = {{"value", std::move(value)}, {"unit", unit}, {"description", description}};
}

void Flat::put(const std::string& name, nlohmann::json value, const std::string& unit,
               const std::string& description) {
  check(m_out, name, unit, description);
  m_out[name] = std::move(value);
}

void Prefixed::put(const std::string& name, nlohmann::json value, const std::string& unit,
                   const std::string& description) {
  const bool strip = !m_strip.empty() && name.compare(0, m_strip.size(), m_strip) == 0;
  m_inner.put(m_prefix + (strip ? name.substr(m_strip.size()) : name), std::move(value), unit, description);
}

Only::Only(Sink& inner, std::initializer_list<const char*> names) : m_inner(inner) {
  for (const char* n : names) m_names.emplace_back(n);
}

void Only::put(const std::string& name, nlohmann::json value, const std::string& unit,
               const std::string& description) {
  for (const std::string& n : m_names)
    if (n == name) {
      ++m_seen;
      m_inner.put(name, std::move(value), unit, description);
      return;
    }
}

}  // namespace pimlab::stats
