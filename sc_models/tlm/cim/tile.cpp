#include "tlm/cim/tile.h"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>

#include "cim/softmax.h"
#include "tlm/common/log.h"

namespace pimlab::tlm_cim {

namespace {

cim::TileConfig one_tile(cim::TileConfig cfg) {
  cfg.tiles = 1;
  return cfg;
}

std::uint64_t pow2_at_least(std::uint64_t v) {
  std::uint64_t p = 1;
  while (p < v) p <<= 1;
  return p;
}

std::uint64_t ps_of(const sc_core::sc_time& t) {
  return static_cast<std::uint64_t>(t.value() / sc_core::sc_time(1, sc_core::SC_PS).value());
}

std::uint32_t load32(const std::uint8_t* p) {
  return static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8 |
         static_cast<std::uint32_t>(p[2]) << 16 | static_cast<std::uint32_t>(p[3]) << 24;
}
void store32(std::uint8_t* p, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}

std::string hex(std::uint64_t v) {
  std::ostringstream os;
  os << "0x" << std::hex << v;
  return os.str();
}

bool read_only(std::uint32_t off) { return off >= kStatus && off <= kCommands; }

}  // namespace

TileLayout layout_of(const cim::TileConfig& cfg, std::uint64_t buffer_bytes) {
  TileLayout l;
  l.uclm_window = static_cast<std::uint64_t>(cfg.array_rows) * static_cast<std::uint64_t>(cfg.array_cols);
  const std::uint64_t uclms = static_cast<std::uint64_t>(cfg.cores_per_tile) * static_cast<std::uint64_t>(cfg.uclms_per_core);
  l.region = std::max<std::uint64_t>(pow2_at_least(uclms * l.uclm_window), kRegBytes);
  l.buffer_bytes = buffer_bytes;
  return l;
}

CimTile::CimTile(const sc_core::sc_module_name& name, const cim::TileConfig& cfg, const cim::EnergyConfig& energy,
                 std::uint64_t buffer_bytes)
    : sc_module(name), socket("socket"), m_chip(one_tile(cfg), energy), m_layout(layout_of(cfg, buffer_bytes)) {
  if (buffer_bytes < 256 || buffer_bytes > m_layout.region)
    throw std::invalid_argument("buffer_bytes " + std::to_string(buffer_bytes) + " is out of range [256, " +
                                std::to_string(m_layout.region) + "] (the array region of this tile)");
  const double period_ps = 1000.0 / cfg.clock_ghz;
  if (std::fabs(period_ps - std::round(period_ps)) > 1e-9 || std::round(period_ps) < 1)
    throw std::invalid_argument("clock_ghz " + std::to_string(cfg.clock_ghz) +
                                " is not allowed in the TLM shell; allowed: a clock whose period is an integer number of ps");
  m_period = sc_core::sc_time(std::round(period_ps), sc_core::SC_PS);
  m_buffer.assign(static_cast<std::size_t>(buffer_bytes), 0);
  socket.register_b_transport(this, &CimTile::b_transport);
  socket.register_transport_dbg(this, &CimTile::transport_dbg);
}

std::uint32_t CimTile::reg(Reg r) const { return m_regs[r / 4]; }

std::int64_t CimTile::arrival_cycle(const sc_core::sc_time& local) const {
  const std::uint64_t p = ps_of(m_period);
  return static_cast<std::int64_t>((ps_of(local) + p - 1) / p);
}

tlm::tlm_response_status CimTile::validate(const tlm::tlm_generic_payload& gp, std::string& why) const {
  const std::uint64_t addr = gp.get_address();
  const std::uint64_t len = gp.get_data_length();
  const TileLayout& l = m_layout;
  const std::uint64_t arrays = static_cast<std::uint64_t>(m_chip.config().uclms()) * l.uclm_window;
  // The region holding the first byte, and its end.
  std::uint64_t base = 0, size = 0;
  if (addr < arrays) base = l.array_base(), size = arrays;
  else if (addr >= l.column_base() && addr - l.column_base() < arrays) base = l.column_base(), size = arrays;
  else if (addr >= l.buffer_base() && addr - l.buffer_base() < l.buffer_bytes) base = l.buffer_base(), size = l.buffer_bytes;
  else if (addr >= l.command_base() && addr - l.command_base() <= kCommands) base = l.command_base(), size = kCommands + 4;
  if (size == 0 || len > size - (addr - base)) {
    why = "address range [" + hex(addr) + ", +" + std::to_string(len) + ") lies in no region of the tile";
    return tlm::TLM_ADDRESS_ERROR_RESPONSE;
  }
  if (len == 0) {
    why = "data_length 0";
    return tlm::TLM_BURST_ERROR_RESPONSE;
  }
  if (gp.get_streaming_width() < len) {
    why = "streaming_width " + std::to_string(gp.get_streaming_width()) + " < data_length " + std::to_string(len) +
          " (streaming bursts are not supported)";
    return tlm::TLM_BURST_ERROR_RESPONSE;
  }
  if (base == l.command_base() && (len != 4 || addr % 4 != 0)) {
    why = "register access of " + std::to_string(len) + " bytes at offset " + std::to_string(addr - base) +
          " (allowed: 4 bytes, 4-byte aligned)";
    return tlm::TLM_BURST_ERROR_RESPONSE;
  }
  if (gp.get_byte_enable_ptr()) {
    why = "byte enables are not supported by the tile";
    return tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE;
  }
  if (gp.get_command() != tlm::TLM_READ_COMMAND && gp.get_command() != tlm::TLM_WRITE_COMMAND) {
    why = "command TLM_IGNORE_COMMAND (allowed: TLM_READ_COMMAND, TLM_WRITE_COMMAND)";
    return tlm::TLM_COMMAND_ERROR_RESPONSE;
  }
  if (gp.get_data_ptr() == nullptr) {
    why = "data pointer is null";
    return tlm::TLM_GENERIC_ERROR_RESPONSE;
  }
  if (base == l.command_base()) {
    const std::uint32_t off = static_cast<std::uint32_t>(addr - base);
    if (gp.is_write() && read_only(off)) {
      why = "write to the read-only register at offset " + std::to_string(off);
      return tlm::TLM_COMMAND_ERROR_RESPONSE;
    }
    if (gp.is_read() && off == kGo) {
      why = "read of the write-only register GO";
      return tlm::TLM_COMMAND_ERROR_RESPONSE;
    }
  }
  return tlm::TLM_OK_RESPONSE;
}

std::int64_t CimTile::array_access(bool columns, std::uint64_t off, std::uint8_t* data, std::uint64_t n, bool write,
                                   std::int64_t ready, bool timed) {
  const cim::TileConfig& cfg = m_chip.config();
  const std::uint64_t W = m_layout.uclm_window;
  // Rows (or columns) are lines of `line` bytes; each touched line is one write.
  const std::uint64_t line = columns ? static_cast<std::uint64_t>(cfg.array_rows) : static_cast<std::uint64_t>(cfg.array_cols);
  std::int64_t done = ready;
  std::vector<std::int8_t> buf(static_cast<std::size_t>(line));
  std::uint64_t a = off;
  const std::uint64_t end = off + n;
  while (a < end) {
    const std::uint64_t g = a / W, in = a % W, l = in / line, first = in % line;
    const std::uint64_t take = std::min(line - first, end - a);
    const int core = static_cast<int>(g / static_cast<std::uint64_t>(cfg.uclms_per_core));
    const int u = static_cast<int>(g % static_cast<std::uint64_t>(cfg.uclms_per_core));
    cim::Uclm& arr = m_chip.uclm(core, u);
    for (std::uint64_t k = 0; k < line; ++k) {
      const int r = columns ? static_cast<int>(k) : static_cast<int>(l);
      const int c = columns ? static_cast<int>(l) : static_cast<int>(k);
      buf[k] = arr.weight(r, c);
    }
    std::uint8_t* p = data + (a - off);
    if (write) {
      for (std::uint64_t k = 0; k < take; ++k) buf[first + k] = static_cast<std::int8_t>(p[k]);
      if (timed) {
        done = std::max(done, columns ? m_chip.write_col(core, u, static_cast<int>(l), buf.data(), static_cast<int>(line), ready)
                                      : m_chip.write_row(core, u, static_cast<int>(l), buf.data(), static_cast<int>(line), ready));
        ++(columns ? s_col_writes : s_row_writes);
      } else if (columns) {
        arr.write_col(static_cast<int>(l), buf.data(), static_cast<int>(line));
      } else {
        arr.write_row(static_cast<int>(l), buf.data(), static_cast<int>(line));
      }
    } else {
      for (std::uint64_t k = 0; k < take; ++k) p[k] = static_cast<std::uint8_t>(buf[first + k]);
    }
    a += take;
  }
  return done;
}

void CimTile::b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
  std::string why;
  tlm::tlm_response_status st = validate(gp, why);
  const sc_core::sc_time local = sc_core::sc_time_stamp() + delay;
  std::int64_t done = -1;
  if (st == tlm::TLM_OK_RESPONSE) {
    const std::uint64_t addr = gp.get_address(), len = gp.get_data_length();
    std::uint8_t* data = gp.get_data_ptr();
    const TileLayout& l = m_layout;
    const std::int64_t arrival = arrival_cycle(local);
    if (addr >= l.command_base()) {
      ++s_reg_accesses;
      st = reg_access(static_cast<std::uint32_t>(addr - l.command_base()), data, gp.is_write(), arrival, done, why);
    } else if (addr >= l.buffer_base()) {
      const std::size_t off = static_cast<std::size_t>(addr - l.buffer_base());
      if (gp.is_write()) {
        std::copy(data, data + len, m_buffer.begin() + static_cast<std::ptrdiff_t>(off));
        s_buffer_bytes_written += len;
      } else {
        std::copy(m_buffer.begin() + static_cast<std::ptrdiff_t>(off),
                  m_buffer.begin() + static_cast<std::ptrdiff_t>(off + len), data);
        s_buffer_bytes_read += len;
      }
    } else {
      const bool columns = addr >= l.column_base();
      const std::uint64_t off = addr - (columns ? l.column_base() : l.array_base());
      if (gp.is_write()) {
        done = array_access(columns, off, data, len, true, arrival, true);
        ++s_array_writes;
      } else {
        array_access(columns, off, data, len, false, arrival, false);
        ++s_array_reads;
      }
    }
  }
  if (st != tlm::TLM_OK_RESPONSE) {
    s_errors.count(st);
    PIMLAB_DEBUG(name()) << "rejected: " << why;
    gp.set_response_status(st);
    return;
  }
  // The delay covers the array writes or the command, up to their completion.
  if (done >= 0) {
    const sc_core::sc_time t_done = m_period * static_cast<double>(done);
    if (t_done > local) delay += t_done - local;
  }
  gp.set_response_status(tlm::TLM_OK_RESPONSE);
}

