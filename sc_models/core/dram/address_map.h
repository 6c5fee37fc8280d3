// Configurable address mapping: a byte address is sliced into bit fields for
// row, bank, bank group, pseudo-channel, channel and column, in a given order.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "dram/spec.h"
#include "dram/types.h"

namespace pimlab::dram {

enum class Field : std::uint8_t { Row, Bank, BankGroup, PseudoChannel, Channel, Column };

class AddressMap {
 public:
  // `order` lists the six fields from the most to the least significant, as
  // "ro_ba_bg_pc_ch_co" (names ro, ba, bg, pc, ch, co, each exactly once) or as
  // a JSON list of those names. The log2(atom_bytes) lowest bits address bytes
  // within one atom. Throws std::invalid_argument naming the bad element.
  AddressMap(const Organization& org, const std::string& order);
  AddressMap(const Organization& org, const nlohmann::json& order);
  AddressMap(const Organization& org, const char* order) : AddressMap(org, std::string(order)) {}

  // Throws std::invalid_argument if the address lies beyond capacity_bytes().
  Address decode(std::uint64_t byte_address) const {
    if (byte_address >> m_total_bits) throw_beyond(byte_address);
    Address r;
    r.row = RowId{get(byte_address, Field::Row)};
    r.bank = BankId{get(byte_address, Field::Bank)};
    r.bg = BankGroupId{get(byte_address, Field::BankGroup)};
    r.pch = PchId{get(byte_address, Field::PseudoChannel)};
    r.ch = ChannelId{get(byte_address, Field::Channel)};
    r.col = ColumnId{get(byte_address, Field::Column)};
    return r;
  }
  std::uint64_t encode(const Address& a) const;  // byte address of the atom's first byte
  std::uint64_t capacity_bytes() const { return std::uint64_t{1} << m_total_bits; }
  std::string order_string() const;

 private:
  void init(const Organization& org, const std::vector<std::string>& names);
  [[noreturn]] void throw_beyond(std::uint64_t byte_address) const;
  std::int32_t get(std::uint64_t a, Field f) const {
    const int i = static_cast<int>(f);
    return static_cast<std::int32_t>((a >> m_shift[i]) & m_mask[i]);
  }
  std::vector<Field> m_msb_first;
  int m_bits[6] = {0, 0, 0, 0, 0, 0};
  int m_shift[6] = {0, 0, 0, 0, 0, 0};
  std::uint64_t m_mask[6] = {0, 0, 0, 0, 0, 0};  // (1 << m_bits) - 1
  int m_offset_bits = 0;
  int m_total_bits = 0;
};

}  // namespace pimlab::dram
