#include "pim_run.h"

#include "pim/checker.h"

namespace pimlab::sim {

nlohmann::json PimRunReport::result_json() const {
  nlohmann::json j;
  j["cycles"] = run.cycles;
  j["num_act"] = run.counters.num_act;
  j["num_comp"] = run.counters.num_comp;
  j["num_rdwr"] = run.counters.num_rdwr;
  j["energy_pj"] = energy_pj;
  j["commands"] = run.counters.commands;
  j["time_ns"] = time_ns;
  j["last_issue_cycle"] = run.last_issue_cycle;
  j["refreshes"] = run.counters.refreshes;
  if (checked) {
    j["checker_violations"] = violations;
    if (!messages.empty()) j["checker_messages"] = messages;
  }
  return j;
}

PimRunReport run_pim_streams(const pim::Protocol& protocol, const pim::PimTiming& timing,
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
  rep.energy_pj = pim::energy_pj(rep.run.counters, {variant.act_pj, variant.rdwr_pj, variant.comp_pj});
  rep.time_ns = static_cast<double>(rep.run.cycles) * 1000.0 / pim_clock_mhz;
  return rep;
}

}  // namespace pimlab::sim
