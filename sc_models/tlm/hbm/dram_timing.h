// TimingSource over the command-level HBM engine of sc_models/core/dram: the
// FR-FCFS ChannelController (bank state machines, every JEDEC rule of the rule
// table, refresh) of one channel, its address mapping and, optionally, the
// independent rule checker on every issued command.
//
// A batch is admitted and stepped exactly as dram::MemorySystem::run does for
// one channel (requests enter the bounded queue in order while it has room,
// the controller jumps from event to event), so a transaction's cycles equal
// the engine's for the same pattern. Controller state carries over between
// batches; an idle controller catches up with its refreshes before a batch.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <unordered_map>

#include "dram/address_map.h"
#include "dram/checker.h"
#include "dram/controller.h"
#include "dram/spec.h"
#include "tlm/hbm/timing.h"

namespace pimlab::tlm_hbm {

class DramTiming : public TimingSource {
 public:
  // `spec` describes the device; the timing source models one channel of it
  // (org.channels is set to 1, so the mapping has no channel bits).
  // `mapping`: dram::AddressMap order, e.g. "ro_ba_bg_pc_ch_co".
  DramTiming(const dram::DramSpec& spec, const dram::ControllerConfig& cfg, const std::string& mapping,
             bool check);

  std::string describe() const override;
  std::int64_t tck_ps() const override { return m_spec.t.tCK_ps; }
  const dram::DramSpec& spec() const override { return m_spec; }
  std::uint64_t capacity_bytes() const override { return m_map.capacity_bytes(); }
  std::uint32_t atom_bytes() const override { return static_cast<std::uint32_t>(m_spec.org.atom_bytes); }
  std::uint32_t page_bytes() const override { return static_cast<std::uint32_t>(m_spec.org.page_bytes); }
  int pseudo_channels() const override { return m_spec.org.pseudo_channels; }
  int bank_groups() const override { return m_spec.org.bank_groups; }
  int banks_per_group() const override { return m_spec.org.banks_per_group; }
  AccessTiming access(const std::vector<AtomAccess>& atoms, Cycle arrival) override;
  std::uint64_t row_address(int pch, int bank_group, int bank, int row) const override;
  bool rows_contiguous() const override;
  int rows() const override { return m_spec.org.rows; }
  Cycle last_activity() const override { return m_last_issue; }
  // dram::ChannelController::close_all / account_external (docs/dram.md,
  // "Sharing the banks"). Before the first memory batch the controller has not
  // run: close_rows issues nothing then.
  AccessTiming close_rows(Cycle now) override;
  void pim_interval(Cycle begin, Cycle end, const std::vector<IssuedCommand>& bank_commands, bool refreshed) override;

  // Incremental interface (timing.h): the same controller, the same stepping
  // as access(); a request's atoms enter the controller at submit() (the
  // controller never refuses: beyond a pseudo-channel's queue they wait in
  // its front end), advance() steps it from event to event, completions are
  // gathered per tag (first_issue = the request's first RD/WR).
  bool incremental() const override { return true; }
  void submit(std::uint64_t tag, const std::vector<AtomAccess>& atoms, Cycle arrival) override;
  void advance(Cycle until) override;
  Cycle next_event() const override;
  std::vector<Done> take_done() override;
  AccessTiming take_command_counts() override;

  const dram::AddressMap& map() const { return m_map; }
  const dram::ControllerConfig& controller_config() const { return m_cfg; }
  std::uint64_t checker_violations() const { return m_ctl.checker_violations(); }
  const std::vector<std::string>& violation_messages() const { return m_ctl.violation_messages(); }
  // Cycle up to which the controller has run.
  Cycle now() const { return m_now; }

 private:
  void on_issue(const dram::Command& c, dram::Cycle t);

  dram::DramSpec m_spec;
  dram::ControllerConfig m_cfg;
  dram::AddressMap m_map;
  std::unique_ptr<dram::RuleChecker> m_checker;
  dram::ChannelController m_ctl;
  dram::HbmClassIds m_cls;
  bool m_started = false;
  Cycle m_now = 0;
  Cycle m_last_issue = -1;
  Cycle m_next_step = 0;
  std::uint64_t m_id = 0;
  AccessTiming* m_batch = nullptr;  // the batch being timed (counters)
  // Incremental interface.
  void start_at(Cycle arrival);
  void catch_up(Cycle arrival);
  struct TagState {
    std::size_t remaining = 0;
    AccessTiming timing;
  };
  std::map<std::uint64_t, TagState> m_tags;
  std::unordered_map<std::uint64_t, std::uint64_t> m_id_tag;  // request id -> tag
  std::vector<Done> m_done;
  AccessTiming m_counts;  // commands issued outside a batch, since the last take
  std::vector<dram::Completion> m_completions;  // reused by every take
};

// The one-channel spec of a preset with JSON overrides applied.
dram::DramSpec one_channel_spec(const std::string& preset, const nlohmann::json& overrides = nlohmann::json::object());

}  // namespace pimlab::tlm_hbm
