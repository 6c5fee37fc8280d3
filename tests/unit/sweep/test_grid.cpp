// Grid parsing, expansion, point names, seeds and `pimlab run` arguments.
#include <catch2/catch.hpp>

#include <set>
#include <stdexcept>
#include <string>

#include "sweep/grid.h"

using namespace pimlab::sweep;

namespace {
// The minimal form of the grid, as docs/sweep.md gives it.
const char* kDemo = R"({"name": "demo", "axes": {"system": ["gpu", "pimba"], "batch": [32, 64]},
  "fixed": {"model": "mamba2-2.7b", "output-len": 16}})";

std::string error_of(const std::string& text) {
  try {
    parse_grid(text, "g.json");
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "(no error)";
}
}  // namespace

TEST_CASE("the minimal grid expands to the cartesian product, first axis slowest", "[sweep]") {
  const Grid g = parse_grid(kDemo, "demo.json");
  CHECK(g.name == "demo");
  REQUIRE(g.points.size() == 4);
  CHECK(g.columns == std::vector<std::string>{"system", "batch"});
  CHECK(g.points[0].name == "000_system-gpu_batch-32");
  CHECK(g.points[1].name == "001_system-gpu_batch-64");
  CHECK(g.points[2].name == "002_system-pimba_batch-32");
  CHECK(g.points[3].name == "003_system-pimba_batch-64");
  CHECK(run_arguments(g.points[3]) ==
        std::vector<std::string>{"--system", "pimba", "--batch", "64", "--model", "mamba2-2.7b", "--output-len", "16"});
  CHECK(g.digest.rfind("fnv1a64:", 0) == 0);
  CHECK(g.digest.size() == 8 + 16);
}

TEST_CASE("three axes give 2 x 3 x 2 points in odometer order", "[sweep]") {
  const Grid g = parse_grid(R"({"name": "t", "axes": {"system": ["gpu", "pimba"], "batch": [1, 8, 128],
    "model": ["opt-7b", "mamba2-2.7b"]}})", "t");
  REQUIRE(g.points.size() == 12);
  // Index 7 = (system 1, batch 0, model 1): 7 = 1*6 + 0*2 + 1.
  CHECK(run_arguments(g.points[7]) ==
        std::vector<std::string>{"--system", "pimba", "--batch", "1", "--model", "mamba2-2.7b"});
  std::set<std::string> names;
  for (const auto& p : g.points) names.insert(p.name);
  CHECK(names.size() == 12);
}

TEST_CASE("explicit points follow the product, add columns and override fixed keys", "[sweep]") {
  const Grid g = parse_grid(R"({"name": "p", "axes": {"system": ["gpu"]}, "fixed": {"model": "opt-7b", "batch": 8},
    "points": [{"system": "pimba", "batch": 128, "artifact-compatible": true}, {"system": "attacc", "attacc-placement": "bg"}]})", "p");
  REQUIRE(g.points.size() == 3);
  CHECK(g.columns == std::vector<std::string>{"system", "batch", "artifact-compatible", "attacc-placement"});
  CHECK(g.points[1].name == "001_system-pimba_batch-128_artifact-compatible-on");
  CHECK(run_arguments(g.points[1]) ==
        std::vector<std::string>{"--system", "pimba", "--batch", "128", "--artifact-compatible", "--model", "opt-7b"});
  CHECK(run_arguments(g.points[2]) ==
        std::vector<std::string>{"--system", "attacc", "--attacc-placement", "bg", "--model", "opt-7b", "--batch", "8"});
}

TEST_CASE("the NPU systems' issue model is a sweep axis", "[sweep]") {
  const Grid g = parse_grid(R"({"name": "n", "axes": {"npu-issue": ["own", "offered"]},
    "fixed": {"system": "neupims", "model": "gpt3-7b", "tp": 4}, "points": [{"npu-issue": "offered", "fast-channels": 2}]})", "n");
  REQUIRE(g.points.size() == 3);
  CHECK(run_arguments(g.points[1]) == std::vector<std::string>{"--npu-issue", "offered", "--system", "neupims", "--model",
                                                              "gpt3-7b", "--tp", "4"});
  CHECK(run_arguments(g.points[2]) == std::vector<std::string>{"--npu-issue", "offered", "--fast-channels", "2",
                                                              "--system", "neupims", "--model", "gpt3-7b", "--tp", "4"});
  CHECK_THROWS_WITH(parse_grid(R"({"name": "n", "axes": {"npu-issue": ["late"]}})", "g.json"),
                    "g.json: axis 'npu-issue': value \"late\" is not allowed; expected own or offered");
}

