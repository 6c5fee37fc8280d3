#include "firmware/neupims/streams.h"

#include "numerics/fp.h"

#include <algorithm>
#include <stdexcept>

namespace pimlab::firmware::neupims {

namespace {
constexpr int kDHead = 128;
constexpr int kRowValues = 512;     // FP16 values per 1 KB row
constexpr int kTokensPerKTile = 32; // one key per bank: 32 tokens per K row
constexpr int kMacValues = 16;      // FP16 multipliers per bank: values per MAC step
constexpr int kFirstRow = 1024;     // rows below hold the global-buffer staging row 0 and normal data

int ceil_div(int a, int b) { return (a + b - 1) / b; }
std::uint64_t pow2ceil(std::uint64_t v) {
  std::uint64_t p = 1;
  while (p < v) p <<= 1;
  return p;
}
float numerics_fp16(std::uint16_t h) { return numerics::fp16_to_fp32(h); }
}  // namespace

Op parse_op(const std::string& s) {
  if (s == "score") return Op::Score;
  if (s == "attend") return Op::Attend;
  throw std::invalid_argument("unknown op '" + s + "' (allowed: score, attend)");
}
const char* op_name(Op o) { return o == Op::Score ? "score" : "attend"; }

pim::NewtonWorkload attention_workload(const AttentionSpec& s) {
  using pim::TxnType;
  if (s.len < 1) throw std::invalid_argument("--len " + std::to_string(s.len) + " must be positive");
  if (s.width < kDHead || s.width % kDHead)
    throw std::invalid_argument("--width " + std::to_string(s.width) + " must be a positive multiple of d_head 128");
  if (s.requests < 1) throw std::invalid_argument("--requests " + std::to_string(s.requests) + " must be positive");
  if (s.loads < 0) throw std::invalid_argument("--loads " + std::to_string(s.loads) + " must not be negative");
  if (s.type == pim::PimType::Dram) throw std::invalid_argument("the dram flavour runs no PIM stream");
  const bool dual = s.type == pim::PimType::Dual;
  const int heads = s.width / kDHead;
  const int ch = s.channel;
  pim::NewtonWorkload w;
  auto gwrite = [&] { w.pim.push_back(pim::make_txn(TxnType::GWrite, pim::normal_addr(ch, 0, 0, 0, 0, 0))); };
  // One GEMV row: the header, then `n` result reads of `nc` MACs each.
  auto gemv = [&](int row, std::uint64_t hdr_comps, std::uint64_t hdr_readres, int n, int nc) {
    w.pim.push_back(pim::make_txn(TxnType::PHeader, pim::p_header_addr(ch, row, hdr_comps, hdr_readres)));
    for (int r = 0; r < n; ++r) {
      const bool last = r == n - 1;
      if (dual) {
        w.pim.push_back(pim::make_txn(TxnType::CompsReadRes, pim::comps_readres_addr(ch, row, nc, last)));
      } else {
        for (int c = 0; c < nc; ++c) w.pim.push_back(pim::make_txn(TxnType::Comp, pim::comp_addr(ch, row)));
        w.pim.push_back(pim::make_txn(TxnType::ReadRes, pim::readres_addr(ch, row, last)));
      }
    }
  };
  int next_row = kFirstRow;
  for (int req = 0; req < s.requests; ++req) {
    if (s.op == Op::Score) {
      // K rows: one per (chunk of 4 heads, tile of 32 tokens).
      const int chunks = ceil_div(s.width, kRowValues), tiles = ceil_div(s.len, kTokensPerKTile);
      const int base = next_row;
      next_row += chunks * tiles;
      for (int c = 0; c < chunks; ++c) {
        const int hc = std::min(4, heads - 4 * c);
        gwrite();
        for (int t = 0; t < tiles; ++t)
          gemv(base + c * tiles + t, static_cast<std::uint64_t>(8 * hc), static_cast<std::uint64_t>(hc), hc,
               kDHead / kMacValues);
      }
    } else {
      // V rows: one per (chunk of 512 tokens, tile of 32 output dims); the
      // artifact's allocator reuses them for every head.
      const int chunks = ceil_div(s.len, kRowValues);
      const int base = next_row;
      next_row += chunks * 4;
      for (int h = 0; h < heads; ++h)
        for (int c = 0; c < chunks; ++c) {
          gwrite();
          const int rest = s.len - c * kRowValues;
          const int nc = rest >= kRowValues ? kRowValues / kMacValues : ceil_div(rest, kMacValues);
          for (int t = 0; t < 4; ++t) gemv(base + c * 4 + t, pow2ceil(static_cast<std::uint64_t>(nc)), 1, 1, nc);
        }
    }
  }
  for (int l = 0; l < s.loads; ++l)
    for (int j = 0; j < 16; ++j)
      w.mem.push_back(pim::make_txn(TxnType::Read, pim::normal_addr(ch, 0, j / 4, j % 4, 10 + l, (j + l) % 16)));
  return w;
}

std::vector<std::vector<std::uint16_t>> UnitsTarget::run(const std::vector<pim::Txn>& txns) {
  std::vector<std::vector<std::uint16_t>> out;
  for (const pim::Txn& x : txns) {
    std::vector<std::uint16_t> r = m_u.execute(x);
    if (!r.empty()) out.push_back(std::move(r));
  }
  return out;
}

std::vector<float> run_attention_data(const AttentionSpec& s, const AttentionData& d, pim::NewtonUnits& units) {
  UnitsTarget t(units);
  return run_attention_data(s, d, t);
}

std::vector<float> run_attention_data(const AttentionSpec& s0, const AttentionData& d, AttentionTarget& target) {
  AttentionSpec s = s0;
  s.requests = 1;
  s.loads = 0;
  const pim::NewtonWorkload w = attention_workload(s);
  const int h = s.width / kDHead, L = s.len, E = s.width;
  const std::size_t need_kv = static_cast<std::size_t>(L) * static_cast<std::size_t>(E);
  if (d.k.size() != need_kv || d.v.size() != need_kv)
    throw std::invalid_argument("attention data: K and V need len x width values");
  if (s.op == Op::Score && d.q.size() != static_cast<std::size_t>(E))
    throw std::invalid_argument("attention data: q needs width values");
  if (s.op == Op::Attend && d.p.size() != static_cast<std::size_t>(h) * static_cast<std::size_t>(L))
    throw std::invalid_argument("attention data: p needs heads x len values");
  // The stream's GWRITE-led segments (a GWRITE and everything up to the next).
  std::vector<std::vector<pim::Txn>> segs;
  for (const pim::Txn& x : w.pim) {
    if (x.type == pim::TxnType::GWrite || segs.empty()) segs.emplace_back();
    segs.back().push_back(x);
  }
  auto answers = [](const pim::Txn& x) {
    return x.type == pim::TxnType::ReadRes || x.type == pim::TxnType::CompsReadRes;
  };
  auto run_seg = [&](const std::vector<pim::Txn>& seg) {
    std::vector<std::vector<std::uint16_t>> r = target.run(seg);
    std::size_t want = 0;
    for (const pim::Txn& x : seg) want += answers(x);
    if (r.size() != want)
      throw std::logic_error("attention data: " + std::to_string(r.size()) + " result reads for " +
                             std::to_string(want) + " answering transactions");
    return r;
  };
  std::vector<float> out;
  if (s.op == Op::Score) {
    const int chunks = ceil_div(E, kRowValues), tiles = ceil_div(L, kTokensPerKTile);
    for (int c = 0; c < chunks; ++c)
      for (int t = 0; t < tiles; ++t)
        for (int b = 0; b < 32; ++b) {
          std::vector<std::uint16_t> row(kRowValues, 0);
          const int tok = t * kTokensPerKTile + b;
          for (int j = 0; j < 4 && 4 * c + j < h && tok < L; ++j)
            for (int x = 0; x < kDHead; ++x)
              row[static_cast<std::size_t>(j * kDHead + x)] =
                  d.k[static_cast<std::size_t>(tok) * E + static_cast<std::size_t>((4 * c + j) * kDHead + x)];
          target.write_row(b, kFirstRow + c * tiles + t, row);
        }
    out.assign(static_cast<std::size_t>(h) * L, 0.0f);
    int gw = 0, tile = -1, head_in_row = 0;
    for (const std::vector<pim::Txn>& seg : segs) {
      if (seg.front().type == pim::TxnType::GWrite) {
        std::vector<std::uint16_t> row(kRowValues, 0);
        for (int i = 0; i < kRowValues && gw * kRowValues + i < E; ++i)
          row[static_cast<std::size_t>(i)] = d.q[static_cast<std::size_t>(gw * kRowValues + i)];
        target.write_row(0, 0, row);
      }
      const std::vector<std::vector<std::uint16_t>> res = run_seg(seg);
      std::size_t k = 0;
      for (const pim::Txn& x : seg) {
        if (x.type == pim::TxnType::GWrite) {
          ++gw;
          tile = -1;
        }
        if (x.type == pim::TxnType::PHeader) {
          ++tile;
          head_in_row = 0;
        }
        if (!answers(x)) continue;
        const std::vector<std::uint16_t>& r = res[k++];
        const int head = 4 * (gw - 1) + head_in_row++;
        for (int b = 0; b < 32; ++b) {
          const int tok = tile * kTokensPerKTile + b;
          if (tok < L) out[static_cast<std::size_t>(head) * L + tok] = numerics_fp16(r[static_cast<std::size_t>(b)]);
        }
      }
    }
  } else {
    const int chunks = ceil_div(L, kRowValues);
    out.assign(static_cast<std::size_t>(h) * kDHead, 0.0f);
    int gw = 0, tile = 0;
    for (const std::vector<pim::Txn>& seg : segs) {
      if (seg.front().type == pim::TxnType::GWrite) {
        const int head = gw / chunks, c = gw % chunks;
        // This head's values of chunk c into the (shared) V rows, then its probabilities.
        for (int t = 0; t < 4; ++t)
          for (int b = 0; b < 32; ++b) {
            std::vector<std::uint16_t> row(kRowValues, 0);
            for (int i = 0; i < kRowValues && c * kRowValues + i < L; ++i)
              row[static_cast<std::size_t>(i)] =
                  d.v[static_cast<std::size_t>(c * kRowValues + i) * E + static_cast<std::size_t>(head * kDHead + t * 32 + b)];
            target.write_row(b, kFirstRow + c * 4 + t, row);
          }
        std::vector<std::uint16_t> row(kRowValues, 0);
        for (int i = 0; i < kRowValues && c * kRowValues + i < L; ++i)
          row[static_cast<std::size_t>(i)] = d.p[static_cast<std::size_t>(head) * L + static_cast<std::size_t>(c * kRowValues + i)];
        target.write_row(0, 0, row);
      }
      const std::vector<std::vector<std::uint16_t>> res = run_seg(seg);
      std::size_t k = 0;
      for (const pim::Txn& x : seg) {
        if (x.type == pim::TxnType::GWrite) {
          ++gw;
          tile = 0;
        }
        if (!answers(x)) continue;
        const std::vector<std::uint16_t>& r = res[k++];
        const int head = (gw - 1) / chunks;
        for (int b = 0; b < 32; ++b) {
          float& o = out[static_cast<std::size_t>(head) * kDHead + static_cast<std::size_t>(tile * 32 + b)];
          o = o + numerics_fp16(r[static_cast<std::size_t>(b)]);
        }
        ++tile;
      }
    }
  }
  return out;
}

pim::NewtonWorkload channel_attention(const std::vector<std::int64_t>& lens, pim::PimType type, int width,
                                      int channel) {
  pim::NewtonWorkload w;
  int row = kKvFirstRow;
  auto add = [&](Op op, std::int64_t L) {
    if (L < 1 || L > (std::int64_t{1} << 30))
      throw std::invalid_argument("KV length " + std::to_string(L) + " out of range (1..2^30)");
    AttentionSpec s;
    s.op = op;
    s.type = type;
    s.len = static_cast<int>(L);
    s.width = width;
    s.requests = 1;
    s.channel = channel;
    const pim::NewtonWorkload one = attention_workload(s);
    int top = row;
    for (const pim::Txn& t : one.pim) {
      if (t.type == pim::TxnType::GWrite) {
        w.pim.push_back(t);
        continue;
      }
      pim::NewtonAddress a = pim::decode_newton_address(t.addr);
      a.row = kKvFirstRow + (a.row - kKvFirstRow + row - kKvFirstRow) % (kKvRowLimit - kKvFirstRow);
      top = std::max(top, a.row + 1);
      w.pim.push_back(pim::make_txn(t.type, pim::encode_newton_address(a)));
    }
    row = top >= kKvRowLimit ? kKvFirstRow : top;
  };
  for (std::int64_t L : lens) add(Op::Score, L);
  for (std::int64_t L : lens) add(Op::Attend, L);
  return w;
}

}  // namespace pimlab::firmware::neupims
