// GPU host presets as data, and the JSON host description. Sources of every
// number: docs/gpu.md (A100/H100: the Pimba artifact's GPU table, system.md
// §3.1; B200: NVIDIA's public data sheets plus the CUDA device properties).
#include "gpu/host.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <functional>
#include <stdexcept>

namespace pimlab::gpu {

namespace {

std::vector<Host> make_presets() {
  std::vector<Host> v;
  Host a100;
  a100.name = "a100";
  a100.sms = 108;
  a100.l1_bytes_per_sm = 196608;  // 192 KiB
  a100.l2_bytes = 41943040;       // 40 MiB
  a100.peak_flops = 312e12;
  a100.hbm_bytes_per_s = 1935e9;
  a100.nvlink_bytes_per_s = 600e9;
  a100.hbm_stacks = 5;
  a100.hbm_clock_mhz = 1512;
  a100.hbm_bytes = 85899345920.0;   // A100 SXM 80 GB (80 GiB of HBM2e)
  a100.pim_dram = "hbm2-pimba";     // the papers' HBM2 (no HBM2e timing in the sources; docs/gpu.md)
  v.push_back(a100);

  Host h100;
  h100.name = "h100";
  h100.sms = 132;
  h100.l1_bytes_per_sm = 262144;  // 256 KiB
  h100.l2_bytes = 52428800;       // 50 MiB
  h100.peak_flops = 989.4e12;
  h100.hbm_bytes_per_s = 3352e9;
  h100.nvlink_bytes_per_s = 900e9;
  h100.hbm_stacks = 5;
  h100.hbm_clock_mhz = 2626;
  h100.hbm_bytes = 85899345920.0;   // H100 SXM 80 GB (80 GiB of HBM3)
  h100.pim_dram = "hbm3-5200";      // 5 x 16 GiB stacks of 16 channels at 5.2 Gb/s: 3.33 TB/s (data sheet 3.35)
  v.push_back(h100);

  Host b200;
  b200.name = "b200";
  b200.sms = 148;                   // CUDA device properties (multiProcessorCount)
  b200.l1_bytes_per_sm = 262144;    // 256 KiB unified L1/shared memory per SM
  b200.l2_bytes = 132644864;        // 126.5 MiB (CUDA device properties, l2CacheSize)
  b200.peak_flops = 2.25e15;        // data sheet FP16/BF16 tensor 4.5 PFLOPS with sparsity, dense = half
  b200.hbm_bytes_per_s = 8e12;      // data sheet: 8 TB/s HBM3e
  b200.nvlink_bytes_per_s = 1.8e12; // data sheet: fifth-generation NVLink 1.8 TB/s per GPU
  b200.hbm_stacks = 8;              // 8 HBM3e stacks (192 GB = 8 x 24 GB)
  b200.hbm_clock_mhz = 3906.25;     // 8e12 B/s / (8 stacks x 1024 bit / 8 x 2 transfers per clock)
  b200.hbm_bytes = 192e9;           // data sheet: 192 GB HBM3e
  b200.pim_dram = "hbm3-6400";      // the fastest HBM3 timing of the sources: 6.55 TB/s of the 8 (docs/gpu.md)
  v.push_back(b200);
  return v;
}

const std::vector<Host>& presets() {
  static const std::vector<Host> p = make_presets();
  return p;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + v[i];
  return s;
}

[[noreturn]] void bad(const std::string& key, const std::string& value, const std::string& allowed) {
  throw std::invalid_argument("gpu host: key '" + key + "' has value " + value + "; allowed: " + allowed);
}

// Field table: key, accessor, lower and upper bound (inclusive; lower exclusive
// when `open_low`), integer or real.
struct Field {
  const char* key;
  std::function<double&(Host&)> real;
  std::function<int&(Host&)> integer;
  double lo, hi;
  bool open_low;
};

std::vector<Field> host_fields() {
  return {
      {"sms", nullptr, [](Host& h) -> int& { return h.sms; }, 1, 1e6, false},
      {"l1_bytes_per_sm", [](Host& h) -> double& { return h.l1_bytes_per_sm; }, nullptr, 0, 1e12, true},
      {"l2_bytes", [](Host& h) -> double& { return h.l2_bytes; }, nullptr, 0, 1e15, true},
      {"peak_flops", [](Host& h) -> double& { return h.peak_flops; }, nullptr, 0, 1e20, true},
      {"hbm_bytes_per_s", [](Host& h) -> double& { return h.hbm_bytes_per_s; }, nullptr, 0, 1e16, true},
      {"nvlink_bytes_per_s", [](Host& h) -> double& { return h.nvlink_bytes_per_s; }, nullptr, 0, 1e16, true},
      {"hbm_stacks", nullptr, [](Host& h) -> int& { return h.hbm_stacks; }, 1, 1024, false},
      {"hbm_clock_mhz", [](Host& h) -> double& { return h.hbm_clock_mhz; }, nullptr, 0, 1e6, true},
      {"hbm_bytes", [](Host& h) -> double& { return h.hbm_bytes; }, nullptr, 0, 1e15, false},
      {"max_compute_util", [](Host& h) -> double& { return h.max_compute_util; }, nullptr, 0, 1, true},
      {"max_memory_util", [](Host& h) -> double& { return h.max_memory_util; }, nullptr, 0, 1, true},
  };
}

std::vector<Field> energy_fields() {
  return {
      {"hbm_pj_per_byte", [](Host& h) -> double& { return h.energy.hbm_pj_per_byte; }, nullptr, 0, 1e6, false},
      {"l2_pj_per_byte", [](Host& h) -> double& { return h.energy.l2_pj_per_byte; }, nullptr, 0, 1e6, false},
      {"l1_pj_per_byte", [](Host& h) -> double& { return h.energy.l1_pj_per_byte; }, nullptr, 0, 1e6, false},
      {"reg_pj_per_byte", [](Host& h) -> double& { return h.energy.reg_pj_per_byte; }, nullptr, 0, 1e6, false},
      {"alu_pj_per_mac", [](Host& h) -> double& { return h.energy.alu_pj_per_mac; }, nullptr, 0, 1e6, false},
      {"link_pj_per_byte", [](Host& h) -> double& { return h.energy.link_pj_per_byte; }, nullptr, 0, 1e6, false},
  };
}

std::string range_text(const Field& f) {
  auto num = [](double x) {
    char b[32];
    std::snprintf(b, sizeof b, "%.17g", x);
    return std::string(b);
  };
  return std::string(f.integer ? "an integer" : "a number") + " in " + (f.open_low ? "(" : "[") + num(f.lo) + ", " +
         num(f.hi) + "]";
}

void check_value(const Field& f, const std::string& key, double x) {
  if (!std::isfinite(x) || x > f.hi || (f.open_low ? x <= f.lo : x < f.lo)) {
    char b[32];
    std::snprintf(b, sizeof b, "%.17g", x);
    bad(key, b, range_text(f));
  }
}

void set_field(Host& h, const Field& f, const std::string& key, const nlohmann::json& v) {
  if (f.integer) {
    const bool integral = v.is_number_integer() || (v.is_number_float() && std::floor(v.get<double>()) == v.get<double>());
    if (!integral) bad(key, v.dump(), range_text(f));
    const double x = v.get<double>();
    check_value(f, key, x);
    f.integer(h) = static_cast<int>(x);
  } else {
    if (!v.is_number()) bad(key, v.dump(), range_text(f));
    const double x = v.get<double>();
    check_value(f, key, x);
    f.real(h) = x;
  }
}

void set_fields(Host& h, const std::vector<Field>& fields, const std::string& prefix, const nlohmann::json& obj,
                const std::vector<std::string>& extra_keys) {
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    if (std::find(extra_keys.begin(), extra_keys.end(), it.key()) != extra_keys.end()) continue;
    const auto f = std::find_if(fields.begin(), fields.end(), [&](const Field& x) { return it.key() == x.key; });
    if (f == fields.end()) {
      std::vector<std::string> names = extra_keys;
      for (const Field& x : fields) names.push_back(x.key);
      throw std::invalid_argument("gpu host: unknown key '" + prefix + it.key() + "'; allowed: " + join(names));
    }
    set_field(h, *f, prefix + it.key(), *it);
  }
}

}  // namespace

