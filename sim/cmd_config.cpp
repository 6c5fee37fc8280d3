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
#include "tlm/common/config.h"
#include "tlm/hbm/channel.h"
#include "tlm/pim_rtl/rtl_unit.h"

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
    "COMPONENT: hbm (the HBM-PIM channel of pimlab cosim, keys top.hbm.*); without it, all of them.";

int run(int argc, char** argv) {
  Args a("config",
         {{"list", "", "list the configuration keys", ""}, pimlab::cli::json_option()}, 1, "COMPONENT");
  a.parse(argc, argv, 2);
  if (a.help_requested()) {
    std::cout << a.help_text("--list [COMPONENT] [--json [FILE|-]]", kSummary);
    return 0;
  }
  const pimlab::cli::JsonOutput json_out(a);
  if (!a.has("list")) throw UsageError("nothing to do: give --list [COMPONENT] (see 'pimlab config --help')");
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
    // Elaborated with nothing loaded: every parameter declares its default.
    const auto top = c->build();
    const nlohmann::json described = Config::instance().describe();
    nlohmann::ordered_json keys = nlohmann::ordered_json::object();
    for (auto it = described.begin(); it != described.end(); ++it) {
      const nlohmann::json& e = it.value();
      nlohmann::ordered_json k;
      k["type"] = e.value("type", "");
      k["unit"] = e.value("unit", "");
      k["default"] = e.at("default");
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
      std::printf("  %-38s %-8s %-9s %-20s %s\n", "key", "type", "unit", "default", "description; allowed");
      for (const auto& [key, k] : comp["keys"].items()) {
        const std::string unit = k["unit"].get<std::string>();
        std::printf("  %-38s %-8s %-9s %-20s %s; allowed: %s\n", key.c_str(), k["type"].get<std::string>().c_str(),
                    unit.empty() ? "-" : unit.c_str(), text_of(k["default"]).c_str(),
                    k["description"].get<std::string>().c_str(), k["allowed"].get<std::string>().c_str());
      }
    }
  }
  return 0;
}

}  // namespace

PIMLAB_COMMAND("config", "list the configuration keys (type, unit, default, description) of pimlab's platforms", run);
