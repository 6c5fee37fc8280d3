// KV-cache / state placement on PIM channels and sub-batch splitting (docs/workload.md,
// "Placement"). A request's KV cache (or recurrent state) lives on one channel for its whole
// lifetime; the placer decides which, by round robin or by greedy load balancing on the
// estimated PIM time, and checks every choice against the channel's free capacity.
//
// Sources: system.md §2.6 and neupims_pim.md §9.3 (channel assignment, load estimate),
// system.md §2.4 (sub-batch split). Model dimensions come in as plain numbers.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

namespace pimlab::firmware::compiler {

// ---------------------------------------------------------------------------------------------
// Load estimate: NeuPIMs' estimate of one request's PIM attention time (DRAM cycles) at KV
// length L on its channel (system.md §2.3 "Scheduler-side cost estimate", neupims_pim.md §9.3):
//   lat(L) = c_k*gw + c_k*ceil(L/banks)*gemv + c_v*gw + c_v*ceil(d_head/banks)*gemv,
//   c_k = ceil(e_tp/page), c_v = ceil(L/page)*pv_heads,
// q.K^T: one GWRITE per 512-element chunk of the query, one GEMV row per 32 tokens per chunk;
// p.V: one GWRITE per head and 512-token chunk, ceil(d_head/32) GEMV rows each.
struct NeupimsLoadEstimate {
  std::uint64_t e_tp = 0;        // K elements per token on this device: n_embd / tp
  std::uint64_t pv_heads = 0;    // heads counted in the p.V term
  std::uint64_t d_head = 0;
  std::uint64_t page_elems = 512;    // FP16 elements per 1 KB row
  std::uint64_t banks = 32;          // banks per channel
  std::uint64_t gwrite_cycles = 100;
  std::uint64_t gemv_cycles = 184;

  std::uint64_t operator()(std::uint64_t seq_len) const;

  // Physically faithful: the p.V term counts the heads on this device, n_heads / tp (what the
  // NeuPIMs simulator's scheduler computes).
  static NeupimsLoadEstimate faithful(std::uint64_t n_embd, std::uint64_t n_heads, std::uint64_t tp);
  // As the NeuPIMs trace generator computes it (the snapshots were placed with it): the p.V term
  // counts all n_heads of the model although the device holds n_heads / tp of them (quirk).
  static NeupimsLoadEstimate trace_generator(std::uint64_t n_embd, std::uint64_t n_heads, std::uint64_t tp);
};

// Any estimate of a request's PIM time from its KV length; integer so that ties are exact.
using LoadEstimate = std::function<std::uint64_t(std::uint64_t seq_len)>;

// ---------------------------------------------------------------------------------------------
// Footprint: bytes a request occupies on its channel at KV length L. Each stream allocates whole
// granules of `tokens_per_granule` tokens; `fixed_bytes` is length-independent (a recurrent
// state). bytes(L) = fixed_bytes + sum over streams of ceil(L / tokens) * bytes_per_granule.
struct KvFootprint {
  struct Stream {
    std::uint64_t tokens_per_granule = 1;
    std::uint64_t bytes_per_granule = 0;
  };
  std::vector<Stream> streams;
  std::uint64_t fixed_bytes = 0;

  std::uint64_t bytes(std::uint64_t seq_len) const;

