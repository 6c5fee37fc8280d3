// The platform builder (tlm_platform::Platform, docs/platform.md): one
// document builds top with its host, router, channels and CIM tiles; bad
// documents are one-line errors naming key, value and what is allowed. Each
// TEST_CASE runs in its own process.
#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>
#include <systemc>

#include "dram/spec.h"
#include "npu/gemm.h"
#include "tlm/common/config.h"
#include "tlm/common/stats.h"
#include "gpu/roofline.h"
#include "tlm/hbm/dram_timing.h"
#include "tlm/platform/platform.h"

using namespace pimlab;
using nlohmann::json;

namespace {

std::string build_error(const json& doc) {
  try {
    tlm_platform::build(doc);
  } catch (const tlm_common::ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("platform: an interleaved document builds the host, router and channels with the generated map") {
  // 4 channels, 1 KiB interleave over 32 KiB: 32 ranges, piece j -> port j % 4 at 1 KiB (j / 4).
  auto top = tlm_platform::build(json::parse(R"({"top": {
      "channels": 4, "interleave_bytes": 1024, "memory_bytes": 32768,
      "channel": {"preset": "hbm3-6400", "check": false}, "ch2": {"preset": "hbm2-pimba"},
      "npu": {"systolic": {"count": 2}}}})"));
  CHECK(sc_core::sc_find_object("top.npu") != nullptr);
  CHECK(sc_core::sc_find_object("top.noc") != nullptr);
  for (int p = 0; p < 4; ++p) CHECK(sc_core::sc_find_object(("top.ch" + std::to_string(p)).c_str()) != nullptr);
  CHECK(sc_core::sc_find_object("top.ch4") == nullptr);
  CHECK(sc_core::sc_find_object("top.cim") == nullptr);
  CHECK(top->channel_count() == 4);
  CHECK_FALSE(top->explicit_map());
  const auto& ranges = top->noc().address_map().ranges();
  REQUIRE(ranges.size() == 32);
  for (std::uint64_t j = 0; j < 32; ++j) {
    CHECK(ranges[j].base == 1024 * j);
    CHECK(ranges[j].size == 1024);
    CHECK(ranges[j].port == j % 4);
    CHECK(ranges[j].offset == 1024 * (j / 4));
  }
  CHECK(top->npu().config().systolic.count == 2);
  CHECK(top->npu().config().systolic.rows == 128);
  // Effective configuration: every parameter with its value; the template
  // reached the channels without a key of their own.
  const json eff = tlm_common::Config::instance().effective();
  CHECK(eff.at("top.channels") == 4);
  CHECK(eff.at("top.host") == "npu");
  CHECK(eff.at("top.channel.preset") == "hbm3-6400");
  CHECK(eff.at("top.ch0.preset") == "hbm3-6400");
  CHECK(eff.at("top.ch2.preset") == "hbm2-pimba");
  CHECK(eff.at("top.ch3.check") == false);
  CHECK(eff.at("top.npu.systolic.count") == 2);
  CHECK(eff.at("top.npu.preset") == "neupims");
  CHECK(eff.at("top.noc.width_bytes") == 32);
  CHECK(eff.at("top.noc.address_map") == json::array());  // generated ranges: reproduced by the top.* keys
}

TEST_CASE("platform: without interleave each channel holds one contiguous range, CIM tiles follow on the next ports") {
  auto top = tlm_platform::build(json::parse(R"({"top": {"channels": 2, "cim_enabled": true, "cim": {"count": 2}}})"));
  const std::uint64_t cap = top->channel(0).capacity_bytes();
  CHECK(top->memory_bytes() == 2 * cap);
  const auto& ranges = top->noc().address_map().ranges();
  REQUIRE(ranges.size() == 4);
  CHECK(ranges[0].base == 0);
  CHECK(ranges[0].size == cap);
  CHECK(ranges[0].port == 0);
  CHECK(ranges[1].base == cap);
  CHECK(ranges[1].port == 1);
  CHECK(ranges[1].offset == 0);
  REQUIRE(top->cim() != nullptr);
  CHECK(ranges[2].base == top->cim()->tile_base(0));
  CHECK(ranges[2].port == 2);
  CHECK(ranges[3].port == 3);
  CHECK(sc_core::sc_find_object("top.cim.tile1") != nullptr);
}

TEST_CASE("platform: an unknown key is an error naming it and the closest declared key") {
  CHECK(build_error(json::parse(R"({"top": {"chanels": 4}})")) ==
        "config: unknown key 'top.chanels' = 4 (did you mean 'top.channels'?) (the declared keys: pimlab config --list)");
  CHECK(build_error(json::parse(R"({"top": {"channels": 2, "channel": {"presett": "hbm2"}}})")) ==
        "config: unknown key 'top.channel.presett' = \"hbm2\" (not a key of the HBM channel; the channel's keys: "
        "pimlab config --list hbm)");
}

TEST_CASE("platform: a structural key of the wrong type or out of range names key, value and allowed") {
  CHECK(build_error(json::parse(R"({"top": {"channels": "32"}})")) ==
        "config key 'top.channels': value \"32\" is not allowed; allowed: integer in [1, 1024]");
  CHECK(build_error(json::parse(R"({"top": {"channels": 0}})")) ==
        "config key 'top.channels': value 0 is not allowed; allowed: integer in [1, 1024]");
  CHECK(build_error(json::parse(R"({"top": {"channels": 2, "interleave_bytes": 96}})")) ==
        "config key 'top.interleave_bytes': value 96 is not allowed; allowed: 0 or a power of two that is a multiple "
        "of top.npu.dma.request_bytes (64)");
  CHECK(build_error(json::parse(R"({"top": {"channels": 3, "interleave_bytes": 1024, "memory_bytes": 4096}})")) ==
        "config key 'top.memory_bytes': value 4096 is not allowed; allowed: 0 or a multiple of 3072 (channels x "
        "interleave_bytes) of at most 3221225472 (channels x channel capacity)");
}

TEST_CASE("platform: overlapping explicit address ranges are an error naming both ranges") {
  CHECK(build_error(json::parse(R"({"top": {"channels": 2, "noc": {"address_map": [
      {"base": 0, "size": "0x100000", "port": 0},
      {"base": "0x80000", "size": "0x100000", "port": 1}]}}})")) ==
        "config key 'top.noc.address_map[1].base': value 524288 ([0x80000, 0x17ffff]) is not allowed; allowed: a "
        "range that does not overlap top.noc.address_map[0] = [0x0, 0xfffff]");
}

