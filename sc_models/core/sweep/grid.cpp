#include "sweep/grid.h"

#include <cstdio>
#include <limits>
#include <map>
#include <set>
#include <stdexcept>

namespace pimlab::sweep {

namespace {

constexpr std::int64_t kMaxI64 = std::numeric_limits<std::int64_t>::max();

std::string join_words(const std::vector<std::string>& w) {
  std::string s;
  for (std::size_t i = 0; i < w.size(); ++i) s += (i == 0 ? "" : i + 1 == w.size() ? " or " : ", ") + w[i];
  return s;
}

std::string option_names() {
  std::vector<std::string> n;
  for (const auto& o : run_options()) n.push_back(o.name);
  return join_words(n);
}

std::string expected(const OptionInfo& o) {
  switch (o.kind) {
    case Kind::integer:
      return "an integer in [" + std::to_string(o.min) + ", " + std::to_string(o.max) + "]";
    case Kind::real_or_inf: return "a number > 0 or \"inf\"";
    case Kind::flag: return "true or false";
    case Kind::integer_or_text: return "\"off\", \"whole\" or an integer in [1, " + std::to_string(o.max) + "]";
    case Kind::platform: return "a string, a number or a boolean (a key of a platform file, docs/serving.md)";
    case Kind::text:
      if (!o.choices.empty()) return join_words(o.choices);
      return o.single ? "one name or file (a string without commas)" : "a string";
  }
  return "";
}

const char* type_name(const Json& v) {
  if (v.is_string()) return "a string";
  if (v.is_boolean()) return "a boolean";
  if (v.is_number_integer() || v.is_number_unsigned()) return "an integer";
  if (v.is_number()) return "a number";
  if (v.is_array()) return "a list";
  if (v.is_object()) return "an object";
  return "null";
}

// Checks one value of key `key` (what = "axis 'batch'" or "fixed key 'model'").
void check_value(const std::string& where, const std::string& what, const OptionInfo& o, const Json& v) {
  auto bad = [&](const std::string& why) {
    throw std::invalid_argument(where + ": " + what + ": value " + v.dump() + " " + why + "; expected " + expected(o));
  };
  switch (o.kind) {
    case Kind::integer: {
      if (!v.is_number_integer() && !v.is_number_unsigned()) bad(std::string("is ") + type_name(v));
      if (v.is_number_unsigned() && v.get<std::uint64_t>() > static_cast<std::uint64_t>(kMaxI64)) bad("is out of range");
      const std::int64_t x = v.get<std::int64_t>();
      if (x < o.min || x > o.max) bad("is out of range");
      return;
    }
    case Kind::real_or_inf:
      if (v.is_string()) {
        if (v.get<std::string>() != "inf") bad("is not \"inf\"");
        return;
      }
      if (!v.is_number()) bad(std::string("is ") + type_name(v));
      if (!(v.get<double>() > 0)) bad("is not > 0");
      return;
    case Kind::flag:
      if (!v.is_boolean()) bad(std::string("is ") + type_name(v));
      return;
    case Kind::integer_or_text:
      if (v.is_string()) {
        const std::string s = v.get<std::string>();
        if (s != "off" && s != "whole") bad("is not \"off\" or \"whole\"");
        return;
      }
      if (!v.is_number_integer() && !v.is_number_unsigned()) bad(std::string("is ") + type_name(v));
      if (v.get<std::int64_t>() < 1 || v.get<std::int64_t>() > o.max) bad("is out of range");
      return;
    case Kind::platform:
      if (!v.is_string() && !v.is_number() && !v.is_boolean()) bad(std::string("is ") + type_name(v));
      return;
    case Kind::text: {
      if (!v.is_string()) bad(std::string("is ") + type_name(v));
      const std::string s = v.get<std::string>();
      if (s.empty()) bad("is empty");
      if (s[0] == '-') bad("starts with '-'");
      if (o.single && s.find(',') != std::string::npos)
        bad("is a list (one value per point: make it an axis with one value per element)");
      if (!o.choices.empty()) {
        bool ok = false;
        for (const auto& c : o.choices) ok = ok || c == s;
        if (!ok) bad("is not allowed");
      }
      return;
    }
  }
}

// The option a grid key names; errors say why a key cannot be used.
const OptionInfo& key_option(const std::string& where, const std::string& what, const std::string& key) {
  if (key == "json" || key == "csv")
    throw std::invalid_argument(where + ": " + what + ": --" + key + " is set by pimlab sweep (one JSON per point)");
  if (key == "survey")
    throw std::invalid_argument(where + ": " + what +
                                ": --survey runs three batches in one process; make batch an axis with the values 1, 8 and the large batch");
  if (key.rfind("platform.", 0) == 0) {
    static const OptionInfo platform{"platform", Kind::platform, 0, 0, false, {}};
    bool ok = key.size() > 9 && key.back() != '.' && key.find("..") == std::string::npos;
    if (!ok) throw std::invalid_argument(where + ": " + what + ": '" + key + "' is not a key path platform.<key>[.<key>...]");
    return platform;
  }
  if (key.find('.') != std::string::npos)
    throw std::invalid_argument(where + ": " + what + ": config key '" + key +
                                "' has no 'pimlab run' option; hardware keys are platform-file keys written "
                                "platform.<key>[.<key>...] (platform.gpu.hbm_stacks, docs/serving.md) or whole "
                                "platform files as 'system' values; options allowed: " + option_names());
  const OptionInfo* o = find_option(key);
  if (!o)
    throw std::invalid_argument(where + ": " + what + ": unknown key '" + key + "': 'pimlab run' has no option --" + key +
                                "; keys allowed: " + option_names());
  return *o;
}

std::string slug(const std::string& key, const Json& v) {
  std::string t = value_text(v);
  if (v.is_boolean()) t = v.get<bool>() ? "on" : "off";
  std::string k = key;
  if (k.rfind("platform.", 0) == 0) k = k.substr(k.find_last_of('.') + 1);
  const auto slash = t.find_last_of('/');
  if (slash != std::string::npos) t = t.substr(slash + 1);
  if (t.size() > 5 && t.compare(t.size() - 5, 5, ".json") == 0) t.resize(t.size() - 5);
  std::string s = k + "-" + t;
  for (char& c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '+' || c == '-';
    if (!ok) c = '_';
  }
  return s;
}

std::string settings_text(const std::vector<Setting>& s) {
  // Canonical: sorted by key, so the order of the grid does not matter.
  std::map<std::string, std::string> m;
  for (const auto& x : s) m[x.key] = x.value.dump();
  std::string t;
  for (const auto& [k, v] : m) t += k + "=" + v + "\n";
  return t;
}

const Json* find_setting(const std::vector<Setting>& s, const std::string& key) {
  for (const auto& x : s)
    if (x.key == key) return &x.value;
  return nullptr;
}

}  // namespace

const std::vector<OptionInfo>& run_options() {
  // The options of `pimlab run` (sim/cmd_run.cpp) and the ranges it checks.
  static const std::vector<OptionInfo> opts = {
      {"system", Kind::text, 0, 0, true, {}},
      {"model", Kind::text, 0, 0, true, {}},
      {"batch", Kind::integer, 1, 1 << 20, false, {}},
      {"input-len", Kind::integer, 1, 1 << 24, false, {}},
      {"output-len", Kind::integer, 1, 1 << 24, false, {}},
      {"workload", Kind::text, 0, 0, true, {}},
      {"rate", Kind::real_or_inf, 0, 0, false, {}},
      {"requests", Kind::integer, 1, 1 << 24, false, {}},
      {"seed", Kind::integer, 0, kMaxI64, false, {}},
      {"iterations", Kind::integer, 0, std::int64_t{1} << 40, false, {}},
      {"prefill", Kind::integer_or_text, 1, 1 << 24, false, {}},
      {"host", Kind::text, 0, 0, true, {}},
      {"gpus", Kind::integer, 1, 64, false, {}},
      {"tp", Kind::integer, 1, 64, false, {}},
      {"pp", Kind::integer, 1, 64, false, {}},
      {"sub-batch", Kind::text, 0, 0, true, {"on", "off", "auto"}},
      {"placement", Kind::text, 0, 0, true, {"rr", "clb"}},
      {"fast-channels", Kind::integer, 0, 1024, false, {}},
      {"npu-issue", Kind::text, 0, 0, true, {"own", "offered"}},
      {"attacc-placement", Kind::text, 0, 0, true, {"bank", "bg", "buffer"}},
      {"attention-sample", Kind::integer, 0, 1 << 20, false, {}},
      {"artifact-compatible", Kind::flag, 0, 0, false, {}},
      {"ignore-capacity", Kind::flag, 0, 0, false, {}},
      {"no-reuse", Kind::flag, 0, 0, false, {}},
  };
  return opts;
}

const OptionInfo* find_option(const std::string& name) {
  for (const auto& o : run_options())
    if (o.name == name) return &o;
  return nullptr;
}

std::uint64_t fnv1a64(const std::string& bytes) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

std::uint64_t point_seed(std::uint64_t base, const std::vector<Setting>& settings) {
  // Kept to 63 bits so the seed prints the same as a signed or unsigned integer.
  return splitmix64(base ^ fnv1a64(settings_text(settings))) >> 1;
}

std::string value_text(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  return v.dump();
}

std::string csv_cell(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

Grid parse_grid(const std::string& text, const std::string& where, const PlatformLoader& load) {
  Json doc;
  try {
    doc = Json::parse(text);
  } catch (const Json::exception& e) {  // parse_error, or out_of_range for a number too large (1e999)
    throw std::invalid_argument(where + ": not valid JSON (" + std::string(e.what()) + ")");
  }
  return grid_from_json(doc, where, load);
}

Grid grid_from_json(const Json& doc, const std::string& where, const PlatformLoader& load) {
  if (!doc.is_object()) throw std::invalid_argument(where + ": a grid is a JSON object {\"name\", \"axes\", \"fixed\", \"points\", \"seed\"}");
  Grid g;
  g.canonical = doc;
  g.digest = [&] {
    char b[32];
    std::snprintf(b, sizeof b, "fnv1a64:%016llx", static_cast<unsigned long long>(fnv1a64(doc.dump())));
    return std::string(b);
  }();
  for (const auto& [k, v] : doc.items()) {
    (void)v;
    if (k != "name" && k != "axes" && k != "fixed" && k != "points" && k != "seed" && k != "description")
      throw std::invalid_argument(where + ": unknown key '" + k + "'; allowed: name, description, axes, fixed, points, seed");
  }
  if (!doc.contains("name") || !doc["name"].is_string() || doc["name"].get<std::string>().empty())
    throw std::invalid_argument(where + ": 'name' (the study's name, a non-empty string) is missing or not a string");
  g.name = doc["name"].get<std::string>();
  for (char c : g.name)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.'))
      throw std::invalid_argument(where + ": name \"" + g.name + "\": allowed characters are letters, digits, '-', '_' and '.'");
  if (doc.contains("seed")) {
    const Json& s = doc["seed"];
    if (!s.is_number_unsigned() && !(s.is_number_integer() && s.get<std::int64_t>() >= 0))
      throw std::invalid_argument(where + ": seed " + s.dump() + " is not a non-negative integer");
    g.seed = s.get<std::uint64_t>();
  }
  if (doc.contains("description") && !doc["description"].is_string())
    throw std::invalid_argument(where + ": description is not a string");

  // Fixed settings.
  std::vector<Setting> fixed;
  if (doc.contains("fixed")) {
    if (!doc["fixed"].is_object()) throw std::invalid_argument(where + ": 'fixed' is not an object of option: value");
    for (const auto& [k, v] : doc["fixed"].items()) {
      const std::string what = "fixed key '" + k + "'";
      const OptionInfo& o = key_option(where, what, k);
      if (v.is_array())
        throw std::invalid_argument(where + ": " + what + ": value " + v.dump() + " is a list; a list of values is an axis (\"axes\")");
      check_value(where, what, o, v);
      fixed.push_back({k, v});
    }
  }
  // Axes.
  std::vector<std::pair<std::string, std::vector<Json>>> axes;
  if (doc.contains("axes")) {
    if (!doc["axes"].is_object()) throw std::invalid_argument(where + ": 'axes' is not an object of option: [values]");
    for (const auto& [k, v] : doc["axes"].items()) {
      const std::string what = "axis '" + k + "'";
      const OptionInfo& o = key_option(where, what, k);
      if (find_setting(fixed, k)) throw std::invalid_argument(where + ": " + what + " is also a fixed key");
      if (!v.is_array()) throw std::invalid_argument(where + ": " + what + ": " + v.dump() + " is not a list of values");
      if (v.empty()) throw std::invalid_argument(where + ": " + what + " is empty (an axis needs at least one value)");
      std::vector<Json> vals;
      std::set<std::string> seen;
      for (const Json& x : v) {
        check_value(where, what, o, x);
        if (!seen.insert(x.dump()).second)
          throw std::invalid_argument(where + ": " + what + ": value " + x.dump() + " appears twice");
        vals.push_back(x);
      }
      axes.emplace_back(k, std::move(vals));
      g.columns.push_back(k);
    }
  }
  // Cartesian product, the first axis varying slowest.
  std::vector<std::vector<Setting>> all;
  if (!axes.empty()) {
    std::vector<std::size_t> idx(axes.size(), 0);
    for (;;) {
      std::vector<Setting> s;
      for (std::size_t a = 0; a < axes.size(); ++a) s.push_back({axes[a].first, axes[a].second[idx[a]]});
      all.push_back(std::move(s));
      bool wrapped = true;
      for (std::size_t a = axes.size(); a-- > 0;) {
        if (++idx[a] < axes[a].second.size()) {
          wrapped = false;
          break;
        }
        idx[a] = 0;
      }
      if (wrapped) break;
    }
  }
  const std::size_t product = all.size();
  // Explicit points.
  if (doc.contains("points")) {
    if (!doc["points"].is_array()) throw std::invalid_argument(where + ": 'points' is not a list of objects");
    std::size_t i = 0;
    for (const Json& p : doc["points"]) {
      const std::string what0 = "points[" + std::to_string(i) + "]";
      if (!p.is_object() || p.empty())
        throw std::invalid_argument(where + ": " + what0 + " is not a non-empty object of option: value");
      std::vector<Setting> s;
      for (const auto& [k, v] : p.items()) {
        const std::string what = what0 + " key '" + k + "'";
        const OptionInfo& o = key_option(where, what, k);
        if (v.is_array())
          throw std::invalid_argument(where + ": " + what + ": value " + v.dump() + " is a list; a point takes one value per key");
        check_value(where, what, o, v);
        s.push_back({k, v});
        bool known = false;
        for (const auto& c : g.columns) known = known || c == k;
        if (!known) g.columns.push_back(k);
      }
      all.push_back(std::move(s));
      ++i;
    }
  }
  if (all.empty()) throw std::invalid_argument(where + ": no points (give 'axes' with values or 'points')");
  // Fixed keys complete every point (an explicit point's own value wins).
  std::map<std::string, std::size_t> by_settings;
  const int width = all.size() > 999 ? static_cast<int>(std::to_string(all.size() - 1).size()) : 3;
  for (std::size_t n = 0; n < all.size(); ++n) {
    Point p;
    p.index = n;
    const std::size_t own = all[n].size();
    p.settings = all[n];
    for (const auto& f : fixed)
      if (!find_setting(p.settings, f.key)) p.settings.push_back(f);
    const std::string what = n < product ? "point " + std::to_string(n) : "points[" + std::to_string(n - product) + "]";
    for (const char* req : {"system", "model"})
      if (!find_setting(p.settings, req))
        throw std::invalid_argument(where + ": " + what + " has no '" + req +
                                    "' (an axis, a fixed key or the point's own key): 'pimlab run' would run its built-in list");
    const std::string key = settings_text(p.settings);
    const auto [it, fresh] = by_settings.emplace(key, n);
    if (!fresh)
      throw std::invalid_argument(where + ": " + what + " repeats point " + std::to_string(it->second) + " (" +
                                  all[n].front().key + " " + all[n].front().value.dump() + ", ...)");
    char num[32];
    std::snprintf(num, sizeof num, "%0*zu", width, n);
    p.name = num;
    std::string tail;
    for (std::size_t k = 0; k < own; ++k) tail += "_" + slug(p.settings[k].key, p.settings[k].value);
    if (tail.size() > 96) tail.resize(96);
    p.name += tail;
    if (const Json* s = find_setting(p.settings, "seed")) {
      p.seed = s->get<std::uint64_t>();
    } else {
      p.seed = point_seed(g.seed, p.settings);
      const Json* w = find_setting(p.settings, "workload");
      p.seed_passed = w && (w->get<std::string>() == "sharegpt" || w->get<std::string>() == "alpaca");
    }
    // Platform keys: the point's own platform file, based on its system: a
    // built-in system as the "base", or a user's platform file whose keys the
    // point's keys override (objects merged key by key, other values replaced).
    std::vector<std::string> set_keys;
    bool gpu_from_file = false;
    for (const auto& st : p.settings) {
      if (st.key.rfind("platform.", 0) != 0) continue;
      if (p.platform.is_null()) {
        const std::string sys = find_setting(p.settings, "system")->get<std::string>();
        if (sys.size() > 5 && sys.compare(sys.size() - 5, 5, ".json") == 0) {
          if (!load)
            throw std::invalid_argument(where + ": " + what + ": key '" + st.key + "' needs a built-in system as its base, not the platform file \"" + sys + "\"");
          p.platform = load(sys);
          if (!p.platform.is_object())
            throw std::invalid_argument(where + ": " + what + ": the platform file \"" + sys + "\" is not a JSON object");
          gpu_from_file = p.platform.contains("gpu");
        } else {
          p.platform = Json::object();
          p.platform["name"] = sys;
          p.platform["base"] = sys;
        }
      }
      const std::string path = st.key.substr(9);
      for (const auto& k : set_keys)
        if (k == path || path.rfind(k + ".", 0) == 0 || k.rfind(path + ".", 0) == 0)
          throw std::invalid_argument(where + ": " + what + ": key '" + st.key + "' conflicts with key 'platform." + k + "'");
      set_keys.push_back(path);
      Json* node = &p.platform;
      std::string rest = path;
      for (std::size_t dot; (dot = rest.find('.')) != std::string::npos; rest = rest.substr(dot + 1)) {
        const std::string part = rest.substr(0, dot);
        Json& child = (*node)[part];
        if (child.is_null()) child = Json::object();
        // A file's GPU host given as a preset name: keys inside it start from that preset.
        if (node == &p.platform && part == "gpu" && child.is_string()) child = Json{{"base", child.get<std::string>()}};
        if (!child.is_object())
          throw std::invalid_argument(where + ": " + what + ": key '" + st.key + "' goes inside '" + part + "', which is set to " + child.dump());
        node = &child;
      }
      (*node)[rest] = st.value;
    }
    if (!p.platform.is_null() && !gpu_from_file && p.platform.contains("gpu") && p.platform["gpu"].is_object() &&
        !p.platform["gpu"].contains("base")) {
      const Json* h = find_setting(p.settings, "host");
      p.platform["gpu"]["base"] = h ? h->get<std::string>() : std::string("a100");
    }
    g.points.push_back(std::move(p));
  }
  return g;
}

std::vector<std::string> run_arguments(const Point& p, const std::string& platform_file) {
  std::vector<std::string> a;
  for (const auto& s : p.settings) {
    if (s.key.rfind("platform.", 0) == 0) continue;
    if (s.key == "system" && !p.platform.is_null()) {
      a.push_back("--system");
      a.push_back(platform_file);
      continue;
    }
    if (s.value.is_boolean()) {
      if (s.value.get<bool>()) a.push_back("--" + s.key);
      continue;
    }
    a.push_back("--" + s.key);
    a.push_back(value_text(s.value));
  }
  if (p.seed_passed) {
    a.push_back("--seed");
    a.push_back(std::to_string(p.seed));
  }
  return a;
}

namespace {
void flatten(const Json& j, const std::string& prefix, std::vector<std::pair<std::string, std::string>>& out) {
  for (const auto& [k, v] : j.items()) {
    const std::string name = prefix.empty() ? k : prefix + "." + k;
    // Descriptive strings and the reuse counters of the PIM kernel cache
    // (which depend on the thread schedule, not on the result) are left out.
    // The batch is an input (a setting of the point), not a metric; a run of
    // one system has no other system to be normalised to (normalised_* is
    // always 1 on gpu and absent elsewhere).
    if (prefix.empty() && (k == "hardware" || k == "pim_kernels" || k == "batch" || k == "normalised_throughput" ||
                           k == "normalised_energy"))
      continue;
    if (v.is_object()) {
      flatten(v, name, out);
    } else if (v.is_number()) {
      out.emplace_back(name, v.dump());
    }
  }
}
}  // namespace

std::string merge_csv(const Grid& g, const std::vector<Finished>& done) {
  std::vector<std::string> metrics;
  std::set<std::string> known;
  std::vector<std::map<std::string, std::string>> rows;
  for (const Finished& f : done) {
    if (!f.document.contains("stats") || !f.document["stats"].is_object() || f.document["stats"].contains("systems"))
      throw std::invalid_argument("point " + f.point->name + ": the document has no single-run 'stats' object");
    std::vector<std::pair<std::string, std::string>> flat;
    flatten(f.document["stats"], "", flat);
    std::map<std::string, std::string> row;
    for (const auto& [k, v] : flat) {
      if (known.insert(k).second) metrics.push_back(k);
      row[k] = v;
    }
    rows.push_back(std::move(row));
  }
  std::string csv = "point";
  for (const auto& c : g.columns) csv += "," + csv_cell(c);
  csv += ",seed";
  for (const auto& m : metrics) csv += "," + csv_cell(m);
  csv += "\n";
  for (std::size_t i = 0; i < done.size(); ++i) {
    const Point& p = *done[i].point;
    csv += csv_cell(p.name);
    for (const auto& c : g.columns) {
      const Json* v = find_setting(p.settings, c);
      csv += "," + (v ? csv_cell(value_text(*v)) : std::string());
    }
    csv += "," + std::to_string(p.seed);
    for (const auto& m : metrics) {
      const auto it = rows[i].find(m);
      csv += "," + (it == rows[i].end() ? std::string() : it->second);
    }
    csv += "\n";
  }
  return csv;
}

std::string operators_csv(const std::vector<Finished>& done) {
  std::string csv;
  for (const auto& f : done) {
    const Json& st = f.document.contains("stats") ? f.document["stats"] : Json();
    if (!st.is_object() || !st.contains("operators") || !st["operators"].is_array() || st["operators"].empty()) continue;
    const Json* hw = st.contains("hardware") && st["hardware"].is_object() ? &st["hardware"] : nullptr;
    if (!hw || !hw->contains("host_peak_flops") || !hw->contains("host_peak_bytes_per_s"))
      throw std::invalid_argument("point " + f.point->name + ": operators without hardware.host_peak_flops and host_peak_bytes_per_s");
    auto text = [](const Json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); };
    const std::string head = csv_cell(f.point->name) + "," + csv_cell(text(st.value("model", Json("")))) + "," +
                             text(st.value("batch", Json(""))) + "," + csv_cell(text(st.value("system", Json(""))));
    const std::string peaks = text((*hw)["host_peak_flops"]) + "," + text((*hw)["host_peak_bytes_per_s"]);
    char buf[96];
    for (const Json& op : st["operators"]) {
      std::snprintf(buf, sizeof buf, ",%.17g,%.17g,%.17g,", op.at("flops").get<double>(), op.at("bytes").get<double>(),
                    op.at("time_s").get<double>());
      csv += head + "," + csv_cell(op.at("name").get<std::string>()) + "," + csv_cell(op.at("category").get<std::string>()) +
             buf + peaks + "\n";
    }
  }
  if (csv.empty()) return csv;
  return "point,model,batch,system,name,category,flops,bytes,time_s,peak_flops,peak_bytes_per_s\n" + csv;
}

}  // namespace pimlab::sweep
