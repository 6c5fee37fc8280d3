// The PIM path of the HBM channel: a generic-payload extension that carries a
// whole PIM kernel for the channel (docs/tlm.md, "PIM path", says why an
// extension and not memory-mapped command registers).
//
// A kernel is given at two levels that refer to each other:
//  - `stream`: the channel-level Pimba-family command stream (what the firmware
//    generator emits and the PIM channel engine times: REFRESH_BARRIER,
//    ACT4_WITH_REG_n, COMP, PRECHARGE_WITH_RESULT_r, ...);
//  - `rows` and `ops`: what each stream command does to the data — which bank
//    rows it opens or closes, and which unit commands (pim/isa.h) each PIM unit
//    receives, `offset` cycles plus `col_slots` column accesses (of the
//    channel's own timing) after the stream command issues.
// The target times `stream` with pim::ChannelEngine (Pimba family rules,
// refresh, controller window), executes the unit commands at their cycles on
// the behavioural units (one per bank pair) over the bytes of the open rows,
// and returns the RESULT read-outs as the payload's read data.
//
// Payload: TLM_READ_COMMAND, address 0, data pointer = result buffer of
// exactly 32 bytes per RESULT op (data_length 0 when there are none),
// streaming width = data_length, no byte enables. The response is
// TLM_OK_RESPONSE when the kernel ran (unit errors are reported in the
// extension, as the hardware reports them in its sticky error flags);
// TLM_GENERIC_ERROR_RESPONSE when the kernel is malformed (reason in
// `error`): a unit op referring to a stream index out of range, two commands
// to one unit in one cycle, a COMP on a closed bank, a result buffer of the
// wrong size.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <tlm>

#include "pim_unit/isa.h"
#include "pim/command.h"

namespace pimlab::tlm_hbm {

// Opens (ACT: row >= 0) or closes (PRE: row = -1) one bank when stream
// command `step` issues.
struct PimRowOp {
  std::uint32_t step = 0;
  std::uint8_t pch = 0, bank_group = 0, bank = 0;
  std::int32_t row = -1;
};

// One command to the PIM unit of bank pair `pair` (banks 2*pair, 2*pair+1 of
// the bank group), issued `offset` cycles plus `col_slots` column accesses
// (max(nBL, nCCD_L) of the channel's timing) after stream command `step`.
struct PimUnitOp {
  std::uint32_t step = 0;
  std::uint32_t offset = 0;     // cycles after the stream command issues ...
  std::uint8_t pch = 0, bank_group = 0, pair = 0;
  pim_unit::Command cmd;
  std::uint32_t col_slots = 0;  // ... plus this many column accesses (max(nBL, nCCD_L) of the channel's timing)
};

struct PimExtension : tlm::tlm_extension<PimExtension> {
  // In.
  std::vector<pim::Command> stream;
  std::vector<PimRowOp> rows;
  std::vector<PimUnitOp> ops;
  // Out.
  std::uint64_t kernel_cycles = 0;    // the PIM channel engine's count: cycle of the last stream command
  std::uint64_t start_cycle = 0;      // channel cycle in which the kernel's cycle 1 fell
  std::uint8_t err_cause = 0;         // OR of the units' sticky error causes after the kernel
  std::vector<std::string> unit_errors;  // "pch0.bg1.pair0: <reason>" per unit that flagged
  std::string error;                  // why the kernel was rejected (generic error)

  tlm::tlm_extension_base* clone() const override { return new PimExtension(*this); }
  void copy_from(const tlm::tlm_extension_base& other) override { *this = static_cast<const PimExtension&>(other); }
};

}  // namespace pimlab::tlm_hbm
