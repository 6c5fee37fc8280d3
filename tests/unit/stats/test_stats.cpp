// The stats schema (stats/stats.h): the views of one describing function, and
// every core counter struct described in it (pim::Counters,
// pim::NewtonCounters, dram::EnergyBreakdown, cim::ChipStats).
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cim/chip.h"
#include "cim/softmax.h"
#include "dram/energy.h"
#include "dram/memory_system.h"
#include "dram/spec.h"
#include "pim/attacc.h"
#include "pim/attacc_trace.h"
#include "pim/command.h"
#include "pim/newton_controller.h"
#include "pim/newton_trace.h"
#include "stats/stats.h"

using namespace pimlab;

namespace {

std::vector<std::string> keys(const nlohmann::json& j) {
  std::vector<std::string> k;
  for (auto it = j.begin(); it != j.end(); ++it) k.push_back(it.key());
  return k;
}

// Every stat of the full view has a value, a non-empty unit and description,
// and the value-only view holds the same names with the same values.
template <class Counters>
void views_agree(const Counters& c) {
  const nlohmann::json full = stats::document(c), flat = stats::flat(c);
  REQUIRE(!full.empty());
  CHECK(keys(full) == keys(flat));
  for (auto it = full.begin(); it != full.end(); ++it) {
    INFO("stat " << it.key());
    REQUIRE(it->contains("value"));
    REQUIRE(it->at("unit").is_string());
    REQUIRE(it->at("description").is_string());
    CHECK(!it->at("unit").get<std::string>().empty());
    CHECK(!it->at("description").get<std::string>().empty());
    CHECK(it->at("value") == flat.at(it.key()));
    CHECK(it->size() == 3);
  }
}

struct Two {
  std::uint64_t a = 0;
  double b = 0;
  void collect(stats::Sink& s) const {
    s.add("a", a, "things", "how many things");
    s.add("b_pj", b, "pJ", "energy of the things");
  }
};

}  // namespace

TEST_CASE("stats: the full view names value, unit and description, the flat view only the value") {
  const Two t{7, 2.5};
  CHECK(stats::document(t) == nlohmann::json::parse(R"({"a": {"value": 7, "unit": "things", "description": "how many things"},
      "b_pj": {"value": 2.5, "unit": "pJ", "description": "energy of the things"}})"));
  CHECK(stats::flat(t) == nlohmann::json::parse(R"({"a": 7, "b_pj": 2.5})"));
  views_agree(t);
}

TEST_CASE("stats: a stat without unit or description, or added twice, is refused by both views") {
  nlohmann::json full, flat;
  stats::Document d(full);
  stats::Flat f(flat);
  for (stats::Sink* s : {static_cast<stats::Sink*>(&d), static_cast<stats::Sink*>(&f)}) {
    CHECK_THROWS_WITH(s->add("x", 1u, "", "desc"), "stat 'x': every stat needs a unit and a description");
    CHECK_THROWS_WITH(s->add("x", 1u, "unit", ""), "stat 'x': every stat needs a unit and a description");
    s->add("y", 1u, "unit", "desc");
    CHECK_THROWS_WITH(s->add("y", 2u, "unit", "desc"), "stat 'y' added twice");
  }
}

TEST_CASE("stats: integers keep their sign, a non-finite value is null, a flag is a boolean") {
  nlohmann::json j;
  stats::Flat f(j);
  f.add("neg", std::int64_t{-3}, "cycles", "a signed count");
  f.add("big", std::numeric_limits<std::uint64_t>::max(), "bytes", "an unsigned count");
  f.add("ratio", std::nan(""), "ratio", "0/0");
  f.add("inf", std::numeric_limits<double>::infinity(), "ratio", "1/0");
  f.add_flag("on", true, "a yes/no stat");
  CHECK(j.dump() == R"({"big":18446744073709551615,"inf":null,"neg":-3,"on":true,"ratio":null})");
}

