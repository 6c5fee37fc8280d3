// TimingSource over the Newton / NeuPIMs channel controller
// (pim::NewtonChannel, neupims_pim.md §1-§7): the HBM2 channel of NewtonSim
// (2 pseudo-channels as DRAMsim3's 2 ranks, 4 x 4 banks, 32768 rows of 1 KB,
// 64 B requests, 1 GHz) in one of its three flavours (DUAL = NeuPIMs' dual row
// buffer, SINGLE = Newton, DRAM = plain).
//
// One controller, one queue: memory requests (their 64-byte atoms become READ
// / WRITE transactions) enter the controller's memory stream and PIM programs
// (the transaction streams of firmware/neupims) its PIM stream; each cycle the
// PIM stream is pushed while the controller accepts, then the memory stream,
// then one tick passes — the order of run_newton and the calibration driver —
// so both are scheduled together at command level. Cycles the controller
// proves idle are skipped (NewtonChannel::idle_until / skip_to); an idle
// channel (nothing outstanding) is not ticked until the next request arrives,
// and then catches up with its refreshes first.
//
// Channel-local address (30 bits, 1 GiB): byte offset 6 | column 4 | bank 2 |
// bank group 2 | rank 1 | row 15, LSB first: the `rorabgbachco` map of §1
// without the channel field (the channel is the target; a router's address
// map selects it).
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <vector>

#include "dram/spec.h"
#include "pim/newton_checker.h"
#include "pim/newton_controller.h"
#include "tlm/hbm/timing.h"

namespace pimlab::tlm_hbm {

// Channel-local address -> the §1 address with channel field 0, and back.
std::uint64_t newton_address_of_local(std::uint64_t local);
std::uint64_t local_of_newton_address(std::uint64_t addr);

class NewtonTiming : public TimingSource {
 public:
  // `keep_trace`: keep every issued command (the independent checker and
  // tests read it).
  NewtonTiming(const pim::NewtonOptions& o, bool keep_trace);

  std::string describe() const override;
  std::int64_t tck_ps() const override { return m_spec.t.tCK_ps; }
  const dram::DramSpec& spec() const override { return m_spec; }
  std::uint64_t capacity_bytes() const override { return std::uint64_t{1} << 30; }
  std::uint32_t atom_bytes() const override { return 64; }
  std::uint32_t page_bytes() const override { return 1024; }
  int pseudo_channels() const override { return 2; }
  int bank_groups() const override { return 4; }
  int banks_per_group() const override { return 4; }
  // One transaction alone, in call order (the immediate front end): submitted
  // and run until it completes.
  AccessTiming access(const std::vector<AtomAccess>& atoms, Cycle arrival) override;
  std::uint64_t row_address(int pch, int bank_group, int bank, int row) const override;
  bool rows_contiguous() const override { return true; }
  int rows() const override { return 32768; }
  Cycle last_activity() const override { return m_last_issue; }

  bool incremental() const override { return true; }
  void submit(std::uint64_t tag, const std::vector<AtomAccess>& atoms, Cycle arrival) override;
  // A PIM program (its transactions in order; tags are overwritten) enters
  // the PIM stream. Call program_error() first: a program it refuses would
  // stop the controller.
  void submit_program(std::uint64_t tag, std::vector<pim::Txn> program, Cycle arrival);
  // Why the flavour cannot run `program` (empty: it can): a transaction the
  // flavour refuses (neupims_pim.md §2), a COMP / READRES / COMPS_READRES on
  // another row than its P_HEADER's, more than 32 MAC steps after one
  // P_HEADER (the units compute on a 1 KB row: 32 steps of 16 values), or no
  // transaction that answers.
  std::string program_error(const std::vector<pim::Txn>& program) const;
  void advance(Cycle until) override;
  void settle(Cycle until) override;
  Cycle next_event() const override;
  std::vector<Done> take_done() override;
  AccessTiming take_command_counts() override;

  const pim::NewtonOptions& options() const { return m_opt; }
  const pim::NewtonChannel& controller() const { return m_ch; }
  // Every issued command (keep_trace), in issue order.
  const std::vector<pim::NewtonIssued>& trace() const { return m_trace; }
  // The independent checker (pim/newton_checker.h) over the whole trace.
  std::vector<pim::NewtonViolation> check() const;

 private:
  struct Queued {
    pim::Txn t;
    Cycle arrival;
  };
  struct TagState {
    std::size_t remaining = 0;  // answering transactions not yet answered
    AccessTiming timing;
  };
  bool idle() const;
  void push_streams();
  void collect();
  std::size_t count_commands(std::size_t from);  // returns the commands other than REF / PRE

  pim::NewtonOptions m_opt;
  dram::DramSpec m_spec;
  pim::NewtonChannel m_ch;
  bool m_keep_trace;
  std::vector<pim::NewtonIssued> m_trace;
  std::size_t m_counted = 0;  // trace entries already counted and hooked
  std::deque<Queued> m_pim_in, m_mem_in;
  std::map<std::uint64_t, TagState> m_tags;
  std::vector<pim::NewtonChannel::Response> m_resp;
  std::vector<Done> m_done;
  AccessTiming m_counts;
  Cycle m_last_issue = -1;
  std::uint64_t m_last_progress = 0;
  std::uint64_t m_private_tag = ~0ull;  // access()'s tags, counting down
};

}  // namespace pimlab::tlm_hbm
