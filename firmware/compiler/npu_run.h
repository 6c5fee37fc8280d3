// Timing of an NPU program (docs/compiler.md, "Timing a program"): the
// operations of one stage (npu_program.h) run in order on the NPU core, each
// GEMM by npu::run_gemm with its tiling's transfers, each vector operation and
// streamed attention by its reads, its vector / array cycles and its writes.
// Where the transfers go and when they complete is the DMA port's business, so
// one implementation serves
//  - the NeuPIMs back-end of `pimlab run` (serving/neupims_backend.cpp): its
//    ports record a stage's traffic, then replay it against the channels'
//    completion times;
//  - the SystemC platform's stage driver (tlm/platform/stage_driver.h): its port
//    issues every transfer as TLM transactions to the HBM channels.
// SystemC-free.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "firmware/compiler/npu_program.h"
#include "npu/config.h"
#include "npu/gemm.h"

namespace pimlab::firmware::compiler {

// Energy of the NPU (pJ); sources in docs/serving_neupims.md "Energy".
constexpr double kNpuMacPj = 0.32;          // one FP16 MAC = FLOP/2 of the Pimba GPU model's ALU (system.md §1.4)
constexpr double kNpuSramPjPerByte = 1.28;  // scratchpad byte: the GPU model's L1 SRAM figure (system.md §1.4)

// The DMA port of a program: a GEMM's tile transfers (npu::DmaPort's
// transfer / post / complete) and the contiguous streams of vector operations
// and attentions (raw). Both return the cycle the transfer completes (>= issue).
// An attention posts its K and V reads together (post_raw, tag 0 and 1) and
// asks complete_raw(tag) when it needs them, as run_gemm does with post();
// the default post_raw is raw().
class ProgramDma : public npu::DmaPort {
 public:
  virtual npu::Cycle raw(std::int64_t bytes, bool write, npu::Cycle issue) = 0;
  virtual npu::Cycle post_raw(std::int64_t bytes, bool write, npu::Cycle issue, int /*tag*/) {
    return raw(bytes, write, issue);
  }
  virtual npu::Cycle complete_raw(int tag);  // std::logic_error unless overridden
};

// Records a program's transfers in program order, each complete when issued:
// the stream a stage offers to the channels (the NeuPIMs back-end's channel
// runs; the stage driver's offered-stream mode).
class RecordingDma : public ProgramDma {
 public:
  struct Entry {
    std::int64_t bytes = 0;
    bool write = false;
  };
  std::vector<Entry> log;
  npu::Cycle transfer(const npu::Transfer& t, npu::Cycle issue) override {
    log.push_back({t.bytes, t.write});
    return issue;
  }
  npu::Cycle raw(std::int64_t bytes, bool write, npu::Cycle issue) override {
    log.push_back({bytes, write});
    return issue;
  }
};

// Where the program waits for work done elsewhere (the CIM tiles: serving's
// take_cim): before operation `pos` (pos >= ops: after the last), `cycles` long.
struct ProgramWait {
  std::size_t pos = 0;
  npu::Cycle cycles = 0;
  std::string category;
};

struct ProgramRun {
  npu::Cycle end = 0;
  std::vector<std::pair<npu::Cycle, npu::Cycle>> spans;  // per operation: start and end cycle
  std::map<std::string, npu::Cycle> busy;       // category -> cycles (op durations, back to back)
  std::map<std::string, double> bytes;          // category -> DRAM bytes
  std::map<std::string, double> host_pj;        // category -> NPU compute + scratchpad energy
  std::pair<npu::Cycle, npu::Cycle> wait_span{0, 0};  // the ProgramWait (empty: none)
};

class ProgramTimer {
 public:
  explicit ProgramTimer(const npu::NpuConfig& cfg) : m_cfg(cfg) {}

  // Runs `ops` from cycle `start`; `wait`, when not null, is waited for
  // inside the program (and its category charged, also with 0 cycles).
  ProgramRun run(const std::vector<NpuOp>& ops, ProgramDma& dma, npu::Cycle start = 0,
                 const ProgramWait* wait = nullptr);

  // The GEMM plan of a shape (cached).
  const npu::GemmPlan& plan(const npu::GemmShape& s);
  // Cycles of an m x k x n GEMM with its operands on chip (cached).
  npu::Cycle compute_only(std::int64_t m, std::int64_t k, std::int64_t n);
  const npu::NpuConfig& config() const { return m_cfg; }

 private:
  npu::NpuConfig m_cfg;
  std::map<std::string, npu::GemmPlan> m_plans;
  std::map<std::string, npu::Cycle> m_compute;
};

}  // namespace pimlab::firmware::compiler
