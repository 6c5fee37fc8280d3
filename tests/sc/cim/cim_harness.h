// Test bench of the CIM tile's TLM shell: a driver over the router test
// bench's Initiator (tests/sc/noc/noc_harness.h) that writes weights, stages
// operands, programs the command registers and reads results back, each
// transaction synchronised (wait for its annotated delay) so that simulated
// time is the initiator's time.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include <catch2/catch.hpp>
#include <systemc>

#include "noc_harness.h"
#include "tlm/cim/tile.h"

namespace pimlab::test {

struct CimDriver {
  Initiator& cpu;
  std::uint64_t base;       // router (or tile) address of the tile
  tlm_cim::TileLayout l;
  sc_core::sc_time last_delay;  // the last transaction's annotated delay

  tlm::tlm_response_status access(tlm::tlm_command cmd, std::uint64_t tile_addr, std::uint8_t* data, unsigned n) {
    sc_core::sc_time d = sc_core::SC_ZERO_TIME;
    const tlm::tlm_response_status st = cpu.transport(cmd, base + tile_addr, data, n, d);
    last_delay = d;
    sc_core::wait(d);
    return st;
  }
  void write(std::uint64_t tile_addr, std::vector<std::uint8_t> bytes) {
    REQUIRE(access(tlm::TLM_WRITE_COMMAND, tile_addr, bytes.data(), static_cast<unsigned>(bytes.size())) ==
            tlm::TLM_OK_RESPONSE);
  }
  std::vector<std::uint8_t> read(std::uint64_t tile_addr, unsigned n) {
    std::vector<std::uint8_t> v(n);
    REQUIRE(access(tlm::TLM_READ_COMMAND, tile_addr, v.data(), n) == tlm::TLM_OK_RESPONSE);
    return v;
  }
  tlm::tlm_response_status set(std::uint32_t reg, std::uint32_t v) {
    std::uint8_t b[4] = {static_cast<std::uint8_t>(v), static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v >> 16),
                         static_cast<std::uint8_t>(v >> 24)};
    return access(tlm::TLM_WRITE_COMMAND, l.command_base() + reg, b, 4);
  }
  std::uint32_t get(std::uint32_t reg) {
    std::uint8_t b[4] = {};
    REQUIRE(access(tlm::TLM_READ_COMMAND, l.command_base() + reg, b, 4) == tlm::TLM_OK_RESPONSE);
    return static_cast<std::uint32_t>(b[0]) | static_cast<std::uint32_t>(b[1]) << 8 | static_cast<std::uint32_t>(b[2]) << 16 |
           static_cast<std::uint32_t>(b[3]) << 24;
  }
  // Programs the registers (OPCODE .. SCALE_SH) and writes GO; returns GO's status.
  tlm::tlm_response_status command(std::uint32_t op, std::uint32_t core, std::uint32_t uclm, std::uint32_t rb,
                                   std::uint32_t cb, std::uint32_t len, std::uint32_t src, std::uint32_t dst,
                                   std::uint32_t flags = 0, std::uint32_t mask = 0, std::int32_t scale_m = 1,
                                   std::uint32_t scale_sh = 0) {
    const std::uint32_t v[] = {op, core, uclm, rb, cb, len, src, dst, flags, mask, static_cast<std::uint32_t>(scale_m), scale_sh};
    for (std::uint32_t i = 0; i < 12; ++i) REQUIRE(set(4 * i, v[i]) == tlm::TLM_OK_RESPONSE);
    return set(tlm_cim::kGo, 1);
  }
  // UCLM g's row r, column c in the row region / the column region.
  std::uint64_t row_addr(std::uint64_t g, int r, int c, int cols) const {
    return l.array_base() + g * l.uclm_window + static_cast<std::uint64_t>(r) * cols + c;
  }
  std::uint64_t col_addr(std::uint64_t g, int c, int r, int rows) const {
    return l.column_base() + g * l.uclm_window + static_cast<std::uint64_t>(c) * rows + r;
  }
};

inline std::vector<std::int8_t> seeded_int8(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 g(seed);
  std::vector<std::int8_t> v(n);
  for (auto& x : v) x = static_cast<std::int8_t>(static_cast<std::uint8_t>(g() >> 56));
  return v;
}

inline std::vector<std::uint8_t> le32(const std::vector<std::int32_t>& v) {
  std::vector<std::uint8_t> b(4 * v.size());
  for (std::size_t i = 0; i < v.size(); ++i)
    for (int k = 0; k < 4; ++k) b[4 * i + k] = static_cast<std::uint8_t>(static_cast<std::uint32_t>(v[i]) >> (8 * k));
  return b;
}
inline std::vector<std::int32_t> from_le32(const std::vector<std::uint8_t>& b) {
  std::vector<std::int32_t> v(b.size() / 4);
  for (std::size_t i = 0; i < v.size(); ++i) {
    std::uint32_t u = 0;
    for (int k = 0; k < 4; ++k) u |= static_cast<std::uint32_t>(b[4 * i + k]) << (8 * k);
    v[i] = static_cast<std::int32_t>(u);
  }
  return v;
}

}  // namespace pimlab::test
