// Configuration of the host NPU core (docs/npu.md): systolic arrays, vector
// units, scratchpad/accumulator and DMA engine, as data. The defaults are the
// NeuPIMs NPU (reference: system.md §2.1, §3.4; neupims_pim.md §10).
//
// Pure C++, no SystemC. npu_config_from_json() reads a JSON object over a base
// config; an unknown key, a value of the wrong type or a value outside its range
// throws std::invalid_argument naming the key, the value and what is allowed.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace pimlab::npu {

using Cycle = std::int64_t;

// faithful: a physical weight-stationary array (docs/npu.md "faithful");
// artifact: the NeuPIMs simulator's instruction-pipeline rules and quirks.
enum class Mode { faithful, artifact };
const char* to_string(Mode m);

struct SystolicConfig {
  int count = 8;   // systolic arrays
  int rows = 128;  // PE rows = reduction (K) extent of a stationary tile
  int cols = 128;  // PE columns = output columns of a stationary tile
};

// Latencies in NPU cycles of one vector-unit step (one pass over `lanes` elements).
struct VectorLatency {
  int add = 1;
  int mul = 1;
  int exp = 1;
  int gelu = 1;
  int silu = 1;
  int add_tree = 1;  // one level of the reduction tree
  int scalar_mul = 1;
  int scalar_sqrt = 1;
};

struct VectorConfig {
  int units = 8;
  int lanes = 128;
  VectorLatency latency;
};

// The DMA engine moving operands between main memory and the scratchpad. The
// core describes what each tile needs (operand blocks, byte ranges); the engine
// splits a transfer into `request_bytes` requests with at most
// `max_outstanding` in flight (0 = unlimited). Timing comes from whoever
// serves the requests (a DmaPort, docs/npu.md).
struct DmaConfig {
  int request_bytes = 64;
  int max_outstanding = 0;
  // TLM shell only: the transfers' bytes form one synthetic sequential
  // address stream from address 0 (the tensors' placed addresses are not
  // used), as the NeuPIMs artifact issues its loads and stores
  // (neupims_pim.md §10.1; with a 64 B interleave over the channels, block i
  // goes to channel i mod C). Off: real placed addresses (faithful).
  bool stream_addresses = false;
};

struct NpuConfig {
  std::string name = "neupims";
  Mode mode = Mode::faithful;
  std::int64_t clock_mhz = 1000;
  int element_bytes = 2;  // FP16 operands and outputs
  SystolicConfig systolic;
  VectorConfig vector;
  // On-chip buffers. NeuPIMs' parser loads all three SRAM sizes from
  // `sram_size` = 134 218 KB (system.md §2.1 quirk); that is the capacity its
  // published runs used, so it is the default here.
  std::int64_t scratchpad_bytes = 134218LL * 1024;
  std::int64_t accumulator_bytes = 134218LL * 1024;
  bool double_buffered = true;
  DmaConfig dma;

  double peak_flops_per_cycle() const { return 2.0 * systolic.count * systolic.rows * systolic.cols; }
  double cycle_s() const { return 1e-6 / static_cast<double>(clock_mhz); }
};

// Reads `j` (a JSON object) over `base`. Keys: name, mode ("faithful" |
// "artifact"), clock_mhz, element_bytes, scratchpad_bytes, accumulator_bytes,
// double_buffered, systolic {count, rows, cols}, vector {units, lanes,
// latency {add, mul, exp, gelu, silu, add_tree, scalar_mul, scalar_sqrt}},
// dma {request_bytes, max_outstanding}.
NpuConfig npu_config_from_json(const nlohmann::json& j, const NpuConfig& base = NpuConfig{});
nlohmann::json to_json(const NpuConfig& c);
// Checks the ranges of every field (also used by npu_config_from_json).
void validate(const NpuConfig& c);

}  // namespace pimlab::npu