std::vector<std::string> pim_dram_names() { return {"hbm2-pimba", "hbm3-5200", "hbm3-6400"}; }

std::vector<std::string> preset_names() {
  std::vector<std::string> n;
  for (const Host& h : presets()) n.push_back(h.name);
  return n;
}

const Host& preset(const std::string& name) {
  const std::string key = lower(name);
  for (const Host& h : presets())
    if (h.name == key) return h;
  throw std::invalid_argument("gpu host '" + name + "' is unknown; allowed: " + join(preset_names()) +
                              " or a JSON host file (*.json)");
}

void validate(const Host& h) {
  Host copy = h;
  for (const Field& f : host_fields()) check_value(f, f.key, f.integer ? f.integer(copy) : f.real(copy));
  for (const Field& f : energy_fields()) check_value(f, std::string("energy.") + f.key, f.real(copy));
}

Host host_from_json(const nlohmann::json& j) {
  if (!j.is_object()) throw std::invalid_argument("gpu host: expected a JSON object, got " + j.dump());
  Host h;
  bool based = false;
  if (j.contains("base")) {
    const auto& b = j.at("base");
    if (!b.is_string()) bad("base", b.dump(), join(preset_names()));
    h = preset(b.get<std::string>());
    based = true;
  } else {
    // Without a base every number must be given (no silent A100 defaults).
    h.sms = 0;
    h.l1_bytes_per_sm = h.l2_bytes = h.peak_flops = h.hbm_bytes_per_s = h.nvlink_bytes_per_s = h.hbm_clock_mhz = 0;
    h.hbm_stacks = 0;
  }
  if (j.contains("name")) {
    if (!j.at("name").is_string()) bad("name", j.at("name").dump(), "a string");
    h.name = j.at("name").get<std::string>();
  } else if (!based) {
    h.name = "custom";
  }
  set_fields(h, host_fields(), "", j, {"base", "name", "energy", "pim_dram"});
  if (j.contains("pim_dram")) {
    const auto& d = j.at("pim_dram");
    const std::vector<std::string> names = pim_dram_names();
    if (!d.is_string() || std::find(names.begin(), names.end(), d.get<std::string>()) == names.end())
      bad("pim_dram", d.dump(), join(names));
    h.pim_dram = d.get<std::string>();
  }
  if (j.contains("energy")) {
    const auto& en = j.at("energy");
    if (!en.is_object()) bad("energy", en.dump(), "an object");
    set_fields(h, energy_fields(), "energy.", en, {});
  }
  if (!based) {
    Host probe = h;
    for (const Field& f : host_fields()) {
      const double x = f.integer ? f.integer(probe) : f.real(probe);
      if (x == 0 && std::string(f.key) != "hbm_bytes") throw std::invalid_argument(std::string("gpu host: key '") + f.key + "' is missing; give it or a 'base' preset (" + join(preset_names()) + ")");
    }
  }
  validate(h);
  return h;
}

Host host_from_file(const std::string& path) {
  std::ifstream f(path);
  if (!f) throw std::invalid_argument("gpu host file '" + path + "': cannot open");
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(f);
  } catch (const nlohmann::json::exception& e) {  // parse_error, or out_of_range for a number too large
    throw std::invalid_argument("gpu host file '" + path + "': malformed JSON (" + e.what() + ")");
  }
  try {
    return host_from_json(j);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(path + ": " + e.what());
  }
}

nlohmann::json to_json(const Host& h) {
  Host copy = h;
  nlohmann::json j;
  j["name"] = h.name;
  for (const Field& f : host_fields()) {
    if (f.integer)
      j[f.key] = f.integer(copy);
    else
      j[f.key] = f.real(copy);
  }
  nlohmann::json e;
  for (const Field& f : energy_fields()) e[f.key] = f.real(copy);
  j["energy"] = e;
  j["pim_dram"] = h.pim_dram;
  return j;
}

}  // namespace pimlab::gpu
