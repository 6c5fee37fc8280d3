// check_values JSON: checks the values of `pimlab accuracy --model opt-7b --json`
// against the number formats' precision, independently of the code that
// produced them.
//
// For decode attention the "state" is the K/V cache, stored once in the
// format and never accumulated, so its relative Frobenius error is the
// format's rounding error. Round to nearest with p fraction bits leaves an
// absolute error uniform in [-ulp/2, ulp/2], RMS ulp/(2 sqrt 3); for x in
// [2^e, 2^(e+1)) with ulp = 2^(e-p) that is a relative RMS between
// u/(2 sqrt 3) and u/sqrt 3, i.e. 0.29u..0.58u with u = 2^-(p+1). The checks
// use [0.25u, 0.65u] (that band plus a margin for the finite sample of
// 32 heads x 2048 tokens x 128 values): fp16 p = 10, bf16 p = 7, MXFP8 E4M3
// p = 3, E5M2 p = 2.
// (MX formats also share a block scale; with E4M3/E5M2 elements normal
// within their block, the element rounding dominates.)
// The output o = softmax(q K^T) V must be at least as accurate in the more
// precise format: the errors are ordered fp16 < bf16 < e4m3 < e5m2 for o
// (max and mean) and for the state, and every mean is at most its max.
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: check_values FILE.json\n");
    return 2;
  }
  std::ifstream f(argv[1]);
  if (!f) {
    std::fprintf(stderr, "check_values: cannot open %s\n", argv[1]);
    return 2;
  }
  const nlohmann::json j = nlohmann::json::parse(f);
  struct Err {
    double o_max, o_mean, state;
  };
  std::map<std::string, Err> e;
  for (const auto& r : j.at("results"))
    e[r.at("format").get<std::string>()] = {r.at("o_rel_err_max").get<double>(), r.at("o_rel_err_mean").get<double>(),
                                            r.at("state_rel_err").get<double>()};
  int bad = 0;
  auto fail = [&](const std::string& what) {
    std::printf("FAIL: %s\n", what.c_str());
    ++bad;
  };
  const std::pair<const char*, int> fracbits[] = {{"fp16", 10}, {"bf16", 7}, {"mxfp8-e4m3", 3}, {"mxfp8-e5m2", 2}};
  for (const auto& [name, p] : fracbits) {
    if (!e.count(name)) {
      fail(std::string("no row for ") + name);
      continue;
    }
    const double u = std::ldexp(1.0, -(p + 1));
    const double r = e[name].state / u;
    std::printf("%-11s state rel err %.4e = %.3f u (u = 2^-%d)\n", name, e[name].state, r, p + 1);
    if (!(r >= 0.25 && r <= 0.65)) fail(std::string(name) + ": state error outside [0.25u, 0.65u]");
  }
  for (const auto& [name, x] : e)
    if (!(x.o_mean <= x.o_max) || !(x.o_mean > 0) || !std::isfinite(x.o_max)) fail(name + ": o mean/max inconsistent");
  const char* order[] = {"fp16", "bf16", "mxfp8-e4m3", "mxfp8-e5m2"};
  for (int i = 0; i + 1 < 4; ++i) {
    const Err &a = e[order[i]], &b = e[order[i + 1]];
    if (!(a.o_max < b.o_max && a.o_mean < b.o_mean && a.state < b.state))
      fail(std::string(order[i]) + " is not more accurate than " + order[i + 1]);
  }
  std::printf("%s\n", bad ? "values: FAILED" : "values: all checks hold");
  return bad ? 1 : 0;
}
