// The merged CSV: axis columns, the seed, the flattened numeric stats.
#include <catch2/catch.hpp>

#include <stdexcept>

#include "sweep/grid.h"

using namespace pimlab::sweep;

TEST_CASE("merge: one row per finished point, in point order, metrics flattened with dots", "[sweep]") {
  const Grid g = parse_grid(R"({"name": "m", "seed": 3, "axes": {"system": ["gpu", "pimba"], "batch": [2, 4]},
    "fixed": {"model": "opt-7b"}})", "m");
  // Hand-written run documents: strings, booleans, hardware and the normalised
  // values of a single run are not metrics; the batch is an axis, not a metric.
  const Json d1 = Json::parse(R"({"meta": {}, "config": {}, "stats": {"tokens_per_s": 100.5, "decode_tokens": 6,
    "model": "opt-7b", "system": "gpu", "batch": 2, "interrupted": false, "hardware": {"host": "a100"},
    "normalised_throughput": 1.0, "pim_kernels": {"simulated": 3, "reused": 1},
    "breakdown": {"gemm": {"time_s": 0.25, "energy_j": 2}}}})");
  const Json d3 = Json::parse(R"({"stats": {"tokens_per_s": 1e-3, "breakdown": {"gemm": {"time_s": 0.5, "energy_j": 1},
    "comm": {"time_s": 0, "energy_j": 0}}}})");
  // Points 0 and 3 finished, given out of order: rows come in point order.
  const std::string csv = merge_csv(g, {{&g.points[0], d1}, {&g.points[3], d3}});
  const std::string s0 = std::to_string(g.points[0].seed), s3 = std::to_string(g.points[3].seed);
  CHECK(csv ==
        "point,system,batch,seed,tokens_per_s,decode_tokens,breakdown.gemm.time_s,breakdown.gemm.energy_j,"
        "breakdown.comm.time_s,breakdown.comm.energy_j\n"
        "000_system-gpu_batch-2,gpu,2," + s0 + ",100.5,6,0.25,2,,\n"
        "003_system-pimba_batch-4,pimba,4," + s3 + ",0.001,,0.5,1,0,0\n");
  // No finished point: the header of the axes alone.
  CHECK(merge_csv(g, {}) == "point,system,batch,seed\n");
}

TEST_CASE("merge: a run of several systems is not a point's document", "[sweep]") {
  const Grid g = parse_grid(R"({"name": "m", "axes": {"system": ["gpu"]}, "fixed": {"model": "opt-7b"}})", "m");
  const Json d = Json::parse(R"({"stats": {"systems": {"gpu": {}, "pimba": {}}}})");
  CHECK_THROWS_AS(merge_csv(g, {{&g.points[0], d}}), std::invalid_argument);
}

TEST_CASE("CSV cells with commas or quotes are quoted (RFC 4180)", "[sweep]") {
  CHECK(csv_cell("gpu+pim") == "gpu+pim");
  CHECK(csv_cell("a,b") == "\"a,b\"");
  CHECK(csv_cell("say \"hi\"") == "\"say \"\"hi\"\"\"");
  CHECK(value_text(Json(true)) == "true");
  CHECK(value_text(Json(2.5)) == "2.5");
  CHECK(value_text(Json("x")) == "x");
}

TEST_CASE("operators: the host operators of each point that has them, with the host's peaks", "[sweep]") {
  const Grid g = parse_grid(R"({"name": "m", "axes": {"system": ["gpu", "neupims"]}, "fixed": {"model": "opt-7b"}})", "m");
  // A GPU-host run (operators and peaks) and an NPU run (no operators: no rows).
  const Json d0 = Json::parse(R"({"stats": {"model": "opt-7b", "system": "gpu", "batch": 8,
    "hardware": {"host": "a100", "host_peak_flops": "312000000000000", "host_peak_bytes_per_s": "1935000000000"},
    "operators": [{"name": "qkv", "category": "gemm", "flops": 1.5e9, "bytes": 0.5, "time_s": 0.25},
                  {"name": "a,b", "category": "others", "flops": 0, "bytes": 3, "time_s": 1}]}})");
  const Json d1 = Json::parse(R"({"stats": {"model": "opt-7b", "system": "neupims", "batch": 8, "hardware": {}}})");
  CHECK(operators_csv({{&g.points[0], d0}, {&g.points[1], d1}}) ==
        "point,model,batch,system,name,category,flops,bytes,time_s,peak_flops,peak_bytes_per_s\n"
        "000_system-gpu,opt-7b,8,gpu,qkv,gemm,1500000000,0.5,0.25,312000000000000,1935000000000\n"
        "000_system-gpu,opt-7b,8,gpu,\"a,b\",others,0,3,1,312000000000000,1935000000000\n");
  CHECK(operators_csv({{&g.points[1], d1}}).empty());
  // Operators without the host's peaks cannot be drawn: an error naming the point.
  Json bad = d0;
  bad["stats"]["hardware"].erase("host_peak_flops");
  CHECK_THROWS_WITH(operators_csv({{&g.points[0], bad}}), Catch::Contains("point 000_system-gpu: operators without"));
}
