// `pimlab sweep`: runs a design-space grid (docs/sweep.md). Every point is
// its own `pimlab run` process, on a local pool or through GNU parallel or a
// Slurm job array; each point writes one JSON, and the merge writes
// OUT/results.csv and OUT/manifest.json from whatever points finished.
#include <fcntl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "cli.h"
#include "gpu/host.h"
#include "model/model.h"
#include "model/system.h"
#include "serving/platform.h"
#include "sweep/grid.h"

namespace {

namespace fs = std::filesystem;
namespace sw = pimlab::sweep;
using pimlab::cli::Args;
using pimlab::cli::UsageError;
using Json = nlohmann::ordered_json;

const char* kUsage = "GRID [--out DIR] [--jobs N] | GRID --out DIR --emit parallel|slurm | --merge DIR";
const char* kSummary =
    "Runs every point of a design-space grid (a JSON file: axes over 'pimlab run' options, fixed\n"
    "settings, explicit points; docs/sweep.md) as its own 'pimlab run' process on a local pool, writes\n"
    "one JSON per point under DIR/points/, the merged DIR/results.csv (one row per point: the axes,\n"
    "the seed, the metrics) and DIR/manifest.json (version, grid digest, status and wall time of each\n"
    "point). Finished points are skipped when the sweep runs again; a failed point is reported and\n"
    "the others go on; Ctrl-C stops the runs and merges what finished (exit 130). --emit writes the\n"
    "job list and a GNU parallel script, or a Slurm job-array script, instead of running; --merge\n"
    "merges what those jobs wrote. Exit status: 0 every point finished, 2 bad grid or options,\n"
    "3 a point failed or is missing, 130 interrupted.";

// ---------------------------------------------------------------- signals
constexpr std::size_t kMaxJobs = 256;
std::atomic<bool> g_interrupted{false};
std::array<std::atomic<pid_t>, kMaxJobs> g_children{};

void on_sigint(int) {
  g_interrupted.store(true);
  // Forward to the runs (kill is async-signal-safe): a run interrupted by a
  // terminal's Ctrl-C already has it, a second one makes it stop at once.
  for (auto& c : g_children) {
    const pid_t p = c.load();
    if (p > 0) kill(p, SIGINT);
  }
}

void install_sigint() {
  struct sigaction sa {};
  sa.sa_handler = on_sigint;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: waitpid returns EINTR
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);  // a scheduler's cancel or `timeout`: the same consistent partial result
}

// ---------------------------------------------------------------- files
std::string self_exe() {
  std::error_code ec;
  const fs::path p = fs::read_symlink("/proc/self/exe", ec);
  if (ec) throw std::runtime_error("cannot find the pimlab executable (/proc/self/exe): " + ec.message());
  return p.string();
}

std::string read_text(const fs::path& p, bool user_input) {
  std::error_code ec;
  if (fs::is_directory(p, ec)) {
    if (user_input) throw UsageError(p.string() + ": is a directory, not a file");
    throw std::runtime_error(p.string() + ": is a directory");
  }
  std::ifstream f(p, std::ios::binary);
  if (!f) {
    if (user_input) throw UsageError(p.string() + ": cannot read the file");
    throw std::runtime_error(p.string() + ": cannot read the file");
  }
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

// Written to a temporary name and renamed: a reader never sees half a file.
void write_atomic(const fs::path& p, const std::string& text) {
  const fs::path tmp = p.string() + ".tmp" + std::to_string(getpid());
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f) throw std::runtime_error("cannot write '" + tmp.string() + "'");
    f << text;
    f.flush();
    if (!f) throw std::runtime_error("write to '" + tmp.string() + "' failed");
  }
  std::error_code ec;
  fs::rename(tmp, p, ec);
  if (ec) throw std::runtime_error("cannot rename '" + tmp.string() + "' to '" + p.string() + "': " + ec.message());
}

std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

std::string pimlab_version(const std::string& exe) {
  FILE* p = popen((shell_quote(exe) + " --version 2>/dev/null").c_str(), "r");
  if (!p) return "unknown";
  char buf[256] = {0};
  std::string v = std::fgets(buf, sizeof buf, p) ? buf : "unknown";
  pclose(p);
  while (!v.empty() && (v.back() == '\n' || v.back() == '\r')) v.pop_back();
  return v;
}

