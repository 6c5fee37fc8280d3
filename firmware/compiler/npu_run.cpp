#include "firmware/compiler/npu_run.h"

#include <algorithm>
#include <stdexcept>

#include "npu/vector.h"

namespace pimlab::firmware::compiler {

namespace {

using i64 = std::int64_t;
using npu::Cycle;

constexpr i64 kDHead = 128;  // the attention operations' head dimension (NeuPIMs' layout, neupims_pim.md §9)

i64 ceil_div(i64 a, i64 b) { return (a + b - 1) / b; }

}  // namespace

Cycle ProgramDma::complete_raw(int tag) {
  throw std::logic_error("npu program dma: complete_raw(" + std::to_string(tag) +
                         ") on a port whose post_raw() never leaves a transfer pending");
}

const npu::GemmPlan& ProgramTimer::plan(const npu::GemmShape& s) {
  const std::string key = std::to_string(s.m) + "," + std::to_string(s.k) + "," + std::to_string(s.n) + "," +
                          (s.bias ? "1" : "0");
  auto it = m_plans.find(key);
  if (it == m_plans.end()) it = m_plans.emplace(key, npu::plan_gemm(m_cfg, s)).first;
  return it->second;
}

Cycle ProgramTimer::compute_only(i64 m, i64 k, i64 n) {
  const std::string key = std::to_string(m) + "," + std::to_string(k) + "," + std::to_string(n);
  auto it = m_compute.find(key);
  if (it != m_compute.end()) return it->second;
  npu::InstantDma dma;
  const Cycle c = npu::run_gemm(m_cfg, plan(npu::GemmShape{m, k, n, false}), dma, 0).end;
  m_compute.emplace(key, c);
  return c;
}

ProgramRun ProgramTimer::run(const std::vector<NpuOp>& p, ProgramDma& dma, Cycle start, const ProgramWait* wait) {
  ProgramRun r;
  Cycle t = start;
  const int units = m_cfg.systolic.count;
  const bool waits = wait != nullptr;
  auto do_wait = [&] {
    r.wait_span = {t, t + wait->cycles};
    r.busy[wait->category] += wait->cycles;
    t += wait->cycles;
  };
  for (std::size_t idx = 0; idx < p.size(); ++idx) {
    const NpuOp& op = p[idx];
    if (waits && idx == wait->pos) do_wait();
    const Cycle t0 = t;
    double bytes = 0, pj = 0;
    switch (op.kind) {
      case NpuOpKind::gemm: {
        const npu::GemmTiming g = npu::run_gemm(m_cfg, plan(op.shape), dma, t);
        t = g.end;
        bytes = static_cast<double>(g.read_bytes + g.write_bytes);
        pj = static_cast<double>(g.macs) * kNpuMacPj + bytes * kNpuSramPjPerByte;
        break;
      }
      case NpuOpKind::vector: {
        Cycle a = t;
        if (op.read_bytes > 0) a = dma.raw(op.read_bytes, false, t);
        const Cycle c = npu::vector_batch_cycles(m_cfg, op.vop, op.rows, op.n);
        t = std::max(a, t) + c;
        if (op.write_bytes > 0) t = dma.raw(op.write_bytes, true, t);
        bytes = static_cast<double>(op.read_bytes + op.write_bytes);
        pj = static_cast<double>(op.flops) / 2 * kNpuMacPj + bytes * kNpuSramPjPerByte;
        break;
      }
      case NpuOpKind::attention: {
        // K arrives, q.K^T of every head, softmax, V arrives, p.V, output
        // written. A decode step (q = 1): one GEMV per head, the heads spread
        // over the arrays (one stationary block each). A prefill chunk (q > 1):
        // the heads' q x L score blocks as one GEMM of heads x q rows, so the
        // stationary blocks of all heads spread over the arrays as the GEMM
        // tiling spreads them (a block may hold the rows of two heads when q is
        // not a multiple of the array size; each head streams its own K / V of
        // the same shape, so the timing is that of the separate GEMMs but for
        // those shared blocks).
        const i64 q = op.tokens;
        Cycle k_in = dma.post_raw(op.read_bytes, false, t, 0);
        Cycle v_in = dma.post_raw(op.read_bytes, false, t, 1);
        if (k_in == npu::kPending) k_in = dma.complete_raw(0);
        Cycle u = std::max(t, k_in);
        u += q == 1 ? ceil_div(op.heads, units) * compute_only(1, kDHead, op.len)
                    : compute_only(op.heads * q, kDHead, op.len);
        u += npu::vector_batch_cycles(m_cfg, npu::VectorOp::softmax, op.heads * q, op.len);
        if (v_in == npu::kPending) v_in = dma.complete_raw(1);
        u = std::max(u, v_in);
        u += q == 1 ? ceil_div(op.heads, units) * compute_only(1, op.len, kDHead)
                    : compute_only(op.heads * q, op.len, kDHead);
        t = dma.raw(op.write_bytes, true, u);
        bytes = static_cast<double>(2 * op.read_bytes + op.write_bytes);
        pj = static_cast<double>(op.flops) / 2 * kNpuMacPj + bytes * kNpuSramPjPerByte;
        break;
      }
    }
    r.spans.emplace_back(t0, t);
    r.busy[op.category] += t - t0;
    r.bytes[op.category] += bytes;
    r.host_pj[op.category] += pj;
  }
  if (waits && wait->pos >= p.size()) do_wait();
  r.end = t;
  return r;
}

}  // namespace pimlab::firmware::compiler
