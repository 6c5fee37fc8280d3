#include "firmware/compiler/npu_program.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <istream>
#include <ostream>
#include <sstream>
#include <stdexcept>

#include "model/graph.h"
#include "textio/text_input.h"

namespace pimlab::firmware::compiler {

namespace {

using i64 = std::int64_t;

constexpr i64 kDHead = 128;          // NeuPIMs' PIM layout is built for d_head 128 (neupims_pim.md §9)
constexpr i64 kPartialTokens = 512;
constexpr i64 kBig = i64{1} << 50;  // bound of the program's counts and bytes  // tokens of one p.V partial sum (neupims_pim.md §9)

i64 ceil_div(i64 a, i64 b) { return (a + b - 1) / b; }

class Builder {
 public:
  explicit Builder(const NpuProgramOptions& o) : m_o(o) {}

  // LayerNorm-1 + QKV of T tokens ("QKV-gen").
  void qkv_gen(std::vector<NpuOp>& p, i64 T) const {
    if (T == 0) return;
    const auto ops = graph(T);
    p.push_back(norm(T, m_o.model.hidden));
    p.push_back(gemm(find(ops, "qkv"), m_o.model.qkv_bias));
  }
  // Projection + residual + LayerNorm-2 + FFN + residual of T tokens.
  void proj_ffn(std::vector<NpuOp>& p, i64 T) const {
    if (T == 0) return;
    const auto ops = graph(T);
    const i64 h = m_o.model.hidden;
    p.push_back(gemm(find(ops, "proj"), m_o.model.mlp_bias));
    p.push_back(residual(T, h));
    p.push_back(norm(T, h));
    p.push_back(gemm(find(ops, "ffn_1"), m_o.model.mlp_bias));
    const i64 I = find(ops, "act").n;
    if (m_o.model.gated_ffn) {
      p.push_back(vector(npu::VectorOp::silu, T, I, T * I * eb(), T * I * eb(), 8));
      p.push_back(vector(npu::VectorOp::mul, T, I, 2 * T * I * eb(), T * I * eb(), 1));
    } else {
      p.push_back(vector(npu::VectorOp::gelu, T, I, T * I * eb(), T * I * eb(), 8));
    }
    p.push_back(gemm(find(ops, "ffn_2"), m_o.model.mlp_bias));
    p.push_back(residual(T, h));
  }
  // The NPU's share of the PIM attention of requests of KV lengths `lens`:
  // softmax over L per head on the PIM scores, and the adds of the p.V partial
  // sums of 512-token chunks (operands in the scratchpad: no DRAM traffic).
  void pim_side(std::vector<NpuOp>& p, const std::vector<i64>& lens) const {
    const i64 h = heads_tp();
    for (i64 L : lens) {
      p.push_back(vector(npu::VectorOp::softmax, h, L, 0, 0, 5));
      p.back().category = "gemv";
      const i64 chunks = ceil_div(L, kPartialTokens);
      if (chunks > 1) {
        p.push_back(vector(npu::VectorOp::add, h * (chunks - 1), kDHead, 0, 0, 1));
        p.back().category = "gemv";
        p.back().name = "psum_add";
      }
    }
  }
  // Attention of one request on the NPU, q query tokens against L keys (q = 1:
  // a decode step of npu-only, a GEMV per head; q > 1: a prefill chunk, a GEMM
  // per head): K and V streamed from the channels, the outputs written.
  NpuOp attention(i64 L, i64 q = 1) const {
    NpuOp x;
    x.kind = NpuOpKind::attention;
    x.name = "attention";
    x.category = q == 1 ? "gemv" : "gemm";
    x.len = L;
    x.heads = heads_tp();
    x.tokens = q;
    x.read_bytes = L * width() * eb();  // K (and again V)
    x.write_bytes = q * width() * eb();
    x.flops = 4 * q * L * width();
    return x;
  }
  void lm_head(std::vector<NpuOp>& p, i64 T) const {
    const auto ops = graph(T);
    p.push_back(norm(T, m_o.model.hidden));
    p.push_back(gemm(find(ops, "lm_head"), false));
  }

