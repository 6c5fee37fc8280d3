// The serving loop of `pimlab run` (docs/serving.md): iteration-level
// (continuous) batching of a workload's requests on one system back-end.
// Requests are admitted in arrival order up to the maximum batch and the
// KV/state capacity (reserved for the request's final length); a request's
// prompt is prefilled on the host (whole or in chunks) or, in the papers'
// decode-only setting, taken as done; then every iteration decodes one token
// of every admitted request until its output is complete. The back-end times
// each iteration; the loop only advances the clock and keeps the records.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "firmware/compiler/placement.h"
#include "serving/cost.h"
#include "workload/request.h"

namespace pimlab::serving {

struct LoopOptions {
  std::int64_t max_batch = 64;
  bool prefill = false;             // false: prompts are taken as prefilled (decode only)
  std::int64_t prefill_chunk = 0;   // tokens per prefill iteration and request; 0 = whole prompt
  std::int64_t max_iterations = 0;  // decode iterations to run; 0 = until every request is done
  // Per-request memory at KV length L (bytes); capacity is checked against the
  // final length input + output - 1. Null: no capacity check.
  std::function<double(std::int64_t)> request_bytes;
  double capacity_bytes = 0;  // back-ends without pinned channels: total KV/state room
  // Back-ends with pinned channels: how requests are placed (policy, load
  // estimate, footprint, per-channel capacity).
  std::optional<firmware::compiler::PlacementConfig> placement;
  const std::atomic<bool>* stop = nullptr;  // set asynchronously: finish the iteration and stop
  std::function<void(std::int64_t iteration, double sim_time_s, std::int64_t tokens)> progress;
};

struct RequestRecord {
  double arrival_s = 0;
  double admitted_s = -1;
  double first_token_s = -1;  // the prompt's token (end of prefill, or admission without prefill)
  double finish_s = -1;       // the last output token
  std::int64_t input = 0, output = 0;
  std::int64_t generated = 0;  // output tokens produced so far (the first one by the prefill)
  int channel = -1;
};

struct RunResult {
  IterationCost decode;   // summed over decode iterations
  IterationCost prefill;  // summed over prefill iterations
  std::int64_t decode_iterations = 0, prefill_iterations = 0;
  std::int64_t decode_tokens = 0;  // tokens produced by decode iterations
  std::vector<double> iteration_times;  // decode iterations, in order
  std::vector<std::int64_t> iteration_batch;
  std::vector<RequestRecord> requests;  // input order
  double end_s = 0;                    // simulated time at the end
  std::int64_t peak_batch = 0;
  bool interrupted = false;  // stopped by `stop`, or a back-end threw IterationInterrupted
  bool truncated = false;    // stopped by max_iterations with requests left
};

// `pinned` (optional, one per request): a channel fixed by the workload (the
// NeuPIMs snapshots); otherwise the placement decides when kv_channels() > 0.
// Throws std::invalid_argument when a request can never fit (saying by how much).
RunResult serve(Backend& backend, const workload::Requests& requests, const LoopOptions& o,
                const std::vector<int>* pinned = nullptr);

}  // namespace pimlab::serving
