#include "golden/models.h"

#include <cmath>
#include <stdexcept>
#include <string>

namespace pimlab::golden {

namespace {
void need(const char* model, const char* name, std::size_t got, int want) {
  if (want < 1 || static_cast<long long>(got) != want)
    throw std::invalid_argument(std::string(model) + ": " + name + " has " + std::to_string(got) +
                                " elements, expected " + std::to_string(want));
}
}  // namespace

// ---- Mamba-2 ----
SuInputs64 mamba2_su_inputs(double A, const Mamba2Step& s) {
  const std::size_t N = s.B.size();
  SuInputs64 in;
  in.gk.assign(N, std::exp(s.dt * A));
  in.k.resize(N);
  for (std::size_t n = 0; n < N; ++n) in.k[n] = s.dt * s.B[n];
  in.q = s.C;
  in.v = s.x;
  return in;
}

void mamba2_step_direct(int head_dim, int d_state, double A, std::vector<double>& H, const Mamba2Step& s,
                        std::vector<double>& y) {
  need("mamba2", "B", s.B.size(), d_state);
  need("mamba2", "C", s.C.size(), d_state);
  need("mamba2", "x", s.x.size(), head_dim);
  need("mamba2", "H", H.size(), head_dim * d_state);
  const double dA = std::exp(s.dt * A);
  y.assign(static_cast<std::size_t>(head_dim), 0.0);
  for (int p = 0; p < head_dim; ++p) {
    double* Hp = H.data() + static_cast<std::size_t>(p) * d_state;
    const double dtx = s.dt * s.x[p];
    for (int n = 0; n < d_state; ++n) {
      Hp[n] = dA * Hp[n] + dtx * s.B[n];
      y[p] += Hp[n] * s.C[n];
    }
  }
}

// ---- RetNet ----
SuInputs64 retnet_su_inputs(double gamma, const RetNetStep& s) {
  SuInputs64 in;
  in.gk.assign(s.k.size(), gamma);
  in.k = s.k;
  in.q = s.q;
  in.v = s.v;
  return in;
}

void retnet_step_direct(int d_k, int d_v, double gamma, std::vector<double>& S, const RetNetStep& s,
                        std::vector<double>& o) {
  need("retnet", "q", s.q.size(), d_k);
  need("retnet", "k", s.k.size(), d_k);
  need("retnet", "v", s.v.size(), d_v);
  need("retnet", "S", S.size(), d_k * d_v);
  for (int a = 0; a < d_k; ++a)
    for (int b = 0; b < d_v; ++b) S[static_cast<std::size_t>(a) * d_v + b] = gamma * S[static_cast<std::size_t>(a) * d_v + b] + s.k[a] * s.v[b];
  o.assign(static_cast<std::size_t>(d_v), 0.0);
  for (int b = 0; b < d_v; ++b)
    for (int a = 0; a < d_k; ++a) o[b] += s.q[a] * S[static_cast<std::size_t>(a) * d_v + b];
}

// ---- GLA ----
SuInputs64 gla_su_inputs(const GlaStep& s) {
  SuInputs64 in;
  in.gk = s.alpha;
  in.k = s.k;
  in.q = s.q;
  in.v = s.v;
  return in;
}

void gla_step_direct(int d_k, int d_v, std::vector<double>& S, const GlaStep& s, std::vector<double>& o) {
  need("gla", "q", s.q.size(), d_k);
  need("gla", "k", s.k.size(), d_k);
  need("gla", "alpha", s.alpha.size(), d_k);
  need("gla", "v", s.v.size(), d_v);
  need("gla", "S", S.size(), d_k * d_v);
  for (int a = 0; a < d_k; ++a)
    for (int b = 0; b < d_v; ++b) {
      double& x = S[static_cast<std::size_t>(a) * d_v + b];
      x = s.alpha[a] * x + s.k[a] * s.v[b];
    }
  o.assign(static_cast<std::size_t>(d_v), 0.0);
  for (int b = 0; b < d_v; ++b)
    for (int a = 0; a < d_k; ++a) o[b] += s.q[a] * S[static_cast<std::size_t>(a) * d_v + b];
}

// ---- HGRN2 ----
SuInputs64 hgrn2_su_inputs(const Hgrn2Step& s) {
  SuInputs64 in;
  in.gk = s.f;
  in.k.resize(s.f.size());
  for (std::size_t r = 0; r < s.f.size(); ++r) in.k[r] = 1.0 - s.f[r];
  in.q = s.o;
  in.v = s.i;
  return in;
}

void hgrn2_step_direct(int expand, int head_dim, std::vector<double>& h, const Hgrn2Step& s,
                       std::vector<double>& y) {
  need("hgrn2", "f", s.f.size(), expand);
  need("hgrn2", "o", s.o.size(), expand);
  need("hgrn2", "i", s.i.size(), head_dim);
  need("hgrn2", "h", h.size(), expand * head_dim);
  y.assign(static_cast<std::size_t>(head_dim), 0.0);
  for (int e = 0; e < expand; ++e) {
    const double in_gate = 1.0 - s.f[e];
    for (int d = 0; d < head_dim; ++d) {
      double& x = h[static_cast<std::size_t>(e) * head_dim + d];
      x = s.f[e] * x + in_gate * s.i[d];
    }
  }
  for (int d = 0; d < head_dim; ++d)
    for (int e = 0; e < expand; ++e) y[d] += s.o[e] * h[static_cast<std::size_t>(e) * head_dim + d];
}

}  // namespace pimlab::golden
