// One channel's PIM program: what a compiler emits for a Pimba-family channel
// and what the TLM PIM path only carries (tlm/hbm/pim_path.h). SystemC-free.
//
// Two levels that refer to each other:
//  - `stream`: the channel-level command stream the channel engine times
//    (REFRESH_BARRIER, ACT4_WITH_REG_n, COMP, PRECHARGE_WITH_RESULT_r, ...);
//  - `rows` and `ops`: what each stream command does to the data — which bank
//    rows it opens or closes, and which unit commands (pim_unit/isa.h) each
//    PIM unit receives, `offset` cycles plus `col_slots` column accesses after
//    the stream command issues. Column accesses are converted with the timing
//    of the channel that runs the program (max(nBL, nCCD_L)), so one program
//    runs on any preset of the family.
//
// Text form (one item per line; `#` starts a comment; the stream commands in
// order, their index is their position):
//   pimlab-pim-program 1 pimba
//   cmd  <trace line of the command>            e.g. "cmd act4_with_reg_16 0 1"
//   row  <step> <pch> <bank_group> <bank> <row> (row -1 closes the bank)
//   op   <step> <offset> <col_slots> <pch> <bank_group> <pair> <OP> <bank> <idx> [<64 hex digits of wdata>]
// where OP is the unit opcode's name (NOP, COMP, REG_WR, RESULT, CLEAR,
// CFG_WR) or its number 0..7; wdata is written when any byte is non-zero.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "pim/command.h"
#include "pim_unit/isa.h"

namespace pimlab::firmware::pimba {

// Opens (row >= 0) or closes (row = -1) one bank when stream command `step` issues.
struct RowOp {
  std::uint32_t step = 0;
  std::uint8_t pch = 0, bank_group = 0, bank = 0;
  std::int32_t row = -1;
};

// One command to the PIM unit of bank pair `pair` (banks 2*pair, 2*pair+1 of
// the bank group), issued `offset` cycles plus `col_slots` column accesses
// after stream command `step`.
struct UnitOp {
  std::uint32_t step = 0;
  std::uint32_t offset = 0;
  std::uint8_t pch = 0, bank_group = 0, pair = 0;
  pim_unit::Command cmd;
  std::uint32_t col_slots = 0;
};

struct ChannelProgram {
  std::vector<pim::Command> stream;
  std::vector<RowOp> rows;
  std::vector<UnitOp> ops;
};

void write_program(std::ostream& os, const ChannelProgram& p);
// Throws std::invalid_argument "<source>:<line>: <what>" for malformed input
// (unknown item, missing or extra fields, out-of-range values, a step that
// names no stream command).
ChannelProgram read_program(std::istream& is, const std::string& source);

}  // namespace pimlab::firmware::pimba
