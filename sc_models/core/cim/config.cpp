#include "cim/config.h"

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

}  // namespace pimlab::cim
