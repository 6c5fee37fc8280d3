// bench_golden: throughput of the per-atom PU operations and of the golden
// kernels (Release build, one thread). Prints a small table; figures vary
// with the machine and its load.
#include <chrono>
#include <cstdio>
#include <functional>
#include <vector>

#include "golden/attention.h"
#include "golden/pu_ops.h"
#include "golden/state_update.h"
#include "golden/synth.h"

using namespace pimlab::golden;
namespace numerics = pimlab::numerics;

namespace {

volatile float g_sink;

// Runs body(batch) until at least 0.3 s have passed; returns calls per second.
double rate(const std::function<void()>& body, double per_call) {
  using clock = std::chrono::steady_clock;
  body();  // warm-up
  long calls = 0;
  const auto t0 = clock::now();
  double secs = 0;
  do {
    body();
    ++calls;
    secs = std::chrono::duration<double>(clock::now() - t0).count();
  } while (secs < 0.3);
  return calls * per_call / secs;
}

void row(const char* what, double per_s, const char* unit) {
  std::printf("  %-50s %8.2f M%s/s\n", what, per_s / 1e6, unit);
}

}  // namespace

int main() {
  SynthRng g(1);
  const int n = 1024;  // atoms per batch
  std::vector<numerics::Mx8Block> blocks(2 * n);
  std::vector<float> vals(32 * n);
  for (auto& x : vals) x = static_cast<float>(g.normal());
  for (int a = 0; a < n; ++a) encode_atom(vals.data() + 32 * a, numerics::Rounding::nearest, nullptr, blocks.data() + 2 * a);
  float v[32], gv[32], q[32], acc[32] = {};
  for (int c = 0; c < 32; ++c) {
    v[c] = static_cast<float>(g.normal());
    gv[c] = 1.0f;
    q[c] = static_cast<float>(g.normal());
  }
  std::printf("bench_golden (golden kernels, one thread)\n");
  row("su_atom, round-half-up, gv unset (32 elements)", rate([&] {
        for (int a = 0; a < n; ++a)
          su_atom(blocks.data() + 2 * a, 0.5f, 1.0f, 0.97f, v, nullptr, numerics::Rounding::nearest, nullptr, acc,
                  blocks.data() + 2 * a);
        g_sink = acc[0];
      }, n), "atoms");
  row("su_atom, round-half-up, gv written", rate([&] {
        for (int a = 0; a < n; ++a)
          su_atom(blocks.data() + 2 * a, 0.5f, 1.0f, 0.97f, v, gv, numerics::Rounding::nearest, nullptr, acc,
                  blocks.data() + 2 * a);
        g_sink = acc[0];
      }, n), "atoms");
  numerics::SrRng rng(7);
  row("su_atom, stochastic, gv written", rate([&] {
        for (int a = 0; a < n; ++a)
          su_atom(blocks.data() + 2 * a, 0.5f, 1.0f, 0.97f, v, gv, numerics::Rounding::stochastic, &rng, acc,
                  blocks.data() + 2 * a);
        g_sink = acc[0];
      }, n), "atoms");
  row("score_atom", rate([&] {
        float s = 0;
        for (int a = 0; a < n; ++a) s = score_atom(blocks.data() + 2 * a, q, s);
        g_sink = s;
      }, n), "atoms");
  row("attend_atom", rate([&] {
        for (int a = 0; a < n; ++a) attend_atom(blocks.data() + 2 * a, 0.001f, acc);
        g_sink = acc[0];
      }, n), "atoms");
  // Kernel level: one Mamba-2 head step (128 x 64) and one RetNet head step (256 x 512).
  for (auto [rows, cols, name] : {std::tuple{128, 64, "su_step mx8, 128 x 64 state"},
                                  std::tuple{256, 512, "su_step mx8, 256 x 512 state"}}) {
    SuInputs in;
    in.k.assign(rows, 0.01f);
    in.q.assign(rows, 1.0f);
    in.gk.assign(rows, 0.97f);
    in.v.assign(cols, 0.5f);
    SuState st(numerics::Format::mx8, rows, cols);
    std::vector<float> o;
    row(name, rate([&] { su_step(st, in, o); g_sink = o[0]; }, static_cast<double>(rows) * cols), "elements");
  }
  {
    KvCache kv(numerics::Format::mx8, 128);
    std::vector<float> k(128), vv(128), qq(128);
    for (int t = 0; t < 2048; ++t) {
      for (int d = 0; d < 128; ++d) {
        k[d] = static_cast<float>(g.normal());
        vv[d] = static_cast<float>(g.normal());
      }
      kv.append(k, vv);
    }
    for (auto& x : qq) x = static_cast<float>(g.normal());
    row("attention_decode mx8, d_head 128, 2048 tokens", rate([&] {
          auto o = attention_decode(kv, qq, 1);
          g_sink = o[0];
        }, 2048.0), "tokens");
  }
  return 0;
}
