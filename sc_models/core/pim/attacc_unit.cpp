#include "pim/attacc_unit.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "golden/attention.h"
#include "numerics/fp.h"

namespace pimlab::pim {

namespace {
int cdiv(int a, int b) { return (a + b - 1) / b; }
std::uint64_t atom_key(std::uint64_t addr) { return addr >> 5; }
std::uint64_t at(int ch, int pch, int rank, int bg, int bank, int row, int col) {
  return encode_addr(AttaccAddr{ch, pch, rank, bg, bank, row, col});
}
std::uint64_t head_key(int ch, int iter) { return (static_cast<std::uint64_t>(iter) << 8) | static_cast<std::uint64_t>(ch); }
float f(std::uint16_t h) { return numerics::fp16_to_fp32(h); }
// Buffer placement: the source bank (SID, BG, bank) of a per-bank MAC's atom.
int src32(const AttaccAddr& a) { return (a.rank * 4 + a.bg) * 4 + a.bank; }
// Pairwise FP32 reduction of n = 1, 2, 4, ... values (level by level, in place).
float pairwise(float* v, int n) {
  for (; n > 1; n /= 2)
    for (int i = 0; i < n / 2; ++i) v[i] = v[2 * i] + v[2 * i + 1];
  return v[0];
}
}  // namespace

AttaccUnits::AttaccUnits(const AttaccUnitConfig& cfg) : m_cfg(cfg) {
  if (cfg.d_head < 1 || cfg.len < 1 || cfg.channels < 1 || cfg.channels > 16)
    throw std::invalid_argument("attacc units: d_head, len >= 1 and channels 1..16 required");
  const bool bank = cfg.placement == AttaccPlacement::Bank;
  const bool buffer = cfg.placement == AttaccPlacement::Buffer;
  m_score_k = bank ? cdiv(cfg.d_head, 64) : cdiv(cfg.d_head, 16);
  m_ctx_n = m_score_k;
  m_ctx_k = buffer ? cdiv(cfg.len, 2) : cdiv(cfg.len, 16);
  m_groups = buffer ? 2 : 4;
  m_score_groups = cdiv(m_ctx_k, 16);
  m_mvsb_per_group = buffer ? 1 : 8;
  m_mvgb_per_head = buffer ? cdiv(cfg.len, 32) : 8 * cdiv(cfg.len, 256);
  m_ch.resize(static_cast<std::size_t>(cfg.channels));
  // Accumulators per unit: bank placement one per bank PU (4 per lane); bg /
  // buffer one partial per source bank of the atoms (4 / 32), reduced by the move.
  const int banks = 32;
  for (Chan& c : m_ch) {
    for (int par = 0; par < 2; ++par) {
      c.q[par].assign(static_cast<std::size_t>(16 * (bank ? 4 * m_score_k : m_score_k)), 0);
      c.p[par].assign(static_cast<std::size_t>(units()), std::vector<std::uint16_t>(static_cast<std::size_t>(16 * cdiv(m_ctx_k, 16)), 0));
    }
    c.acc_s.assign(static_cast<std::size_t>(units() * banks * 32), 0.0f);
    c.acc_c.assign(static_cast<std::size_t>(units() * banks * 2 * 16), 0.0f);
  }
}

int AttaccUnits::units() const { return m_cfg.placement == AttaccPlacement::Buffer ? 2 : 16; }

// Double buffering by the group's position in the stream: consecutive groups
// (a head's last and the next head's first included) use different halves.
int AttaccUnits::score_slot(int iter, int n) const {
  return static_cast<int>((static_cast<std::int64_t>(iter) * m_score_groups + n / 16) & 1) * 16 + n % 16;
}
int AttaccUnits::ctx_slot(int iter, int n) const {
  return static_cast<int>((static_cast<std::int64_t>(iter) * m_ctx_n + n) & 1);
}

float& AttaccUnits::acc_s(Chan& c, int lane, int bank, int slot) {
  return c.acc_s[static_cast<std::size_t>((lane * 32 + bank) * 32 + slot)];
}
float* AttaccUnits::acc_c(Chan& c, int lane, int bank, int slot) {
  return &c.acc_c[static_cast<std::size_t>(((lane * 32 + bank) * 2 + slot) * 16)];
}

void AttaccUnits::write_atom(std::uint64_t addr, const AttaccAtom& v) { m_store[atom_key(addr)] = v; }

AttaccAtom AttaccUnits::read_atom(std::uint64_t addr) const {
  const auto it = m_store.find(atom_key(addr));
  return it == m_store.end() ? AttaccAtom{} : it->second;
}

bool AttaccUnits::has_atom(std::uint64_t addr) const { return m_store.count(atom_key(addr)) != 0; }

void AttaccUnits::set_query(int channel, int iter, const std::vector<std::uint16_t>& q) {
  if (q.size() != static_cast<std::size_t>(m_cfg.d_head))
    throw std::invalid_argument("attacc units: a query has d_head values");
  m_query[head_key(channel, iter)] = q;
}

AttaccUnits::Head& AttaccUnits::head(int ch, int iter) {
  Head& h = m_heads[head_key(ch, iter)];
  if (h.scores.empty()) {
    h.scores.assign(static_cast<std::size_t>(m_cfg.len), 0);
    h.probs.assign(static_cast<std::size_t>(m_cfg.len), 0);
    h.partials.assign(static_cast<std::size_t>(m_groups), std::vector<std::uint16_t>(static_cast<std::size_t>(m_cfg.d_head), 0));
    h.score_macs.assign(static_cast<std::size_t>(m_score_groups), 0);
    h.ctx_macs.assign(static_cast<std::size_t>(m_ctx_n), 0);
  }
  return h;
}

void AttaccUnits::hazard(int ch, const AttaccOp& op, const std::string& what) {
  if (m_hazards++ == 0)
    m_first_hazard = "channel " + std::to_string(ch) + " iteration " + std::to_string(op.iter) + ": " + what;
}

void AttaccUnits::execute(int ch, AttaccReq type, std::uint64_t addr, const AttaccOp& op) {
  if (ch < 0 || ch >= m_cfg.channels) throw std::logic_error("attacc units: channel " + std::to_string(ch) + " outside the stack");
  Chan& c = m_ch[static_cast<std::size_t>(ch)];
  const AttaccAddr a = decode_addr(addr);
  const AttaccPlacement pl = m_cfg.placement;
  const bool bank = pl == AttaccPlacement::Bank, buffer = pl == AttaccPlacement::Buffer;
  const int par = op.iter & 1;
  const int L = m_cfg.len, D = m_cfg.d_head;
  auto need = [&](bool ok, const char* what) {
    if (!ok) throw std::logic_error(std::string("attacc units: ") + what + " (" + req_name(type) + ")");
  };
  switch (op.phase) {
    case AttaccPhase::None: return;
    case AttaccPhase::Wrgb: {
      // Host write of q atom (bank: the atom c of bank index b's quarter).
      const int atom = bank ? a.bank * m_score_k + op.n : op.n;
      need(atom >= 0 && 16 * atom < static_cast<int>(c.q[par].size()), "WRGB atom outside the GEMV buffer");
      const auto it = m_query.find(head_key(ch, op.iter));
      for (int i = 0; i < 16; ++i) {
        const int d = bank ? (a.bank * m_score_k + op.n) * 16 + i : op.n * 16 + i;
        c.q[par][static_cast<std::size_t>(atom * 16 + i)] =
            it != m_query.end() && d < D ? it->second[static_cast<std::size_t>(d)] : std::uint16_t{0};
      }
      return;
    }
    case AttaccPhase::ScoreMac: {
      need(op.k >= 0 && op.k < m_score_k && op.n >= 0, "score MAC operand atom out of range");
      const int slot = score_slot(op.iter, op.n);
      if (op.n / 16 < m_score_groups) ++head(ch, op.iter).score_macs[static_cast<std::size_t>(op.n / 16)];
      if (bank) {
        for (int lane = 0; lane < 16; ++lane)
          for (int b = 0; b < 4; ++b) {
            const AttaccAtom x = read_atom(at(ch, lane / 8, lane / 4 % 2, lane % 4, b, a.row, a.col));
            acc_s(c, lane, b, slot) += numerics::fp16_tree16(x.data(), &c.q[par][static_cast<std::size_t>((b * m_score_k + op.k) * 16)]);
          }
      } else if (!buffer) {
        for (int lane = 0; lane < 16; ++lane) {
          const AttaccAtom x = read_atom(at(ch, lane / 8, lane / 4 % 2, lane % 4, a.bank, a.row, a.col));
          acc_s(c, lane, a.bank, slot) += numerics::fp16_tree16(x.data(), &c.q[par][static_cast<std::size_t>(op.k * 16)]);
        }
      } else {
        for (int p = 0; p < 2; ++p) {
          const AttaccAtom x = read_atom(at(ch, p, a.rank, a.bg, a.bank, a.row, a.col));
          acc_s(c, p, src32(a), slot) += numerics::fp16_tree16(x.data(), &c.q[par][static_cast<std::size_t>(op.k * 16)]);
        }
      }
      return;
    }
    case AttaccPhase::ScoreMvsb: {
      // Group j = op.n: keys n = 16j .. 16j+15 of the lanes this move names.
      Head& h = head(ch, op.iter);
      const int nkeys = buffer ? cdiv(L, 2) : cdiv(L, 16);
      need(op.n >= 0 && op.n < m_score_groups, "score MVSB group out of range");
      if (h.score_macs[static_cast<std::size_t>(op.n)] < (std::min(nkeys, 16 * op.n + 16) - 16 * op.n) * m_score_k)
        hazard(ch, op, "score MVSB of group " + std::to_string(op.n) + " before the group's MACs");
      ++h.score_mvsb;
      for (int p = 0; p < 2; ++p) {
        const int lane = buffer ? p : (p * 2 + a.rank) * 4 + a.bg;
        for (int n = 16 * op.n; n < 16 * op.n + 16 && n < nkeys; ++n) {
          const int slot = score_slot(op.iter, n);
          float v;
          const int nsrc = buffer ? 32 : 4;
          float part[32];
          for (int b = 0; b < nsrc; ++b) {
            part[b] = acc_s(c, lane, b, slot);
            acc_s(c, lane, b, slot) = 0.0f;
          }
          v = pairwise(part, nsrc);
          const int t = buffer ? 2 * n + p : 16 * n + lane;
          if (t < L) h.scores[static_cast<std::size_t>(t)] = numerics::fp32_to_fp16(v);
        }
      }
      return;
    }
    case AttaccPhase::Sfm: {
      Head& h = head(ch, op.iter);
      if (h.score_mvsb < m_score_groups * m_mvsb_per_group) hazard(ch, op, "SFM before the head's last score MVSB");
      h.sfm = true;
      const float scale = 1.0f / std::sqrt(static_cast<float>(D));
      std::vector<float> s(static_cast<std::size_t>(L)), p(static_cast<std::size_t>(L));
      for (int t = 0; t < L; ++t) s[static_cast<std::size_t>(t)] = f(h.scores[static_cast<std::size_t>(t)]) * scale;
      golden::host_softmax(s.data(), p.data(), static_cast<std::size_t>(L));
      for (int t = 0; t < L; ++t) h.probs[static_cast<std::size_t>(t)] = numerics::fp32_to_fp16(p[static_cast<std::size_t>(t)]);
      return;
    }
    case AttaccPhase::Mvgb: {
      // Chunk c = op.n of the probabilities of each lane this move names.
      Head& h = head(ch, op.iter);
      if (!h.sfm) hazard(ch, op, "MVGB before the head's SFM");
      ++h.mvgb;
      for (int p = 0; p < 2; ++p) {
        const int lane = buffer ? p : (p * 2 + a.rank) * 4 + a.bg;
        auto& buf = c.p[par][static_cast<std::size_t>(lane)];
        for (int i = 0; i < 16; ++i) {
          const int k = 16 * op.n + i;
          const int t = buffer ? 2 * k + p : 16 * k + lane;
          need(k < static_cast<int>(buf.size()), "MVGB chunk outside the GEMV buffer");
          buf[static_cast<std::size_t>(k)] = t < L ? h.probs[static_cast<std::size_t>(t)] : std::uint16_t{0};
        }
      }
      return;
    }
    case AttaccPhase::CtxMac: {
      need(op.n >= 0 && op.n < m_ctx_n && op.k >= 0 && op.k < m_ctx_k, "context MAC index out of range");
      const int slot = ctx_slot(op.iter, op.n);
      {
        Head& h = head(ch, op.iter);
        if (h.mvgb < m_mvgb_per_head) hazard(ch, op, "context MAC before the head's last MVGB");
        ++h.ctx_macs[static_cast<std::size_t>(op.n)];
      }
      auto axpy = [&](float* acc, const AttaccAtom& x, std::uint16_t pv) {
        const float pf = f(pv);
        for (int i = 0; i < 16; ++i) acc[i] = acc[i] + f(x[static_cast<std::size_t>(i)]) * pf;
      };
      if (bank) {
        for (int lane = 0; lane < 16; ++lane)
          for (int b = 0; b < 4; ++b)
            axpy(acc_c(c, lane, b, slot), read_atom(at(ch, lane / 8, lane / 4 % 2, lane % 4, b, a.row, a.col)),
                 c.p[par][static_cast<std::size_t>(lane)][static_cast<std::size_t>(op.k)]);
      } else if (!buffer) {
        for (int lane = 0; lane < 16; ++lane)
          axpy(acc_c(c, lane, a.bank, slot), read_atom(at(ch, lane / 8, lane / 4 % 2, lane % 4, a.bank, a.row, a.col)),
               c.p[par][static_cast<std::size_t>(lane)][static_cast<std::size_t>(op.k)]);
      } else {
        for (int p = 0; p < 2; ++p)
          axpy(acc_c(c, p, src32(a), slot), read_atom(at(ch, p, a.rank, a.bg, a.bank, a.row, a.col)),
               c.p[par][static_cast<std::size_t>(p)][static_cast<std::size_t>(op.k)]);
      }
      return;
    }
    case AttaccPhase::CtxMvsb: {
      // Output atom n = op.n: bank placement names (SID, bank), bg (SID),
      // buffer nothing; the bank groups of a (pCH, SID) are reduced.
      Head& h = head(ch, op.iter);
      const int slot = ctx_slot(op.iter, op.n);
      need(op.n >= 0 && op.n < m_ctx_n, "context MVSB atom out of range");
      if (h.ctx_macs[static_cast<std::size_t>(op.n)] < m_ctx_k)
        hazard(ch, op, "context MVSB of output atom " + std::to_string(op.n) + " before its MACs");
      for (int p = 0; p < 2; ++p) {
        float v[16];
        const int group = buffer ? p : p * 2 + a.rank;
        const int b = bank ? a.bank : 0;
        // The value of one unit (lane): its bank PU (bank placement) or its
        // source-bank partials reduced pairwise (bg: 4, buffer: 32); cleared.
        auto lane_value = [&](int lane, int i) {
          if (bank) {
            float* x = acc_c(c, lane, b, slot);
            const float r = x[i];
            x[i] = 0.0f;
            return r;
          }
          const int nsrc = buffer ? 32 : 4;
          float part[32];
          for (int j = 0; j < nsrc; ++j) {
            float* x = acc_c(c, lane, j, slot);
            part[j] = x[i];
            x[i] = 0.0f;
          }
          return pairwise(part, nsrc);
        };
        for (int i = 0; i < 16; ++i) {
          if (buffer) {
            v[i] = lane_value(p, i);
          } else {
            float g[4];
            for (int bg = 0; bg < 4; ++bg) g[bg] = lane_value((p * 2 + a.rank) * 4 + bg, i);
            v[i] = (g[0] + g[1]) + (g[2] + g[3]);
          }
        }
        const int atom = bank ? b * m_ctx_n + op.n : op.n;
        for (int i = 0; i < 16; ++i) {
          const int d = atom * 16 + i;
          if (d < D) h.partials[static_cast<std::size_t>(group)][static_cast<std::size_t>(d)] = numerics::fp32_to_fp16(v[i]);
        }
      }
      return;
    }
  }
}

std::vector<std::uint16_t> AttaccUnits::scores(int channel, int iter) const {
  const auto it = m_heads.find(head_key(channel, iter));
  return it == m_heads.end() ? std::vector<std::uint16_t>{} : it->second.scores;
}

std::vector<std::uint16_t> AttaccUnits::probs(int channel, int iter) const {
  const auto it = m_heads.find(head_key(channel, iter));
  return it == m_heads.end() ? std::vector<std::uint16_t>{} : it->second.probs;
}

std::vector<float> AttaccUnits::outputs(int channel, int iter) const {
  const auto it = m_heads.find(head_key(channel, iter));
  if (it == m_heads.end()) return {};
  std::vector<float> o(static_cast<std::size_t>(m_cfg.d_head), 0.0f);
  for (const auto& part : it->second.partials)
    for (std::size_t d = 0; d < o.size(); ++d) o[d] = o[d] + f(part[d]);
  return o;
}

}  // namespace pimlab::pim
