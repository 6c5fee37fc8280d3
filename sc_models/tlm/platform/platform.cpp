#include "tlm/platform/platform.h"

#include <algorithm>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <stdexcept>
#include <utility>

#include "model/graph.h"
#include "model/model.h"
#include "tlm/noc/address_map.h"

namespace pimlab::tlm_platform {

using tlm_common::Config;
using tlm_common::ConfigError;
using tlm_common::Param;

const std::vector<std::string>& host_kinds() {
  static const std::vector<std::string> kinds = {"npu", "gpu"};
  return kinds;
}

// ---------------------------------------------------------------------------
// NpuParams

namespace {

constexpr std::int64_t kMaxBytes = std::int64_t{1} << 40;

// One integer field of npu::NpuConfig: key below the NPU, range (npu::validate's),
// description, and access to the field.
struct IntField {
  const char* key;
  std::int64_t lo, hi;
  const char* unit;
  const char* description;
  std::function<void(npu::NpuConfig&, std::int64_t)> set;
  std::function<std::int64_t(const npu::NpuConfig&)> get;
};

#define PIMLAB_NPU_FIELD(key, member, lo, hi, unit, desc)                                        \
  IntField {                                                                                     \
    key, lo, hi, unit, desc, [](npu::NpuConfig& c, std::int64_t v) { c.member = static_cast<decltype(c.member)>(v); }, \
        [](const npu::NpuConfig& c) { return static_cast<std::int64_t>(c.member); }              \
  }

const std::vector<IntField>& int_fields() {
  static const std::vector<IntField> f = {
      PIMLAB_NPU_FIELD("clock_mhz", clock_mhz, 1, 100000, "MHz", "NPU clock (integer MHz; period an integer number of ps)"),
      PIMLAB_NPU_FIELD("element_bytes", element_bytes, 1, 8, "bytes", "bytes of one operand element (1, 2, 4 or 8)"),
      PIMLAB_NPU_FIELD("scratchpad_bytes", scratchpad_bytes, 1024, kMaxBytes, "bytes", "scratchpad (all buffers)"),
      PIMLAB_NPU_FIELD("accumulator_bytes", accumulator_bytes, 1024, kMaxBytes, "bytes", "accumulator (all buffers)"),
      PIMLAB_NPU_FIELD("systolic.count", systolic.count, 1, 1024, "arrays", "weight-stationary systolic arrays"),
      PIMLAB_NPU_FIELD("systolic.rows", systolic.rows, 1, 4096, "PEs", "PE rows of one array (reduction extent)"),
      PIMLAB_NPU_FIELD("systolic.cols", systolic.cols, 1, 4096, "PEs", "PE columns of one array (output columns)"),
      PIMLAB_NPU_FIELD("vector.units", vector.units, 1, 1024, "units", "vector units"),
      PIMLAB_NPU_FIELD("vector.lanes", vector.lanes, 1, 65536, "lanes", "lanes of one vector unit"),
      PIMLAB_NPU_FIELD("vector.latency.add", vector.latency.add, 1, 1000000, "cycles", "vector step: add"),
      PIMLAB_NPU_FIELD("vector.latency.mul", vector.latency.mul, 1, 1000000, "cycles", "vector step: multiply"),
      PIMLAB_NPU_FIELD("vector.latency.exp", vector.latency.exp, 1, 1000000, "cycles", "vector step: exp"),
      PIMLAB_NPU_FIELD("vector.latency.gelu", vector.latency.gelu, 1, 1000000, "cycles", "vector step: GELU"),
      PIMLAB_NPU_FIELD("vector.latency.silu", vector.latency.silu, 1, 1000000, "cycles", "vector step: SiLU"),
      PIMLAB_NPU_FIELD("vector.latency.add_tree", vector.latency.add_tree, 1, 1000000, "cycles",
                       "vector step: one level of the reduction tree"),
      PIMLAB_NPU_FIELD("vector.latency.scalar_mul", vector.latency.scalar_mul, 1, 1000000, "cycles",
                       "vector step: scalar multiply"),
      PIMLAB_NPU_FIELD("vector.latency.scalar_sqrt", vector.latency.scalar_sqrt, 1, 1000000, "cycles",
                       "vector step: scalar square root"),
      PIMLAB_NPU_FIELD("dma.request_bytes", dma.request_bytes, 1, 4096, "bytes",
                       "largest DMA request (a power of two; requests never cross a multiple of it)"),
      PIMLAB_NPU_FIELD("dma.max_outstanding", dma.max_outstanding, 0, 1 << 20, "requests",
                       "DMA requests in flight (0 = unlimited)"),
  };
  return f;
}
#undef PIMLAB_NPU_FIELD

// The NPU presets: name -> configuration.
npu::NpuConfig npu_preset(const std::string& name) {
  npu::NpuConfig c;  // "neupims": the NeuPIMs NPU (docs/npu.md)
  c.name = name;
  return c;
}
const std::vector<std::string>& npu_preset_names() {
  static const std::vector<std::string> names = {"neupims"};
  return names;
}

}  // namespace

struct NpuParams::Impl {
  std::string prefix;
  Param<std::string> preset;
  npu::NpuConfig base;
  Param<std::string> mode;
  Param<bool> double_buffered;
  Param<bool> stream_addresses;
  std::vector<std::unique_ptr<Param<std::int64_t>>> ints;

