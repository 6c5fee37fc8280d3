#include "model/graph.h"

#include <algorithm>
#include <cctype>
#include <stdexcept>

#include "numerics/format.h"

namespace pimlab::model {

namespace {

using i64 = std::int64_t;

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

i64 ceil_div(i64 a, i64 b) { return (a + b - 1) / b; }

// Python's int(f * x) for the artifact's fractional widths (same IEEE double product).
i64 int_times(double f, i64 x) { return static_cast<i64>(f * static_cast<double>(x)); }

// Emits operators with their FLOPs and bytes. Byte counts are the compulsory
// traffic of one instance: every operand read once and every result written
// once, each in its format (docs/model.md, "FLOPs and bytes").
struct Emitter {
  std::vector<Operator>& ops;
  const GraphOptions& o;
  double w, a, kv, st;  // storage bytes per element
  int dw, da, dkv, dst; // dbyte columns
  std::string block = "decoder";
  i64 repeat = 1;
  i64 steps = 1;

  Emitter(std::vector<Operator>& out, const GraphOptions& opt) : ops(out), o(opt) {
    const FormatSet& f = opt.formats;
    dw = elem_dbyte(f.weights);
    da = elem_dbyte(f.activations);
    dkv = elem_dbyte(f.kv);
    dst = elem_dbyte(f.state);
    if (opt.artifact_compatible) {  // the artifact counts whole bytes
      w = dw, a = da, kv = dkv, st = dst;
    } else {
      w = elem_storage_bytes(f.weights);
      a = elem_storage_bytes(f.activations);
      kv = elem_storage_bytes(f.kv);
      st = elem_storage_bytes(f.state);
    }
  }

  Operator& add(OpClass c, Category cat, const std::string& name, i64 m, i64 n, i64 k, i64 num_op, int dbyte) {
    Operator op;
    op.cls = c;
    op.category = cat;
    op.name = name;
    op.block = block;
    op.m = m, op.n = n, op.k = k, op.num_op = num_op;
    op.dbyte = dbyte;
    op.repeat = repeat;
    op.steps = steps;
    ops.push_back(op);
    return ops.back();
  }
  static double d(i64 x) { return static_cast<double>(x); }

