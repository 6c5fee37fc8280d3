#include "firmware/attacc/generator.h"

#include <map>
#include <stdexcept>
#include <string>

namespace pimlab::firmware::attacc {

using pim::AttaccPlacement;
using pim::AttaccReq;
using pim::AttaccStatement;

namespace {

std::int64_t cdiv(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }

// Byte address inside a channel (channel bits added when emitted).
std::uint64_t at(std::uint64_t base, std::int64_t bank, std::int64_t bg, std::int64_t rank, std::int64_t row,
                 std::int64_t col) {
  return base + (static_cast<std::uint64_t>(bank) << 24) + (static_cast<std::uint64_t>(bg) << 26) +
         (static_cast<std::uint64_t>(rank) << 28) + (static_cast<std::uint64_t>(row) << 10) +
         (static_cast<std::uint64_t>(col) << 5);
}

// One list of per-channel statements (same type) of one head.
struct List {
  AttaccReq type;
  std::vector<std::uint64_t> addr;
  std::vector<pim::AttaccOp> op;  // what each entry does on the data path
  void add(std::uint64_t a, pim::AttaccPhase ph, int iter, std::int64_t n, std::int64_t k) {
    addr.push_back(a);
    op.push_back({ph, iter, static_cast<std::int32_t>(n), static_cast<std::int32_t>(k)});
  }
};

// The command lists of one head (iteration k), §7.2.
struct Head {
  int v = 0;  // channels used
  List wrgb{AttaccReq::WrGB, {}, {}};
  std::vector<List> score;       // per score group j: MACs of n = 16j .. 16j+15
  std::vector<List> score_mvsb;  // per score group j
  List sfm{AttaccReq::Sfm, {}, {}};
  List mvgb{AttaccReq::MvGB, {}, {}};
  std::vector<List> ctx;       // per context group j (n = j)
  std::vector<List> ctx_mvsb;  // per context group j
};

Head make_head(const AttentionSpec& s, int k, int v) {
  Head h;
  h.v = v;
  const std::int64_t L = s.len, D = s.d_head, m = 32 / s.dbyte;
  const std::uint64_t K = mac_address(s, k, false, 0);
  const std::uint64_t V = mac_address(s, k, true, 0);
  using Ph = pim::AttaccPhase;
  const AttaccReq mac = s.placement == AttaccPlacement::Bank        ? AttaccReq::MacAB
                        : s.placement == AttaccPlacement::BankGroup ? AttaccReq::MacSB
                                                                    : AttaccReq::MacPB;
  const bool bank = s.placement == AttaccPlacement::Bank;
  const bool buffer = s.placement == AttaccPlacement::Buffer;
  // Score: n over keys, k over atoms of q.
  const std::int64_t score_n = buffer ? cdiv(L, 2) : cdiv(L, 16);
  const std::int64_t score_k = bank ? cdiv(D, 4 * m) : cdiv(D, m);
  const std::int64_t ctx_n = score_k;
  const std::int64_t ctx_k = score_n;
  // WRGB.
  if (bank) {
    for (int b = 0; b < 4; ++b)
      for (std::int64_t c = 0; c < cdiv(D, 4 * m); ++c) h.wrgb.add(K + (std::uint64_t(b) << 24) + c, Ph::Wrgb, k, c, 0);
  } else {
    for (std::int64_t c = 0; c < cdiv(D, m); ++c) h.wrgb.add(K + c, Ph::Wrgb, k, c, 0);
  }
  auto score_mvsb_group = [&](std::int64_t j) {
    List l{AttaccReq::MvSB, {}, {}};
    if (buffer) {
      l.add(K, Ph::ScoreMvsb, k, j, 0);
    } else {
      for (int bg = 0; bg < 4; ++bg)
        for (int r = 0; r < 2; ++r) l.add(at(K, 0, bg, r, 0, 0), Ph::ScoreMvsb, k, j, 0);
    }
    return l;
  };
  for (std::int64_t n0 = 0; n0 < score_n; n0 += 16) {
    List l{mac, {}, {}};
    for (std::int64_t n = n0; n < std::min(score_n, n0 + 16); ++n)
      for (std::int64_t kk = 0; kk < score_k; ++kk) l.add(mac_address(s, k, false, kk + n * score_k), Ph::ScoreMac, k, n, kk);
    h.score.push_back(std::move(l));
    h.score_mvsb.push_back(score_mvsb_group(n0 / 16));
  }
  h.sfm.add(0, Ph::Sfm, k, 0, 0);  // the channel base
  if (buffer) {
    for (std::int64_t c = 0; c < cdiv(L, 2 * m); ++c) h.mvgb.add(V + c, Ph::Mvgb, k, c, 0);
  } else {
    for (int r = 0; r < 2; ++r)
      for (int bg = 0; bg < 4; ++bg)
        for (std::int64_t c = 0; c < cdiv(L, 16 * m); ++c) h.mvgb.add(at(V, 0, bg, r, 0, 0) + c, Ph::Mvgb, k, c, 0);
  }
  for (std::int64_t n = 0; n < ctx_n; ++n) {
    List l{mac, {}, {}};
    for (std::int64_t kk = 0; kk < ctx_k; ++kk) l.add(mac_address(s, k, true, kk + n * ctx_k), Ph::CtxMac, k, n, kk);
    h.ctx.push_back(std::move(l));
    List mv{AttaccReq::MvSB, {}, {}};
    if (bank) {
      for (int b = 0; b < 4; ++b)
        for (int r = 0; r < 2; ++r) mv.add(at(K, b, 0, r, 0, 0), Ph::CtxMvsb, k, n, 0);
    } else if (buffer) {
      mv.add(K, Ph::CtxMvsb, k, n, 0);
    } else {
      for (int r = 0; r < 2; ++r) mv.add(at(K, 0, 0, r, 0, 0), Ph::CtxMvsb, k, n, 0);
    }
    h.ctx_mvsb.push_back(std::move(mv));
  }
  return h;
}

class Emitter {
 public:
  Emitter(const AttentionSpec& s, std::vector<pim::AttaccOp>* ops) : m_s(s), m_ops(ops) {}
  std::vector<AttaccStatement> out;