TEST_CASE("stats: Prefixed renames, Only keeps the listed stats") {
  const Two t{3, 1.0};
  nlohmann::json group;
  stats::Document d(group);
  stats::Prefixed p(d, "unit_", "b_");
  stats::Only o(p, {"b_pj"});
  t.collect(o);
  CHECK(o.seen_all());
  CHECK(keys(group) == std::vector<std::string>{"unit_pj"});
  CHECK(group["unit_pj"]["value"] == 1.0);
  CHECK(group["unit_pj"]["unit"] == "pJ");
  nlohmann::json none;
  stats::Flat fn(none);
  stats::Only missing(fn, {"a", "c"});
  t.collect(missing);
  CHECK(!missing.seen_all());
  CHECK(keys(none) == std::vector<std::string>{"a"});
}

TEST_CASE("stats: pim::Counters: the kernel/replay keys, both views agree") {
  pim::Counters c;
  c.num_act = 4;
  c.num_comp = 5;
  c.num_rdwr = 6;
  c.commands = 7;
  c.refreshes = 8;
  views_agree(c);
  CHECK(keys(stats::flat(c)) == std::vector<std::string>{"commands", "num_act", "num_comp", "num_rdwr", "refreshes"});
  pim::Counters sum = c;
  sum += c;
  CHECK(stats::flat(sum)["num_rdwr"] == 12);
  CHECK(stats::flat(sum)["refreshes"] == 16);
}

TEST_CASE("stats: pim::AttaccCounts: the kernel keys come from its flat view, both views agree") {
  pim::AttaccResult r;
  r.cycles = 1000;
  r.refreshes = 2;
  for (int k = 0; k < pim::kAttaccReqTypes; ++k) r.counts.req[k] = 10 + static_cast<std::uint64_t>(k);
  for (int k = 0; k < pim::kAttaccClasses; ++k) r.counts.cmd[k] = 100 + static_cast<std::uint64_t>(k);
  views_agree(r.counts);
  const nlohmann::json flat = stats::flat(r.counts);
  CHECK(flat["mac_cmds"] == r.counts.cmd[pim::kMACAB] + r.counts.cmd[pim::kMACSB] + r.counts.cmd[pim::kMACPB]);
  CHECK(flat["host_rdwr_cmds"] == r.counts.cmd[pim::kRD] + r.counts.cmd[pim::kWR]);
  // pimlab kernel --family attacc: the request keys are the flat view's, the
  // command groups stay out (the per-class commands are under "commands").
  const dram::DramSpec& spec = dram::preset("attacc-hbm3-5.2");
  const nlohmann::json j = pim::attacc_json(r, spec, pim::AttaccPlacement::Bank, false);
  for (const char* k : {"mac_ab", "mac_sb", "mac_pb", "wrgb", "mvsb", "mvgb", "sfm", "barriers"}) CHECK(j.at(k) == flat.at(k));
  CHECK(!j.contains("mac_cmds"));
  CHECK(j["refreshes"] == 2);
  CHECK(j["cycles"] == 1000);
}

TEST_CASE("stats: pim::NewtonCounters: newton_json is the flat view, both views agree") {
  pim::NewtonCounters c;
  c.cycles = 100;
  c.responses = 11;
  c.expected = 11;
  c.num_read_cmds = 1;
  c.num_write_cmds = 2;
  c.num_act_cmds = 3;
  c.num_pre_cmds = 4;
  c.num_ref_cmds = 5;
  c.num_gact_cmds = 6;
  c.num_gwrite_cmds = 7;
  c.num_comp_cmds = 8;
  c.num_readres_cmds = 9;
  c.num_pim_precharge_cmds = 10;
  c.num_p_header_cmds = 12;
  c.energy_pj = 123.5;
  c.background_pj = 23.25;
  views_agree(c);
  CHECK(pim::newton_json(c) == stats::flat(c));
  CHECK(keys(pim::newton_json(c)) ==
        std::vector<std::string>{"background_pj", "cycles", "energy_pj", "num_act_cmds", "num_comp_cmds",
                                 "num_gact_cmds", "num_gwrite_cmds", "num_p_header_cmds", "num_pim_precharge_cmds",
                                 "num_pre_cmds", "num_read_cmds", "num_readres_cmds", "num_ref_cmds",
                                 "num_write_cmds", "responses"});
  CHECK(stats::document(c)["energy_pj"]["unit"] == "pJ");
}

