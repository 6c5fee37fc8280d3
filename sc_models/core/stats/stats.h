// One schema for every statistic, from the pure C++ cores to the SystemC
// shells: a stat is a name, a value, a unit and a description.
//
// A counter struct describes its stats once, in one function
//
//   void collect(stats::Sink& sink) const;   // sink.add(name, value, unit, description) per stat
//
// and every view of those counters is a sink that function is given:
//   - Document: the full view, {"<name>": {"value", "unit", "description"}}
//     (the groups of the stats document the TLM walker writes, docs/tlm.md);
//     a stat without a unit or description, or added twice, is a logic error;
//   - Flat: the value-only view, {"<name>": value}, the fixed keys of the
//     command-line JSON (`pimlab replay`, `pimlab kernel`, ...);
//   - Prefixed: forwards to another sink under "<prefix><name>" (a shell
//     that holds several counter structs in one group);
//   - Only: forwards the listed stats only (a view of part of a struct).
// The name, unit and description of a counter are therefore written in one
// place. Energies are stats like any other, in pJ.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <vector>
#include <type_traits>
#include <utility>

#include <nlohmann/json.hpp>

namespace pimlab::stats {

class Sink {
 public:
  virtual ~Sink() = default;

  // Integers keep their signedness; a floating-point value that is not finite
  // (an undefined ratio such as 0/0) is written as null (JSON has no NaN).
  template <class T, std::enable_if_t<std::is_arithmetic_v<T> && !std::is_same_v<T, bool>, int> = 0>
  void add(const std::string& name, T value, const std::string& unit, const std::string& description) {
    if constexpr (std::is_floating_point_v<T>)
      put(name, number(static_cast<double>(value)), unit, description);
    else if constexpr (std::is_signed_v<T>)
      put(name, nlohmann::json(static_cast<std::int64_t>(value)), unit, description);
    else
      put(name, nlohmann::json(static_cast<std::uint64_t>(value)), unit, description);
  }
  // A yes/no stat (unit "flag").
  void add_flag(const std::string& name, bool value, const std::string& description) {
    put(name, nlohmann::json(value), "flag", description);
  }

  // Receives one stat; the views above implement it.
  virtual void put(const std::string& name, nlohmann::json value, const std::string& unit,
                   const std::string& description) = 0;

 private:
  static nlohmann::json number(double v);
};

// The full view: one object per stat with its value, unit and description.
// Rejects (std::logic_error) a stat with an empty unit or description and a
// name added twice.
class Document : public Sink {
 public:
  explicit Document(nlohmann::json& group) : m_group(group) {}
  void put(const std::string& name, nlohmann::json value, const std::string& unit,
           const std::string& description) override;

 private:
  nlohmann::json& m_group;
};

// The value-only view: {"<name>": value}. The same checks as Document, so a
// counter struct cannot pass one view and fail the other.
class Flat : public Sink {
 public:
  explicit Flat(nlohmann::json& out) : m_out(out) {}
  void put(const std::string& name, nlohmann::json value, const std::string& unit,
           const std::string& description) override;

 private:
  nlohmann::json& m_out;
};

// Forwards every stat to `inner` as "<prefix><name>", after removing `strip`
// from the front of the name when it starts with it (e.g. prefix "newton_",
// strip "num_": num_gact_cmds -> newton_gact_cmds).
class Prefixed : public Sink {
 public:
  Prefixed(Sink& inner, std::string prefix, std::string strip = "")
      : m_inner(inner), m_prefix(std::move(prefix)), m_strip(std::move(strip)) {}
  void put(const std::string& name, nlohmann::json value, const std::string& unit,
           const std::string& description) override;

 private:
  Sink& m_inner;
  std::string m_prefix, m_strip;
};

// Forwards only the stats named in `names` (the names `inner` is given, i.e.
// before any Prefixed further in); the others are dropped. For a view that
// shows part of a counter struct (a shell's group, a fixed JSON layout).
// seen_all() tells whether every listed name came by.
class Only : public Sink {
 public:
  Only(Sink& inner, std::initializer_list<const char*> names);
  void put(const std::string& name, nlohmann::json value, const std::string& unit,
           const std::string& description) override;
  bool seen_all() const { return m_seen == m_names.size(); }

 private:
  Sink& m_inner;
  std::vector<std::string> m_names;
  std::size_t m_seen = 0;
};

// The stats `names` of `c` only, into `s` as `prefix` + name (a leading
// `strip` removed first). A view that selects a stat relies on it: throws
// std::logic_error (naming `what`) if `c` no longer names one of them.
template <class Counters>
void collect_only(Sink& s, const Counters& c, std::initializer_list<const char*> names, const char* what,
                  const std::string& prefix = "", const std::string& strip = "") {
  Prefixed named(s, prefix, strip);
  Only only(named, names);
  c.collect(only);
  if (!only.seen_all()) throw std::logic_error(std::string(what) + " no longer names a stat its view selects");
}

// The value-only view of anything with `void collect(Sink&) const`.
template <class Counters>
nlohmann::json flat(const Counters& c) {
  nlohmann::json j = nlohmann::json::object();
  Flat sink(j);
  c.collect(sink);
  return j;
}

// The full view of the same.
template <class Counters>
nlohmann::json document(const Counters& c) {
  nlohmann::json j = nlohmann::json::object();
  Document sink(j);
  c.collect(sink);
  return j;
}

}  // namespace pimlab::stats
