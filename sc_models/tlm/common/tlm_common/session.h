// Running a SystemC program: an sc_main wrapper that catches reports and
// exceptions and returns an error count, and a per-process Session that owns
// the trace files and the stats output, runs the simulation in slices so that
// SIGINT stops it cleanly (trace files closed, partial stats written).
//
//   int sc_main(int argc, char** argv) {
//     return pimlab::tlm_common::run_sc_main(argc, argv, [](int argc, char** argv) {
//       Config::instance().load_file(...);   // before construction
//       Top top("top");
//       Config::instance().check_consumed();
//       Session::instance().set_stats_path("stats.json");
//       Session::instance().run_to_idle();
//       return 0;                            // further errors found by the body
//     });
//   }
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <systemc>

#include "tlm_common/stats.h"

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

// First SIGINT: the running Session stops at its next slice boundary and
// finishes cleanly. Second SIGINT: immediate exit with status 130.
void install_sigint_handler();

// Sets up report handling (SC_ERROR and SC_FATAL are counted), installs the
// SIGINT handler, runs `body` and catches what it throws, finishes the Session
// (partial stats when interrupted or failed) and returns the number of errors:
// reports of severity SC_ERROR/SC_FATAL + exceptions + the body's return value
// + 1 for an interrupted run. Use it as the whole body of sc_main; sc_main
// itself is never defined in a library.
int run_sc_main(int argc, char** argv, const std::function<int(int argc, char** argv)>& body);

}  // namespace pimlab::tlm_common
