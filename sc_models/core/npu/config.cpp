#include "npu/config.h"

#include <algorithm>
#include <functional>
#include <limits>
#include <stdexcept>
#include <vector>

namespace pimlab::npu {

const char* to_string(Mode m) { return m == Mode::faithful ? "faithful" : "artifact"; }

namespace {

constexpr std::int64_t kMaxBytes = std::int64_t{1} << 40;

// One integer field of the config: its JSON path, a pointer into the struct and its range.
struct IntField {
  std::string key;
  std::function<std::int64_t&(NpuConfig&)> ref64;  // for 64-bit fields
  std::function<int&(NpuConfig&)> ref32;           // for int fields
  std::int64_t lo, hi;
};

std::vector<IntField> int_fields() {
  auto i32 = [](std::string key, std::function<int&(NpuConfig&)> r, std::int64_t lo, std::int64_t hi) {
    return IntField{std::move(key), nullptr, std::move(r), lo, hi};
  };
  auto i64 = [](std::string key, std::function<std::int64_t&(NpuConfig&)> r, std::int64_t lo, std::int64_t hi) {
    return IntField{std::move(key), std::move(r), nullptr, lo, hi};
  };
  return {
      i64(
          "clock_mhz", [](NpuConfig& c) -> std::int64_t& { return c.clock_mhz; }, 1, 100000),
      i32(
          "element_bytes", [](NpuConfig& c) -> int& { return c.element_bytes; }, 1, 8),
      i64(
          "scratchpad_bytes", [](NpuConfig& c) -> std::int64_t& { return c.scratchpad_bytes; }, 1024, kMaxBytes),
      i64(
          "accumulator_bytes", [](NpuConfig& c) -> std::int64_t& { return c.accumulator_bytes; }, 1024, kMaxBytes),
      i32(
          "systolic.count", [](NpuConfig& c) -> int& { return c.systolic.count; }, 1, 1024),
      i32(
          "systolic.rows", [](NpuConfig& c) -> int& { return c.systolic.rows; }, 1, 4096),
      i32(
          "systolic.cols", [](NpuConfig& c) -> int& { return c.systolic.cols; }, 1, 4096),
      i32(
          "vector.units", [](NpuConfig& c) -> int& { return c.vector.units; }, 1, 1024),
      i32(
          "vector.lanes", [](NpuConfig& c) -> int& { return c.vector.lanes; }, 1, 65536),
      i32(
          "vector.latency.add", [](NpuConfig& c) -> int& { return c.vector.latency.add; }, 1, 1000000),
      i32(
          "vector.latency.mul", [](NpuConfig& c) -> int& { return c.vector.latency.mul; }, 1, 1000000),
      i32(
          "vector.latency.exp", [](NpuConfig& c) -> int& { return c.vector.latency.exp; }, 1, 1000000),
      i32(
          "vector.latency.gelu", [](NpuConfig& c) -> int& { return c.vector.latency.gelu; }, 1, 1000000),
      i32(
          "vector.latency.silu", [](NpuConfig& c) -> int& { return c.vector.latency.silu; }, 1, 1000000),
      i32(
          "vector.latency.add_tree", [](NpuConfig& c) -> int& { return c.vector.latency.add_tree; }, 1, 1000000),
      i32(
          "vector.latency.scalar_mul", [](NpuConfig& c) -> int& { return c.vector.latency.scalar_mul; }, 1, 1000000),
      i32(
          "vector.latency.scalar_sqrt", [](NpuConfig& c) -> int& { return c.vector.latency.scalar_sqrt; }, 1, 1000000),
      i32(
          "dma.request_bytes", [](NpuConfig& c) -> int& { return c.dma.request_bytes; }, 1, 4096),
      i32(
          "dma.max_outstanding", [](NpuConfig& c) -> int& { return c.dma.max_outstanding; }, 0, 1 << 20),
  };
}

std::string range_text(std::int64_t lo, std::int64_t hi) {
  return "an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]";
}

[[noreturn]] void bad(const std::string& key, const std::string& value, const std::string& allowed) {
  throw std::invalid_argument("npu config: key '" + key + "' has value " + value + "; allowed: " + allowed);
}

std::int64_t read_int(const nlohmann::json& v, const std::string& key, std::int64_t lo, std::int64_t hi) {
  if (!v.is_number_integer()) bad(key, v.dump(), range_text(lo, hi));
  if (v.is_number_unsigned() && v.get<std::uint64_t>() > static_cast<std::uint64_t>(hi))
    bad(key, v.dump(), range_text(lo, hi));
  const std::int64_t x = v.get<std::int64_t>();
  if (x < lo || x > hi) bad(key, v.dump(), range_text(lo, hi));
  return x;
}

bool is_pow2(std::int64_t v) { return v > 0 && (v & (v - 1)) == 0; }

// Walks an object level: `prefix` is the dotted path of this level.
void read_level(const nlohmann::json& j, const std::string& prefix, NpuConfig& c, const std::vector<IntField>& fields) {
  if (!j.is_object()) {
    if (prefix.empty()) throw std::invalid_argument("npu config: expected a JSON object, got " + j.dump());
    bad(prefix.substr(0, prefix.size() - 1), j.dump(), "an object");
  }
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string key = prefix + it.key();
    if (key == "name") {
      if (!it->is_string()) bad(key, it->dump(), "a string");
      c.name = it->get<std::string>();
      continue;
    }
    if (key == "mode") {
      if (it->is_string() && it->get<std::string>() == "faithful")
        c.mode = Mode::faithful;
      else if (it->is_string() && it->get<std::string>() == "artifact")
        c.mode = Mode::artifact;
      else
        bad(key, it->dump(), "\"faithful\" or \"artifact\"");
      continue;
    }
    if (key == "double_buffered") {
      if (!it->is_boolean()) bad(key, it->dump(), "true or false");
      c.double_buffered = it->get<bool>();
      continue;
    }
    if (key == "dma.stream_addresses") {
      if (!it->is_boolean()) bad(key, it->dump(), "true or false");
      c.dma.stream_addresses = it->get<bool>();
      continue;
    }
    if (key == "systolic" || key == "vector" || key == "vector.latency" || key == "dma") {
      read_level(*it, key + ".", c, fields);
      continue;
    }
    bool found = false;
    for (const auto& f : fields) {
      if (f.key != key) continue;
      const std::int64_t v = read_int(*it, key, f.lo, f.hi);
      if (f.ref64)
        f.ref64(c) = v;
      else
        f.ref32(c) = static_cast<int>(v);
      found = true;
      break;
    }
    if (!found) {
      // The allowed keys of this level.
      std::vector<std::string> heads;
      auto add = [&](const std::string& k) {
        if (k.compare(0, prefix.size(), prefix) != 0) return;
        const std::string rest = k.substr(prefix.size());
        const std::string head = rest.substr(0, rest.find('.'));
        if (head.empty() || std::find(heads.begin(), heads.end(), head) != heads.end()) return;
        heads.push_back(head);
      };
      for (const char* k : {"name", "mode", "double_buffered", "systolic.", "vector.", "vector.latency.", "dma.",
                            "dma.stream_addresses"})
        add(k);
      for (const auto& f : fields) add(f.key);
      std::string allowed;
      for (const auto& h : heads) allowed += (allowed.empty() ? "" : ", ") + h;
      throw std::invalid_argument("npu config: unknown key '" + key + "'; allowed: " + allowed);
    }
  }
}

}  // namespace