// ---------------------------------------------------------------- the study directory
struct Study {
  fs::path out;
  sw::Grid grid;
  fs::path json(const sw::Point& p) const { return out / "points" / (p.name + ".json"); }
  fs::path part(const sw::Point& p) const { return out / "points" / (p.name + ".json.part"); }
  fs::path log(const sw::Point& p) const { return out / "points" / (p.name + ".log"); }
  fs::path status(const sw::Point& p) const { return out / "points" / (p.name + ".status.json"); }
  fs::path platform(const sw::Point& p) const { return out / "points" / (p.name + ".platform.json"); }
};

// The status file of a point, or null when the point has not run.
Json read_status(const Study& s, const sw::Point& p) {
  std::error_code ec;
  if (!fs::exists(s.status(p), ec)) return Json();
  try {
    return Json::parse(read_text(s.status(p), false));
  } catch (const Json::exception&) {  // parse_error, or out_of_range for a number too large
    return Json();
  }
}

// Finished: run with status ok, its JSON there, and (a point with platform
// keys) run on the platform it has now: a user's platform file edited since
// the run makes the point run again.
bool finished(const Study& s, const sw::Point& p) {
  const Json st = read_status(s, p);
  std::error_code ec;
  if (!(st.is_object() && st.value("status", "") == "ok" && fs::exists(s.json(p), ec))) return false;
  return p.platform.is_null() || (fs::is_regular_file(s.platform(p), ec) && read_text(s.platform(p), false) == p.platform.dump(2) + "\n");
}

// A user's platform file under a point's platform.* keys, read from the
// directory the sweep runs in (the emitted jobs run there too).
Json load_platform(const std::string& path) {
  const std::string text = read_text(path, true);
  try {
    return Json::parse(text);
  } catch (const Json::parse_error& e) {
    throw UsageError(path + ": not valid JSON (" + std::string(e.what()) + ")");
  }
}

// Names and files the grid mentions are checked before anything starts.
void check_names(const sw::Grid& g, const std::string& where) {
  std::map<std::string, bool> seen;
  for (const auto& p : g.points)
    for (const auto& st : p.settings) {
      if (!st.value.is_string()) continue;
      const std::string v = st.value.get<std::string>();
      if (!seen.emplace(st.key + "\n" + v, true).second) continue;
      if (st.key.rfind("platform.", 0) == 0) continue;
      const std::string path = v.rfind("snapshot:", 0) == 0 ? v.substr(9) : v;
      const bool file = path.size() > 5 && (path.compare(path.size() - 5, 5, ".json") == 0 || path.compare(path.size() - 4, 4, ".csv") == 0);
      auto bad = [&](const std::string& why) {
        throw UsageError(where + ": key '" + st.key + "': value \"" + v + "\": " + why);
      };
      try {
        if (st.key == "system" && !file) pimlab::model::find_system(v);
        if (st.key == "model") pimlab::model::resolve_model(v);
        if (st.key == "host" && !file) pimlab::gpu::preset(v);
      } catch (const std::invalid_argument& e) {
        bad(e.what());
      }
      std::error_code ec;
      if (file && (st.key == "system" || st.key == "host" || st.key == "workload") && !fs::is_regular_file(path, ec))
        bad("no such file");
    }
}

sw::Grid load_grid(const fs::path& file) {
  const std::string text = read_text(file, true);
  sw::Grid g = sw::parse_grid(text, file.string(), load_platform);
  check_names(g, file.string());
  // Platform keys: the platform file of every point is checked by the parser
  // `pimlab run` uses (unknown key, wrong type, bad value).
  for (const auto& p : g.points)
    if (!p.platform.is_null()) pimlab::serving::platform_from_json(nlohmann::json::parse(p.platform.dump()), file.string() + ": point " + p.name + ": platform");
  return g;
}