tlm::tlm_response_status CimTile::reg_access(std::uint32_t off, std::uint8_t* data, bool write, std::int64_t arrival,
                                             std::int64_t& done, std::string& why) {
  if (!write) {
    store32(data, m_regs[off / 4]);
    return tlm::TLM_OK_RESPONSE;
  }
  const std::uint32_t v = load32(data);
  if (off != kGo) {
    m_regs[off / 4] = v;
    return tlm::TLM_OK_RESPONSE;
  }
  if (v != 1) {
    why = "GO written with " + std::to_string(v) + " (allowed: 1)";
    m_regs[kStatus / 4] = kStatusRejected;
    m_regs[kError / 4] = kErrOpcode;
    ++s_rejected;
    return tlm::TLM_GENERIC_ERROR_RESPONSE;
  }
  ErrorCode e = kErrNone;
  try {
    e = run_command(arrival, done, why);
  } catch (const std::exception& ex) {  // operands the core refuses: an error response, never a crash
    why = ex.what();
    e = kErrInput;
  }
  m_regs[kError / 4] = e;
  if (e != kErrNone) {
    m_regs[kStatus / 4] = kStatusRejected;
    ++s_rejected;
    done = -1;
    return tlm::TLM_GENERIC_ERROR_RESPONSE;
  }
  m_regs[kStatus / 4] = kStatusDone;
  m_regs[kCycles / 4] = static_cast<std::uint32_t>(done - arrival);
  m_regs[kDoneLo / 4] = static_cast<std::uint32_t>(static_cast<std::uint64_t>(done));
  m_regs[kDoneHi / 4] = static_cast<std::uint32_t>(static_cast<std::uint64_t>(done) >> 32);
  ++m_regs[kCommands / 4];
  s_command_cycles += static_cast<std::uint64_t>(done - arrival);
  return tlm::TLM_OK_RESPONSE;
}

