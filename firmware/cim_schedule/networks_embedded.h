// The network files of firmware/cim_schedule/networks/, compiled into the
// library (generated at configure time into networks_embedded.cpp).
#pragma once

#include <vector>

namespace pimlab::firmware::cim_schedule {

struct EmbeddedNetwork {
  const char* name;
  const char* text;
};
const std::vector<EmbeddedNetwork>& embedded_networks();

}  // namespace pimlab::firmware::cim_schedule
