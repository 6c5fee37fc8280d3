// Timing and energy of a UCLM chip (docs/cim.md, reference uclm.md §1.6):
// tiles x cores x UCLMs, each UCLM a functional Uclm (uclm.h) with its own
// busy time and mode, each core a vector functional unit (VFU) of vfu_lanes
// lanes. Every operation takes a ready time and returns its completion time
// in cycles; resources serialise what shares them:
//  - an MVM occupies its UCLM for t_mvm = input_bits x adc_share cycles and
//    starts only after every weight write issued to that UCLM has finished
//    (write-then-compute hazard);
//  - a lookup batch (one lookup per array) occupies its UCLM for
//    lookup_cycles in lookup mode; no MVM overlaps it (mode-switch contention);
//  - a row write takes one cycle per UCLM (all bit-planes in parallel);
//  - a VFU operation over n elements takes ceil(n / lanes) cycles per op;
//  - a cross-core reduction is a binary tree of ceil(log2 n) levels, each one
//    transfer (hop_cycles) plus one VFU op, and the result is broadcast back
//    down the tree.
// UCLMs are created on first use, so a large chip costs nothing until used.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "cim/config.h"
#include "cim/uclm.h"
#include "stats/stats.h"

namespace pimlab::cim {

struct ChipStats {
  std::uint64_t mvms = 0;
  std::uint64_t adc_conversions = 0;
  std::uint64_t macs = 0;         // INT8 MACs (rows x cols per MVM)
  std::uint64_t lookups = 0;
  std::uint64_t row_writes = 0;   // array rows written (bit-planes counted separately)
  std::uint64_t vfu_lane_ops = 0;
  std::uint64_t mode_switches = 0;
  std::uint64_t mvm_wait_cycles = 0;  // cycles MVMs waited for a busy or lookup-mode UCLM
  // The counts since `base` (a snapshot taken earlier, e.g. at a stats reset).
  ChipStats since(const ChipStats& base) const;
  // The stats schema of these counters (stats/stats.h): the CIM tile's stats.
  void collect(stats::Sink& sink) const;
};

class Chip {
 public:
  Chip(const TileConfig& cfg, const EnergyConfig& energy = {});
  const TileConfig& config() const { return m_cfg; }
  const EnergyConfig& energy_config() const { return m_energy; }

  Uclm& uclm(int core, int u);  // the functional array (created on first use)

  std::int64_t write_row(int core, int u, int row, const std::int8_t* w, int n, std::int64_t ready);
  // The address-mapped transposed write (K^T): one column of INT8 values; one
  // cycle per UCLM like a row write (uclm.md §1.6).
  std::int64_t write_col(int core, int u, int col, const std::int8_t* w, int n, std::int64_t ready);
  std::int64_t mvm(int core, int u, const std::vector<int>& x, InputKind kind, std::int64_t ready,
                   std::vector<std::int32_t>& out);
  // The same MVM's timing, stats and energy without computing its values
  // (they do not depend on the operands): for timing studies of many UCLMs
  // whose results are not needed; the UCLM's arrays are not created.
  std::int64_t mvm_timing(int core, int u, std::int64_t ready);
  // Up to weight_bits lookups, one per array, in one lookup batch.
  std::int64_t lookup_batch(int core, int u, const int* d, int n, std::uint16_t* out, std::int64_t ready);
  std::int64_t vfu(int core, std::int64_t elements, int ops, std::int64_t ready);
  // Reduce over n_cores and broadcast back: completion time.
  std::int64_t tree(int n_cores, std::int64_t ready);

  std::int64_t uclm_free(int core, int u) const;
  const ChipStats& stats() const { return m_stats; }
  double energy_pj() const;

 private:
  struct UclmState {
    std::unique_ptr<Uclm> arrays;
    std::int64_t free_at = 0;
    std::int64_t data_ready = 0;  // completion of the last write
    bool lookup_mode = false;
  };
  UclmState& state(int core, int u);
  UclmState& slot(int core, int u);  // without creating the arrays
  std::int64_t issue_mvm(UclmState& s, std::int64_t ready);
  TileConfig m_cfg;
  EnergyConfig m_energy;
  std::vector<UclmState> m_uclms;
  std::vector<std::int64_t> m_vfu_free;
  ChipStats m_stats;
};

}  // namespace pimlab::cim
