#include "tlm/noc/address_map.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <limits>
#include <stdexcept>

namespace pimlab::tlm_noc {

std::string hex(std::uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

namespace {

[[noreturn]] void bad(const std::string& key, const std::string& value, const std::string& allowed) {
  throw std::invalid_argument("config key '" + key + "': value " + value + " is not allowed; allowed: " + allowed);
}

std::uint64_t read_u64(const nlohmann::json& j, const std::string& key) {
  const char* allowed = "an unsigned integer, or a string with a hexadecimal (\"0x...\") or decimal integer";
  if (j.is_number_unsigned()) return j.get<std::uint64_t>();
  if (j.is_number_integer()) {
    if (j.get<std::int64_t>() < 0) bad(key, j.dump(), allowed);
    return static_cast<std::uint64_t>(j.get<std::int64_t>());
  }
  if (j.is_string()) {
    const std::string s = j.get<std::string>();
    const bool is_hex = s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
    const std::string digits = is_hex ? s.substr(2) : s;
    if (digits.empty() || digits.size() > (is_hex ? 16u : 20u)) bad(key, j.dump(), allowed);
    for (char c : digits)
      if (!(is_hex ? std::isxdigit(static_cast<unsigned char>(c)) : std::isdigit(static_cast<unsigned char>(c))))
        bad(key, j.dump(), allowed);
    try {
      std::size_t used = 0;
      const unsigned long long v = std::stoull(digits, &used, is_hex ? 16 : 10);
      if (used != digits.size()) bad(key, j.dump(), allowed);
      return v;
    } catch (const std::out_of_range&) {
      bad(key, j.dump(), allowed);
    }
  }
  bad(key, j.dump(), allowed);
}

std::string interval(const AddressRange& r) { return "[" + hex(r.base) + ", " + hex(r.last()) + "]"; }

}  // namespace

AddressMap AddressMap::from_json(const nlohmann::json& doc, const std::string& key, unsigned ports) {
  if (!doc.is_array())
    bad(key, doc.dump(), "an array of {\"base\", \"size\", \"port\", \"offset\" (optional)} objects");
  std::vector<AddressRange> ranges;
  for (std::size_t i = 0; i < doc.size(); ++i) {
    const std::string k = key + "[" + std::to_string(i) + "]";
    const nlohmann::json& e = doc[i];
    if (!e.is_object()) bad(k, e.dump(), "an object {\"base\", \"size\", \"port\", \"offset\" (optional)}");
    for (auto it = e.begin(); it != e.end(); ++it)
      if (it.key() != "base" && it.key() != "size" && it.key() != "port" && it.key() != "offset")
        throw std::invalid_argument("config key '" + k + "." + it.key() + "': unknown key (value " +
                                    it.value().dump() + "); allowed keys: base, size, port, offset");
    for (const char* f : {"base", "size", "port"})
      if (!e.contains(f))
        throw std::invalid_argument("config key '" + k + "." + f + "': missing (range " + e.dump() +
                                    "); every range needs base, size and port");
    AddressRange r;
    r.index = i;
    r.base = read_u64(e["base"], k + ".base");
    r.size = read_u64(e["size"], k + ".size");
    const std::uint64_t port = read_u64(e["port"], k + ".port");
    if (port >= ports) bad(k + ".port", e["port"].dump(), "a port index in [0, " + std::to_string(ports) + ")");
    r.port = static_cast<unsigned>(port);
    if (e.contains("offset")) r.offset = read_u64(e["offset"], k + ".offset");
    ranges.push_back(r);
  }
  return AddressMap(std::move(ranges), key, ports);
}

AddressMap::AddressMap(std::vector<AddressRange> ranges, const std::string& key, unsigned ports)
    : m_ranges(std::move(ranges)) {
  constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();
  for (const AddressRange& r : m_ranges) {
    if (r.size != 0 && r.size - 1 <= kMax - r.base && r.size - 1 <= kMax - r.offset && r.port < ports) continue;
    const std::string k = key + "[" + std::to_string(r.index) + "]";
    if (r.size == 0) bad(k + ".size", "0", "an integer > 0 (an empty range maps nothing)");
    if (r.size - 1 > kMax - r.base)
      bad(k + ".size", std::to_string(r.size),
          "at most 2^64 - base = " + std::to_string(kMax - r.base) + " + 1 (the range must end within 64-bit addresses)");
    if (r.size - 1 > kMax - r.offset)
      bad(k + ".offset", std::to_string(r.offset), "at most 2^64 - size (the translated range must fit in 64 bits)");
    if (r.port >= ports) bad(k + ".port", std::to_string(r.port), "a port index in [0, " + std::to_string(ports) + ")");
  }
  // Ranges given in strictly increasing order (a generated map) are sorted
  // already; std::sort would leave them as they are.
  const auto by_base = [](const AddressRange& a, const AddressRange& b) { return a.base < b.base; };
  const bool strictly_increasing =
      std::adjacent_find(m_ranges.begin(), m_ranges.end(),
                         [](const AddressRange& a, const AddressRange& b) { return a.base >= b.base; }) == m_ranges.end();
  if (!strictly_increasing) std::sort(m_ranges.begin(), m_ranges.end(), by_base);
  for (std::size_t i = 1; i < m_ranges.size(); ++i) {
    const AddressRange& a = m_ranges[i - 1];
    const AddressRange& b = m_ranges[i];
    if (b.base <= a.last()) {
      // Name the range that comes later in the document.
      const AddressRange& late = a.index > b.index ? a : b;
      const AddressRange& early = a.index > b.index ? b : a;
      bad(key + "[" + std::to_string(late.index) + "].base", std::to_string(late.base) + " (" + interval(late) + ")",
          "a range that does not overlap " + key + "[" + std::to_string(early.index) + "] = " + interval(early));
    }
  }
  // Equal sizes, each range starting where the previous one ends.
  bool uniform = !m_ranges.empty();
  for (std::size_t i = 1; uniform && i < m_ranges.size(); ++i)
    uniform = m_ranges[i].size == m_ranges[0].size && m_ranges[i].base - m_ranges[i - 1].base == m_ranges[0].size;
  m_uniform = uniform ? m_ranges[0].size : 0;
}

const AddressRange* AddressMap::find(std::uint64_t addr) const {
  if (m_uniform) {
    const AddressRange& first = m_ranges.front();
    if (addr < first.base) return nullptr;
    const std::uint64_t i = (addr - first.base) / m_uniform;
    return i < m_ranges.size() ? &m_ranges[static_cast<std::size_t>(i)] : nullptr;
  }
  auto it = std::upper_bound(m_ranges.begin(), m_ranges.end(), addr,
                             [](std::uint64_t a, const AddressRange& r) { return a < r.base; });
  if (it == m_ranges.begin()) return nullptr;
  --it;
  return it->contains(addr) ? &*it : nullptr;
}

void AddressMap::hole(std::uint64_t addr, std::uint64_t& first, std::uint64_t& last) const {
  first = 0;
  last = std::numeric_limits<std::uint64_t>::max();
  for (const AddressRange& r : m_ranges) {
    if (r.last() < addr) first = std::max(first, r.last() + 1);
    if (r.base > addr) last = std::min(last, r.base - 1);
  }
}

nlohmann::json AddressMap::to_json() const {
  std::vector<const AddressRange*> order;
  for (const AddressRange& r : m_ranges) order.push_back(&r);
  std::sort(order.begin(), order.end(), [](const AddressRange* a, const AddressRange* b) { return a->index < b->index; });
  nlohmann::json out = nlohmann::json::array();
  for (const AddressRange* r : order)
    out.push_back({{"base", r->base}, {"size", r->size}, {"port", r->port}, {"offset", r->offset}});
  return out;
}

}  // namespace pimlab::tlm_noc
