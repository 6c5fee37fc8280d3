// A system back-end from its name and the run's options (docs/serving.md):
// the GPU-host systems (serving/gpu_backend.h) and the NPU systems.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "gpu/host.h"
#include "model/model.h"
#include "model/system.h"
#include "pim/attacc.h"
#include "serving/cim_place.h"
#include "serving/cost.h"
#include "serving/neupims_backend.h"
#include "serving/overlap.h"

namespace pimlab::serving {

struct SystemChoice {
  model::SystemSpec system;
  model::ModelConfig model;
  gpu::Host host;            // GPU-host systems
  int gpus = 1;              // tensor-parallel degree
  bool artifact_compatible = false;
  std::int64_t attention_lo = 0, attention_hi = 0;  // artifact-compatible PIM attention interpolation
  bool sub_batch = true;     // NPU systems: sub-batch interleaving (neupims)
  int pp = 1;                // NPU systems: pipeline-parallel degree
  int threads = 1;           // NPU systems: worker threads (results do not depend on it)
  int exact_channels = 0;    // NPU systems: 0 exact; K > 0 the fast path of docs/serving_neupims.md
  NpuIssue npu_issue = NpuIssue::own;  // NPU systems: when the NPU's transfers reach the channels
  bool reuse = true;         // exact reuse of equal kernels
  pim::AttaccPlacement attacc_placement = pim::AttaccPlacement::Bank;
  std::int64_t attacc_sample_stride = 0;  // 0: exact
  CimSystem cim;             // GPU-host systems: CIM tiles and their placement
  // Execution mode; unset: the system's own (GPU hosts serial; npu+pim serial;
  // neupims interleaved with sub_batch, else serial). Set on an NPU system,
  // serial / interleaved decide sub_batch; overlap is refused there.
  std::optional<ExecMode> mode;
  int sub_batches = 2;       // overlap: sub-batches of the decode batch (serving::kSubBatchesAuto: auto)
};

// Throws std::invalid_argument naming the system when it cannot be built.
std::unique_ptr<Backend> make_backend(const SystemChoice& c);

}  // namespace pimlab::serving
