// The GPU-host systems (gpu, gpu+q, gpu+pim, pimba, time-multiplexed,
// pipelined, attacc): each operator of the model's decode graph runs on the GPU
// roofline host (gpu/roofline.h) or, when the system's rules map it to PIM, as
// a PIM kernel at command level on the GPU's PIM channels: Pimba family
// (serving/pimba_pim.h) or AttAcc stacks (serving/attacc_pim.h). Mode `serial`
// (the Pimba system's): host and PIM take turns, the iteration time is the sum
// of its operators' times. Mode `overlap` (systems with PIM or CIM tiles): the
// batch is cut into sub-batches whose operator chains the list scheduler of
// serving/overlap.h runs at once on the host, the channels, the PIM units and
// the CIM tiles.
// Tensor parallelism: the graph is one GPU's shard; time is one GPU's, energy
// counts every GPU (system.md §1.2). docs/serving.md.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "gpu/host.h"
#include "gpu/roofline.h"
#include "model/model.h"
#include "model/system.h"
#include "serving/cost.h"
#include "serving/attacc_pim.h"
#include "serving/cim_place.h"
#include "serving/overlap.h"
#include "serving/pimba_pim.h"
#include "serving/timeline.h"

namespace pimlab::serving {

struct GpuSystemOptions {
  model::SystemSpec system;  // host must be gpu; PIM family none or a Pimba variant
  model::ModelConfig model;
  gpu::Host host;
  int gpus = 1;  // tensor-parallel degree (GPUs, each with its own PIM channels)
  std::vector<model::MappingRule> extra_rules;  // user rules, before the system's
  bool artifact_compatible = false;
  // Artifact-compatible only: PIM attention is run at these two KV lengths and
  // interpolated linearly in between (system.md §1.5; lin+1 and lin+lout).
  std::int64_t attention_lo = 0, attention_hi = 0;
  bool reuse = true;  // exact reuse of equal PIM kernels / channel streams
  pim::AttaccPlacement attacc_placement = pim::AttaccPlacement::Bank;  // attacc system
  std::int64_t attacc_sample_stride = 0;  // attacc system: 0 exact, else AttaccPimOptions::sample_stride
  CimSystem cim;  // CIM tiles of each GPU and what is placed on them (place none: no CIM)
  ExecMode mode = ExecMode::serial;  // serial or overlap (overlap: systems with PIM or CIM tiles, not in artifact mode)
  int sub_batches = 2;               // overlap: sub-batches of the decode batch (1..64, or kSubBatchesAuto)
};

// A GPU host's Pimba-family PIM channels: faithful, every stack's channels of
// the host's own HBM preset (gpu::Host::pim_dram); artifact-compatible, 8 HBM2
// channels (hbm2-pimba) per stack whatever the GPU.
void set_gpu_pim_channels(PimbaPimOptions& p, const gpu::Host& h, bool artifact_compatible);

class GpuBackend : public Backend {
 public:
  explicit GpuBackend(const GpuSystemOptions& o);
  IterationCost decode(const std::vector<DecodeRequest>& batch) override;
  IterationCost prefill(const std::vector<PrefillChunk>& chunks) override;
  int kv_channels() const override { return 0; }
  double kv_capacity_bytes() const override;
  std::map<std::string, std::string> describe() const override;
  const PimbaPim* pim() const { return m_pim.get(); }
  const AttaccPim* attacc() const { return m_attacc.get(); }
  const CimPlacement* cim() const { return m_cim.get(); }
  // Record the next decode() into `t` (null: stop recording). The operators
  // are laid out layer by layer in graph order; the PIM commands are those of
  // channel 0 in the first layer's kernels.
  void record(Timeline* t) { m_trace = t; }
  // `--sub-batches auto`: decode iterations that kept each sub-batch count.
  const std::map<int, std::int64_t>& sub_batches_chosen() const { return m_sb_chosen; }

 private:
  void host_op(const model::Operator& op, IterationCost& c);
  void pim_op(const model::Operator& op, const std::vector<DecodeRequest>& batch, IterationCost& c);
  void lay_out(Timeline& t) const;
  void run_ops(const std::vector<DecodeRequest>& batch, IterationCost& c);
  IterationCost decode_overlap(const std::vector<DecodeRequest>& batch);
  // The overlap path with a fixed sub-batch count (>= 1); lays the schedule out into `trace` when not null.
  IterationCost overlap_with(const std::vector<DecodeRequest>& batch, int sub_batches, Timeline* trace);
  PimKernelResult attention_kernel(firmware::pimba::Op op, std::int64_t num_op, std::int64_t rows, std::int64_t L);
  GpuSystemOptions m_o;
  void attacc_op(const model::Operator& op, const std::vector<DecodeRequest>& batch, IterationCost& c);
  std::unique_ptr<PimbaPim> m_pim;
  std::unique_ptr<AttaccPim> m_attacc;
  std::unique_ptr<CimPlacement> m_cim;
  // `name`: the operator as the waveform shows it (the FFN placement runs
  // ffn_1, its activation and ffn_2 as one CIM operator).
  void cim_charge(const model::Operator& op, const std::string& name, const CimOpCost& k, IterationCost& c);
  // The placement's operators on the tiles (decode and prefill alike): true
  // when `op` was charged to them, or belongs to an FFN block they ran
  // (`ffn_act`: between ffn_1 and ffn_2). `lengths`: each request's KV length
  // (the softmax rows' length; (num_op / requests) x m rows per request).
  bool cim_op(const model::Operator& op, const std::vector<std::int64_t>& lengths, bool& ffn_act, IterationCost& c);
  Timeline* m_trace = nullptr;
  bool m_collect = false;  // fill m_traced (recording, or the overlap mode's chains)
  struct Traced {  // one operator instance of the recorded iteration
    std::string name, category;
    bool pim = false;
    double time_s = 0;   // one instance
    std::int64_t repeat = 1;
    std::vector<std::pair<std::uint64_t, pim::Command>> commands;  // channel 0, PIM kernels
    double flops = 0, bytes = 0;  // host operators, one instance
    double memory_s = 0;          // host operators, one instance: the roofline's memory term (<= time_s)
    bool cim = false;  // a CIM operator (the tiles' time of the operators it replaces)
    const char* device() const { return pim ? "pim" : cim ? "cim" : "host"; }
  };
  std::vector<Traced> m_traced;
  using OpKey = std::tuple<int, std::int64_t, std::int64_t, std::int64_t, std::int64_t, int>;
  std::map<OpKey, gpu::OpResult> m_gpu_cache;  // the roofline is stateless: exact reuse
  std::map<int, std::int64_t> m_sb_chosen;      // auto: sub-batch count -> decode iterations
};

}  // namespace pimlab::serving
