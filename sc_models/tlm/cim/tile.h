// TLM-2.0 loosely-timed target of one UCLM CIM tile (docs/cim.md "TLM shell"):
// a thin shell over the pure C++ core (cim::Chip with one tile: cores_per_tile
// cores x uclms_per_core UCLMs). The memory map (target addresses, R = the
// array region's size, next power of two of UCLMs x array_rows x array_cols):
//
//   [0, R)          array rows: byte (g, r, c) at g W + r array_cols + c, one
//                   INT8 weight per byte, W = array_rows x array_cols, UCLM
//                   g = core x uclms_per_core + u. A write is one SRAM row
//                   write per (UCLM, row) it touches (core write model: 1
//                   cycle per UCLM, all bit-planes); a read returns the stored
//                   weights (debug path, untimed).
//   [R, 2R)         array columns (transposed, K^T): byte (g, c, r) at
//                   R + g W + c array_rows + r; a write is one column write
//                   per (UCLM, column) it touches; reads as above.
//   [2R, 2R + B)    input/output buffer of buffer_bytes (untimed staging SRAM).
//   [3R, 3R + 256)  command registers, 32-bit little-endian, accessed one
//                   register (4 bytes, aligned) per transaction (tile.h
//                   Reg below). Writing 1 to GO runs the command described by
//                   the registers: the write's annotated delay covers the
//                   operation (as the HBM channel's PIM kernels), STATUS and
//                   the cycle registers tell the outcome.
//
// Commands: MVM (INT8 or UINT8 input from the buffer over a group of
// row_blocks x col_blocks UCLMs of one core, int32 sums to the buffer; the
// VFU adds row-block partial sums) and SOFTMAX (an int32 score row from the
// buffer, optional mask and scale, over `cores` consecutive cores with one LUT
// UCLM each in lookup mode; UINT8 or UQ0.16 probabilities to the buffer). An
// attention row is MVM (q K^T) + SOFTMAX (scale) + MVM (P V, UINT8 input).
//
// Errors (nothing is touched, no time added): an address outside every
// region or in a register hole -> ADDRESS_ERROR; a register access that is
// not 4 aligned bytes, a streaming burst -> BURST_ERROR; byte enables ->
// BYTE_ENABLE_ERROR; IGNORE, a write to a read-only register or a read of GO
// -> COMMAND_ERROR; GO with bad operands -> GENERIC_ERROR (STATUS = error,
// ERROR = the code). DMI is refused (it would bypass timing and stats);
// transport_dbg moves array and buffer bytes and reads registers, untimed.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include "cim/chip.h"
#include "cim/config.h"
#include "tlm/common/stats.h"

namespace pimlab::tlm_cim {

// Command register offsets in the command region (bytes).
enum Reg : std::uint32_t {
  kOpcode = 0x00,     // RW: 1 = MVM, 2 = SOFTMAX
  kCore = 0x04,       // RW: first core
  kUclm = 0x08,       // RW: MVM: first UCLM of the group; SOFTMAX: the LUT UCLM of every core
  kRowBlocks = 0x0C,  // RW: MVM: row blocks; SOFTMAX: cores
  kColBlocks = 0x10,  // RW: MVM: column blocks
  kLength = 0x14,     // RW: MVM: input entries K (<= row_blocks x array_rows); SOFTMAX: L
  kSrc = 0x18,        // RW: buffer offset of the input
  kDst = 0x1C,        // RW: buffer offset of the output
  kFlags = 0x20,      // RW: bit 0 UINT8 input (MVM); bit 1 UQ0.16 output, bit 2 mask, bit 3 scale (SOFTMAX)
  kMask = 0x24,       // RW: buffer offset of the mask (L bytes, non-zero = masked)
  kScaleM = 0x28,     // RW: score multiplier (int32)
  kScaleSh = 0x2C,    // RW: score shift, 0..62: x = (S M + 2^(sh-1)) >> sh
  kGo = 0x30,         // WO: write 1 to run
  kStatus = 0x34,     // RO: 0 none yet, 1 done, 2 rejected
  kError = 0x38,      // RO: ErrorCode of the last rejection
  kCycles = 0x3C,     // RO: cycles of the last command (arrival to completion)
  kDoneLo = 0x40,     // RO: completion cycle of the last command, low word
  kDoneHi = 0x44,     // RO: high word
  kCommands = 0x48,   // RO: commands run
};
constexpr std::uint32_t kRegBytes = 0x100;
enum Opcode : std::uint32_t { kOpMvm = 1, kOpSoftmax = 2 };
enum Flags : std::uint32_t { kFlagUint8 = 1, kFlagP16 = 2, kFlagMask = 4, kFlagScale = 8 };
enum Status : std::uint32_t { kStatusNone = 0, kStatusDone = 1, kStatusRejected = 2 };
enum ErrorCode : std::uint32_t {
  kErrNone = 0,
  kErrOpcode = 1,    // unknown opcode
  kErrCore = 2,      // core (or core + cores) outside the tile
  kErrUclm = 3,      // UCLM group outside the core
  kErrLength = 4,    // length 0, or more inputs than the group's rows, or fewer scores than cores
  kErrBuffer = 5,    // an operand span leaves the buffer
  kErrInput = 6,     // a scale shift > 62, or operands the core refuses (its message in the log)
};

struct TileLayout {
  std::uint64_t uclm_window = 0;  // W = array_rows x array_cols
  std::uint64_t region = 0;       // R
  std::uint64_t buffer_bytes = 0;
  std::uint64_t array_base() const { return 0; }
  std::uint64_t column_base() const { return region; }
  std::uint64_t buffer_base() const { return 2 * region; }
  std::uint64_t command_base() const { return 3 * region; }
  std::uint64_t size() const { return 4 * region; }  // the tile's address window
};
TileLayout layout_of(const cim::TileConfig& cfg, std::uint64_t buffer_bytes);

class CimTile : public sc_core::sc_module, public tlm_common::stats_provider {
 public:
  tlm_utils::simple_target_socket<CimTile> socket;