// Creates OUT (or reopens it for a resumed sweep: the grid must be the same).
Study open_study(const fs::path& out_arg, const sw::Grid& g) {
  // Absolute, so the emitted scripts and job lines work from any directory.
  const fs::path out = fs::absolute(out_arg).lexically_normal();
  Study s{out, g};
  std::error_code ec;
  const fs::path saved = out / "grid.json";
  if (fs::exists(saved, ec)) {
    sw::Grid old = sw::parse_grid(read_text(saved, false), saved.string(), load_platform);
    if (old.digest != g.digest)
      throw UsageError("--out " + out.string() + " holds study '" + old.name + "' of another grid (" + old.digest +
                       ", this grid " + g.digest + "): choose another --out");
  }
  fs::create_directories(out / "points", ec);
  if (ec) throw std::runtime_error("cannot create '" + (out / "points").string() + "': " + ec.message());
  if (!fs::exists(saved)) write_atomic(saved, g.canonical.dump(2) + "\n");
  return s;
}

// Reopens OUT for --merge and --point.
Study reopen_study(const fs::path& out_arg) {
  const fs::path out = fs::absolute(out_arg).lexically_normal();
  const fs::path saved = out / "grid.json";
  std::error_code ec;
  if (!fs::exists(saved, ec))
    throw UsageError(out.string() + ": no grid.json (not a sweep directory: make one with 'pimlab sweep GRID --out " +
                     out.string() + "')");
  return Study{out, sw::parse_grid(read_text(saved, false), saved.string(), load_platform)};
}

// ---------------------------------------------------------------- one point
pid_t start_point(const Study& s, const sw::Point& p, const std::string& exe) {
  std::vector<std::string> args = {"pimlab", "run"};
  if (!p.platform.is_null()) write_atomic(s.platform(p), p.platform.dump(2) + "\n");
  for (auto& a : sw::run_arguments(p, s.platform(p).string())) args.push_back(a);
  args.push_back("--json");
  args.push_back(s.part(p).string());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const std::string log = s.log(p).string();
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error(std::string("fork failed: ") + std::strerror(errno));
  if (pid == 0) {
    const int null_fd = open("/dev/null", O_WRONLY);
    const int log_fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (null_fd >= 0) dup2(null_fd, 1);
    if (log_fd >= 0) dup2(log_fd, 2);
    execv(exe.c_str(), argv.data());
    _exit(127);
  }
  return pid;
}

// Records how a point's run ended; returns its status word.
std::string finish_point(const Study& s, const sw::Point& p, int wait_status, double wall_s) {
  int rc = WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : 128 + WTERMSIG(wait_status);
  std::string status = rc == 0 ? "ok" : rc == 130 ? "interrupted" : "failed";
  std::error_code ec;
  if (status == "ok") {
    // A document that says "interrupted" is not a finished point.
    try {
      const Json d = Json::parse(read_text(s.part(p), false));
      if (d.contains("stats") && d["stats"].value("interrupted", false)) status = "interrupted";
    } catch (const std::exception&) {
      status = "failed";
    }
  }
  if (status == "ok") {
    fs::rename(s.part(p), s.json(p), ec);
    if (ec) status = "failed";
  } else {
    fs::remove(s.part(p), ec);
  }
  Json st;
  st["point"] = p.name;
  st["status"] = status;
  st["exit_code"] = rc;
  st["wall_s"] = wall_s;
  char host[256] = {0};
  gethostname(host, sizeof host - 1);
  st["host"] = host;
  write_atomic(s.status(p), st.dump(2) + "\n");
  return status;
}

// ---------------------------------------------------------------- merge
struct MergeResult {
  std::size_t ok = 0, failed = 0, pending = 0;
  Json manifest;  // what OUT/manifest.json holds (also the document of --json)
};

