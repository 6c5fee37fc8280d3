// The platform builder (docs/platform.md): one configuration document, keyed
// by SystemC hierarchical names, builds the module `top` with its host, the
// interconnect, N HBM(-PIM) channels and optional CIM tiles.
//
//   host (top.npu or top.gpu) ─► top.noc (Router, 1 input) ─► top.ch0 .. top.ch<N-1> (HbmChannel)
//                                               └► top.cim.tile0 ..      (CimTiles, optional)
//
// Structural keys of `top` are declared like every other parameter
// (tlm_common::Param: type, range or allowed values, one-line ConfigError):
//   top.host              host kind: "npu" (tlm_npu::Npu, keys top.npu.*) or "gpu"
//                         (tlm_gpu::Gpu, keys top.gpu.*: preset, gpus, dma.request_bytes,
//                         dma.max_outstanding)
//   top.channels          number of HBM channels (router ports 0 .. N-1)
//   top.interleave_bytes  0: channel p holds the router addresses
//                         [memory_base + p S, memory_base + (p + 1) S), S = memory_bytes / N;
//                         > 0: piece j of interleave_bytes goes to channel j mod N at
//                         channel address (j div N) x interleave_bytes
//   top.memory_base, top.memory_bytes  the router addresses the channels hold (0 = N x capacity)
//   top.cim_enabled       build the CIM tiles (top.cim.*, router ports N ..)
// The generated ranges are added to the router's map (Router::add_ranges); they
// are not part of `top.noc.address_map`'s value: the keys above reproduce them.
// A non-empty top.noc.address_map replaces the generated ranges (the explicit map).
// `top.channel.<key>` gives <key> to every channel that has no `top.ch<i>.<key>` of
// its own (e.g. top.channel.preset = "hbm2"); a bad value is reported under the
// top.channel key. `top.pim_device.first_channel` = F > 0 with
// `top.pim_device.channel.<key>` gives <key> to channels F .. N-1 over
// top.channel (a GPU's own HBM on channels 0 .. F-1, a PIM device's stacks
// after it: configs/platforms/attacc-a100.json).
// NPU keys: top.npu.* (NpuParams below: every field of npu::NpuConfig).
//
// Load the document into tlm_common::Config first, then construct the Platform
// (named "top"), then Config::check_consumed(). Errors are tlm_common::ConfigError.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>
#include <systemc>

#include "npu/config.h"
#include "tlm/cim/tiles.h"
#include "tlm/gpu/gpu.h"
#include "tlm/common/config.h"
#include "tlm/common/stats.h"
#include "tlm/hbm/channel.h"
#include "tlm/noc/router.h"
#include "tlm/npu/npu.h"

namespace pimlab::tlm_platform {

// The host kinds the builder knows.
const std::vector<std::string>& host_kinds();

// Every field of npu::NpuConfig as a configuration parameter under `prefix`
// (the NPU module's hierarchical name): preset, mode, clock_mhz, element_bytes,
// scratchpad_bytes, accumulator_bytes, double_buffered, systolic.{count,rows,cols},
// vector.{units,lanes}, vector.latency.*, dma.{request_bytes,max_outstanding}.
// Defaults are the preset's (npu::NpuConfig{} = the NeuPIMs NPU); ranges are
// those of npu::validate(), whose cross-field checks run in config().
class NpuParams {
 public:
  explicit NpuParams(const std::string& prefix);
  ~NpuParams();
  // The configuration; throws ConfigError naming the key for a combination
  // npu::validate() refuses (e.g. a scratchpad too small for one tile).
  npu::NpuConfig config() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> m;
};

// The GPU host's keys under `prefix`: preset (a100, h100, b200), gpus (the
// tensor-parallel group: the all-reduce's hops), dma.request_bytes,
// dma.max_outstanding.
class GpuParams {
 public:
  explicit GpuParams(const std::string& prefix);
  ~GpuParams();
  const gpu::Host& host() const;
  int gpus() const;
  tlm_gpu::DmaConfig dma() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> m;
};

class Platform : public sc_core::sc_module {
 public:
  // `name` should be "top" (the keys' first component).
  explicit Platform(const sc_core::sc_module_name& name);
  ~Platform() override;

