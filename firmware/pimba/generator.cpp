#include "firmware/pimba/generator.h"

#include "pim/trace.h"

#include <algorithm>
#include <cctype>
#include <ostream>
#include <functional>
#include <limits>
#include <map>
#include <stdexcept>
#include <string>
#include <utility>

namespace pimlab::firmware::pimba {

using pimlab::pim::CmdKind;
using pimlab::pim::Command;

const char* op_name(Op op) {
  switch (op) {
    case Op::SU: return "su";
    case Op::Score: return "score";
    case Op::Attend: return "attend";
  }
  return "?";
}

const char* op_reference_name(Op op) {
  switch (op) {
    case Op::SU: return "SU";
    case Op::Score: return "SCORE";
    case Op::Attend: return "ATTEND";
  }
  return "?";
}

Op parse_op(const std::string& s) {
  std::string l = s;
  for (char& ch : l) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (l == "su") return Op::SU;
  if (l == "score") return Op::Score;
  if (l == "attend") return Op::Attend;
  throw std::invalid_argument("unknown kernel op '" + s + "' (allowed: su, score, attend)");
}

namespace {
void require_range(const char* field, long long v, long long lo, long long hi) {
  if (v < lo || v > hi)
    throw std::invalid_argument(std::string(field) + " " + std::to_string(v) + " out of range [" +
                                std::to_string(lo) + ", " + std::to_string(hi) + "]");
}
}  // namespace

void validate(const KernelSpec& k) {
  (void)pimlab::pim::variant(k.variant);
  require_range("num_op", k.num_op, 1, 1 << 24);
  require_range("rows", k.rows, 1, 1 << 24);
  require_range("cols", k.cols, 1, 1 << 24);
  require_range("channels", k.channels, 1, 1024);
  require_range("pseudo_channels", k.pseudo_channels, 1, 16);
  require_range("bank_groups", k.bank_groups, 1, 64);
  require_range("banks_per_group", k.banks_per_group, 1, 64);
  require_range("atom_bytes", k.atom_bytes, 1, 1 << 16);
  require_range("page_bytes", k.page_bytes, k.atom_bytes, 1 << 20);
  if (k.page_bytes % k.atom_bytes != 0)
    throw std::invalid_argument("page_bytes " + std::to_string(k.page_bytes) +
                                " is not a multiple of atom_bytes " + std::to_string(k.atom_bytes));
  const int w = pimlab::pim::variant(k.variant).element_bytes;
  if (k.atom_bytes % w != 0)
    throw std::invalid_argument("atom_bytes " + std::to_string(k.atom_bytes) +
                                " is not a multiple of the element width " + std::to_string(w));
  const Geometry g = geometry(k);
  // Rough size guard: commands ~ chunks / banks_per_pch * (comps + 6).
  const long double cmds = static_cast<long double>(g.chunks) /
                           (k.pseudo_channels > 0 ? k.bank_groups * k.banks_per_group : 1) *
                           (g.comps_per_round + 6 + g.results_per_round);
  if (cmds > 4.0e7L)
    throw std::invalid_argument("kernel too large for a command-level run: about " +
                                std::to_string(static_cast<long long>(cmds)) +
                                " commands (limit 40000000, about 1.6 GB of command streams); use fewer num_op, rows or cols");
}

Geometry geometry(const KernelSpec& k) {
  const auto& v = pimlab::pim::variant(k.variant);
  Geometry g;
  g.elem_bytes = v.element_bytes;
  g.chunk_rows = k.atom_bytes / g.elem_bytes;
  g.chunk_cols = k.page_bytes / k.atom_bytes;
  g.v_count = g.chunk_cols * g.elem_bytes / k.atom_bytes;
  if (g.v_count < 1) g.v_count = 1;
  g.block_rows = (static_cast<std::int64_t>(k.rows) + g.chunk_rows - 1) / g.chunk_rows * k.num_op;
  g.block_cols = (static_cast<std::int64_t>(k.cols) + g.chunk_cols - 1) / g.chunk_cols;
  g.chunks = g.block_rows * g.block_cols;
  g.comps_per_round = g.chunk_cols * (k.op == Op::SU ? v.su_comps_per_column : v.gemv_comps_per_column);
  g.results_per_round = k.op == Op::Attend ? 8 : 8 * g.v_count;
  return g;
}

namespace {

// What a round's commands depend on (emit_round): its pseudo-channel, sums of
// register writes, COMPs, results and, per bank group, the register writes of
// its banks and whether any of them has work. Packed as 4 + bank_groups words:
// pch, regs, comps, results, then (n << 1 | active) per bank group.
void round_shape(const KernelSpec& k, const Round& r, std::vector<std::uint32_t>& out) {
  out.push_back(r.pch);
  out.push_back(r.regs);
  out.push_back(r.comps);
  out.push_back(r.results);
  const int bpg = k.banks_per_group;
  for (int bg = 0; bg < k.bank_groups; ++bg) {
    std::uint32_t n = 0, active = 0;
    for (int bank = 0; bank < bpg; ++bank) {
      const BankWork& w = r.banks[static_cast<std::size_t>(bg * bpg + bank)];
      n += w.reg_writes;
      active |= w.block_row >= 0 ? 1u : 0u;
    }
    out.push_back(n << 1 | active);
  }
}

// The commands of one round of channel `ch` from its shape (round_shape).
void emit_round(const KernelSpec& k, const Geometry& g, std::uint16_t ch, const std::uint32_t* shape,
                std::uint32_t round_idx, std::vector<Command>& out) {
  Command c;
  c.ch = ch;
  c.pch = static_cast<std::uint8_t>(shape[0]);
  c.round = round_idx;
  const std::uint32_t regs = shape[1];
  const auto comps = static_cast<std::uint16_t>(shape[2]);
  const std::uint32_t results = shape[3];
  Command b = c;
  b.kind = CmdKind::RefreshBarrier;
  b.sched = k.cmd_sched ? 1 : 0;
  b.arg = regs;
  b.v_count = static_cast<std::uint8_t>(g.v_count);
  b.comps = comps;
  out.push_back(b);
  for (int bg = 0; bg < k.bank_groups; ++bg) {
    const std::uint32_t n = shape[4 + bg] >> 1;
    // A bank group with no chunk in this round is not activated (only the
    // last, partial round of the faithful generator has such groups).
    if (!(shape[4 + bg] & 1u)) continue;
    Command a = c;
    a.bank_group = static_cast<std::uint8_t>(bg);
    if (k.cmd_sched) {
      a.kind = CmdKind::Act4WithReg;
      a.arg = n;
      out.push_back(a);
    } else {
      a.kind = CmdKind::Act4;
      out.push_back(a);
      Command rw = c;
      rw.kind = CmdKind::RegWrite;
      rw.bank_group = static_cast<std::uint8_t>(bg);
      out.insert(out.end(), n, rw);
    }
  }
  Command comp = c;
  comp.kind = CmdKind::Comp;
  out.insert(out.end(), comps, comp);
  if (k.cmd_sched) {
    Command p = c;
    p.kind = CmdKind::PrechargeWithResult;
    p.arg = results;
    out.push_back(p);
  } else {
    Command p = c;
    p.kind = CmdKind::Precharge;
    out.push_back(p);
    Command res = c;
    res.kind = CmdKind::Result;
    out.insert(out.end(), results, res);
  }
}

}  // namespace

Program generate(const KernelSpec& k) {
  validate(k);
  Program prog;
  prog.spec = k;
  prog.geo = geometry(k);
  const Geometry& g = prog.geo;
  const int banks = k.bank_groups * k.banks_per_group;
  const std::int64_t R = g.block_rows, C = g.block_cols;

  if (k.artifact_compatible && k.distinct_channels_only)
    throw std::invalid_argument("distinct_channels_only does not apply to artifact-compatible kernels (one reader feeds every channel)");
  if (k.artifact_compatible && g.chunks % banks != 0)
    throw std::invalid_argument(
        "artifact-compatible: the reference generator fails on this shape (" + std::to_string(g.chunks) +
        " chunks is not a multiple of the " + std::to_string(banks) +
        " banks of a pseudo-channel: it runs out of block rows in the last round); run without "
        "--artifact-compatible to process the partial round");

  // Columns done per block-row and the rows ordered by (columns done, index):
  // a bank needing a new block-row takes the first entry.
  // A min-heap of (columns done, row) with lazy deletion: an entry is current
  // when its count equals the row's; the smallest current entry is the choice.
  std::vector<std::int64_t> done(static_cast<std::size_t>(R), 0);
  using Entry = std::pair<std::int64_t, std::int64_t>;
  std::vector<Entry> open;
  open.reserve(static_cast<std::size_t>(R) + 1024);
  for (std::int64_t r = 0; r < R; ++r) open.emplace_back(0, r);  // sorted: a valid min-heap as is
  const auto later = std::greater<Entry>();
  auto first_open = [&]() {
    while (open.front().first != done[static_cast<std::size_t>(open.front().second)]) {
      std::pop_heap(open.begin(), open.end(), later);
      open.pop_back();
    }
    return open.front().second;
  };
  // Current block-row of every bank of every pseudo-channel.
  const std::size_t n_pch = static_cast<std::size_t>(k.channels) * k.pseudo_channels;
  std::vector<std::int64_t> bank_row(n_pch * banks, -1);
  // Stream index of each (ch, pch) in creation order.
  std::vector<int> stream_of(n_pch, -1);
  std::vector<std::uint32_t> rounds_of(n_pch, 0);

  std::int64_t assigned = 0;
  std::uint32_t round_count = 0;
  std::vector<std::uint32_t> shape;
  // distinct_channels_only: per channel, the shapes of its rounds in order and their indices.
  std::vector<std::vector<std::uint32_t>> shapes(k.distinct_channels_only ? static_cast<std::size_t>(k.channels) : 0);
  std::vector<std::vector<std::uint32_t>> round_index(shapes.size());
  // One round's bank work, reused (the rounds are kept only when streams of every channel are emitted).
  Round r;
  while (assigned < g.chunks) {
    for (int ch = 0; ch < k.channels && assigned < g.chunks; ++ch) {
      for (int pch = 0; pch < k.pseudo_channels && assigned < g.chunks; ++pch) {
        const std::size_t sp = static_cast<std::size_t>(ch) * k.pseudo_channels + pch;
        r.regs = 0;
        r.chunks = 0;
        r.ch = static_cast<std::uint16_t>(ch);
        r.pch = static_cast<std::uint8_t>(pch);
        r.index_in_pch = rounds_of[sp]++;
        r.comps = static_cast<std::uint16_t>(g.comps_per_round);
        r.results = static_cast<std::uint16_t>(g.results_per_round);
        r.banks.assign(static_cast<std::size_t>(banks), BankWork{});  // keeps its storage when reused
        for (int b = 0; b < banks && assigned < g.chunks; ++b) {
          std::int64_t& cur = bank_row[sp * banks + b];
          BankWork& w = r.banks[static_cast<std::size_t>(b)];
          if (cur < 0 || done[static_cast<std::size_t>(cur)] == C) {
            cur = first_open();  // fewest columns done, lowest index
            w.new_block_row = true;
          }
          std::int64_t& d = done[static_cast<std::size_t>(cur)];
          w.block_row = static_cast<std::int32_t>(cur);
          w.block_col = static_cast<std::int32_t>(d);
          ++d;  // the row's entry (d-1, cur) is now stale
          if (d < C) {
            open.emplace_back(d, cur);
            std::push_heap(open.begin(), open.end(), later);
          }
          if (k.op == Op::SU)
            w.reg_writes = static_cast<std::uint16_t>((w.new_block_row || !k.chunk_group) ? 3 + g.v_count : g.v_count);
          else
            w.reg_writes = 1;
          r.regs += w.reg_writes;
          ++r.chunks;
          ++assigned;
        }
        if (stream_of[sp] < 0) {
          stream_of[sp] = static_cast<int>(prog.stream_order.size());
          prog.stream_order.emplace_back(r.ch, r.pch);
          prog.pch_streams.emplace_back();
          // Rounds this pseudo-channel will get, times the longest round.
          const std::int64_t rounds_total = (g.chunks + banks - 1) / banks;
          const std::int64_t per_pch = (rounds_total + static_cast<std::int64_t>(n_pch) - 1) / static_cast<std::int64_t>(n_pch);
          const std::int64_t max_regs = static_cast<std::int64_t>(banks) * (3 + g.v_count);
          const std::int64_t round_len = 2 + k.bank_groups + g.comps_per_round +
                                         (k.cmd_sched ? 0 : max_regs + g.results_per_round);
          if (!k.distinct_channels_only) prog.pch_streams.back().reserve(static_cast<std::size_t>(per_pch * round_len));
        }
        const auto idx = round_count++;
        if (k.distinct_channels_only) {
          // Timing only: keep the round's shape in its channel's list, not the round.
          auto& v = shapes[static_cast<std::size_t>(ch)];
          round_shape(k, r, v);
          round_index[static_cast<std::size_t>(ch)].push_back(idx);
        } else {
          shape.clear();
          round_shape(k, r, shape);
          emit_round(k, g, r.ch, shape.data(), idx, prog.pch_streams[static_cast<std::size_t>(stream_of[sp])]);
          prog.rounds.push_back(std::move(r));
        }
      }
    }
  }
  prog.chunks_generated = assigned;

  prog.stream_source.resize(static_cast<std::size_t>(k.channels));
  for (int ch = 0; ch < k.channels; ++ch) prog.stream_source[static_cast<std::size_t>(ch)] = ch;
  if (k.distinct_channels_only) {
    // A round's commands are a function of its shape (emit_round), so
    // channels with equal sequences of shapes emit equal streams. Emit one
    // channel of each class; Program::rounds stays empty (timing only).
    const std::size_t stride = 4 + static_cast<std::size_t>(k.bank_groups);
    std::map<std::vector<std::uint32_t>, int> first;
    for (int ch = 0; ch < k.channels; ++ch) {
      auto& v = shapes[static_cast<std::size_t>(ch)];
      auto [it, fresh] = first.emplace(v, ch);
      prog.stream_source[static_cast<std::size_t>(ch)] = it->second;
      if (!fresh) continue;
      const auto& idx = round_index[static_cast<std::size_t>(ch)];
      for (std::size_t i = 0; i < idx.size(); ++i) {
        const std::uint32_t* sh = v.data() + i * stride;
        const std::size_t sp = static_cast<std::size_t>(ch) * k.pseudo_channels + sh[0];
        emit_round(k, g, static_cast<std::uint16_t>(ch), sh, idx[i], prog.pch_streams[static_cast<std::size_t>(stream_of[sp])]);
      }
    }
  }
  if (k.artifact_compatible) {
    // The reference interleaves the (ch, pch) streams with a zip, which stops
    // at the shortest one: everything beyond it is silently dropped.
    std::size_t shortest = static_cast<std::size_t>(-1);
    for (const auto& s : prog.pch_streams) shortest = std::min(shortest, s.size());
    for (auto& s : prog.pch_streams) s.resize(shortest);
    for (const auto& s : prog.pch_streams)
      for (const Command& c : s)
        if (c.kind == CmdKind::Act4WithReg && c.arg != 4 && c.arg != 8 && c.arg != 16 && c.arg != 20)
          throw std::invalid_argument("artifact-compatible: this shape needs act4_with_reg_" +
                                      std::to_string(c.arg) +
                                      ", which the reference simulator's trace reader rejects "
                                      "(it knows act4_with_reg_{4,8,16,20})");
  }
  // Chunks whose round reached the channel: a round counts when its
  // precharge survives (the whole round is then in the stream).
  if (k.distinct_channels_only) {
    prog.chunks_issued = assigned;  // independent channels drop nothing
  } else {
    std::int64_t issued = 0;
    for (const auto& s : prog.pch_streams)
      for (const Command& c : s)
        if (pimlab::pim::is_precharge(c.kind)) issued += prog.rounds[c.round].chunks;
    prog.chunks_issued = issued;
  }

  // Channel streams: each channel's pseudo-channels interleaved command by
  // command (pch0, pch1, pch0, ...), an exhausted one skipped.
  prog.channel_streams.assign(static_cast<std::size_t>(k.channels), {});
  for (int ch = 0; ch < k.channels; ++ch) {
    std::vector<const std::vector<Command>*> parts;
    for (int pch = 0; pch < k.pseudo_channels; ++pch) {
      const int si = stream_of[static_cast<std::size_t>(ch) * k.pseudo_channels + pch];
      if (si >= 0) parts.push_back(&prog.pch_streams[static_cast<std::size_t>(si)]);
    }
    auto& out = prog.channel_streams[static_cast<std::size_t>(ch)];
    std::size_t total = 0, longest = 0;
    for (auto* p : parts) {
      total += p->size();
      longest = std::max(longest, p->size());
    }
    out.reserve(total);
    for (std::size_t i = 0; i < longest; ++i)
      for (auto* p : parts)
        if (i < p->size()) out.push_back((*p)[i]);
    prog.commands += out.size();
  }
  return prog;
}

void write_trace(std::ostream& os, const Program& p) {
  std::size_t longest = 0;
  for (const auto& s : p.pch_streams) longest = std::max(longest, s.size());
  std::string buf;
  for (std::size_t i = 0; i < longest; ++i)
    for (const auto& s : p.pch_streams)
      if (i < s.size()) {
        buf = pimlab::pim::format_trace_line(s[i]);
        buf += '\n';
        os << buf;
      }
}

std::vector<std::uint16_t> feed_order(const Program& p) {
  // Every command of pch stream j is on channel stream_order[j].first (it
  // was emitted into that stream), so the order needs the streams' lengths
  // only, not their commands.
  std::size_t total = 0, longest = 0;
  for (const auto& s : p.pch_streams) {
    total += s.size();
    longest = std::max(longest, s.size());
  }
  std::vector<std::uint16_t> out(total);
  std::uint16_t* o = out.data();
  // (channel, length) of the streams not yet exhausted, in exchange order.
  std::vector<std::pair<std::uint16_t, std::size_t>> live;
  for (std::size_t j = 0; j < p.pch_streams.size(); ++j)
    if (!p.pch_streams[j].empty()) live.emplace_back(p.stream_order[j].first, p.pch_streams[j].size());
  auto shortest = [&live] {
    std::size_t m = std::numeric_limits<std::size_t>::max();
    for (const auto& x : live) m = std::min(m, x.second);
    return m;
  };
  std::size_t next_end = shortest();
  for (std::size_t i = 0; i < longest; ++i) {
    for (const auto& x : live) *o++ = x.first;
    if (i + 1 == next_end) {
      // Drop the streams whose last command this pass emitted (order kept).
      live.erase(std::remove_if(live.begin(), live.end(), [i](const auto& x) { return x.second == i + 1; }), live.end());
      next_end = shortest();
    }
  }
  return out;
}

KernelSpec host_kernel(Op op, std::int64_t num_op, std::int64_t rows, std::int64_t cols, const std::string& variant,
                       int channels, bool artifact_compatible, const dram::DramSpec& dram) {
  if (channels < 1 || channels > 1024)
    throw std::invalid_argument("PIM channels " + std::to_string(channels) + " out of range (1..1024)");
  auto narrow = [](std::int64_t v, const char* what) {
    if (v < 1 || v > (std::int64_t{1} << 30))
      throw std::invalid_argument(std::string("PIM kernel ") + what + " " + std::to_string(v) + " out of range");
    return static_cast<int>(v);
  };
  KernelSpec k;
  k.op = op;
  k.variant = variant;
  k.num_op = narrow(num_op, "num_op");
  k.rows = narrow(rows, "rows");
  k.cols = narrow(cols, "cols");
  k.channels = channels;
  k.artifact_compatible = artifact_compatible;
  k.pseudo_channels = dram.org.pseudo_channels;
  k.bank_groups = dram.org.bank_groups;
  k.banks_per_group = dram.org.banks_per_group;
  k.page_bytes = dram.org.page_bytes;
  k.atom_bytes = dram.org.atom_bytes;
  return k;
}

std::vector<AttentionKernel> attention_kernels(Op op, const std::string& variant, std::int64_t per_request,
                                               const std::vector<std::int64_t>& contexts) {
  KernelSpec probe;
  probe.op = op;
  probe.variant = variant;
  const std::int64_t chunk_cols = geometry(probe).chunk_cols;
  std::map<std::int64_t, AttentionKernel> groups;  // column blocks -> kernel
  for (std::int64_t L : contexts) {
    if (L < 1) throw std::invalid_argument("attention KV length " + std::to_string(L) + " (allowed: >= 1)");
    AttentionKernel& g = groups[(L + chunk_cols - 1) / chunk_cols];
    ++g.requests;
    g.cols = std::max(g.cols, L);
  }
  std::vector<AttentionKernel> out;
  for (auto& [blocks, g] : groups) {
    g.num_op = per_request * g.requests;
    out.push_back(g);
  }
  return out;
}

}  // namespace pimlab::firmware::pimba
