// `pimlab config --list [COMPONENT]`: every configuration key of pimlab's
// SystemC platforms with its type, unit, default, allowed values and
// description. The keys are not kept in a table here: the component is
// elaborated with an empty configuration and the declarations its parameters
// made are read back from the configuration broker (Config::describe(), the one
// place where defaults, units and descriptions live).
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <systemc>

#include "cli.h"
#include "tlm/cim/tiles.h"
#include "tlm/common/config.h"
#include "tlm/hbm/channel.h"
#include "tlm/noc/router.h"
#include "tlm/pim_rtl/rtl_unit.h"
#include "tlm/platform/platform.h"

namespace {

using pimlab::cli::Args;
using pimlab::cli::UsageError;
using pimlab::tlm_common::Config;

// The HBM-PIM channel as `pimlab cosim` builds it: module top.hbm, its
// DRAM/controller keys and one `model` key per bank-pair PIM unit.
struct HbmTop : sc_core::sc_module {
  pimlab::tlm_hbm::HbmChannel hbm;
  explicit HbmTop(const sc_core::sc_module_name& n) : sc_module(n), hbm("hbm") {}
};

// CIM tiles placed on the platform interconnect (docs/cim.md "On the
// interconnect"): top.cim (count, base, the tile keys) and the router top.noc
// (address map, links) whose map receives the tiles' ranges. Router port 0 is
// the platform's other targets (the configured address_map), the tiles follow.
struct CimTop : sc_core::sc_module {
  pimlab::tlm_cim::CimTiles cim;
  pimlab::tlm_noc::Router noc;
  explicit CimTop(const sc_core::sc_module_name& n) : sc_module(n), cim("cim"), noc("noc", 1, 1 + cim.count()) {
    cim.attach(noc, 1);
  }
};

struct Component {
  const char* name;
  const char* read_by;  // which command reads these keys
  std::function<std::unique_ptr<sc_core::sc_module>()> build;
};

const std::vector<Component>& components() {
  static const std::vector<Component> list = {
      {"hbm", "pimlab cosim --config FILE (keys top.hbm.*)", [] {
         pimlab::tlm_pim_rtl::register_unit_models({});
         return std::unique_ptr<sc_core::sc_module>(std::make_unique<HbmTop>("top"));
       }},
      {"cim", "a platform of CIM tiles on the router (keys top.cim.*, top.noc.*; tlm_cim::CimTiles, tests/sc/cim)", [] {
         return std::unique_ptr<sc_core::sc_module>(std::make_unique<CimTop>("top"));
       }},
      {"platform", "pimlab platform FILE (keys top.*: host, channels, interleave, top.npu.*, top.ch<i>.*, top.noc.*, "
                   "top.cim.*; docs/platform.md)",
       [] { return std::unique_ptr<sc_core::sc_module>(std::make_unique<pimlab::tlm_platform::Platform>("top")); }},
  };
  return list;
}

std::vector<std::string> component_names() {
  std::vector<std::string> names;
  for (const auto& c : components()) names.push_back(c.name);
  return names;
}

std::string text_of(const nlohmann::json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

const char* kSummary =
    "Lists every configuration key of a component: key, type, unit, default, allowed values and\n"
    "description, as the component declares them (a key file sets them: 'pimlab cosim --config FILE').\n"
    "COMPONENT: hbm (the HBM-PIM channel of pimlab cosim, keys top.hbm.*), cim (CIM tiles on the router,\n"
    "keys top.cim.*, top.noc.*), platform (the platform of pimlab platform FILE, keys top.*); without it,\n"
    "all of them. --file FILE elaborates COMPONENT with the keys\n"
    "of FILE loaded and adds each key's value: a bad or unknown key is one error line (exit status 2).";

int run(int argc, char** argv) {
  Args a("config",
         {{"list", "", "list the configuration keys", ""},
          {"file", "FILE", "check a key file against COMPONENT's keys and list the values it gives", ""},
          pimlab::cli::json_option()},
         1, "COMPONENT");
  a.parse(argc, argv, 2);
  if (a.help_requested()) {
    std::cout << a.help_text("--list [COMPONENT [--file FILE]] [--json [FILE|-]]", kSummary);
    return 0;
  }
  const pimlab::cli::JsonOutput json_out(a);
  if (!a.has("list")) throw UsageError("nothing to do: give --list [COMPONENT] (see 'pimlab config --help')");
  const std::string key_file = a.str("file", "");
  if (a.has("file") && a.positional().empty())
    throw UsageError("--file needs a COMPONENT (allowed: " + pimlab::cli::one_of(component_names()) + ")");
  std::vector<const Component*> chosen;
  if (a.positional().empty()) {
    for (const auto& c : components()) chosen.push_back(&c);
  } else {
    const std::string want = a.positional()[0];
    for (const auto& c : components())
      if (want == c.name) chosen.push_back(&c);
    if (chosen.empty())
      throw UsageError("unknown component '" + want + "' (allowed: " + pimlab::cli::one_of(component_names()) + ")");
  }

  setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);
  nlohmann::ordered_json doc;
  doc["command"] = "config";
  nlohmann::ordered_json comps = nlohmann::ordered_json::object();
  for (const Component* c : chosen) {
    Config::instance().clear();
    // Elaborated with nothing loaded (every parameter declares its default),
    // or with the key file's values, checked: a key no parameter took is an error.
    if (!key_file.empty()) Config::instance().load_file(key_file);
    const auto top = c->build();
    if (!key_file.empty()) Config::instance().check_consumed();
    const nlohmann::json described = Config::instance().describe();
    nlohmann::ordered_json keys = nlohmann::ordered_json::object();
    for (auto it = described.begin(); it != described.end(); ++it) {
      const nlohmann::json& e = it.value();
      nlohmann::ordered_json k;
      k["type"] = e.value("type", "");
      k["unit"] = e.value("unit", "");
      k["default"] = e.at("default");
      if (!key_file.empty()) k["value"] = e.at("value");
      k["allowed"] = e.value("allowed", "");
      k["description"] = e.value("description", "");
      keys[it.key()] = k;
    }
    comps[c->name] = {{"read_by", c->read_by}, {"keys", keys}};
  }
  doc["components"] = comps;
  json_out.write(doc, 2);
  if (json_out.table()) {
    for (const auto& [name, comp] : comps.items()) {
      std::printf("%s: %zu keys, read by %s\n", name.c_str(), comp["keys"].size(),
                  comp["read_by"].get<std::string>().c_str());
      std::printf("  %-38s %-8s %-9s %-20s %s\n", "key", "type", "unit", key_file.empty() ? "default" : "value",
                  "description; allowed");
      for (const auto& [key, k] : comp["keys"].items()) {
        const std::string unit = k["unit"].get<std::string>();
        std::printf("  %-38s %-8s %-9s %-20s %s; allowed: %s\n", key.c_str(), k["type"].get<std::string>().c_str(),
                    unit.empty() ? "-" : unit.c_str(), text_of(key_file.empty() ? k["default"] : k["value"]).c_str(),
                    k["description"].get<std::string>().c_str(), k["allowed"].get<std::string>().c_str());
      }
    }
  }
  return 0;
}

}  // namespace

PIMLAB_COMMAND("config", "list the configuration keys (type, unit, default, description) of pimlab's platforms", run);