ErrorCode CimTile::run_command(std::int64_t arrival, std::int64_t& done, std::string& why) {
  switch (m_regs[kOpcode / 4]) {
    case kOpMvm: return run_mvm(arrival, done, why);
    case kOpSoftmax: return run_softmax(arrival, done, why);
    default:
      why = "opcode " + std::to_string(m_regs[kOpcode / 4]) + " (allowed: 1 MVM, 2 SOFTMAX)";
      return kErrOpcode;
  }
}

ErrorCode CimTile::run_mvm(std::int64_t arrival, std::int64_t& done, std::string& why) {
  const cim::TileConfig& cfg = m_chip.config();
  const std::uint64_t core = reg(kCore), u0 = reg(kUclm), rb = reg(kRowBlocks), cb = reg(kColBlocks);
  const std::uint64_t K = reg(kLength), src = reg(kSrc), dst = reg(kDst);
  const std::uint64_t rows = static_cast<std::uint64_t>(cfg.array_rows), cols = static_cast<std::uint64_t>(cfg.array_cols);
  if (core >= static_cast<std::uint64_t>(cfg.cores_per_tile)) {
    why = "MVM core " + std::to_string(core) + " outside [0, " + std::to_string(cfg.cores_per_tile - 1) + "]";
    return kErrCore;
  }
  if (rb < 1 || cb < 1 || u0 + rb * cb > static_cast<std::uint64_t>(cfg.uclms_per_core)) {
    why = "MVM group of " + std::to_string(rb) + " x " + std::to_string(cb) + " UCLMs from UCLM " + std::to_string(u0) +
          " (allowed: at least 1 x 1, ending within the core's " + std::to_string(cfg.uclms_per_core) + " UCLMs)";
    return kErrUclm;
  }
  if (K < 1 || K > rb * rows) {
    why = "MVM length " + std::to_string(K) + " (allowed: [1, row_blocks x array_rows = " + std::to_string(rb * rows) + "])";
    return kErrLength;
  }
  const std::uint64_t out_bytes = cb * cols * 4;
  if (!in_buffer(src, K) || !in_buffer(dst, out_bytes)) {
    why = "MVM operands [src " + std::to_string(src) + ", +" + std::to_string(K) + "), [dst " + std::to_string(dst) + ", +" +
          std::to_string(out_bytes) + ") leave the " + std::to_string(m_buffer.size()) + "-byte buffer";
    return kErrBuffer;
  }
  const bool u8 = (reg(kFlags) & kFlagUint8) != 0;
  std::vector<int> x(static_cast<std::size_t>(K));
  for (std::uint64_t i = 0; i < K; ++i)
    x[i] = u8 ? static_cast<int>(m_buffer[src + i]) : static_cast<int>(static_cast<std::int8_t>(m_buffer[src + i]));
  const cim::InputKind kind = u8 ? cim::InputKind::Uint8 : cim::InputKind::Int8;
  std::vector<std::uint32_t> y(static_cast<std::size_t>(cb * cols), 0);
  done = arrival;
  std::vector<std::int32_t> out;
  for (std::uint64_t c = 0; c < cb; ++c) {
    std::int64_t partials = arrival;
    for (std::uint64_t r = 0; r < rb; ++r) {
      const std::uint64_t r0 = std::min(K, r * rows), r1 = std::min(K, r0 + rows);
      std::vector<int> xs(x.begin() + static_cast<std::ptrdiff_t>(r0), x.begin() + static_cast<std::ptrdiff_t>(r1));
      const int u = static_cast<int>(u0 + r * cb + c);
      partials = std::max(partials, m_chip.mvm(static_cast<int>(core), u, xs, kind, arrival, out));
      for (std::uint64_t j = 0; j < cols; ++j) y[c * cols + j] += static_cast<std::uint32_t>(out[j]);  // int32 adds
    }
    // The VFU adds the row-block partial sums (row_blocks - 1 adds per element).
    if (rb > 1) partials = m_chip.vfu(static_cast<int>(core), static_cast<std::int64_t>(cols), static_cast<int>(rb - 1), partials);
    done = std::max(done, partials);
  }
  for (std::uint64_t j = 0; j < y.size(); ++j) store32(&m_buffer[dst + 4 * j], y[j]);
  ++s_mvm_commands;
  return kErrNone;
}

