// The Newton / NeuPIMs and AttAcc jobs of `pimlab run --functional` through
// the TLM channel of their family (tlm_pim_rtl::run_cosim with a plan):
// every job matches the golden bit for bit, compares as many values as the
// in-process check of the same job, and the channels answered the PIM
// transactions the streams' structure implies.
#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "dram/spec.h"
#include "firmware/attacc/check.h"
#include "firmware/neupims/check.h"
#include "firmware/neupims/streams.h"
#include "pim/newton_controller.h"
#include "tlm/pim_rtl/cosim.h"

namespace cs = pimlab::tlm_pim_rtl;
namespace fn = pimlab::firmware::neupims;
namespace fa = pimlab::firmware::attacc;
namespace pim = pimlab::pim;

namespace {

int run(const cs::CosimOptions& o) {
  char name[] = "test_sc_functional";
  char* argv[] = {name, nullptr};
  return cs::run_cosim(o, 1, argv);
}

// Cycles of each GWRITE-led segment of a stream, each alone on an idle channel.
std::uint64_t segment_cycles(pim::PimType type, const pim::NewtonWorkload& w) {
  std::uint64_t sum = 0;
  pim::NewtonWorkload seg;
  auto flush = [&] {
    if (!seg.pim.empty()) sum += pim::run_newton({type, false}, seg).cycles;
    seg.pim.clear();
  };
  for (const pim::Txn& x : w.pim) {
    if (x.type == pim::TxnType::GWrite) flush();
    seg.pim.push_back(x);
  }
  flush();
  return sum;
}

}  // namespace

TEST_CASE("newton-attention jobs run on Newton / NeuPIMs channels and match the golden") {
  // E = 1024 (8 heads: 2 query chunks of 4), L = 530 (two 512-token chunks,
  // the second partial): per job 2 GWRITE segments of q*K^T and 8 x 2 of p*V.
  const int E = 1024, L = 530;
  cs::CosimOptions o;
  o.units = "behavioural";
  o.quiet = true;
  std::uint64_t want_values = 0, want_cycles = 0;
  for (const char* type : {"dual", "single"}) {
    cs::CosimJob j;
    j.kernel = "newton-attention";
    j.pim_type = type;
    j.width = E;
    j.len = L;
    j.seed = 7;
    j.label = std::string("job ") + type;
    o.jobs.push_back(j);
    const pim::PimType t = std::string(type) == "single" ? pim::PimType::Single : pim::PimType::Dual;
    fn::AttentionCheck in_process;
    fn::check_attention(t, E, L, 7, "in process", in_process);
    REQUIRE(in_process.mismatches == 0);
    want_values += in_process.values_compared;
    fn::AttentionSpec s;
    s.type = t;
    s.len = L;
    s.width = E;
    for (fn::Op op : {fn::Op::Score, fn::Op::Attend}) {
      s.op = op;
      want_cycles += segment_cycles(t, fn::attention_workload(s));
    }
  }
  cs::validate(o);
  REQUIRE(run(o) == 0);
  const cs::CosimFigures& f = cs::last_figures();
  CHECK(f.match);
  CHECK(f.jobs == 2);
  CHECK(f.kernels == 4);  // q*K^T and p*V per job
  CHECK(f.values_compared == want_values);
  CHECK(want_values == 2 * (8 * L + 8 * 128));
  CHECK(f.channel_pim_transactions == 2 * (2 + 8 * 2));
  // The channel runs the segments one after the other: each no faster than
  // alone on an idle channel (pim::run_newton), slower when it finds the rows
  // of the one before open or a refresh due. In process, kernel_cycles timed
  // each whole stream alone (the segments overlapping).
  CHECK(f.kernel_cycles >= want_cycles);
  WARN("kernel cycles: segments alone " << want_cycles << ", through the channel " << f.kernel_cycles);
}

TEST_CASE("attacc-attention jobs run on AttAcc channels and match the golden") {
  // 32 heads on a 16-channel stack: 2 heads per channel program, 16 programs.
  const pimlab::dram::DramSpec& spec = pimlab::dram::preset("attacc-hbm3-5.2");
  cs::CosimOptions o;
  o.units = "behavioural";
  o.quiet = true;
  std::uint64_t want_values = 0;
  std::int64_t stack_cycles = 0;
  for (const char* pl : {"bank", "bg", "buffer"}) {
    cs::CosimJob j;
    j.kernel = "attacc-attention";
    j.preset = "attacc-hbm3-5.2";
    j.placement = pl;
    j.heads = 32;
    j.len = 101;
    j.seed = 3;
    j.label = std::string("job ") + pl;
    o.jobs.push_back(j);
    fa::AttentionSpec s;
    s.placement = pim::parse_placement(pl);
    s.heads = 32;
    s.len = 101;
    s.channels = spec.org.channels;
    const fa::KernelCheck k = fa::check_kernel(s, spec, 3);
    REQUIRE(k.report.ok());
    want_values += k.report.scores + k.report.probs + k.report.outputs;
    stack_cycles += k.cycles;
  }
  cs::validate(o);
  REQUIRE(run(o) == 0);
  const cs::CosimFigures& f = cs::last_figures();
  CHECK(f.match);
  CHECK(f.jobs == 3);
  CHECK(f.kernels == 3);
  CHECK(f.values_compared == want_values);
  CHECK(want_values == 3 * 32 * (101 + 101 + 128));
  CHECK(f.channel_pim_transactions == 3 * 16);
  WARN("stack cycles in process " << stack_cycles << ", through the channel " << f.kernel_cycles);
}

TEST_CASE("an attacc-attention job alone on a fresh channel takes the cycles of the in-process stack") {
  // One head: only stack channel 0 has a program; it reaches the channel at
  // cycle 0 on a fresh controller, which then takes exactly the cycles of
  // pim::run_attacc_stack on the same statements (docs/tlm.md, "AttAcc family
  // in the channel"), the cycles check_kernel reports.
  const pimlab::dram::DramSpec& spec = pimlab::dram::preset("attacc-hbm3-5.2");
  cs::CosimOptions o;
  o.units = "behavioural";
  o.quiet = true;
  cs::CosimJob j;
  j.kernel = "attacc-attention";
  j.preset = "attacc-hbm3-5.2";
  j.placement = "bg";
  j.heads = 1;
  j.len = 300;
  j.seed = 5;
  j.label = "one head";
  o.jobs.push_back(j);
  fa::AttentionSpec s;
  s.placement = pim::AttaccPlacement::BankGroup;
  s.heads = 1;
  s.len = 300;
  s.channels = spec.org.channels;
  const fa::KernelCheck k = fa::check_kernel(s, spec, 5);
  REQUIRE(k.report.ok());
  cs::validate(o);
  REQUIRE(run(o) == 0);
  const cs::CosimFigures& f = cs::last_figures();
  CHECK(f.match);
  CHECK(f.channel_pim_transactions == 1);
  CHECK(f.values_compared == 300 + 300 + 128);
  CHECK(f.kernel_cycles == static_cast<std::uint64_t>(k.cycles));
}
