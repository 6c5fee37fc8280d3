// The stage driver (docs/platform.md, "Executing a compiled iteration"): runs
// one compiled decode iteration of an NPU system (`pimlab compile`,
// firmware/compiler/program.h) on the SystemC platform, stage instance by
// stage instance in the order the program lists them
// (firmware::compiler::stage_instances). Each stage instance starts when the
// previous one has ended; at its start
//  - the NPU runs the stage's program (firmware::compiler::ProgramTimer, the
//    timing the NeuPIMs back-end of `pimlab run` uses) with a DMA port whose
//    every transfer becomes TLM transactions through the router to the
//    channels: the NPU's stream striped over the channels in 64 B blocks
//    (block i of the stage's stream to channel i mod C, the channel's blocks
//    contiguous from row 16384, neupims_pim.md §10.1), each transfer one burst
//    per channel, posted at its issue cycle (npu::DmaPort::post) and waited
//    for when the program needs it (complete); the bursts of a channel due at
//    one time that follow each other in address and direction travel as one
//    transaction whose segments complete on their own
//    (tlm_hbm::SegmentExtension), so every posted burst is in flight
//    (dma.max_outstanding 0: no limit) with few SystemC threads;
//  - every channel with a file for the stage's PIM segment receives that
//    file's Newton PIM program as one transaction (PimExtension::newton);
//  - the channels' queued controllers schedule the NPU's reads and writes and
//    the PIM commands together at command level.
// The stage instance ends at the later of the NPU program's end and the last
// PIM program's completion.
//
// A GPU system's program (host.kernels: the roofline GPU's kernels and the
// Pimba-family PIM launches) runs entry by entry on a platform whose host is
// the GPU (configs/platforms/pimba-40ch.json; docs/platform.md "A GPU
// system's program"): a kernel's roofline HBM bytes through the same DMA
// lanes, a PIM launch's Pimba stream on every channel with a file for it. An
// AttAcc system's program runs on a GPU platform with an AttAcc device after
// the GPU's own HBM (top.pim_device, configs/platforms/attacc-a100.json): the
// kernels' bytes striped over the GPU's channels only, the transfers to and
// from the device (X2G) over the device's channels, each stack file's trace
// split by channel, stack s's channel k on the device's channel 16 s + k.
//
// The platform: NPU host, one router input, C = the program's channels, each
// a Newton channel (pim_family newton, frontend queued) of the program's
// variant (dual | single; npu-only: any pim_type), the generated address map
// without interleave (channel p holds [memory_base + p S, memory_base + (p+1) S),
// S >= 1 GiB). configs/platforms/neupims-32ch.json and npu-pim-32ch.json are
// such platforms. Anything else is refused before the simulation starts
// (std::invalid_argument naming the key, its value and what is allowed).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "firmware/compiler/program.h"
#include "gpu/roofline.h"
#include "tlm/platform/platform.h"

