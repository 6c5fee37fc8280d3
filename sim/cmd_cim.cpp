// `pimlab cim`: compute-in-memory studies on UCLM-style tiles (docs/cim.md):
//   softmax  one softmax row on the PUMA-like baseline, one UCLM or many cores
//   bert     a BERT-base/large encoder on the row pipeline
//   schedule cross-layer scheduling with weight duplication of a CNN
#include <fstream>
#include <iostream>
#include <string>

#include <nlohmann/json.hpp>

#include "cim/bert.h"
#include "cim/config.h"
#include "cim/softmax.h"
#include "cli.h"
#include "firmware/cim_schedule/network.h"
#include "firmware/cim_schedule/schedule.h"
#include "stats/stats.h"

namespace {

using pimlab::cli::Args;
using pimlab::cli::UsageError;
namespace cim = pimlab::cim;
namespace cs = pimlab::firmware::cim_schedule;

const char* kTop =
    "usage: pimlab cim softmax|bert|schedule [options]\n\n"
    "  softmax   softmax latency of one row: --len L [--cores N] [--baseline puma] [--json [FILE|-]]\n"
    "  bert      BERT encoder on UCLM cores: --model base|large --seq L [--json [FILE|-]]\n"
    "  schedule  cross-layer CIM scheduling: --network NAME|FILE [--pes N] [--duplicate] [--gantt FILE.svg] [--json [FILE|-]]\n\n"
    "'pimlab cim <study> --help' lists every option.\n";

nlohmann::json tile_json(const cim::TileConfig& c) {
  return {{"array_rows", c.array_rows},       {"array_cols", c.array_cols},   {"weight_bits", c.weight_bits},
          {"input_bits", c.input_bits},       {"adc_bits", c.adc_bits},       {"adc_ideal", c.adc_bits == 0},
          {"adc_share", c.adc_share},         {"t_mvm_cycles", c.t_mvm()},    {"uclms_per_core", c.uclms_per_core},
          {"cores_per_tile", c.cores_per_tile}, {"tiles", c.tiles},           {"vfu_lanes", c.vfu_lanes},
          {"lookup_cycles", c.lookup_cycles}, {"hop_cycles", c.hop_cycles},   {"clock_ghz", c.clock_ghz},
          {"exp_variant", cim::variant_name(c.variant)}};
}

void tile_options(std::vector<pimlab::cli::OptionSpec>& specs) {
  specs.push_back({"adc-bits", "B", "ADC resolution; 0 = ideal (no clip), 7 = exact for 64 rows", "6"});
  specs.push_back({"adc-share", "S", "columns per ADC (T_MVM = 8 x S cycles)", "8"});
  specs.push_back({"tiles", "T", "chip size in tiles of 8 cores x 16 UCLMs (bert: default sized to the model)", "16"});
  specs.push_back({"variant", "V", "exp residual: A (residual 1) or B (first order)", "B"});
  specs.push_back({"clock-ghz", "F", "clock in GHz", "1"});
  specs.push_back(pimlab::cli::json_option());
}

cim::TileConfig tile_from(const Args& a) {
  cim::TileConfig c;
  c.adc_bits = static_cast<int>(a.integer("adc-bits", 6, 0, 16));
  c.adc_share = static_cast<int>(a.integer("adc-share", 8, 1, 64));
  c.tiles = static_cast<int>(a.integer("tiles", 16, 1, 65536));
  c.variant = a.choice("variant", "B", {"A", "B"}) == "A" ? cim::ExpVariant::A : cim::ExpVariant::B;
  c.clock_ghz = a.real("clock-ghz", 1.0);
  if (!(c.clock_ghz > 0)) throw UsageError("--clock-ghz " + a.str("clock-ghz", "") + " must be > 0");
  c.validate();
  return c;
}

int run_softmax(int argc, char** argv) {
  std::vector<pimlab::cli::OptionSpec> specs = {
      {"len", "L", "sequence length (elements of the score row)", ""},
      {"cores", "N", "cores sharing the row (1 = the one-UCLM setting)", "4, the reconstructed multi-core setting"},
      {"baseline", "puma", "the PUMA-like core (exp on a 4-lane VFU, no lookup in the arrays)", ""},
      {"lut-uclms", "U", "UCLMs per core serving the lookups", "1"}};
  tile_options(specs);
  Args a("cim softmax", specs);
  a.parse(argc, argv, 3);
  if (a.help_requested()) {
    std::cout << a.help_text("--len L [--cores N] [--baseline puma] [--json [FILE|-]]",
                             "Latency of one softmax row: local max, tree max, subtract, exp by lookup,\n"
                             "local sums, tree sum, divide and UINT8 requantisation (docs/cim.md).");
    return 0;
  }
  const pimlab::cli::JsonOutput json_out(a);
  if (!a.has("len")) throw UsageError("missing --len (see 'pimlab cim softmax --help')");
  const cim::TileConfig cfg = tile_from(a);
  const std::int64_t L = a.integer("len", 1, 1, std::int64_t{1} << 30);
  if (L > cim::max_softmax_len(cfg))
    throw UsageError("--len " + std::to_string(L) + " is longer than the arrays hold: K^T of one head needs ceil(L/64) UCLMs, the chip of " +
                     std::to_string(cfg.tiles) + " tiles has " + std::to_string(cfg.uclms()) + " (max --len " +
                     std::to_string(cim::max_softmax_len(cfg)) + ")");
  const bool puma = a.has("baseline");
  if (puma) a.choice("baseline", "puma", {"puma"});
  int cores = static_cast<int>(a.integer("cores", 0, 1, static_cast<std::int64_t>(cfg.cores())));
  const int luts = static_cast<int>(a.integer("lut-uclms", 1, 1, cfg.uclms_per_core));
  cim::SoftmaxSetting s = puma ? cim::SoftmaxSetting::PumaLike
                               : (a.has("cores") ? (cores == 1 ? cim::SoftmaxSetting::OneUclm : cim::SoftmaxSetting::MultiCore)
                                                 : cim::SoftmaxSetting::MultiCore);
  if (!a.has("cores")) cores = 0;
  const cim::SoftmaxLatency r = cim::softmax_latency(cfg, s, L, cores, luts);
  const char* setting = puma ? "puma-like" : (r.cores == 1 ? "one-uclm" : "multi-core");
  // The result's keys come from its stats schema (cim::SoftmaxLatency::collect).
  nlohmann::json j = pimlab::stats::flat(r);
  j["study"] = "softmax";
  j["setting"] = setting;
  j["len"] = L;
  j["hastily_l8192_us"] = {{"puma-like", 22.13}, {"one-uclm", 6.0}, {"multi-core", 1.36}};
  j["config"] = tile_json(cfg);
  json_out.write(j, 2);
  if (json_out.table()) {
    std::printf("pimlab cim softmax: L %lld, %s (%d core(s), %d LUT UCLM(s) per core, VFU %d lanes)\n",
                static_cast<long long>(L), setting, r.cores, r.lut_uclms_per_core, r.vfu_lanes);
    std::printf("  %-12s %12.3f\n", "latency_us", r.latency_us);
    std::printf("  %-12s %12lld  at %.2f GHz\n", "cycles", static_cast<long long>(r.cycles), cfg.clock_ghz);
    std::printf("  %-12s %12.1f\n", "energy_pj", r.energy_pj);
    std::printf("  adc_bits %d%s, adc_share %d, exp variant %s\n", cfg.adc_bits, cfg.adc_bits == 0 ? " (ideal)" : "", cfg.adc_share,
                cim::variant_name(cfg.variant).c_str());
    std::printf("  HASTILY at L = 8192: 22.13 us (PUMA) / 6 us (UCLM) / 1.36 us (multi-core)\n");
  }
  return 0;
}

int run_bert(int argc, char** argv) {
  std::vector<pimlab::cli::OptionSpec> specs = {
      {"model", "M", "base or large", ""},
      {"seq", "L", "sequence length", ""},
      {"attn-cores", "N", "cores per attention head (0 = balanced to T_MVM)", "0"}};
  tile_options(specs);
  Args a("cim bert", specs);
  a.parse(argc, argv, 3);
  if (a.help_requested()) {
    std::cout << a.help_text("--model base|large --seq L [--json [FILE|-]]",
                             "A BERT encoder on UCLM cores as a row pipeline: per-stage intervals, latency,\n"
                             "TOPS, sequences/s and TOPS/W (docs/cim.md).");
    return 0;
  }
  const pimlab::cli::JsonOutput json_out(a);
  for (const char* req : {"model", "seq"})
    if (!a.has(req)) throw UsageError(std::string("missing --") + req + " (see 'pimlab cim bert --help')");
  const cim::TileConfig cfg = tile_from(a);
  const cim::BertModel m = cim::bert_model(a.choice("model", "base", {"base", "large"}));
  const std::int64_t L = a.integer("seq", 1, 1, 131072);
  const int ach = static_cast<int>(a.integer("attn-cores", 0, 0, 1 << 20));
  const cim::BertRun r = cim::bert_encoder(cfg, cim::EnergyConfig{}, m, static_cast<int>(L), ach);
  // With --tiles the chip is fixed and must hold every layer's weights and
  // K/V arrays; without it the chip is sized to the model (HASTILY keeps all
  // weights on chip) and the size is reported.
  if (a.has("tiles") && r.uclms_total > cfg.uclms())
    throw UsageError("--seq " + std::to_string(L) + " is longer than the arrays hold: BERT-" + m.name + " needs " +
                     std::to_string(r.uclms_total) + " UCLMs (weights and K/V of " + std::to_string(m.layers) +
                     " layers), the chip of " + std::to_string(cfg.tiles) + " tiles has " + std::to_string(cfg.uclms()));
  nlohmann::json stages = nlohmann::json::array();
  for (const auto& s : r.stages)
    stages.push_back({{"name", s.name}, {"uclms", s.uclms}, {"cores", s.cores}, {"uclm_cycles", s.uclm_cycles},
                      {"vfu_cycles", s.vfu_cycles}, {"interval_cycles", s.interval}});
  nlohmann::json j = {{"study", "bert"},
                      {"model", m.name},
                      {"seq", L},
                      {"layers", m.layers},
                      {"latency_us", r.latency_us},
                      {"cycles", r.cycles},
                      {"interval_cycles", r.interval_cycles},
                      {"bottleneck", r.bottleneck},
                      {"tops", r.tops},
                      {"sequences_per_s", r.sequences_per_s},
                      {"energy_uj", r.energy_uj},
                      {"tops_per_w", r.tops_per_w},
                      {"attn_cores_per_head", r.attn_cores_per_head},
                      {"lut_uclms_per_head", r.lut_uclms_per_head},
                      {"uclms_total", r.uclms_total},
                      {"cores_total", r.cores_total},
                      {"stages", stages},
                      {"hastily_tops", m.name == "base" ? 158 : 263},
                      {"config", tile_json(cfg)}};
  json_out.write(j, 2);
  if (json_out.table()) {
    std::printf("pimlab cim bert: BERT-%s, seq %lld, %d layers\n", m.name.c_str(), static_cast<long long>(L), m.layers);
    std::printf("  %-10s %8s %8s %12s %11s %10s\n", "stage", "uclms", "cores", "uclm_cycles", "vfu_cycles", "interval");
    for (const auto& s : r.stages)
      std::printf("  %-10s %8lld %8lld %12lld %11lld %10lld\n", s.name.c_str(), static_cast<long long>(s.uclms),
                  static_cast<long long>(s.cores), static_cast<long long>(s.uclm_cycles), static_cast<long long>(s.vfu_cycles),
                  static_cast<long long>(s.interval));
    std::printf("  latency_us %.1f  (interval %lld cycles, bottleneck %s)\n", r.latency_us, static_cast<long long>(r.interval_cycles),
                r.bottleneck.c_str());
    std::printf("  TOPS %.1f (HASTILY %d), sequences/s %.1f, TOPS/W %.2f, energy %.1f uJ\n", r.tops,
                m.name == "base" ? 158 : 263, r.sequences_per_s, r.tops_per_w, r.energy_uj);
    std::printf("  chip: %lld UCLMs in %lld cores (all layers resident)\n", static_cast<long long>(r.uclms_total),
                static_cast<long long>(r.cores_total));
  }
  return 0;
}

nlohmann::json sched_json(const cs::Schedule& s) {
  return {{"makespan_us", s.makespan_ns / 1000.0}, {"utilisation", s.utilisation}, {"pes_used", s.pes_used}};
}

int run_schedule(int argc, char** argv) {
  Args a("cim schedule",
         {{"network", "NAME|FILE", "tinyyolov3, tinyyolov4, resnet18, resnet50, vgg16 or a network file", ""},
          {"pes", "N", "processing elements (crossbars); default 2 x one copy of every layer", ""},
          {"pe", "KIND", "rram (256x256, 4-bit cells, 1.4 us per input bit) or uclm (64x64 INT8, 64 ns)", "rram"},
          {"duplicate", "", "greedy weight duplication of the slowest layer while PEs remain", ""},
          {"fill", "F", "stop (at the first slowest layer that does not fit) or next (continue with the next fitting)", "stop"},
          {"no-move", "", "do not charge the data move on producer -> consumer edges", ""},
          {"set-rows", "R", "OFM rows per set", "1"},
          {"gantt", "FILE.svg", "write a Gantt chart of the reported schedule", ""},
          pimlab::cli::json_option()});
  a.parse(argc, argv, 3);
  if (a.help_requested()) {
    std::cout << a.help_text("--network NAME|FILE [--pes N] [--duplicate] [--gantt FILE.svg] [--json [FILE|-]]",
                             "Cross-layer (ASAP) scheduling of a CNN on weight-stationary CIM PEs, against\n"
                             "layer-by-layer scheduling on the same PEs (docs/cim.md).");
    return 0;
  }
  const pimlab::cli::JsonOutput json_out(a);
  if (!a.has("network")) throw UsageError("missing --network (see 'pimlab cim schedule --help')");
  const cs::Network net = cs::load_network(a.str("network", ""));
  cs::PeConfig pe = a.choice("pe", "rram", {"rram", "uclm"}) == "uclm" ? cs::PeConfig::uclm() : cs::PeConfig::rram();
  pe.move = !a.has("no-move");
  pe.set_rows = static_cast<int>(a.integer("set-rows", 1, 1, 1 << 20));
  const long long need = cs::min_pes(net, pe);
  const long long n_pe = a.has("pes") ? a.integer("pes", 1, 0, std::int64_t{1} << 40) : 2 * need;
  if (n_pe == 0) throw UsageError("--pes 0 is out of range (at least " + std::to_string(need) + " for one copy of every layer)");
  const cs::Fill fill = a.choice("fill", "stop", {"stop", "next"}) == "next" ? cs::Fill::NextFitting : cs::Fill::Stop;
  const cs::Study st = cs::study(net, pe, n_pe, fill);
  const bool dup = a.has("duplicate");
  const cs::Schedule& chosen = dup ? st.xl_dup : st.xl;
  const double speedup = st.lbl.makespan_ns / chosen.makespan_ns;
  const double gain = chosen.utilisation / st.lbl.utilisation;
  if (auto path = a.opt("gantt")) {
    std::ofstream f(*path);
    if (!f) throw std::runtime_error("--gantt: cannot write '" + *path + "'");  // I/O error: status 3
    f << cs::gantt_svg(net, chosen);
    if (!f) throw std::runtime_error("--gantt: write to '" + *path + "' failed");
  }
  nlohmann::json layers = nlohmann::json::array();
  for (std::size_t i = 0; i < net.nodes.size(); ++i) {
    const cs::Node& n = net.nodes[i];
    nlohmann::json l = {{"index", i}, {"name", n.name}, {"type", cs::node_type_name(n.type)},
                        {"ofm", {n.ofm.h, n.ofm.w, n.ofm.c}}, {"sets", cs::n_sets(n, pe)}};
    nlohmann::json ins = nlohmann::json::array();
    for (int k : n.inputs) ins.push_back(k);
    l["inputs"] = ins;
    if (n.is_mvm()) {
      l["weight_rows"] = n.weight_rows;
      l["weight_cols"] = n.weight_cols;
      l["pes_per_copy"] = pe.pes(n);
      l["mvms"] = cs::mvm_invocations(n);
      l["copies"] = chosen.dup[i];
    }
    layers.push_back(l);
  }
  nlohmann::json j = {{"study", "schedule"},
                      {"network", net.name},
                      {"pe", pe.name},
                      {"pes", n_pe},
                      {"min_pes", need},
                      {"duplicate", dup},
                      {"makespan_us", chosen.makespan_ns / 1000.0},
                      {"utilisation", chosen.utilisation},
                      {"utilisation_gain", gain},
                      {"speedup", speedup},
                      {"configs",
                       {{"layer_by_layer", sched_json(st.lbl)},
                        {"layer_by_layer_dup", sched_json(st.lbl_dup)},
                        {"cross_layer", sched_json(st.xl)},
                        {"cross_layer_dup", sched_json(st.xl_dup)}}},
                      {"clsa_cim_reported", {{"utilisation_gain_max", 17.9}, {"speedup_max", 29.2}}},
                      {"layers", layers}};
  json_out.write(j, 2);
  if (json_out.table()) {
    std::printf("pimlab cim schedule: %s on %lld %s PEs (one copy of every layer: %lld)\n", net.name.c_str(), n_pe,
                pe.name.c_str(), need);
    std::printf("  %-22s %14s %12s\n", "configuration", "makespan_us", "utilisation");
    const std::pair<const char*, const cs::Schedule*> rows[] = {{"layer-by-layer", &st.lbl},
                                                                {"layer-by-layer + dup", &st.lbl_dup},
                                                                {"cross-layer", &st.xl},
                                                                {"cross-layer + dup", &st.xl_dup}};
    for (const auto& [name, s] : rows) std::printf("  %-22s %14.2f %12.4f\n", name, s->makespan_ns / 1000.0, s->utilisation);
    std::printf("  %s: speedup %.2fx, utilisation gain %.2fx over layer-by-layer (CLSA-CIM: up to 29.2x / 17.9x)\n",
                dup ? "cross-layer + dup" : "cross-layer", speedup, gain);
  }
  return 0;
}

int run(int argc, char** argv) {
  if (argc < 3) throw UsageError("missing study: softmax, bert or schedule (see 'pimlab cim --help')");
  const std::string sub = argv[2];
  if (sub == "--help" || sub == "-h") {
    std::cout << kTop;
    return 0;
  }
  if (sub == "softmax") return run_softmax(argc, argv);
  if (sub == "bert") return run_bert(argc, argv);
  if (sub == "schedule") return run_schedule(argc, argv);
  throw UsageError("unknown study '" + sub + "' (allowed: softmax, bert or schedule)");
}

}  // namespace

PIMLAB_COMMAND("cim", "compute-in-memory studies: UCLM softmax, BERT on UCLM cores, cross-layer scheduling", run);
