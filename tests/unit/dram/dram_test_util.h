// Helpers shared by the dram unit tests: command sequences for the engine and
// the checker, and a driver that runs requests through a MemorySystem.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "dram/address_map.h"
#include "dram/checker.h"
#include "dram/controller.h"
#include "dram/engine.h"
#include "dram/memory_system.h"
#include "dram/spec.h"

namespace dramtest {

using namespace pimlab::dram;

// One command of a hand-written sequence.
struct Step {
  std::string cmd;
  int pch, bg, bank, row;
  Cycle t;
};

inline CheckedCommand to_checked(const Step& s) {
  return {checked_kind(s.cmd), PchId{s.pch}, BankGroupId{s.bg}, BankId{s.bank}, RowId{s.row}, s.t};
}

inline Command to_command(const CommandSet& set, const Step& s) {
  Command c;
  c.cls = set.id(s.cmd);
  c.addr.pch = PchId{s.pch};
  c.addr.bg = BankGroupId{s.bg};
  c.addr.bank = BankId{s.bank};
  c.addr.row = RowId{s.row};
  return c;
}

// Violations the checker reports for the last step after checking all others.
inline std::vector<Violation> checker_on(const DramSpec& spec, const std::vector<Step>& seq, bool dual = false) {
  RuleChecker chk(spec, dual);
  std::vector<Violation> last;
  for (const Step& s : seq) last = chk.check(to_checked(s));
  return last;
}

// Issues every step but the last into a fresh engine and returns the earliest
// cycle of the last one.
inline Cycle engine_earliest(const DramSpec& spec, const std::vector<Step>& seq, bool dual = false) {
  const CommandSet set = hbm_command_set();
  ChannelEngine e(spec, set, dual);
  for (std::size_t i = 0; i + 1 < seq.size(); ++i) e.issue(to_command(set, seq[i]), seq[i].t);
  return e.earliest(to_command(set, seq.back()));
}

inline bool has_rule(const std::vector<Violation>& v, const std::string& rule) {
  for (const auto& x : v)
    if (x.rule == rule) return true;
  return false;
}

inline std::string describe(const std::vector<Violation>& v) {
  std::string s;
  for (const auto& x : v) s += x.rule + ": " + x.message + "\n";
  return s;
}

// Runs `reqs` (arrival order) through a MemorySystem with the checker on.
inline nlohmann::json run_requests(const DramSpec& spec, const ControllerConfig& cfg, const AddressMap& map,
                                   const std::vector<MemRequest>& reqs, std::uint64_t* events = nullptr) {
  MemorySystem mem(spec, cfg, map, true);
  std::size_t i = 0;
  nlohmann::json s = mem.run([&](MemRequest& r) {
    if (i == reqs.size()) return false;
    r = reqs[i++];
    return true;
  });
  if (events) *events = mem.events();
  return s;
}

}  // namespace dramtest
