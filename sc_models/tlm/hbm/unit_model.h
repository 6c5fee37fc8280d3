// The PIM unit behind one bank pair, as the channel's PIM path drives it: a
// small interface with the behavioural unit (pim/unit.h) as the built-in model
// and a registry of further models by name, so co-simulation can put the
// Verilated RTL behind some units (sc_models/tlm/pim_rtl, docs/cosim.md).
//
// The channel chooses the model per unit from its config: `pu_model` (all
// units) and `pch<p>.bank_group<g>.pair<q>.model` (one unit), both under the
// channel's name. Every model must behave as rtl/pim_pu/doc/spec.md says,
// with the timing contract of pim_unit::PimUnit: commands in increasing cycles,
// issue() returns a RESULT's data at once, settle(t) applies every effect of
// the cycles before t.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "pim_unit/unit.h"

namespace pimlab::tlm_hbm {

class PimUnitModel {
 public:
  virtual ~PimUnitModel() = default;
  virtual bool issue(const pim_unit::Command& cmd, pim_unit::Cycle t, const pim_unit::PimUnit::Rows& rows,
                     std::array<std::uint8_t, 32>* result) = 0;
  virtual void settle(pim_unit::Cycle t) = 0;  // effects of every cycle < t are in the rows
  virtual void settle_all() = 0;         // every effect of the commands so far
  virtual bool writeback_pending() const = 0;
  virtual std::uint8_t err_cause() const = 0;
  virtual std::string last_error() const = 0;
  virtual const pim_unit::PuParams& params() const = 0;
  bool err() const { return err_cause() != 0; }
};

// The behavioural unit as a PimUnitModel.
class BehaviouralUnitModel : public PimUnitModel {
 public:
  explicit BehaviouralUnitModel(const pim_unit::PuParams& p) : m_unit(p) {}
  bool issue(const pim_unit::Command& cmd, pim_unit::Cycle t, const pim_unit::PimUnit::Rows& rows,
             std::array<std::uint8_t, 32>* result) override {
    return m_unit.issue(cmd, t, rows, result);
  }
  void settle(pim_unit::Cycle t) override { m_unit.settle(t); }
  void settle_all() override { m_unit.settle_all(); }
  bool writeback_pending() const override { return m_unit.writeback_pending(); }
  std::uint8_t err_cause() const override { return m_unit.err_cause(); }
  std::string last_error() const override { return m_unit.last_error(); }
  const pim_unit::PuParams& params() const override { return m_unit.params(); }
  pim_unit::PimUnit& unit() { return m_unit; }

 private:
  pim_unit::PimUnit m_unit;
};

// What a model factory gets: the unit's hierarchical name
// ("top.ch0.pch0.bank_group1.pair0"), its parameters and the channel clock.
struct PimUnitSite {
  std::string name;
  int pch = 0, bank_group = 0, pair = 0;
  pim_unit::PuParams params;
  std::uint64_t tck_ps = 1000;
};
using PimUnitFactory = std::function<std::unique_ptr<PimUnitModel>(const PimUnitSite&)>;

// Registry of unit models by name; "behavioural" is always there. Register
// before the channels are constructed.
inline std::map<std::string, PimUnitFactory>& pim_unit_models() {
  static std::map<std::string, PimUnitFactory> models{
      {"behavioural", [](const PimUnitSite& s) { return std::make_unique<BehaviouralUnitModel>(s.params); }}};
  return models;
}
inline void register_pim_unit_model(const std::string& name, PimUnitFactory f) { pim_unit_models()[name] = std::move(f); }
inline std::vector<std::string> pim_unit_model_names() {
  std::vector<std::string> out;
  for (const auto& [n, f] : pim_unit_models()) out.push_back(n);
  return out;
}

}  // namespace pimlab::tlm_hbm