 private:
  i64 heads_tp() const { return m_o.model.heads / m_o.tp; }
  i64 width() const { return heads_tp() * m_o.model.head_dim; }  // E_tp
  i64 eb() const { return m_o.element_bytes; }
  std::vector<model::Operator> graph(i64 tokens) const {
    model::GraphOptions g;
    g.batch = tokens;
    g.context = 1;
    g.tp = m_o.tp;
    return model::decode_graph(m_o.model, g);
  }
  static const model::Operator& find(const std::vector<model::Operator>& ops, const std::string& name) {
    for (const auto& op : ops)
      if (op.name == name) return op;
    throw std::logic_error("operator " + name + " missing from the decode graph");
  }
  static NpuOp gemm(const model::Operator& op, bool bias) {
    NpuOp x;
    x.kind = NpuOpKind::gemm;
    x.name = op.name;
    x.category = "gemm";
    x.shape = npu::GemmShape{op.m, op.k, op.n, bias};
    return x;
  }
  static NpuOp vector(npu::VectorOp v, i64 rows, i64 n, i64 reads, i64 writes, i64 flops_per_elem) {
    NpuOp x;
    x.kind = NpuOpKind::vector;
    x.name = npu::to_string(v);
    x.category = "others";
    x.vop = v;
    x.rows = rows;
    x.n = n;
    x.read_bytes = reads;
    x.write_bytes = writes;
    x.flops = flops_per_elem * rows * n;
    return x;
  }
  NpuOp norm(i64 T, i64 h) const {
    const i64 params = (m_o.model.rms_norm ? 1 : 2) * h;
    return vector(m_o.model.rms_norm ? npu::VectorOp::rmsnorm : npu::VectorOp::layernorm, T, h, (T * h + params) * eb(),
                  T * h * eb(), 5);
  }
  NpuOp residual(i64 T, i64 h) const {
    NpuOp x = vector(npu::VectorOp::add, T, h, 2 * T * h * eb(), T * h * eb(), 1);
    x.name = "residual";
    return x;
  }

