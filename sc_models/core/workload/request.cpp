#include "workload/request.h"

#include <stdexcept>
#include <string>

namespace pimlab::workload {

Requests fixed_batch(std::uint64_t batch, std::uint64_t input_tokens, std::uint64_t output_tokens) {
  if (batch == 0 || input_tokens == 0 || output_tokens == 0)
    throw std::invalid_argument("fixed batch: batch " + std::to_string(batch) + ", input " +
                                std::to_string(input_tokens) + ", output " + std::to_string(output_tokens) +
                                " tokens; each must be >= 1");
  return Requests(batch, Request{0.0, input_tokens, output_tokens});
}

}  // namespace pimlab::workload
