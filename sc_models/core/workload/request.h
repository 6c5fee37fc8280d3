// Requests of a serving workload: when a request arrives and how many tokens
// it reads (prompt) and writes (generated). Every workload source of this
// folder produces the same record, so the serving loop sees one type.
#pragma once

#include <cstdint>
#include <vector>

namespace pimlab::workload {

struct Request {
  double arrival_s = 0;              // arrival time, seconds from the start of the run
  std::uint64_t input_tokens = 0;    // prompt length (>= 1)
  std::uint64_t output_tokens = 0;   // tokens generated (>= 1); the KV length after the last
                                     // decode step is input_tokens + output_tokens - 1
};

using Requests = std::vector<Request>;

// (a) The fixed batch of the Pimba evaluation: `batch` requests, all arriving
// at t = 0, each with the same prompt and output length. Throws
// std::invalid_argument when any size is 0.
Requests fixed_batch(std::uint64_t batch, std::uint64_t input_tokens, std::uint64_t output_tokens);

}  // namespace pimlab::workload
