#include "golden/state_update.h"

#include <stdexcept>
#include <string>

#include "golden/pu_ops.h"
#include "numerics/fp.h"

namespace pimlab::golden {

namespace {

template <class T>
void check_len(const char* name, const std::vector<T>& v, int want, const char* what) {
  if (static_cast<long long>(v.size()) != want)
    throw std::invalid_argument(std::string("state update: ") + name + " has " + std::to_string(v.size()) +
                                " elements, expected " + std::to_string(want) + " (" + what + ")");
}

template <class From, class To>
std::vector<To> convert(const std::vector<From>& in) {
  std::vector<To> out(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) out[i] = static_cast<To>(in[i]);
  return out;
}

void check_shape(int rows, int cols) {
  if (rows < 1 || cols < 1)
    throw std::invalid_argument("state update: shape " + std::to_string(rows) + " x " + std::to_string(cols) +
                                " is empty (rows and cols must be >= 1)");
}

}  // namespace

SuInputs to_fp32(const SuInputs64& in) {
  return {convert<double, float>(in.k), convert<double, float>(in.q), convert<double, float>(in.gk),
          convert<double, float>(in.v), convert<double, float>(in.gv)};
}

SuInputs64 to_fp64(const SuInputs& in) {
  return {convert<float, double>(in.k), convert<float, double>(in.q), convert<float, double>(in.gk),
          convert<float, double>(in.v), convert<float, double>(in.gv)};
}

template <class T>
void check_su_inputs(int rows, int cols, const SuInputsT<T>& in) {
  check_shape(rows, cols);
  check_len("k", in.k, rows, "one per state row");
  check_len("q", in.q, rows, "one per state row");
  check_len("gk", in.gk, rows, "one per state row");
  check_len("v", in.v, cols, "one per state column");
  if (!in.gv.empty()) check_len("gv", in.gv, cols, "one per state column, or empty for all 1.0");
}
template void check_su_inputs<float>(int, int, const SuInputsT<float>&);
template void check_su_inputs<double>(int, int, const SuInputsT<double>&);

void su_step_f64(int rows, int cols, std::vector<double>& h, const SuInputs64& in, std::vector<double>& o) {
  check_su_inputs(rows, cols, in);
  check_len("h", h, rows * cols, "rows x cols");
  o.assign(static_cast<std::size_t>(cols), 0.0);
  for (int r = 0; r < rows; ++r) {
    double* hr = h.data() + static_cast<std::size_t>(r) * cols;
    for (int c = 0; c < cols; ++c) {
      const double g = in.gk[r] * (in.gv.empty() ? 1.0 : in.gv[c]);
      hr[c] = hr[c] * g + in.k[r] * in.v[c];
      o[c] += hr[c] * in.q[r];
    }
  }
}

std::vector<std::vector<double>> su_run_f64(int rows, int cols, std::vector<double>& h,
                                            const std::vector<SuInputs64>& steps) {
  std::vector<std::vector<double>> out(steps.size());
  for (std::size_t t = 0; t < steps.size(); ++t) su_step_f64(rows, cols, h, steps[t], out[t]);
  return out;
}

SuState::SuState(numerics::Format format, int rows, int cols, const std::vector<float>& h0)
    : m_format(format), m_rows(rows), m_cols(cols) {
  check_shape(rows, cols);
  if (cols % kAtom != 0)
    throw std::invalid_argument("state update: cols = " + std::to_string(cols) +
                                " is not a multiple of 32 (one 32-element atom per row of a chunk)");
  const std::size_t n = static_cast<std::size_t>(rows) * cols;
  if (!h0.empty()) check_len("h0", h0, rows * cols, "rows x cols, or empty for zeros");
  std::vector<float> init = h0.empty() ? std::vector<float>(n, 0.0f) : h0;
  m_values.resize(n);
  if (format == numerics::Format::mx8) {
    m_blocks.resize(n / numerics::kMx8Block);
    for (std::size_t b = 0; b < m_blocks.size(); ++b) {
      m_blocks[b] = numerics::mx8_encode(init.data() + b * numerics::kMx8Block, numerics::Rounding::nearest);
      numerics::mx8_decode(m_blocks[b], m_values.data() + b * numerics::kMx8Block);
    }
  } else {
    numerics::quantize(format, init.data(), m_values.data(), n);
  }
}

SuState SuState::from_mx8_blocks(int rows, int cols, const std::vector<numerics::Mx8Block>& blocks) {
  SuState s(numerics::Format::mx8, rows, cols);
  if (blocks.size() != s.m_blocks.size())
    throw std::invalid_argument("state update: MX8 image has " + std::to_string(blocks.size()) +
                                " blocks, expected rows x cols / 16 = " + std::to_string(s.m_blocks.size()));
  s.m_blocks = blocks;
  for (std::size_t b = 0; b < blocks.size(); ++b) numerics::mx8_decode(blocks[b], s.m_values.data() + b * numerics::kMx8Block);
  return s;
}

void su_step(SuState& s, const SuInputs& in, std::vector<float>& o, numerics::Rounding mode, numerics::SrRng* rng) {
  const int rows = s.m_rows, cols = s.m_cols;
  check_su_inputs(rows, cols, in);
  const numerics::Format f = s.m_format;
  if (mode == numerics::Rounding::stochastic) {
    if (f != numerics::Format::mx8)
      throw std::invalid_argument(std::string("state update: stochastic rounding is defined for mx8 only, not ") +
                                  numerics::info(f).name);
    if (!rng) throw std::invalid_argument("state update: stochastic rounding needs a generator");
  }
  // 1. Register contents: inputs quantized in the kernel's format.
  std::vector<float> k(rows), q(rows), gk(rows), v(cols), gv;
  numerics::quantize(f, in.k.data(), k.data(), k.size());
  numerics::quantize(f, in.q.data(), q.data(), q.size());
  numerics::quantize(f, in.gk.data(), gk.data(), gk.size());
  numerics::quantize(f, in.v.data(), v.data(), v.size());
  if (!in.gv.empty()) {
    gv.resize(cols);
    numerics::quantize(f, in.gv.data(), gv.data(), gv.size());
  }
  o.assign(static_cast<std::size_t>(cols), 0.0f);
  const int col_blocks = cols / kAtom;
  const int blocks_per_row = cols / numerics::kMx8Block;
  float o_acc[kAtom], y[kAtom];
  // 2. Chunks i-major, COMPs over the chunk's rows in order.
  for (int i0 = 0; i0 < rows; i0 += kAtom) {
    const int i_end = i0 + kAtom < rows ? i0 + kAtom : rows;
    for (int j = 0; j < col_blocks; ++j) {
      const int c0 = j * kAtom;
      const float* vj = v.data() + c0;
      const float* gvj = gv.empty() ? nullptr : gv.data() + c0;
      for (float& a : o_acc) a = 0.0f;
      for (int r = i0; r < i_end; ++r) {
        float* hv = s.m_values.data() + static_cast<std::size_t>(r) * cols + c0;
        if (f == numerics::Format::mx8) {
          numerics::Mx8Block* hb = s.m_blocks.data() + static_cast<std::size_t>(r) * blocks_per_row + 2 * j;
          su_atom(hb, k[r], q[r], gk[r], vj, gvj, mode, rng, o_acc, hb, hv);
        } else {
          su_combine(hv, k[r], gk[r], vj, gvj, y);
          numerics::quantize(f, y, hv, kAtom);
          su_accumulate(hv, q[r], o_acc);
        }
      }
      // 3. Host: partials of column block j summed over i in increasing order.
      for (int c = 0; c < kAtom; ++c) o[c0 + c] = numerics::pu_add(o[c0 + c], o_acc[c]);
    }
  }
}

std::vector<std::vector<float>> su_run(SuState& s, const std::vector<SuInputs>& steps, numerics::Rounding mode,
                                       numerics::SrRng* rng) {
  std::vector<std::vector<float>> out(steps.size());
  for (std::size_t t = 0; t < steps.size(); ++t) su_step(s, steps[t], out[t], mode, rng);
  return out;
}

}  // namespace pimlab::golden
