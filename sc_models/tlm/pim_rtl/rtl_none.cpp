// Stand-in for the Verilated variant libraries when pimlab is built without
// RTL (PIMLAB_WITH_RTL=OFF): only behavioural units exist.
#include <stdexcept>

#include "tlm/pim_rtl/detail.h"

namespace pimlab::tlm_pim_rtl {

const char* rtl_variant() { return "none"; }
bool rtl_available() { return false; }
bool rtl_can_trace() { return false; }

namespace detail {
std::unique_ptr<tlm_hbm::PimUnitModel> make_rtl_unit(const tlm_hbm::PimUnitSite& site, const RtlOptions&, UnitRecord&) {
  throw std::runtime_error("unit '" + site.name + "': pimlab was built without RTL (PIMLAB_WITH_RTL=OFF)");
}
}  // namespace detail

}  // namespace pimlab::tlm_pim_rtl
