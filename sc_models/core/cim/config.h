// Configuration of a UCLM-style CIM chip (docs/cim.md, reference uclm.md §4 and
// §1.6): array geometry, bit-serial MVM, ADC, lookup, vector unit, hierarchy,
// clock and energies. Every default carries its source; validate() rejects an
// out-of-range value with a message naming the key, the value and what is
// allowed.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace pimlab::cim {

enum class ExpVariant { A, B };  // residual = 1 / first-order residual (uclm.md §5.2)

struct TileConfig {
  int array_rows = 64;       // rows per array (HASTILY 64 x 64 [S]); at most 64
  int array_cols = 64;       // columns per array
  int weight_bits = 8;       // arrays per UCLM, one weight bit-plane each (1 bit per cell) [S]+[R]
  int input_bits = 8;        // bit-serial passes through the 1-bit DAC [S]
  int adc_bits = 6;          // code = min(count, 2^bits - 1); 0 = ideal, 7 = exact for 64 rows [S]
  int adc_share = 8;         // columns per ADC (DNN+NeuroSim numColMuxed 8 [P]; Choice)
  int uclms_per_core = 16;   // [S]
  int cores_per_tile = 8;    // PUMA num_ima = 8 [P]; Choice for HASTILY
  int tiles = 16;            // chip size (Choice): 2048 UCLMs, 8 MiB of INT8 weights
  int vfu_lanes = 16;        // "ALU width 16" [S]
  int lookup_cycles = 4;     // copy row, write 1s, LKL read, restore [S]
  int hop_cycles = 4;        // one inter-core transfer: shared-memory write + read, PUMASim edram_lat 2 + 2 [P]; Choice
  double clock_ghz = 1.0;    // PUMASim cycle_time 1 ns [P]; HASTILY's clock [U]
  ExpVariant variant = ExpVariant::B;

  // MVM latency: one pass per input bit, each ADC converts adc_share columns
  // per pass at one conversion per cycle: input_bits x adc_share (64).
  std::int64_t t_mvm() const { return static_cast<std::int64_t>(input_bits) * adc_share; }
  // Lookups one UCLM serves per lookup_cycles: one per array.
  int lookups_per_batch() const { return weight_bits; }
  std::int64_t cores() const { return static_cast<std::int64_t>(tiles) * cores_per_tile; }
  std::int64_t uclms() const { return cores() * uclms_per_core; }
  double ns(std::int64_t cycles) const { return static_cast<double>(cycles) / clock_ghz; }

  void validate() const;  // throws std::invalid_argument
};

// Energy per event, in pJ (docs/cim.md lists the derivations).
struct EnergyConfig {
  double mac_pj = 0.09;           // per INT8 MAC of an MVM: WWWtoCiM analog8T ERT 0.09 pJ [P] (units U)
  double adc_conversion_pj = 0.16;  // derived [R]: a 64x64 INT8 MVM at the ~8 TOPS/W system target [S] = 1.024 nJ,
                                    // minus 4096 MACs x 0.09 pJ, over 4096 conversions
  double row_write_pj = 3.0;      // per array row write: WWWtoCiM CiMStorage write 3.0 pJ [P] (units U)
  double lookup_pj = 17.52;       // Choice: 2 row writes (1s, restore) + 2 row reads of 64 cells at mac_pj
  double vfu_op_pj = 0.265;       // per lane operation: PUMASim alu_pow_others_dyn 0.373 x 32/45 mW at 1 ns [P]
  void validate() const;
};

std::string variant_name(ExpVariant v);
// "A" or "B"; throws std::invalid_argument naming the value and the allowed ones.
ExpVariant parse_variant(const std::string& s);

// The named keys of TileConfig and EnergyConfig, as platform files and the
// TLM shell's top.cim keys spell them: array_rows, array_cols, adc_bits,
// adc_share, uclms_per_core, cores_per_tile, tiles, vfu_lanes, lookup_cycles,
// hop_cycles, clock_ghz (numbers), variant ("A"/"B"), mac_pj,
// adc_conversion_pj, row_write_pj, lookup_pj, vfu_op_pj (numbers).
const std::vector<std::string>& config_keys();
bool is_config_key(const std::string& key);
// Sets one numeric key (integer keys need an integral value). Throws
// std::invalid_argument "KEY VALUE ...; allowed: ..." for an unknown key or a
// non-integer; ranges are checked by validate() on the whole configuration.
void set_config_key(TileConfig& t, EnergyConfig& e, const std::string& key, double value);
// The key a validate() message is about (its first word; "array ..." -> array_cols).
std::string config_error_key(const std::string& message);

}  // namespace pimlab::cim