TEST_CASE("a false flag is left out, rate takes a number or inf, prefill a word or a chunk", "[sweep]") {
  const Grid g = parse_grid(R"({"name": "f", "axes": {"rate": [2.5, "inf"], "prefill": ["whole", 512]},
    "fixed": {"system": "gpu", "model": "opt-7b", "workload": "sharegpt", "no-reuse": false}})", "f");
  REQUIRE(g.points.size() == 4);
  const auto a = run_arguments(g.points[1]);
  // rate, prefill, system, model, workload: 5 options with a value; no-reuse false: none; --seed S.
  REQUIRE(a.size() == 12);
  CHECK(a[1] == "2.5");
  CHECK(a[3] == "512");
  CHECK(a[10] == "--seed");  // sharegpt draws: the point's seed is passed
}

TEST_CASE("bad grids: one error naming the axis or key, the value and what is allowed", "[sweep]") {
  CHECK_THAT(error_of(R"({"name": "x", "axes": {"bacth": [1]}, "fixed": {"system": "gpu", "model": "opt-7b"}})"),
             Catch::Matches("g.json: axis 'bacth': unknown key 'bacth': 'pimlab run' has no option --bacth; keys allowed: system, model, .*"));
  CHECK(error_of(R"({"name": "x", "axes": {"batch": []}, "fixed": {"system": "gpu", "model": "opt-7b"}})") ==
        "g.json: axis 'batch' is empty (an axis needs at least one value)");
  CHECK(error_of(R"({"name": "x", "axes": {"batch": [1, "8"]}, "fixed": {"system": "gpu", "model": "opt-7b"}})") ==
        "g.json: axis 'batch': value \"8\" is a string; expected an integer in [1, 1048576]");
  CHECK(error_of(R"({"name": "x", "axes": {"batch": [0]}, "fixed": {"system": "gpu", "model": "opt-7b"}})") ==
        "g.json: axis 'batch': value 0 is out of range; expected an integer in [1, 1048576]");
  CHECK(error_of(R"({"name": "x", "axes": {"batch": [1.5]}, "fixed": {"system": "gpu", "model": "opt-7b"}})") ==
        "g.json: axis 'batch': value 1.5 is a number; expected an integer in [1, 1048576]");
  CHECK(error_of(R"({"name": "x", "axes": {"system": ["gpu"]}, "fixed": {"model": "opt-7b", "artifact-compatible": 1}})") ==
        "g.json: fixed key 'artifact-compatible': value 1 is an integer; expected true or false");
  CHECK(error_of(R"({"name": "x", "axes": {"sub-batch": ["maybe"]}, "fixed": {"system": "neupims", "model": "opt-7b"}})") ==
        "g.json: axis 'sub-batch': value \"maybe\" is not allowed; expected on, off or auto");
  CHECK_THAT(error_of(R"({"name": "x", "axes": {"pim.channels": [16, 32]}, "fixed": {"system": "gpu", "model": "opt-7b"}})"),
             Catch::StartsWith("g.json: axis 'pim.channels': config key 'pim.channels' has no 'pimlab run' option"));
  CHECK_THAT(error_of(R"({"name": "x", "axes": {"system": ["gpu,pimba"]}, "fixed": {"model": "opt-7b"}})"),
             Catch::StartsWith("g.json: axis 'system': value \"gpu,pimba\" is a list (one value per point"));
  CHECK_THAT(error_of(R"({"name": "x", "axes": {"system": ["gpu"]}, "fixed": {"model": "opt-7b", "json": "a.json"}})"),
             Catch::StartsWith("g.json: fixed key 'json': --json is set by pimlab sweep"));
  CHECK(error_of(R"({"name": "x", "axes": {"system": ["gpu", "gpu"]}, "fixed": {"model": "opt-7b"}})") ==
        "g.json: axis 'system': value \"gpu\" appears twice");
  CHECK(error_of(R"({"name": "x", "axes": {"system": ["gpu"]}, "fixed": {"system": "gpu", "model": "opt-7b"}})") ==
        "g.json: axis 'system' is also a fixed key");
  CHECK(error_of(R"({"name": "x", "axes": {"system": ["gpu"]}, "fixed": {"model": ["opt-7b"]}})") ==
        "g.json: fixed key 'model': value [\"opt-7b\"] is a list; a list of values is an axis (\"axes\")");
  CHECK(error_of(R"({"name": "x", "axes": {"system": "gpu"}, "fixed": {"model": "opt-7b"}})") ==
        "g.json: axis 'system': \"gpu\" is not a list of values");
  CHECK(error_of(R"({"name": "x", "axes": {"system": ["gpu"]}})") ==
        "g.json: point 0 has no 'model' (an axis, a fixed key or the point's own key): 'pimlab run' would run its built-in list");
  CHECK(error_of(R"({"name": "x", "axes": {"system": ["gpu"]}, "fixed": {"model": "opt-7b"}, "point": []})") ==
        "g.json: unknown key 'point'; allowed: name, description, axes, fixed, points, seed");
  CHECK(error_of(R"({"axes": {"system": ["gpu"]}, "fixed": {"model": "opt-7b"}})") ==
        "g.json: 'name' (the study's name, a non-empty string) is missing or not a string");
  CHECK(error_of(R"({"name": "a b", "axes": {"system": ["gpu"]}, "fixed": {"model": "opt-7b"}})") ==
        "g.json: name \"a b\": allowed characters are letters, digits, '-', '_' and '.'");
  CHECK(error_of(R"({"name": "x", "fixed": {"model": "opt-7b"}})") ==
        "g.json: no points (give 'axes' with values or 'points')");
  CHECK(error_of(R"({"name": "x", "axes": {"system": ["gpu"]}, "fixed": {"model": "opt-7b"}, "points": [{"system": "gpu"}]})") ==
        "g.json: points[0] repeats point 0 (system \"gpu\", ...)");
  CHECK_THAT(error_of("{\"name\": \"x\",}"), Catch::StartsWith("g.json: not valid JSON ("));
  CHECK_THAT(error_of(R"({"name": "x", "axes": {"system": ["gpu"]}, "fixed": {"model": "opt-7b", "survey": true}})"),
             Catch::StartsWith("g.json: fixed key 'survey': --survey runs three batches in one process"));
}