  // kv_bytes_per_token bytes for every token (all layers, K and V), plus a fixed state.
  static KvFootprint linear(std::uint64_t kv_bytes_per_token, std::uint64_t fixed_bytes = 0);
  // The NeuPIMs KV layout (neupims_pim.md §9.1), per layer: keys in tiles of `banks` tokens x
  // ceil(e_tp/row_elems) rows, values in tiles of row_elems tokens x ceil(e_tp/banks) rows; one
  // tile = banks x row_bytes. row_elems = row_bytes / elem_bytes.
  static KvFootprint neupims_tiles(std::uint64_t e_tp, std::uint64_t layers, std::uint64_t elem_bytes = 2,
                                   std::uint64_t banks = 32, std::uint64_t row_bytes = 1024);
};

// KV bytes each of `channels` channels offers when the model's weights (weight_bytes in total)
// are spread evenly over them: floor((channels * channel_bytes - weight_bytes) / channels).
// Throws std::invalid_argument when the weights alone do not fit.
std::uint64_t kv_capacity_per_channel(std::uint64_t channel_bytes, std::uint32_t channels, std::uint64_t weight_bytes);

// ---------------------------------------------------------------------------------------------
enum class Policy {
  round_robin,  // next channel in turn, skipping channels without room (first fit)
  greedy,       // longest first, each to the channel with the least estimated load that has room
};

struct PlacementConfig {
  Policy policy = Policy::greedy;
  std::uint32_t channels = 32;
  std::uint64_t capacity_bytes = std::numeric_limits<std::uint64_t>::max();  // per channel
  KvFootprint footprint;   // empty = requests take no room (capacity never binds)
  LoadEstimate load;       // required for greedy
};

struct Resident {            // a request already on a channel
  std::uint64_t seq_len = 0;        // current KV length: counts toward the load estimate
  std::uint32_t channel = 0;
  std::uint64_t reserve_len = 0;    // KV length whose footprint is held; 0 = seq_len
};

struct NewRequest {
  std::uint64_t seq_len = 0;        // KV length at admission (load estimate, processing order)
  std::uint64_t reserve_len = 0;    // KV length to reserve room for (e.g. input + output); 0 = seq_len
};

// Thrown when a request fits on no channel: says which request, how many bytes it needs, the
// most free room on any channel and by how much it falls short. An std::invalid_argument, so
// the pimlab command reports it in one line with exit status 2.
class CapacityError : public std::invalid_argument {
 public:
  CapacityError(std::size_t request, std::uint64_t needed_bytes, std::uint64_t best_free_bytes,
                std::uint32_t best_channel, std::uint64_t capacity_bytes, std::uint32_t channels);
  std::size_t request;
  std::uint64_t needed_bytes, best_free_bytes;
  std::uint32_t best_channel;
  std::uint64_t shortfall_bytes() const { return needed_bytes - best_free_bytes; }
};

inline constexpr std::uint32_t kUnplaced = std::numeric_limits<std::uint32_t>::max();

struct Placement {
  std::vector<std::uint32_t> channel;   // per new request, input order (kUnplaced: did not fit)
  std::vector<std::size_t> order;       // input indices in the order they were placed
  std::vector<std::uint64_t> load;      // per channel, residents + placed requests
  std::vector<std::uint64_t> used_bytes;// per channel, residents + placed requests
};

enum class OnFull { throw_error, leave_unplaced };

// Stateful only in the round-robin pointer, which carries over from one admission to the next.
class Placer {
 public:
  explicit Placer(PlacementConfig cfg);  // throws std::invalid_argument for 0 channels, or greedy without load

  // Places `fresh` given the channels' current residents.
  // Round robin: requests in input order; each takes the first channel with room starting at
  //   the pointer, and the pointer moves past it.
  // Greedy: requests by seq_len descending (equal lengths in reverse input order, as the
  //   NeuPIMs generator orders them); each takes, among channels with room, the one with the
  //   smallest summed load estimate (lowest index on ties), which then grows by its estimate.
  // "Room": used_bytes + footprint(reserve_len) <= capacity_bytes.
  // A request without room anywhere throws CapacityError (OnFull::throw_error; nothing is
  // placed) or is left kUnplaced while the others continue (OnFull::leave_unplaced).
  Placement place(const std::vector<Resident>& residents, const std::vector<NewRequest>& fresh,
                  OnFull on_full = OnFull::throw_error);

  std::uint32_t next_channel() const { return m_next; }
  void set_next_channel(std::uint32_t ch);
  const PlacementConfig& config() const { return m_cfg; }

 private:
  PlacementConfig m_cfg;
  std::uint32_t m_next = 0;
};

// Throws CapacityError naming the fullest channel if the residents exceed the capacity.
void check_capacity(const PlacementConfig& cfg, const std::vector<Resident>& residents);

// The placement of the NPU+PIM systems (npu+pim, neupims), as `pimlab run` and `pimlab compile`
// use it: NeuPIMs' KV tile layout (one device: hidden / tp wide, layers / pp deep) and its
// faithful load estimate, `channels` channels of `capacity_bytes` each.
PlacementConfig neupims_placement(Policy policy, std::uint32_t channels, std::uint64_t capacity_bytes,
                                  std::uint64_t hidden, std::uint64_t heads, std::uint64_t layers,
                                  std::uint64_t tp, std::uint64_t pp);

// ---------------------------------------------------------------------------------------------
// Sub-batches for NPU/PIM interleaving (system.md §2.4): every channel's requests, in queue
// order, are cut in half: the first half goes to sub-batch 1, the rest to sub-batch 2. For an
// odd count, the first such channel (in channel order) gives sub-batch 1 the larger half, the
// next odd channel the smaller, and so on alternating. Both lists hold request indices, grouped
// by channel in ascending order and in queue order within a channel.
struct SubBatches {
  std::vector<std::size_t> first, second;
};
// channel_of[i] = channel of request i (queue order = index order); channels > every entry.
SubBatches split_sub_batches(const std::vector<std::uint32_t>& channel_of, std::uint32_t channels);

}  // namespace pimlab::firmware::compiler
