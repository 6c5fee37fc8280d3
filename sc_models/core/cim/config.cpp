#include "cim/config.h"

#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace pimlab::cim {

namespace {
void range(const char* key, long long v, long long lo, long long hi) {
  if (v < lo || v > hi)
    throw std::invalid_argument(std::string(key) + " " + std::to_string(v) + " is out of range [" + std::to_string(lo) + ", " +
                                std::to_string(hi) + "]");
}
void positive(const char* key, double v) {
  if (!(v > 0) || v > 1e9) throw std::invalid_argument(std::string(key) + " " + std::to_string(v) + " must be > 0");
}
void nonneg(const char* key, double v) {
  if (!(v >= 0) || v > 1e9) throw std::invalid_argument(std::string(key) + " " + std::to_string(v) + " must be >= 0");
}
}  // namespace

void TileConfig::validate() const {
  range("array_rows", array_rows, 1, 64);
  range("array_cols", array_cols, 1, 4096);
  if (weight_bits != 8) throw std::invalid_argument("weight_bits " + std::to_string(weight_bits) + " is not supported (allowed: 8, INT8 weights, one bit-plane per array)");
  if (input_bits != 8) throw std::invalid_argument("input_bits " + std::to_string(input_bits) + " is not supported (allowed: 8, INT8/UINT8 inputs)");
  range("adc_bits", adc_bits, 0, 16);
  range("adc_share", adc_share, 1, array_cols);
  if (array_cols % adc_share != 0)
    throw std::invalid_argument("adc_share " + std::to_string(adc_share) + " must divide array_cols " + std::to_string(array_cols));
  range("uclms_per_core", uclms_per_core, 1, 1024);
  range("cores_per_tile", cores_per_tile, 1, 1024);
  range("tiles", tiles, 1, 65536);
  range("vfu_lanes", vfu_lanes, 1, 1024);
  range("lookup_cycles", lookup_cycles, 1, 1024);
  range("hop_cycles", hop_cycles, 0, 1 << 20);
  positive("clock_ghz", clock_ghz);
  // The LUT ROM (128 entries x 16 bits) is mask-programmed into each array.
  if (static_cast<long long>(array_rows) * array_cols < 128 * 16 || array_cols % 16 != 0)
    throw std::invalid_argument("array " + std::to_string(array_rows) + " x " + std::to_string(array_cols) +
                                " cannot hold the 128 x 16-bit exp ROM (needs columns a multiple of 16 and 2048 cells)");
}

void EnergyConfig::validate() const {
  nonneg("mac_pj", mac_pj);
  nonneg("adc_conversion_pj", adc_conversion_pj);
  nonneg("row_write_pj", row_write_pj);
  nonneg("lookup_pj", lookup_pj);
  nonneg("vfu_op_pj", vfu_op_pj);
}

std::string variant_name(ExpVariant v) { return v == ExpVariant::A ? "A" : "B"; }

ExpVariant parse_variant(const std::string& s) {
  if (s == "A") return ExpVariant::A;
  if (s == "B") return ExpVariant::B;
  throw std::invalid_argument("variant \"" + s + "\" is not allowed; allowed: A, B");
}

namespace {
struct IntKey {
  const char* name;
  int TileConfig::*field;
};
const IntKey kIntKeys[] = {{"array_rows", &TileConfig::array_rows},         {"array_cols", &TileConfig::array_cols},
                           {"adc_bits", &TileConfig::adc_bits},             {"adc_share", &TileConfig::adc_share},
                           {"uclms_per_core", &TileConfig::uclms_per_core}, {"cores_per_tile", &TileConfig::cores_per_tile},
                           {"tiles", &TileConfig::tiles},                   {"vfu_lanes", &TileConfig::vfu_lanes},
                           {"lookup_cycles", &TileConfig::lookup_cycles},   {"hop_cycles", &TileConfig::hop_cycles}};
struct RealKey {
  const char* name;
  double EnergyConfig::*field;
};
const RealKey kEnergyKeys[] = {{"mac_pj", &EnergyConfig::mac_pj},
                               {"adc_conversion_pj", &EnergyConfig::adc_conversion_pj},
                               {"row_write_pj", &EnergyConfig::row_write_pj},
                               {"lookup_pj", &EnergyConfig::lookup_pj},
                               {"vfu_op_pj", &EnergyConfig::vfu_op_pj}};
std::string num(double v) {
  char b[64];
  std::snprintf(b, sizeof b, "%.17g", v);
  return b;
}
}  // namespace

const std::vector<std::string>& config_keys() {
  static const std::vector<std::string> keys = [] {
    std::vector<std::string> k;
    for (const auto& x : kIntKeys) k.push_back(x.name);
    k.push_back("clock_ghz");
    k.push_back("variant");
    for (const auto& x : kEnergyKeys) k.push_back(x.name);
    return k;
  }();
  return keys;
}

std::string config_error_key(const std::string& message) {
  const std::string k = message.substr(0, message.find(' '));
  return k == "array" ? "array_cols" : k;
}

bool is_config_key(const std::string& key) {
  for (const auto& k : config_keys())
    if (k == key) return true;
  return false;
}

void set_config_key(TileConfig& t, EnergyConfig& e, const std::string& key, double value) {
  for (const auto& k : kIntKeys)
    if (key == k.name) {
      if (!(value == std::floor(value)) || value < -2147483648.0 || value > 2147483647.0)
        throw std::invalid_argument(key + " " + num(value) + " is not allowed; allowed: an integer");
      t.*k.field = static_cast<int>(value);
      return;
    }
  if (key == "clock_ghz") {
    t.clock_ghz = value;
    return;
  }
  for (const auto& k : kEnergyKeys)
    if (key == k.name) {
      e.*k.field = value;
      return;
    }
  std::string all;
  for (const auto& k : config_keys()) all += (all.empty() ? "" : ", ") + k;
  throw std::invalid_argument(key + " is not a numeric CIM key; allowed: " + all);
}

}  // namespace pimlab::cim
