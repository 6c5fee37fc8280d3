// Command-line frame of the `pimlab` executable: a registry of subcommands and
// a strict option parser. Every subcommand lives in its own sim/cmd_<name>.cpp
// and registers itself with PIMLAB_COMMAND; bad input throws UsageError, which
// main() turns into a one-line message and exit status 2.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace pimlab::cli {

// Bad input from the user: printed as "pimlab <cmd>: error: <what>", exit 2.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct OptionSpec {
  std::string name;         // without leading dashes: "seed"
  std::string value_name;   // empty for a boolean flag; "N", "FILE", ...; in brackets
                            // ("[FILE|-]") an optional value: see json_option()
  std::string description;  // one line for --help
  std::string default_text; // shown in --help; empty = none
};

// Parsed options of one subcommand. Accepts "--name value" and "--name=value".
class Args {
 public:
  Args(std::string command, std::vector<OptionSpec> specs, std::size_t max_positional = 0,
       std::string positional_name = {});
  // Parses argv[first..argc); throws UsageError on an unknown flag, a missing
  // value, or too many positional arguments.
  void parse(int argc, char** argv, int first);

  bool has(const std::string& name) const;
  std::string str(const std::string& name, const std::string& fallback) const;
  std::optional<std::string> opt(const std::string& name) const;
  // Numeric getters name the option and the offending text in their error.
  std::int64_t integer(const std::string& name, std::int64_t fallback, std::int64_t min,
                       std::int64_t max) const;
  std::uint64_t u64(const std::string& name, std::uint64_t fallback) const;
  double real(const std::string& name, double fallback) const;
  // A comma-separated list, each element checked against `allowed` when non-empty.
  std::vector<std::string> list(const std::string& name, const std::vector<std::string>& fallback,
                                const std::vector<std::string>& allowed = {}) const;
  // The value of `name`, which must be one of `allowed`.
  std::string choice(const std::string& name, const std::string& fallback,
                     const std::vector<std::string>& allowed) const;
  const std::vector<std::string>& positional() const { return m_positional; }
  bool help_requested() const { return m_help; }
  std::string help_text(const std::string& usage, const std::string& summary) const;

 private:
  const OptionSpec* find(const std::string& name) const;
  std::string m_command;
  std::vector<OptionSpec> m_specs;
  std::size_t m_max_positional;
  std::string m_positional_name;
  std::map<std::string, std::string> m_values;
  std::vector<std::string> m_positional;
  bool m_help = false;
};

struct Command {
  std::string name;
  std::string summary;  // one line, for `pimlab --help`
  std::function<int(int argc, char** argv)> run;  // argv[0] = "pimlab", argv[1] = name
};

std::map<std::string, Command>& registry();

struct Registrar {
  explicit Registrar(Command c) { registry().emplace(c.name, std::move(c)); }
};

// Parses a list of allowed words into "a, b or c" for error messages.
std::string one_of(const std::vector<std::string>& allowed);

// `--json [FILE|-]`, the same on every command: `--json` alone or `--json -`
// prints one JSON document on standard output and nothing else (no table);
// `--json FILE` (or `--json=FILE`) writes the document to FILE and the command
// prints its usual table. The value is optional: the next argument is taken as
// FILE unless it starts with '-' (other than "-" itself); `--json=FILE` is
// unambiguous before a positional argument.
OptionSpec json_option(std::string description = {});

// Refuses an output FILE of option `--<option>` that cannot be written (missing
// directory, a directory, no permission) with one line, as an I/O error
// (std::runtime_error, exit 3), without creating or truncating FILE. Commands
// call it before their work so that a long run does not fail at its end.
void check_output_file(const std::string& option, const std::string& path);

// Where the document of `--json [FILE|-]` goes. Constructed after parsing; a
// FILE that cannot be written (missing directory, a directory, no permission)
// is refused at once, before the command's work, as an I/O error (exit 3).
class JsonOutput {
 public:
  explicit JsonOutput(const Args& args, const std::string& option = "json");
  // --json was given (in either form).
  bool requested() const { return m_requested; }
  // The document replaces the table on standard output.
  bool to_stdout() const { return m_requested && m_path.empty(); }
  // The table is printed (no --json, or --json FILE).
  bool table() const { return !to_stdout(); }
  const std::string& path() const { return m_path; }
  // Writes `text` (one document, a newline appended) to standard output or
  // FILE; a failed write is an I/O error (std::runtime_error, exit 3). Does
  // nothing without --json.
  void write_text(const std::string& text) const;
  template <class Json>
  void write(const Json& doc, int indent = 2) const {
    // Strings from user input that are not UTF-8 come out with U+FFFD rather than failing the
    // whole document.
    if (m_requested) write_text(doc.dump(indent, ' ', false, Json::error_handler_t::replace));
  }

 private:
  std::string m_option;
  bool m_requested = false;
  std::string m_path;  // empty: standard output
};

}  // namespace pimlab::cli

#define PIMLAB_CLI_CAT2(a, b) a##b
#define PIMLAB_CLI_CAT(a, b) PIMLAB_CLI_CAT2(a, b)
#define PIMLAB_COMMAND(NAME, SUMMARY, FN) \
  static ::pimlab::cli::Registrar PIMLAB_CLI_CAT(pimlab_cmd_, __LINE__)({NAME, SUMMARY, FN})
