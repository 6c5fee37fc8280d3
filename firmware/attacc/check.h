// Functional check of one AttAcc attention kernel (docs/serving.md,
// "Functional runs"): the heads of `s` on seeded FP16 data laid into the
// stack's backing store, the generator's request trace run on the stack's
// command-level controller (pim::run_attacc_stack, recorded), every issued
// command executed on the units (pim::AttaccUnits), and every score,
// probability and output compared with golden::attacc_attention
// (verify_heads). SystemC-free.
#pragma once

#include <cstdint>

#include "dram/spec.h"
#include "firmware/attacc/data.h"
#include "firmware/attacc/generator.h"

namespace pimlab::firmware::attacc {

struct KernelCheck {
  VerifyReport report;
  std::int64_t cycles = 0;  // the stack's DRAM cycles for the kernel
};

// Throws std::invalid_argument for a spec generate() or load_heads() refuses
// (dbyte other than 2, a KV layout that does not fit).
KernelCheck check_kernel(const AttentionSpec& s, const dram::DramSpec& spec, std::uint64_t seed);

}  // namespace pimlab::firmware::attacc