ErrorCode CimTile::run_softmax(std::int64_t arrival, std::int64_t& done, std::string& why) {
  const cim::TileConfig& cfg = m_chip.config();
  const std::uint64_t core = reg(kCore), lut = reg(kUclm), n = reg(kRowBlocks), L = reg(kLength);
  const std::uint64_t src = reg(kSrc), dst = reg(kDst), flags = reg(kFlags), mask_off = reg(kMask);
  if (n < 1 || core + n > static_cast<std::uint64_t>(cfg.cores_per_tile)) {
    why = "SOFTMAX on " + std::to_string(n) + " cores from core " + std::to_string(core) + " (allowed: at least 1, ending within the tile's " +
          std::to_string(cfg.cores_per_tile) + " cores)";
    return kErrCore;
  }
  if (lut >= static_cast<std::uint64_t>(cfg.uclms_per_core)) {
    why = "SOFTMAX LUT UCLM " + std::to_string(lut) + " outside [0, " + std::to_string(cfg.uclms_per_core - 1) + "]";
    return kErrUclm;
  }
  if (L < n) {
    why = "SOFTMAX length " + std::to_string(L) + " (allowed: at least the " + std::to_string(n) + " cores)";
    return kErrLength;
  }
  const bool p16 = (flags & kFlagP16) != 0, masked = (flags & kFlagMask) != 0, scaled = (flags & kFlagScale) != 0;
  const std::uint64_t out_bytes = L * (p16 ? 4 : 1);
  if (!in_buffer(src, 4 * L) || !in_buffer(dst, out_bytes) || (masked && !in_buffer(mask_off, L))) {
    why = "SOFTMAX operands (scores " + std::to_string(4 * L) + " bytes at " + std::to_string(src) + ", output " +
          std::to_string(out_bytes) + " at " + std::to_string(dst) + (masked ? ", mask at " + std::to_string(mask_off) : "") +
          ") leave the " + std::to_string(m_buffer.size()) + "-byte buffer";
    return kErrBuffer;
  }
  const std::int64_t M = static_cast<std::int32_t>(reg(kScaleM));
  const std::uint32_t sh = reg(kScaleSh);
  if (scaled && sh > 62) {
    why = "SOFTMAX scale shift " + std::to_string(sh) + " (allowed: [0, 62])";
    return kErrInput;
  }
  std::vector<std::int64_t> x(static_cast<std::size_t>(L));
  for (std::uint64_t i = 0; i < L; ++i) {
    const std::int64_t s = static_cast<std::int32_t>(load32(&m_buffer[src + 4 * i]));
    x[i] = !scaled ? s : sh == 0 ? s * M : (s * M + (std::int64_t{1} << (sh - 1))) >> sh;
  }
  std::vector<std::uint8_t> mask;
  if (masked) mask.assign(m_buffer.begin() + static_cast<std::ptrdiff_t>(mask_off),
                          m_buffer.begin() + static_cast<std::ptrdiff_t>(mask_off + L));
  std::vector<cim::SoftmaxCoreSlot> slots;
  std::int64_t ready = arrival;
  for (std::uint64_t k = 0; k < n; ++k) {
    slots.push_back({static_cast<int>(core + k), {static_cast<int>(lut)}});
    // The scale: one VFU op per vector of the core's slice.
    if (scaled) {
      const std::int64_t slice = static_cast<std::int64_t>(L / n + (k < L % n ? 1 : 0));
      ready = std::max(ready, m_chip.vfu(static_cast<int>(core + k), slice, 1, arrival));
    }
  }
  const cim::SoftmaxTimedRow r = cim::softmax_on_chip(m_chip, x, mask, slots, ready);
  for (std::uint64_t i = 0; i < L; ++i) {
    if (p16) store32(&m_buffer[dst + 4 * i], r.p16[i]);
    else m_buffer[dst + i] = r.u8[i];
  }
  done = r.end;
  ++s_softmax_commands;
  return kErrNone;
}

