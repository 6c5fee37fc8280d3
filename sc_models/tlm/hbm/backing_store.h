// Sparse, page-granular byte store behind a memory model: only pages that were
// written hold memory; unwritten bytes read as zero. Pure C++.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <unordered_map>

namespace pimlab::tlm_hbm {

class BackingStore {
 public:
  // page_bytes must be a power of two.
  BackingStore(std::uint64_t capacity_bytes, std::uint32_t page_bytes);

  std::uint64_t capacity() const { return m_capacity; }
  std::uint32_t page_bytes() const { return m_page; }
  // Pages that hold memory (were written at least once).
  std::size_t resident_pages() const { return m_pages.size(); }

  // Copies [addr, addr+n) out / in; the caller checks the range.
  void read(std::uint64_t addr, std::uint8_t* out, std::uint64_t n) const;
  void write(std::uint64_t addr, const std::uint8_t* in, std::uint64_t n);
  // Masked copies: byte i moves only if be[i % be_len] == 0xFF.
  void read_masked(std::uint64_t addr, std::uint8_t* out, std::uint64_t n, const std::uint8_t* be,
                   std::uint32_t be_len) const;
  void write_masked(std::uint64_t addr, const std::uint8_t* in, std::uint64_t n, const std::uint8_t* be,
                    std::uint32_t be_len);

  // The page holding `addr`, allocated (zeroed) on first use; for in-place
  // compute on a row (the PIM unit) without copying.
  std::uint8_t* page_for_write(std::uint64_t addr);
  // nullptr when the page was never written (its bytes are all zero).
  const std::uint8_t* page_if_present(std::uint64_t addr) const;

 private:
  std::uint64_t m_capacity;
  std::uint32_t m_page;
  unsigned m_shift;
  std::unordered_map<std::uint64_t, std::unique_ptr<std::uint8_t[]>> m_pages;
};

}  // namespace pimlab::tlm_hbm
