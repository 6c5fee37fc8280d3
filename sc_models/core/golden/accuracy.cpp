#include "golden/accuracy.h"

#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "golden/attention.h"
#include "golden/models.h"
#include "golden/state_update.h"
#include "golden/synth.h"

namespace pimlab::golden {

namespace {

// Statistics of the synthetic inputs (docs/golden.md, "pimlab accuracy").
const std::vector<StudyModel> kModels = {
    {"mamba2-2.7b", StudyKind::state_update, 128, 64, "128 x 64 (d_state x head_dim)", 80, 16,
     "A = -U(1,16) per head, dt = logU(1e-3,1e-1) per step, a = exp(dt A); B, C, x ~ N(0,1); k = dt B, q = C, v = x"},
    {"retnet-2.7b", StudyKind::state_update, 256, 512, "256 x 512 (d_k x d_v)", 10, 2,
     "gamma_h = 1 - 2^(-5-h); q, v ~ N(0,1), k ~ N(0,1)/sqrt(256)"},
    {"gla-2.7b", StudyKind::state_update, 256, 512, "256 x 512 (d_k x d_v)", 5, 2,
     "alpha = sigmoid(z)^(1/16), z ~ N(0,1) per row and step; q, v ~ N(0,1), k ~ N(0,1)/sqrt(256)"},
    {"hgrn2-2.7b", StudyKind::state_update, 128, 128, "128 x 128 (expand x head_dim)", 20, 8,
     "f = 0.9 + 0.1 sigmoid(z), z ~ N(0,1) per row and step; k = 1 - f; i (v), o (q) ~ N(0,1)"},
    {"opt-7b", StudyKind::attention, 128, 0, "d_head 128, MHA", 32, 4,
     "K, V ~ N(0,1); q ~ N(0,4) (scores q.k/sqrt(128) ~ N(0,4)); one new token per step"},
};

const std::vector<numerics::Format> kDefaultFormats = {numerics::Format::mx8,        numerics::Format::int8, numerics::Format::mxfp8_e4m3,
                                                  numerics::Format::mxfp8_e5m2, numerics::Format::fp16, numerics::Format::bf16};

// Independent input streams: one per (head, purpose).
SynthRng stream(std::uint64_t seed, int head, int purpose) {
  return SynthRng::stream(seed, static_cast<std::uint64_t>(head) * 16 + static_cast<std::uint64_t>(purpose));
}

std::vector<double> normals(SynthRng& g, int n, double scale = 1.0) {
  std::vector<double> v(static_cast<std::size_t>(n));
  for (auto& x : v) x = scale * g.normal();
  return v;
}

// All steps of one head in general form.
std::vector<SuInputs64> state_inputs(const StudyModel& m, std::uint64_t seed, int head, int steps) {
  SynthRng g = stream(seed, head, 0);
  const int R = m.rows, C = m.cols;
  std::vector<SuInputs64> out(static_cast<std::size_t>(steps));
  const std::string name = m.name;
  if (name == "mamba2-2.7b") {
    const double A = -g.uniform(1.0, 16.0);
    for (auto& in : out) {
      Mamba2Step s;
      s.dt = std::exp(g.uniform(std::log(1e-3), std::log(1e-1)));
      s.B = normals(g, R);
      s.C = normals(g, R);
      s.x = normals(g, C);
      in = mamba2_su_inputs(A, s);
    }
  } else if (name == "retnet-2.7b") {
    const double gamma = 1.0 - std::ldexp(1.0, -5 - head);
    for (auto& in : out) {
      RetNetStep s;
      s.q = normals(g, R);
      s.k = normals(g, R, 1.0 / std::sqrt(static_cast<double>(R)));
      s.v = normals(g, C);
      in = retnet_su_inputs(gamma, s);
    }
  } else if (name == "gla-2.7b") {
    for (auto& in : out) {
      GlaStep s;
      s.alpha.resize(static_cast<std::size_t>(R));
      for (auto& a : s.alpha) a = std::pow(sigmoid(g.normal()), 1.0 / 16.0);
      s.q = normals(g, R);
      s.k = normals(g, R, 1.0 / std::sqrt(static_cast<double>(R)));
      s.v = normals(g, C);
      in = gla_su_inputs(s);
    }
  } else if (name == "hgrn2-2.7b") {
    for (auto& in : out) {
      Hgrn2Step s;
      s.f.resize(static_cast<std::size_t>(R));
      for (auto& f : s.f) f = 0.9 + 0.1 * sigmoid(g.normal());
      s.o = normals(g, R);
      s.i = normals(g, C);
      in = hgrn2_su_inputs(s);
    }
  } else {
    throw std::logic_error("state_inputs: not a state-update model");
  }
  return out;
}

double rel_err(const float* a, const double* ref, std::size_t n, double* num2_out = nullptr,
               double* den2_out = nullptr) {
  double num2 = 0, den2 = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double d = static_cast<double>(a[i]) - ref[i];
    num2 += d * d;
    den2 += ref[i] * ref[i];
  }
  if (num2_out) *num2_out += num2;
  if (den2_out) *den2_out += den2;
  return den2 > 0 ? std::sqrt(num2 / den2) : (num2 > 0 ? HUGE_VAL : 0.0);
}

struct Acc {
  double max = 0, sum = 0;
  long n = 0;
  double num2 = 0, den2 = 0;
  void add(double e) {
    max = std::max(max, e);
    sum += e;
    ++n;
  }
};

void run_state(const StudyResult& r, std::vector<Acc>& acc) {
  const StudyModel& m = *r.model;
  const StudyConfig& c = r.config;
  for (int h = 0; h < c.heads; ++h) {
    const auto in64 = state_inputs(m, c.seed, h, c.steps);
    std::vector<double> h64(static_cast<std::size_t>(m.rows) * m.cols, 0.0);
    const auto o64 = su_run_f64(m.rows, m.cols, h64, in64);
    std::vector<SuInputs> in32(in64.size());
    for (std::size_t t = 0; t < in64.size(); ++t) in32[t] = to_fp32(in64[t]);
    for (std::size_t fi = 0; fi < c.formats.size(); ++fi) {
      const numerics::Format f = c.formats[fi];
      const bool sr = r.formats[fi].stochastic;
      numerics::SrRng rng(static_cast<std::uint32_t>(SynthRng::stream(c.seed, 1000 + h).next()));
      SuState st(f, m.rows, m.cols);
      std::vector<float> o;
      for (int t = 0; t < c.steps; ++t) {
        su_step(st, in32[t], o, sr ? numerics::Rounding::stochastic : numerics::Rounding::nearest, sr ? &rng : nullptr);
        acc[fi].add(rel_err(o.data(), o64[t].data(), o.size()));
      }
      rel_err(st.values().data(), h64.data(), h64.size(), &acc[fi].num2, &acc[fi].den2);
    }
  }
}

void run_attention(const StudyResult& r, std::vector<Acc>& acc) {
  const StudyConfig& c = r.config;
  const int d = r.model->rows;
  for (int h = 0; h < c.heads; ++h) {
    SynthRng g = stream(c.seed, h, 0);
    const int total = c.context + c.steps;
    std::vector<double> K64, V64;
    std::vector<std::vector<double>> q64(static_cast<std::size_t>(c.steps));
    K64.reserve(static_cast<std::size_t>(total) * d);
    V64.reserve(static_cast<std::size_t>(total) * d);
    for (int t = 0; t < total; ++t) {
      const auto k = normals(g, d), v = normals(g, d);
      K64.insert(K64.end(), k.begin(), k.end());
      V64.insert(V64.end(), v.begin(), v.end());
    }
    for (auto& q : q64) q = normals(g, d, 2.0);
    std::vector<float> K32(K64.begin(), K64.end()), V32(V64.begin(), V64.end());
    // FP64 outputs of every step (cache of context + t + 1 tokens).
    std::vector<std::vector<double>> o64(static_cast<std::size_t>(c.steps));
    for (int t = 0; t < c.steps; ++t) {
      const int L = c.context + t + 1;
      const std::vector<double> K(K64.begin(), K64.begin() + static_cast<std::ptrdiff_t>(L) * d);
      const std::vector<double> V(V64.begin(), V64.begin() + static_cast<std::ptrdiff_t>(L) * d);
      o64[t] = attention_decode_f64(d, L, K, V, q64[t], 1);
    }
    for (std::size_t fi = 0; fi < c.formats.size(); ++fi) {
      KvCache kv(c.formats[fi], d);
      for (int t = 0; t < c.context; ++t) kv.append(K32.data() + static_cast<std::size_t>(t) * d, V32.data() + static_cast<std::size_t>(t) * d);
      for (int t = 0; t < c.steps; ++t) {
        const int tok = c.context + t;
        kv.append(K32.data() + static_cast<std::size_t>(tok) * d, V32.data() + static_cast<std::size_t>(tok) * d);
        const std::vector<float> q(q64[t].begin(), q64[t].end());
        const auto o = attention_decode(kv, q, 1);
        acc[fi].add(rel_err(o.data(), o64[t].data(), o.size()));
      }
      rel_err(kv.k_values().data(), K64.data(), K64.size(), &acc[fi].num2, &acc[fi].den2);
      rel_err(kv.v_values().data(), V64.data(), V64.size(), &acc[fi].num2, &acc[fi].den2);
    }
  }
}

}  // namespace

