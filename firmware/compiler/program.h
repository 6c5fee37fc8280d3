// The compiler's output: one decode iteration of a model on a system as data
// (docs/compiler.md). The host (GPU or NPU) gets the ordered list of its
// kernels and of the PIM launches between them; every PIM channel gets, per
// PIM segment, its command stream produced by the family's generator
// (firmware/pimba for the Pimba family, firmware/neupims for Newton/NeuPIMs)
// for the requests the placement (placement.h) put on it. The serving
// back-ends time the very same streams (serving/gpu_backend.h,
// serving/neupims_backend.h call the same generator entry points), so
// `pimlab run` and `pimlab compile` cannot disagree. SystemC-free.
//
// On disk a program is a directory:
//   manifest              header, segments, and one `file` line per channel file
//   host.kernels          GPU host: header, then its kernels and PIM launches in order
//   host.npu              NPU host: header, then its instruction stream by stage
//                         (npu_program.h), each stage naming the PIM segment
//                         the channels run meanwhile
//   pim/chNN.sSS.pimba    Pimba family: the trace text format (pim/trace.h) of
//                         channel NN in segment SS, with its header line
//   pim/chNN.sSS.newton   Newton / NeuPIMs: the transaction trace format
//                         (pim/newton_trace.h), with a header comment
//   pim/stNN.sSS.attacc   AttAcc: stack NN's request trace (pim/attacc_trace.h);
//                         for AttAcc `channels` and CHANNEL count stacks
// Every channel file replays with `pimlab replay --format pimba|newton|attacc`.
//
// Header (first line of manifest and host.kernels):
//   pimlab-program 1 KIND system=S model=M batch=B context=L tp=N family=F
//                  variant=V preset=P channels=C artifact=0|1 [chunk=Q]
// chunk=Q (a prefill chunk of Q tokens per request ending at the request's
// context; absent: a decode step): every operator on the host, no PIM segment.
// KIND is `manifest`, `host.kernels` or `host.npu`; family is none, pimba, hbm-pim,
// time-multiplexed, pipelined, newton or neupims; variant is the Pimba
// variant or the Newton controller (dual, single), `-` without PIM; preset
// the DRAM preset of the channels, `-` without PIM.
// host.kernels lines (`#` starts a comment):
//   kernel INDEX SUB_BATCH REPEAT AFTER CLS CATEGORY NAME M N K NUM_OP DBYTE
//   pim    INDEX SUB_BATCH REPEAT AFTER SEGMENT NAME
// INDEX counts the lines from 0; AFTER is the index of the entry this one
// waits for (its predecessor in the same sub-batch) or `-`; REPEAT is the
// instances per iteration (one per layer). A `pim` line launches segment
// SEGMENT on every channel that has a file for it.
// manifest lines:
//   host host.kernels | host host.npu
//   segment ID NAME SUB_BATCH REPEAT REQUESTS
//   file PATH SEGMENT CHANNEL COMMANDS CYCLES
// CYCLES: the channel's DRAM cycles for the segment as the serving back-end
// computes them (0 when timing was not asked for).
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "firmware/compiler/npu_program.h"
#include "firmware/compiler/placement.h"
#include "model/model.h"
#include "model/system.h"
#include "pim/attacc.h"
#include "pim/command.h"
#include "pim/newton_controller.h"

