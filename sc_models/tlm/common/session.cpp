#include "tlm/common/session.h"

#include <algorithm>
#include <exception>
#include <iostream>

#include "tlm/common/config.h"
#include "tlm/common/interrupt.h"

namespace pimlab::tlm_common {

namespace {

// SystemC's default handler displays reports on standard output, where they
// would mix with a command's table or JSON document: display them on standard
// error and leave every other action (log, cache, throw, stop, abort) to it.
void report_to_stderr(const sc_core::sc_report& rep, const sc_core::sc_actions& actions) {
  if (actions & sc_core::SC_DISPLAY) std::cerr << "\n" << sc_core::sc_report_compose_message(rep) << std::endl;
  sc_core::sc_report_handler::default_handler(rep, actions & ~sc_core::SC_DISPLAY);
}

}  // namespace

Session& Session::instance() {
  static Session s;
  return s;
}

bool Session::interrupted() const { return interrupt_requested(); }

void Session::add_trace_file(sc_core::sc_trace_file* tf) {
  if (tf) m_traces.push_back(tf);
}

void Session::run(const sc_core::sc_time& duration) {
  const sc_core::sc_time end = sc_core::sc_time_stamp() + duration;
  while (!interrupted() && sc_core::sc_get_status() != sc_core::SC_STOPPED && sc_core::sc_time_stamp() < end) {
    const sc_core::sc_time left = end - sc_core::sc_time_stamp();
    sc_core::sc_start(left < m_poll ? left : m_poll);
  }
  // sc_start(T) leaves events scheduled exactly at T unprocessed: run the
  // current time's remaining delta cycles.
  if (!interrupted() && sc_core::sc_get_status() != sc_core::SC_STOPPED) sc_core::sc_start(sc_core::SC_ZERO_TIME);
}

void Session::run_to_idle() {
  if (sc_core::sc_get_status() == sc_core::SC_ELABORATION) sc_core::sc_start(sc_core::SC_ZERO_TIME);
  while (!interrupted() && sc_core::sc_get_status() != sc_core::SC_STOPPED && sc_core::sc_pending_activity()) {
    // SC_EXIT_ON_STARVATION: time stops at the last event, not at the end of
    // the slice, so the reported simulated time is exact. It also does not
    // move time when the next event lies beyond the slice (a process waiting
    // longer than the poll interval): the slice then reaches that event.
    sc_core::sc_start(std::max(m_poll, sc_core::sc_time_to_pending_activity()), sc_core::SC_EXIT_ON_STARVATION);
  }
}

void Session::finish(const StatsMeta& meta) {
  if (m_finished) return;
  m_finished = true;
  for (sc_core::sc_trace_file* tf : m_traces) {
    sc_core::sc_close_vcd_trace_file(tf);
  }
  m_traces.clear();
  if (!m_stats_path.empty()) write_stats_document(m_stats_path, meta);
}

int run_sc_main(int argc, char** argv, const Elaborate& elaborate, const std::function<int()>& simulate) {
  using namespace sc_core;
  // Errors are displayed and counted; SC_ERROR keeps throwing, so a failing
  // model stops instead of running on in an undefined state.
  sc_report_handler::set_actions(SC_ERROR, SC_LOG | SC_DISPLAY | SC_CACHE_REPORT | SC_THROW);
  sc_report_handler::set_handler(report_to_stderr);
  install_sigint_handler();
  const int reported_before = sc_report_handler::get_count(SC_ERROR) + sc_report_handler::get_count(SC_FATAL);
  int errors = 0;
  int exceptions = 0;         // everything caught
  int report_exceptions = 0;  // ... of which sc_reports the handler already counted
  std::string reason;
  std::unique_ptr<sc_module> top;
  auto guarded = [&](const std::function<void()>& fn) {
    try {
      fn();
      return true;
    } catch (const sc_report& r) {
      reason = r.what();
      if (r.get_severity() == SC_ERROR || r.get_severity() == SC_FATAL) ++report_exceptions;
    } catch (const std::exception& e) {
      reason = e.what();
    } catch (...) {
      reason = "unknown exception";
    }
    ++exceptions;
    std::cerr << "pimlab: error: " << reason << "\n";
    return false;
  };
  if (guarded([&] {
        top = elaborate(argc, argv);
        Config::instance().check_consumed();
      }))
    guarded([&] {
      if (simulate)
        errors += simulate();
      else
        Session::instance().run_to_idle();
    });
  // A thrown SC_ERROR is counted by the handler and caught above: count it once.
  const int reported =
      sc_report_handler::get_count(SC_ERROR) + sc_report_handler::get_count(SC_FATAL) - reported_before;
  errors += reported + (exceptions - report_exceptions);
  Session& s = Session::instance();
  if (s.interrupted()) {
    ++errors;
    reason = "SIGINT";
    std::cerr << "pimlab: interrupted at " << sc_time_stamp() << "; writing partial results\n";
  }
  if (!guarded([&] { s.finish(StatsMeta{s.interrupted() || errors > 0, reason}); })) ++errors;
  top.reset();
  return errors;
}

}  // namespace pimlab::tlm_common
