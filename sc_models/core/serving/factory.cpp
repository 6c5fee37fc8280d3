#include "serving/factory.h"

#include <stdexcept>

#include "serving/gpu_backend.h"
#include "serving/neupims_backend.h"

namespace pimlab::serving {

std::unique_ptr<Backend> make_backend(const SystemChoice& c) {
  if (c.system.host == model::Device::gpu) {
    GpuSystemOptions o;
    o.system = c.system;
    o.model = c.model;
    o.host = c.host;
    o.gpus = c.gpus;
    o.artifact_compatible = c.artifact_compatible;
    o.attention_lo = c.attention_lo;
    o.attention_hi = c.attention_hi;
    o.reuse = c.reuse;
    o.attacc_placement = c.attacc_placement;
    o.attacc_sample_stride = c.attacc_sample_stride;
    o.cim = c.cim;
    o.mode = c.mode.value_or(ExecMode::serial);
    o.sub_batches = c.sub_batches;
    return std::make_unique<GpuBackend>(o);
  }
  // NPU host: the NeuPIMs systems, by PIM design.
  NeupimsOptions o;
  if (c.system.pim_family.empty()) o.system = NeupimsSystem::npu_only;
  else if (c.system.pim_family == "newton") o.system = NeupimsSystem::npu_pim;
  else if (c.system.pim_family == "neupims") o.system = NeupimsSystem::neupims;
  else
    throw std::invalid_argument("system '" + c.system.name + "': an NPU host with PIM design '" + c.system.pim_family +
                                "' is not served (NPU hosts take none, newton or neupims)");
  o.model = c.model;
  o.tp = c.gpus;
  o.pp = c.pp;
  o.sub_batch = c.sub_batch;
  if (c.mode) {
    // npu-only has no PIM: nothing to overlap or interleave. neupims: its NPU
    // traffic shares the banks with running kernels, and only `interleaved`
    // simulates that sharing (the overlap scheduler would hide the traffic
    // under the kernels at no cost).
    const std::string allowed = o.system == NeupimsSystem::neupims  ? "serial, interleaved"
                                : o.system == NeupimsSystem::npu_pim ? "serial, overlap"
                                                                     : "serial";
    if ((*c.mode == ExecMode::overlap && o.system != NeupimsSystem::npu_pim) ||
        (*c.mode == ExecMode::interleaved && o.system != NeupimsSystem::neupims))
      throw std::invalid_argument(
          "system '" + c.system.name + "': mode '" + mode_name(*c.mode) + "' is not built for it (allowed: " + allowed +
          ")" +
          (o.system == NeupimsSystem::neupims
               ? "; its NPU traffic shares the banks with running PIM kernels, which only 'interleaved' simulates"
               : ""));
    o.sub_batch = *c.mode == ExecMode::interleaved;
    o.overlap = *c.mode == ExecMode::overlap;
    o.sub_batches = c.sub_batches;
  }
  o.artifact_compatible = c.artifact_compatible;
  o.threads = c.threads;
  o.exact_channels = c.exact_channels;
  o.npu_issue = c.npu_issue;
  o.cim = c.cim;
  return make_neupims_backend(o);
}

}  // namespace pimlab::serving