  void push(AttaccReq t, std::uint64_t a, const pim::AttaccOp& op) {
    out.push_back({t, a});
    if (m_ops) m_ops->push_back(op);
  }
  // Every entry of `l` for channels 0..v-1 (channel fastest).
  void list(const List& l, int v) {
    for (std::size_t i = 0; i < l.addr.size(); ++i)
      for (int ch = 0; ch < v; ++ch) push(l.type, l.addr[i] + (static_cast<std::uint64_t>(ch) << 30), l.op[i]);
  }
  void first_entry(const List& l, int v) {
    for (int ch = 0; ch < v; ++ch) push(l.type, l.addr.at(0) + (static_cast<std::uint64_t>(ch) << 30), l.op.at(0));
  }
  void bar() {
    for (int ch = 0; ch < m_s.channels; ++ch) push(AttaccReq::Barrier, static_cast<std::uint64_t>(ch) << 30, {});
  }
  // Slice s of n of the flat list. Artifact: S = floor(T / n) statements per
  // slice, the rest dropped [Q]; otherwise a partition of the whole list.
  void slice(const List& l, int v, std::int64_t s, std::int64_t n) {
    const std::int64_t T = static_cast<std::int64_t>(l.addr.size()) * v;
    std::int64_t b, e;
    if (m_s.artifact_compatible) {
      const std::int64_t S = T / n;
      b = s * S;
      e = std::min(T, b + S);
    } else {
      b = s * T / n;
      e = (s + 1) * T / n;
    }
    for (std::int64_t i = b; i < e; ++i)
      push(l.type, l.addr[static_cast<std::size_t>(i / v)] + (static_cast<std::uint64_t>(i % v) << 30),
           l.op[static_cast<std::size_t>(i / v)]);
  }