const std::vector<StudyModel>& study_models() { return kModels; }

const StudyModel& find_study_model(const std::string& name) {
  std::string allowed;
  for (const auto& m : kModels) {
    if (name == m.name) return m;
    allowed += (allowed.empty() ? "" : ", ") + std::string(m.name);
  }
  throw std::invalid_argument("unknown model '" + name + "' (allowed: " + allowed + ")");
}

std::vector<std::string> study_format_names() {
  std::vector<std::string> names = {"e4m3", "e5m2"};
  for (const auto& fi : numerics::all_formats()) names.push_back(fi.name);
  return names;
}

numerics::Format parse_study_format(const std::string& name) {
  if (name == "e4m3") return numerics::Format::mxfp8_e4m3;
  if (name == "e5m2") return numerics::Format::mxfp8_e5m2;
  for (const auto& fi : numerics::all_formats())
    if (name == fi.name) return fi.format;
  std::string allowed;
  for (const auto& n : study_format_names()) allowed += (allowed.empty() ? "" : ", ") + n;
  throw std::invalid_argument("unknown format '" + name + "' (allowed: " + allowed + ")");
}

StudyResult run_accuracy_study(const StudyConfig& config) {
  StudyResult r;
  r.config = config;
  r.model = &find_study_model(config.model);
  StudyConfig& c = r.config;
  if (c.steps < 1) throw std::invalid_argument("steps = " + std::to_string(c.steps) + " (must be >= 1)");
  if (c.heads == 0) c.heads = r.model->default_heads;
  if (c.heads < 1 || c.heads > r.model->model_heads)
    throw std::invalid_argument("heads = " + std::to_string(c.heads) + " (" + r.model->name + " has 1.." +
                                std::to_string(r.model->model_heads) + ")");
  if (r.model->kind == StudyKind::attention) {
    if (c.context == 0) c.context = 512;
    if (c.context < 0) throw std::invalid_argument("context = " + std::to_string(c.context) + " (must be >= 0)");
  } else if (c.context != 0) {
    throw std::invalid_argument(std::string("context applies to attention models only, not to ") + r.model->name);
  }
  if (c.formats.empty()) c.formats = kDefaultFormats;
  for (std::size_t i = 0; i < c.formats.size(); ++i)
    for (std::size_t j = 0; j < i; ++j)
      if (c.formats[i] == c.formats[j])
        throw std::invalid_argument(std::string("format '") + numerics::info(c.formats[i]).name + "' listed twice");
  for (const numerics::Format f : c.formats)
    r.formats.push_back({f, numerics::info(f).bits_per_element, 0, 0, 0,
                         c.rounding == numerics::Rounding::stochastic && f == numerics::Format::mx8 &&
                             r.model->kind == StudyKind::state_update});
  std::vector<Acc> acc(c.formats.size());
  if (r.model->kind == StudyKind::state_update)
    run_state(r, acc);
  else
    run_attention(r, acc);
  for (std::size_t i = 0; i < acc.size(); ++i) {
    r.formats[i].o_rel_max = acc[i].max;
    r.formats[i].o_rel_mean = acc[i].n ? acc[i].sum / static_cast<double>(acc[i].n) : 0.0;
    r.formats[i].state_rel = acc[i].den2 > 0 ? std::sqrt(acc[i].num2 / acc[i].den2) : 0.0;
  }
  return r;
}

