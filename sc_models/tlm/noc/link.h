// The router's link timing is the pure C++ core noc/link.h (shared with the
// serving path's host-to-CIM transfers); these names keep the router's
// spelling.
#pragma once

#include "noc/link.h"

namespace pimlab::tlm_noc {

using noc::Dir;
using noc::LinkParams;
using noc::LinkTiming;
using noc::Slot;
using noc::transfer;

}  // namespace pimlab::tlm_noc
