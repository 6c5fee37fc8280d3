#include "tlm/hbm/backing_store.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace pimlab::tlm_hbm {

BackingStore::BackingStore(std::uint64_t capacity_bytes, std::uint32_t page_bytes)
    : m_capacity(capacity_bytes), m_page(page_bytes), m_shift(0) {
  if (page_bytes == 0 || (page_bytes & (page_bytes - 1)) != 0)
    throw std::invalid_argument("backing store: page_bytes " + std::to_string(page_bytes) +
                                " is not allowed; allowed: a power of two");
  while ((1u << m_shift) != page_bytes) ++m_shift;
}

std::uint8_t* BackingStore::page_for_write(std::uint64_t addr) {
  auto& p = m_pages[addr >> m_shift];
  if (!p) p.reset(new std::uint8_t[m_page]());
  return p.get();
}

const std::uint8_t* BackingStore::page_if_present(std::uint64_t addr) const {
  auto it = m_pages.find(addr >> m_shift);
  return it == m_pages.end() ? nullptr : it->second.get();
}

void BackingStore::read(std::uint64_t addr, std::uint8_t* out, std::uint64_t n) const {
  while (n > 0) {
    const std::uint64_t off = addr & (m_page - 1);
    const std::uint64_t len = std::min<std::uint64_t>(n, m_page - off);
    if (const std::uint8_t* p = page_if_present(addr))
      std::memcpy(out, p + off, len);
    else
      std::memset(out, 0, len);
    addr += len, out += len, n -= len;
  }
}

void BackingStore::write(std::uint64_t addr, const std::uint8_t* in, std::uint64_t n) {
  while (n > 0) {
    const std::uint64_t off = addr & (m_page - 1);
    const std::uint64_t len = std::min<std::uint64_t>(n, m_page - off);
    std::memcpy(page_for_write(addr) + off, in, len);
    addr += len, in += len, n -= len;
  }
}

void BackingStore::read_masked(std::uint64_t addr, std::uint8_t* out, std::uint64_t n, const std::uint8_t* be,
                               std::uint32_t be_len) const {
  for (std::uint64_t i = 0; i < n; ++i) {
    if (be[i % be_len] != 0xFF) continue;
    const std::uint8_t* p = page_if_present(addr + i);
    out[i] = p ? p[(addr + i) & (m_page - 1)] : 0;
  }
}

void BackingStore::write_masked(std::uint64_t addr, const std::uint8_t* in, std::uint64_t n, const std::uint8_t* be,
                                std::uint32_t be_len) {
  for (std::uint64_t i = 0; i < n; ++i) {
    if (be[i % be_len] != 0xFF) continue;
    page_for_write(addr + i)[(addr + i) & (m_page - 1)] = in[i];
  }
}

}  // namespace pimlab::tlm_hbm
