// Lowering a Pimba-family kernel (firmware/pimba/generator.h) to one channel's
// PIM program (firmware/pimba/program.h, what the TLM PIM path carries): the
// data side of every stream command — which rows each ACT4 opens, which register writes, COMPs, result
// reads and clears each PIM unit receives and when.
//
// Data layout: the chunk a bank processes in round k of its pseudo-channel
// (index_in_pch = k) lives in row base_row + k of that bank, 32 atoms of one
// matrix row (SU: state row 32i + r, columns 32j..; SCORE/ATTEND: token
// 32j + t, dimensions 32i..). chunk_places() lists where each chunk is, so a
// loader can put the matrices there and read them back.
//
// Unit commands, per round of a pseudo-channel (offsets after the stream
// command; col = one column access of the channel that runs the program):
//   REFRESH_BARRIER        every unit: CFG_WR CTRL bank A (+0), bank B (+1)
//                          (mode of the op, rounding, register set 0);
//   ACT4[_WITH_REG_n]      opens the rows of the bank group's banks with work;
//                          the n register writes of its banks (bank order,
//                          SU first chunk of a block-row: K, GK, Q, V; later
//                          chunks of it: V; SCORE: Q; ATTEND: P) at
//                          +1, +1+col, ... (ACT4_WITH_REG_n), or one per
//                          REG_WRITE command (+0);
//   COMP #i                every bank with work: COMP bank i % 2, atom i / 2;
//   PRECHARGE[_WITH_RESULT_r] closes the rows; result read k reads group k % 4
//                          of bank k / 4 (+1 + k*col, or one per RESULT
//                          command, +0); one cycle after a bank's last result
//                          read, CLEAR of that bank (o_acc restarts at +0 for
//                          the next chunk).
// A bank without work in a (last, partial) round is neither opened nor
// computed on. Only MX8 variants (element width 1: "pimba") are supported:
// the unit computes on MX8 atoms.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <vector>

#include "firmware/pimba/generator.h"
#include "numerics/mx8.h"
#include "firmware/pimba/program.h"

namespace pimlab::firmware::pimba {

using Atom32 = std::array<std::uint8_t, 32>;

struct ChunkPlace {
  std::int32_t block_row = 0, block_col = 0;
  std::uint8_t pch = 0, bank_group = 0, bank = 0;
  std::int32_t row = 0;
  std::uint32_t round = 0;  // index into Program::rounds
};

// One RESULT read in the extension's result buffer (32 bytes each, in order):
// accumulators 8*group .. 8*group+7 of the chunk at `place`.
struct ResultRef {
  ChunkPlace place;
  int group = 0;
};

// The register slice a bank receives for its chunk: (slot, 32-byte MX8 atom).
using OperandSource = std::function<Atom32(const Round&, const BankWork&, pim_unit::Slot)>;

struct LoweredKernel {
  ChannelProgram program;          // stream + rows + ops of channel `ch`
  std::vector<ResultRef> results;  // what each 32-byte result slot holds
  std::size_t result_bytes() const { return 32 * results.size(); }
};

// Chunks of channel `ch` and where they live.
std::vector<ChunkPlace> chunk_places(const Program& p, int ch, int base_row);

// Throws std::invalid_argument for an unsupported program (element width not
// 1, organisation other than the channel's) naming what is wrong.
LoweredKernel lower_kernel(const Program& p, int ch, int base_row, const OperandSource& operands,
                           numerics::Rounding rounding = numerics::Rounding::nearest);

}  // namespace pimlab::firmware::pimba
