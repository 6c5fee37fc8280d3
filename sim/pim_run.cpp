#include "pim_run.h"

#include <chrono>
#include <cstdio>

#include "pim/attacc_checker.h"
#include "pim/attacc_trace.h"
#include "pim/checker.h"
#include "stats/stats.h"

namespace pimlab::sim {

void PimRunReport::collect(stats::Sink& s) const {
  s.add("cycles", run.cycles, "cycles", "kernel completion: last issue + 1 (DRAM clock)");
  s.add("last_issue_cycle", run.last_issue_cycle, "cycles", "cycle of the last command, over all channels");
  run.counters.collect(s);
  s.add("energy_pj", energy_pj, "pJ", "the variant's per-event energies x num_act, num_rdwr, num_comp");
  s.add("time_ns", time_ns, "ns", "cycles at the preset's tCK (--artifact-compatible: at --pim-clock-mhz)");
  if (checked) s.add("checker_violations", violations, "violations", "issued commands the independent checker rejects");
}

nlohmann::json PimRunReport::result_json() const {
  nlohmann::json j = stats::flat(*this);
  if (checked && !messages.empty()) j["checker_messages"] = messages;
  return j;
}

double pim_clock_option(const cli::Args& a, bool artifact_compatible) {
  if (!artifact_compatible) {
    if (a.has("pim-clock-mhz"))
      throw cli::UsageError("--pim-clock-mhz applies only with --artifact-compatible (time_ns is at the preset's own "
                            "clock; the Pimba paper's conversion at the PIM clock is one of the artifact's conventions)");
    return 0.0;
  }
  const double mhz = a.real("pim-clock-mhz", 1512.0);
  if (!(mhz > 0)) throw cli::UsageError("--pim-clock-mhz " + a.str("pim-clock-mhz", "") + " must be > 0");
  return mhz;
}

double time_clock_mhz(double pim_clock_mhz, const dram::DramSpec& spec) {
  return pim_clock_mhz > 0 ? pim_clock_mhz : 1e6 / static_cast<double>(spec.t.tCK_ps);
}

PimRunReport run_pim_streams(const pim::Protocol& protocol, const pimlab::dram::DramSpec& timing,
                             const std::vector<std::vector<pim::Command>>& streams, int num_pch,
                             const std::vector<std::uint16_t>* feed_order, bool check, const pim::Variant& variant,
                             double pim_clock_mhz) {
  const pim::ChannelEngine engine(protocol, timing);
  std::vector<std::vector<std::uint64_t>> cycles;
  PimRunReport rep;
  rep.run = feed_order ? engine.run(streams, num_pch, *feed_order, check ? &cycles : nullptr)
                       : engine.run(streams, num_pch, check ? &cycles : nullptr);
  rep.checked = check;
  if (check) {
    for (std::size_t ch = 0; ch < streams.size(); ++ch) {
      const auto v =
          pim::check_channel(protocol, timing, streams[ch], cycles[ch], num_pch, 0, &rep.run.refresh_cycles[ch]);
      rep.violations += v.size();
      for (std::size_t i = 0; i < v.size() && rep.messages.size() < 10; ++i)
        rep.messages.push_back("ch " + std::to_string(ch) + " command " + std::to_string(v[i].index) + ": " +
                               v[i].rule + ": " + v[i].what);
    }
  }
  rep.energy_pj = pim::energy_pj(rep.run.counters, pim::energy_table(variant, timing));
  // Cycles are DRAM cycles of the preset: time at its own clock. The Pimba
  // paper converts them at the PIM clock instead (artifact-compatible mode).
  rep.time_ns = pim_clock_mhz > 0 ? static_cast<double>(rep.run.cycles) * 1000.0 / pim_clock_mhz
                                  : static_cast<double>(rep.run.cycles) * static_cast<double>(timing.t.tCK_ps) / 1000.0;
  return rep;
}

AttaccRunReport run_attacc_trace(const pimlab::dram::DramSpec& spec, const std::vector<pim::AttaccStatement>& trace,
                                 pim::AttaccPlacement placement, bool artifact_compatible, bool check,
                                 pim::AttaccResult* recorded) {
  AttaccRunReport rep;
  const auto t0 = std::chrono::steady_clock::now();
  pim::AttaccOptions opt;
  opt.artifact_compatible = artifact_compatible;
  pim::AttaccResult r = pim::run_attacc_stack(spec, trace, opt, check || recorded);
  if (check)
    for (std::size_t ch = 0; ch < r.issued.size(); ++ch) {
      const auto v = pim::check_attacc_channel(spec, r.issued[ch], artifact_compatible, 0);
      rep.violations += v.size();
      if (!v.empty() && rep.first_violation.empty())
        rep.first_violation =
            "channel " + std::to_string(ch) + " command " + std::to_string(v[0].index) + ": " + v[0].rule + ": " + v[0].what;
    }
  rep.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  rep.result = pim::attacc_json(r, spec, placement, artifact_compatible);
  if (check) rep.result["checker_violations"] = rep.violations;
  if (recorded) *recorded = std::move(r);
  return rep;
}

void print_attacc_result(const nlohmann::json& j, long long tck_ps, double wall_s) {
  std::printf("  %-18s %14lld  DRAM clock cycles (tCK %lld ps)\n", "cycles", j["cycles"].get<long long>(), tck_ps);
  std::printf("  %-18s %14.1f\n", "time_ns", j["time_ns"].get<double>());
  for (const char* key : {"mac_ab", "mac_sb", "mac_pb", "wrgb", "mvsb", "mvgb", "sfm", "refreshes"})
    std::printf("  %-18s %14llu\n", key, j[key].get<unsigned long long>());
  std::printf("  %-18s %14.1f\n", "energy_pj", j["energy_pj"].get<double>());
  if (j.contains("checker_violations"))
    std::printf("  %-18s %14llu\n", "checker_violations", j["checker_violations"].get<unsigned long long>());
  std::printf("  (%.3f s wall)\n", wall_s);
}

}  // namespace pimlab::sim