TEST_CASE("FNV-1a and splitmix64 match their published test vectors", "[sweep]") {
  // FNV-1a 64: the offset basis for the empty string; "a" from the FNV test suite.
  CHECK(fnv1a64("") == 0xcbf29ce484222325ULL);
  CHECK(fnv1a64("a") == 0xaf63dc4c8601ec8cULL);
  // splitmix64: the first output of a generator whose state starts at 0.
  CHECK(splitmix64(0) == 0xe220a8397b1dcdafULL);
}

TEST_CASE("a point's seed depends on its settings and the base seed, not on its place in the grid", "[sweep]") {
  const Grid a = parse_grid(R"({"name": "s", "axes": {"system": ["gpu", "pimba"], "batch": [1, 8]},
    "fixed": {"model": "opt-7b", "workload": "alpaca"}})", "a");
  // Axes in the other order and one more system: the same points keep their seeds.
  const Grid b = parse_grid(R"({"name": "s", "axes": {"batch": [8, 1], "system": ["gpu+pim", "pimba", "gpu"]},
    "fixed": {"model": "opt-7b", "workload": "alpaca"}})", "b");
  const Grid c = parse_grid(R"({"name": "s", "seed": 2, "axes": {"system": ["gpu", "pimba"], "batch": [1, 8]},
    "fixed": {"model": "opt-7b", "workload": "alpaca"}})", "c");
  // a: (gpu,1) (gpu,8) (pimba,1) (pimba,8); b: (8,gpu+pim) (8,pimba) (8,gpu) (1,gpu+pim) (1,pimba) (1,gpu).
  CHECK(a.points[0].seed == b.points[5].seed);
  CHECK(a.points[1].seed == b.points[2].seed);
  CHECK(a.points[2].seed == b.points[4].seed);
  CHECK(a.points[3].seed == b.points[1].seed);
  std::set<std::uint64_t> seeds;
  for (std::size_t i = 0; i < 4; ++i) {
    seeds.insert(a.points[i].seed);
    CHECK(a.points[i].seed != c.points[i].seed);
    CHECK(a.points[i].seed < (1ULL << 63));
    CHECK(a.points[i].seed_passed);
  }
  CHECK(seeds.size() == 4);
  // The seed is the documented mix of the base seed and the sorted settings.
  const std::string settings = "batch=1\nmodel=\"opt-7b\"\nsystem=\"gpu\"\nworkload=\"alpaca\"\n";
  CHECK(a.points[0].seed == splitmix64(1 ^ fnv1a64(settings)) >> 1);
}

TEST_CASE("a seed set in the grid is the point's seed, the fixed batch gets none on its command line", "[sweep]") {
  const Grid g = parse_grid(R"({"name": "s", "axes": {"seed": [5, 6]},
    "fixed": {"system": "gpu", "model": "opt-7b", "workload": "sharegpt"}})", "g");
  CHECK(g.points[0].seed == 5);
  CHECK(g.points[1].seed == 6);
  CHECK(run_arguments(g.points[1]) == std::vector<std::string>{"--seed", "6", "--system", "gpu", "--model", "opt-7b",
                                                               "--workload", "sharegpt"});
  const Grid f = parse_grid(kDemo, "demo.json");
  for (const auto& p : f.points) {
    CHECK_FALSE(p.seed_passed);
    for (const auto& a : run_arguments(p)) CHECK(a != "--seed");
  }
}