  tlm_common::Param<std::string> p_host;
  tlm_common::Param<std::uint32_t> p_channels;
  tlm_common::Param<std::uint64_t> p_interleave_bytes;
  tlm_common::Param<std::uint64_t> p_memory_base;
  tlm_common::Param<std::uint64_t> p_memory_bytes;
  tlm_common::Param<std::uint32_t> p_device_first;
  tlm_common::Param<bool> p_cim_enabled;

  // The host: npu() on an NPU platform, gpu() on a GPU one (std::logic_error otherwise).
  tlm_npu::Npu& npu();
  tlm_gpu::Gpu& gpu();
  bool gpu_host() const { return m_gpu != nullptr; }
  tlm_noc::Router& noc() { return *m_noc; }
  unsigned channel_count() const { return static_cast<unsigned>(m_ch.size()); }
  tlm_hbm::HbmChannel& channel(unsigned p) { return *m_ch.at(p); }
  tlm_cim::CimTiles* cim() { return m_cim.get(); }
  // Router addresses held by the channels: [memory_base, memory_base + memory_bytes).
  std::uint64_t memory_base() const { return p_memory_base.get(); }
  std::uint64_t memory_bytes() const { return m_memory_bytes; }
  // True when top.noc.address_map was given (no generated ranges).
  bool explicit_map() const { return m_explicit_map; }

  // Hierarchical names of the components that report stats (host, router,
  // its links, channels, CIM tiles), in construction order.
  std::vector<std::string> components() const;

 private:
  std::unique_ptr<NpuParams> m_npu_params;
  std::unique_ptr<tlm_npu::Npu> m_npu;
  std::unique_ptr<GpuParams> m_gpu_params;
  std::unique_ptr<tlm_gpu::Gpu> m_gpu;
  std::vector<std::unique_ptr<tlm_hbm::HbmChannel>> m_ch;
  std::unique_ptr<tlm_cim::CimTiles> m_cim;
  std::unique_ptr<tlm_noc::Router> m_noc;
  std::uint64_t m_memory_bytes = 0;
  bool m_explicit_map = false;
};

// KEY=VALUE overrides of a platform file (`pimlab platform --set`, `pimlab
// run --platform-set`): VALUE is read as JSON when it parses (40, true,
// "bank", {"trace": true}), else taken as a string (bg). Throws ConfigError
// naming an item without '=' or with an empty key.
using Overrides = std::vector<std::pair<std::string, nlohmann::json>>;
Overrides parse_overrides(const std::vector<std::string>& items);

// Loads `path` (errors name the file: not JSON, not an object), then the
// overrides over it in order, builds the platform `top` and checks that every
// key was used (an override of an unknown key is reported as any unknown key
// is). Clears the configuration broker first (one platform per process).
std::unique_ptr<Platform> build_from_file(const std::string& path, const Overrides& overrides = {});
std::unique_ptr<Platform> build(const nlohmann::json& doc);

// Where a GEMM's tensors go in the platform's memory: W, X, bias, Y back to
// back from `base` (each at a 4 KiB boundary); returns the placement and moves
// `base` past Y.
tlm_npu::TensorPlacement place_gemm(const npu::GemmShape& shape, int element_bytes, std::uint64_t& base);

// The GEMMs of one decoder layer of `model` (a preset name or a config file,
// model::resolve_model) at decode batch `batch` and tensor-parallel degree
// `tp`: the FC operators of model::decode_graph's decoder block, in order
// (e.g. GPT-3: qkv, proj, ffn_1, ffn_2), with bias.
struct LayerGemm {
  std::string name;
  npu::GemmShape shape;
};
std::vector<LayerGemm> decoder_layer_gemms(const std::string& model, std::int64_t batch, std::int64_t tp);

}  // namespace pimlab::tlm_platform
