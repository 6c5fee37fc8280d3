// NPU configuration: NeuPIMs defaults, JSON round trip, and errors that name
// the key, the value and what is allowed.
#include <catch2/catch.hpp>

#include "npu/config.h"

using namespace pimlab::npu;
using nlohmann::json;

TEST_CASE("config: defaults are the NeuPIMs NPU (system.md §3.4)") {
  const NpuConfig c;
  CHECK(c.systolic.count == 8);
  CHECK(c.systolic.rows == 128);
  CHECK(c.systolic.cols == 128);
  CHECK(c.clock_mhz == 1000);
  CHECK(c.element_bytes == 2);
  CHECK(c.vector.units == 8);
  CHECK(c.vector.lanes == 128);
  CHECK(c.vector.latency.add == 1);
  CHECK(c.vector.latency.scalar_sqrt == 1);
  CHECK(c.scratchpad_bytes == 134218LL * 1024);
  CHECK(c.double_buffered);
  CHECK(c.dma.request_bytes == 64);
  CHECK(c.mode == Mode::faithful);
  // 8 * 128 * 128 * 2 FLOP per cycle at 1 GHz = 262.144 TFLOP/s.
  CHECK(c.peak_flops_per_cycle() * 1e9 == Approx(262.144e12));
}

TEST_CASE("config: JSON overrides and round trip") {
  const json j = json::parse(R"({"mode": "artifact", "systolic": {"count": 4, "rows": 64},
    "vector": {"latency": {"exp": 4}}, "scratchpad_bytes": 1048576, "dma": {"request_bytes": 32}})");
  const NpuConfig c = npu_config_from_json(j);
  CHECK(c.mode == Mode::artifact);
  CHECK(c.systolic.count == 4);
  CHECK(c.systolic.rows == 64);
  CHECK(c.systolic.cols == 128);
  CHECK(c.vector.latency.exp == 4);
  CHECK(c.scratchpad_bytes == 1048576);
  CHECK(c.dma.request_bytes == 32);
  CHECK(to_json(npu_config_from_json(to_json(c))) == to_json(c));
}

TEST_CASE("config: unknown keys name the key and the allowed ones") {
  CHECK_THROWS_WITH(npu_config_from_json(json{{"systolic", {{"size", 128}}}}),
                    Catch::Contains("unknown key 'systolic.size'") && Catch::Contains("count, rows, cols"));
  CHECK_THROWS_WITH(npu_config_from_json(json{{"clock", 1000}}),
                    Catch::Contains("unknown key 'clock'") && Catch::Contains("clock_mhz"));
  CHECK_THROWS_WITH(npu_config_from_json(json{{"vector", {{"latency", {{"tanh", 1}}}}}}),
                    Catch::Contains("'vector.latency.tanh'") && Catch::Contains("gelu"));
}

TEST_CASE("config: out-of-range and wrongly typed values name key, value and range") {
  CHECK_THROWS_WITH(npu_config_from_json(json{{"systolic", {{"count", 0}}}}),
                    Catch::Contains("'systolic.count'") && Catch::Contains("value 0") && Catch::Contains("[1, 1024]"));
  CHECK_THROWS_WITH(npu_config_from_json(json{{"clock_mhz", 1.5}}),
                    Catch::Contains("'clock_mhz'") && Catch::Contains("1.5"));
  CHECK_THROWS_WITH(npu_config_from_json(json{{"mode", "fast"}}),
                    Catch::Contains("'mode'") && Catch::Contains("\"faithful\" or \"artifact\""));
  CHECK_THROWS_WITH(npu_config_from_json(json{{"vector", 3}}),
                    Catch::Contains("'vector'") && Catch::Contains("an object"));
  CHECK_THROWS_WITH(npu_config_from_json(json{{"dma", {{"request_bytes", 48}}}}),
                    Catch::Contains("'dma.request_bytes'") && Catch::Contains("power of two"));
  CHECK_THROWS_WITH(npu_config_from_json(json{{"scratchpad_bytes", 4096}}),
                    Catch::Contains("'scratchpad_bytes'") && Catch::Contains("at least"));
  CHECK_THROWS_WITH(npu_config_from_json(json{{"double_buffered", 1}}), Catch::Contains("true or false"));
  // 128 x 128 FP16 output block = 32 KiB per buffer, two buffers.
  CHECK_THROWS_WITH(npu_config_from_json(json{{"accumulator_bytes", 65535}}), Catch::Contains("'accumulator_bytes'") &&
                                                                                  Catch::Contains("65535") &&
                                                                                  Catch::Contains("at least 65536"));
  CHECK_NOTHROW(npu_config_from_json(json{{"accumulator_bytes", 65536}}));
  // A wide array needs its C x C output block in the scratchpad too:
  // rows 4, cols 64: (2*4*64 + 64*64) * 2 B = 9216 per buffer.
  CHECK_THROWS_WITH(npu_config_from_json(json{{"systolic", {{"rows", 4}, {"cols", 64}}}, {"scratchpad_bytes", 18431}}),
                    Catch::Contains("at least 18432"));
  CHECK_THROWS_AS(npu_config_from_json(json::array()), std::invalid_argument);
}
