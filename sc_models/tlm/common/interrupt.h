// The process-wide interrupt request (SIGINT, or SIGTERM as a job scheduler's
// cancel sends it): one flag that the signal handler sets and that long-running
// loops poll cheaply, so that one Ctrl-C acts within a second even inside one
// long PIM kernel (docs/tlm.md, Session; docs/cosim.md, "Ctrl-C").
//
//   - Session::run()/run_to_idle() look at it between slices of simulated time;
//   - the HBM channel's PIM path looks at it every kInterruptPollEvents row and
//     unit events of a kernel and cuts the kernel short (PimExtension::interrupted);
//   - unit models that clock many cycles per command (the Verilated unit) call
//     throw_if_interrupted() every kInterruptPollCycles cycles; the PIM path
//     catches the Interrupted it throws;
//   - the co-simulation firmware polls it in its host work between kernels.
//
// Reading the flag is one load of a volatile sig_atomic_t: cheap enough for
// the inner loops, and async-signal-safe to write from the handler.
#pragma once

#include <csignal>
#include <stdexcept>

namespace pimlab::tlm_common {

namespace detail {
extern volatile std::sig_atomic_t g_interrupt_count;  // written by the handler only
}

// First SIGINT/SIGTERM: the flag is set; loops that poll it stop and the run
// finishes cleanly (partial results, waveforms closed). Second: acknowledged on
// standard error, the files are still closed. Third: immediate exit, status 130.
void install_sigint_handler();

// How many signals arrived (0: none).
inline int interrupt_count() noexcept { return detail::g_interrupt_count; }
inline bool interrupt_requested() noexcept { return detail::g_interrupt_count > 0; }
// Counts one interrupt as the handler does (tests; never from a handler of its own).
void request_interrupt() noexcept;
// Forgets every interrupt (tests only: a process that was interrupted exits).
void clear_interrupt() noexcept;

// Thrown from inside a model's inner loop to unwind to the component that
// owns the loop (the PIM path turns it into an interrupted kernel).
struct Interrupted : std::runtime_error {
  Interrupted() : std::runtime_error("interrupted (SIGINT/SIGTERM)") {}
};
inline void throw_if_interrupted() {
  if (interrupt_requested()) throw Interrupted();
}

// Poll periods of the inner loops: far below a second of wall time (a traced
// RTL unit with its shadow check clocks about 0.4 million cycles per second,
// so 1024 cycles take a few ms), far above the cost of one load.
constexpr unsigned kInterruptPollEvents = 256;
constexpr unsigned kInterruptPollCycles = 1024;
static_assert((kInterruptPollEvents & (kInterruptPollEvents - 1)) == 0, "a power of two");
static_assert((kInterruptPollCycles & (kInterruptPollCycles - 1)) == 0, "a power of two");

}  // namespace pimlab::tlm_common