MergeResult merge(const Study& s, const std::string& exe, double wall_s) {
  MergeResult r;
  std::vector<sw::Finished> done;
  Json points = Json::array();
  double points_wall = 0;
  for (const auto& p : s.grid.points) {
    Json st = read_status(s, p);
    std::string status = st.is_object() ? st.value("status", "pending") : "pending";
    Json doc;
    if (status == "ok") {
      try {
        doc = Json::parse(read_text(s.json(p), false));
      } catch (const std::exception&) {
        status = "failed";
      }
    }
    if (status == "ok") {
      done.push_back({&p, doc});
      ++r.ok;
    } else if (status == "failed") {
      ++r.failed;
    } else {
      ++r.pending;
    }
    Json e;
    e["index"] = p.index;
    e["name"] = p.name;
    e["status"] = status;
    Json set = Json::object();
    for (const auto& x : p.settings) set[x.key] = x.value;
    e["settings"] = set;
    e["seed"] = p.seed;
    if (st.is_object()) {
      e["exit_code"] = st.value("exit_code", -1);
      e["wall_s"] = st.value("wall_s", 0.0);
      e["host"] = st.value("host", "");
      points_wall += st.value("wall_s", 0.0);
    }
    if (status == "ok") e["json"] = "points/" + p.name + ".json";
    if (status != "pending") e["log"] = "points/" + p.name + ".log";
    points.push_back(e);
  }
  write_atomic(s.out / "results.csv", sw::merge_csv(s.grid, done));
  // The host operators of the points that have them (GPU hosts), for the rooflines of `pimlab plot --defaults`.
  const std::string ops = sw::operators_csv(done);
  std::error_code ec;
  if (!ops.empty()) write_atomic(s.out / "operators.csv", ops);
  else fs::remove(s.out / "operators.csv", ec);
  Json m;
  m["meta"] = {{"command", "sweep"}, {"schema", "pimlab.sweep/1"}};
  m["name"] = s.grid.name;
  m["pimlab_version"] = pimlab_version(exe);
  m["config_digest"] = s.grid.digest;
  m["grid"] = "grid.json";
  m["results"] = "results.csv";
  if (!ops.empty()) m["operators"] = "operators.csv";
  m["points_total"] = s.grid.points.size();
  m["points_ok"] = r.ok;
  m["points_failed"] = r.failed;
  m["points_pending"] = r.pending;
  m["points_wall_s"] = points_wall;
  if (wall_s >= 0) m["wall_s"] = wall_s;
  m["points"] = points;
  write_atomic(s.out / "manifest.json", m.dump(2) + "\n");
  r.manifest = std::move(m);
  return r;
}

int merge_status(const MergeResult& r) { return r.failed + r.pending == 0 ? 0 : 3; }

// The summary lines on standard output, or on standard error when --json puts
// the manifest there; then the document of --json.
void print_summary(const Study& s, const MergeResult& r, std::size_t skipped, const pimlab::cli::JsonOutput& json) {
  std::FILE* out = json.table() ? stdout : stderr;
  std::fprintf(out, "pimlab sweep %s: %zu points: %zu finished%s, %zu failed, %zu not run\n", s.grid.name.c_str(),
               s.grid.points.size(), r.ok,
               skipped ? (" (" + std::to_string(skipped) + " from an earlier run)").c_str() : "", r.failed, r.pending);
  std::fprintf(out, "  %s\n  %s\n", (s.out / "results.csv").string().c_str(), (s.out / "manifest.json").string().c_str());
  std::fflush(out);
  json.write(r.manifest);
}

// ---------------------------------------------------------------- the local pool
int run_pool(const Study& s, std::size_t jobs, const std::string& exe, const pimlab::cli::JsonOutput& json) {
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<const sw::Point*> todo;
  std::size_t skipped = 0;
  for (const auto& p : s.grid.points) {
    if (finished(s, p))
      ++skipped;
    else
      todo.push_back(&p);
  }
  install_sigint();
  struct Running {
    const sw::Point* p;
    std::chrono::steady_clock::time_point t0;
    std::size_t slot;
  };
  std::map<pid_t, Running> running;
  std::vector<bool> slot_used(jobs, false);
  std::size_t next = 0, ended = 0;
  while ((next < todo.size() && !g_interrupted.load()) || !running.empty()) {
    while (running.size() < jobs && next < todo.size() && !g_interrupted.load()) {
      std::size_t slot = 0;
      while (slot_used[slot]) ++slot;
      const sw::Point* p = todo[next++];
      const pid_t pid = start_point(s, *p, exe);
      slot_used[slot] = true;
      g_children[slot].store(pid);
      if (g_interrupted.load()) kill(pid, SIGINT);  // raced with Ctrl-C
      running[pid] = {p, std::chrono::steady_clock::now(), slot};
    }
    int ws = 0;
    const pid_t pid = waitpid(-1, &ws, 0);
    if (pid < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error(std::string("waitpid failed: ") + std::strerror(errno));
    }
    const auto it = running.find(pid);
    if (it == running.end()) continue;
    const Running r = it->second;
    running.erase(it);
    g_children[r.slot].store(0);
    slot_used[r.slot] = false;
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - r.t0).count();
    const std::string st = finish_point(s, *r.p, ws, wall);
    ++ended;
    std::fprintf(stderr, "[%zu/%zu] %s: %s (%.2f s)%s\n", ended, todo.size(), r.p->name.c_str(), st.c_str(), wall,
                 st == "failed" ? (", see " + s.log(*r.p).string()).c_str() : "");
  }
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const MergeResult m = merge(s, exe, wall);
  print_summary(s, m, skipped, json);
  if (g_interrupted.load()) {
    std::fprintf(stderr, "pimlab sweep: interrupted: %zu of %zu points finished; run the same command again to finish the others\n",
                 m.ok, s.grid.points.size());
    return 130;
  }
  if (m.failed)
    std::fprintf(stderr, "pimlab sweep: %zu point(s) failed (their logs: %s/points/*.log)\n", m.failed, s.out.string().c_str());
  return merge_status(m);
}

