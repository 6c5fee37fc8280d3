#include "tlm/common/sim_time.h"

namespace pimlab::tlm_common {

std::uint64_t ps_units() {
  // Building this time fixes the kernel's resolution, as building it on every
  // conversion did before.
  static const std::uint64_t units = static_cast<std::uint64_t>(sc_core::sc_time(1, sc_core::SC_PS).value());
  return units;
}

}  // namespace pimlab::tlm_common