  // (m x k) activations · (k x n) weights -> (m x n) activations.
  void fc(const std::string& name, i64 m, i64 n, i64 k) {
    Operator& op = add(OpClass::fc, Category::gemm, name, m, n, k, 1, dw);
    op.flops = 2 * d(m) * d(n) * d(k);
    op.weight_bytes = d(k) * d(n) * w;
    op.bytes = op.weight_bytes + (d(m) * d(k) + d(m) * d(n)) * a;
  }
  // Attention GEMV: (m x k) activations · (k x n) cache operand, num_op times.
  void attention(const std::string& name, i64 m, i64 n, i64 k, i64 num_op, i64 context) {
    Operator& op = add(OpClass::matmul, Category::gemv, name, m, n, k, num_op, dkv);
    op.context = context;
    op.flops = 2 * d(m) * d(n) * d(k) * d(num_op);
    op.kv_state_bytes = d(k) * d(n) * kv * d(num_op);
    op.bytes = op.kv_state_bytes + (d(m) * d(k) + d(m) * d(n)) * a * d(num_op);
  }
  // The state update of `heads` heads of every request, state dk x dv:
  // one SU kernel, or on a host two MATMULs (outer product into the state,
  // which reads and writes it, then the read-out, which reads it).
  // A prefill chunk of q tokens per request applies q updates: the SU kernel
  // steps each state q times (state read once and written once); on a host
  // the chunk's outer products are one (dk x q)·(q x dv) product and the
  // read-out a (q x dk)·(dk x dv) product (the intra-chunk term is not counted).
  void state_update(i64 heads, i64 dk, i64 dv) {
    const i64 B = o.batch, q = o.query_tokens;
    if (o.su_kernel) {
      Operator& op = add(OpClass::su, Category::state_update, "state_update", heads, dk, dv, B, dst);
      // Per state and token: decay multiply, k v^T multiply and add (3 dk dv), o = h^T q (2 dk dv).
      op.flops = 5 * d(dk) * d(dv) * d(heads) * d(B) * d(q);
      op.kv_state_bytes = 2 * d(dk) * d(dv) * st * d(heads) * d(B);
      op.bytes = op.kv_state_bytes + 2 * (d(dk) + d(dv)) * a * d(heads) * d(B) * d(q);  // q, k, v in; o out
      return;
    }
    Operator& kvop = add(OpClass::matmul, Category::state_update, "attention_kv", dk, dv, q, heads * B, dst);
    kvop.flops = 2 * d(dk) * d(dv) * d(q) * d(heads * B);
    kvop.kv_state_bytes = 2 * d(dk) * d(dv) * st * d(heads * B);
    kvop.bytes = kvop.kv_state_bytes + (d(dk) + d(dv)) * d(q) * a * d(heads * B);
    Operator& qk = add(OpClass::matmul, Category::state_update, "attention_qk", q, dv, dk, heads * B, dst);
    qk.flops = 2 * d(q) * d(dk) * d(dv) * d(heads * B);
    qk.kv_state_bytes = d(dk) * d(dv) * st * d(heads * B);
    qk.bytes = qk.kv_state_bytes + (d(dk) + d(dv)) * d(q) * a * d(heads * B);
  }
  void softmax(const std::string& name, i64 m, i64 n, i64 num_op) {
    Operator& op = add(OpClass::softmax, Category::others, name, m, n, 1, num_op, da);
    op.flops = 5 * d(m) * d(n) * d(num_op);
    op.bytes = 2 * d(m) * d(n) * d(num_op) * a;
  }
  void norm(const std::string& name, i64 m, i64 n) {
    Operator& op = add(OpClass::norm, Category::others, name, m, n, 1, 1, da);
    op.flops = 5 * d(m) * d(n);
    op.weight_bytes = d(n) * w;
    op.bytes = op.weight_bytes + 2 * d(m) * d(n) * a;
  }
  // Element-wise activation; a gated one (SwiGLU) reads two inputs.
  void act(const std::string& name, i64 m, i64 n, int inputs = 1, Category cat = Category::others) {
    Operator& op = add(OpClass::act, cat, name, m, n, 1, 1, da);
    op.flops = 8 * d(m) * d(n);
    op.bytes = (inputs + 1) * d(m) * d(n) * a;
  }
  // Causal conv1d over n channels, kernel width k, q new tokens per request:
  // reads the window of k-1 past inputs and the new ones, writes the outputs
  // and min(q, k-1) window entries; weights n x k.
  void conv1d(i64 n, i64 k) {
    const i64 R = o.batch, q = o.query_tokens;
    Operator& op = add(OpClass::act, Category::causal_conv1d, "causal_conv1d", R * q, n, k, 1, da);
    op.flops = 2 * d(R * q) * d(n) * d(k);
    op.weight_bytes = d(n) * d(k) * w;
    op.kv_state_bytes = d(R) * d(n) * d(k - 1 + std::min(q, k - 1)) * a;
    op.bytes = op.weight_bytes + op.kv_state_bytes + 2 * d(R * q) * d(n) * a;
  }
  // Rows x width activations between the host and a PIM device (GraphOptions::x2g).
  void x2g(const std::string& name, i64 m, i64 n) {
    if (!o.x2g || o.query_tokens != 1) return;
    Operator& op = add(OpClass::x2g, Category::comm, name, m, n, 1, 1, da);
    op.bytes = d(m) * d(n) * a;
  }
  void g2g(const std::string& name, i64 m, i64 n) {
    if (o.tp <= 1) return;
    Operator& op = add(OpClass::g2g, Category::comm, name, m, n, 1, 1, da);
    op.bytes = d(m) * d(n) * a;  // all-reduce message
  }
};

// ---- Artifact-compatible lists (system.md §1.3), symbols as written there.

void artifact_post_transformer(Emitter& e, const ModelConfig& m) {
  const i64 B = e.o.batch, h = m.hidden, tp = e.o.tp, H = m.state_heads, d = m.state_dk, s = m.state_dv;
  const i64 ht = h / tp;
  const i64 Hs = ceil_div(H, tp);
  e.repeat = m.layers * e.o.artifact_steps;
  e.steps = e.o.artifact_steps;
  switch (m.family) {
    case Family::retnet:
      e.norm("norm_1", B, h);
      e.fc("qkv", B, 4 * ht, h);
      e.state_update(Hs, d, s);
      e.fc("g", B, 2 * h, ht);
      e.fc("o", B, h, 2 * h / tp);
      e.g2g("g2g_1", B, h);
      e.norm("norm_2", B, h);
      e.fc("ffn", B, int_times(4.2, ht), h);
      e.act("act", B, int_times(1.4, ht));
      e.g2g("g2g_2", B, h);
      break;
    case Family::gla:
      e.norm("norm_1", B, h);
      e.fc("qkv", B, 2 * ht, h);
      e.fc("gk_1", B, 16, h);
      e.fc("gk_2", B, ht / 2, 16);
      e.state_update(Hs, d, s);
      e.fc("go", B, 2 * h, ht);
      e.g2g("g2g_1", B, h);
      e.norm("norm_2", B, h);
      e.fc("ffn", B, 8 * ht, h);
      e.act("act", B, int_times(2.6, ht));
      e.g2g("g2g_2", B, h);
      break;
    case Family::hgrn2:
      e.norm("norm_1", B, h);
      e.fc("qkv", B, 3 * ht, h);
      e.state_update(Hs, d, s);
      e.fc("o", B, h, ht);
      e.g2g("g2g_1", B, h);
      e.norm("norm_2", B, h);
      e.fc("ffn", B, 8 * ht, h);
      e.act("act", B, int_times(2.6, ht));
      e.g2g("g2g_2", B, h);
      break;
    default:
      break;
  }
}

// Mamba-2 block as the artifact lists it (Zamba2's has a pre-norm and names its all-reduce g2g_1).
void artifact_mamba(Emitter& e, const ModelConfig& m, bool zamba) {
  const i64 B = e.o.batch, h = m.hidden, tp = e.o.tp, ht = h / tp;
  if (zamba) e.norm("norm", B, h);
  e.fc("qkv", B, int_times(4.1, ht), h);
  e.act("causal_conv1d", B, int_times(8.4, h), 1, Category::causal_conv1d);
  e.act("discretization", B, m.state_heads, 1, Category::discretization);
  e.state_update(ceil_div(m.state_heads, tp), m.state_dk, m.state_dv);
  e.norm("norm", B, 2 * h);
  e.act("act", B, 2 * ht);
  e.fc("o", B, h, 2 * h / tp);
  e.g2g(zamba ? "g2g_1" : "g2g", B, h);
}

void artifact_opt(Emitter& e, const ModelConfig& m) {
  const i64 B = e.o.batch, h = m.hidden, tp = e.o.tp, ht = h / tp, L = e.o.context;
  const i64 nop = (m.heads / tp) * B;
  e.fc("qkv", B, 3 * ht, h);
  e.x2g(kX2gToDevice, B, 3 * ht);
  e.attention("attention_qk", 1, L, m.head_dim, nop, L);
  e.softmax("attention_softmax", 1, L, nop);
  e.attention("attention_kv", 1, m.head_dim, L, nop, L);
  e.x2g(kX2gFromDevice, B, ht);
  e.fc("proj", B, h, ht);
  e.g2g("g2g-1", B, h);
  e.norm("norm_1", B, h);
  e.fc("ffn_1", B, 4 * ht, h);
  e.act("act", B, 4 * ht);
  e.fc("ffn_2", B, h, 4 * ht);
  e.g2g("g2g_2", B, h);
  e.norm("norm_2", B, h);
}

void artifact_zamba_attention(Emitter& e, const ModelConfig& m) {
  const i64 B = e.o.batch, h = m.hidden, tp = e.o.tp, ht = h / tp, L = e.o.context;
  const i64 nop = (m.heads / tp) * B;
  e.norm("norm", B, 2 * h);
  e.fc("qkv", B, 6 * ht, 2 * h);
  e.x2g(kX2gToDevice, B, 6 * ht);
  e.attention("attention_qk", 1, L, m.head_dim, nop, L);
  e.softmax("attention_softmax", 1, L, nop);
  e.attention("attention_kv", 1, m.head_dim, L, nop, L);
  e.x2g(kX2gFromDevice, B, 2 * h / tp);
  e.fc("proj", B, h, 2 * h / tp);
  e.g2g("g2g_1", B, h);
  e.norm("norm", B, h);
  e.fc("ffn_1", B, 8 * ht, h);
  e.act("act", B, 4 * ht);
  e.fc("ffn_2", B, h, 4 * ht);
  e.g2g("g2g_2", B, h);
}

void artifact_graph(Emitter& e, const ModelConfig& m) {
  switch (m.family) {
    case Family::retnet:
    case Family::gla:
    case Family::hgrn2:
      artifact_post_transformer(e, m);
      return;
    case Family::mamba2:
      e.repeat = m.layers * e.o.artifact_steps;
      e.steps = e.o.artifact_steps;
      artifact_mamba(e, m, false);
      return;
    case Family::zamba2:
      e.block = "mamba";
      e.repeat = m.layers;
      artifact_mamba(e, m, true);
      e.block = "attention";
      e.repeat = m.attn_layers;
      artifact_zamba_attention(e, m);
      return;
    case Family::opt:
    case Family::gpt2:
    case Family::gpt_neox:
    case Family::gpt3:
      if (m.kv_heads == m.heads && !m.gated_ffn && m.intermediate == 4 * m.hidden) {
        e.repeat = m.layers;
        artifact_opt(e, m);
        return;
      }
      break;
    default:
      break;
  }
  throw std::invalid_argument(std::string("artifact-compatible shapes exist for the Pimba artifact's families "
                                          "(retnet, gla, hgrn2, mamba2, zamba2, and OPT-like MHA decoders with "
                                          "a 4h MLP), not for ") +
                              m.name + " (" + family_name(m.family) + ")");
}

// ---- Physically faithful lists: every projection at its real width, each
// shard the largest of tp (ceil division), gated FFNs as gate+up, act, down.

struct Shard {
  i64 tp;
  i64 operator()(i64 x) const { return ceil_div(x, tp); }
};

void faithful_ffn(Emitter& e, const ModelConfig& m, const Shard& sh) {
  const i64 B = e.o.batch * e.o.query_tokens, h = m.hidden, I = sh(m.intermediate);
  if (m.gated_ffn) {
    e.fc("ffn_1", B, 2 * I, h);  // gate and up projections
    e.act("act", B, I, 2);       // act(gate) * up
  } else {
    e.fc("ffn_1", B, I, h);
    e.act("act", B, I, 1);
  }
  e.fc("ffn_2", B, h, I);
}

// Attention block; `in` = width the block's first norm and QKV read.
void faithful_attention(Emitter& e, const ModelConfig& m, const Shard& sh, i64 in) {
  const i64 R = e.o.batch, q = e.o.query_tokens, B = R * q;  // B: token rows
  const i64 h = m.hidden, L = e.o.context, d = m.head_dim;
  const i64 kvl = sh(m.kv_heads);
  const i64 hl = sh(m.heads);
  const i64 g = ceil_div(hl, kvl);  // query heads sharing one K/V head on this shard
  e.norm("norm_1", B, in);
  e.fc("qkv", B, (hl + 2 * kvl) * d, in);
  e.x2g(kX2gToDevice, B, (hl + 2 * kvl) * d);
  // One GEMV per (request, K/V head): the g query heads of a group (times the
  // q tokens of a prefill chunk) share the K (and V) read; dense over all L keys.
  e.attention("attention_qk", g * q, L, d, kvl * R, L);
  e.softmax("attention_softmax", q, L, hl * R);
  e.attention("attention_kv", g * q, d, L, kvl * R, L);
  e.x2g(kX2gFromDevice, B, hl * d);
  e.fc("proj", B, h, hl * d);
  if (m.parallel_residual) {
    // Attention and MLP read the same normalised input (GPT-J: one norm; NeoX: two)
    // and their outputs are summed before one all-reduce.
    if (m.family != Family::gptj) e.norm("norm_2", B, h);
    faithful_ffn(e, m, sh);
    e.g2g("g2g", B, h);
    return;
  }
  e.g2g("g2g_1", B, h);
  e.norm("norm_2", B, h);
  faithful_ffn(e, m, sh);
  e.g2g("g2g_2", B, h);
}

void faithful_mamba(Emitter& e, const ModelConfig& m, const Shard& sh) {
  const i64 B = e.o.batch * e.o.query_tokens, h = m.hidden;  // token rows
  const i64 Hl = sh(m.state_heads);
  const i64 dil = Hl * m.state_dv;            // this shard's part of d_inner
  const i64 Gl = sh(m.n_groups);              // B/C groups (replicated when fewer than tp)
  const i64 bc = 2 * Gl * m.state_dk;
  e.norm("norm_1", B, h);
  e.fc("qkv", B, 2 * dil + bc + Hl, h);       // in_proj: z, x, B, C, dt
  e.conv1d(dil + bc, m.conv_kernel);          // over x, B, C
  e.act("discretization", B, Hl, 1, Category::discretization);  // softplus(dt), exp(dt A)
  e.state_update(Hl, m.state_dk, m.state_dv);
  e.act("act", B, dil, 1);                    // silu(z) gate
  e.norm("norm", B, dil);                     // gated RMSNorm
  e.fc("o", B, h, dil);
  e.g2g("g2g", B, h);
}

void faithful_linear_attention(Emitter& e, const ModelConfig& m, const Shard& sh) {
  const i64 B = e.o.batch * e.o.query_tokens, h = m.hidden;  // token rows
  const i64 Hl = sh(m.state_heads), kl = Hl * m.state_dk, vl = Hl * m.state_dv;
  e.norm("norm_1", B, h);
  switch (m.family) {
    case Family::retnet:  // q, k (H dk), v (H dv); swish gate g (H dv); group norm
      e.fc("qkv", B, 2 * kl + vl, h);
      e.state_update(Hl, m.state_dk, m.state_dv);
      e.norm("group_norm", B, vl);
      e.fc("g", B, vl, h);
      break;
    case Family::gla:  // q, k (H dk), v (H dv); low-rank forget gate; output gate
      e.fc("qkv", B, 2 * kl + vl, h);
      e.fc("gk_1", B, m.gate_rank, h);
      e.fc("gk_2", B, kl, m.gate_rank);
      e.state_update(Hl, m.state_dk, m.state_dv);
      e.norm("group_norm", B, vl);
      e.fc("g", B, vl, h);
      break;
    case Family::hgrn2:  // q (output gate), f (forget gate) over H dk; input i over H dv
      e.fc("qkv", B, 2 * kl + vl, h);
      e.state_update(Hl, m.state_dk, m.state_dv);
      e.norm("group_norm", B, vl);
      break;
    default:
      break;
  }
  e.fc("o", B, h, vl);
  e.g2g("g2g_1", B, h);
  e.norm("norm_2", B, h);
  faithful_ffn(e, m, sh);
  e.g2g("g2g_2", B, h);
}

void faithful_graph(Emitter& e, const ModelConfig& m) {
  const Shard sh{e.o.tp};
  const i64 B = e.o.batch;
  switch (m.family) {
    case Family::retnet:
    case Family::gla:
    case Family::hgrn2:
      e.repeat = m.layers;
      faithful_linear_attention(e, m, sh);
      break;
    case Family::mamba2:
      e.repeat = m.layers;
      faithful_mamba(e, m, sh);
      break;
    case Family::zamba2:
      e.block = "mamba";
      e.repeat = m.layers;
      faithful_mamba(e, m, sh);
      e.block = "attention";
      e.repeat = m.attn_layers;
      faithful_attention(e, m, sh, m.attn_input);
      e.fc("shared_out", B * e.o.query_tokens, m.hidden, m.hidden);  // per-layer linear after the shared block
      break;
    default:
      e.repeat = m.layers;
      faithful_attention(e, m, sh, m.hidden);
      break;
  }
  // Logits of each request's last token only.
  e.block = "head";
  e.repeat = 1;
  e.norm("final_norm", B, m.hidden);
  e.fc("lm_head", B, sh(m.vocab), m.hidden);
}

}  // namespace

const char* class_name(OpClass c) {
  switch (c) {
    case OpClass::fc: return "FC";
    case OpClass::matmul: return "MATMUL";
    case OpClass::su: return "SU";
    case OpClass::softmax: return "SOFTMAX";
    case OpClass::norm: return "NORM";
    case OpClass::act: return "ACT";
    case OpClass::g2g: return "G2G";
    case OpClass::x2g: return "X2G";
  }
  return "?";
}

const char* category_name(Category c) {
  switch (c) {
    case Category::gemm: return "gemm";
    case Category::gemv: return "gemv";
    case Category::state_update: return "state_update";
    case Category::causal_conv1d: return "causal_conv1d";
    case Category::discretization: return "discretization";
    case Category::comm: return "comm";
    case Category::others: return "others";
  }
  return "?";
}

OpClass parse_class(const std::string& s) {
  for (OpClass c : {OpClass::fc, OpClass::matmul, OpClass::su, OpClass::softmax, OpClass::norm, OpClass::act,
                    OpClass::g2g, OpClass::x2g})
    if (lower(class_name(c)) == lower(s)) return c;
  throw std::invalid_argument("unknown operator class '" + s + "' (allowed: FC, MATMUL, SU, SOFTMAX, NORM, ACT, G2G, X2G)");
}

Category parse_category(const std::string& s) {
  for (Category c : {Category::gemm, Category::gemv, Category::state_update, Category::causal_conv1d,
                     Category::discretization, Category::comm, Category::others})
    if (category_name(c) == lower(s)) return c;
  throw std::invalid_argument("unknown operator category '" + s +
                              "' (allowed: gemm, gemv, state_update, causal_conv1d, discretization, comm, others)");
}

const char* format_name(ElemFormat f) {
  switch (f) {
    case ElemFormat::fp32: return "fp32";
    case ElemFormat::fp16: return "fp16";
    case ElemFormat::bf16: return "bf16";
    case ElemFormat::fp8: return "fp8";
    case ElemFormat::mx8: return "mx8";
    case ElemFormat::int8: return "int8";
  }
  return "?";
}

ElemFormat parse_elem_format(const std::string& s) {
  for (ElemFormat f : {ElemFormat::fp32, ElemFormat::fp16, ElemFormat::bf16, ElemFormat::fp8, ElemFormat::mx8,
                       ElemFormat::int8})
    if (format_name(f) == lower(s)) return f;
  throw std::invalid_argument("unknown element format '" + s + "' (allowed: fp32, fp16, bf16, fp8, mx8, int8)");
}

int elem_dbyte(ElemFormat f) {
  switch (f) {
    case ElemFormat::fp32: return 4;
    case ElemFormat::fp16:
    case ElemFormat::bf16: return 2;
    default: return 1;
  }
}

double elem_storage_bytes(ElemFormat f) {
  switch (f) {
    case ElemFormat::fp32: return 4.0;
    case ElemFormat::fp16:
    case ElemFormat::bf16: return 2.0;
    case ElemFormat::fp8: return 1.0;
    case ElemFormat::mx8: return numerics::info(numerics::Format::mx8).bits_per_element / 8.0;
    case ElemFormat::int8: return numerics::info(numerics::Format::int8).bits_per_element / 8.0;
  }
  return 0.0;
}

std::vector<Operator> decode_graph(const ModelConfig& m, const GraphOptions& o) {
  if (o.batch <= 0) throw std::invalid_argument("batch " + std::to_string(o.batch) + " must be > 0");
  if (o.context <= 0) throw std::invalid_argument("context length " + std::to_string(o.context) + " must be > 0");
  if (o.tp <= 0) throw std::invalid_argument("tensor-parallel degree " + std::to_string(o.tp) + " must be > 0");
  if (o.query_tokens <= 0)
    throw std::invalid_argument("query tokens " + std::to_string(o.query_tokens) + " must be > 0");
  if (o.query_tokens > o.context)
    throw std::invalid_argument("a chunk of " + std::to_string(o.query_tokens) + " tokens does not fit in context length " +
                                std::to_string(o.context) + " (the context includes the chunk)");
  if (o.artifact_compatible && o.query_tokens != 1)
    throw std::invalid_argument("artifact-compatible mode models decode steps only (the artifact has no prefill), "
                                "not chunks of " + std::to_string(o.query_tokens) + " tokens");
  if (o.artifact_compatible && o.artifact_steps <= 0)
    throw std::invalid_argument("artifact decode steps " + std::to_string(o.artifact_steps) + " must be > 0");
  std::vector<Operator> ops;
  Emitter e(ops, o);
  if (o.artifact_compatible)
    artifact_graph(e, m);
  else
    faithful_graph(e, m);
  return ops;
}

GraphTotals totals(const std::vector<Operator>& ops) {
  GraphTotals t;
  for (const auto& op : ops) {
    const double r = static_cast<double>(op.repeat) / static_cast<double>(op.steps);
    if (op.category == Category::comm) {
      t.comm_bytes += op.bytes * r;
      continue;
    }
    t.flops += op.flops * r;
    t.bytes += op.bytes * r;
    t.weight_bytes += op.weight_bytes * r;
    t.kv_state_bytes += op.kv_state_bytes * r;
  }
  return t;
}

double request_memory_bytes(const ModelConfig& m, std::int64_t context, const FormatSet& f) {
  return static_cast<double>(kv_elements_per_token(m)) * static_cast<double>(context) * elem_storage_bytes(f.kv) +
         static_cast<double>(state_elements_per_request(m)) * elem_storage_bytes(f.state) +
         static_cast<double>(conv_window_elements_per_request(m)) * elem_storage_bytes(f.activations);
}

double weight_memory_bytes(const ModelConfig& m, const FormatSet& f) {
  return static_cast<double>(parameters(m)) * elem_storage_bytes(f.weights);
}

}  // namespace pimlab::model
