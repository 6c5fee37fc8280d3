#include "dram/address_map.h"

#include <sstream>
#include <stdexcept>

namespace pimlab::dram {

namespace {
const char* kNames[6] = {"ro", "ba", "bg", "pc", "ch", "co"};

int log2_exact(int v) {
  int b = 0;
  while ((1 << b) < v) ++b;
  return b;
}
}  // namespace

AddressMap::AddressMap(const Organization& org, const std::string& order) {
  std::vector<std::string> names;
  std::string cur;
  for (char c : order) {
    if (c == '_') {
      names.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  names.push_back(cur);
  init(org, names);
}

AddressMap::AddressMap(const Organization& org, const nlohmann::json& order) {
  if (order.is_string()) {
    *this = AddressMap(org, order.get<std::string>());
    return;
  }
  if (!order.is_array())
    throw std::invalid_argument("address mapping: value " + order.dump() + " is neither a string nor a list; allowed: e.g. \"ro_ba_bg_pc_ch_co\" or [\"ro\",\"ba\",\"bg\",\"pc\",\"ch\",\"co\"]");
  std::vector<std::string> names;
  for (const auto& e : order) {
    if (!e.is_string())
      throw std::invalid_argument("address mapping: element " + e.dump() + " is not a string; allowed: ro, ba, bg, pc, ch or co");
    names.push_back(e.get<std::string>());
  }
  init(org, names);
}

void AddressMap::init(const Organization& org, const std::vector<std::string>& names) {
  bool seen[6] = {false, false, false, false, false, false};
  for (const std::string& n : names) {
    int f = -1;
    for (int i = 0; i < 6; ++i)
      if (n == kNames[i]) f = i;
    if (f < 0) throw std::invalid_argument("address mapping: unknown field '" + n + "'; allowed: ro, ba, bg, pc, ch or co");
    if (seen[f]) throw std::invalid_argument("address mapping: field '" + n + "' appears twice; each of ro, ba, bg, pc, ch, co exactly once");
    seen[f] = true;
    m_msb_first.push_back(static_cast<Field>(f));
  }
  for (int i = 0; i < 6; ++i)
    if (!seen[i]) throw std::invalid_argument(std::string("address mapping: field '") + kNames[i] + "' is missing; each of ro, ba, bg, pc, ch, co exactly once");
  const int counts[6] = {org.rows, org.banks_per_group, org.bank_groups, org.pseudo_channels, org.channels, org.columns};
  for (int i = 0; i < 6; ++i) {
    m_bits[i] = log2_exact(counts[i]);
    m_mask[i] = (std::uint64_t{1} << m_bits[i]) - 1;
  }
  m_offset_bits = log2_exact(org.atom_bytes);
  int shift = m_offset_bits;
  for (auto it = m_msb_first.rbegin(); it != m_msb_first.rend(); ++it) {
    m_shift[static_cast<int>(*it)] = shift;
    shift += m_bits[static_cast<int>(*it)];
  }
  m_total_bits = shift;
  if (m_total_bits > 62) throw std::invalid_argument("address mapping: organisation needs " + std::to_string(m_total_bits) + " address bits; allowed: at most 62");
}

void AddressMap::throw_beyond(std::uint64_t a) const {
  std::ostringstream os;
  os << "address 0x" << std::hex << a << " is beyond the capacity of 0x" << capacity_bytes() << " bytes";
  throw std::invalid_argument(os.str());
}

std::uint64_t AddressMap::encode(const Address& a) const {
  auto put = [&](Field f, std::int32_t v) {
    const int i = static_cast<int>(f);
    return (static_cast<std::uint64_t>(v) & ((std::uint64_t{1} << m_bits[i]) - 1)) << m_shift[i];
  };
  return put(Field::Row, idx(a.row)) | put(Field::Bank, idx(a.bank)) | put(Field::BankGroup, idx(a.bg)) |
         put(Field::PseudoChannel, idx(a.pch)) | put(Field::Channel, idx(a.ch)) | put(Field::Column, idx(a.col));
}

std::string AddressMap::order_string() const {
  std::string s;
  for (Field f : m_msb_first) s += (s.empty() ? "" : "_") + std::string(kNames[static_cast<int>(f)]);
  return s;
}

}  // namespace pimlab::dram
