#include "tlm/common/interrupt.h"

#include <unistd.h>

namespace pimlab::tlm_common {

namespace detail {
volatile std::sig_atomic_t g_interrupt_count = 0;
}

namespace {

// The first signal stops the run at the next poll; the second is acknowledged
// and the run still closes its waveform and result files (an exit from here
// would leave them truncated or unreadable: stdio buffers, FST blocks); only a
// third exits at once.
extern "C" void on_interrupt(int) {
  detail::g_interrupt_count = detail::g_interrupt_count + 1;
  if (detail::g_interrupt_count == 2) {
    static const char msg[] =
        "\npimlab: finishing the waveform and result files; a third Ctrl-C exits at once and leaves them incomplete\n";
    (void)!::write(2, msg, sizeof msg - 1);
  } else if (detail::g_interrupt_count >= 3) {
    static const char msg[] = "\npimlab: third interrupt, exiting without cleanup\n";
    (void)!::write(2, msg, sizeof msg - 1);
    ::_exit(130);
  }
}

}  // namespace

void install_sigint_handler() {
  struct sigaction sa {};
  sa.sa_handler = on_interrupt;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);  // treated as an interrupt: partial stats, readable waveforms
}

void request_interrupt() noexcept { detail::g_interrupt_count = detail::g_interrupt_count + 1; }
void clear_interrupt() noexcept { detail::g_interrupt_count = 0; }

}  // namespace pimlab::tlm_common
