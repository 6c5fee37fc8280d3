// CIM tiles on a serving platform (docs/serving.md "CIM tiles", docs/cim.md
// section 5): a platform file's "cim" section gives the UCLM chip attached to
// each GPU (cim::TileConfig and cim::EnergyConfig, the keys of cim/config.h)
// and what the serving loop places on it: the attention softmax of every
// decode step, or the FFN (ffn_1, its activation, ffn_2) with its INT8 weights
// resident in the arrays. Every time and energy comes from the CIM core:
//  - softmax: each (request, head) row of a layer is one cim::softmax_latency
//    row of the request's KV length on `softmax_cores` cores (the multi-core
//    setting, one LUT UCLM per core); the chip's cores form
//    cores / softmax_cores groups, rows go in (request, head) order to the
//    group free first, and the layer's softmax lasts until the last group is
//    done (a row's latency does not depend on when it starts on free cores);
//  - FFN: one layer's token rows run on a cim::Chip: every weight row block x
//    column block is one UCLM, each row an MVM on all of them; per column
//    block every core adds its own UCLMs' partial sums on its VFU, the cores'
//    sums meet in a binary tree (a hop and an add per level), the first core
//    requantises and applies the activation; one hop gathers the hidden
//    vector, and the rows stream through the arrays. All layers' FFN
//    weights must fit the chip's UCLMs at once (weight-stationary).
// Layers are separated by host work, so a layer starts on a free chip and
// the iteration's CIM time is the layer's time x layers (serial composition).
// The data crosses the link between the host and the tiles before and after
// the tiles run (the host waits: serial): the softmax's int32 scores in and
// UINT8 probabilities out, the FFN's INT8 activations in and its requantised
// INT8 output out. Each direction is one blocking transaction through the
// platform's router, timed by the router's own link model (noc/link.h,
// noc::transaction_ps) on the host's input link and the tiles' output link,
// both with the "link_*" parameters: an operator's time is in-transfer +
// tiles + out-transfer.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "cim/config.h"
#include "model/graph.h"
#include "model/model.h"
#include "noc/link.h"

