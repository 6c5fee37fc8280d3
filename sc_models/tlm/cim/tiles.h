// CIM tiles on the platform interconnect (docs/cim.md "On the interconnect"):
// a module that builds `count` CimTile targets (tile0, tile1, ...) from one
// set of configuration keys under its own name (the core's TileConfig and
// EnergyConfig keys, buffer_bytes) and places them in the router's address
// map: tile i answers the router addresses [base + i S, base + (i + 1) S),
// S = the tile's window (TileLayout::size()), on router output port
// first_port + i, translated to tile addresses from 0.
//
//   top.cim.count, top.cim.base, top.cim.adc_bits, ... (pimlab config --list cim)
//
// Build it before the router (the router's output count includes count()),
// then attach() (or map_into() and bind the sockets yourself, e.g. through
// protocol checkers). Errors are tlm_common::ConfigError naming the key, the
// value and what is allowed.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <systemc>

#include "cim/config.h"
#include "tlm/cim/tile.h"
#include "tlm/common/config.h"
#include "tlm/noc/address_map.h"
#include "tlm/noc/router.h"

namespace pimlab::tlm_cim {

class CimTiles : public sc_core::sc_module {
 public:
  explicit CimTiles(const sc_core::sc_module_name& name);

  unsigned count() const { return static_cast<unsigned>(m_tiles.size()); }
  CimTile& tile(unsigned i) { return *m_tiles.at(i); }
  const cim::TileConfig& tile_config() const { return m_cfg; }
  std::uint64_t tile_base(unsigned i) const { return p_base.get() + static_cast<std::uint64_t>(i) * m_window; }
  std::uint64_t window() const { return m_window; }

  // The tiles' ranges on ports first_port .. first_port + count - 1.
  std::vector<tlm_noc::AddressRange> ranges(unsigned first_port) const;
  // Adds the ranges to the router's map (an overlap with a configured range
  // is an error naming <name>.base); attach() also binds the router's
  // initiator_socket (in port order) to each tile.
  void map_into(tlm_noc::Router& noc, unsigned first_port) const;
  void attach(tlm_noc::Router& noc, unsigned first_port);

  tlm_common::Param<std::uint32_t> p_count;
  tlm_common::Param<std::uint64_t> p_base;
  tlm_common::Param<int> p_array_rows, p_array_cols, p_adc_bits, p_adc_share, p_uclms_per_core, p_cores_per_tile;
  tlm_common::Param<int> p_vfu_lanes, p_lookup_cycles, p_hop_cycles;
  tlm_common::Param<double> p_clock_ghz;
  tlm_common::Param<std::string> p_variant;
  tlm_common::Param<std::uint64_t> p_buffer_bytes;
  tlm_common::Param<double> p_mac_pj, p_adc_conversion_pj, p_row_write_pj, p_lookup_pj, p_vfu_op_pj;

 private:
  cim::TileConfig m_cfg;
  std::uint64_t m_window = 0;
  std::vector<std::unique_ptr<CimTile>> m_tiles;
};

}  // namespace pimlab::tlm_cim
