#include "firmware/neupims/streams.h"

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

}  // namespace pimlab::firmware::neupims
