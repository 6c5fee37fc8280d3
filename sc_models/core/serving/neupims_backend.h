// The back-end of the NeuPIMs systems (docs/serving_neupims.md): one decode
// iteration of a batch on the NeuPIMs NPU and its 32 HBM2 channels, for
//  - npu-only: every operator on the NPU, the K/V caches streamed from plain
//    DRAM channels (DRAM controller flavour) at their bandwidth;
//  - npu+pim:  the naive Newton NPU+PIM baseline: attention GEMVs on the PIM
//    channels (single row buffer, COMP/READRES commands), no sub-batching,
//    per layer A (LayerNorm + QKV) -> B (attention) -> E (projection + FFN)
//    strictly serial;
//  - neupims:  dual row buffers, fused COMPS_READRES, and (by default)
//    sub-batch interleaving: stages A..F of system.md §2.4, each as long as
//    the slower of its NPU program and its PIM programs, the NPU's weight
//    traffic and the PIM commands sharing every channel at command level.
//
// The NPU programs are timed by the npu core (npu/gemm.h, npu/vector.h) with
// their operand transfers served by the channels; the channels are the
// Newton/NeuPIMs controller (pim/newton_controller.h) running the PIM command
// streams of firmware/neupims/streams.h and the NPU's striped reads and writes
// in one run. Prefill (all three systems) runs every operator on the NPU, the
// channels serving its transfers alone. Pure C++, no SystemC.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "model/model.h"
#include "npu/config.h"
#include "serving/cim_place.h"
#include "serving/cost.h"
#include "serving/timeline.h"

namespace pimlab::serving {

enum class NeupimsSystem { npu_only, npu_pim, neupims };
const char* to_string(NeupimsSystem s);  // "npu-only", "npu+pim", "neupims"
// Throws std::invalid_argument naming the value and the allowed names.
NeupimsSystem parse_neupims_system(const std::string& s);
// True for "npu-only", "npu+pim", "neupims" (the systems this back-end serves).
bool is_neupims_system(const std::string& s);

// When the NPU's transfers of a stage reach the channels
// (docs/serving_neupims.md, "When the NPU's traffic reaches the channels").
//  - offered: the stage's whole stream at its start, in program order, each
//    transfer ready when its blocks are (the NeuPIMs artifact's assumption;
//    always so in artifact-compatible mode; the fast path's base);
//  - own (the default): each transfer at the cycle the NPU program issues it
//    (double buffering lets a tile's loads go out only when a buffer is
//    free): the program and the stage's channels run in lockstep.
enum class NpuIssue { offered, own };
const char* to_string(NpuIssue i);  // "offered", "own"
// Throws std::invalid_argument naming the value and the allowed names.
NpuIssue parse_npu_issue(const std::string& s);

struct NeupimsOptions {
  NeupimsSystem system = NeupimsSystem::neupims;
  model::ModelConfig model;  // a transformer with MHA and head_dim 128 (GPT-3 presets)
  int tp = 1;                // tensor-parallel degree: the back-end times one device
  // Pipeline-parallel degree: each device holds layers / pp layers; the
  // iteration is one pipeline stage's layers (plus the LM head), as NeuPIMs
  // builds its iteration time (system.md §2.7: per-layer stage cycles x layers
  // per pipeline stage); energy counts all tp x pp devices.
  int pp = 1;
  // Sub-batch interleaving (stages A..F). Only the neupims system interleaves;
  // npu+pim is always serial (the baseline has none), npu-only has no PIM.
  bool sub_batch = true;
  // Mode `overlap` (npu+pim; docs/serving.md "Execution modes"): the
  // batch cut into `sub_batches` (1..64) whose serial stages (A, B, E per
  // layer, then the LM head) the list scheduler of serving/overlap.h runs as
  // the NPU, the channels and the PIM units allow; overrides sub_batch.
  bool overlap = false;
  int sub_batches = 2;  // or kSubBatchesAuto (serving/overlap.h): chosen per iteration
  npu::NpuConfig npu;        // default: the NeuPIMs NPU
  int channels = 32;         // HBM2 channels of one device
  double channel_bytes = 1024.0 * 1024 * 1024;  // 1 GB per channel (system.md §3.5)
  // The artifact's quirks: the NPU in artifact mode (npu::Mode::artifact), the
  // channel controller's artifact rules, no LM head (the artifact models the
  // decoder layers only).
  bool artifact_compatible = false;
  int threads = 1;           // worker threads for the per-channel runs (results do not depend on it)
  // Fast path (0 = exact, every channel with PIM work simulated together with
  // the NPU's traffic): only the K channels whose PIM stream alone is longest
  // are; the others take their PIM-alone time and are assumed not to delay
  // the NPU more (docs/serving_neupims.md states the measured error).
  int exact_channels = 0;
  // Faithful mode's default is the NPU's own issue (as on the platform);
  // artifact-compatible mode is always offered.
  NpuIssue npu_issue = NpuIssue::own;
  // CIM tiles on each device and what they take over in decode (docs/serving.md
  // "CIM tiles"): the attention softmax (npu+pim, neupims) or the FFN. Serial
  // and interleaved modes; not with overlap or artifact-compatible mode.
  CimSystem cim;
};

// One stage of the iteration as simulated (the report of the last decode()).
struct NeupimsStage {
  std::string name;   // "A".."F" (neupims / npu+pim), "layer" (npu-only), "head" (LM head)
  double time_s = 0;  // max(npu_s, pim_s)
  double npu_s = 0;   // the NPU program with its transfers served by the channels
  double pim_s = 0;   // the slowest channel's PIM commands (0: no PIM work)
  double npu_alone_s = 0;   // the NPU program on channels without PIM work
  double pim_alone_s = 0;   // the slowest channel's PIM stream without NPU traffic
  double mem_alone_s = 0;   // the NPU's traffic alone on a channel (its last completion; 0: no traffic)
  double cim_s = 0;         // the CIM tiles' part of npu_s (the NPU waits for them; 0: no CIM work)
  std::int64_t repeat = 1;  // times the stage occurs in the iteration
  int requests_npu = 0;     // requests in the NPU program
  int requests_pim = 0;     // requests whose attention runs in the stage
  // One instance on one device: the DRAM energy of its channels (events,
  // refresh and background of every channel until the stage ends; faithful
  // mode) and the energy of its PIM commands.
  double dram_energy_j = 0;
  double pim_energy_j = 0;
};

// Charges one stage's time (`time_s`, all its instances) to the categories
// the way the back-end does (docs/serving_neupims.md): the side that sets the
// stage's length is charged with it, the NPU's operators in proportion to
// their cycles (`busy`, of the program's `total` cycles) when npu_s >= pim_s,
// else the PIM attention (gemv). The platform's serving path
// (tlm_platform::PlatformBackend) charges its stage instances with it too.
void charge_stage_time(IterationCost& cost, double time_s, double npu_s, double pim_s,
                       const std::map<std::string, npu::Cycle>& busy, npu::Cycle total);

// Charges one stage's energy the way the back-end does, each figure in pJ
// times `k` (J per pJ x instances x devices): the NPU's compute and
// scratchpad energy (`host_pj`, by category) to the host; the channels' DRAM
// energy (`dram_pj`: commands, refresh, background of every channel over the
// stage) to the categories in proportion to the NPU's bytes (`bytes`), to
// gemv when the NPU moved none; the PIM commands' energy
// (`pim_pj`) to gemv. The platform's driven runs charge the channels' own
// counts with it (tlm_platform::PlatformBackend).
void charge_stage_energy(IterationCost& cost, double k, const std::map<std::string, double>& host_pj,
                         const std::map<std::string, double>& bytes, double dram_pj, double pim_pj);

class NeupimsBackend : public Backend {
 public:
  // Throws std::invalid_argument for a model or option the systems cannot run
  // (no attention, GQA, head_dim != 128, heads not divisible by tp, ...).
  explicit NeupimsBackend(const NeupimsOptions& o);
  ~NeupimsBackend() override;

