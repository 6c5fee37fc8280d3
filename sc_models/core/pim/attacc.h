// AttAcc HBM3-PIM (docs/pim_protocols.md, "AttAcc HBM3-PIM"): the command set
// of the three PU placements (all-bank, same-bank and per-bank MACs, the
// data moves WRGB / MVSB / MVGB / SFM, the row commands and all-bank refresh)
// with its hierarchical timing table as rows of the DRAM rule engine
// (dram::ChannelEngine), and the stack model that runs a global request trace
// through 16 per-channel controllers (a 33-entry PIM queue, row management
// recomputed every pass, two issue slots per cycle, refresh) behind one
// lockstep trace front-end.
//
// Two modes. Artifact-compatible: the published simulator's choices and
// quirks, so that its cycles and counts are reproduced exactly. Faithful (the
// default): the physical rules (every rule checked on every bank a command
// touches, all banks of a same-bank / per-bank command opened and closed
// together, refresh of either pseudo-channel delaying the activations of its
// banks, softmax on the data bus); the generator's quirks are separate
// (firmware/attacc).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "dram/engine.h"
#include "dram/rules.h"
#include "dram/spec.h"
#include "stats/stats.h"

namespace pimlab::pim {

enum class AttaccPlacement : std::uint8_t { Bank, BankGroup, Buffer };
const char* placement_name(AttaccPlacement p);  // "bank", "bg", "buffer"
// Throws std::invalid_argument naming the value and the allowed names.
AttaccPlacement parse_placement(const std::string& s);

// Request types of the trace (what the generator emits; row and refresh
// commands are derived by the controller).
enum class AttaccReq : std::uint8_t { MacAB, MacSB, MacPB, WrGB, MvSB, MvGB, Sfm, Barrier };
constexpr int kAttaccReqTypes = 8;
const char* req_name(AttaccReq r);  // trace mnemonics: PIM_MAC_AB, ..., PIM_BARRIER
// Throws std::invalid_argument for an unknown mnemonic.
AttaccReq parse_req(const std::string& s);

// One trace statement: a request type and a byte address (§1 bit fields).
struct AttaccStatement {
  AttaccReq type;
  std::uint64_t addr;
};

// Byte address fields, from the least significant bit: 5 bits inside the
// atom, column 5, row 14, bank 2, bank group 2, rank (SID) 1, pCH 1, channel 4.
struct AttaccAddr {
  int ch, pch, rank, bg, bank, row, col;
};
AttaccAddr decode_addr(std::uint64_t a);
std::uint64_t encode_addr(const AttaccAddr& a);

struct AttaccOptions {
  bool artifact_compatible = false;
  int queue_capacity = 33;  // the PIM queue accepts while it holds <= 32
};

// The command classes, in this order (class id == index):
enum AttaccClass : dram::ClassId {
  kACTAB, kACTSB, kACTPB, kPREA, kPRESB, kPREPB, kREFab,
  kMACAB, kMACSB, kMACPB, kWRGB, kMVSB, kMVGB, kSFM,
  kMACPBAlias,  // artifact-compatible only: the MACPB side effect [Q] (§4.2)
  // Host memory traffic in the channel (AttaccController::push_host): one
  // bank of one pCH, its single row buffer shared with the PIM commands.
  kACT, kPRE, kRD, kWR,
  kAttaccClasses
};
// Issue slot kind (§6.3): two commands per cycle only of different kinds;
// untyped commands never pair.
enum class SlotKind : std::uint8_t { None, Row, Column, Untyped };
SlotKind slot_kind(dram::ClassId c, bool artifact_compatible);

// The AttAcc command set as rule-engine data. The SID ("rank") level is the
// upper bit of the engine's bank-group index (bank_groups = 8 per pCH); the
// rank-level rules (nCCDS) are implied by the pCH / channel nBL rules of the
// same pair because nCCDS <= nBL (checked; std::invalid_argument otherwise).
dram::CommandSet attacc_command_set(const dram::DramSpec& spec, bool artifact_compatible);

// Engine address of a PIM bank: the SID folds into the bank-group index.
inline dram::Address engine_addr(int pch, int rank, int bg, int bank, int row) {
  dram::Address a;
  a.pch = dram::PchId{pch};
  a.bg = dram::BankGroupId{rank * 4 + bg};
  a.bank = dram::BankId{bank};
  a.row = dram::RowId{row};
  return a;
}

// One issued command, for the independent checker and traces.
struct AttaccIssued {
  std::int64_t cycle;
  dram::ClassId cls;
  AttaccAddr addr;  // the request's address (pCH of REFab in addr.pch)
  // Index in the trace of the request whose final command (MAC or data move)
  // this is; -1 for row and refresh commands (the data path, pim/attacc_unit.h,
  // executes the finals in this order).
  std::int64_t stmt = -1;
};

struct AttaccCounts {
  std::uint64_t req[kAttaccReqTypes] = {};  // requests per type (barriers included)
  std::uint64_t cmd[kAttaccClasses] = {};   // issued commands per class
  // Every count with unit and description (docs/tlm.md, "Stats document"):
  // the requests per type under the keys of `pimlab kernel --family attacc`
  // (mac_ab ... sfm, barriers) and the issued commands in groups (mac_cmds,
  // move_cmds, pim_act_cmds, pim_pre_cmds, host_act_cmds, host_rdwr_cmds;
  // the channel's attacc_* stats).
  void collect(stats::Sink& s) const;
};

struct AttaccResult {
  std::int64_t cycles = 0;  // clock of the last simulated cycle (DRAM clock)
  AttaccCounts counts;
  std::int64_t refreshes = 0;
  int channel_classes = 0;  // distinct channel statement streams simulated
  // Per channel, every issued command (only with record = true).
  std::vector<std::vector<AttaccIssued>> issued;
};

// Runs the global trace on one stack (spec.org.channels controllers).
// Throws std::invalid_argument for a statement whose channel is outside the
// stack. With record, every issued command is kept per channel.
AttaccResult run_attacc_stack(const dram::DramSpec& spec, const std::vector<AttaccStatement>& trace,
                              const AttaccOptions& opt, bool record = false);

// One channel's controller (§6) driven cycle by cycle from outside: what
// run_attacc_stack runs per channel, for a caller with its own front end (the
// TLM channel target, docs/tlm.md "AttAcc family"). It also schedules host
// memory accesses (one 32 B atom each) in the same queue: a host access is a
// fence — it issues only at the head of the queue and nothing behind it
// passes it; at the head it closes the PIM rows (PREA, when any bank is
// open and its own bank is not open on its row by an earlier host access),
// activates its bank (ACT), reads or writes (RD / WR) and precharges the bank
// again (PRE) unless the next queued request is a host access to the same
// row. Every issued command is recorded.
class AttaccController {
 public:
  AttaccController(const dram::DramSpec& spec, const AttaccOptions& opt);
  ~AttaccController();
  AttaccController(const AttaccController&) = delete;
  AttaccController& operator=(const AttaccController&) = delete;

