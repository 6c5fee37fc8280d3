#include "firmware/attacc/data.h"

#include <algorithm>
#include <functional>
#include <unordered_set>
#include <cmath>
#include <random>
#include <stdexcept>

#include "golden/attacc.h"
#include "golden/attention.h"
#include "numerics/fp.h"

namespace pimlab::firmware::attacc {

namespace {
int cdiv(int a, int b) { return (a + b - 1) / b; }
float f(std::uint16_t h) { return numerics::fp16_to_fp32(h); }
}  // namespace

std::vector<HeadData> seeded_heads(const AttentionSpec& s, std::uint64_t seed) {
  std::vector<HeadData> out(static_cast<std::size_t>(s.heads));
  const std::size_t n = static_cast<std::size_t>(s.len) * static_cast<std::size_t>(s.d_head);
  for (int h = 0; h < s.heads; ++h) {
    std::mt19937_64 g(seed * 0x9E3779B97F4A7C15ull + static_cast<std::uint64_t>(h));
    auto fill = [&](std::vector<std::uint16_t>& v, std::size_t m) {
      v.resize(m);
      for (auto& x : v) x = numerics::fp32_to_fp16(static_cast<float>(static_cast<double>(g() >> 11) * 0x1p-52 - 1.0));
    };
    HeadData& d = out[static_cast<std::size_t>(h)];
    fill(d.k, n);
    fill(d.v, n);
    fill(d.q, static_cast<std::size_t>(s.d_head));
  }
  return out;
}

pim::AttaccUnitConfig unit_config(const AttentionSpec& s) {
  pim::AttaccUnitConfig c;
  c.placement = s.placement;
  c.d_head = s.d_head;
  c.len = s.len;
  c.channels = s.channels;
  return c;
}

namespace {
// load_heads' placement, writing through `write` (`has`: the atom is taken).
void place_heads(const AttentionSpec& s, const std::vector<HeadData>& d,
                 const std::function<void(int, int, const std::vector<std::uint16_t>&)>& set_query,
                 const std::function<bool(std::uint64_t)>& has,
                 const std::function<void(std::uint64_t, const pim::AttaccAtom&)>& write) {
  if (s.dbyte != 2)
    throw std::invalid_argument("dbyte " + std::to_string(s.dbyte) + ": the units compute on FP16 data; allowed: 2");
  if (d.size() != static_cast<std::size_t>(s.heads)) throw std::invalid_argument("attacc data: one HeadData per head");
  const int L = s.len, D = s.d_head;
  const bool bank = s.placement == pim::AttaccPlacement::Bank, buffer = s.placement == pim::AttaccPlacement::Buffer;
  const int score_n = buffer ? cdiv(L, 2) : cdiv(L, 16);
  const int score_k = bank ? cdiv(D, 64) : cdiv(D, 16);
  const int ctx_n = score_k, ctx_k = score_n;
  for (int h = 0; h < s.heads; ++h) {
    const HeadData& hd = d[static_cast<std::size_t>(h)];
    const int ch = h % s.channels, iter = h / s.channels;
    set_query(ch, iter, hd.q);
    auto value = [&](const std::vector<std::uint16_t>& m, int t, int dim) -> std::uint16_t {
      return t < L && dim < D ? m[static_cast<std::size_t>(t) * static_cast<std::size_t>(D) + static_cast<std::size_t>(dim)] : 0;
    };
    auto put = [&](std::uint64_t addr, const std::vector<std::uint16_t>& m, int t, int dim0) {
      if (has(addr)) {
        const pim::AttaccAddr a = pim::decode_addr(addr);
        throw std::invalid_argument("the KV layout places head " + std::to_string(h) + " on an atom already used (channel " +
                                    std::to_string(a.ch) + ", row " + std::to_string(a.row) + ", col " +
                                    std::to_string(a.col) + "): len x dbyte must not exceed max-len when heads > " +
                                    std::to_string(s.channels) + "; raise --max-len");
      }
      pim::AttaccAtom x{};
      for (int i = 0; i < 16; ++i) x[static_cast<std::size_t>(i)] = value(m, t, dim0 + i);
      write(addr, x);
    };
    for (int region = 0; region < 2; ++region) {
      const bool ctx = region == 1;
      const std::vector<std::uint16_t>& m = ctx ? hd.v : hd.k;
      const int nn = ctx ? ctx_n : score_n, kk_n = ctx ? ctx_k : score_k;
      for (int n = 0; n < nn; ++n)
        for (int kk = 0; kk < kk_n; ++kk) {
          const std::uint64_t a0 = mac_address(s, iter, ctx, static_cast<std::int64_t>(kk) + static_cast<std::int64_t>(n) * kk_n);
          pim::AttaccAddr a = pim::decode_addr(a0);
          a.ch = ch;
          // Key / token index and first dimension of the atom in each unit.
          const int key = ctx ? kk : n, atom = ctx ? n : kk;
          if (buffer) {
            for (int p = 0; p < 2; ++p) {
              a.pch = p;
              put(pim::encode_addr(a), m, 2 * key + p, 16 * atom);
            }
            continue;
          }
          for (int lane = 0; lane < 16; ++lane) {
            a.pch = lane / 8;
            a.rank = lane / 4 % 2;
            a.bg = lane % 4;
            if (bank) {
              for (int b = 0; b < 4; ++b) {
                a.bank = b;
                put(pim::encode_addr(a), m, 16 * key + lane, (b * score_k + atom) * 16);
              }
            } else {
              put(pim::encode_addr(a), m, 16 * key + lane, 16 * atom);
            }
          }
        }
    }
  }
}

}  // namespace

void load_heads(const AttentionSpec& s, const std::vector<HeadData>& d, pim::AttaccUnits& u) {
  place_heads(
      s, d, [&](int ch, int iter, const std::vector<std::uint16_t>& q) { u.set_query(ch, iter, q); },
      [&](std::uint64_t a) { return u.has_atom(a); }, [&](std::uint64_t a, const pim::AttaccAtom& x) { u.write_atom(a, x); });
}

std::vector<std::pair<std::uint64_t, pim::AttaccAtom>> head_atoms(const AttentionSpec& s,
                                                                  const std::vector<HeadData>& d) {
  std::vector<std::pair<std::uint64_t, pim::AttaccAtom>> out;
  std::unordered_set<std::uint64_t> taken;
  place_heads(
      s, d, [](int, int, const std::vector<std::uint16_t>&) {},
      [&](std::uint64_t a) { return taken.count(a >> 5) > 0; },
      [&](std::uint64_t a, const pim::AttaccAtom& x) {
        taken.insert(a >> 5);
        out.emplace_back(a, x);
      });
  return out;
}

void execute_issued(const std::vector<pim::AttaccStatement>& trace, const std::vector<pim::AttaccOp>& ops,
                    const pim::AttaccResult& res, pim::AttaccUnits& u) {
  if (ops.size() != trace.size()) throw std::invalid_argument("attacc data: one op per trace statement");
  for (std::size_t ch = 0; ch < res.issued.size(); ++ch)
    for (const pim::AttaccIssued& c : res.issued[ch]) {
      if (c.stmt < 0) continue;
      const std::size_t i = static_cast<std::size_t>(c.stmt);
      u.execute(static_cast<int>(ch), trace[i].type, trace[i].addr, ops[i]);
    }
}

VerifyReport verify_heads(const AttentionSpec& s, const std::vector<HeadData>& d, const pim::AttaccUnits& u) {
  std::vector<HeadResults> got(static_cast<std::size_t>(s.heads));
  for (int h = 0; h < s.heads; ++h) {
    const int ch = h % s.channels, iter = h / s.channels;
    HeadResults& g = got[static_cast<std::size_t>(h)];
    g.scores = u.scores(ch, iter);
    g.probs = u.probs(ch, iter);
    g.outputs = u.outputs(ch, iter);
  }
  return verify_heads(s, d, got, u.hazards(), u.first_hazard());
}

VerifyReport verify_heads(const AttentionSpec& s, const std::vector<HeadData>& d, const std::vector<HeadResults>& got,
                          std::uint64_t hazards, const std::string& first_hazard) {
  if (got.size() != static_cast<std::size_t>(s.heads))
    throw std::invalid_argument("verify_heads: " + std::to_string(got.size()) + " results for " +
                                std::to_string(s.heads) + " heads");
  VerifyReport r;
  r.hazards = hazards;
  r.first_hazard = first_hazard;
  const golden::AttaccLevel lvl = s.placement == pim::AttaccPlacement::Bank        ? golden::AttaccLevel::Bank
                                  : s.placement == pim::AttaccPlacement::BankGroup ? golden::AttaccLevel::BankGroup
                                                                                   : golden::AttaccLevel::Buffer;
  const int L = s.len, D = s.d_head;
  for (int h = 0; h < s.heads; ++h) {
    const HeadData& hd = d[static_cast<std::size_t>(h)];
    const golden::AttaccAttention g = golden::attacc_attention(lvl, D, L, hd.k, hd.v, hd.q);
    const HeadResults& res = got[static_cast<std::size_t>(h)];
    const std::vector<std::uint16_t>& sc = res.scores;
    const std::vector<std::uint16_t>& pr = res.probs;
    const std::vector<float>& o = res.outputs;
    auto note = [&](const char* what, int i, double got, double want) {
      if (r.first_mismatch.empty())
        r.first_mismatch = std::string(what) + " of head " + std::to_string(h) + " at " + std::to_string(i) + ": " +
                           std::to_string(got) + " (golden " + std::to_string(want) + ")";
    };
    for (int t = 0; t < L; ++t) {
      const double gs = f(g.scores[static_cast<std::size_t>(t)]), gp = f(g.probs[static_cast<std::size_t>(t)]);
      const double us = sc.empty() ? std::nan("") : f(sc[static_cast<std::size_t>(t)]);
      const double up = pr.empty() ? std::nan("") : f(pr[static_cast<std::size_t>(t)]);
      ++r.scores;
      ++r.probs;
      if (!(us == gs)) {
        ++r.scores_mismatched;
        note("score", t, us, gs);
      }
      if (!(up == gp)) {
        ++r.probs_mismatched;
        note("probability", t, up, gp);
      }
    }
    std::vector<double> K(hd.k.size()), V(hd.v.size()), q(hd.q.size());
    for (std::size_t i = 0; i < K.size(); ++i) K[i] = f(hd.k[i]);
    for (std::size_t i = 0; i < V.size(); ++i) V[i] = f(hd.v[i]);
    for (std::size_t i = 0; i < q.size(); ++i) q[i] = f(hd.q[i]);
    const std::vector<double> ref = golden::attention_decode_f64(D, L, K, V, q, 1);
    double omax = 0, emax = 0;
    for (int x = 0; x < D; ++x) {
      const double uo = o.empty() ? std::nan("") : o[static_cast<std::size_t>(x)];
      const double go = g.out[static_cast<std::size_t>(x)];
      ++r.outputs;
      if (!(uo == go)) {
        ++r.outputs_mismatched;
        note("output", x, uo, go);
      }
      omax = std::max(omax, std::fabs(ref[static_cast<std::size_t>(x)]));
      const double e = std::fabs(uo - ref[static_cast<std::size_t>(x)]);
      emax = std::isnan(e) ? emax : std::max(emax, e);
    }
    r.max_abs_err_fp64 = std::max(r.max_abs_err_fp64, emax);
    if (omax > 0) r.max_rel_err_fp64 = std::max(r.max_rel_err_fp64, emax / omax);
    ++r.heads;
  }
  return r;
}

}  // namespace pimlab::firmware::attacc
