// TLM-2.0 loosely-timed target of one HBM channel.
//
// b_transport validates the payload first (address range, data length,
// streaming width, byte enables, command) and answers the matching
// TLM_*_ERROR_RESPONSE without touching memory or time. A valid transaction
// moves real bytes (sparse backing store) and adds to `delay` the time the
// command-level engine needs for every 32-byte atom it touches: a long burst
// or a strided stream (StrideExtension) is timed in this one call. The target
// never waits: the initiator's local time (sc_time_stamp() + delay) is the
// arrival time at the controller.
//
// That is the `immediate` front end (the default). The `queued` front end
// (frontend = queued) lets several initiators share the one controller queue:
// b_transport validates as above, synchronises the initiator (wait(delay),
// delay = 0), hands the request with its arrival cycle to the channel's
// controller thread and waits for its completion; the bytes move at
// completion. The controller thread admits requests in arrival order,
// advances the timing source from event to event (TimingSource::submit /
// advance / next_event / take_done) and notifies each request at the cycle
// of its last data beat. docs/tlm.md, "Front ends", says when each is exact.
//
// pim_family = attacc runs one AttAcc HBM3-PIM channel (pim::AttaccController
// of an attacc-hbm3-* preset, placement bank | bg | buffer): memory requests
// and AttAcc PIM programs (PimExtension::attacc) enter its one queue.
//
// pim_family = newton runs the Newton / NeuPIMs channel (pim::NewtonChannel,
// pim_type dual | single | dram) as the timing source: memory requests and
// Newton PIM programs (PimExtension::newton) enter its one controller.
//
// transport_dbg moves bytes without timing or stats. DMI is refused: it would
// bypass timing and stats.
//
// Config keys (under the channel's hierarchical name): see docs/tlm.md.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include "tlm/common/config.h"
#include "tlm/common/stats.h"
#include "pim_unit/unit.h"
#include "pim/engine.h"
#include "tlm/hbm/backing_store.h"
#include "tlm/hbm/extensions.h"
#include "tlm/hbm/pim_path.h"
#include "tlm/hbm/timing.h"
#include "tlm/hbm/unit_model.h"
#include "pim/newton_unit.h"

namespace pimlab::tlm_hbm {

struct AttaccRun;  // an AttAcc program whose units compute (channel.cpp)

class HbmChannel : public sc_core::sc_module, public tlm_common::stats_provider {
 public:
  SC_HAS_PROCESS(HbmChannel);
  tlm_utils::simple_target_socket<HbmChannel> socket;

  // Builds its own timing source, a DramTiming configured by the keys below
  // (preset, mapping, controller).
  explicit HbmChannel(const sc_core::sc_module_name& name);
  // Uses `timing` instead; the DRAM keys are then declared but unused.
  HbmChannel(const sc_core::sc_module_name& name, std::unique_ptr<TimingSource> timing);
  ~HbmChannel() override;

  // The front end in use (frontend key): false = immediate, true = queued.
  bool queued() const { return m_queued; }
  // Independent-checker violations of the Newton family's issued commands
  // (0 when check is off or the family is pimba; the DRAM rule checker's
  // count is the timing source's checker_violations()).
  std::uint64_t newton_violations() const;
  // The same for the AttAcc family (pim/attacc_checker.h).
  std::uint64_t attacc_violations() const;

  // Queued front end: runs the timing source, if nothing is queued or in
  // flight, on to the current simulation time (TimingSource::settle), so
  // that its counters (a Newton channel's refreshes and background energy
  // since its last request, otherwise caught up when the next one arrives)
  // cover the time to now. Otherwise, or with the immediate front end, it
  // does nothing.
  void settle();
  // Back door for tests and loaders (same as transport_dbg, no timing, no stats).
  void debug_read(std::uint64_t addr, std::uint8_t* out, std::uint64_t n) const;
  void debug_write(std::uint64_t addr, const std::uint8_t* in, std::uint64_t n);

  std::uint64_t capacity_bytes() const { return m_capacity; }
  const TimingSource& timing() const { return *m_timing; }
  TimingSource& timing() { return *m_timing; }
  BackingStore& store() { return m_store; }
  sc_core::sc_time tck() const { return m_tck; }
  // The channel's VCD (trace: true), open from the end of elaboration; other
  // modules may add their variables before the simulation starts (e.g. in
  // start_of_simulation), so one file shows the whole channel. nullptr otherwise.
  sc_core::sc_trace_file* trace_file() const { return m_tf; }

