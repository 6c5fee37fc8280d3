#include "tlm/cim/tiles.h"

#include <limits>
#include <stdexcept>

namespace pimlab::tlm_cim {

using tlm_common::ConfigError;

namespace {
const cim::TileConfig kD{};
// The core's messages start with the key ("adc_share 7 must divide ...").
ConfigError keyed(const std::string& prefix, const std::string& msg) {
  const std::string key = cim::config_error_key(msg);
  return ConfigError("config key '" + prefix + key + "': " + msg);
}
const cim::EnergyConfig kE{};
}  // namespace

CimTiles::CimTiles(const sc_core::sc_module_name& name)
    : sc_module(name),
      p_count(*this, "count", 1u, "tiles", "CIM tiles on the interconnect (tile0, tile1, ...)", 0u, 4096u),
      p_base(*this, "base", 0x1000000000ull, "bytes",
             "router address of tile 0; tile i starts at base + i x the tile's window (docs/cim.md)"),
      p_array_rows(*this, "array_rows", kD.array_rows, "cells", "rows per array (HASTILY 64 x 64)", 1, 64),
      p_array_cols(*this, "array_cols", kD.array_cols, "cells", "columns per array", 16, 4096),
      p_adc_bits(*this, "adc_bits", kD.adc_bits, "bits", "ADC resolution: code = min(count, 2^bits - 1); 0 = ideal", 0, 16),
      p_adc_share(*this, "adc_share", kD.adc_share, "columns", "columns per ADC (must divide array_cols)", 1, 4096),
      p_uclms_per_core(*this, "uclms_per_core", kD.uclms_per_core, "UCLMs", "UCLMs per core", 1, 1024),
      p_cores_per_tile(*this, "cores_per_tile", kD.cores_per_tile, "cores", "cores per tile", 1, 1024),
      p_vfu_lanes(*this, "vfu_lanes", kD.vfu_lanes, "lanes", "vector-unit lanes per core", 1, 1024),
      p_lookup_cycles(*this, "lookup_cycles", kD.lookup_cycles, "cycles", "one lookup batch (4 steps)", 1, 1024),
      p_hop_cycles(*this, "hop_cycles", kD.hop_cycles, "cycles", "one inter-core transfer of the max/sum trees", 0, 1 << 20),
      p_clock_ghz(*this, "clock_ghz", kD.clock_ghz, "GHz", "tile clock (its period must be an integer number of ps)", 1e-3, 1000.0),
      p_variant(*this, "variant", "B", "LUT exponential residual: A (residual 1) or B (1 - r ln2)", {"A", "B"}),
      p_buffer_bytes(*this, "buffer_bytes", 65536ull, "bytes",
                     "input/output buffer of each tile (at most the array region's size)", 256ull, 1ull << 40),
      p_mac_pj(*this, "mac_pj", kE.mac_pj, "pJ", "energy per INT8 MAC of an MVM", 0.0, 1e9),
      p_adc_conversion_pj(*this, "adc_conversion_pj", kE.adc_conversion_pj, "pJ", "energy per ADC conversion", 0.0, 1e9),
      p_row_write_pj(*this, "row_write_pj", kE.row_write_pj, "pJ", "energy per array row write (per bit-plane)", 0.0, 1e9),
      p_lookup_pj(*this, "lookup_pj", kE.lookup_pj, "pJ", "energy per lookup", 0.0, 1e9),
      p_vfu_op_pj(*this, "vfu_op_pj", kE.vfu_op_pj, "pJ", "energy per vector-unit lane operation", 0.0, 1e9) {
  // The core's key names (cim::set_config_key), the same a serving platform file's "cim" section uses.
  cim::EnergyConfig e;
  const std::pair<const char*, double> keys[] = {
      {"array_rows", p_array_rows},         {"array_cols", p_array_cols},       {"adc_bits", p_adc_bits},
      {"adc_share", p_adc_share},           {"uclms_per_core", p_uclms_per_core}, {"cores_per_tile", p_cores_per_tile},
      {"vfu_lanes", p_vfu_lanes},           {"lookup_cycles", p_lookup_cycles}, {"hop_cycles", p_hop_cycles},
      {"clock_ghz", p_clock_ghz},           {"mac_pj", p_mac_pj},               {"adc_conversion_pj", p_adc_conversion_pj},
      {"row_write_pj", p_row_write_pj},     {"lookup_pj", p_lookup_pj},         {"vfu_op_pj", p_vfu_op_pj}};
  for (const auto& [k, v] : keys) cim::set_config_key(m_cfg, e, k, v);
  m_cfg.tiles = 1;
  m_cfg.variant = cim::parse_variant(p_variant.get());
  const std::string prefix = std::string(this->name()) + ".";
  try {
    m_cfg.validate();
  } catch (const std::invalid_argument& ex) {
    // The core names the key and the value: prefix the hierarchical name.
    throw keyed(prefix, ex.what());
  }
  const TileLayout l = layout_of(m_cfg, p_buffer_bytes);
  if (p_buffer_bytes.get() > l.region)
    throw ConfigError("config key '" + prefix + "buffer_bytes': value " + std::to_string(p_buffer_bytes.get()) +
                      " is not allowed; allowed: an integer in [256, " + std::to_string(l.region) +
                      "] (the array region of a tile of this configuration)");
  m_window = l.size();
  const std::uint64_t n = p_count.get();
  if (n > 0 && (n * m_window - 1 > std::numeric_limits<std::uint64_t>::max() - p_base.get()))
    throw ConfigError("config key '" + prefix + "base': value " + std::to_string(p_base.get()) +
                      " is not allowed; allowed: base + count x " + std::to_string(m_window) +
                      " (the tiles' windows) must end within 64-bit addresses");
  for (std::uint64_t i = 0; i < n; ++i) {
    try {
      m_tiles.push_back(std::make_unique<CimTile>(("tile" + std::to_string(i)).c_str(), m_cfg, e, p_buffer_bytes));
    } catch (const ConfigError&) {
      throw;
    } catch (const std::invalid_argument& ex) {
      throw keyed(prefix, ex.what());
    }
  }
}

std::vector<tlm_noc::AddressRange> CimTiles::ranges(unsigned first_port) const {
  std::vector<tlm_noc::AddressRange> r;
  for (unsigned i = 0; i < count(); ++i) {
    tlm_noc::AddressRange a;
    a.base = tile_base(i);
    a.size = m_window;
    a.port = first_port + i;
    a.offset = 0;
    r.push_back(a);
  }
  return r;
}

void CimTiles::map_into(tlm_noc::Router& noc, unsigned first_port) const {
  const std::vector<tlm_noc::AddressRange> mine = ranges(first_port);
  for (unsigned i = 0; i < mine.size(); ++i)
    for (const tlm_noc::AddressRange& other : noc.address_map().ranges())
      if (mine[i].base <= other.last() && other.base <= mine[i].last())
        throw ConfigError("config key '" + std::string(name()) + ".base': value " + tlm_noc::hex(p_base.get()) +
                          " is not allowed; allowed: a base whose tile windows do not overlap the router's ranges (tile" +
                          std::to_string(i) + " = [" + tlm_noc::hex(mine[i].base) + ", " + tlm_noc::hex(mine[i].last()) +
                          "] overlaps " + noc.name() + ".address_map[" + std::to_string(other.index) + "] = [" +
                          tlm_noc::hex(other.base) + ", " + tlm_noc::hex(other.last()) + "])");
  noc.add_ranges(mine);
}

void CimTiles::attach(tlm_noc::Router& noc, unsigned first_port) {
  map_into(noc, first_port);
  for (auto& t : m_tiles) noc.initiator_socket.bind(t->socket);
}

}  // namespace pimlab::tlm_cim
