// The PIM path of the HBM channel: a generic-payload extension that carries a
// whole PIM kernel for the channel (docs/tlm.md, "PIM path", says why an
// extension and not memory-mapped command registers).
//
// The kernel is one channel's PIM program (firmware/pimba/program.h: the
// command stream, and the row and unit operations each command does to the
// data); the extension only carries it, plus what the target reports back.
// The target times the stream with pim::ChannelEngine (Pimba family rules,
// refresh, controller window) on the device of its timing source, executes the
// unit commands at their cycles (column accesses at that device's timing) on
// the behavioural units (one per bank pair) over the bytes of the open rows,
// and returns the RESULT read-outs as the payload's read data.
//
// Payload: TLM_READ_COMMAND, address = any byte address of the channel (by
// convention its base: 0 at the channel, the channel's base address in the
// platform's address map, so a router routes it; beyond the channel:
// TLM_ADDRESS_ERROR_RESPONSE), data pointer = result buffer of
// exactly 32 bytes per RESULT op (data_length 0 when there are none),
// streaming width = data_length, no byte enables. The response is
// TLM_OK_RESPONSE when the kernel ran (unit errors are reported in the
// extension, as the hardware reports them in its sticky error flags);
// TLM_GENERIC_ERROR_RESPONSE when the kernel is malformed (reason in
// `error`): a unit op referring to a stream index out of range, two commands
// to one unit in one cycle, a COMP on a closed bank, a result buffer of the
// wrong size. TLM_INCOMPLETE_RESPONSE with `interrupted` set when an interrupt
// (tlm/common/interrupt.h) arrived while the kernel ran: the channel polls it
// every kInterruptPollEvents row and unit events and stops the kernel there;
// the result buffer and the timing are then undefined and the channel state is
// that of the cut (the run is ending).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <tlm>

#include "firmware/pimba/lowering.h"
#include "firmware/pimba/program.h"
#include "pim/attacc.h"
#include "pim/attacc_unit.h"
#include "pim/newton.h"

namespace pimlab::tlm_hbm {

struct PimExtension : tlm::tlm_extension<PimExtension> {
  // In. A channel of the Pimba family runs `program`; a channel of the
  // Newton / NeuPIMs family (pim_family = newton) runs `newton`: the channel's
  // PIM transaction stream (P_HEADER, GWRITE, COMP, READRES, COMPS_READRES) as
  // firmware/neupims emits it and pim/newton_trace.h reads and writes it (the
  // `pim` lines of a channel's trace). See docs/tlm.md, "Newton family".
  firmware::pimba::ChannelProgram program;
  std::vector<pim::Txn> newton;
  // A channel of the AttAcc family (pim_family = attacc) runs `attacc`: one
  // channel's AttAcc request statements (channel-local addresses, the
  // channel field 0) as firmware/attacc emits them for one channel and
  // pim/attacc_trace.h reads and writes them. With `attacc_ops` (one per
  // statement, the generator's data-path annotation) the units compute:
  // `attacc_queries` holds each head iteration's query (attacc_d_head FP16
  // values, what its WRGBs send), K / V are read from the channel's bytes,
  // and the read data returns each iteration's attacc_d_head FP32 outputs
  // (little-endian, iteration-major); without ops (timing only) the read
  // data is 8 bytes, the program's kernel_cycles. See docs/tlm.md, "AttAcc
  // family in the channel".
  std::vector<pim::AttaccStatement> attacc;
  std::vector<pim::AttaccOp> attacc_ops;
  std::vector<std::vector<std::uint16_t>> attacc_queries;
  int attacc_len = 0, attacc_d_head = 128;
  std::uint64_t attacc_hazards = 0;  // out: data hazards of the units (pim::AttaccUnits::hazards)
  // Out, with attacc_ops: each head iteration's scores and probabilities as
  // the units moved them (FP16, attacc_len each; empty if never produced),
  // what a functional check compares besides the outputs (the hardware keeps
  // them in its buffers; the model hands them out with the transaction).
  std::vector<std::vector<std::uint16_t>> attacc_scores, attacc_probs;
  // Out.
  std::uint64_t kernel_cycles = 0;    // the PIM channel engine's count: cycle of the last stream command
  std::uint64_t start_cycle = 0;      // channel cycle in which the kernel's cycle 1 fell
  std::uint8_t err_cause = 0;         // OR of the units' sticky error causes after the kernel
  std::vector<std::string> unit_errors;  // "pch0.bg1.pair0: <reason>" per unit that flagged
  std::string error;                  // why the kernel was rejected (generic error)
  bool interrupted = false;           // cut short by SIGINT/SIGTERM (TLM_INCOMPLETE_RESPONSE)

  tlm::tlm_extension_base* clone() const override { return new PimExtension(*this); }
  void copy_from(const tlm::tlm_extension_base& other) override { *this = static_cast<const PimExtension&>(other); }
};

// A lowered kernel ready to send: the extension carrying its program, and
// what each 32-byte result slot of the read data holds.
struct PimKernel {
  PimExtension ext;
  std::vector<firmware::pimba::ResultRef> results;
  PimKernel() = default;
  PimKernel(firmware::pimba::LoweredKernel lk) : results(std::move(lk.results)) {  // NOLINT: implicit by design
    ext.program = std::move(lk.program);
  }
  std::size_t result_bytes() const { return 32 * results.size(); }
};

}  // namespace pimlab::tlm_hbm