// One point, as a job of GNU parallel or a Slurm array task.
int run_one(const Study& s, std::int64_t index, const std::string& exe) {
  if (index < 0 || static_cast<std::size_t>(index) >= s.grid.points.size())
    throw UsageError("--point " + std::to_string(index) + " is out of range (the study has " +
                     std::to_string(s.grid.points.size()) + " points: 0.." + std::to_string(s.grid.points.size() - 1) + ")");
  const sw::Point& p = s.grid.points[static_cast<std::size_t>(index)];
  if (finished(s, p)) {
    std::fprintf(stderr, "%s: already finished\n", p.name.c_str());
    return 0;
  }
  install_sigint();
  const auto t0 = std::chrono::steady_clock::now();
  const pid_t pid = start_point(s, p, exe);
  g_children[0].store(pid);
  if (g_interrupted.load()) kill(pid, SIGINT);
  int ws = 0;
  while (waitpid(pid, &ws, 0) < 0) {
    if (errno != EINTR) throw std::runtime_error(std::string("waitpid failed: ") + std::strerror(errno));
  }
  g_children[0].store(0);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const std::string st = finish_point(s, p, ws, wall);
  std::fprintf(stderr, "%s: %s (%.2f s)%s\n", p.name.c_str(), st.c_str(), wall,
               st == "failed" ? (", see " + s.log(p).string()).c_str() : "");
  return st == "ok" ? 0 : st == "interrupted" ? 130 : 3;
}

// ---------------------------------------------------------------- emit
void emit_parallel(const Study& s, const std::string& exe, const std::optional<std::string>& jobs) {
  const std::string cwd = fs::current_path().string();
  std::string lines;
  for (const auto& p : s.grid.points)
    lines += "cd " + shell_quote(cwd) + " && " + shell_quote(exe) + " sweep --out " + shell_quote(s.out.string()) +
             " --point " + std::to_string(p.index) + "\n";
  write_atomic(s.out / "jobs.txt", lines);
  std::string sh;
  sh += "#!/bin/sh\n";
  sh += "# Study '" + s.grid.name + "': " + std::to_string(s.grid.points.size()) +
        " points, one 'pimlab sweep --point' job per line of jobs.txt, run by GNU parallel;\n";
  sh += "# then the merge writes results.csv and manifest.json. Arguments go to parallel:\n";
  sh += "#   run-parallel.sh --jobs 8\n";
  sh += "#   run-parallel.sh --sshloginfile hosts.txt   (the pimlab binary and this directory at the same\n";
  sh += "#                                               paths on every host: a shared file system)\n";
  sh += "# Finished points are skipped: run the script again after a failure or an interruption.\n";
  sh += "OUT=" + shell_quote(s.out.string()) + "\n";
  sh += "PIMLAB=" + shell_quote(exe) + "\n";
  sh += "parallel --joblog \"$OUT/parallel.joblog\"" + (jobs ? " --jobs " + *jobs : std::string()) +
        " \"$@\" < \"$OUT/jobs.txt\"\n";
  sh += "rc=$?\n";
  sh += "\"$PIMLAB\" sweep --merge \"$OUT\" || exit $?\n";
  sh += "exit $rc\n";
  const fs::path script = s.out / "run-parallel.sh";
  write_atomic(script, sh);
  fs::permissions(script, fs::perms::owner_exec | fs::perms::group_exec | fs::perms::others_exec, fs::perm_options::add);
  std::printf("pimlab sweep %s: %zu points\n  %s\n  %s\nrun: %s [--sshloginfile FILE] [--jobs N]\n", s.grid.name.c_str(),
              s.grid.points.size(), (s.out / "jobs.txt").string().c_str(), script.string().c_str(), script.string().c_str());
}

