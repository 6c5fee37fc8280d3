#include "firmware/attacc/check.h"

#include <vector>

#include "pim/attacc.h"
#include "pim/attacc_unit.h"

namespace pimlab::firmware::attacc {

KernelCheck check_kernel(const AttentionSpec& s, const dram::DramSpec& spec, std::uint64_t seed) {
  std::vector<pim::AttaccOp> ops;
  const std::vector<pim::AttaccStatement> trace = generate(s, &ops);
  const std::vector<HeadData> data = seeded_heads(s, seed);
  pim::AttaccUnits units(unit_config(s));
  load_heads(s, data, units);
  pim::AttaccOptions opt;
  opt.artifact_compatible = s.artifact_compatible;
  const pim::AttaccResult res = pim::run_attacc_stack(spec, trace, opt, true);
  execute_issued(trace, ops, res, units);
  KernelCheck k;
  k.report = verify_heads(s, data, units);
  k.cycles = res.cycles;
  return k;
}

}  // namespace pimlab::firmware::attacc