unsigned int CimTile::transport_dbg(tlm::tlm_generic_payload& gp) {
  const std::uint64_t addr = gp.get_address();
  const TileLayout& l = m_layout;
  const std::uint64_t arrays = static_cast<std::uint64_t>(m_chip.config().uclms()) * l.uclm_window;
  std::uint8_t* data = gp.get_data_ptr();
  if (gp.get_command() == tlm::TLM_IGNORE_COMMAND || data == nullptr) {
    gp.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
    return 0;
  }
  const bool write = gp.is_write();
  std::uint64_t n = gp.get_data_length();
  if (addr < arrays || (addr >= l.column_base() && addr - l.column_base() < arrays)) {
    const bool columns = addr >= l.column_base();
    const std::uint64_t off = addr - (columns ? l.column_base() : 0);
    n = std::min(n, arrays - off);
    array_access(columns, off, data, n, write, 0, false);
  } else if (addr >= l.buffer_base() && addr - l.buffer_base() < l.buffer_bytes) {
    const std::uint64_t off = addr - l.buffer_base();
    n = std::min(n, l.buffer_bytes - off);
    if (write) std::copy(data, data + n, m_buffer.begin() + static_cast<std::ptrdiff_t>(off));
    else std::copy(m_buffer.begin() + static_cast<std::ptrdiff_t>(off), m_buffer.begin() + static_cast<std::ptrdiff_t>(off + n), data);
  } else if (addr >= l.command_base() && addr - l.command_base() < kCommands + 4) {
    if (write) {  // a debug access never runs a command
      gp.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
      return 0;
    }
    const std::uint64_t off = addr - l.command_base();
    n = std::min<std::uint64_t>(n, kCommands + 4 - off);
    for (std::uint64_t i = 0; i < n; ++i) data[i] = static_cast<std::uint8_t>(m_regs[(off + i) / 4] >> (8 * ((off + i) % 4)));
  } else {
    gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return 0;
  }
  gp.set_response_status(tlm::TLM_OK_RESPONSE);
  return static_cast<unsigned int>(n);
}

