#include "model/system.h"

#include <algorithm>
#include <cctype>
#include <sstream>
#include <stdexcept>

namespace pimlab::model {

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

// The papers' rule (system.md §1.2, §2.3, §4): decode attention GEMVs and
// state updates go to PIM when the system has one; everything else to the host.
std::vector<MappingRule> papers_rule() {
  return {{"", "state_update", "", Device::pim}, {"", "gemv", "", Device::pim}};
}

FormatSet fmt(ElemFormat kv_state) {
  FormatSet f;
  f.kv = f.state = kv_state;
  return f;
}

SystemSpec sys(const char* name, Device host, const char* pim, ElemFormat kv_state, const char* text) {
  SystemSpec s;
  s.name = name;
  s.host = host;
  s.pim_family = pim;
  s.formats = fmt(kv_state);
  if (s.has_pim()) s.rules = papers_rule();
  s.description = text;
  return s;
}

}  // namespace

const char* device_name(Device d) {
  switch (d) {
    case Device::gpu: return "gpu";
    case Device::npu: return "npu";
    case Device::pim: return "pim";
  }
  return "?";
}

Device parse_device(const std::string& s, Device host) {
  const std::string v = lower(trim(s));
  if (v == "host") return host;
  for (Device d : {Device::gpu, Device::npu, Device::pim})
    if (v == device_name(d)) return d;
  throw std::invalid_argument("unknown device '" + s + "' (allowed: host, gpu, npu, pim)");
}

bool MappingRule::matches(const Operator& op) const {
  if (!cls.empty() && lower(cls) != lower(class_name(op.cls))) return false;
  if (!category.empty() && lower(category) != category_name(op.category)) return false;
  if (!name.empty() && lower(name) != lower(op.name)) return false;
  return true;
}

MappingRule parse_mapping_rule(const std::string& text, Device host) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos)
    throw std::invalid_argument("mapping rule '" + text + "' has no ':DEVICE' (form: KEY=VALUE[,KEY=VALUE]:DEVICE, "
                                "KEY cls, category or name)");
  MappingRule r;
  r.device = parse_device(text.substr(colon + 1), host);
  std::stringstream ss(text.substr(0, colon));
  std::string part;
  int keys = 0;
  while (std::getline(ss, part, ',')) {
    const auto eq = part.find('=');
    const std::string key = eq == std::string::npos ? "" : lower(trim(part.substr(0, eq)));
    const std::string val = eq == std::string::npos ? "" : trim(part.substr(eq + 1));
    if (val.empty() || (key != "cls" && key != "category" && key != "name"))
      throw std::invalid_argument("mapping rule '" + text + "': '" + part +
                                  "' is not KEY=VALUE with KEY cls, category or name");
    if (key == "cls") r.cls = class_name(parse_class(val));
    if (key == "category") r.category = category_name(parse_category(val));
    if (key == "name") r.name = val;
    ++keys;
  }
  if (keys == 0) throw std::invalid_argument("mapping rule '" + text + "' matches nothing: give cls, category or name");
  return r;
}

const std::vector<SystemSpec>& systems() {
  static const std::vector<SystemSpec> s = [] {
    std::vector<SystemSpec> v;
    v.push_back(sys("gpu", Device::gpu, "", ElemFormat::fp16, "GPU roofline host, FP16, no PIM (Pimba baseline)"));
    v.push_back(sys("gpu+q", Device::gpu, "", ElemFormat::fp8,
                    "GPU with 8-bit KV cache and states (Pimba's GPU+Q), no PIM"));
    v.push_back(sys("gpu+pim", Device::gpu, "hbm-pim", ElemFormat::fp16,
                    "GPU + HBM-PIM (FP16 unit per bank pair); attention GEMVs and state updates in PIM"));
    v.push_back(sys("pimba", Device::gpu, "pimba", ElemFormat::mx8,
                    "GPU + Pimba (MX8 state and KV, SPU per bank pair)"));
    v.push_back(sys("time-multiplexed", Device::gpu, "time-multiplexed", ElemFormat::fp16,
                    "GPU + Pimba's time-multiplexed strawman (FP16)"));
    v.push_back(sys("pipelined", Device::gpu, "pipelined", ElemFormat::fp16,
                    "GPU + Pimba's pipelined strawman (FP16)"));
    v.push_back(sys("npu-only", Device::npu, "", ElemFormat::fp16, "NeuPIMs NPU with plain HBM"));
    v.push_back(sys("npu+pim", Device::npu, "newton", ElemFormat::fp16,
                    "NPU + Newton-style PIM (single row buffer, blocked mode); softmax on the NPU vector unit"));
    v.push_back(sys("neupims", Device::npu, "neupims", ElemFormat::fp16,
                    "NPU + NeuPIMs (dual row buffers); softmax on the NPU vector unit"));
    SystemSpec attacc = sys("attacc", Device::gpu, "attacc", ElemFormat::fp16,
                            "GPU + AttAcc HBM3-PIM; the whole decode attention (softmax on the buffer die) in PIM");
    // AttAcc accelerates decode attention only (score, softmax, context):
    // state updates of recurrent models stay on the GPU.
    attacc.rules = {{"SOFTMAX", "", "", Device::pim}, {"", "gemv", "", Device::pim}};
    v.push_back(attacc);
    return v;
  }();
  return s;
}

std::vector<std::string> system_names() {
  std::vector<std::string> n;
  for (const auto& s : systems()) n.push_back(s.name);
  return n;
}

const SystemSpec& find_system(const std::string& name) {
  const std::string want = lower(name);
  for (const auto& s : systems())
    if (s.name == want) return s;
  std::string all;
  for (const auto& n : system_names()) all += (all.empty() ? "" : ", ") + n;
  throw std::invalid_argument("unknown system '" + name + "' (allowed: " + all + ")");
}

GraphOptions graph_options(const SystemSpec& s, std::int64_t batch, std::int64_t context, std::int64_t tp,
                           bool artifact_compatible) {
  GraphOptions o;
  o.batch = batch;
  o.context = context;
  o.tp = tp;
  o.formats = s.formats;
  // One SU kernel when the system sends state updates to its PIM (not AttAcc's).
  Operator probe;
  probe.cls = OpClass::su;
  probe.category = Category::state_update;
  probe.name = "state_update";
  o.su_kernel = s.has_pim() && map_operator(s, probe) == Device::pim;
  o.artifact_compatible = artifact_compatible;
  // AttAcc's stacks are a device of their own beside the GPU (the Pimba
  // family's PIM is the GPU's own HBM): its attention's operands cross the link.
  o.x2g = s.host == Device::gpu && s.pim_family == "attacc";
  return o;
}

Device map_operator(const SystemSpec& s, const Operator& op, const std::vector<MappingRule>& extra) {
  auto pick = [&](Device d) { return d == Device::pim && !s.has_pim() ? s.host : d; };
  for (const auto& r : extra)
    if (r.matches(op)) return pick(r.device);
  for (const auto& r : s.rules)
    if (r.matches(op)) return pick(r.device);
  return s.host;
}

std::vector<Device> map_operators(const SystemSpec& s, const std::vector<Operator>& ops,
                                  const std::vector<MappingRule>& extra) {
  std::vector<Device> d;
  d.reserve(ops.size());
  for (const auto& op : ops) d.push_back(map_operator(s, op, extra));
  return d;
}

}  // namespace pimlab::model