TEST_CASE("platform keys build the point's platform file on its system, the gpu from its host", "[sweep]") {
  const Grid g = parse_grid(R"({"name": "c", "axes": {"platform.gpu.hbm_stacks": [2, 5]},
    "fixed": {"system": "pimba", "model": "mamba2-2.7b", "host": "h100", "platform.formats.state": "fp16"}})", "c");
  REQUIRE(g.points.size() == 2);
  CHECK(g.points[1].name == "001_hbm_stacks-5");
  CHECK(g.points[1].platform.dump() ==
        R"({"name":"pimba","base":"pimba","gpu":{"hbm_stacks":5,"base":"h100"},"formats":{"state":"fp16"}})");
  CHECK(run_arguments(g.points[1], "P.json") ==
        std::vector<std::string>{"--system", "P.json", "--model", "mamba2-2.7b", "--host", "h100"});
  // Without platform keys: no platform file, the system by name.
  CHECK(parse_grid(kDemo, "d").points[0].platform.is_null());
  CHECK_THAT(error_of(R"({"name": "x", "axes": {"platform.gpu": ["h100"], "platform.gpu.hbm_stacks": [2]},
    "fixed": {"system": "pimba", "model": "opt-7b"}})"),
             Catch::Matches("g.json: point 0: key 'platform.gpu.hbm_stacks' conflicts with key 'platform.gpu'"));
  CHECK_THAT(error_of(R"({"name": "x", "axes": {"platform.pim": ["pimba"], "platform.pim.x": [2]},
    "fixed": {"system": "pimba", "model": "opt-7b"}})"),
             Catch::Matches("g.json: point 0: key 'platform.pim.x' conflicts with key 'platform.pim'"));
  CHECK(error_of(R"({"name": "x", "axes": {"platform.gpu.hbm_stacks": [[2]]}, "fixed": {"system": "pimba", "model": "opt-7b"}})") ==
        "g.json: axis 'platform.gpu.hbm_stacks': value [2] is a list; expected a string, a number or a boolean (a key of a platform file, docs/serving.md)");
  CHECK(error_of(R"({"name": "x", "axes": {"platform.": [1]}, "fixed": {"system": "pimba", "model": "opt-7b"}})") ==
        "g.json: axis 'platform.': 'platform.' is not a key path platform.<key>[.<key>...]");
}

TEST_CASE("platform keys on a user's platform file: the file with the keys set over it", "[sweep]") {
  // The loader stands for the file system: it is what `pimlab sweep` reads from the file.
  std::vector<std::string> asked;
  const PlatformLoader load = [&](const std::string& path) {
    asked.push_back(path);
    return Json::parse(R"({"name": "mine", "base": "pimba", "gpu": "h100", "formats": {"state": "mx8", "kv": "fp16"}})");
  };
  const Grid g = parse_grid(R"({"name": "u", "axes": {"platform.gpu.hbm_stacks": [2, 5]},
    "fixed": {"system": "my.json", "model": "mamba2-2.7b", "platform.formats.state": "fp16"}})",
                            "u", load);
  REQUIRE(g.points.size() == 2);
  CHECK(asked == std::vector<std::string>{"my.json", "my.json"});
  // The preset name "h100" became the base of the gpu object; formats merged key by key.
  CHECK(g.points[1].platform.dump() ==
        R"({"name":"mine","base":"pimba","gpu":{"base":"h100","hbm_stacks":5},"formats":{"state":"fp16","kv":"fp16"}})");
  CHECK(run_arguments(g.points[1], "P.json") == std::vector<std::string>{"--system", "P.json", "--model", "mamba2-2.7b"});
  // A file's gpu object keeps its own definition (no base added from the point's host).
  const PlatformLoader obj = [](const std::string&) {
    return Json::parse(R"({"name": "o", "gpu": {"peak_tflops": 100}})");
  };
  const Grid h = parse_grid(R"({"name": "u", "axes": {"platform.gpu.hbm_stacks": [3]},
    "fixed": {"system": "o.json", "model": "opt-7b"}})", "u", obj);
  CHECK(h.points[0].platform.dump() == R"({"name":"o","gpu":{"peak_tflops":100,"hbm_stacks":3}})");
  // Without a loader (the pure core alone) a platform file as the base is an error; so is a file that is no object.
  CHECK_THAT(error_of(R"({"name": "x", "axes": {"platform.gpus": [2]}, "fixed": {"system": "o.json", "model": "opt-7b"}})"),
             Catch::Contains("needs a built-in system as its base"));
  const PlatformLoader list = [](const std::string&) { return Json::parse("[1]"); };
  CHECK_THROWS_WITH(parse_grid(R"({"name": "x", "axes": {"platform.gpus": [2]}, "fixed": {"system": "o.json", "model": "opt-7b"}})",
                               "g.json", list),
                    "g.json: point 0: the platform file \"o.json\" is not a JSON object");
}
