#include "cli.h"

#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
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
      } else if (spec->value_name[0] == '[') {
        // Optional value: the next argument unless it is another option.
        if (inline_value) {
          if (value.empty()) throw UsageError("option '--" + name + "=' needs a value (" + spec->value_name + ")");
        } else if (i + 1 < argc && (std::string(argv[i + 1]) == "-" || argv[i + 1][0] != '-')) {
          value = argv[++i];
          if (value.empty()) throw UsageError("option '--" + name + "': empty value (" + spec->value_name + ")");
        } else {
          value = "-";
        }
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

OptionSpec json_option(std::string description) {
  if (description.empty())
    description = "write one JSON document to FILE; alone or '-': on standard output instead of the table";
  return {"json", "[FILE|-]", std::move(description), ""};
}

void check_output_file(const std::string& option, const std::string& path) {
  namespace fs = std::filesystem;
  // Checked without creating or truncating FILE: a run that fails later
  // leaves an existing FILE as it was.
  const auto fail = [&](const std::string& why) {
    throw std::runtime_error("--" + option + ": cannot write '" + path + "' (" + why + ")");
  };
  std::error_code ec;
  if (fs::is_directory(path, ec)) fail("is a directory");
  if (fs::exists(path, ec)) {
    if (::access(path.c_str(), W_OK) != 0) fail(std::strerror(errno));
    return;
  }
  fs::path dir = fs::path(path).parent_path();
  if (dir.empty()) dir = ".";
  if (!fs::is_directory(dir, ec)) fail("no directory '" + dir.string() + "'");
  if (::access(dir.c_str(), W_OK) != 0) fail(std::strerror(errno));
}

JsonOutput::JsonOutput(const Args& args, const std::string& option) : m_option(option) {
  const auto v = args.opt(option);
  if (!v) return;
  m_requested = true;
  if (*v == "-") return;
  m_path = *v;
  check_output_file(m_option, m_path);
}

void JsonOutput::write_text(const std::string& text) const {
  if (!m_requested) return;
  if (m_path.empty()) {
    std::cout << text << "\n" << std::flush;
    if (!std::cout) throw std::runtime_error("--" + m_option + ": writing to standard output failed");
    return;
  }
  std::ofstream os(m_path, std::ios::binary | std::ios::trunc);
  if (!os) throw std::runtime_error("--" + m_option + ": cannot write '" + m_path + "' (" + std::strerror(errno) + ")");
  os << text << "\n";
  os.close();
  if (!os) throw std::runtime_error("--" + m_option + ": writing '" + m_path + "' failed");
}

}  // namespace pimlab::cli