 private:
  const AttentionSpec& m_s;
  std::vector<pim::AttaccOp>* m_ops;
};

}  // namespace

void validate(const AttentionSpec& s) {
  auto need = [](bool ok, const std::string& what) {
    if (!ok) throw std::invalid_argument(what);
  };
  need(s.heads >= 1 && s.heads <= (1 << 20), "heads " + std::to_string(s.heads) + " is out of range; allowed: [1, 1048576]");
  need(s.len >= 1, "len " + std::to_string(s.len) + " is out of range; allowed: >= 1");
  need(s.d_head >= 1 && s.d_head <= 4096, "d-head " + std::to_string(s.d_head) + " is out of range; allowed: [1, 4096]");
  need(s.dbyte == 1 || s.dbyte == 2 || s.dbyte == 4, "dbyte " + std::to_string(s.dbyte) + " is not allowed; allowed: 1, 2 or 4");
  need(s.max_len >= 1, "max-len " + std::to_string(s.max_len) + " is out of range; allowed: >= 1");
  need(s.len <= s.max_len, "len " + std::to_string(s.len) + " exceeds max-len " + std::to_string(s.max_len));
  need(s.channels >= 1 && s.channels <= 16, "channels " + std::to_string(s.channels) + " is out of range; allowed: [1, 16]");
  // K regions of all iterations below the V base (8 MiB), V regions within
  // the row space of bank 0..3 (16 MiB per bank).
  const std::int64_t P = cdiv(static_cast<std::int64_t>(s.max_len) * s.d_head, 64);
  const std::int64_t iters = cdiv(s.heads, s.channels);
  need(iters * P <= (std::int64_t{1} << 23),
       "the KV layout (" + std::to_string(iters) + " heads per channel x " + std::to_string(P) +
           " B) exceeds the 8 MiB K region of a channel; fewer heads or a smaller max-len");
}

std::uint64_t mac_address(const AttentionSpec& s, int iter, bool context, std::int64_t x) {
  const std::uint64_t P = static_cast<std::uint64_t>(cdiv(static_cast<std::int64_t>(s.max_len) * s.d_head, 64));
  const std::uint64_t base = static_cast<std::uint64_t>(iter) * P + (context ? std::uint64_t{1} << 23 : 0);
  switch (s.placement) {
    case AttaccPlacement::Bank: return base + static_cast<std::uint64_t>(32 * x);
    case AttaccPlacement::BankGroup: return at(base, (x / 32) % 4, 0, 0, x / 128, x % 32);
    case AttaccPlacement::Buffer: return at(base, (x / 8) % 4, x % 8, 0, x / 1024, (x / 32) % 32);
  }
  return 0;
}

std::vector<AttaccStatement> generate(const AttentionSpec& s, std::vector<pim::AttaccOp>* ops) {
  validate(s);
  if (ops) ops->clear();
  const int C = s.channels;
  const int n_itr = static_cast<int>(cdiv(s.heads, C));
  auto width = [&](int k) { return (k == n_itr - 1 && s.heads % C) ? s.heads % C : C; };
  Emitter e(s, ops);
  auto head = [&](int k) { return make_head(s, k, width(k)); };
  int i = 0;
  for (; i + 1 < n_itr; i += 2) {
    const Head h0 = head(i), h1 = head(i + 1);
    const std::int64_t LS = static_cast<std::int64_t>(h0.score.size());
    const std::int64_t LC = static_cast<std::int64_t>(h0.ctx.size());
    // A: h0 score, h1's WRGB in slices.
    e.list(h0.wrgb, h0.v);
    if (i == 0 && s.artifact_compatible) e.first_entry(h0.score[0], h0.v);  // [Q] extra MAC
    e.bar();
    for (std::int64_t j = 0; j <= LS; ++j) {
      if (j < LS) e.list(h0.score[j], h0.v);
      if (j > 0) e.list(h0.score_mvsb[j - 1], h0.v);
      if (j < LS) e.slice(h1.wrgb, h1.v, j, LS);
      if (j < LS) e.bar();
    }
    // B: h1 score, h0 softmax.
    const std::int64_t mvgb_b = (LS + 1) / 2;
    for (std::int64_t j = 0; j <= LS; ++j) {
      if (j < LS) e.list(h1.score[j], h1.v);
      if (j > 0) e.list(h1.score_mvsb[j - 1], h1.v);
      if (j == 0) e.list(h0.sfm, h0.v);
      if (LS / 2 <= j && j < LS) e.slice(h0.mvgb, h0.v, j - LS / 2, mvgb_b);
      if (j < LS) e.bar();
    }
    // C: h0 context, h1 softmax.
    const std::int64_t mvgb_c = (LC + 1) / 2;
    for (std::int64_t j = 0; j <= LC; ++j) {
      if (j < LC) e.list(h0.ctx[j], h0.v);
      if (j > 0) e.list(h0.ctx_mvsb[j - 1], h0.v);
      if (j == 0) e.list(h1.sfm, h1.v);
      if (LC / 2 <= j && j < LC) e.slice(h1.mvgb, h1.v, j - LC / 2, mvgb_c);
      if (j < LC) e.bar();
    }
    // D: h1 context; the artifact re-issues h0's [Q].
    const Head& hd = s.artifact_compatible ? h0 : h1;
    for (std::int64_t j = 0; j <= LC; ++j) {
      if (j < LC) e.list(hd.ctx[j], hd.v);
      if (j > 0) e.list(hd.ctx_mvsb[j - 1], hd.v);
      if (j < LC) e.bar();
    }
  }
  if (i < n_itr) {  // odd iteration count: the last head unpipelined
    const Head h = head(i);
    const std::int64_t LS = static_cast<std::int64_t>(h.score.size());
    const std::int64_t LC = static_cast<std::int64_t>(h.ctx.size());
    e.list(h.wrgb, h.v);
    e.bar();
    for (std::int64_t j = 0; j <= LS; ++j) {
      if (j < LS) e.list(h.score[j], h.v);
      if (j > 0) e.list(h.score_mvsb[j - 1], h.v);
      if (j < LS) e.bar();
    }
    e.list(h.sfm, h.v);
    e.list(h.mvgb, h.v);
    e.bar();
    for (std::int64_t j = 0; j <= LC; ++j) {
      if (j < LC) e.list(h.ctx[j], h.v);
      if (j > 0) e.list(h.ctx_mvsb[j - 1], h.v);
      if (j < LC) e.bar();
    }
  }
  return std::move(e.out);
}

AttentionSpec stack_kernel(pim::AttaccPlacement placement, std::int64_t num_op, int stacks, std::int64_t d_head,
                           std::int64_t L, int dbyte, int max_len, int channels, bool artifact_compatible) {
  if (stacks < 1) throw std::invalid_argument("AttAcc stacks " + std::to_string(stacks) + " (allowed: >= 1)");
  if (L > max_len)
    throw std::invalid_argument("AttAcc: KV length " + std::to_string(L) + " exceeds the KV region of " +
                                std::to_string(max_len) + " tokens per head");
  const std::int64_t per_stack = (num_op + stacks - 1) / stacks;
  auto narrow = [](std::int64_t v, const char* what) {
    if (v < 1 || v > (std::int64_t{1} << 30))
      throw std::invalid_argument(std::string("AttAcc kernel ") + what + " " + std::to_string(v) + " out of range");
    return static_cast<int>(v);
  };
  AttentionSpec k;
  k.placement = placement;
  k.heads = narrow(per_stack, "heads per stack");
  k.len = narrow(L, "KV length");
  k.d_head = narrow(d_head, "d_head");
  k.dbyte = dbyte;
  k.max_len = max_len;
  k.channels = channels;
  k.artifact_compatible = artifact_compatible;
  return k;
}

std::vector<LengthGroup> length_groups(const std::vector<std::int64_t>& contexts) {
  std::map<std::int64_t, std::int64_t> groups;  // KV length -> requests
  for (std::int64_t L : contexts) ++groups[L];
  std::vector<LengthGroup> out;
  for (const auto& [L, n] : groups) out.push_back({L, n});
  return out;
}

}  // namespace pimlab::firmware::attacc
