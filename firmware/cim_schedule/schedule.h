// Cross-layer scheduling of tiled CIM with weight duplication (docs/cim.md,
// reference uclm.md §2.4, after CLSA-CIM's four stages and CIMFlow's greedy
// duplication rule):
//  1. sets: set_rows OFM rows x the full width x all channels (dense: one set);
//  2. dependencies: a set needs the input rows its receptive field covers
//     (kernel, stride, padding; add/concat/split the same rows; upsample
//     floor(j/f); dense every row), through residual and concat edges;
//  3. intra-layer: sets start in raster order, each on the copy that becomes
//     free first (lowest index on ties);
//  4. cross-layer: ASAP list scheduling, a set starts when its producer sets
//     are done (plus the data move of each edge) and a copy is free. Layer by
//     layer: a layer's first set waits for the previous layer's last set.
// Every MVM layer owns its PEs (weight-stationary): PEs(l) per copy,
// D_l copies. Non-MVM nodes run on their own general-purpose unit.
// Transformer blocks are token-row sets: an attention node's row j needs
// every row of its Q/K/V producer (K and V written as weights first), then
// runs q K^T and P V; the softmax between them is not timed here.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "firmware/cim_schedule/network.h"

namespace pimlab::firmware::cim_schedule {

struct PeConfig {
  std::string name = "rram";
  int rows = 256, cols = 256;  // crossbar N x M
  int cell_bits = 4;           // weight bits per cell -> weight slices = ceil(weight_bits / cell_bits)
  int weight_bits = 8;
  int diff = 2;                // differential-column mapping doubles the columns
  int in_bits = 1, a_bits = 8; // input bits per pass, activation bits
  double t_mvm_ns = 1400.0;    // one pass (RWTH public model [P])
  double t_acc_ns = 0.0;       // GPEU time to add row-block partial sums per set (ideal 0)
  bool move = true;            // charge t_move on every producer -> consumer edge
  double bus_bytes = 64.0, bus_cycle_ns = 1.0;
  double gpeu_elems_per_ns = 64.0;  // non-MVM nodes (Choice)
  int set_rows = 1;

  static PeConfig rram();  // 256 x 256, 4-bit cells, 1-bit inputs, differential, 1.4 us (RWTH [P])
  static PeConfig uclm();  // one UCLM: 64 x 64 INT8 logical, bit-serial, 8 ns per pass at adc_share 8
  void validate() const;
  long long pes(const Node& n) const;  // PEs of one copy (0 for non-MVM nodes)
  double t_mvm_full_ns() const;        // ceil(a_bits / in_bits) x t_mvm
};

struct SetTime {
  double start = 0, finish = 0;
  int copy = 0;
};

struct Schedule {
  bool cross_layer = true;
  std::vector<int> dup;                       // copies per node (1 for non-MVM)
  std::vector<std::vector<SetTime>> sets;     // per node, per set
  double makespan_ns = 0;
  double busy_pe_ns = 0;
  long long n_pe = 0, pes_used = 0;
  double utilisation = 0;                     // busy / (n_pe x makespan)
};

int n_sets(const Node& n, const PeConfig& pe);
double set_time_ns(const Network& net, int node, int set, const PeConfig& pe);     // without t_move
double move_time_ns(const Network& net, int node, int set, const PeConfig& pe);    // output of the set over the bus
double busy_pe_ns(const Network& net, int node, int set, const PeConfig& pe);      // PE-time the set keeps busy
long long mvm_invocations(const Node& n);  // per inference (attention: 2 x heads x L)
// Producer sets of (node, set) per input: [first, last] set indices.
std::vector<std::pair<int, std::pair<int, int>>> producer_sets(const Network& net, int node, int set, const PeConfig& pe);

long long min_pes(const Network& net, const PeConfig& pe);  // one copy of every MVM layer

// Throws std::invalid_argument when n_pe < min_pes or dup is inconsistent.
Schedule schedule(const Network& net, const PeConfig& pe, long long n_pe, bool cross_layer, const std::vector<int>& dup);

enum class Fill { Stop, NextFitting };
// Greedy duplication of the slowest stage tau_l = t_set(l) ceil(n_sets / D_l)
// while the free PEs hold another copy; `trace` receives D after every step.
std::vector<int> greedy_duplication(const Network& net, const PeConfig& pe, long long n_pe, Fill fill = Fill::Stop,
                                    std::vector<std::vector<int>>* trace = nullptr);

struct Study {
  long long n_pe = 0, min_pe = 0;
  Schedule lbl, lbl_dup, xl, xl_dup;  // layer by layer / cross-layer, D = 1 / greedy D
};
Study study(const Network& net, const PeConfig& pe, long long n_pe, Fill fill = Fill::Stop);

// A Gantt chart of a schedule (one row per node, one bar per set) as SVG.
std::string gantt_svg(const Network& net, const Schedule& s);

}  // namespace pimlab::firmware::cim_schedule
