// Co-simulation of PIM kernels end to end through the TLM channel
// (docs/cosim.md): a firmware initiator writes the operands and the state into
// the HBM channel's memory, sends the generated Pimba command stream as PIM
// transactions, reads the results back, and a scoreboard compares them
// element by element with the golden kernels; behind the channel each bank-pair
// unit is the behavioural model or the Verilated RTL (with its cycle-by-cycle
// shadow check).
//
// Kernels:
//  - su: N steps of the state update of one head of a model
//    (mamba2-2.7b: 128 x 64, retnet-2.7b: 256 x 512);
//  - attention: decode attention of one head, d_head 128, context length L:
//    SCORE in PIM -> softmax on the host (golden recipe) -> ATTEND in PIM.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace pimlab::tlm_pim_rtl {

// One kernel job of a co-simulation: an SU run of `steps` steps, or one
// decode attention at context length `len`, on its own seeded data. A run
// with a plan (CosimOptions::jobs, e.g. `pimlab run --functional`) runs its
// jobs one after the other in one simulation, on the same channel.
//
// Two more kinds run on channels of the other PIM families (docs/cosim.md,
// "Newton and AttAcc jobs"), each family's channel built once per run:
//  - newton-attention: one request's decode attention on a Newton / NeuPIMs
//    channel (pim_family newton, pim_type `pim_type`): firmware::neupims's
//    q*K^T and p*V streams at model width `width` per device, the NPU's
//    softmax between them (firmware::neupims::check_attention);
//  - attacc-attention: one request's `heads` heads on one stack of the AttAcc
//    device (`preset`, `placement`): each channel's program on a channel of
//    the attacc family, scores, probabilities and outputs against
//    golden::attacc_attention (firmware::attacc::verify_heads).
struct CosimJob {
  std::string kernel = "su";  // su | attention | newton-attention | attacc-attention
  std::string model;          // as CosimOptions::model (su, attention)
  int steps = 1;              // su
  int len = 256;              // attention: 1..65536 (a partial last chunk is padded with zero tokens, p = 0)
  std::uint32_t seed = 1;
  std::string label;          // names the job in reports ("layer 1 request 3 head 17 ...")
  std::string pim_type;       // newton-attention: single | dual
  int width = 0;              // newton-attention: model width per device (a multiple of 128)
  std::string preset;         // attacc-attention: an attacc-hbm3-* DRAM preset
  std::string placement;      // attacc-attention: bank | bg | buffer
  int heads = 0;              // attacc-attention: heads on the stack
  int d_head = 128;           // attacc-attention
  int max_len = 4096;         // attacc-attention: KV layout size per head
};

struct CosimOptions {
  std::string kernel = "su";             // su | attention
  std::string model = "";                // su: mamba2-2.7b (default) | retnet-2.7b; attention: opt-7b
  int steps = 2;                         // su: state-update steps
  int len = 256;                         // attention: context length (multiple of 32)
  std::string units;                     // rtl | behavioural | mixed (one RTL unit, pch0.bank_group0.pair0);
                                         // empty: mixed, or behavioural in a build without RTL
  std::string data = "random";          // attention: random | carry (directed vector, docs/cosim.md)
  std::uint32_t seed = 1;
  std::string config_file;              // JSON channel configuration (keys under top.hbm), loaded after --units
  std::string trace_dir;                 // non-empty: TLM-side VCD + one FST per RTL unit there
  bool json = false;                     // the JSON document replaces the table on standard output
  bool shadow_check = true;              // RTL units compare with a behavioural twin every cycle
  bool quiet = false;                    // no table (benchmarks)
  bool speed = false;                    // JSON: add the wall-clock speed figures (then not reproducible)
  bool progress = false;                 // with jobs: "job N of M, ETA" on standard error (a terminal)
  // A plan of jobs (non-empty: kernel/model/steps/len/data/seed above are not used; data is random).
  std::vector<CosimJob> jobs;
  // Units co-simulated as RTL besides what `units` says (hierarchical names
  // under the channel, e.g. "pch0.bank_group1.pair0"); an unknown name is a
  // configuration error (exit status 2).
  std::vector<std::string> rtl_units;
};

// Throws std::invalid_argument naming the option, the value and what is allowed.
void validate(CosimOptions& o);

// Runs one co-simulation in this process (SystemC elaborates once per
// process). Returns 0 on a full match, 1 on a mismatch, 2 on a configuration
// error (bad input), 3 on an internal or I/O error, 130 when interrupted
// (SIGINT). Call from sc_main.
int run_cosim(const CosimOptions& o, int argc, char** argv);

// What the last run_cosim measured (for benchmarks).
struct CosimFigures {
  bool match = false;
  int jobs = 0;                        // jobs run to the end
  std::uint64_t values_compared = 0;
  double wall_s = 0;
  std::uint64_t kernel_cycles = 0;     // sum of the PIM channel engine's counts
  std::uint64_t rtl_unit_cycles = 0;   // RTL unit cycles clocked
  std::uint64_t unit_busy_cycles = 0;  // busy cycles over all units
  int kernels = 0;
  std::string digest;                  // as in the JSON document: results, kernel cycles, per-unit busy cycles
  std::uint64_t channel_pim_transactions = 0;  // PIM transactions the channels answered (their pim_transactions stats)
};
const CosimFigures& last_figures();
// The JSON document of the last run_cosim that ran to its report (empty when
// it stopped before: bad configuration). The caller writes it (`--json`).
const std::string& last_document();

}  // namespace pimlab::tlm_pim_rtl