void CimTile::collect_stats(tlm_common::StatsSink& s) const {
  const cim::ChipStats& c = m_chip.stats();
  s.add("array_write_transactions", s_array_writes, "transactions", "writes to the array regions (rows or columns)");
  s.add("array_read_transactions", s_array_reads, "transactions", "reads of the array regions (untimed debug path)");
  s.add("row_write_lines", s_row_writes, "rows", "SRAM row writes issued by array-row transactions (one per UCLM row touched)");
  s.add("col_write_lines", s_col_writes, "columns", "transposed column writes issued by array-column transactions");
  s.add("buffer_bytes_written", s_buffer_bytes_written, "bytes", "bytes written into the input/output buffer");
  s.add("buffer_bytes_read", s_buffer_bytes_read, "bytes", "bytes read from the input/output buffer");
  s.add("register_accesses", s_reg_accesses, "transactions", "command-register reads and writes");
  s.add("mvm_commands", s_mvm_commands, "commands", "MVM commands run");
  s.add("softmax_commands", s_softmax_commands, "commands", "SOFTMAX commands run");
  s.add("rejected_commands", s_rejected, "commands", "GO writes answered GENERIC_ERROR (bad operands)");
  s.add("command_cycles", s_command_cycles, "cycles", "arrival-to-completion cycles of the commands run, summed");
  s_errors.collect(s);
  c.since(m_base).collect(s);  // the core counters, described once (cim::ChipStats::collect)
  s.add("energy_pj", m_chip.energy_pj() - m_base_energy, "pJ", "MAC, ADC, write, lookup and VFU energy (cim::EnergyConfig)");
}

void CimTile::reset_stats() {
  s_array_writes = s_array_reads = s_row_writes = s_col_writes = 0;
  s_buffer_bytes_written = s_buffer_bytes_read = s_reg_accesses = 0;
  s_mvm_commands = s_softmax_commands = s_rejected = s_command_cycles = 0;
  s_errors.reset();
  m_base = m_chip.stats();
  m_base_energy = m_chip.energy_pj();
}

}  // namespace pimlab::tlm_cim
