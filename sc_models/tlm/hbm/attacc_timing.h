// TimingSource over one AttAcc HBM3-PIM channel controller
// (pim::AttaccController, attacc_pim.md §1-§6): the channel of an
// attacc-hbm3-* preset (2 pseudo-channels x 2 SIDs x 4 bank groups x 4 banks,
// 16384 rows of 1 KB, 32 B atoms) with the PU placement bank | bg | buffer.
//
// One controller, one queue: PIM programs (AttAcc request statements, the
// generator's stream for one channel or a trace of pim/attacc_trace.h) and
// host memory accesses (one per 32 B atom) enter the controller's 33-entry
// queue; each cycle the host stream is pushed while the queue accepts, then
// the PIM stream, then the controller runs its cycle (refresh due at
// multiples of nREFI of the channel clock) — the per-channel loop of
// run_attacc_stack, so a program alone on an idle channel arriving at cycle
// 0 or 1 takes exactly the cycles of run_attacc_stack on the same statements.
// A host access is a fence in the queue (AttaccController): AttAcc has one row
// buffer per bank, so host reads and PIM work block each other.
//
// Channel-local address (30 bits, 1 GiB): the §1 byte address without the
// channel field: byte 5 | column 5 | row 14 | bank 2 | bank group 2 | SID 1 |
// pCH 1, LSB first. The timing source's bank groups are the 8 (SID, bank
// group) pairs of a pCH (SID-major).
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <vector>

#include "dram/spec.h"
#include "pim/attacc.h"
#include "pim/attacc_checker.h"
#include "tlm/hbm/timing.h"

namespace pimlab::tlm_hbm {

class AttaccTiming : public TimingSource {
 public:
  // Throws std::invalid_argument for a preset that is not an attacc-hbm3-*
  // one (no nCCDAB / nCCDSB). `keep_trace`: keep every issued command (the
  // independent checker and tests read it).
  AttaccTiming(const dram::DramSpec& spec, pim::AttaccPlacement placement, bool artifact_compatible, bool keep_trace);

  std::string describe() const override;
  std::int64_t tck_ps() const override { return m_spec.t.tCK_ps; }
  const dram::DramSpec& spec() const override { return m_spec; }
  std::uint64_t capacity_bytes() const override { return std::uint64_t{1} << 30; }
  std::uint32_t atom_bytes() const override { return 32; }
  std::uint32_t page_bytes() const override { return 1024; }
  int pseudo_channels() const override { return 2; }
  int bank_groups() const override { return 8; }
  int banks_per_group() const override { return 4; }
  AccessTiming access(const std::vector<AtomAccess>& atoms, Cycle arrival) override;
  std::uint64_t row_address(int pch, int bank_group, int bank, int row) const override;
  bool rows_contiguous() const override { return true; }
  int rows() const override { return 16384; }
  Cycle last_activity() const override { return m_last_issue; }

  bool incremental() const override { return true; }
  void submit(std::uint64_t tag, const std::vector<AtomAccess>& atoms, Cycle arrival) override;
  // Why the channel cannot run `program` (empty: it can): an address beyond
  // the channel (1 GiB), a MAC of another placement's family, no request
  // other than barriers.
  std::string program_error(const std::vector<pim::AttaccStatement>& program) const;
  // A PIM program enters the PIM stream (call program_error() first). Its
  // completion `done` is the cycle after its last command; first_issue the
  // cycle its first statement entered the queue.
  void submit_program(std::uint64_t tag, const std::vector<pim::AttaccStatement>& program, Cycle arrival);
  // The finals (MAC, data move) of program `tag`, as indices into it, in
  // issue order (kept until the program's completion has been taken; then
  // moved out by this call).
  std::vector<std::size_t> take_program_order(std::uint64_t tag);
  // Called as each final (MAC, data move) of a PIM program issues, in issue
  // order: the program's tag and the statement's index in it (the channel's
  // units compute there, per command).
  std::function<void(std::uint64_t tag, std::size_t index)> on_final;
  void advance(Cycle until) override;
  Cycle next_event() const override;
  std::vector<Done> take_done() override;
  AccessTiming take_command_counts() override;

  pim::AttaccPlacement placement() const { return m_placement; }
  bool artifact_compatible() const { return m_opt.artifact_compatible; }
  const pim::AttaccController& controller() const { return m_ctl; }
  // Every issued command (keep_trace), in issue order.
  const std::vector<pim::AttaccIssued>& trace() const { return m_trace; }
  // The independent AttAcc checker (pim/attacc_checker.h) over the whole trace.
  std::vector<pim::AttaccViolation> check() const;
  // PIM requests per type of the programs run (for the energy model).
  const pim::AttaccCounts& requests() const { return m_requests; }

 private:
  struct PimIn {
    pim::AttaccStatement s;
    std::uint64_t tag;
    std::size_t index;
    Cycle arrival;
  };
  struct HostIn {
    AtomAccess a;
    std::uint64_t tag;
    Cycle arrival;
  };
  struct TagState {
    std::size_t remaining = 0;  // finals (PIM) / atoms (host) not yet issued
    bool program = false;
    bool started = false;
    AccessTiming timing;
    std::vector<std::size_t> order;
  };
  bool idle() const;
  bool push_streams(Cycle t);
  void collect(Cycle t);
  Cycle next_arrival() const;

  dram::DramSpec m_spec;
  pim::AttaccPlacement m_placement;
  pim::AttaccOptions m_opt;
  pim::AttaccController m_ctl;
  bool m_keep_trace;
  std::vector<pim::AttaccIssued> m_trace;
  std::deque<HostIn> m_host_in;
  std::deque<PimIn> m_pim_in;
  std::map<std::uint64_t, TagState> m_tags;
  // Statement sequence number (the controller's stmt) -> (tag, index).
  std::map<std::int64_t, std::pair<std::uint64_t, std::size_t>> m_stmt;
  std::int64_t m_next_stmt = 0;
  std::map<std::uint64_t, std::vector<std::size_t>> m_orders;  // finished programs
  std::vector<Done> m_done;
  AccessTiming m_counts;
  pim::AttaccCounts m_requests;
  Cycle m_t = 0;      // last cycle run
  Cycle m_wake = 0;   // the controller's next pass
  Cycle m_last_issue = -1;
  std::uint64_t m_private_tag = ~0ull;
};

}  // namespace pimlab::tlm_hbm
