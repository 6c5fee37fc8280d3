// The serving loop's iterations on the SystemC platform (docs/serving.md,
// "Iterations on the SystemC platform"). PlatformBackend is a serving back-end
// around a system's own back-end (the NeuPIMs systems' NeupimsBackend or the
// GPU hosts' GpuBackend, or a decorator of either): every iteration is first
// timed and charged by that back-end; the chosen ones are then compiled as
// `pimlab compile` compiles them (the template's model, system, TP,
// sub-batching, placement and PIM channels, the requests' KV lengths and the
// channels the loop placed them on) and executed on the platform by a
// step-mode StageDriver, one after the other in one simulation (the channels'
// state carried over from one iteration to the next).
//
//  - report (drive = false): the loop runs on the back-end's times; the
//    platform's are recorded beside them (iterations());
//  - drive: every decode iteration runs on the platform and the loop takes the
//    platform's time: its clock, so the admissions of requests that arrive
//    later, the latencies and the generation time are the platform's. An NPU
//    iteration's categories are charged from the platform's stage instances by
//    the back-end's rule (serving::charge_stage_time), a GPU iteration's
//    kernels and PIM launches each to its own category; the host and PIM busy
//    times are the platform's. An NPU iteration's energy is the platform's
//    (the NPU program's, and every channel's own count over each stage
//    instance, idle channels included), charged by the back-end's rule
//    (serving::charge_stage_energy); a GPU iteration's energy, and the
//    bytes and flops, stay the back-end's count of the same program.
//
// Prefill passes run on the platform in drive mode (an NPU's as one pass with
// every request's chunk, firmware::compiler::CompileInput::chunks; a GPU's as
// one program per chunk length, as GpuBackend composes them) and are the
// back-end's in report mode. A Ctrl-C that stops the platform
// inside an iteration ends the loop without it (serving::IterationInterrupted)
// in drive mode; in report mode the platform stops running iterations.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "firmware/compiler/program.h"
#include "serving/cost.h"
#include "tlm/platform/platform.h"
#include "tlm/platform/stage_driver.h"

namespace pimlab::tlm_platform {

struct PlatformServingOptions {
  // What every iteration is compiled with; contexts and pinned are filled per
  // iteration (pinned when `placement` is set). timing is turned off (the
  // platform times the channel files).
  firmware::compiler::CompileInput compile;
  bool drive = false;
  // Report mode: the decode iterations (1-based) to run on the platform, or
  // all of them. Drive mode runs every one.
  std::vector<std::int64_t> iterations;
  bool all = false;
  DriverOptions driver;
  // Told when an iteration starts on the platform (a progress line;
  // iteration 0: a prefill pass of `batch` requests).
  std::function<void(std::int64_t iteration, std::size_t batch)> on_start;
};

struct PlatformIteration {
  std::int64_t iteration = 0;  // 1-based decode iteration of the run
  std::size_t batch = 0;
  double backend_s = 0;   // the back-end's time of the iteration
  double platform_s = 0;  // the platform's
  // Its energy (every device), by the back-end and on the platform (NPU
  // systems; a GPU system's is the back-end's on both: counts_energy()).
  double backend_energy_j = 0, platform_energy_j = 0;
};

struct PlatformPrefill {
  std::size_t requests = 0;
  std::int64_t tokens = 0;  // prompt tokens of the pass
  double backend_s = 0, platform_s = 0;
  double backend_energy_j = 0, platform_energy_j = 0;
};

class PlatformBackend : public serving::Backend {
 public:
  // `inner` times every iteration (and charges its energy); the driver is built
  // on `p` here (std::invalid_argument if the platform cannot run programs).
  PlatformBackend(Platform& p, serving::Backend& inner, PlatformServingOptions o);

  serving::IterationCost decode(const std::vector<serving::DecodeRequest>& batch) override;
  serving::IterationCost prefill(const std::vector<serving::PrefillChunk>& chunks) override;
  int kv_channels() const override { return m_in.kv_channels(); }
  double kv_capacity_bytes() const override { return m_in.kv_capacity_bytes(); }
  std::map<std::string, std::string> describe() const override { return m_in.describe(); }

  // The iterations run on the platform to their end, in order.
  const std::vector<PlatformIteration>& iterations() const { return m_its; }
  // Drive mode: the prefill passes run there, in order.
  const std::vector<PlatformPrefill>& prefills() const { return m_prefills; }
  const DriverReport& report() const { return m_drv.report(); }
  bool interrupted() const { return m_drv.report().interrupted; }
  // Whether the platform counts the iterations' energy (an NPU system: its
  // Newton channels and the NPU program) or takes the back-end's (a GPU system).
  bool counts_energy() const { return m_o.compile.system.host != model::Device::gpu; }
  // Wall time spent in the platform's simulation (compiling included).
  double wall_s() const { return m_wall_s; }

 private:
  serving::Backend& m_in;
  PlatformServingOptions m_o;
  StageDriver m_drv;
  // Compiles each of `ins`, runs them one after the other on the platform
  // (their summed time in t) and returns `c` (the back-end's cost of the same
  // iteration) with the platform's times.
  serving::IterationCost execute(const std::vector<firmware::compiler::CompileInput>& ins, const serving::IterationCost& c,
                                 double& t);
  std::vector<PlatformIteration> m_its;
  std::vector<PlatformPrefill> m_prefills;
  std::int64_t m_n = 0;  // decode iterations seen
  double m_wall_s = 0;
};

}  // namespace pimlab::tlm_platform