  // cfg.tiles is taken as 1 (this module is one tile); buffer_bytes in
  // [256, R]. Throws std::invalid_argument (the core's message) otherwise.
  CimTile(const sc_core::sc_module_name& name, const cim::TileConfig& cfg, const cim::EnergyConfig& energy = {},
          std::uint64_t buffer_bytes = 65536);

  const TileLayout& layout() const { return m_layout; }
  const cim::Chip& chip() const { return m_chip; }
  std::uint32_t reg(Reg r) const;
  sc_core::sc_time period() const { return m_period; }

  void collect_stats(tlm_common::StatsSink& sink) const override;
  void reset_stats() override;

 private:
  void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  unsigned int transport_dbg(tlm::tlm_generic_payload& gp);
  tlm::tlm_response_status validate(const tlm::tlm_generic_payload& gp, std::string& why) const;
  std::int64_t arrival_cycle(const sc_core::sc_time& local) const;
  // Array region access (rows or columns); returns the completion cycle.
  std::int64_t array_access(bool columns, std::uint64_t off, std::uint8_t* data, std::uint64_t n, bool write,
                            std::int64_t ready, bool timed);
  tlm::tlm_response_status reg_access(std::uint32_t off, std::uint8_t* data, bool write, std::int64_t arrival,
                                      std::int64_t& done, std::string& why);
  // Runs the command in the registers; returns kErrNone and the completion cycle.
  ErrorCode run_command(std::int64_t arrival, std::int64_t& done, std::string& why);
  ErrorCode run_mvm(std::int64_t arrival, std::int64_t& done, std::string& why);
  ErrorCode run_softmax(std::int64_t arrival, std::int64_t& done, std::string& why);
  bool in_buffer(std::uint64_t off, std::uint64_t n) const { return off <= m_buffer.size() && n <= m_buffer.size() - off; }

  cim::Chip m_chip;
  TileLayout m_layout;
  sc_core::sc_time m_period;
  std::vector<std::uint8_t> m_buffer;
  std::uint32_t m_regs[kRegBytes / 4] = {};

  std::uint64_t s_array_writes = 0, s_array_reads = 0, s_row_writes = 0, s_col_writes = 0;
  std::uint64_t s_buffer_bytes_written = 0, s_buffer_bytes_read = 0, s_reg_accesses = 0;
  std::uint64_t s_mvm_commands = 0, s_softmax_commands = 0, s_rejected = 0, s_command_cycles = 0;
  tlm_common::ResponseErrors s_errors;
  cim::ChipStats m_base;  // chip stats at the last reset
  double m_base_energy = 0;
};

}  // namespace pimlab::tlm_cim
