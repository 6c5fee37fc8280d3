#include "cli.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <sstream>

namespace pimlab::cli {

std::map<std::string, Command>& registry() {
  static std::map<std::string, Command> commands;
  return commands;
}

std::string one_of(const std::vector<std::string>& allowed) {
  std::string s;
  for (std::size_t i = 0; i < allowed.size(); ++i) {
    if (i) s += (i + 1 == allowed.size()) ? " or " : ", ";
    s += allowed[i];
  }
  return s;
}

Args::Args(std::string command, std::vector<OptionSpec> specs, std::size_t max_positional,
           std::string positional_name)
    : m_command(std::move(command)),
      m_specs(std::move(specs)),
      m_max_positional(max_positional),
      m_positional_name(std::move(positional_name)) {}

const OptionSpec* Args::find(const std::string& name) const {
  for (const auto& s : m_specs)
    if (s.name == name) return &s;
  return nullptr;
}

void Args::parse(int argc, char** argv, int first) {
  for (int i = first; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "-h" || a == "--help") {
      m_help = true;
      continue;
    }
    if (a.size() > 2 && a.compare(0, 2, "--") == 0) {
      std::string name = a.substr(2), value;
      bool inline_value = false;
      if (auto eq = name.find('='); eq != std::string::npos) {
        value = name.substr(eq + 1);
        name = name.substr(0, eq);
        inline_value = true;
      }
      const OptionSpec* spec = find(name);
      if (!spec) throw UsageError("unknown option '--" + name + "' (see 'pimlab " + m_command + " --help')");
      if (spec->value_name.empty()) {
        if (inline_value) throw UsageError("option '--" + name + "' takes no value");
        value = "1";
      } else if (!inline_value) {
        if (i + 1 >= argc) throw UsageError("option '--" + name + "' needs a value (" + spec->value_name + ")");
        value = argv[++i];
      }
      if (m_values.count(name)) throw UsageError("option '--" + name + "' given twice");
      m_values[name] = value;
      continue;
    }
    if (a.size() > 1 && a[0] == '-') throw UsageError("unknown option '" + a + "' (see 'pimlab " + m_command + " --help')");
    if (m_positional.size() >= m_max_positional)
      throw UsageError("unexpected argument '" + a + "' (see 'pimlab " + m_command + " --help')");
    m_positional.push_back(a);
  }
}

bool Args::has(const std::string& name) const { return m_values.count(name) != 0; }

std::optional<std::string> Args::opt(const std::string& name) const {
  auto it = m_values.find(name);
  if (it == m_values.end()) return std::nullopt;
  return it->second;
}

std::string Args::str(const std::string& name, const std::string& fallback) const {
  auto v = opt(name);
  return v ? *v : fallback;
}

std::int64_t Args::integer(const std::string& name, std::int64_t fallback, std::int64_t min,
                           std::int64_t max) const {
  auto v = opt(name);
  if (!v) return fallback;
  errno = 0;
  char* end = nullptr;
  long long x = std::strtoll(v->c_str(), &end, 10);
  if (v->empty() || *end != '\0' || errno == ERANGE)
    throw UsageError("--" + name + " '" + *v + "' is not an integer");
  if (x < min || x > max)
    throw UsageError("--" + name + " " + *v + " is out of range [" + std::to_string(min) + ", " +
                     std::to_string(max) + "]");
  return x;
}

std::uint64_t Args::u64(const std::string& name, std::uint64_t fallback) const {
  auto v = opt(name);
  if (!v) return fallback;
  errno = 0;
  char* end = nullptr;
  if (v->empty() || (*v)[0] == '-') throw UsageError("--" + name + " '" + *v + "' is not a non-negative integer");
  unsigned long long x = std::strtoull(v->c_str(), &end, 0);
  if (*end != '\0' || errno == ERANGE)
    throw UsageError("--" + name + " '" + *v + "' is not a non-negative integer");
  return x;
}

double Args::real(const std::string& name, double fallback) const {
  auto v = opt(name);
  if (!v) return fallback;
  char* end = nullptr;
  double x = std::strtod(v->c_str(), &end);
  if (v->empty() || *end != '\0' || !std::isfinite(x))
    throw UsageError("--" + name + " '" + *v + "' is not a finite number");
  return x;
}

std::vector<std::string> Args::list(const std::string& name, const std::vector<std::string>& fallback,
                                    const std::vector<std::string>& allowed) const {
  auto v = opt(name);
  if (!v) return fallback;
  std::vector<std::string> out;
  std::stringstream ss(*v);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (item.empty()) throw UsageError("--" + name + " '" + *v + "' has an empty element");
    if (!allowed.empty()) {
      bool ok = false;
      for (const auto& a : allowed) ok = ok || a == item;
      if (!ok) throw UsageError("--" + name + ": unknown value '" + item + "' (allowed: " + one_of(allowed) + ")");
    }
    out.push_back(item);
  }
  if (out.empty()) throw UsageError("--" + name + " is empty");
  return out;
}

std::string Args::choice(const std::string& name, const std::string& fallback,
                         const std::vector<std::string>& allowed) const {
  auto v = opt(name);
  if (!v) return fallback;
  for (const auto& a : allowed)
    if (a == *v) return *v;
  throw UsageError("--" + name + ": unknown value '" + *v + "' (allowed: " + one_of(allowed) + ")");
}

std::string Args::help_text(const std::string& usage, const std::string& summary) const {
  std::ostringstream os;
  os << "usage: pimlab " << m_command << ' ' << usage << "\n\n" << summary << "\n";
  if (!m_specs.empty()) os << "\noptions:\n";
  for (const auto& s : m_specs) {
    std::string left = "  --" + s.name + (s.value_name.empty() ? "" : " " + s.value_name);
    os << left;
    os << std::string(left.size() < 28 ? 28 - left.size() : 1, ' ') << s.description;
    if (!s.default_text.empty()) os << " (default: " << s.default_text << ")";
    os << "\n";
  }
  os << "  -h, --help                this text\n";
  return os.str();
}

}  // namespace pimlab::cli
