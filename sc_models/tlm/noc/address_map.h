// Address map of the interconnect: a sorted set of non-overlapping ranges,
// each sending the addresses [base, base + size) to one output port, with an
// address translation (the target sees address - base + offset).
//
// Pure C++ (no SystemC): the router shell decodes with it, the platform builder
// and the tests read it from JSON with it.
//
// JSON form (the value of the router's `address_map` key): an array of objects
//   {"base": 0, "size": 1073741824, "port": 0, "offset": 0}
// `offset` is optional (default 0). Numbers are unsigned JSON integers or
// strings holding a hexadecimal ("0x40000000") or decimal integer. Errors
// (std::invalid_argument) name the key (`<key>[i].<field>`), the value and what
// is allowed: a missing or unknown field, a zero size, a range running past
// 2^64, a port that does not exist, a range overlapping another.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace pimlab::tlm_noc {

struct AddressRange {
  std::uint64_t base = 0;
  std::uint64_t size = 0;  // > 0
  unsigned port = 0;       // output (initiator-socket) index
  std::uint64_t offset = 0;  // target address of `base`
  std::size_t index = 0;   // position in the JSON array (for messages)

  std::uint64_t last() const { return base + (size - 1); }  // inclusive; never overflows
  bool contains(std::uint64_t a) const { return a >= base && a - base < size; }
  // Address seen by the target for router address `a` (a must be in range).
  std::uint64_t to_target(std::uint64_t a) const { return a - base + offset; }
  // Inclusive last target address of the range.
  std::uint64_t target_last() const { return offset + (size - 1); }
};

class AddressMap {
 public:
  AddressMap() = default;
  // Reads and validates `doc` (the JSON array); `key` prefixes the error
  // messages, `ports` is the number of output ports.
  static AddressMap from_json(const nlohmann::json& doc, const std::string& key, unsigned ports);
  // Validates and sorts; throws like from_json.
  explicit AddressMap(std::vector<AddressRange> ranges, const std::string& key = "address_map",
                      unsigned ports = ~0u);

  // The range holding `addr`, or nullptr.
  const AddressRange* find(std::uint64_t addr) const;
  // The largest unmapped interval [first, last] around an unmapped `addr`.
  void hole(std::uint64_t addr, std::uint64_t& first, std::uint64_t& last) const;

  const std::vector<AddressRange>& ranges() const { return m_ranges; }  // sorted by base
  nlohmann::json to_json() const;  // in the original order

 private:
  std::vector<AddressRange> m_ranges;
  // A map of equal-sized ranges that follow each other without gaps (e.g. a
  // generated channel interleave): find() computes the position, no search.
  std::uint64_t m_uniform = 0;  // their size, 0 = not such a map
};

std::string hex(std::uint64_t v);

}  // namespace pimlab::tlm_noc