TEST_CASE("stats: dram::EnergyBreakdown: every term in pJ, to_json is the flat view") {
  dram::EnergyCounts n;
  n.act = 10;
  n.banks_closed = 9;
  n.rd = 100;
  n.wr = 50;
  n.ref = 2;
  n.refpb = 3;
  n.active_cycles = 1000;
  n.precharged_cycles = 2000;
  const dram::EnergyBreakdown e = dram::dram_energy(dram::preset("hbm3-6400"), n);
  views_agree(e);
  CHECK(e.to_json() == stats::flat(e));
  CHECK(keys(e.to_json()) == std::vector<std::string>{"act", "background_active", "background_precharged", "pre",
                                                       "rd", "ref", "wr"});
  double sum = 0;
  const nlohmann::json full = stats::document(e);
  for (auto it = full.begin(); it != full.end(); ++it) {
    CHECK(it->at("unit") == "pJ");
    sum += it->at("value").get<double>();
  }
  CHECK(sum == Approx(e.total_pj()).epsilon(1e-12));
}

TEST_CASE("stats: cim::ChipStats: both views agree and since() subtracts a snapshot") {
  cim::ChipStats a, b;
  a.mvms = 10;
  a.adc_conversions = 20;
  a.macs = 30;
  a.lookups = 40;
  a.row_writes = 50;
  a.vfu_lane_ops = 60;
  a.mode_switches = 70;
  a.mvm_wait_cycles = 80;
  b.mvms = 1;
  b.macs = 3;
  b.mvm_wait_cycles = 8;
  views_agree(a);
  const nlohmann::json d = stats::flat(a.since(b));
  CHECK(d["mvms"] == 9);
  CHECK(d["macs"] == 27);
  CHECK(d["mvm_wait_cycles"] == 72);
  CHECK(d["lookups"] == 40);
  CHECK(keys(d).size() == 8);
}

TEST_CASE("stats: dram::MemoryStats: the scalar keys of replay --format mem, both views agree") {
  dram::MemoryStats m;
  m.commands = 10;
  m.reads = 3;
  m.writes = 1;
  m.row_hits = 2;
  m.row_misses = 1;
  m.row_conflicts = 1;
  m.bytes = 128;
  m.total_cycles = 40;
  m.total_ns = 12.5;
  m.bandwidth_GBps = 10.24;
  m.refreshes = 0;
  m.idle_refresh_periods_skipped = 0;
  m.energy_pj = 321.0;
  m.events = 9;
  m.checker_violations = 0;
  m.checker_enabled = true;
  views_agree(m);
  const nlohmann::json f = stats::flat(m);
  CHECK(keys(f) == std::vector<std::string>{"bandwidth_GBps", "bytes", "checker_enabled", "checker_violations",
                                            "commands", "energy_pj", "events", "idle_refresh_periods_skipped",
                                            "reads", "refreshes", "row_conflicts", "row_hits", "row_misses",
                                            "total_cycles", "total_ns", "writes"});
  CHECK(f["checker_enabled"] == true);
  CHECK(stats::document(m)["checker_enabled"]["unit"] == "flag");
}

TEST_CASE("stats: cim::SoftmaxLatency: the result keys of cim softmax, both views agree") {
  const cim::SoftmaxLatency r = cim::softmax_latency(cim::TileConfig{}, cim::SoftmaxSetting::MultiCore, 300, 2, 2);
  views_agree(r);
  const nlohmann::json f = stats::flat(r);
  CHECK(keys(f) == std::vector<std::string>{"cores", "cycles", "energy_pj", "latency_us", "lut_uclms_per_core",
                                            "vfu_lanes"});
  CHECK(f["cores"] == 2);
  CHECK(f["cycles"] == r.cycles);
  CHECK(stats::document(r)["energy_pj"]["unit"] == "pJ");
}
