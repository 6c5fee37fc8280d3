// Running a SystemC program: an sc_main wrapper that catches reports and
// exceptions and returns an error count, and a per-process Session that owns
// the trace files and the stats output, runs the simulation in slices so that
// SIGINT stops it cleanly (trace files closed, partial stats written).
//
//   int sc_main(int argc, char** argv) {
//     return pimlab::tlm_common::run_sc_main(argc, argv,
//       [](int argc, char** argv) {                     // elaborate
//         Config::instance().load_file(...);            // before construction
//         Session::instance().set_stats_path("stats.json");
//         return std::make_unique<Top>("top");
//       });                                             // simulate: run_to_idle()
//   }
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <systemc>

#include "tlm/common/interrupt.h"
#include "tlm/common/stats.h"

namespace pimlab::tlm_common {

class Session {
 public:
  static Session& instance();

  // Trace files to close at the end of the run or on SIGINT.
  void add_trace_file(sc_core::sc_trace_file* tf);
  // Where finish() writes the {meta, config, stats} document (empty = nowhere).
  void set_stats_path(std::string path) { m_stats_path = std::move(path); }
  const std::string& stats_path() const { return m_stats_path; }
  // Simulated time between two checks for SIGINT (default 10 us). Slicing does
  // not change results: events at a slice boundary run in the next slice.
  void set_poll_interval(const sc_core::sc_time& t) { m_poll = t; }

  // Runs for `duration` of simulated time, or until nothing is pending; returns
  // early (with interrupted() true) after SIGINT.
  void run(const sc_core::sc_time& duration);
  // Runs until no activity is pending (or SIGINT / sc_stop()).
  void run_to_idle();
  bool interrupted() const;

  // Closes trace files and writes the stats document; runs once.
  void finish(const StatsMeta& meta);
  bool finished() const { return m_finished; }

 private:
  Session() = default;
  std::vector<sc_core::sc_trace_file*> m_traces;
  std::string m_stats_path;
  sc_core::sc_time m_poll{10, sc_core::SC_US};
  bool m_finished = false;
};

// install_sigint_handler() (tlm/common/interrupt.h): the first SIGINT stops the
// running Session at its next slice boundary, or sooner where a model polls the
// flag (the PIM path, the Verilated unit), and the run finishes cleanly.

// Sets up report handling (SC_ERROR and SC_FATAL are counted), installs the
// SIGINT handler, then
//   1. `elaborate` builds the design (load the config first, inside it) and
//      returns its top object; unknown config keys are then an error
//      (Config::check_consumed());
//   2. `simulate` runs it (default: Session::run_to_idle()) and returns the
//      number of errors it found itself;
//   3. the Session finishes while the design still exists (trace files closed,
//      stats written; partial when interrupted or failed);
// catching whatever is thrown on the way. Returns the number of errors:
// reports of severity SC_ERROR/SC_FATAL, exceptions, simulate's count, and 1
// for an interrupted run. Use it as the whole body of sc_main; sc_main itself
// is never defined in a library.
using Elaborate = std::function<std::unique_ptr<sc_core::sc_module>(int argc, char** argv)>;
int run_sc_main(int argc, char** argv, const Elaborate& elaborate, const std::function<int()>& simulate = {});

}  // namespace pimlab::tlm_common
