// The state-update models pimlab runs on the PIM unit, each as (a) a thin
// parameterisation of the general state update (golden/state_update.h) and (b)
// an independent FP64 implementation of the model's published recurrence in
// its own terms and orientation, so tests can check the mapping.
//
// General form (rows x cols state h):
//   h[r][c] <- h[r][c] * gk[r] * gv[c] + k[r] * v[c],   o[c] = sum_r h[r][c] q[r].
//
// | model   | state (rows x cols)  | gk[r]          | gv | k[r]      | v[c] | q[r] |
// |---------|----------------------|----------------|----|-----------|------|------|
// | Mamba-2 | d_state x head_dim   | exp(dt * A)    | 1  | dt * B[r] | x[c] | C[r] |
// | RetNet  | d_k x d_v            | gamma          | 1  | k[r]      | v[c] | q[r] |
// | GLA     | d_k x d_v            | alpha[r]       | 1  | k[r]      | v[c] | q[r] |
// | HGRN2   | expand x head_dim    | f[r]           | 1  | 1 - f[r]  | i[c] | o[r] |
//
// Mamba-2's skip term D * x and every gate/normalisation outside the
// recurrence run on the host and are not part of these kernels.
#pragma once

#include <vector>

#include "golden/state_update.h"

namespace pimlab::golden {

// ---- Mamba-2 (SSD), one head: H_t = exp(dt_t A) H_{t-1} + dt_t x_t B_t^T,
//      y_t = H_t C_t, with H of head_dim x d_state (P x N) as in the paper.
struct Mamba2Step {
  double dt = 0;                // softplus-ed step size of this head
  std::vector<double> B, C;     // d_state (N)
  std::vector<double> x;        // head_dim (P)
};
// A < 0 is the head's (scalar) state matrix A = -exp(A_log).
SuInputs64 mamba2_su_inputs(double A, const Mamba2Step& s);
// H: P x N row-major, updated in place; y resized to P.
void mamba2_step_direct(int head_dim, int d_state, double A, std::vector<double>& H, const Mamba2Step& s,
                        std::vector<double>& y);

// ---- RetNet recurrent retention, one head: S_n = gamma S_{n-1} + k_n^T v_n,
//      o_n = q_n S_n, S of d_k x d_v.
struct RetNetStep {
  std::vector<double> q, k;  // d_k
  std::vector<double> v;     // d_v
};
SuInputs64 retnet_su_inputs(double gamma, const RetNetStep& s);
void retnet_step_direct(int d_k, int d_v, double gamma, std::vector<double>& S, const RetNetStep& s,
                        std::vector<double>& o);

// ---- GLA, one head: S_t = Diag(alpha_t) S_{t-1} + k_t^T v_t, o_t = q_t S_t.
struct GlaStep {
  std::vector<double> q, k, alpha;  // d_k
  std::vector<double> v;            // d_v
};
SuInputs64 gla_su_inputs(const GlaStep& s);
void gla_step_direct(int d_k, int d_v, std::vector<double>& S, const GlaStep& s, std::vector<double>& o);

// ---- HGRN2, one head: h_t = Diag(f_t) h_{t-1} + (1 - f_t)^T i_t (outer
//      product, expand x head_dim), y_t = o_t h_t with o_t the output gate.
struct Hgrn2Step {
  std::vector<double> f, o;  // expand dimension (forget gate, output gate)
  std::vector<double> i;     // head_dim (input)
};
SuInputs64 hgrn2_su_inputs(const Hgrn2Step& s);
void hgrn2_step_direct(int expand, int head_dim, std::vector<double>& h, const Hgrn2Step& s,
                       std::vector<double>& y);

}  // namespace pimlab::golden