  explicit Impl(const std::string& p)
      : prefix(p),
        preset(p + ".preset", "neupims", "NPU preset (the defaults of every other key below it)", npu_preset_names()),
        base(npu_preset(preset.get())),
        mode(p + ".mode", npu::to_string(base.mode),
             "faithful: a physical weight-stationary array; artifact: the NeuPIMs simulator's rules (docs/npu.md)",
             {"faithful", "artifact"}),
        double_buffered(p + ".double_buffered", base.double_buffered, "double-buffered scratchpad and accumulator"),
        stream_addresses(p + ".dma.stream_addresses", base.dma.stream_addresses,
                         "the NeuPIMs artifact's sequential address stream from 0 instead of the tensors' placed "
                         "addresses (with a 64 B interleave: block i to channel i mod N)") {
    for (const IntField& f : int_fields())
      ints.push_back(std::make_unique<Param<std::int64_t>>(prefix + "." + f.key, f.get(base), f.unit, f.description,
                                                           f.lo, f.hi));
  }
};

NpuParams::NpuParams(const std::string& prefix) : m(std::make_unique<Impl>(prefix)) {}
NpuParams::~NpuParams() = default;

npu::NpuConfig NpuParams::config() const {
  npu::NpuConfig c = m->base;
  c.mode = m->mode.get() == "artifact" ? npu::Mode::artifact : npu::Mode::faithful;
  c.double_buffered = m->double_buffered.get();
  c.dma.stream_addresses = m->stream_addresses.get();
  for (std::size_t i = 0; i < int_fields().size(); ++i) int_fields()[i].set(c, m->ints[i]->get());
  try {
    npu::validate(c);
  } catch (const std::invalid_argument& e) {
    // "npu config: key 'K' has value V; allowed: A" -> the form of every
    // configuration error, under the hierarchical key.
    std::string what = e.what();
    const std::string k0 = "key '", v0 = "' has value ", a0 = "; allowed: ";
    const auto ik = what.find(k0), iv = what.find(v0), ia = what.find(a0);
    if (ik != std::string::npos && iv != std::string::npos && ia != std::string::npos && ik < iv && iv < ia)
      what = "config key '" + m->prefix + "." + what.substr(ik + k0.size(), iv - ik - k0.size()) + "': value " +
             what.substr(iv + v0.size(), ia - iv - v0.size()) + " is not allowed; allowed: " + what.substr(ia + a0.size());
    throw ConfigError(what);
  }
  return c;
}

struct GpuParams::Impl {
  Param<std::string> preset;
  Param<std::int64_t> gpus, request_bytes, max_outstanding;
  gpu::Host host;
  explicit Impl(const std::string& p)
      : preset(p + ".preset", "a100", "GPU preset (docs/gpu.md: where each number comes from)", gpu::preset_names()),
        gpus(p + ".gpus", 1, "GPUs", "GPUs of the tensor-parallel group (the all-reduce's hops)", 1, 1024),
        request_bytes(p + ".dma.request_bytes", 256, "bytes",
                      "largest HBM request of a kernel (requests never cross a multiple of it)", 1, 1 << 20),
        max_outstanding(p + ".dma.max_outstanding", 0, "requests", "requests in flight (0 = every request of a kernel at its start)",
                        0, 1 << 20),
        host(gpu::preset(preset.get())) {}
};

GpuParams::GpuParams(const std::string& prefix) : m(std::make_unique<Impl>(prefix)) {}
GpuParams::~GpuParams() = default;
const gpu::Host& GpuParams::host() const { return m->host; }
int GpuParams::gpus() const { return static_cast<int>(m->gpus.get()); }
tlm_gpu::DmaConfig GpuParams::dma() const {
  return {static_cast<std::uint64_t>(m->request_bytes.get()), static_cast<std::size_t>(m->max_outstanding.get())};
}

// ---------------------------------------------------------------------------
// Platform

namespace {

// Keys "<prefix><rest>" loaded and not yet taken.
std::vector<std::string> pending_with_prefix(const std::string& prefix) {
  std::vector<std::string> out;
  for (const std::string& k : Config::instance().unconsumed())
    if (k.compare(0, prefix.size(), prefix) == 0 && k.size() > prefix.size()) out.push_back(k.substr(prefix.size()));
  return out;
}

bool pending(const std::string& key) {
  const auto keys = Config::instance().unconsumed();
  return std::find(keys.begin(), keys.end(), key) != keys.end();
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (std::size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) s.replace(at, from.size(), to);
  return s;
}

}  // namespace

Platform::Platform(const sc_core::sc_module_name& name)
    : sc_module(name),
      p_host(*this, "host", "npu",
             "host kind: npu (tlm_npu::Npu, keys <top>.npu.*) or gpu (tlm_gpu::Gpu, the roofline GPU as a TLM "
             "initiator, keys <top>.gpu.*)",
             host_kinds()),
      p_channels(*this, "channels", 32u, "channels", "HBM channels <top>.ch0 .. ch<N-1> on router ports 0 .. N-1", 1u,
                 1024u),
      p_interleave_bytes(*this, "interleave_bytes", 0ull, "bytes",
                         "0: one contiguous range per channel; > 0: piece j of this size goes to channel j mod N "
                         "(a power of two, a multiple of the host's DMA request)",
                         0ull, 1ull << 40),
      p_memory_base(*this, "memory_base", 0ull, "bytes", "router address of the channels' first byte", 0ull,
                    1ull << 62),
      p_memory_bytes(*this, "memory_bytes", 0ull, "bytes",
                     "router bytes the channels hold (0 = channels x channel capacity); a multiple of "
                     "channels x interleave_bytes",
                     0ull, 1ull << 62),
      p_device_first(*this, "pim_device.first_channel", 0u, "channel",
                     "0: no PIM device; N > 0: channels N .. channels-1 are a PIM device's (an AttAcc device's "
                     "stacks beside a GPU's own HBM), with the keys of <top>.pim_device.channel.* over <top>.channel.*",
                     0u, 1023u),
      p_cim_enabled(*this, "cim_enabled", false, "build the CIM tiles <top>.cim (keys <top>.cim.*) on router ports N ..") {
  const std::string top = this->name();
  auto& cfg = Config::instance();
  const unsigned n = p_channels.get();

  // Host: its keys only (the other kind's keys are unknown keys).
  const bool gpu_host = p_host.get() == "gpu";
  npu::NpuConfig npu_cfg;
  std::uint64_t request_bytes = 0;
  std::string request_key;
  if (gpu_host) {
    m_gpu_params = std::make_unique<GpuParams>(top + ".gpu");
    request_bytes = m_gpu_params->dma().request_bytes;
    request_key = top + ".gpu.dma.request_bytes";
  } else {
    m_npu_params = std::make_unique<NpuParams>(top + ".npu");
    npu_cfg = m_npu_params->config();
    request_bytes = static_cast<std::uint64_t>(npu_cfg.dma.request_bytes);
    request_key = top + ".npu.dma.request_bytes";
  }

  // Channels, with the keys of <top>.channel.* as defaults of every channel;
  // channels first_channel .. N-1 of a PIM device (<top>.pim_device: a GPU's
  // own HBM first, then the device's stacks) take <top>.pim_device.channel.*
  // over them.
  const std::string tmpl = top + ".channel.";
  const std::string dev_tmpl = top + ".pim_device.channel.";
  const unsigned first_dev = p_device_first.get();
  const std::vector<std::string> dev_keys = pending_with_prefix(dev_tmpl);
  if (first_dev != 0 && dev_keys.empty())
    throw ConfigError("config key '" + p_device_first.key() + "': value " + std::to_string(first_dev) +
                      " names a PIM device without channel keys; allowed: 0 (none), or give " + dev_tmpl + "*");
  if (!dev_keys.empty() && (first_dev == 0 || first_dev >= n))
    throw ConfigError("config key '" + p_device_first.key() + "': value " + std::to_string(first_dev) +
                      " is not allowed with " + dev_tmpl + "* keys; allowed: 1.." + std::to_string(n - 1) +
                      " (the first of the device's channels; the host's own come before it)");
  // Per channel and key: the template key its value came from (empty: its own).
  std::vector<std::map<std::string, std::string>> source(n);
  const auto apply = [&](const std::string& prefix, const std::vector<std::string>& keys, unsigned from) {
    for (const std::string& key : keys) {
      const nlohmann::json v = *cfg.take(prefix + key);
      for (unsigned p = from; p < n; ++p) {
        const std::string own = top + ".ch" + std::to_string(p) + "." + key;
        if (!pending(own)) {
          cfg.set(own, v);
          source[p][key] = prefix + key;
        }
      }
      cfg.declare(prefix + key,
                  tlm_common::ParamRecord{v, nlohmann::json(), "",
                                          "value of " + top + ".ch<i>." + key + " for every channel" +
                                              (from ? " from " + std::to_string(from) : std::string()) +
                                              " that does not give its own",
                                          "a value of " + top + ".ch<i>." + key, v.is_string() ? "string"
                                                                              : v.is_boolean() ? "boolean"
                                                                              : v.is_number_integer() ? "integer"
                                                                              : v.is_number() ? "number"
                                                                                              : "array"});
    }
  };
  apply(dev_tmpl, dev_keys, first_dev);  // first: a device channel's value is then its own to the template
  apply(tmpl, pending_with_prefix(tmpl), 0);
  for (unsigned p = 0; p < n; ++p) {
    const std::string ch = "ch" + std::to_string(p);
    try {
      m_ch.push_back(std::make_unique<tlm_hbm::HbmChannel>(ch.c_str()));
    } catch (const ConfigError& e) {
      // A value from a template: name that key.
      std::string what = e.what();
      for (const auto& [key, from] : source[p]) what = replace_all(what, "'" + top + "." + ch + "." + key + "'", "'" + from + "'");
      throw ConfigError(what);
    }
    for (const auto& [key, from] : source[p])
      if (pending(top + "." + ch + "." + key))
        throw ConfigError("config: unknown key '" + from + "' = " + tlm_common::json_text(*cfg.take(top + "." + ch + "." + key)) +
                          " (not a key of the HBM channel; the channel's keys: pimlab config --list hbm)");
  }

  // CIM tiles (optional), then the router: one input, the channels and the tiles as outputs.
  if (p_cim_enabled.get()) m_cim = std::make_unique<tlm_cim::CimTiles>("cim");
  const unsigned outputs = n + (m_cim ? m_cim->count() : 0u);
  m_noc = std::make_unique<tlm_noc::Router>("noc", 1u, outputs);
  m_explicit_map = !m_noc->address_map().ranges().empty();

  // The memory the channels hold in the router's address space.
  std::uint64_t capacity = std::numeric_limits<std::uint64_t>::max();
  for (const auto& c : m_ch) capacity = std::min(capacity, c->capacity_bytes());
  const std::uint64_t il = p_interleave_bytes.get();
  const std::string k_il = p_interleave_bytes.key(), k_mem = p_memory_bytes.key();
  auto bad = [](const std::string& key, const std::string& value, const std::string& allowed) {
    throw ConfigError("config key '" + key + "': value " + value + " is not allowed; allowed: " + allowed);
  };
  if (il != 0) {
    if ((il & (il - 1)) != 0 || il % request_bytes != 0)
      bad(k_il, std::to_string(il),
          "0 or a power of two that is a multiple of " + request_key + " (" + std::to_string(request_bytes) + ")");
  }
  m_memory_bytes = p_memory_bytes.get() ? p_memory_bytes.get() : capacity * n;
  const std::uint64_t unit = static_cast<std::uint64_t>(n) * (il ? il : 1);
  if (m_memory_bytes % unit != 0 || m_memory_bytes / n > capacity)
    bad(k_mem, std::to_string(m_memory_bytes),
        "0 or a multiple of " + std::to_string(unit) + " (channels x " + (il ? "interleave_bytes" : "1") +
            ") of at most " + std::to_string(capacity * n) + " (channels x channel capacity)");
  constexpr std::uint64_t kMaxPieces = 1ull << 20;
  if (il && m_memory_bytes / il > kMaxPieces)
    bad(k_mem, std::to_string(m_memory_bytes),
        "at most " + std::to_string(kMaxPieces) + " interleave pieces (memory_bytes / interleave_bytes = " +
            std::to_string(m_memory_bytes / il) + "); map fewer bytes or interleave more coarsely");
  if (m_memory_bytes - 1 > std::numeric_limits<std::uint64_t>::max() - p_memory_base.get())
    bad(p_memory_base.key(), std::to_string(p_memory_base.get()), "a base with base + memory_bytes within 64 bits");

  if (!m_explicit_map) {
    std::vector<tlm_noc::AddressRange> ranges;
    const std::uint64_t base = p_memory_base.get();
    if (il == 0) {
      const std::uint64_t per = m_memory_bytes / n;
      for (unsigned p = 0; p < n; ++p) ranges.push_back({base + p * per, per, p, 0, 0});
    } else {
      const std::uint64_t pieces = m_memory_bytes / il;
      ranges.reserve(pieces);
      for (std::uint64_t j = 0; j < pieces; ++j)
        ranges.push_back({base + j * il, il, static_cast<unsigned>(j % n), (j / n) * il, 0});
    }
    m_noc->add_ranges(ranges);
  }
  if (m_cim) m_cim->map_into(*m_noc, n);

  // The host: built last, with its keys checked above.
  if (gpu_host) {
    m_gpu = std::make_unique<tlm_gpu::Gpu>("gpu", m_gpu_params->host(), m_gpu_params->dma(), m_gpu_params->gpus());
    m_gpu->socket.bind(m_noc->target_socket);
  } else {
    m_npu = std::make_unique<tlm_npu::Npu>("npu", npu_cfg);
    m_npu->socket.bind(m_noc->target_socket);
  }
  for (auto& c : m_ch) m_noc->initiator_socket.bind(c->socket);
  if (m_cim)
    for (unsigned i = 0; i < m_cim->count(); ++i) m_noc->initiator_socket.bind(m_cim->tile(i).socket);
}

Platform::~Platform() = default;

tlm_npu::Npu& Platform::npu() {
  if (!m_npu) throw std::logic_error("platform " + std::string(name()) + ": the host is not an NPU");
  return *m_npu;
}
tlm_gpu::Gpu& Platform::gpu() {
  if (!m_gpu) throw std::logic_error("platform " + std::string(name()) + ": the host is not a GPU");
  return *m_gpu;
}

std::vector<std::string> Platform::components() const {
  std::vector<std::string> out;
  out.push_back(m_gpu ? m_gpu->name() : m_npu->name());
  out.push_back(m_noc->name());
  out.push_back(std::string(m_noc->name()) + ".in0");
  for (std::size_t p = 0; p < m_ch.size() + (m_cim ? m_cim->count() : 0u); ++p)
    out.push_back(std::string(m_noc->name()) + ".out" + std::to_string(p));
  for (const auto& c : m_ch) out.push_back(c->name());
  if (m_cim)
    for (unsigned i = 0; i < m_cim->count(); ++i) out.push_back(m_cim->tile(i).name());
  return out;
}

std::unique_ptr<Platform> build(const nlohmann::json& doc) {
  if (!doc.is_object()) throw ConfigError("platform document: expected a JSON object, got " + std::string(doc.type_name()));
  Config::instance().clear();
  Config::instance().load(doc);
  auto top = std::make_unique<Platform>("top");
  Config::instance().check_consumed();
  return top;
}

Overrides parse_overrides(const std::vector<std::string>& items) {
  Overrides out;
  for (const std::string& item : items) {
    const std::size_t eq = item.find('=');
    if (eq == std::string::npos || eq == 0)
      throw ConfigError("platform override '" + item + "': expected KEY=VALUE (e.g. top.pim_device.channel.placement=bg)");
    const std::string text = item.substr(eq + 1);
    nlohmann::json v = nlohmann::json::parse(text, nullptr, false);
    if (v.is_discarded()) v = text;  // not JSON: a string
    out.emplace_back(item.substr(0, eq), std::move(v));
  }
  return out;
}

std::unique_ptr<Platform> build_from_file(const std::string& path, const Overrides& overrides) {
  Config::instance().clear();
  Config::instance().load_file(path);
  // Flattened like the file's own keys (an object value gives KEY.sub keys).
  for (const auto& [key, value] : overrides) Config::instance().load(nlohmann::json{{key, value}});
  auto top = std::make_unique<Platform>("top");
  Config::instance().check_consumed();
  return top;
}

tlm_npu::TensorPlacement place_gemm(const npu::GemmShape& shape, int element_bytes, std::uint64_t& base) {
  constexpr std::uint64_t kAlign = 4096;
  auto take = [&](std::uint64_t bytes) {
    const std::uint64_t at = (base + kAlign - 1) / kAlign * kAlign;
    base = at + bytes;
    return at;
  };
  const std::uint64_t eb = static_cast<std::uint64_t>(element_bytes);
  tlm_npu::TensorPlacement p;
  p.w = take(static_cast<std::uint64_t>(shape.k) * shape.n * eb);
  p.x = take(static_cast<std::uint64_t>(shape.m) * shape.k * eb);
  if (shape.bias) p.bias = take(static_cast<std::uint64_t>(shape.n) * eb);
  p.y = take(static_cast<std::uint64_t>(shape.m) * shape.n * eb);
  return p;
}

std::vector<LayerGemm> decoder_layer_gemms(const std::string& model_name, std::int64_t batch, std::int64_t tp) {
  model::GraphOptions go;
  go.batch = batch;
  go.tp = tp;
  std::vector<LayerGemm> out;
  for (const model::Operator& op : model::decode_graph(model::resolve_model(model_name), go))
    if (op.cls == model::OpClass::fc && op.block == "decoder") out.push_back({op.name, npu::GemmShape{op.m, op.k, op.n, true}});
  return out;
}

}  // namespace pimlab::tlm_platform