TEST_CASE("platform: an unknown host kind or preset names the key, the value and the allowed ones") {
  CHECK(build_error(json::parse(R"({"top": {"host": "tpu"}})")) ==
        "config key 'top.host': value \"tpu\" is not allowed; allowed: one of \"npu\", \"gpu\"");
  CHECK(build_error(json::parse(R"({"top": {"host": "gpu", "gpu": {"preset": "v100"}}})")) ==
        "config key 'top.gpu.preset': value \"v100\" is not allowed; allowed: one of \"a100\", \"h100\", \"b200\"");
  // The other kind's keys are unknown keys on a GPU host.
  CHECK(build_error(json::parse(R"({"top": {"host": "gpu", "npu": {"preset": "neupims"}}})")).find("top.npu.preset") !=
        std::string::npos);
  CHECK(build_error(json::parse(R"({"top": {"npu": {"preset": "tpu-v4"}}})")) ==
        "config key 'top.npu.preset': value \"tpu-v4\" is not allowed; allowed: one of \"neupims\"");
  const std::string ch = build_error(json::parse(R"({"top": {"channels": 2, "channel": {"preset": "hbm9"}}})"));
  CHECK(ch.rfind("config key 'top.channel.preset': value \"hbm9\" is not allowed; allowed: one of ", 0) == 0);
  // A combination npu::validate() refuses, under the NPU's hierarchical key.
  CHECK(build_error(json::parse(R"({"top": {"npu": {"scratchpad_bytes": 4096}}})")) ==
        "config key 'top.npu.scratchpad_bytes': value 4096 is not allowed; allowed: at least 196608 (one block of "
        "X, W and Y per buffer)");
}

TEST_CASE("platform: the stats document holds every component and the effective configuration") {
  auto top = tlm_platform::build(json::parse(R"({"top": {"channels": 3, "cim_enabled": true,
      "cim": {"count": 1}}})"));
  sc_core::sc_start();
  const json doc = tlm_common::build_stats_document(tlm_common::StatsMeta{});
  REQUIRE(doc.contains("meta"));
  REQUIRE(doc.contains("config"));
  const json& stats = doc.at("stats");
  const auto comps = top->components();
  CHECK(comps.size() == 1 + 1 + 1 + 4 + 3 + 1);  // npu, noc, in0, out0..3, ch0..2, cim.tile0
  for (const std::string& c : comps) {
    INFO(c);
    CHECK(stats.contains(c));
  }
  CHECK(doc.at("config") == tlm_common::Config::instance().effective());
  CHECK(doc.at("config").at("top.cim.count") == 1);
  CHECK(doc.at("config").contains("top.ch2.capacity_bytes"));
}

