// What one serving iteration costs on a system, and the interface every
// system back-end implements (docs/serving.md). A back-end executes one
// iteration of a batch of requests on its hardware models (host, PIM channels)
// and reports time, energy and where they went; the serving loop
// (serving/loop.h) owns admission, batching and placement and never computes a
// time itself.
#pragma once

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace pimlab::serving {

// Time and energy of one category of work (system.md's categories: gemm, gemv,
// state_update, causal_conv1d, discretization, comm, others). time_s is the
// time the category occupies the critical path of the iteration; in a mode
// where host and PIM overlap, the overlapped part is charged to the side that
// set the stage length (GPU hosts' overlap mode: to the PIM kernel), so the
// categories add up to the iteration time.
struct CategoryCost {
  double time_s = 0;
  double energy_j = 0;
};

struct IterationCost {
  double time_s = 0;                              // wall time of the iteration
  std::map<std::string, CategoryCost> breakdown;  // by category name
  // Energy by place: host chip (compute, on-chip memories), host DRAM traffic
  // (off-chip bytes of the host's own reads/writes), PIM (commands executed in
  // the PIM channels: activations, reads/writes, compute).
  double host_energy_j = 0;
  double dram_energy_j = 0;
  double pim_energy_j = 0;
  double cim_energy_j = 0;  // the platform's CIM tiles (operators placed on them)
  // Busy time of each side within time_s (for utilisation), and the bytes the
  // host moved over the channels.
  double host_busy_s = 0;
  double pim_busy_s = 0;
  double cim_busy_s = 0;
  // Of cim_busy_s, the time the host or a PIM kernel ran as well (overlap
  // mode: CIM time hidden under other work; 0 when the sides take turns).
  double cim_hidden_s = 0;
  // Of cim_busy_s, the host-to-tiles link's time (scores or activations in,
  // results out), and the bytes it carried (one device).
  double cim_transfer_s = 0;
  double cim_transfer_bytes = 0;
  double host_bytes = 0;
  double host_flops = 0;  // arithmetic the host did (one device), for its compute utilisation
  double energy_j() const { return host_energy_j + dram_energy_j + pim_energy_j + cim_energy_j; }
  // Adds `c` to this one (times, energies, busy times and bytes all add).
  void add(const IterationCost& c);
  // Adds one category entry and its energy to the given place.
  void charge(const std::string& category, double time_s, double energy_j, double* place_j);
};

// One request in a decode iteration: its KV length after this step's token is
// appended (the context the step's attention reads), and the PIM channel its
// KV cache / state lives on (-1 when the system does not pin requests).
struct DecodeRequest {
  std::int64_t context = 0;
  int channel = -1;
};

// One request's prefill chunk: `tokens` new prompt tokens ending at KV length `context`.
struct PrefillChunk {
  std::int64_t tokens = 0;
  std::int64_t context = 0;
  int channel = -1;
};

// Thrown by a back-end's decode() or prefill() that an interrupt (Ctrl-C)
// stopped inside the iteration: the serving loop ends without counting it.
struct IterationInterrupted : std::runtime_error {
  IterationInterrupted() : std::runtime_error("the iteration was interrupted") {}
};

class Backend {
 public:
  virtual ~Backend() = default;
  // One decode step of every request of `batch` (all layers, one device of a
  // tensor-parallel group; the system's energy counts every device).
  virtual IterationCost decode(const std::vector<DecodeRequest>& batch) = 0;
  // One prefill pass over the chunks (on the host). Back-ends without a
  // prefill model throw std::invalid_argument saying so.
  virtual IterationCost prefill(const std::vector<PrefillChunk>& chunks) = 0;
  // PIM channels that hold KV caches / states (0 = the system has none: no pinning).
  virtual int kv_channels() const = 0;
  // Bytes of KV / state each of those channels (or the host memory when there
  // are none) can hold after the weights.
  virtual double kv_capacity_bytes() const = 0;
  // A JSON-ready description of the hardware (host, channels, family, mode).
  // Keys the report reads when present: host_peak_bytes_per_s and
  // host_peak_flops (one device), for the utilisation figures.
  virtual std::map<std::string, std::string> describe() const = 0;
};

}  // namespace pimlab::serving