void emit_slurm(const Study& s, const std::string& exe, const Args& a) {
  const std::size_t n = s.grid.points.size();
  const auto chunk = static_cast<std::size_t>(a.integer("chunk", 1, 1, 1 << 20));
  const std::size_t tasks = (n + chunk - 1) / chunk;
  auto check = [&](const char* opt, const char* allowed, auto ok) {
    if (!a.has(opt)) return;
    const std::string v = a.str(opt, "");
    bool good = !v.empty();
    for (char c : v) good = good && ok(c);
    if (!good) throw UsageError(std::string("--") + opt + " '" + v + "': allowed " + allowed);
  };
  check("partition", "letters, digits, '_', '-', '.' and ','",
        [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' || c == ','; });
  check("time", "Slurm's forms MINUTES, HH:MM:SS or D-HH:MM:SS",
        [](char c) { return std::isdigit(static_cast<unsigned char>(c)) || c == ':' || c == '-'; });
  check("mem", "a size such as 4G or 4000M",
        [](char c) { return std::isdigit(static_cast<unsigned char>(c)) || c == 'K' || c == 'M' || c == 'G' || c == 'T'; });
  const std::string cwd = fs::current_path().string();
  const fs::path logs = s.out / "slurm";
  fs::create_directories(logs);
  std::string b;
  b += "#!/bin/bash\n";
  b += "#SBATCH --job-name=pimlab-sweep-" + s.grid.name + "\n";
  b += "#SBATCH --array=0-" + std::to_string(tasks - 1) + "\n";
  b += "#SBATCH --ntasks=1\n";
  b += "#SBATCH --cpus-per-task=2\n";
  b += "#SBATCH --chdir=" + cwd + "\n";
  b += "#SBATCH --output=" + (logs / "%A_%a.out").string() + "\n";
  if (a.has("partition")) b += "#SBATCH --partition=" + a.str("partition", "") + "\n";
  if (a.has("time")) b += "#SBATCH --time=" + a.str("time", "") + "\n";
  if (a.has("mem")) b += "#SBATCH --mem=" + a.str("mem", "") + "\n";
  b += "# Study '" + s.grid.name + "': " + std::to_string(n) + " points, " + std::to_string(chunk) +
       " per array task. Submit, then merge what the tasks wrote:\n";
  b += "#   jobid=$(sbatch --parsable " + (s.out / "sweep.sbatch").string() + ")\n";
  b += "#   sbatch --dependency=afterany:$jobid --wrap \"" + exe + " sweep --merge " + s.out.string() + "\"\n";
  b += "# Finished points are skipped: resubmit after a failure or a cancellation.\n";
  b += "PIMLAB=" + shell_quote(exe) + "\n";
  b += "OUT=" + shell_quote(s.out.string()) + "\n";
  b += "N=" + std::to_string(n) + "\n";
  b += "CHUNK=" + std::to_string(chunk) + "\n";
  b += "first=$(( SLURM_ARRAY_TASK_ID * CHUNK ))\n";
  b += "rc=0\n";
  b += "for (( i = first; i < first + CHUNK && i < N; i++ )); do\n";
  b += "  \"$PIMLAB\" sweep --out \"$OUT\" --point \"$i\" || rc=$?\n";
  b += "done\n";
  b += "exit $rc\n";
  write_atomic(s.out / "sweep.sbatch", b);
  std::printf("pimlab sweep %s: %zu points in %zu array tasks\n  %s\nsubmit: sbatch %s; then: pimlab sweep --merge %s\n",
              s.grid.name.c_str(), n, tasks, (s.out / "sweep.sbatch").string().c_str(),
              (s.out / "sweep.sbatch").string().c_str(), s.out.string().c_str());
}

// ---------------------------------------------------------------- the command
int sweep(int argc, char** argv) {
  Args a("sweep",
         {{"out", "DIR", "the study's directory (points/, results.csv, manifest.json)", "sweep-<name>"},
          {"jobs", "N", "local pool: points run at the same time", "the core count"},
          {"emit", "ENGINE", "write the scripts of an engine instead of running: parallel (OUT/jobs.txt, "
                             "OUT/run-parallel.sh) or slurm (OUT/sweep.sbatch)", ""},
          {"partition", "P", "--emit slurm: the Slurm partition", ""},
          {"time", "T", "--emit slurm: time limit of an array task (MINUTES, HH:MM:SS, D-HH:MM:SS)", ""},
          {"mem", "M", "--emit slurm: memory of an array task (4G, 4000M)", ""},
          {"chunk", "K", "--emit slurm: points per array task", "1"},
          {"merge", "DIR", "merge the points finished in DIR into DIR/results.csv and DIR/manifest.json", ""},
          {"point", "I", "run point I of the study in --out (the job of jobs.txt and sweep.sbatch)", ""},
          pimlab::cli::json_option("the study's manifest (what OUT/manifest.json holds) as the document, FILE or - for standard output; "
                                   "with the local pool and --merge")},
         1, "GRID");
  a.parse(argc, argv, 2);
  if (a.help_requested()) {
    std::cout << a.help_text(kUsage, kSummary);
    return 0;
  }
  const pimlab::cli::JsonOutput json(a);
  if (json.requested() && (a.has("emit") || a.has("point")))
    throw UsageError(std::string("--json applies to the local pool and --merge (the study's manifest), not --") +
                     (a.has("emit") ? "emit" : "point"));
  const std::string exe = self_exe();
  const bool has_grid = !a.positional().empty();
  const std::string emit = a.has("emit") ? a.choice("emit", "", {"parallel", "slurm"}) : "";
  for (const char* o : {"partition", "time", "mem", "chunk"})
    if (a.has(o) && emit != "slurm") throw UsageError(std::string("--") + o + " applies to --emit slurm");

  if (a.has("merge")) {
    if (has_grid || a.has("point") || a.has("emit") || a.has("jobs") || a.has("out"))
      throw UsageError("--merge DIR takes no grid and no other option");
    const Study s = reopen_study(a.str("merge", ""));
    const MergeResult m = merge(s, exe, -1);
    print_summary(s, m, 0, json);
    if (m.failed + m.pending)
      std::fprintf(stderr, "pimlab sweep: %zu point(s) failed, %zu not run (see %s)\n", m.failed, m.pending,
                   (s.out / "manifest.json").string().c_str());
    return merge_status(m);
  }
  if (a.has("point")) {
    if (has_grid || a.has("emit") || a.has("jobs") || !a.has("out"))
      throw UsageError("--point I takes --out DIR and no grid (the grid is DIR/grid.json)");
    return run_one(reopen_study(a.str("out", "")), a.integer("point", 0, 0, std::int64_t{1} << 40), exe);
  }
  if (!has_grid) throw UsageError("no grid file (usage: pimlab sweep " + std::string(kUsage) + ")");
  const sw::Grid g = load_grid(a.positional()[0]);
  const Study s = open_study(a.str("out", "sweep-" + g.name), g);
  if (emit == "parallel") {
    if (a.has("jobs")) a.integer("jobs", 1, 1, static_cast<std::int64_t>(kMaxJobs));
    emit_parallel(s, exe, a.opt("jobs"));
    return 0;
  }
  if (emit == "slurm") {
    if (a.has("jobs")) throw UsageError("--jobs applies to the local pool and --emit parallel, not --emit slurm");
    emit_slurm(s, exe, a);
    return 0;
  }
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  const auto jobs = static_cast<std::size_t>(a.integer("jobs", cores, 1, static_cast<std::int64_t>(kMaxJobs)));
  return run_pool(s, jobs, exe, json);
}

}  // namespace

PIMLAB_COMMAND("sweep", "run a design-space grid: one 'pimlab run' per point, merged CSV (local pool, GNU parallel, Slurm)", sweep);