  const NpuProgramOptions& m_o;
};

[[noreturn]] void fail(const std::string& source, std::size_t line, const std::string& what) {
  throw std::invalid_argument(source + ":" + std::to_string(line) + ": " + what);
}

i64 to_int(const std::string& v, const char* what, i64 lo, i64 hi, const std::string& src, std::size_t line) {
  char* end = nullptr;
  errno = 0;
  const long long x = std::strtoll(v.c_str(), &end, 10);
  if (v.empty() || *end != '\0' || errno == ERANGE) fail(src, line, std::string(what) + " '" + v + "' is not an integer");
  if (x < lo || x > hi)
    fail(src, line, std::string(what) + " " + v + " out of range (" + std::to_string(lo) + ".." + std::to_string(hi) + ")");
  return x;
}

npu::VectorOp parse_vector_op(const std::string& s, const std::string& src, std::size_t line) {
  for (npu::VectorOp v : {npu::VectorOp::layernorm, npu::VectorOp::rmsnorm, npu::VectorOp::softmax, npu::VectorOp::gelu,
                          npu::VectorOp::silu, npu::VectorOp::add, npu::VectorOp::mul})
    if (s == npu::to_string(v)) return v;
  fail(src, line, "vector operation '" + s + "' (allowed: layernorm, rmsnorm, softmax, gelu, silu, add, mul)");
}

const std::string& parse_category(const std::string& s, const std::string& src, std::size_t line) {
  if (s != "gemm" && s != "gemv" && s != "others") fail(src, line, "category '" + s + "' (allowed: gemm, gemv, others)");
  return s;
}

}  // namespace

const char* to_string(NpuOpKind k) {
  switch (k) {
    case NpuOpKind::gemm: return "gemm";
    case NpuOpKind::vector: return "vector";
    case NpuOpKind::attention: return "attention";
  }
  return "?";
}

std::vector<NpuStage> npu_decode_stages(const NpuProgramOptions& o, const std::vector<std::int64_t>& contexts,
                                        const std::vector<std::vector<std::size_t>>& groups) {
  if (o.tp < 1 || o.pp < 1 || o.model.layers % o.pp != 0)
    throw std::invalid_argument("NPU program: tp " + std::to_string(o.tp) + ", pp " + std::to_string(o.pp) + " for " +
                                std::to_string(o.model.layers) + " layers");
  const std::size_t want = o.iteration == NpuIteration::interleaved ? 2 : 1;
  if (groups.size() != want)
    throw std::invalid_argument("NPU program: " + std::to_string(groups.size()) + " request groups (" +
                                std::to_string(want) + " expected)");
  const Builder b(o);
  const i64 N = o.model.layers / o.pp;
  const i64 B = static_cast<i64>(contexts.size());
  auto lens = [&](int g) {
    std::vector<i64> l;
    for (std::size_t i : groups[static_cast<std::size_t>(g)]) l.push_back(contexts.at(i));
    return l;
  };
  auto size = [&](int g) { return static_cast<i64>(groups[static_cast<std::size_t>(g)].size()); };
  std::vector<NpuStage> st;
  auto stage = [&](const char* name, i64 repeat, i64 tokens, int pim_group) -> std::vector<NpuOp>& {
    NpuStage s;
    s.name = name;
    s.repeat = repeat;
    s.tokens = tokens;
    s.pim_group = pim_group;
    st.push_back(std::move(s));
    return st.back().ops;
  };
  if (o.iteration == NpuIteration::npu_only) {
    std::vector<NpuOp>& p = stage("layer", N, B, -1);
    b.qkv_gen(p, B);
    for (i64 L : contexts) p.push_back(b.attention(L));
    b.proj_ffn(p, B);
  } else if (o.iteration == NpuIteration::serial) {
    b.qkv_gen(stage("A", N, B, -1), B);
    b.pim_side(stage("B", N, 0, 0), lens(0));
    b.proj_ffn(stage("E", N, B, -1), B);
  } else {
    const i64 T1 = size(0), T2 = size(1);
    const auto l1 = lens(0), l2 = lens(1);
    b.qkv_gen(stage("A", 1, T1, -1), T1);
    {
      std::vector<NpuOp>& p = stage("B", 1, T2, 0);
      b.qkv_gen(p, T2);
      b.pim_side(p, l1);
    }
    if (N > 1) {
      std::vector<NpuOp>& c = stage("C", N - 1, T1, 1);
      b.proj_ffn(c, T1);
      b.qkv_gen(c, T1);
      b.pim_side(c, l2);
      std::vector<NpuOp>& d = stage("D", N - 1, T2, 0);
      b.proj_ffn(d, T2);
      b.qkv_gen(d, T2);
      b.pim_side(d, l1);
    }
    {
      std::vector<NpuOp>& e = stage("E", 1, T1, 1);
      b.proj_ffn(e, T1);
      b.pim_side(e, l2);
    }
    b.proj_ffn(stage("F", 1, T2, -1), T2);
  }
  if (o.lm_head) b.lm_head(stage("head", 1, B, -1), B);
  return st;
}

std::vector<NpuStage> npu_prefill_stages(const NpuProgramOptions& o, const std::vector<NpuPrefillChunk>& chunks) {
  if (o.tp < 1 || o.pp < 1 || o.model.layers % o.pp != 0)
    throw std::invalid_argument("NPU program: tp " + std::to_string(o.tp) + ", pp " + std::to_string(o.pp) + " for " +
                                std::to_string(o.model.layers) + " layers");
  if (chunks.empty()) throw std::invalid_argument("NPU prefill program: no chunk");
  i64 T = 0;
  for (std::size_t i = 0; i < chunks.size(); ++i) {
    const NpuPrefillChunk& c = chunks[i];
    if (c.tokens < 1 || c.context < c.tokens)
      throw std::invalid_argument("NPU prefill program: chunk " + std::to_string(i) + " of " + std::to_string(c.tokens) +
                                  " tokens ending at KV length " + std::to_string(c.context) +
                                  " (allowed: 1 <= tokens <= context)");
    T += c.tokens;
  }
  const Builder b(o);
  const i64 R = static_cast<i64>(chunks.size());
  std::vector<NpuStage> st(1);
  st[0].name = "prefill";
  st[0].repeat = o.model.layers / o.pp;
  st[0].tokens = T;
  b.qkv_gen(st[0].ops, T);
  for (const NpuPrefillChunk& c : chunks) st[0].ops.push_back(b.attention(c.context, c.tokens));
  b.proj_ffn(st[0].ops, T);
  if (o.lm_head) {
    NpuStage h;
    h.name = "head";
    h.tokens = R;
    b.lm_head(h.ops, R);
    st.push_back(std::move(h));
  }
  return st;
}

void write_npu_stages(std::ostream& os, const std::vector<NpuStage>& stages) {
  os << "# stage NAME REPEAT TOKENS SEGMENT\n";
  os << "# gemm CATEGORY M K N BIAS\n";
  os << "# vector CATEGORY OP ROWS N READ_BYTES WRITE_BYTES FLOPS\n";
  os << "# attention CATEGORY LEN HEADS READ_BYTES WRITE_BYTES FLOPS TOKENS\n";
  for (const NpuStage& s : stages) {
    os << "stage " << s.name << ' ' << s.repeat << ' ' << s.tokens << ' '
       << (s.segment < 0 ? std::string("-") : std::to_string(s.segment)) << '\n';
    for (const NpuOp& x : s.ops) {
      switch (x.kind) {
        case NpuOpKind::gemm:
          os << to_string(x.kind) << ' ' << x.category << ' ' << x.shape.m << ' ' << x.shape.k << ' ' << x.shape.n << ' '
             << (x.shape.bias ? 1 : 0) << '\n';
          break;
        case NpuOpKind::vector:
          os << to_string(x.kind) << ' ' << x.category << ' ' << npu::to_string(x.vop) << ' ' << x.rows << ' ' << x.n << ' '
             << x.read_bytes << ' ' << x.write_bytes << ' ' << x.flops << '\n';
          break;
        case NpuOpKind::attention:
          os << to_string(x.kind) << ' ' << x.category << ' ' << x.len << ' ' << x.heads << ' ' << x.read_bytes << ' '
             << x.write_bytes << ' ' << x.flops << ' ' << x.tokens << '\n';
          break;
      }
    }
  }
}

std::vector<NpuStage> read_npu_stages(std::istream& is, const std::string& source, std::size_t line_no) {
  std::vector<NpuStage> out;
  std::string line;
  for (std::size_t n = line_no + 1; textio::read_line(is, line, source, n); ++n) {
    std::istringstream ss(line);
    std::vector<std::string> t;
    for (std::string w; ss >> w;) t.push_back(w);
    if (t.empty() || t[0][0] == '#') continue;
    auto fields = [&](std::size_t k) {
      if (t.size() != k) fail(source, n, (t[0][0] == 'a' ? "an " : "a ") + t[0] + " line has " + std::to_string(k) + " fields, not " + std::to_string(t.size()));
    };
    auto num = [&](std::size_t i, const char* what, i64 lo = 0, i64 hi = kBig) { return to_int(t[i], what, lo, hi, source, n); };
    if (t[0] == "stage") {
      fields(5);
      NpuStage s;
      s.name = t[1];
      s.repeat = num(2, "repeat", 1);
      s.tokens = num(3, "tokens", 0, 1 << 20);
      s.segment = t[4] == "-" ? -1 : static_cast<int>(num(4, "segment", 0, 1 << 30));
      out.push_back(std::move(s));
      continue;
    }
    if (out.empty()) fail(source, n, "'" + t[0] + "' before the first stage line");
    NpuOp x;
    if (t[0] == to_string(NpuOpKind::gemm)) {
      fields(6);
      x.kind = NpuOpKind::gemm;
      x.shape = npu::GemmShape{num(2, "m", 1), num(3, "k", 1), num(4, "n", 1), num(5, "bias", 0, 1) == 1};
    } else if (t[0] == to_string(NpuOpKind::vector)) {
      fields(8);
      x.kind = NpuOpKind::vector;
      x.vop = parse_vector_op(t[2], source, n);
      x.rows = num(3, "rows", 1);
      x.n = num(4, "n", 1);
      x.read_bytes = num(5, "read_bytes");
      x.write_bytes = num(6, "write_bytes");
      x.flops = num(7, "flops");
    } else if (t[0] == to_string(NpuOpKind::attention)) {
      if (t.size() != 7 && t.size() != 8)  // 7: a decode step without the TOKENS field
        fail(source, n, "an attention line has 7 or 8 fields, not " + std::to_string(t.size()));
      x.kind = NpuOpKind::attention;
      x.len = num(2, "len", 1);
      x.heads = num(3, "heads", 1);
      x.read_bytes = num(4, "read_bytes");
      x.write_bytes = num(5, "write_bytes");
      x.flops = num(6, "flops");
      x.tokens = t.size() == 8 ? num(7, "tokens", 1, x.len) : 1;
    } else {
      fail(source, n, "unknown item '" + t[0] + "' (allowed: stage, gemm, vector, attention)");
    }
    x.category = parse_category(t[1], source, n);
    out.back().ops.push_back(std::move(x));
  }
  return out;
}

std::vector<std::pair<std::size_t, std::int64_t>> loop_instances(const std::vector<std::int64_t>& repeats) {
  std::vector<std::pair<std::size_t, std::int64_t>> out;
  for (std::size_t i = 0; i < repeats.size();) {
    const std::int64_t R = repeats[i];
    std::size_t j = i + 1;
    if (R > 1)
      while (j < repeats.size() && repeats[j] == R) ++j;
    for (std::int64_t rep = 0; rep < std::max<std::int64_t>(1, R); ++rep)
      for (std::size_t k = i; k < j; ++k) out.emplace_back(k, rep);
    i = j;
  }
  return out;
}

std::vector<std::pair<std::size_t, std::int64_t>> stage_instances(const std::vector<NpuStage>& stages) {
  std::vector<std::int64_t> repeats;
  for (const NpuStage& s : stages) repeats.push_back(s.repeat);
  return loop_instances(repeats);
}

}  // namespace pimlab::firmware::compiler
