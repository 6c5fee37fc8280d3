// Generic-payload extensions understood by the HBM channel target.
#pragma once

#include <cstdint>

#include <tlm>

namespace pimlab::tlm_hbm {

// A strided stream in one transaction (an NPU streaming a weight tile column
// by column): the payload's data buffer holds data_length bytes packed; they
// are `element_bytes`-sized pieces, piece i at address + i * stride_bytes.
// data_length must be a multiple of element_bytes and stride_bytes >=
// element_bytes; otherwise the target answers TLM_BURST_ERROR_RESPONSE.
// Without this extension a transaction is one contiguous burst.
struct StrideExtension : tlm::tlm_extension<StrideExtension> {
  std::uint32_t element_bytes = 0;
  std::uint64_t stride_bytes = 0;

  StrideExtension() = default;
  StrideExtension(std::uint32_t element, std::uint64_t stride) : element_bytes(element), stride_bytes(stride) {}
  tlm::tlm_extension_base* clone() const override { return new StrideExtension(*this); }
  void copy_from(const tlm::tlm_extension_base& other) override {
    *this = static_cast<const StrideExtension&>(other);
  }
};

}  // namespace pimlab::tlm_hbm
