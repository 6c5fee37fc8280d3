// The model mappings onto the general state update, checked against each
// model's own FP64 recurrence (golden/models.h).
//
// Tolerance (tight, FP64): per step each state element is formed with at most
// 4 roundings on either side (gate product, decay product, the k v product or
// its re-association, the sum), each <= u = 2^-53 relative to the running
// magnitude M[r][c] = |g| M + |k v| (M >= |h|); errors from earlier steps are
// multiplied by |g| <= 1. So |h_gen - h_direct| <= 8 t u M after t steps, and
// the output (n-term sums in the same order on both sides, n = rows) differs by
// at most (8 t + 2 n) u sum_r M[r][c] |q[r]|.
#include <catch2/catch.hpp>

#include <cmath>
#include <functional>
#include <stdexcept>
#include <vector>

#include "golden/models.h"
#include "golden/state_update.h"
#include "golden/synth.h"

using namespace pimlab::golden;

namespace {

std::vector<double> normals(SynthRng& g, int n, double s = 1.0) {
  std::vector<double> v(n);
  for (auto& x : v) x = s * g.normal();
  return v;
}

// Runs `steps` steps through the mapping and through the direct recurrence
// (whose state is stored transposed when `transposed`), checking o and h.
void compare(int rows, int cols, int steps, bool transposed, const std::function<SuInputs64(int)>& map,
             const std::function<void(std::vector<double>&, int, std::vector<double>&)>& direct) {
  const double u = 0x1.0p-53;
  std::vector<double> h(static_cast<std::size_t>(rows) * cols, 0.0), hd(h.size(), 0.0), M(h.size(), 0.0);
  for (int t = 1; t <= steps; ++t) {
    const SuInputs64 in = map(t - 1);
    std::vector<double> o, od;
    su_step_f64(rows, cols, h, in, o);
    direct(hd, t - 1, od);
    REQUIRE(static_cast<int>(od.size()) == cols);
    for (int r = 0; r < rows; ++r)
      for (int c = 0; c < cols; ++c) {
        double& m = M[static_cast<std::size_t>(r) * cols + c];
        m = std::fabs(in.gk[r]) * m + std::fabs(in.k[r] * in.v[c]);
      }
    for (int c = 0; c < cols; ++c) {
      double mq = 0;
      for (int r = 0; r < rows; ++r) mq += M[static_cast<std::size_t>(r) * cols + c] * std::fabs(in.q[r]);
      INFO("step " << t << " column " << c);
      REQUIRE(std::fabs(o[c] - od[c]) <= (8.0 * t + 2.0 * rows) * u * mq);
    }
    for (int r = 0; r < rows; ++r)
      for (int c = 0; c < cols; ++c) {
        const std::size_t i = static_cast<std::size_t>(r) * cols + c;
        const double d = transposed ? hd[static_cast<std::size_t>(c) * rows + r] : hd[i];
        REQUIRE(std::fabs(h[i] - d) <= 8.0 * t * u * M[i]);
      }
  }
}

}  // namespace

TEST_CASE("models: Mamba-2 mapping matches the SSD recurrence", "[golden][models]") {
  const int N = 128, P = 64, steps = 20;  // state d_state x head_dim
  const double A = -3.7;
  SynthRng g(1);
  std::vector<Mamba2Step> st(steps);
  for (auto& s : st) {
    s.dt = std::exp(g.uniform(std::log(1e-3), std::log(1e-1)));
    s.B = normals(g, N);
    s.C = normals(g, N);
    s.x = normals(g, P);
  }
  compare(N, P, steps, true, [&](int t) { return mamba2_su_inputs(A, st[t]); },
          [&](std::vector<double>& H, int t, std::vector<double>& y) { mamba2_step_direct(P, N, A, H, st[t], y); });
  // The mapping itself: one gate for every row, k = dt B, v = x, q = C, gv unset.
  const auto in = mamba2_su_inputs(A, st[0]);
  CHECK(in.gv.empty());
  for (int n = 0; n < N; ++n) {
    CHECK(in.gk[n] == std::exp(st[0].dt * A));
    CHECK(in.k[n] == st[0].dt * st[0].B[n]);
  }
}

TEST_CASE("models: RetNet mapping matches recurrent retention", "[golden][models]") {
  const int dk = 64, dv = 96, steps = 16;
  const double gamma = 1.0 - std::ldexp(1.0, -6);
  SynthRng g(2);
  std::vector<RetNetStep> st(steps);
  for (auto& s : st) {
    s.q = normals(g, dk);
    s.k = normals(g, dk, 1.0 / 8);
    s.v = normals(g, dv);
  }
  compare(dk, dv, steps, false, [&](int t) { return retnet_su_inputs(gamma, st[t]); },
          [&](std::vector<double>& S, int t, std::vector<double>& o) { retnet_step_direct(dk, dv, gamma, S, st[t], o); });
}

TEST_CASE("models: GLA mapping matches the gated recurrence", "[golden][models]") {
  const int dk = 64, dv = 64, steps = 16;
  SynthRng g(3);
  std::vector<GlaStep> st(steps);
  for (auto& s : st) {
    s.q = normals(g, dk);
    s.k = normals(g, dk, 1.0 / 8);
    s.v = normals(g, dv);
    s.alpha.resize(dk);
    for (auto& a : s.alpha) a = std::pow(sigmoid(g.normal()), 1.0 / 16);
  }
  compare(dk, dv, steps, false, [&](int t) { return gla_su_inputs(st[t]); },
          [&](std::vector<double>& S, int t, std::vector<double>& o) { gla_step_direct(dk, dv, S, st[t], o); });
}

TEST_CASE("models: HGRN2 mapping matches the forget-gate recurrence", "[golden][models]") {
  const int E = 64, D = 32, steps = 16;
  SynthRng g(4);
  std::vector<Hgrn2Step> st(steps);
  for (auto& s : st) {
    s.f.resize(E);
    for (auto& f : s.f) f = 0.9 + 0.1 * sigmoid(g.normal());
    s.o = normals(g, E);
    s.i = normals(g, D);
  }
  compare(E, D, steps, false, [&](int t) { return hgrn2_su_inputs(st[t]); },
          [&](std::vector<double>& h, int t, std::vector<double>& y) { hgrn2_step_direct(E, D, h, st[t], y); });
  const auto in = hgrn2_su_inputs(st[0]);
  for (int e = 0; e < E; ++e) CHECK(in.k[e] == 1.0 - st[0].f[e]);
}

TEST_CASE("models: direct recurrences reject mismatched shapes", "[golden][models]") {
  std::vector<double> H(64 * 128), y;
  Mamba2Step s{0.01, std::vector<double>(128), std::vector<double>(128), std::vector<double>(63)};
  CHECK_THROWS_AS(mamba2_step_direct(64, 128, -1.0, H, s, y), std::invalid_argument);
  RetNetStep r{std::vector<double>(8), std::vector<double>(8), std::vector<double>(8)};
  std::vector<double> S(8 * 9);
  CHECK_THROWS_AS(retnet_step_direct(8, 8, 0.9, S, r, y), std::invalid_argument);
  GlaStep gl{std::vector<double>(8), std::vector<double>(8), std::vector<double>(7), std::vector<double>(8)};
  S.assign(64, 0.0);
  CHECK_THROWS_AS(gla_step_direct(8, 8, S, gl, y), std::invalid_argument);
  Hgrn2Step hg{std::vector<double>(8), std::vector<double>(8), std::vector<double>(0)};
  CHECK_THROWS_AS(hgrn2_step_direct(8, 8, S, hg, y), std::invalid_argument);
}
