#include "firmware/neupims/check.h"

#include <cstring>
#include <random>
#include <vector>

#include "firmware/neupims/streams.h"
#include "golden/newton.h"
#include "numerics/fp.h"
#include "pim/newton_controller.h"
#include "pim/newton_unit.h"

namespace pimlab::firmware::neupims {

namespace {

// Uniform in [-1, 1) from the raw 64-bit output (no library distribution,
// so every platform draws the same values), rounded to FP16.
std::vector<std::uint16_t> draw(std::mt19937_64& g, std::size_t n) {
  std::vector<std::uint16_t> v(n);
  for (auto& x : v) x = numerics::fp32_to_fp16(static_cast<float>(static_cast<double>(g() >> 11) * 0x1p-52 - 1.0));
  return v;
}

std::uint32_t bits(float x) {
  std::uint32_t u;
  std::memcpy(&u, &x, sizeof u);
  return u;
}

void fnv(std::uint64_t& h, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) {
    h ^= (v >> (8 * i)) & 0xff;
    h *= 1099511628211ull;
  }
}

}  // namespace

void check_attention(pim::PimType type, int width, int len, std::uint32_t seed, const std::string& label,
                     AttentionCheck& acc, TimedTarget* target) {
  AttentionSpec s;
  s.type = type;
  s.len = len;
  s.width = width;
  // The q*K^T stream (validates the sizes before any data is drawn); timed below.
  const pim::NewtonWorkload score = attention_workload(s);
  std::mt19937_64 g(seed);
  AttentionData d;
  const std::size_t kv = static_cast<std::size_t>(len) * static_cast<std::size_t>(width);
  d.k = draw(g, kv);
  d.v = draw(g, kv);
  d.q = draw(g, static_cast<std::size_t>(width));
  const golden::NewtonAttention want = golden::newton_attention(width, len, d.k, d.v, d.q);
  pim::NewtonUnits units;
  UnitsTarget in_process(units);
  AttentionTarget& where = target ? static_cast<AttentionTarget&>(*target) : in_process;
  auto compare = [&](const std::vector<float>& got, const char* what, auto golden_at) {
    for (std::size_t i = 0; i < got.size(); ++i) {
      const float w = golden_at(i);
      fnv(acc.digest, bits(got[i]));
      ++acc.values_compared;
      if (bits(got[i]) != bits(w)) {
        if (acc.mismatches++ == 0)
          acc.first_mismatch = label + ": " + what + " " + std::to_string(i) + " is " + std::to_string(got[i]) +
                               ", golden " + std::to_string(w);
      }
    }
  };
  for (Op op : {Op::Score, Op::Attend}) {
    s.op = op;
    if (op == Op::Attend) d.p = want.probs;  // the NPU's softmax of the logits
    const std::vector<float> got = run_attention_data(s, d, where);
    if (op == Op::Score)
      compare(got, "logit", [&](std::size_t i) { return numerics::fp16_to_fp32(want.logits[i]); });
    else
      compare(got, "output", [&](std::size_t i) { return want.out[i]; });
    const std::uint64_t cycles = target ? target->take_cycles()
                                        : pim::run_newton({type, false}, op == Op::Score ? score : attention_workload(s)).cycles;
    acc.kernel_cycles += cycles;
    fnv(acc.digest, cycles);
    ++acc.kernels;
  }
  ++acc.jobs;
}

}  // namespace pimlab::firmware::neupims
