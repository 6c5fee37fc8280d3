// bench_numerics: throughput of the numerics cores (values per second), one
// row per operation. Input: 1 Mi pseudo-random FP32 values spread over 2^-20
// .. 2^4 with both signs (fixed seed), processed repeatedly for >= 0.3 s.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <vector>

#include "numerics/format.h"
#include "numerics/fp.h"
#include "numerics/mx8.h"

using namespace pimlab::numerics;

namespace {

volatile std::uint32_t g_sink;

double measure(const char* name, std::size_t values_per_call, const std::function<void()>& fn) {
  using clock = std::chrono::steady_clock;
  fn();  // warm-up
  std::size_t calls = 0;
  const auto t0 = clock::now();
  double secs = 0;
  do {
    fn();
    ++calls;
    secs = std::chrono::duration<double>(clock::now() - t0).count();
  } while (secs < 0.3);
  const double rate = static_cast<double>(calls * values_per_call) / secs;
  std::printf("  %-34s %10.1f M values/s\n", name, rate / 1e6);
  return rate;
}

}  // namespace

int main() {
  const std::size_t n = std::size_t{1} << 20;
  std::vector<float> in(n), out(n);
  SrRng gen(12345);
  for (auto& x : in) {
    const std::uint32_t r = gen.next();
    const float mant = 1.0f + static_cast<float>(r & 0xFFFFu) / 65536.0f;
    x = std::ldexp(mant, static_cast<int>((r >> 16) % 25) - 20) * ((r >> 31) ? -1.0f : 1.0f);
  }
  std::vector<Mx8Block> blocks(n / kMx8Block);
  std::printf("pimlab numerics throughput (%zu values per pass, single thread)\n", n);
  measure("mx8_encode nearest", n, [&] {
    for (std::size_t b = 0; b < blocks.size(); ++b) blocks[b] = mx8_encode(&in[b * kMx8Block], Rounding::nearest);
  });
  SrRng rng(1);
  measure("mx8_encode stochastic", n, [&] {
    for (std::size_t b = 0; b < blocks.size(); ++b)
      blocks[b] = mx8_encode(&in[b * kMx8Block], Rounding::stochastic, &rng);
  });
  measure("mx8_decode", n, [&] {
    for (std::size_t b = 0; b < blocks.size(); ++b) mx8_decode(blocks[b], &out[b * kMx8Block]);
  });
  for (const auto& f : all_formats()) {
    char label[64];
    std::snprintf(label, sizeof label, "quantize %s", f.name);
    measure(label, n, [&] { quantize(f.format, in.data(), out.data(), n); });
  }
  measure("pu_mul", n, [&] {
    for (std::size_t i = 0; i + 1 < n; ++i) out[i] = pu_mul(in[i], in[i + 1]);
  });
  measure("pu_add", n, [&] {
    for (std::size_t i = 0; i + 1 < n; ++i) out[i] = pu_add(in[i], in[i + 1]);
  });
  measure("fp32_to_fp16 + back", n, [&] {
    for (std::size_t i = 0; i < n; ++i) out[i] = fp16_to_fp32(fp32_to_fp16(in[i]));
  });
  g_sink = bits_of(out[n / 2]) ^ blocks[7].bytes[3];
  return 0;
}