  // Whether the queue takes one more request (it holds < queue_capacity).
  bool can_accept() const;
  // A trace statement (the address's channel bits are ignored); its final
  // command is recorded with `stmt`.
  void push(AttaccReq type, std::uint64_t addr, std::int64_t stmt);
  // A host access of the 32 B atom at byte address `addr` (channel bits
  // ignored); its RD / WR is recorded with stmt = `tag`.
  void push_host(std::uint64_t addr, bool write, std::int64_t tag);
  // One controller cycle at clock t (refresh is due at multiples of nREFI);
  // returns whether anything changed. Cycles must increase.
  bool cycle(std::int64_t t);
  // First cycle >= t at which cycle() can change anything while nothing is pushed.
  std::int64_t next_event(std::int64_t t) const;
  // Queue and refresh queue empty.
  bool idle() const;
  const AttaccCounts& counts() const;  // issued commands per class (req[] stays 0)
  std::int64_t refreshes() const;
  // Commands issued since the last call, in issue order.
  std::vector<AttaccIssued> take_issued();

 private:
  struct Impl;
  std::unique_ptr<Impl> m;
};

// Energy (§9, FGDRAM pJ/bit figures); docs/pim_protocols.md lists the terms.
// The PIM requests' terms (req[] and the PIM activations of cmd[]) plus the
// host accesses' (attacc_host_energy_pj; zero without host traffic).
double attacc_energy_pj(AttaccPlacement p, const AttaccCounts& c, bool artifact_compatible);
// The host accesses' share (AttaccController::push_host): per host ACT one
// bank's 1 KiB row at 0.11 pJ/bit (901.12 pJ); per RD / WR one 32 B atom along
// cell -> BG mux -> GIO -> TSV -> interposer, 3.48 pJ/bit (890.88 pJ). Both modes.
double attacc_host_energy_pj(const AttaccCounts& c);

}  // namespace pimlab::pim