namespace pimlab::serving {

enum class CimPlace { none, softmax, ffn };
const char* cim_place_name(CimPlace p);  // "none", "softmax", "ffn"
// Throws std::invalid_argument "value X; allowed: none, softmax, ffn".
CimPlace parse_cim_place(const std::string& s);

struct CimSystem {
  CimPlace place = CimPlace::none;
  cim::TileConfig tile;
  cim::EnergyConfig energy;
  int softmax_cores = 4;  // cores per softmax row: cim::kDefaultMultiCores, the multi-core setting
  // The host-to-tiles link (the router's default link: 32 B x 2000 MHz, 1 cycle).
  noc::LinkParams link;
};

// The link's time for the data of one placed operator: bytes_in written to
// the tiles, bytes_out read back, one router transaction each.
struct CimTransfer {
  std::int64_t bytes_in = 0, bytes_out = 0;
  double in_s = 0, out_s = 0;
  double time_s() const { return in_s + out_s; }
  std::int64_t bytes() const { return bytes_in + bytes_out; }
  void add(const CimTransfer& x) {
    bytes_in += x.bytes_in;
    bytes_out += x.bytes_out;
    in_s += x.in_s;
    out_s += x.out_s;
  }
};

// Time and energy of one layer's placed operators on one device's chip.
struct CimOpCost {
  std::int64_t cycles = 0;  // the tiles' cycles
  double tiles_s = 0;       // the tiles' time (cycles at the tile clock)
  CimTransfer transfer;     // the link's share
  double time_s = 0;        // transfer.in_s + tiles_s + transfer.out_s
  double energy_j = 0;   // one device
  std::int64_t rows = 0;  // softmax rows or FFN token rows
  // Another operator run after this one on the same chip (e.g. two FFN blocks of one stage).
  void add(const CimOpCost& k) {
    cycles += k.cycles;
    tiles_s += k.tiles_s;
    transfer.add(k.transfer);
    time_s += k.time_s;
    energy_j += k.energy_j;
    rows += k.rows;
  }
};

// The FFN weight matrices of one layer instance, from the model's graph.
struct CimFfnShape {
  std::int64_t k1 = 0, n1 = 0, k2 = 0, n2 = 0;  // ffn_1: k1 x n1, ffn_2: k2 x n2 (inputs x outputs)
  bool gated = false;
  std::int64_t instances = 0;  // FFN blocks of the model (their repeat)
};

class CimPlacement {
 public:
  // Validates the chip (tile/energy configs, softmax_cores <= cores). With
  // place = ffn, takes the FFN shapes from the model's graph on one of `tp`
  // shards and throws std::invalid_argument when the model has no FFN or its
  // INT8 weights need more UCLMs than the chip has (naming both counts).
  // `pp`: pipeline stages; a device's chip holds the FFN blocks of its
  // layers / pp layers.
  CimPlacement(const CimSystem& s, const model::ModelConfig& m, int tp, int pp = 1);
  const CimSystem& system() const { return m_s; }
  // The operators this placement takes over (graph names).
  std::vector<std::string> operators() const;
  // One layer's softmax rows: one per (request, head), lengths[r] the KV length of request r.
  CimOpCost softmax_layer(const std::vector<std::int64_t>& lengths, std::int64_t heads);
  // One FFN block over `rows` token rows. The rows stream through the same
  // resources in the same order, so after a transient the block's end grows
  // by a fixed number of cycles every c rows (a max-plus system with every
  // row ready at 0 becomes periodic). Beyond kFfnExactRows rows the block is
  // simulated until its last kFfnPeriodWindow rows show such a period (c <=
  // 8) and a constant energy per row, and extrapolated from there: the same
  // cycles as simulating every row, the energy to rounding (tested; a prefill
  // pass has thousands of rows). Without a period every row is simulated.
  CimOpCost ffn_layer(std::int64_t rows);
  static constexpr std::int64_t kFfnExactRows = 512, kFfnPeriodWindow = 256;
  // false: every row simulated (the comparison of the tests).
  void set_ffn_extrapolation(bool on) { m_ffn_extrapolate = on; }
  // Blocks whose end was extrapolated (0: every row simulated).
  std::uint64_t ffn_extrapolated() const { return m_ffn_extrapolated; }
  const CimFfnShape& ffn_shape() const { return m_ffn; }
  std::int64_t ffn_uclms_per_layer() const;  // UCLMs of one FFN block
  std::int64_t ffn_uclms() const { return ffn_uclms_per_layer() * m_ffn.instances; }
  std::int64_t softmax_groups() const;
  std::uint64_t rows_simulated() const { return m_simulated; }
  // The link time of writing bytes_in to the tiles and reading bytes_out back.
  CimTransfer transfer(std::int64_t bytes_in, std::int64_t bytes_out) const;
  // The `hardware` keys of a run (cim_place, cim_operators, cim_tiles,
  // cim_cores, cim_uclms, cim_link_width_bytes, cim_link_clock_mhz, cim_link_latency_cycles,
  // and cim_softmax_cores / cim_softmax_groups or cim_ffn_uclms).
  void describe(std::map<std::string, std::string>& d) const;

 private:
  CimSystem m_s;
  CimFfnShape m_ffn;
  std::map<std::int64_t, std::pair<std::int64_t, double>> m_row_cache;  // L -> (cycles, pJ) of one softmax row
  std::map<std::int64_t, std::pair<std::int64_t, double>> m_ffn_cache;  // rows -> (cycles, pJ) of one FFN block
  std::uint64_t m_simulated = 0;
  bool m_ffn_extrapolate = true;
  std::uint64_t m_ffn_extrapolated = 0;
};

}  // namespace pimlab::serving
