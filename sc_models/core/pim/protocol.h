// A PIM command protocol as data: the command classes of a PIM family and its
// timing rules as rows of the DRAM rule engine's table (dram/rules.h: previous
// class -> next class, scope, minimum distance as an expression of the timing
// names and of the previous command's argument n), the controller window and
// the refresh model. The rules are evaluated by the one command-level engine
// of the project (dram::ChannelEngine); the Pimba family's refresh barrier is
// a class flag of that engine (fits_refresh_interval), its argument the
// round's estimate (barrier_estimate).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dram/engine.h"
#include "dram/rules.h"
#include "dram/spec.h"
#include "pim/command.h"

namespace pimlab::pim {

// One column access: max(nBL, nCCD_L) (the rule tables' `col`).
inline int col(const dram::Timing& t) { return t.nBL > t.nCCDL ? t.nBL : t.nCCDL; }

// How the REFRESH_BARRIER estimates its round (pim_commands.md, REFRESH_BARRIER).
// A barrier may issue at cycle c only if (c mod nREFI) + estimate < nREFI.
int barrier_estimate(const dram::Timing& t, const BarrierArgs& b);

// How all-bank refresh is modelled (docs/pim_protocols.md, "Channel engine", refresh).
enum class RefreshModel : std::uint8_t {
  Off,   // no refresh command (what the reference simulator does)
  Slot,  // the reference contract: cycles k*nREFI .. k*nREFI + refresh_slots - 1 are taken
  Full,  // a REFab command: due every nREFI, issues once every bank is precharged
         // (precharge + nRP), takes its cycle, and no ACT4 may follow within nRFC;
         // while it is due a new round (REFRESH_BARRIER) waits for it, unless
         // another pseudo-channel is still open (the refresh is then postponed)
};
const char* refresh_model_name(RefreshModel m);  // "off", "slot", "full"
// Throws std::invalid_argument naming the value and the allowed names.
RefreshModel parse_refresh_model(const std::string& s);

struct Protocol {
  std::string name;                 // "pimba-family"
  // Classes in CmdKind order (class id == index_of(kind)) and the family's
  // rule rows (engine_command_set adds the refresh model's rows).
  dram::CommandSet set;
  int window = 32;                  // controller window: pending commands per channel (both pch)
  RefreshModel refresh = RefreshModel::Slot;
  int refresh_slots = 1;            // Slot model: command slots a refresh takes every nREFI
  // Command slots taken by refresh under the Slot model (0 otherwise).
  int slot_cycles() const { return refresh == RefreshModel::Slot ? refresh_slots : 0; }
};

// The command set the rule engine runs: the family's set plus, under the Full
// refresh model, REFab's rows (every bank precharged nRP before it:
// refresh_after_precharge; no ACT4 within nRFC after it: refresh_to_act4).
dram::CommandSet engine_command_set(const Protocol& p);

// The Pimba family (Pimba, HBM-PIM, time-multiplexed, pipelined share it).
// Default: the reference contract, where an all-bank refresh takes one command
// slot every nREFI. artifact_compatible: the reference simulator issues no
// refresh command at all (its all-bank refresh manager finds no rank level in
// the HBM organisation), so only the barrier's window rule remains, and its
// controller window holds 33 commands instead of 32
// (docs/pim_protocols.md, "Default and artifact-compatible mode").
Protocol pimba_protocol(bool artifact_compatible = false);

// The engine command of a stream command: class = its kind, the bank group it
// opens (ACT4*), the argument the rules read (n, r; a barrier's estimate).
// Written field by field into `e` (whose other fields the engine ignores for
// these classes), so a scheduler refreshing its cached head command does not
// build and copy a temporary.
inline void set_engine_command(dram::Command& e, const Command& c, const dram::Timing& t) {
  e.cls = static_cast<dram::ClassId>(index_of(c.kind));
  e.addr.pch = dram::PchId{c.pch};
  e.addr.bg = dram::BankGroupId{c.bank_group};
  e.arg = c.kind == CmdKind::RefreshBarrier ? static_cast<std::uint32_t>(barrier_estimate(t, c.barrier())) : c.arg;
}

// Distance of rule `r` after a previous command with argument n (the rule
// rows evaluated one at a time, for checkers and reference models).
int rule_distance(const dram::Rule& r, const dram::Timing& t, std::uint32_t n);

}  // namespace pimlab::pim