TEST_CASE("platform: a GEMM through the built platform takes the cycles of the hand-wired NPU test") {
  // The configuration of tests/sc/npu "the DMA reads the bytes placed in two
  // HBM channels ...": 2 x 16x16 arrays, 64 B requests, 4 KiB buffers, X, bias
  // and Y in ch0, W in ch1 (1 MiB router ranges), GEMM 24 x 40 x 36 with bias.
  // That test (router and two HbmChannels wired by hand) ends at cycle 4561
  // with 576 compute-only cycles (docs/npu.md); the built platform must too.
  auto top = tlm_platform::build(json::parse(R"({"top": {"channels": 2,
      "noc": {"address_map": [{"base": 0, "size": "0x100000", "port": 0},
                              {"base": "0x40000000", "size": "0x100000", "port": 1}]},
      "npu": {"systolic": {"count": 2, "rows": 16, "cols": 16}, "dma": {"request_bytes": 64},
              "scratchpad_bytes": 4096, "accumulator_bytes": 4096}}})"));
  CHECK(top->explicit_map());
  CHECK(top->noc().address_map().ranges().size() == 2);
  const npu::GemmShape shape{24, 40, 36, true};
  const tlm_npu::TensorPlacement place{0x0, 0x40000000, 0x10000, 0x20000};
  tlm_npu::GemmRun run;
  top->npu().program = [&](tlm_npu::Npu& n) { run = n.gemm(shape, place); };
  sc_core::sc_start();
  CHECK(run.timing.end == 4561);
  CHECK(run.compute_only_end == 576);
  CHECK(run.stall_cycles == 3985);
  CHECK(run.timing.read_bytes == 13668);
  CHECK(run.timing.write_bytes == 1728);
}

TEST_CASE("platform: the effective configuration builds the same platform again") {
  json first;
  std::vector<std::pair<std::uint64_t, unsigned>> ranges;
  {
    auto top = tlm_platform::build(json::parse(R"({"top": {"channels": 3, "interleave_bytes": 2048,
        "memory_bytes": 49152, "channel": {"preset": "hbm3-6400"}, "ch1": {"page_policy": "closed"},
        "npu": {"dma": {"request_bytes": 128}}}})"));
    first = tlm_common::Config::instance().effective();
    for (const auto& r : top->noc().address_map().ranges()) ranges.emplace_back(r.base, r.port);
  }
  auto again = tlm_platform::build(first);
  CHECK(tlm_common::Config::instance().effective() == first);
  std::vector<std::pair<std::uint64_t, unsigned>> ranges2;
  for (const auto& r : again->noc().address_map().ranges()) ranges2.emplace_back(r.base, r.port);
  CHECK(ranges2 == ranges);
  CHECK(ranges.size() == 24);
  CHECK(first.at("top.ch1.page_policy") == "closed");
  CHECK(first.at("top.ch2.preset") == "hbm3-6400");
}

TEST_CASE("platform: the GEMMs of a GPT-3 7B decoder layer come from the model's operator graph") {
  const auto g = tlm_platform::decoder_layer_gemms("gpt3-7b", 256, 4);
  REQUIRE(g.size() == 4);
  const std::vector<std::string> names = {"qkv", "proj", "ffn_1", "ffn_2"};
  const std::vector<std::array<std::int64_t, 3>> mkn = {
      {256, 4096, 3072}, {256, 1024, 4096}, {256, 4096, 4096}, {256, 4096, 4096}};
  for (std::size_t i = 0; i < 4; ++i) {
    CHECK(g[i].name == names[i]);
    CHECK(g[i].shape.m == mkn[i][0]);
    CHECK(g[i].shape.k == mkn[i][1]);
    CHECK(g[i].shape.n == mkn[i][2]);
    CHECK(g[i].shape.bias);
  }
}

TEST_CASE("platform: channels of every DRAM preset the channel supports build, mixed in one platform") {
  const std::vector<std::string> presets = dram::preset_names();
  REQUIRE(presets.size() >= 2);
  json doc;
  doc["top.channels"] = presets.size();
  for (std::size_t i = 0; i < presets.size(); ++i) doc["top.ch" + std::to_string(i) + ".preset"] = presets[i];
  auto top = tlm_platform::build(doc);
  const json eff = tlm_common::Config::instance().effective();
  for (std::size_t i = 0; i < presets.size(); ++i) {
    INFO(presets[i]);
    CHECK(eff.at("top.ch" + std::to_string(i) + ".preset") == presets[i]);
  }
  // One contiguous range per channel, each as large as the smallest channel.
  const auto& ranges = top->noc().address_map().ranges();
  REQUIRE(ranges.size() == presets.size());
  std::uint64_t smallest = ~0ull;
  for (unsigned p = 0; p < top->channel_count(); ++p) smallest = std::min(smallest, top->channel(p).capacity_bytes());
  CHECK(ranges[1].base == smallest);
  CHECK(top->memory_bytes() == smallest * presets.size());
}