const char* rounding_name(numerics::Rounding r) { return r == numerics::Rounding::stochastic ? "stochastic" : "nearest"; }

std::string format_accuracy_table(const StudyResult& r) {
  const StudyModel& m = *r.model;
  const StudyConfig& c = r.config;
  char buf[512];
  std::string out;
  if (m.kind == StudyKind::state_update) {
    std::snprintf(buf, sizeof buf,
                  "%s state update: state %s per head, %d of %d heads, %d steps from h = 0, seed %llu, "
                  "rounding %s\n",
                  m.name, m.shape_text, c.heads, m.model_heads, c.steps, static_cast<unsigned long long>(c.seed),
                  rounding_name(c.rounding));
    out += buf;
    out += std::string("inputs: ") + m.inputs_text + "\n";
    out += "errors vs FP64: o = h^T q of every head and step, ||o^ - o||_2 / ||o||_2 (max, mean); "
           "final state ||h^ - h||_F / ||h||_F over the heads\n";
  } else {
    std::snprintf(buf, sizeof buf,
                  "%s decode attention: %s, %d of %d query heads, %d decode steps after %d context tokens, "
                  "seed %llu\n",
                  m.name, m.shape_text, c.heads, m.model_heads, c.steps, c.context,
                  static_cast<unsigned long long>(c.seed));
    out += buf;
    out += std::string("inputs: ") + m.inputs_text + "\n";
    out += "errors vs FP64: o = softmax(q K^T / sqrt(d)) V of every head and step, ||o^ - o||_2 / ||o||_2 "
           "(max, mean); final K/V cache ||x^ - x||_F / ||x||_F\n";
  }
  out += "\n";
  std::snprintf(buf, sizeof buf, "%-14s %9s %14s %15s %14s\n", "format", "bits/elem", "o rel err max",
                "o rel err mean", "state rel err");
  out += buf;
  for (const auto& f : r.formats) {
    std::string name = numerics::info(f.format).name;
    if (f.stochastic) name += "/sr";
    std::snprintf(buf, sizeof buf, "%-14s %9.2f %14.3e %15.3e %14.3e\n", name.c_str(), f.bits_per_element,
                  f.o_rel_max, f.o_rel_mean, f.state_rel);
    out += buf;
  }
  return out;
}

}  // namespace pimlab::golden
