#include "serving/factory.h"

#include <stdexcept>

#include "serving/gpu_backend.h"

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
    return std::make_unique<GpuBackend>(o);
  }
  throw std::invalid_argument("system '" + c.system.name + "' (NPU host) is not served yet");
}

}  // namespace pimlab::serving