TEST_CASE("platform: a PIM device's channels take its keys over the channel template, their own over both") {
  auto top = tlm_platform::build(json::parse(R"({"top": {"host": "gpu", "channels": 5,
      "channel": {"preset": "hbm2-pimba", "frontend": "queued", "check": false},
      "ch4": {"placement": "buffer"},
      "pim_device": {"first_channel": 2,
                     "channel": {"preset": "attacc-hbm3-5.2", "pim_family": "attacc", "placement": "bg"}}}})"));
  tlm_common::Config::instance().check_consumed();
  const json eff = tlm_common::Config::instance().effective();
  for (unsigned p = 0; p < 5; ++p) {
    INFO("channel " << p);
    const std::string k = "top.ch" + std::to_string(p) + ".";
    CHECK(eff.at(k + "preset") == (p < 2 ? "hbm2-pimba" : "attacc-hbm3-5.2"));
    CHECK(eff.at(k + "pim_family") == (p < 2 ? "pimba" : "attacc"));
    CHECK(eff.at(k + "placement") == (p < 2 ? "bank" : p < 4 ? "bg" : "buffer"));
    CHECK(eff.at(k + "frontend") == "queued");  // the template's, under the device too
  }
  CHECK(eff.at("top.pim_device.first_channel") == 2);
}

TEST_CASE("platform: a PIM device without channels, or channel keys without a device, is an error naming the key") {
  CHECK(build_error(json::parse(R"({"top": {"channels": 4, "pim_device": {"first_channel": 2}}})")) ==
        "config key 'top.pim_device.first_channel': value 2 names a PIM device without channel keys; allowed: 0 "
        "(none), or give top.pim_device.channel.*");
  CHECK(build_error(json::parse(R"({"top": {"channels": 4, "pim_device": {"channel": {"pim_family": "attacc"}}}})")) ==
        "config key 'top.pim_device.first_channel': value 0 is not allowed with top.pim_device.channel.* keys; "
        "allowed: 1..3 (the first of the device's channels; the host's own come before it)");
  CHECK(build_error(json::parse(R"({"top": {"channels": 4, "pim_device": {"first_channel": 4, "channel": {"check": true}}}})")) ==
        "config key 'top.pim_device.first_channel': value 4 is not allowed with top.pim_device.channel.* keys; "
        "allowed: 1..3 (the first of the device's channels; the host's own come before it)");
  // A bad value or an unknown key of the device's template is named under the template's key.
  const std::string bad = build_error(json::parse(
      R"({"top": {"channels": 4, "pim_device": {"first_channel": 1, "channel": {"placement": "die"}}}})"));
  CHECK(bad.rfind("config key 'top.pim_device.channel.placement': value \"die\" is not allowed", 0) == 0);
  CHECK(build_error(json::parse(R"({"top": {"channels": 4, "pim_device": {"first_channel": 1, "channel": {"placment": "bg"}}}})")) ==
        "config: unknown key 'top.pim_device.channel.placment' = \"bg\" (not a key of the HBM channel; the channel's "
        "keys: pimlab config --list hbm)");
}

TEST_CASE("platform: a GPU host's FC kernel moves the roofline's HBM bytes through the router to the channels") {
  auto top = tlm_platform::build(json::parse(R"({"top": {"host": "gpu", "gpu": {"preset": "h100"},
      "channels": 4, "interleave_bytes": 1024, "memory_bytes": 16777216,
      "channel": {"preset": "hbm2-pimba", "check": true}}})"));
  tlm_common::Config::instance().check_consumed();
  REQUIRE(top->gpu_host());
  CHECK_THROWS_AS(top->npu(), std::logic_error);
  gpu::Operator op;
  op.cls = gpu::OpClass::FC;
  op.name = "fc";
  op.m = 16;
  op.k = 512;
  op.n = 256;
  tlm_gpu::KernelRun run;
  top->gpu().program = [&](tlm_gpu::Gpu& g) { run = g.kernel(op, {0x0, 0x10000, 0x80000}); };
  sc_core::sc_start();
  const gpu::OpResult ref = gpu::time_operator(gpu::preset("h100"), op, 1);
  CHECK(static_cast<double>(run.bytes_read + run.bytes_written) == ref.hbm_bytes);
  // Every channel served part of it (1 KiB interleave), with no timing violation.
  std::uint64_t served = 0;
  for (unsigned p = 0; p < top->channel_count(); ++p) {
    const auto s = tlm_common::collect_stats().at(top->channel(p).name());
    CHECK(s.at("bytes_read").at("value").get<std::uint64_t>() > 0);
    served += s.at("bytes_read").at("value").get<std::uint64_t>() + s.at("bytes_written").at("value").get<std::uint64_t>();
    CHECK(dynamic_cast<tlm_hbm::DramTiming&>(top->channel(p).timing()).checker_violations() == 0);
  }
  CHECK(served == run.bytes_read + run.bytes_written);
  CHECK(run.end_s >= run.start_s + ref.time_s);  // four channels are slower than an H100's HBM
}
