#include "pim/variant.h"

#include <stdexcept>

namespace pimlab::pim {

const std::vector<Variant>& variants() {
  static const std::vector<Variant> v = [] {
    std::vector<Variant> out;
    Variant pimba;
    pimba.name = "pimba";
    pimba.reference_name = "Pimba";
    pimba.description = "one MX8 state-update unit per bank pair, access interleaved between the two banks";
    pimba.element_bytes = 1;
    pimba.su_comps_per_column = 2;
    out.push_back(pimba);

    Variant hbm = pimba;
    hbm.name = "hbm-pim";
    hbm.reference_name = "HBM-PIM";
    hbm.description = "Samsung-style FP16 unit per bank pair";
    hbm.element_bytes = 2;
    hbm.su_comps_per_column = 8;
    out.push_back(hbm);

    Variant tm = hbm;
    tm.name = "time-multiplexed";
    tm.reference_name = "Time-multiplexed";
    tm.description = "FP16 unit per bank pair, the two banks time-multiplexed";
    tm.su_comps_per_column = 4;
    out.push_back(tm);

    Variant pl = hbm;
    pl.name = "pipelined";
    pl.reference_name = "Pipelined";
    pl.description = "FP16 pipelined unit per bank pair";
    pl.su_comps_per_column = 2;
    out.push_back(pl);
    return out;
  }();
  return v;
}

std::vector<std::string> variant_names() {
  std::vector<std::string> n;
  for (const auto& v : variants()) n.push_back(v.name);
  return n;
}

const Variant& variant(const std::string& name) {
  for (const auto& v : variants())
    if (v.name == name || v.reference_name == name) return v;
  std::string allowed;
  for (const auto& v : variants()) allowed += (allowed.empty() ? "" : ", ") + v.name;
  throw std::invalid_argument("unknown PIM variant '" + name + "' (allowed: " + allowed + ")");
}

}  // namespace pimlab::pim