  void collect_stats(tlm_common::StatsSink& sink) const override;
  void reset_stats() override;


 private:
  void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  unsigned int transport_dbg(tlm::tlm_generic_payload& gp);
  // Checks the payload; returns TLM_OK_RESPONSE or the error to answer.
  tlm::tlm_response_status validate(const tlm::tlm_generic_payload& gp, std::string& why) const;
  // Moves the payload's bytes (bytes = false: only lists the atoms) and
  // lists the atoms it touches in m_atoms.
  void move_data(tlm::tlm_generic_payload& gp, bool bytes);
  void pim_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay, PimExtension& ext);
  bool run_pim_kernel(tlm::tlm_generic_payload& gp, Cycle start, PimExtension& ext, Cycle& done);
  Cycle arrival_cycle(const sc_core::sc_time& local) const;
  void end_of_elaboration() override;
  void trace_thread();
  // Queued front end.
  void queue_thread();
  Cycle now_cycle() const;  // the cycle the current simulation time lies in
  void book_commands();     // the timing source's issued commands into the stats
  struct QueuedRequest {
    std::uint64_t tag = 0;
    Cycle arrival = 0;
    std::vector<AtomAccess> atoms;
    const std::vector<pim::Txn>* program = nullptr;  // a Newton PIM program instead of atoms
    const std::vector<pim::AttaccStatement>* attacc = nullptr;  // an AttAcc PIM program instead of atoms
    AttaccRun* attacc_run = nullptr;  // its units, when they compute (attacc_execute)
    sc_core::sc_event done_ev;
    AccessTiming timing;
    bool done = false;
    // Called by the controller thread when the request completes (a segment
    // of a SegmentExtension transaction), before done_ev is notified.
    std::function<void(const AccessTiming&)> on_done;
  };
  // Enqueues `r` for the controller thread and waits until it completes.
  void queue_and_wait(QueuedRequest& r);
  // A SegmentExtension transaction (its atoms in m_atoms): one request per
  // segment, all arriving at `arrival`; waits until every one completes and
  // returns their combined timing.
  AccessTiming queue_segments(const tlm::tlm_generic_payload& gp, const SegmentExtension& seg, Cycle arrival);
  // Queued front end: the initiator's local time becomes the simulation time
  // (waits for `delay`, then sets it to 0).
  static void sync_initiator(sc_core::sc_time& delay);
  void newton_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay, PimExtension& ext);
  // A PIM program the channel cannot run (`why` not empty): counted,
  // answered with TLM_GENERIC_ERROR_RESPONSE and `why` in ext.error; true if so.
  bool reject_program(tlm::tlm_generic_payload& gp, PimExtension& ext, const std::string& why);
  // A PIM payload addressed beyond the channel: counted, answered with
  // TLM_ADDRESS_ERROR_RESPONSE and the reason in ext.error; true if so.
  bool reject_outside(tlm::tlm_generic_payload& gp, PimExtension& ext);
  // Immediate front end: advances the incremental engine until request `tag`
  // (submitted at local time `local`) is done, books the commands it issued
  // and moves `delay` to its completion.
  AccessTiming finish_alone(std::uint64_t tag, const sc_core::sc_time& local, sc_core::sc_time& delay);
  void attacc_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay, PimExtension& ext);

  std::unique_ptr<TimingSource> make_dram_timing() const;
  std::unique_ptr<TimingSource> make_timing() const;

 public:
  // Configuration (docs/tlm.md lists them with defaults and units).
  // DRAM device and controller (used by the channel's own DramTiming):
  tlm_common::Param<std::string> p_preset;
  tlm_common::Param<std::string> p_mapping;
  tlm_common::Param<std::string> p_page_policy;
  tlm_common::Param<int> p_queue_size;
  tlm_common::Param<int> p_write_high;
  tlm_common::Param<int> p_write_low;
  tlm_common::Param<std::string> p_refresh;
  tlm_common::Param<bool> p_dual_command_bus;
  tlm_common::Param<bool> p_check;
  // Front end and family.
  tlm_common::Param<std::string> p_frontend;
  tlm_common::Param<std::string> p_pim_family;
  tlm_common::Param<std::string> p_pim_type;
  tlm_common::Param<bool> p_artifact_compatible;
  tlm_common::Param<std::string> p_placement;
  // PIM units (one per bank pair) and the PIM command timing.
  tlm_common::Param<int> p_pu_lanes;
  tlm_common::Param<int> p_pu_reg_sets;
  // Unit model of every unit (tlm/hbm/unit_model.h) and the per-unit choice
  // (pch<p>.bank_group<g>.pair<q>.model, default pu_model).
  tlm_common::Param<std::string> p_pu_model;
  std::vector<std::unique_ptr<tlm_common::Param<std::string>>> p_unit_model;

 private:
  std::unique_ptr<TimingSource> m_timing;
  sc_core::sc_time m_tck;
  std::uint64_t m_tck_ps;  // m_timing->tck_ps()

 public:
  tlm_common::Param<std::uint64_t> p_capacity_bytes;
  tlm_common::Param<std::uint64_t> p_max_transaction_bytes;
  tlm_common::Param<bool> p_trace;
  tlm_common::Param<std::string> p_trace_file;

 private:
  std::uint64_t m_capacity;
  std::uint32_t m_atom;
  BackingStore m_store;
  std::vector<AtomAccess> m_atoms;  // scratch, reused per transaction

  // Stats (raw counters; derived values at dump time).
  std::uint64_t s_reads = 0, s_writes = 0, s_bytes_read = 0, s_bytes_written = 0;
  std::uint64_t s_atoms_read = 0, s_atoms_written = 0, s_strided = 0;
  tlm_common::ResponseErrors s_errors;
  std::uint64_t s_commands = 0, s_activates = 0, s_precharges = 0, s_refreshes = 0, s_row_hits = 0;
  std::uint64_t s_pim_transactions = 0, s_pim_ops = 0;
  std::uint64_t s_latency_cycles = 0;  // sum over transactions of (done - arrival)
  std::uint64_t s_max_latency_cycles = 0;
  Cycle s_first_arrival = -1, s_last_done = 0;

  // PIM: units indexed (pch * bank_groups + bg) * pairs + pair; open row of
  // each bank as the PIM path sees it (nullptr = closed).
  std::vector<std::unique_ptr<PimUnitModel>> m_units;
  std::vector<std::uint8_t*> m_pim_rows;
  std::unique_ptr<pim::ChannelEngine> m_pim_engine;
  Cycle m_pim_free = 0;  // first cycle after the previous kernel
  std::uint64_t s_pim_kernel_cycles = 0, s_pim_errors = 0;
  pim::Counters s_pim_counters;  // the Pimba-family streams run, summed (stats pim_num_*)
  std::uint64_t s_pim_rejected = 0;
  std::uint64_t s_pim_interrupted = 0;  // kernels cut short by SIGINT/SIGTERM

  // Queued front end: requests not yet handed to the timing source (arrival
  // order), requests in it by tag, the controller thread's wake-up.
  bool m_queued = false;
  bool m_newton = false;
  bool m_attacc = false;
  std::uint64_t s_attacc_programs = 0, s_attacc_outputs = 0, s_attacc_hazards = 0;
  // AttAcc programs whose units compute, by tag: each final is executed as it
  // issues (AttaccTiming::on_final -> attacc_execute).
  std::map<std::uint64_t, AttaccRun*> m_attacc_runs;
  void attacc_execute(std::uint64_t tag, std::size_t index);
  std::deque<QueuedRequest*> m_inbox;
  std::map<std::uint64_t, QueuedRequest*> m_in_flight;
  std::uint64_t m_next_tag = 0;
  sc_core::sc_event m_queue_ev;
  int m_pim_waiting = 0;  // Pimba kernels waiting for or holding their turn
  sc_core::sc_event m_drained_ev;  // the controller holds no request any more
  std::uint64_t s_queue_wakeups = 0;  // controller-thread activations
  std::uint64_t s_max_in_flight = 0;
  std::uint64_t s_newton_programs = 0, s_newton_results = 0;
  // Newton PIM units computing on the backing store (results of READRES).
  pim::NewtonUnits m_newton_units;

  // Tracing: commands replayed into traced variables at their cycle.
  sc_core::sc_trace_file* m_tf = nullptr;
  std::deque<IssuedCommand> m_trace_queue;
  sc_core::sc_event m_trace_ev;
  std::vector<int> m_trace_open_row;  // per bank (pch-major), -1 = closed
  std::vector<int> m_trace_cmd;       // per pseudo-channel: CmdCode of the command issued this cycle

  // Books one memory transaction's timing in the stats.
  void account_access(const AccessTiming& t);
};

}  // namespace pimlab::tlm_hbm
