// Kernel -> command generator for the Pimba PIM family (pim_commands.md,
// "From a kernel to a command stream"; docs/pim_protocols.md).
//
// A kernel (SU, SCORE or ATTEND over num_op matrices) is cut into chunks of one
// DRAM page (32/w matrix rows x 32 matrix columns). Rounds are generated
// sweeping channel (outer) then pseudo-channel (inner); each round gives each
// of the 16 banks of that pseudo-channel one chunk. Each round becomes
// REFRESH_BARRIER, one ACT4(_WITH_REG_n) per bank group, comps x COMP and a
// PRECHARGE(_WITH_RESULT_r).
//
// Default (physically faithful): every chunk is processed exactly once; a
// last round that has fewer chunks than banks activates only the bank groups
// that have work; every pseudo-channel's stream is kept whole.
// artifact_compatible: the reference generator's behaviour, including its
// silent loss of work (docs/pim_protocols.md, "Uneven work").
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "dram/spec.h"
#include "pim/command.h"
#include "pim/variant.h"

namespace pimlab::firmware::pimba {

enum class Op { SU, Score, Attend };
const char* op_name(Op op);                 // "su", "score", "attend"
const char* op_reference_name(Op op);       // "SU", "SCORE", "ATTEND"
// Accepts "su", "score", "attend" (any case); throws std::invalid_argument.
Op parse_op(const std::string& s);

struct KernelSpec {
  Op op = Op::SU;
  std::string variant = "pimba";
  int num_op = 1;      // independent matrices (heads x batch)
  int rows = 128;      // SU: state rows; SCORE/ATTEND: d_head
  int cols = 64;       // SU: state columns; SCORE/ATTEND: context length L
  int channels = 1;
  bool chunk_group = true;   // SU: later chunks of a block-row need only the v slice
  bool cmd_sched = true;     // ACT4_WITH_REG_n / PRECHARGE_WITH_RESULT_r instead of separate commands
  bool artifact_compatible = false;
  // Emit the command streams of only one channel of each group of channels
  // whose streams are equal (Program::stream_source says which); the others
  // stay empty, and so does Program::rounds (a timing-only program: nothing
  // to lower). Not with artifact_compatible (its feed order couples channels).
  bool distinct_channels_only = false;
  // Organisation (per channel): pseudo-channels x bank groups x banks; page
  // and atom size in bytes. Defaults: HBM2 as used by Pimba.
  int pseudo_channels = 2;
  int bank_groups = 4;
  int banks_per_group = 4;
  int page_bytes = 1024;
  int atom_bytes = 32;
};

// Throws std::invalid_argument naming the field, the value and the allowed range.
void validate(const KernelSpec& k);

// What one bank does in one round (for a data-moving model; timing ignores it).
struct BankWork {
  std::int32_t block_row = -1;  // -1: idle in this round
  std::int32_t block_col = -1;
  std::uint16_t reg_writes = 0; // register writes this bank receives
  bool new_block_row = false;   // first chunk of this block-row for this bank
};

struct Round {
  std::uint16_t ch = 0;
  std::uint8_t pch = 0;
  std::uint32_t index_in_pch = 0;  // 0, 1, ... per pseudo-channel
  std::uint32_t regs = 0;          // sum of register writes
  std::uint16_t comps = 0;
  std::uint16_t results = 0;       // r
  std::uint32_t chunks = 0;        // banks with work
  std::vector<BankWork> banks;     // bank_groups x banks_per_group, BG-major
};

struct Geometry {
  int elem_bytes = 1;
  int chunk_rows = 32;   // matrix rows per chunk = atom / w
  int chunk_cols = 32;   // matrix columns per chunk = page / atom
  int v_count = 1;       // atoms of the v slice a bank needs = chunk_cols * w / atom
  std::int64_t block_rows = 0;  // R = ceil(rows / chunk_rows) * num_op
  std::int64_t block_cols = 0;  // C = ceil(cols / chunk_cols)
  std::int64_t chunks = 0;      // R * C
  int comps_per_round = 0;
  int results_per_round = 0;
};
Geometry geometry(const KernelSpec& k);

struct Program {
  KernelSpec spec;
  Geometry geo;
  std::vector<Round> rounds;                            // generation order
  std::vector<std::vector<pimlab::pim::Command>> channel_streams;  // per channel, controller order
  // The exchange trace order: all (ch, pch) streams interleaved command by
  // command in order of their first round (ch0 pch0, ch0 pch1, ch1 pch0, ...).
  std::vector<std::pair<std::uint16_t, std::uint8_t>> stream_order;
  std::vector<std::vector<pimlab::pim::Command>> pch_streams;      // in stream_order
  std::int64_t chunks_generated = 0;  // chunks assigned to banks
  std::int64_t chunks_issued = 0;     // chunks whose round reaches the channel (artifact mode may drop)
  std::uint64_t commands = 0;         // commands in the channel streams
  // Per channel: the channel whose stream equals its own (itself when its
  // stream was emitted). Equal means equal in every field the channel engine
  // reads (kind, pseudo-channel, bank group, argument, barrier fields).
  std::vector<int> stream_source;
};

Program generate(const KernelSpec& k);

// The kernel a GPU host issues for one PIM operator, as the serving back-end
// (serving/pimba_pim.h) times it and `pimlab compile` emits it: num_op
// matrices of rows x cols on `channels` channels of `variant`, organisation
// of the DRAM preset `dram`. Throws std::invalid_argument for a size outside
// 1..2^30 or a channel count outside 1..1024.
KernelSpec host_kernel(Op op, std::int64_t num_op, std::int64_t rows, std::int64_t cols, const std::string& variant,
                       int channels, bool artifact_compatible, const dram::DramSpec& dram);

// Decode attention (score or attend) of a batch: requests grouped by the
// column blocks of their KV length (equal block columns lower to equal
// streams, so one kernel of a group at its longest length is exactly the
// group's kernel); one kernel per group, ascending block count, run back to
// back. `per_request` matrices per request.
struct AttentionKernel {
  std::int64_t num_op = 0;    // per_request x requests of the group
  std::int64_t cols = 0;      // the group's longest KV length
  std::int64_t requests = 0;
};
std::vector<AttentionKernel> attention_kernels(Op op, const std::string& variant, std::int64_t per_request,
                                               const std::vector<std::int64_t>& contexts);

// The round a generated command belongs to: which bank gets which chunk
// (block-row, block-column) and how many register writes, for a data-moving
// model. An ACT4's banks are round.banks[bank_group * banks_per_group + i].
inline const Round& round_of(const Program& p, const pimlab::pim::Command& c) { return p.rounds.at(c.round); }

// Writes the trace text format in exchange order (all (ch, pch) interleaved).
void write_trace(std::ostream& os, const Program& p);

// The channel of every command of the exchange trace, in its order: the feed
// order of the reference simulator's single trace reader (engine.h).
std::vector<std::uint16_t> feed_order(const Program& p);

}  // namespace pimlab::firmware::pimba