namespace pimlab::firmware::compiler {

inline constexpr int kProgramVersion = 1;

struct ProgramHeader {
  int version = kProgramVersion;
  std::string system, model;
  std::int64_t batch = 0, context = 0, tp = 1;
  std::string family = "none", variant = "-", preset = "-";
  int channels = 0;
  bool artifact_compatible = false;
  std::int64_t chunk = 0;  // 0: a decode step; Q > 0: a prefill chunk of Q tokens per request
};

enum class EntryKind { kernel, pim };

struct HostEntry {
  EntryKind kind = EntryKind::kernel;
  int sub_batch = 1;
  std::int64_t repeat = 1;
  int after = -1;  // index of the entry waited for, -1: none
  std::string name;
  // kernel
  std::string cls, category;
  std::int64_t m = 0, n = 0, k = 0, num_op = 1;
  int dbyte = 2;
  // pim
  int segment = -1;
};

struct Segment {
  int id = 0;
  std::string name;       // "attention_qk.0", "attention.sb1", ...
  int sub_batch = 1;
  std::int64_t repeat = 1;
  std::int64_t requests = 0;
};

struct ChannelFile {
  std::string path;       // relative to the program directory
  int segment = 0, channel = 0;
  std::uint64_t commands = 0, cycles = 0;
  std::vector<pim::Command> pimba;  // Pimba family
  pim::NewtonWorkload newton;       // Newton / NeuPIMs
  std::vector<pim::AttaccStatement> attacc;  // AttAcc: one stack's global trace
};

struct SystemProgram {
  ProgramHeader header;
  bool npu_host = false;        // the host program is `npu` (host.npu), else `host` (host.kernels)
  std::vector<HostEntry> host;  // GPU host
  std::vector<NpuStage> npu;    // NPU host
  std::vector<Segment> segments;
  std::vector<ChannelFile> files;
};

// The order in which a GPU host's entries run: list order, except that
// consecutive entries of one repeat count R > 1 form a loop body run R times
// (a decoder layer's kernels and PIM launches x layers), as stage_instances
// orders an NPU's stages. Each entry: {entry index, instance 0 .. R - 1}.
std::vector<std::pair<std::size_t, std::int64_t>> host_instances(const std::vector<HostEntry>& host);
// The category a PIM launch's time is charged to (GpuBackend::pim_op: its
// operator's; read from disk, where a `pim` line names none: gemv for an
// attention segment, else state_update).
std::string pim_entry_category(const HostEntry& e);

// "pimba" for the Pimba family (pimba, hbm-pim, time-multiplexed, pipelined),
// "newton" for newton and neupims, "attacc" for attacc, "" otherwise.
std::string channel_format(const std::string& family);

struct CompileInput {
  model::ModelConfig model;
  model::SystemSpec system;
  std::vector<std::int64_t> contexts;  // per request: the KV length this step reads (>= 2)
  // Per request, optional: the KV length to reserve room for (the request's
  // final length; empty: its context), and a channel fixed by the workload
  // (a NeuPIMs snapshot; empty: the placement decides).
  std::vector<std::int64_t> reserve;
  std::vector<int> pinned;
  int tp = 1;
  bool artifact_compatible = false;
  // GPU host with a Pimba-family PIM: its channels and their DRAM preset.
  int pim_channels = 40;
  std::string pim_dram = "hbm2-pimba";
  // GPU host with AttAcc: its stacks (one program file per stack), placement, preset, KV region.
  pim::AttaccPlacement attacc_placement = pim::AttaccPlacement::Bank;
  int attacc_stacks = 5;
  std::string attacc_dram = "attacc-hbm3-5.2";
  int attacc_max_len = 4096;
  // NPU host with Newton / NeuPIMs channels: placement (required) and sub-batching.
  std::optional<PlacementConfig> placement;
  bool sub_batch = true;
  int npu_element_bytes = 2;  // the NPU's activation and weight element (the NeuPIMs NPU: FP16)
  bool timing = true;  // fill ChannelFile::cycles
  // 0: one decode iteration. Q > 0: one prefill pass, a chunk of Q prompt
  // tokens per request ending at its context (Q <= context); every operator
  // runs on the host (GPU: the graph with Q query tokens; NPU:
  // npu_prefill_stages), so the program has no PIM segment.
  std::int64_t chunk = 0;
  // Per request, optional (NPU host only): the prefill chunk's tokens of each
  // request (each 1..its context), the serving loop's prefill iteration whose
  // requests have different prompt lengths left. Overrides `chunk`; the
  // header's chunk is then the largest.
  std::vector<std::int64_t> chunks;
};

// Compiles one decode iteration. The requests are placed as the serving loop
// admits a fresh batch (KV length context - 1 at admission, room reserved for
// `reserve`, else context), unless pinned. Throws std::invalid_argument for a combination it cannot compile
// (naming it), CapacityError when a request fits on no channel.
SystemProgram compile(const CompileInput& in);

// A channel file's DRAM cycles as the serving back-end computes them (the
// family's channel model on the header's preset and mode): what compile()
// stores in ChannelFile::cycles and what replaying the file gives.
std::uint64_t time_channel_file(const ProgramHeader& h, const ChannelFile& f);

// Text of the two program files (see the header comment).
void write_host_kernels(std::ostream& os, const SystemProgram& p);
void write_host_npu(std::ostream& os, const SystemProgram& p);
void write_manifest(std::ostream& os, const SystemProgram& p);
// The text of one channel file.
void write_channel_file(std::ostream& os, const SystemProgram& p, const ChannelFile& f);

// Writes the directory (created if missing; the program's files replaced, and
// channel files of an earlier program in DIR/pim removed).
// Throws std::runtime_error when a file cannot be written.
void write_program(const std::string& dir, const SystemProgram& p);
// Reads a directory back. Throws std::invalid_argument "FILE:LINE: what" for
// malformed input (unknown item, missing or extra fields, a value out of
// range, an entry or file naming no segment, a header that disagrees with the
// manifest's), and for a missing file.
SystemProgram read_program(const std::string& dir);
// The parts, for tests and tools.
ProgramHeader parse_header(const std::string& line, const std::string& kind, const std::string& source,
                           std::size_t line_no);
std::vector<HostEntry> read_host_kernels(std::istream& is, const std::string& source, ProgramHeader* header);
std::vector<NpuStage> read_host_npu(std::istream& is, const std::string& source, ProgramHeader* header);

}  // namespace pimlab::firmware::compiler
