// Systems of the papers as data: host kind, PIM family, element formats, and
// the rule table that maps each operator of a graph to a device.
#pragma once

#include <string>
#include <vector>

#include "model/graph.h"

namespace pimlab::model {

enum class Device { gpu, npu, pim };
const char* device_name(Device d);  // "gpu", "npu", "pim"
// "host" is accepted too when a host is given. Throws std::invalid_argument.
Device parse_device(const std::string& s, Device host);

// One mapping rule: an operator matches when every non-empty field equals its
// class name, category name or operator name (case-insensitive). First match wins.
struct MappingRule {
  std::string cls;       // "SOFTMAX", ... or empty
  std::string category;  // "gemv", ... or empty
  std::string name;      // "attention_softmax", ... or empty
  Device device = Device::gpu;
  bool matches(const Operator& op) const;
};
// Parses "KEY=VALUE[,KEY=VALUE]:DEVICE" with KEY one of cls, category, name,
// e.g. "category=gemv:pim", "name=attention_softmax:host". `host` resolves "host".
MappingRule parse_mapping_rule(const std::string& text, Device host);

struct SystemSpec {
  std::string name;        // "gpu", "pimba", ...
  Device host = Device::gpu;
  std::string pim_family;  // "" = no PIM; "hbm-pim", "pimba", "time-multiplexed", "pipelined",
                           // "newton", "neupims", "attacc"
  FormatSet formats;
  std::vector<MappingRule> rules;  // first match wins; no match -> host
  std::string description;
  bool has_pim() const { return !pim_family.empty(); }
};

// gpu, gpu+q, gpu+pim, pimba, time-multiplexed, pipelined, npu-only, npu+pim, neupims, attacc.
const std::vector<SystemSpec>& systems();
std::vector<std::string> system_names();
// Case-insensitive; throws std::invalid_argument listing the names.
const SystemSpec& find_system(const std::string& name);

// Graph options of a system: its formats, and a state-update kernel when the
// system has PIM.
GraphOptions graph_options(const SystemSpec& s, std::int64_t batch, std::int64_t context, std::int64_t tp,
                           bool artifact_compatible);
// Device of one operator under the system's rules (extra rules first).
Device map_operator(const SystemSpec& s, const Operator& op, const std::vector<MappingRule>& extra = {});
std::vector<Device> map_operators(const SystemSpec& s, const std::vector<Operator>& ops,
                                  const std::vector<MappingRule>& extra = {});

}  // namespace pimlab::model
