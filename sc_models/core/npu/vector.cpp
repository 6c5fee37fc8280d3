#include "npu/vector.h"

#include <algorithm>
#include <queue>
#include <stdexcept>
#include <string>
#include <vector>

namespace pimlab::npu {

const char* to_string(VectorOp op) {
  switch (op) {
    case VectorOp::layernorm: return "layernorm";
    case VectorOp::rmsnorm: return "rmsnorm";
    case VectorOp::softmax: return "softmax";
    case VectorOp::gelu: return "gelu";
    case VectorOp::silu: return "silu";
    case VectorOp::add: return "add";
    case VectorOp::mul: return "mul";
  }
  return "?";
}

std::int64_t tree_levels(std::int64_t n, int lanes) {
  if (lanes < 1) throw std::invalid_argument("npu vector: lanes must be >= 1");
  if (n <= lanes) return 1;
  const std::int64_t v = (n + lanes - 1) / lanes;
  return v + tree_levels(v, lanes);
}

Cycle vector_op_cycles(const VectorConfig& vc, VectorOp op, std::int64_t n) {
  if (n < 0) throw std::invalid_argument("npu vector: vector length " + std::to_string(n) + "; allowed: >= 0");
  const auto& l = vc.latency;
  const std::int64_t V = (n + vc.lanes - 1) / vc.lanes;
  const std::int64_t T = tree_levels(n, vc.lanes);
  switch (op) {
    case VectorOp::layernorm:
      return 2 * T * l.add_tree + 2 * l.scalar_mul + l.scalar_sqrt + V * (2 * l.add + 3 * l.mul);
    case VectorOp::rmsnorm: return T * l.add_tree + l.scalar_mul + l.scalar_sqrt + V * 3 * l.mul;
    case VectorOp::softmax: return 2 * T * l.add_tree + V * (l.add + l.exp + l.mul);
    case VectorOp::gelu: return V * l.gelu;
    case VectorOp::silu: return V * l.silu;
    case VectorOp::add: return V * l.add;
    case VectorOp::mul: return V * l.mul;
  }
  return 0;
}

Cycle vector_batch_cycles(const NpuConfig& cfg, VectorOp op, std::int64_t rows, std::int64_t n) {
  if (rows < 0) throw std::invalid_argument("npu vector: rows " + std::to_string(rows) + "; allowed: >= 0");
  if (rows == 0) return 0;
  if (cfg.mode == Mode::artifact) {
    const bool zero_size = op == VectorOp::layernorm || op == VectorOp::gelu || op == VectorOp::add;
    return rows - 1 + vector_op_cycles(cfg.vector, op, zero_size ? 0 : n);
  }
  // Issue one per cycle to the unit that frees first; each unit runs in order.
  const Cycle c = vector_op_cycles(cfg.vector, op, n);
  std::priority_queue<Cycle, std::vector<Cycle>, std::greater<Cycle>> free_at;
  for (int u = 0; u < cfg.vector.units; ++u) free_at.push(0);
  Cycle last = 0;
  for (std::int64_t r = 0; r < rows; ++r) {
    const Cycle f = free_at.top();
    free_at.pop();
    const Cycle st = std::max(f, r);
    last = std::max(last, st + c);
    free_at.push(st + c);
  }
  return last;
}

}  // namespace pimlab::npu