  IterationCost decode(const std::vector<DecodeRequest>& batch) override;
  // One prefill pass over the chunks, every operator on the NPU
  // (firmware::compiler::npu_prefill_stages), its transfers served by the
  // channels; last_stages() then holds its stages ("prefill", "head").
  // Throws std::invalid_argument for a chunk with tokens < 1 or context < tokens.
  IterationCost prefill(const std::vector<PrefillChunk>& chunks) override;
  int kv_channels() const override;
  double kv_capacity_bytes() const override;
  std::map<std::string, std::string> describe() const override;

  const NeupimsOptions& options() const { return m_opt; }
  const CimPlacement* cim() const { return m_cim.get(); }
  // The stages of the last decode() in the order they run, with repeat counts:
  // iteration time = sum of time_s * repeat (overlap: each sub-batch's serial
  // stages in turn, whose sum is the serial time of the sub-batches).
  const std::vector<NeupimsStage>& last_stages() const { return m_stages; }
  // While set, each decode() lays its iteration out in *t (docs/serving.md
  // "Waveforms"): the stages in execution order, the NPU's operations, the
  // PIM attention of each stage, and channel 0's commands (NPU reads and
  // writes, PIM commands, refresh) of each stage's first instance.
  void record(Timeline* t) { m_trace = t; }
  // Channel runs answered from the cache / simulated, since construction.
  std::uint64_t cache_hits() const { return m_cache_hits; }
  std::uint64_t channel_runs() const { return m_channel_runs; }
  // NpuIssue::own: transfers the program issued at a cycle the channels had
  // already passed (they go out at once, as the platform's late posts).
  std::uint64_t late_issues() const { return m_late_issues; }
  // `--sub-batches auto`: decode iterations that kept each sub-batch count.
  const std::map<int, std::int64_t>& sub_batches_chosen() const { return m_sb_chosen; }

 private:
  struct Impl;
  IterationCost decode_overlap(const std::vector<DecodeRequest>& batch, const std::vector<std::uint32_t>& channel_of);
  // The overlap path with a fixed sub-batch count (>= 1): its stages appended
  // to `stages_out`, its schedule laid out into `trace` when not null.
  IterationCost overlap_with(const std::vector<DecodeRequest>& batch, const std::vector<std::uint32_t>& channel_of,
                             int sub_batches, Timeline* trace, std::vector<NeupimsStage>& stages_out);
  NeupimsOptions m_opt;
  std::map<int, std::int64_t> m_sb_chosen;  // auto: sub-batch count -> decode iterations
  std::vector<NeupimsStage> m_stages;
  std::uint64_t m_cache_hits = 0, m_channel_runs = 0, m_late_issues = 0;
  Timeline* m_trace = nullptr;
  std::unique_ptr<Impl> m_impl;
  std::unique_ptr<CimPlacement> m_cim;
};

std::unique_ptr<Backend> make_neupims_backend(const NeupimsOptions& o);

}  // namespace pimlab::serving
