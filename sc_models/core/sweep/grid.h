// Design-space grids of `pimlab sweep` (docs/sweep.md): a JSON file naming
// axes over `pimlab run` options, fixed settings and explicit points. This
// core parses and checks a grid, expands it into points (cartesian product in
// axis order, then the explicit points), names every point, gives each one a
// seed, builds its `pimlab run` argument list and merges the runs' JSON
// documents into one CSV. Pure C++: no processes, no files.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace pimlab::sweep {

using Json = nlohmann::ordered_json;

// What a `pimlab run` option takes.
// platform: a hierarchical key "platform.<key>[.<key>...]" of a platform file
// (docs/serving.md), written per point with the point's system as its base.
enum class Kind { integer, real_or_inf, text, flag, integer_or_text, platform };

struct OptionInfo {
  std::string name;  // the option without dashes: "output-len"
  Kind kind;
  std::int64_t min = 0, max = 0;  // integer: allowed range
  bool single = false;            // text: one value (the option itself accepts a comma list)
  std::vector<std::string> choices;  // text: the allowed words (empty: any text)
};

// The `pimlab run` options a grid may set (json, csv and survey are the
// sweep's own business and are refused with a reason).
const std::vector<OptionInfo>& run_options();
const OptionInfo* find_option(const std::string& name);

// One (key, value) setting of a point, in the order of the grid.
struct Setting {
  std::string key;
  Json value;  // a number, a string or a boolean
};

struct Point {
  std::size_t index = 0;
  std::string name;                 // "007_system-pimba_batch-64": unique, safe as a file name
  std::vector<Setting> settings;    // axes (grid order), then explicit-point keys, then fixed keys
  std::uint64_t seed = 0;
  bool seed_passed = false;         // the seed is passed as --seed (sharegpt/alpaca workloads)
  // The point's platform file when it sets platform.* keys (null otherwise):
  // {"name": system, "base": system, <the keys>} on a built-in system, where a
  // "gpu" object without a "base" starts from the point's host (a100 when
  // none); on a user's platform file, that file with the keys set over it (a
  // "gpu" preset name becomes {"base": name} when a key goes inside it).
  Json platform;
};

struct Grid {
  std::string name;
  std::uint64_t seed = 1;             // base seed of the study
  std::vector<std::string> columns;   // CSV axis columns: the axes, then keys only explicit points set
  std::vector<Point> points;
  std::string digest;                 // "fnv1a64:<16 hex digits>" of the canonical grid document
  Json canonical;                     // the grid as parsed (key order kept)
};

// Parses and checks a grid document; `where` names it in error messages (a
// file name). Throws std::invalid_argument naming the key or the axis and the
// value, and what is allowed.
// `load` reads a user's platform file (a "system" value ending in .json) when a
// point sets platform.* keys on top of it; without it such a point is an error.
using PlatformLoader = std::function<Json(const std::string& path)>;
Grid parse_grid(const std::string& text, const std::string& where, const PlatformLoader& load = {});
Grid grid_from_json(const Json& doc, const std::string& where, const PlatformLoader& load = {});

// The seed of a point: a splitmix64 mix of the study's base seed and the
// FNV-1a hash of the point's settings, so a point keeps its seed when other
// points are added, removed or reordered.
std::uint64_t point_seed(std::uint64_t base, const std::vector<Setting>& settings);

// 64-bit FNV-1a of a byte string, and splitmix64's finaliser.
std::uint64_t fnv1a64(const std::string& bytes);
std::uint64_t splitmix64(std::uint64_t x);

// `pimlab run` arguments of a point (without the program and "run"; without
// --json, which the caller adds). A point with a platform file runs
// --system platform_file, where the caller has written p.platform.
std::vector<std::string> run_arguments(const Point& p, const std::string& platform_file = {});

// The text of a value in a CSV cell or a command line: strings as they are,
// numbers as JSON prints them, booleans true/false.
std::string value_text(const Json& v);

// One finished point for the merge: its `pimlab run` document.
struct Finished {
  const Point* point;
  Json document;
};

// The merged CSV: header "point,<axis columns>,seed,<metrics>", one row per
// finished point in point order. Metrics are the numeric members of the run's
// `stats` flattened with dots (breakdown.gemm.time_s), in the order of the
// first document that has them; a point without a metric leaves the cell
// empty. Throws std::invalid_argument when a document has no single-run
// `stats` object.
std::string merge_csv(const Grid& g, const std::vector<Finished>& done);

// The host operators of every finished point that has them (a GPU-host run's
// stats.operators: its first decode step), for the roofline view: header
// "point,model,batch,system,name,category,flops,bytes,time_s,peak_flops,
// peak_bytes_per_s", one row per operator, points in order; numbers %.17g,
// the peaks as the run's hardware wrote them. Empty when no point has
// operators (NPU systems, platform files without a GPU host).
std::string operators_csv(const std::vector<Finished>& done);

// A CSV cell: quoted when it holds a comma, a quote or a line break.
std::string csv_cell(const std::string& s);

}  // namespace pimlab::sweep
