// Typed DRAM coordinates and time. No bare ints cross an interface: a bank
// group index cannot be passed where a bank index is expected.
#pragma once

#include <cstdint>
#include <limits>
#include <string>

namespace pimlab::dram {

// Time in tCK cycles of the device.
using Cycle = std::int64_t;
constexpr Cycle kNever = std::numeric_limits<Cycle>::max() / 4;

enum class ChannelId : std::int32_t {};
enum class PchId : std::int32_t {};        // pseudo-channel within the channel
enum class BankGroupId : std::int32_t {};  // bank group within the pseudo-channel
enum class BankId : std::int32_t {};       // bank within the bank group
enum class RowId : std::int32_t {};
enum class ColumnId : std::int32_t {};     // atom-sized column within the row

template <typename E>
constexpr std::int32_t idx(E e) {
  return static_cast<std::int32_t>(e);
}

struct Address {
  ChannelId ch{};
  PchId pch{};
  BankGroupId bg{};
  BankId bank{};
  RowId row{};
  ColumnId col{};
  bool operator==(const Address& o) const {
    return ch == o.ch && pch == o.pch && bg == o.bg && bank == o.bank && row == o.row && col == o.col;
  }
};

std::string to_string(const Address& a);

}  // namespace pimlab::dram