namespace pimlab::tlm_platform {

struct DriverOptions {
  // Run each stage once instead of `repeat` times (the iteration's figures
  // then count each stage's one instance `repeat` times, as the back-end does).
  bool first_instances_only = false;
  // The NeuPIMs back-end's assumption (docs/serving_neupims.md): the stage's
  // whole NPU stream is offered to the channels at the stage's start, in
  // program order, and each transfer is ready when its bursts are (the
  // program's own issue cycles, which double buffering gates, are ignored).
  // For measuring what that assumption is worth; off by default.
  bool offer_whole_stream = false;
  // The NPU's bursts in flight per channel (1..4096): a SystemC thread each,
  // blocked in b_transport until the channel completes its burst. The NPU's
  // DMA has no limit (dma.max_outstanding 0); a burst posted while this many
  // are in flight waits for one to complete, and DriverReport::bursts_waited
  // counts it (0: the limit never bound). Each thread costs two memory
  // mappings (stack and guard page) of the process's vm.max_map_count.
  int max_in_flight = 512;
};

struct StageInstanceRun {
  std::size_t program = 0;      // which program (step mode: 0, 1, ... in the order run; else 0)
  std::string name;             // A..F, layer, head, prefill
  std::size_t stage = 0;        // index into the program's stages
  std::int64_t instance = 0;    // 0 .. repeat - 1
  double start_s = 0;           // simulated time at the stage's start
  double npu_s = 0;             // the NPU program (its last write completed)
  double pim_s = 0;             // the last PIM program's completion (0: none)
  double time_s = 0;            // max(npu_s, pim_s)
  std::uint64_t npu_bytes = 0;  // bytes the NPU moved
  int pim_programs = 0;         // channels that ran a PIM program
  // The NPU program's cycles (its start to its end) and its operators'
  // cycles by category (firmware::compiler::ProgramRun::busy): what the
  // serving report charges a stage's time to when the NPU sets its length.
  std::int64_t npu_cycles = 0;
  std::map<std::string, std::int64_t> npu_busy;
  // The NPU program's DRAM bytes and its compute and scratchpad energy (pJ),
  // by category (firmware::compiler::ProgramRun::bytes, host_pj).
  std::map<std::string, double> npu_bytes_by, npu_host_pj;
  // The channels' energy over the stage instance (pJ; the Newton channels of
  // an NPU platform, 0 on others), every channel run on to the instance's
  // end first (tlm_hbm::HbmChannel::settle), so a channel idle for part or
  // all of it counts its background and refresh: its DRAM part (normal
  // commands, refresh, background) and its PIM commands' part.
  double dram_pj = 0, pim_pj = 0;
  // A GPU host's entry: the category its time is charged to (the kernel's,
  // or the PIM launch's operator's); empty for an NPU stage.
  std::string category;
};

struct DriverReport {
  std::vector<StageInstanceRun> runs;
  double iteration_s = 0;  // sum of time_s (x repeat when first_instances_only), over every program
  // Per program (step mode: each run() so far), run or begun: its share of iteration_s.
  std::vector<double> program_s;
  std::size_t programs_done = 0;  // programs run to their end (program_s.size() less one cut short)
  std::uint64_t npu_requests = 0;  // TLM transactions of the NPU's stream
  // Transfers the program issued at a cycle the simulation had already
  // passed (they go out at once); 0 when the DMA port keeps up with the core.
  std::uint64_t late_posts = 0;
  double late_s = 0;  // their lateness, summed
  std::uint64_t bursts_waited = 0;  // bursts that waited for one of max_in_flight to complete
  // SIGINT / SIGTERM (tlm_common::install_sigint_handler) arrived: the run
  // stopped before the next stage instance; `runs` holds the finished ones.
  bool interrupted = false;
};

// A GPU host's kernel entry as the roofline's operator (what the driver times).
gpu::Operator kernel_operator(const firmware::compiler::HostEntry& e);

// One program (`pimlab platform --program`), or in step mode a sequence run
// back to back, each handed in when the previous one has ended (the decode
// iterations of a serving run, `pimlab run --platform`; PlatformBackend).
class StageDriver {
 public:
  // Validates the pair and installs the NPU's program. Build the platform
  // first; then sc_start(); then report(). Throws std::invalid_argument.
  // `prog` must outlive the simulation (the driver reads it as it runs).
  StageDriver(Platform& p, const firmware::compiler::SystemProgram& prog, const DriverOptions& o = {});
  // Step mode: the programs come one at a time from outside the simulation
  // (the serving loop of `pimlab run --platform`). Build the platform first;
  // do not call sc_start() yourself: run() does.
  explicit StageDriver(Platform& p, const DriverOptions& o = {});
  // Step mode only: validates `prog` as the constructors do (throws
  // std::invalid_argument; nothing runs), then runs it from the simulated time
  // at which the previous one ended (channel state carried over), resuming the
  // simulation until it has ended (sc_start; the driver pauses it there).
  // Returns the program's time (its DriverReport::program_s entry). Returns
  // early when an interrupt arrived (report().interrupted: the program is not
  // counted in programs_done) or the simulation failed (failure() says why;
  // the simulation is stopped and later calls throw std::logic_error).
  double run(firmware::compiler::SystemProgram prog);
  ~StageDriver();
  // The runs so far (complete after the simulation; partial if it stopped).
  const DriverReport& report() const;
  // What went wrong inside the simulation (a TLM error response), empty if nothing.
  const std::string& failure() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> m;
};

}  // namespace pimlab::tlm_platform