void validate(const NpuConfig& c) {
  NpuConfig copy = c;
  for (const auto& f : int_fields()) {
    const std::int64_t v = f.ref64 ? f.ref64(copy) : f.ref32(copy);
    if (v < f.lo || v > f.hi) bad(f.key, std::to_string(v), range_text(f.lo, f.hi));
  }
  if (!is_pow2(c.dma.request_bytes))
    bad("dma.request_bytes", std::to_string(c.dma.request_bytes), "a power of two in [1, 4096]");
  if (c.element_bytes != 1 && c.element_bytes != 2 && c.element_bytes != 4 && c.element_bytes != 8)
    bad("element_bytes", std::to_string(c.element_bytes), "1, 2, 4 or 8");
  // The smallest L2 tile (one block of each operand: X cols x rows, W rows x
  // cols, Y cols x cols) must fit one scratchpad buffer, its Y block one
  // accumulator buffer.
  const std::int64_t buffers = c.double_buffered ? 2 : 1;
  const std::int64_t R = c.systolic.rows, C = c.systolic.cols;
  const std::int64_t tile = (2 * R * C + C * C) * c.element_bytes;
  if (c.scratchpad_bytes / buffers < tile)
    bad("scratchpad_bytes", std::to_string(c.scratchpad_bytes),
        "at least " + std::to_string(tile * buffers) + " (one block of X, W and Y per buffer)");
  const std::int64_t acc = C * C * c.element_bytes;
  if (c.accumulator_bytes / buffers < acc)
    bad("accumulator_bytes", std::to_string(c.accumulator_bytes),
        "at least " + std::to_string(acc * buffers) + " (one cols x cols output block per buffer)");
}

NpuConfig npu_config_from_json(const nlohmann::json& j, const NpuConfig& base) {
  NpuConfig c = base;
  read_level(j, "", c, int_fields());
  validate(c);
  return c;
}

nlohmann::json to_json(const NpuConfig& c) {
  const auto& l = c.vector.latency;
  return nlohmann::json{
      {"name", c.name},
      {"mode", to_string(c.mode)},
      {"clock_mhz", c.clock_mhz},
      {"element_bytes", c.element_bytes},
      {"scratchpad_bytes", c.scratchpad_bytes},
      {"accumulator_bytes", c.accumulator_bytes},
      {"double_buffered", c.double_buffered},
      {"systolic", {{"count", c.systolic.count}, {"rows", c.systolic.rows}, {"cols", c.systolic.cols}}},
      {"vector",
       {{"units", c.vector.units},
        {"lanes", c.vector.lanes},
        {"latency",
         {{"add", l.add},
          {"mul", l.mul},
          {"exp", l.exp},
          {"gelu", l.gelu},
          {"silu", l.silu},
          {"add_tree", l.add_tree},
          {"scalar_mul", l.scalar_mul},
          {"scalar_sqrt", l.scalar_sqrt}}}}},
      {"dma",
       {{"request_bytes", c.dma.request_bytes},
        {"max_outstanding", c.dma.max_outstanding},
        {"stream_addresses", c.dma.stream_addresses}}},
  };
}

}  // namespace pimlab::npu
