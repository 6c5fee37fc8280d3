// Generic-payload extensions understood by the HBM channel target.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include <systemc>
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

// A contiguous transaction as consecutive segments that complete on their
// own (a DMA's several transfers to one channel issued together, carried by
// one initiator thread): segment i is the data bytes [ends[i-1], ends[i])
// (ends[-1] = 0). With the queued front end each segment enters the
// controller as its own request, all at the transaction's arrival and in
// order, exactly as separate transactions arriving in that cycle would; when
// a segment's last atom completes, the channel calls on_done(i, t) with its
// completion time t (from its controller thread, at or before t: the
// callback must not wait). The transaction returns when every segment is
// done. The immediate front end times the transaction as one and calls
// on_done for every segment with its end. `ends` must increase and end at
// data_length, and the transaction must not be strided; otherwise the
// channel answers TLM_BURST_ERROR_RESPONSE.
struct SegmentExtension : tlm::tlm_extension<SegmentExtension> {
  std::vector<std::uint64_t> ends;
  std::function<void(std::size_t, const sc_core::sc_time&)> on_done;

  tlm::tlm_extension_base* clone() const override { return new SegmentExtension(*this); }
  void copy_from(const tlm::tlm_extension_base& other) override {
    *this = static_cast<const SegmentExtension&>(other);
  }
};

}  // namespace pimlab::tlm_hbm
