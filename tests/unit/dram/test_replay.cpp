// Memory-trace replay: parsing, errors with file and line, and the stats of a
// tiny trace derived by hand.
#include <catch2/catch.hpp>

#include <sstream>

#include "dram/replay.h"

using pimlab::dram::replay_mem_trace;

namespace {
std::string error_of(const std::string& text, const nlohmann::json& cfg = nlohmann::json::object()) {
  std::istringstream in(text);
  try {
    replay_mem_trace(in, "t.trace", cfg);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "no error";
}
}  // namespace

TEST_CASE("replay: two reads of one row, by hand", "[dram][replay]") {
  // hbm2-pimba, mapping ro_ba_bg_pc_ch_co: 0x0 and 0x20 are columns 0 and 1 of
  // row 0, bank 0, bg 0, pch 0, ch 0. ACT@0, RD@14 (tRCD) -> done 14+14+2 = 30;
  // RD@18 (tCCD_L after 14) -> done 34. Latencies 30 and 34.
  std::istringstream in("# two reads\n0 R 0x0\n\n0 r 20\n");
  const auto j = replay_mem_trace(in, "t.trace", {{"preset", "hbm2-pimba"}});
  const auto& s = j["stats"];
  CHECK(s["reads"] == 2);
  CHECK(s["writes"] == 0);
  CHECK(s["commands"] == 3);
  CHECK(s["commands_by_class"]["ACT"] == 1);
  CHECK(s["commands_by_class"]["RD"] == 2);
  CHECK(s["row_hits"] == 1);
  CHECK(s["row_misses"] == 1);
  CHECK(s["row_conflicts"] == 0);
  CHECK(s["read_latency_cycles"]["min"] == 30);
  CHECK(s["read_latency_cycles"]["max"] == 34);
  CHECK(s["read_latency_cycles"]["avg"].get<double>() == Approx(32.0));
  CHECK(s["read_latency_cycles"]["p99"] == 34);
  CHECK(s["read_latency_ns"]["max"].get<double>() == Approx(34.0));
  CHECK(s["total_cycles"] == 34);
  CHECK(s["bandwidth_GBps"].get<double>() == Approx(64.0 / 34.0));
  CHECK(s["refreshes"] == 0);
  CHECK(s["checker_violations"] == 0);
  CHECK(j["config"]["dram"]["name"] == "hbm2-pimba");
  CHECK(j["config"]["mapping"] == "ro_ba_bg_pc_ch_co");
}

TEST_CASE("replay: a read after a write to the same row", "[dram][replay]") {
  // The write arrives at 0: ACT@0, WR@14 (tRCD_WR). The read of the next
  // column arrives at 100, long after every write constraint (tWTR_L ends at
  // 14 + 4 + 2 + 8 = 28): a row hit with latency CL + nBL = 16.
  std::istringstream in("0 W 0x0\n100 R 0x20\n");
  const auto s = replay_mem_trace(in, "t.trace")["stats"];
  CHECK(s["writes"] == 1);
  CHECK(s["reads"] == 1);
  CHECK(s["row_hits"] == 1);
  CHECK(s["read_latency_cycles"]["min"] == 16);
  CHECK(s["total_cycles"] == 116);
}

TEST_CASE("replay: malformed input names file and line", "[dram][replay]") {
  CHECK(error_of("0 R 0x0\n5 X 0x40\n") == "t.trace:2: operation 'X' is not allowed; allowed: R or W");
  CHECK(error_of("0 R\n").find("t.trace:1: too few fields") == 0);
  CHECK(error_of("0 R 0x0 7\n").find("t.trace:1: unexpected field '7'") == 0);
  CHECK(error_of("x R 0x0\n").find("t.trace:1: cycle 'x'") == 0);
  CHECK(error_of("-3 R 0x0\n").find("t.trace:1: cycle '-3'") == 0);
  CHECK(error_of("0 R 0xZZ\n").find("t.trace:1: address '0xZZ'") == 0);
  CHECK(error_of("10 R 0x0\n\n5 R 0x0\n").find("t.trace:3: request arrivals must not decrease") == 0);
  // 8 channels x 1 GiB = 2^33 bytes: 0x200000000 is one past the end.
  CHECK(error_of("0 R 0x0\n1 R 0x200000000\n").find("t.trace:2: address 0x200000000 is beyond") == 0);
  CHECK(error_of("0 R 0x0\n", {{"preset", "ddr9"}}).find("ddr9") != std::string::npos);
  CHECK(error_of("0 R 0x0\n", {{"bogus", 1}}).find("bogus") != std::string::npos);
  CHECK(error_of("0 R 0x0\n", {{"controller", {{"queue_size", 0}}}}).find("queue_size") != std::string::npos);
  CHECK(error_of("0 R 0x0\n", {{"mapping", "ro_ba"}}).find("missing") != std::string::npos);
  CHECK_THROWS_WITH(replay_mem_trace("/nonexistent/x.trace"), Catch::Contains("/nonexistent/x.trace"));
}

TEST_CASE("replay: empty trace", "[dram][replay]") {
  std::istringstream in("# nothing\n");
  const auto s = replay_mem_trace(in, "t.trace")["stats"];
  CHECK(s["reads"] == 0);
  CHECK(s["total_cycles"] == 0);
  CHECK(s["bandwidth_GBps"] == 0.0);
}
