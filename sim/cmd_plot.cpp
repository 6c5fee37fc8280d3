// `pimlab plot`: plots of a merged sweep CSV through gnuplot, SVG and PNG
// (docs/sweep.md, "Plots").
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli.h"
#include "sweep/plot.h"
#include "textio/text_input.h"

namespace {

namespace fs = std::filesystem;
namespace sw = pimlab::sweep;
using pimlab::cli::Args;
using pimlab::cli::UsageError;

const char* kUsage =
    "CSV --x AXIS --y METRIC [--group AXIS] [--log] [--where COL=VALUE[,...]] [--out PREFIX] | CSV --breakdown time|energy "
    "--group AXIS [--where ...] | CSV --defaults";
const char* kSummary =
    "Plots a column of a merged sweep CSV (OUT/results.csv) against an axis, one line per value of\n"
    "--group, with gnuplot: PREFIX.svg and PREFIX.png, plus the data file PREFIX.dat and the script\n"
    "PREFIX.gp. --speedup-over G divides each series by group G's values at the same x. --defaults\n"
    "writes the survey's set next to the CSV (plots/): tokens/s and tokens/J against batch per system,\n"
    "the speedup over the gpu system and the time and energy breakdown bars at the largest batch, for\n"
    "every combination of the other axes, and a roofline of the host operators of every point that has\n"
    "them (operators.csv beside the CSV, written by pimlab sweep and pimlab run --plot). --roofline\n"
    "draws only the rooflines of an operators.csv.";

// The figures written, in order: printed one per line, or the document of --json.
std::vector<std::string> g_written;
bool g_print_paths = true;

void wrote(const fs::path& prefix) {
  for (const char* ext : {".svg", ".png"}) {
    g_written.push_back(prefix.string() + ext);
    if (g_print_paths) std::cout << g_written.back() << "\n";
  }
}

void write_file(const fs::path& p, const std::string& text) {
  std::ofstream f(p, std::ios::binary | std::ios::trunc);
  if (!f) throw std::runtime_error("cannot write '" + p.string() + "'");
  f << text;
  if (!f) throw std::runtime_error("write to '" + p.string() + "' failed");
}

void run_gnuplot(const fs::path& script) {
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error(std::string("fork failed: ") + std::strerror(errno));
  if (pid == 0) {
    execlp("gnuplot", "gnuplot", script.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  int ws = 0;
  while (waitpid(pid, &ws, 0) < 0)
    if (errno != EINTR) throw std::runtime_error("waitpid failed");
  if (WIFEXITED(ws) && WEXITSTATUS(ws) == 127)
    throw std::runtime_error("gnuplot is not installed (Debian package gnuplot-nox; tools/setup-deps.sh)");
  if (!WIFEXITED(ws) || WEXITSTATUS(ws) != 0)
    throw std::runtime_error("gnuplot failed on '" + script.string() + "'");
}

// One plot: the data, the script, SVG and PNG.
void plot_one(const sw::Table& t, const sw::PlotSpec& s, const fs::path& prefix, const std::string& title) {
  const sw::PlotData d = sw::plot_data(t, s, sw::axis_columns(t));
  const fs::path dat = prefix.string() + ".dat", gp = prefix.string() + ".gp";
  write_file(dat, sw::data_file(d));
  write_file(gp, sw::gnuplot_script(d, s, dat.string(), prefix.string() + ".svg", prefix.string() + ".png", title));
  run_gnuplot(gp);
  wrote(prefix);
}

void breakdown_one(const sw::Table& t, const std::string& group, const std::string& quantity,
                   const std::map<std::string, std::string>& where, const fs::path& prefix, const std::string& title) {
  const sw::BreakdownData b = sw::breakdown_data(t, group, quantity, where, sw::axis_columns(t));
  const fs::path dat = prefix.string() + ".dat", gp = prefix.string() + ".gp";
  write_file(dat, sw::breakdown_file(b, group));
  write_file(gp, sw::breakdown_script(b, dat.string(), prefix.string() + ".svg", prefix.string() + ".png", title));
  run_gnuplot(gp);
  wrote(prefix);
}

std::string slug(const std::string& s) {
  std::string o;
  for (char c : s) o += (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '+') ? c : '_';
  return o;
}

// The rooflines of an operators table, one per point, in PDIR.
void rooflines(const sw::Table& t, const fs::path& pdir) {
  fs::create_directories(pdir);
  for (const sw::Roofline& r : sw::roofline_data(t)) {
    const fs::path prefix = pdir / ("roofline_" + (r.point.empty() ? slug(r.model) + "_b" + slug(r.batch) + "_" + slug(r.system)
                                                                   : slug(r.point)));
    const fs::path dat = prefix.string() + ".dat", gp = prefix.string() + ".gp";
    write_file(dat, sw::roofline_file(r));
    write_file(gp, sw::roofline_script(r, dat.string(), prefix.string() + ".svg", prefix.string() + ".png"));
    run_gnuplot(gp);
    wrote(prefix);
  }
}

int plot_figures(const Args& a);

int plot(int argc, char** argv) {
  Args a("plot",
         {{"x", "AXIS", "the column on the x axis (an axis of the sweep)", ""},
          {"y", "METRIC", "the column on the y axis (a metric: tokens_per_s, tokens_per_j, energy_j, ...)", ""},
          {"group", "AXIS", "one line per value of this column", ""},
          {"where", "COL=VALUE[,...]", "keep the rows with these values", ""},
          {"speedup-over", "G", "divide every series by the series of group value G at the same x", ""},
          {"log", "", "logarithmic y (and x when numeric)", ""},
          {"breakdown", "time|energy", "stacked bars of the time or energy per category (breakdown.*), one bar per --group value", ""},
          {"out", "PREFIX", "output files PREFIX.svg, .png, .dat, .gp", "<CSV dir>/<y>_vs_<x>"},
          {"defaults", "", "the default set of plots of a study, in <CSV dir>/plots/", ""},
          {"roofline", "", "CSV is an operators.csv (pimlab sweep, pimlab run --plot): one roofline per point, in <CSV dir>/plots/", ""},
          pimlab::cli::json_option("the list of figures written as a JSON document (FILE or - for standard output) instead of one path per line")},
         1, "CSV");
  a.parse(argc, argv, 2);
  if (a.help_requested()) {
    std::cout << a.help_text(kUsage, kSummary);
    return 0;
  }
  const pimlab::cli::JsonOutput json(a);
  g_print_paths = json.table();
  const int rc = plot_figures(a);
  nlohmann::ordered_json doc;
  doc["meta"] = {{"command", "plot"}, {"schema", "pimlab.plot/1"}};
  doc["csv"] = a.positional()[0];
  doc["figures"] = g_written;
  json.write(doc);
  return rc;
}

int plot_figures(const Args& a) {
  if (a.positional().empty()) throw UsageError("no CSV file (usage: pimlab plot " + std::string(kUsage) + ")");
  const std::string csv = a.positional()[0];
  pimlab::textio::check_input_file(csv, "CSV");
  std::ifstream in(csv, std::ios::binary);
  const sw::Table t = sw::read_csv(in, csv);
  const fs::path dir = fs::path(csv).parent_path();

  if (a.has("roofline")) {
    for (const char* o : {"x", "y", "group", "where", "speedup-over", "out", "breakdown", "defaults", "log"})
      if (a.has(o)) throw UsageError(std::string("--") + o + " does not go with --roofline");
    rooflines(t, dir / "plots");
    return 0;
  }
  if (a.has("defaults")) {
    for (const char* o : {"x", "y", "group", "where", "speedup-over", "out", "breakdown"})
      if (a.has(o)) throw UsageError(std::string("--") + o + " does not go with --defaults");
    const auto axes = sw::axis_columns(t);
    if (axes.empty()) throw UsageError(csv + ": no axis columns (not a results.csv of pimlab sweep)");
    auto has = [&](const std::string& c) { for (const auto& x : axes) if (x == c) return true; return false; };
    const std::string x = has("batch") ? "batch" : axes.front();
    const std::string group = has("system") && x != "system" ? "system" : "";
    // Every combination of the other axes that occurs, one plot set each.
    std::vector<std::string> others;
    for (const auto& c : axes)
      if (c != x && c != group) others.push_back(c);
    std::set<std::vector<std::string>> combos;
    for (const auto& r : t.rows) {
      std::vector<std::string> v;
      for (const auto& c : others) v.push_back(r[t.column(c, "axis")]);
      combos.insert(v);
    }
    const fs::path pdir = dir / "plots";
    fs::create_directories(pdir);
    for (const auto& v : combos) {
      sw::PlotSpec s;
      s.x = x;
      s.group = group;
      s.log = a.has("log");
      s.log_x = x == "batch";  // batches 1, 8, 128: powers of two apart
      std::string tail, title_tail;
      for (std::size_t i = 0; i < others.size(); ++i) {
        s.where[others[i]] = v[i];
        if (v[i].empty()) continue;  // a column this combination's points leave unset
        tail += "_" + slug(others[i] + "-" + v[i]);
        title_tail += (title_tail.empty() ? ", " : " ") + others[i] + " " + v[i];
      }
      // The speedup plot when the gpu system is among this combination's rows.
      bool gpu = false;
      if (!group.empty())
        for (const auto& r : t.rows) {
          bool in = r[t.column(group, "axis")] == "gpu";
          for (std::size_t i = 0; i < others.size() && in; ++i) in = r[t.column(others[i], "axis")] == v[i];
          gpu = gpu || in;
        }
      for (const char* m : {"tokens_per_s", "tokens_per_j"}) {
        s.y = m;
        plot_one(t, s, pdir / (std::string(m) + "_vs_" + x + tail), std::string(m) + title_tail);
      }
      if (gpu) {
        s.y = "tokens_per_s";
        s.speedup_over = "gpu";
        plot_one(t, s, pdir / ("speedup_over_gpu_vs_" + x + tail), "speedup over gpu" + title_tail);
      }
      // Breakdown bars at this combination's largest x (numeric x only).
      if (!group.empty() && x != group) {
        double best = 0;
        std::string best_text;
        for (const auto& r : t.rows) {
          bool in = true;
          for (std::size_t i = 0; i < others.size() && in; ++i) in = r[t.column(others[i], "axis")] == v[i];
          const std::string& xv = r[t.column(x, "axis")];
          char* end = nullptr;
          const double d = std::strtod(xv.c_str(), &end);
          if (in && !xv.empty() && *end == '\0' && (best_text.empty() || d > best)) best = d, best_text = xv;
        }
        bool has_breakdown = false;
        for (const auto& h : t.header) has_breakdown = has_breakdown || h.rfind("breakdown.", 0) == 0;
        if (!best_text.empty() && has_breakdown) {
          auto w = s.where;
          w[x] = best_text;
          for (const char* q : {"time_s", "energy_j"})
            breakdown_one(t, group, q, w, pdir / ("breakdown_" + std::string(q) + "_" + x + "-" + best_text + tail),
                          std::string(q[0] == 't' ? "time" : "energy") + " by category, " + x + " " + best_text + title_tail);
        }
      }
    }
    // The rooflines of the host operators, when the study wrote them (operators.csv beside the CSV).
    const fs::path ops = dir / "operators.csv";
    std::error_code ec;
    if (fs::is_regular_file(ops, ec)) {
      std::ifstream oin(ops, std::ios::binary);
      rooflines(sw::read_csv(oin, ops.string()), pdir);
    }
    return 0;
  }
  if (a.has("breakdown")) {
    for (const char* o : {"x", "y", "speedup-over", "log"})
      if (a.has(o)) throw UsageError(std::string("--") + o + " does not go with --breakdown");
    if (!a.has("group")) throw UsageError("--breakdown needs --group (one bar per value)");
    const std::string q = a.choice("breakdown", "time", {"time", "energy"}) == "time" ? "time_s" : "energy_j";
    std::map<std::string, std::string> where;
    for (const std::string& w : a.list("where", {})) {
      const auto eq = w.find('=');
      if (eq == std::string::npos || eq == 0) throw UsageError("--where '" + w + "' is not COL=VALUE");
      where[w.substr(0, eq)] = w.substr(eq + 1);
    }
    const std::string group = a.str("group", "");
    const fs::path prefix = a.str("out", (dir / ("breakdown_" + q + "_by_" + slug(group))).string());
    std::string title = (q == "time_s" ? "time" : "energy") + std::string(" by category");
    for (const auto& [k, v] : where) title += ", " + k + " " + v;
    breakdown_one(t, group, q, where, prefix, title);
    return 0;
  }
  if (!a.has("x") || !a.has("y")) throw UsageError("--x and --y are required (or --breakdown, --defaults)");
  sw::PlotSpec s;
  s.x = a.str("x", "");
  s.y = a.str("y", "");
  s.group = a.str("group", "");
  s.log = a.has("log");
  s.speedup_over = a.str("speedup-over", "");
  if (!s.speedup_over.empty() && s.group.empty()) throw UsageError("--speedup-over needs --group");
  for (const std::string& w : a.list("where", {})) {
    const auto eq = w.find('=');
    if (eq == std::string::npos || eq == 0) throw UsageError("--where '" + w + "' is not COL=VALUE");
    s.where[w.substr(0, eq)] = w.substr(eq + 1);
  }
  const fs::path prefix = a.str("out", (dir / (slug(s.y) + "_vs_" + slug(s.x))).string());
  std::string title = s.y + " vs " + s.x;
  for (const auto& [k, v] : s.where) title += ", " + k + " " + v;
  plot_one(t, s, prefix, title);
  return 0;
}

}  // namespace

PIMLAB_COMMAND("plot", "plot a merged sweep CSV with gnuplot (SVG and PNG)", plot);
