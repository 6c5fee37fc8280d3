// CIM tiles on the serving platform (serving/cim_place.h, docs/serving.md
// "CIM tiles"): the platform file's "cim" section, the FFN capacity check,
// the FFN block on the cim::Chip derived by hand, the softmax rows composed
// from cim::softmax_latency, and the GPU back-end charging them.
#include <catch2/catch.hpp>

#include <algorithm>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cim/chip.h"
#include "cim/softmax.h"
#include "model/model.h"
#include "model/system.h"
#include "serving/cim_place.h"
#include "serving/factory.h"
#include "serving/gpu_backend.h"
#include "serving/platform.h"
#include "serving/timeline.h"

namespace {

using namespace pimlab;
using serving::CimPlace;
using serving::CimSystem;

// hidden 64, FFN 128, 2 layers, 1 head (GELU MLP, not gated).
model::ModelConfig tiny() { return model::resolve_model(std::string(PIMLAB_SERVING_CIM_DATA) + "/tiny-gpt2.json"); }

std::string parse_error(const std::string& cim) {
  try {
    serving::cim_from_json(nlohmann::json::parse(cim), "f.json");
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

CimSystem one_tile(CimPlace p) {
  CimSystem s;
  s.place = p;
  s.tile.tiles = 1;
  return s;
}

}  // namespace

TEST_CASE("platform cim section: keys of the cim core, validated by it", "[cim_place]") {
  const CimSystem s = serving::cim_from_json(
      nlohmann::json::parse(R"({"place": "ffn", "tiles": 2, "adc_bits": 7, "variant": "A", "mac_pj": 0.1, "softmax_cores": 2})"), "f.json");
  CHECK(s.place == CimPlace::ffn);
  CHECK(s.tile.tiles == 2);
  CHECK(s.tile.adc_bits == 7);
  CHECK(s.tile.variant == cim::ExpVariant::A);
  CHECK(s.energy.mac_pj == 0.1);
  CHECK(s.softmax_cores == 2);
  CHECK(serving::cim_from_json(nlohmann::json::object(), "f.json").place == CimPlace::none);
  CHECK(parse_error(R"({"place": "attention"})") == "f.json: key 'cim.place' has value \"attention\"; allowed: \"none\", \"softmax\", \"ffn\"");
  CHECK(parse_error(R"({"cores_per_tile": 0})") == "f.json: key 'cim.cores_per_tile': cores_per_tile 0 is out of range [1, 1024]");
  CHECK(parse_error(R"({"tiles": 0})") == "f.json: key 'cim.tiles': tiles 0 is out of range [1, 65536]");
  CHECK(parse_error(R"({"adc_share": 7})") == "f.json: key 'cim.adc_share': adc_share 7 must divide array_cols 64");
  CHECK(parse_error(R"({"tiles": 1.5})") == "f.json: key 'cim.tiles': tiles 1.5 is not allowed; allowed: an integer");
  CHECK(parse_error(R"({"variant": "C"})") == "f.json: key 'cim.variant' has value \"C\"; allowed: \"A\", \"B\"");
  CHECK(parse_error(R"({"place": "softmax", "tiles": 1, "softmax_cores": 9})") ==
        "f.json: key 'cim.softmax_cores' has value 9; allowed: an integer in [1, 8] (tiles x cores_per_tile)");
  CHECK(parse_error(R"({"lanes": 4})")
            .rfind("f.json: key 'cim.lanes' has value 4; allowed: the keys place, softmax_cores, link_width_bytes, "
                   "link_clock_mhz, link_latency_cycles, array_rows", 0) == 0);
  CHECK(parse_error(R"("softmax")").rfind("f.json: key 'cim' has value \"softmax\"; allowed: an object", 0) == 0);
}

TEST_CASE("FFN on CIM: weights must fit the arrays", "[cim_place]") {
  const model::ModelConfig m = tiny();
  CimSystem s = one_tile(CimPlace::ffn);
  serving::CimPlacement p(s, m, 1);
  // ffn_1 64 x 128: 1 x 2 UCLMs, ffn_2 128 x 64: 2 x 1, two layers.
  CHECK(p.ffn_uclms_per_layer() == 4);
  CHECK(p.ffn_uclms() == 8);
  s.tile.cores_per_tile = 1;
  s.tile.uclms_per_core = 8;  // exactly the 8 UCLMs
  CHECK_NOTHROW(serving::CimPlacement(s, m, 1));
  s.tile.uclms_per_core = 7;
  CHECK_THROWS_WITH(serving::CimPlacement(s, m, 1),
                    "the FFN of " + m.name + " does not fit the CIM tiles: its INT8 weights need 8 UCLMs (4 x 2 layers) but 1 tiles hold 7");
  // OPT-7B: 4096 x 16384 twice per layer = 32768 UCLMs x 32 layers.
  CHECK_THROWS_WITH(serving::CimPlacement(CimSystem{CimPlace::ffn, {}, {}, 4, {}}, model::preset("opt-7b"), 1),
                    Catch::Contains("need 1048576 UCLMs (32768 x 32 layers) but 16 tiles hold 2048"));
  // Tensor parallelism shards the FFN: half the columns of ffn_1, half the rows of ffn_2.
  CHECK_THROWS_WITH(serving::CimPlacement(CimSystem{CimPlace::ffn, {}, {}, 4, {}}, model::preset("opt-7b"), 2),
                    Catch::Contains("need 524288 UCLMs (16384 x 32 layers)"));
  CHECK_THROWS_WITH(serving::CimPlacement(CimSystem{CimPlace::ffn, {}, {}, 4, {}}, model::preset("mamba2-2.7b"), 1),
                    Catch::Contains("has no FFN"));
}

TEST_CASE("FFN on CIM: one block timed on the chip, derived by hand", "[cim_place]") {
  serving::CimPlacement p(one_tile(CimPlace::ffn), tiny(), 1);
  // One token row. ffn_1: UCLMs 0 and 1 of core 0 run their MVMs together,
  // 0 -> 64 (t_mvm = 8 input bits x adc_share 8). The core's VFU then takes
  // each column block of 64: 0 adds + 1 requantise + 2 GELU = 3 ops of
  // ceil(64/16) = 4 cycles: 64 -> 76, 76 -> 88. One hop (4) gathers the
  // hidden vector: 92. ffn_2: UCLMs 2 and 3 (row blocks 0, 1) 92 -> 156, then
  // 1 add + 1 requantise on 64 elements: 156 -> 164.
  serving::CimOpCost c = p.ffn_layer(1);
  CHECK(c.cycles == 164);
  CHECK(c.tiles_s == Approx(164e-9).epsilon(1e-12));
  // The link (router defaults: 32 B x 2000 MHz, period 500 ps, latency 1 cycle
  // on the host's input link and on the tiles' output link): the row's 64 INT8
  // activations in, ceil(64 / 32) = 2 cycles = 1000 ps, plus the request's and
  // the response's traversal of both links, 2 x (500 + 500) ps: 3 ns; its 64
  // INT8 outputs back the same: 3 ns. The operator: 3 + 164 + 3 = 170 ns.
  CHECK(c.transfer.bytes_in == 64);
  CHECK(c.transfer.bytes_out == 64);
  CHECK(c.transfer.in_s == Approx(3e-9).epsilon(1e-12));
  CHECK(c.transfer.out_s == Approx(3e-9).epsilon(1e-12));
  CHECK(c.time_s == Approx(170e-9).epsilon(1e-12));
  // 4 MVMs x (4096 MACs x 0.09 pJ + 8 x 8 x 64 conversions x 0.16 pJ) and
  // 64 x (3 + 3 + 2) lane ops x 0.265 pJ.
  CHECK(c.energy_j * 1e12 == Approx(4 * (4096 * 0.09 + 4096 * 0.16) + 64 * 8 * 0.265).epsilon(1e-12));
  // Two rows stream: row 1's ffn_1 MVMs 64 -> 128, but core 0's VFU is free
  // only at 164 (row 0's ffn_2): 164 -> 176 -> 188, hop 192, MVMs 192 -> 256, VFU 264.
  c = p.ffn_layer(2);
  CHECK(c.cycles == 264);
  CHECK(p.rows_simulated() == 2);
  p.ffn_layer(2);
  CHECK(p.rows_simulated() == 2);  // equal blocks are simulated once

  // One UCLM per core: every block on its own core. ffn_1's column blocks on
  // cores 0 and 1 in parallel: 0 -> 64, 3 ops each on their own VFU -> 76;
  // hop -> 80. ffn_2's row blocks on cores 2 and 3: MVMs 80 -> 144; core 3's
  // partial sums reach core 2 after a hop (148), one add -> 152, requantise -> 156.
  CimSystem s = one_tile(CimPlace::ffn);
  s.tile.uclms_per_core = 1;
  serving::CimPlacement spread(s, tiny(), 1);
  CHECK(spread.ffn_layer(1).cycles == 156);
  CHECK(spread.ffn_layer(1).energy_j == Approx(c.energy_j / 2).epsilon(1e-12));  // same events as one row above
}

TEST_CASE("softmax on CIM: rows of cim::softmax_latency on core groups", "[cim_place]") {
  CimSystem s = one_tile(CimPlace::softmax);  // 8 cores: 2 groups of 4
  serving::CimPlacement p(s, tiny(), 1);
  CHECK(p.softmax_groups() == 2);
  const cim::SoftmaxLatency a = cim::softmax_latency(s.tile, cim::SoftmaxSetting::MultiCore, 100, 4, 1);
  const cim::SoftmaxLatency b = cim::softmax_latency(s.tile, cim::SoftmaxSetting::MultiCore, 300, 4, 1);
  REQUIRE(a.cycles < b.cycles);
  // Rows in (request, head) order to the group free first: 100, 100 | 100 -> g0
  // (2a), 300 -> g1 (a + b), 300 -> g0 (2a + b), 300 -> g1 (a + 2b).
  const serving::CimOpCost c = p.softmax_layer({100, 300}, 3);
  CHECK(c.rows == 6);
  CHECK(c.cycles == a.cycles + 2 * b.cycles);
  CHECK(c.energy_j * 1e12 == Approx(3 * a.energy_pj + 3 * b.energy_pj).epsilon(1e-12));
  CHECK(p.rows_simulated() == 2);
  // 3 x (100 + 300) = 1200 scores: 4800 B of int32 in = 150 cycles of 32 B at
  // 2 GHz = 75 ns + 2 ns of latencies; 1200 B of UINT8 out = ceil(37.5) = 38
  // cycles = 19 ns + 2 ns. The layer: 77 ns + the rows + 21 ns.
  CHECK(c.transfer.bytes_in == 4800);
  CHECK(c.transfer.bytes_out == 1200);
  CHECK(c.transfer.in_s == Approx(77e-9).epsilon(1e-12));
  CHECK(c.transfer.out_s == Approx(21e-9).epsilon(1e-12));
  CHECK(c.tiles_s == Approx(s.tile.ns(c.cycles) * 1e-9).epsilon(1e-12));
  CHECK(c.time_s == Approx(77e-9 + c.tiles_s + 21e-9).epsilon(1e-12));
}

TEST_CASE("CIM link: the platform's link keys time the transfers", "[cim_place]") {
  const CimSystem d = serving::cim_from_json(nlohmann::json::object(), "f.json");
  // The router's default link (docs/noc.md).
  CHECK(d.link.width_bytes == 32);
  CHECK(d.link.clock_mhz == 2000);
  CHECK(d.link.latency_cycles == 1);
  CimSystem s = serving::cim_from_json(
      nlohmann::json::parse(R"({"place": "ffn", "tiles": 1, "link_width_bytes": 16, "link_clock_mhz": 1000, "link_latency_cycles": 3})"),
      "f.json");
  CHECK(s.link.width_bytes == 16);
  CHECK(s.link.clock_mhz == 1000);
  CHECK(s.link.latency_cycles == 3);
  serving::CimPlacement p(s, tiny(), 1);
  // 100 B in: ceil(100 / 16) = 7 cycles of 1 ns, plus 2 traversals x (3 + 3)
  // cycles = 12 ns: 19 ns. 17 B out: 2 cycles + 12: 14 ns. No data, no transaction.
  const serving::CimTransfer x = p.transfer(100, 17);
  CHECK(x.in_s == Approx(19e-9).epsilon(1e-12));
  CHECK(x.out_s == Approx(14e-9).epsilon(1e-12));
  CHECK(x.bytes() == 117);
  CHECK(p.transfer(0, 0).time_s() == 0);
  // A 1.2 GHz clock (period 833.33 ps, cycle k at ceil(k x 833.33) ps, the
  // router's edges): 64 B on 32 B = 2 cycles, ending at 1667 ps; each link's
  // latency of 1 cycle rounds up on its own to 834 ps, paid 4 times: 5003 ps.
  s.link = {32, 1200, 1};
  CHECK(serving::CimPlacement(s, tiny(), 1).transfer(64, 0).in_s == Approx(5003e-12).epsilon(1e-12));
  // The FFN block with this link: 3 rows x 64 INT8 in and out.
  s.link = {16, 1000, 3};
  serving::CimPlacement q(s, tiny(), 1);
  const serving::CimOpCost c = q.ffn_layer(3);
  CHECK(c.transfer.bytes_in == 192);   // ceil(192 / 16) = 12 cycles + 12 = 24 ns
  CHECK(c.transfer.bytes_out == 192);
  CHECK(c.transfer.in_s == Approx(24e-9).epsilon(1e-12));
  CHECK(c.transfer.out_s == Approx(24e-9).epsilon(1e-12));
  CHECK(c.time_s == Approx(48e-9 + c.tiles_s).epsilon(1e-12));

  CHECK(parse_error(R"({"link_width_bytes": 0})") ==
        "f.json: key 'cim.link_width_bytes' has value 0; allowed: an integer in [1, 1048576]");
  CHECK(parse_error(R"({"link_clock_mhz": 1.5})") ==
        "f.json: key 'cim.link_clock_mhz' has value 1.5; allowed: an integer in [1, 100000]");
  CHECK(parse_error(R"({"link_latency_cycles": -1})") ==
        "f.json: key 'cim.link_latency_cycles' has value -1; allowed: an integer in [0, 1048576]");
}

TEST_CASE("softmax on CIM: a row's latency does not depend on when it starts on free cores", "[cim_place]") {
  // The composition above adds row latencies on a group; on one Chip, a
  // second row on the same cores started when the first ends takes as long.
  cim::TileConfig t;
  t.tiles = 1;
  cim::Chip chip(t);
  std::vector<cim::SoftmaxCoreSlot> slots(4);
  for (int k = 0; k < 4; ++k) slots[k] = {k, {0}};
  std::vector<std::int64_t> x(300);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<std::int64_t>((i * 7919) % 8192) - 4096;
  const cim::SoftmaxTimedRow r1 = cim::softmax_on_chip(chip, x, {}, slots, 0);
  const cim::SoftmaxTimedRow r2 = cim::softmax_on_chip(chip, x, {}, slots, r1.end);
  CHECK(r2.end - r1.end == r1.end);
  CHECK(r1.end == cim::softmax_latency(t, cim::SoftmaxSetting::MultiCore, 300, 4, 1).cycles);
}

TEST_CASE("GPU back-end: CIM operators in the waveform, laid out with the host's", "[cim_place][trace]") {
  serving::GpuSystemOptions o;
  o.system = model::find_system("gpu");
  o.model = tiny();
  o.host = gpu::preset("a100");
  const std::vector<serving::DecodeRequest> batch{{101, -1}, {301, -1}, {201, -1}};
  for (CimPlace place : {CimPlace::softmax, CimPlace::ffn}) {
    o.cim = one_tile(place);
    serving::GpuBackend be(o);
    serving::Timeline t;
    be.record(&t);
    const serving::IterationCost c = be.decode(batch);
    be.record(nullptr);
    // Serial: the operators end to end span the iteration; the CIM ones
    // span the CIM's busy time, under the names the placement runs.
    REQUIRE(!t.ops.empty());
    double host = 0, cim = 0;
    int cim_ops = 0;
    for (std::size_t i = 0; i < t.ops.size(); ++i) {
      const serving::Timeline::Op& op = t.ops[i];
      if (i) CHECK(op.start_s == t.ops[i - 1].end_s);
      (op.device == "cim" ? cim : host) += op.end_s - op.start_s;
      if (op.device != "cim") {
        CHECK(op.device == "host");
        if (place == CimPlace::softmax) CHECK(op.name != "attention_softmax");  // the tiles run it
        if (place == CimPlace::ffn) CHECK((op.name != "ffn_1" && op.name != "ffn_2"));
        continue;
      }
      ++cim_ops;
      CHECK(op.name == (place == CimPlace::softmax ? "attention_softmax" : "ffn_1+act+ffn_2"));
      // The replaced operators' category: softmax is `others`, ffn_1 a fully connected layer (`gemm`).
      CHECK(op.category == (place == CimPlace::softmax ? "others" : "gemm"));
    }
    CHECK(cim_ops == 2);  // one per layer
    CHECK(t.ops.back().end_s == Approx(c.time_s).epsilon(1e-12));
    CHECK(cim == Approx(c.cim_busy_s).epsilon(1e-12));
    CHECK(host == Approx(c.host_busy_s).epsilon(1e-12));
    std::ostringstream vcd;
    serving::write_vcd(vcd, t, "cim");
    CHECK(vcd.str().find(" cim_busy $end") != std::string::npos);
  }
}

TEST_CASE("GPU back-end: placed operators are charged to the CIM, serially", "[cim_place]") {
  serving::SystemChoice sc;
  sc.system = model::find_system("gpu");
  sc.model = tiny();
  sc.host = gpu::preset("a100");
  const std::vector<serving::DecodeRequest> batch{{101, -1}, {301, -1}, {201, -1}};
  const serving::IterationCost base = serving::make_backend(sc)->decode(batch);
  CHECK(base.cim_busy_s == 0);

  sc.cim = one_tile(CimPlace::softmax);
  const serving::IterationCost soft = serving::make_backend(sc)->decode(batch);
  serving::CimPlacement p(sc.cim, sc.model, 1);
  const serving::CimOpCost layer = p.softmax_layer({101, 301, 201}, 1);
  CHECK(soft.cim_busy_s == Approx(2 * layer.time_s).epsilon(1e-12));   // 2 layers
  // Each layer moves 101 + 301 + 201 = 603 scores: 2412 B in, 603 B out.
  CHECK(layer.transfer.bytes() == 3015);
  CHECK(soft.cim_transfer_bytes == 2 * 3015);
  CHECK(soft.cim_transfer_s == Approx(2 * layer.transfer.time_s()).epsilon(1e-12));
  CHECK(layer.time_s == Approx(layer.transfer.time_s() + layer.tiles_s).epsilon(1e-12));
  CHECK(soft.cim_energy_j == Approx(2 * layer.energy_j).epsilon(1e-12));
  CHECK(soft.time_s == Approx(soft.host_busy_s + soft.cim_busy_s).epsilon(1e-12));
  CHECK(soft.host_busy_s < base.host_busy_s);  // the host's softmax is gone
  CHECK(soft.energy_j() == Approx(soft.host_energy_j + soft.dram_energy_j + soft.cim_energy_j).epsilon(1e-12));

  sc.cim = one_tile(CimPlace::ffn);
  const serving::IterationCost ffn = serving::make_backend(sc)->decode(batch);
  serving::CimPlacement q(sc.cim, sc.model, 1);
  CHECK(ffn.cim_busy_s == Approx(2 * q.ffn_layer(3).time_s).epsilon(1e-12));
  CHECK(ffn.cim_transfer_bytes == 2 * (3 * 64 + 3 * 64));  // 3 rows of 64 INT8 in and out, 2 layers
  CHECK(ffn.cim_transfer_s == Approx(2 * q.ffn_layer(3).transfer.time_s()).epsilon(1e-12));
  CHECK(ffn.breakdown.at("gemm").time_s < base.breakdown.at("gemm").time_s + ffn.cim_busy_s);
  CHECK(ffn.time_s == Approx(ffn.host_busy_s + ffn.cim_busy_s).epsilon(1e-12));

  sc.system = model::find_system("attacc");
  sc.cim = one_tile(CimPlace::softmax);
  CHECK_THROWS_WITH(serving::make_backend(sc), Catch::Contains("conflicts with attacc"));
}

// Prefill (docs/serving.md "CIM tiles", Scope): the placement's operators run
// on the tiles in a prefill pass as in decode. Two chunks of 40 prompt tokens
// (KV lengths 100, 300) and one of 7 (KV length 50): two graphs. FFN: each
// layer's block over the graph's token rows (80, then 7); softmax: the graph's
// q rows per request and head at the request's KV length.
TEST_CASE("GPU back-end: the placed operators of a prefill pass run on the CIM", "[cim_place][prefill]") {
  serving::SystemChoice sc;
  sc.system = model::find_system("gpu");
  sc.model = tiny();
  sc.host = gpu::preset("a100");
  const std::vector<serving::PrefillChunk> chunks{{40, 100, -1}, {40, 300, -1}, {7, 50, -1}};
  const serving::IterationCost base = serving::make_backend(sc)->prefill(chunks);
  CHECK(base.cim_busy_s == 0);

  sc.cim = one_tile(CimPlace::ffn);
  const serving::IterationCost ffn = serving::make_backend(sc)->prefill(chunks);
  serving::CimPlacement q(sc.cim, sc.model, 1);
  const serving::CimOpCost b7 = q.ffn_layer(7), b80 = q.ffn_layer(80);
  CHECK(ffn.cim_busy_s == Approx(2 * (b7.time_s + b80.time_s)).epsilon(1e-12));  // 2 layers
  CHECK(ffn.cim_transfer_bytes == 2 * (87 * 64 + 87 * 64));  // 87 rows of 64 INT8 in and out
  CHECK(ffn.cim_energy_j == Approx(2 * (b7.energy_j + b80.energy_j)).epsilon(1e-12));
  CHECK(ffn.time_s == Approx(ffn.host_busy_s + ffn.cim_busy_s).epsilon(1e-12));
  CHECK(ffn.host_busy_s < base.host_busy_s);  // the host's FFN GEMMs are gone

  sc.cim = one_tile(CimPlace::softmax);
  const serving::IterationCost soft = serving::make_backend(sc)->prefill(chunks);
  serving::CimPlacement p(sc.cim, sc.model, 1);
  const serving::CimOpCost s40 = p.softmax_layer({100, 300}, 40), s7 = p.softmax_layer({50}, 7);
  CHECK(soft.cim_busy_s == Approx(2 * (s40.time_s + s7.time_s)).epsilon(1e-12));
  // 40 rows of 100 and 40 of 300 scores, 7 of 50: 16350 scores, 4 B in and 1 B out each, per layer.
  CHECK(soft.cim_transfer_bytes == 2 * 5 * (40 * 100 + 40 * 300 + 7 * 50));
  CHECK(soft.time_s == Approx(soft.host_busy_s + soft.cim_busy_s).epsilon(1e-12));
}

// The FFN block beyond CimPlacement::kFfnExactRows rows (a prefill pass):
// simulated until periodic, then extrapolated. The same cycles as simulating
// every row, the energy to rounding, on chips where the rows contend for the
// VFUs differently (several UCLMs a core, one a core, a small ADC share) and
// at row counts on every phase of the period.
TEST_CASE("FFN on CIM: a long block extrapolated from its period equals every row simulated", "[cim_place]") {
  auto chip = [](int uclms_per_core, int adc_share) {
    CimSystem s = one_tile(CimPlace::ffn);
    s.tile.uclms_per_core = uclms_per_core;
    s.tile.adc_share = adc_share;
    return s;
  };
  for (const CimSystem& s : {chip(16, 8), chip(1, 8), chip(4, 2)}) {
    serving::CimPlacement fast(s, tiny(), 1), exact(s, tiny(), 1);
    exact.set_ffn_extrapolation(false);
    for (const std::int64_t rows : {std::int64_t{513}, std::int64_t{1000}, std::int64_t{2047}, std::int64_t{3001}}) {
      INFO("uclms_per_core " << s.tile.uclms_per_core << ", adc_share " << s.tile.adc_share << ", rows " << rows);
      const serving::CimOpCost f = fast.ffn_layer(rows), e = exact.ffn_layer(rows);
      CHECK(f.cycles == e.cycles);
      CHECK(f.energy_j == Approx(e.energy_j).epsilon(1e-12));
      CHECK(f.transfer.bytes_in == e.transfer.bytes_in);
    }
    CHECK(fast.ffn_extrapolated() == 4);
    CHECK(exact.ffn_extrapolated() == 0);
  }
  // A GPT-2-sized block (768 x 3072 and back, one layer: 1152 UCLMs on 9 of
  // 16 tiles, 72 cores), whose column blocks' partial sums meet in reduction
  // trees across cores and whose rows contend for the cores' VFUs.
  {
    model::ModelConfig m = tiny();
    m.hidden = 768;
    m.intermediate = 3072;
    m.layers = 1;
    CimSystem s;
    s.place = CimPlace::ffn;
    serving::CimPlacement fast(s, m, 1), exact(s, m, 1);
    exact.set_ffn_extrapolation(false);
    for (const std::int64_t rows : {std::int64_t{700}, std::int64_t{1501}}) {
      INFO("GPT-2-sized block, rows " << rows);
      const serving::CimOpCost f = fast.ffn_layer(rows), e = exact.ffn_layer(rows);
      CHECK(f.cycles == e.cycles);
      CHECK(f.energy_j == Approx(e.energy_j).epsilon(1e-12));
    }
    CHECK(fast.ffn_extrapolated() == 2);
  }
  // At most kFfnExactRows rows: always every row.
  serving::CimPlacement p(one_tile(CimPlace::ffn), tiny(), 1);
  p.ffn_layer(serving::CimPlacement::kFfnExactRows);
  CHECK(p.ffn_extrapolated() == 0);
}
