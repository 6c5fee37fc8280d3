// The GPU roofline model of the Pimba artifact (reference: system.md §1.4 and
// §3.1): per operator a two-level tile search (L1 tile per SM, L2 tile),
// wave utilisation of the SMs, compute time with FP8 doubling, memory time
// from the L2 tiling's HBM traffic, fitted element-wise kernels, the
// tensor-parallel all-reduce, and energy per memory level. Closed-form and
// stateless: timing one operator depends on nothing but its arguments.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "gpu/host.h"

namespace pimlab::gpu {

// Operator classes of the Pimba operator lists that run on a GPU.
enum class OpClass { FC, MATMUL, SOFTMAX, NORM, ACT, G2G, X2G };

const char* class_name(OpClass c);
std::vector<std::string> class_names();
// A transfer over the link (G2G all-reduce, X2G to a PIM device): it lasts its
// link time and moves no HBM bytes of the GPU.
inline bool is_link(OpClass c) { return c == OpClass::G2G || c == OpClass::X2G; }
// Throws std::invalid_argument naming the value and the allowed classes.
OpClass parse_class(const std::string& s);

// One operator row: an (m x k) . (k x n) product done num_op times for
// FC/MATMUL, an m x n x num_op tensor for the element-wise classes, an
// all-reduce of m x n x num_op elements for G2G, a transfer of as many to or
// from a PIM device over the link for X2G. dbyte = element bytes (1 or 2).
struct Operator {
  OpClass cls = OpClass::FC;
  std::string name;
  std::string category;
  std::int64_t m = 1, n = 1, k = 1, num_op = 1;
  int dbyte = 2;
};

// Throws std::invalid_argument when a dimension is < 1, dbyte is not 1 or 2,
// or the shape is too large for exact byte counts (6 m n k num_op > 2^53).
void validate(const Operator& op);

// The chosen tiles: L1 (per SM, tk = 32) and L2 (tk2 = k/64).
struct Tiling {
  std::int64_t tm = 0, tn = 0, tk = 32;
  std::int64_t tm2 = 0, tn2 = 0;
  double tk2 = 0;
  std::int64_t threadblocks = 0;  // of the L1 tiling
  double util = 0;                // wave utilisation of the L1 tiling
};

// "tm/tn/tk/tm2/tn2/tk2"; tk2 printed as the shortest decimal that reads back
// exactly, with at least one digit after the point ("40.0", "0.015625").
std::string tiles_string(const Tiling& t);
// The shortest decimal text of x that reads back exactly (Python's repr:
// fixed notation with at least one decimal for 1e-4 <= |x| < 1e16).
std::string shortest_real(double x);

// Options. The defaults reproduce the artifact; `faithful_register_bytes`
// counts register traffic of every one of the num_op products (the artifact
// counts one).
struct Options {
  bool faithful_register_bytes = false;
};

struct OpResult {
  double flops = 0;
  double time_s = 0;
  double e_offchip_pJ = 0;
  double e_onchip_pJ = 0;
  std::optional<Tiling> tiles;  // none for G2G and X2G
  double compute_s = 0;         // compute roofline term
  double memory_s = 0;          // memory term (HBM traffic, fitted kernel or link)
  double hbm_bytes = 0;         // off-chip bytes (link bytes for G2G and X2G)
  // Of memory_s, the part that does not depend on the bytes: an element-wise
  // kernel's fitted floor (launch and setup; 0 for GEMMs and all-reduces).
  // The TLM platform adds it before the kernel's traffic, which its channels time.
  double fixed_s = 0;
  bool compute_bound = false;
};

// --- the pieces (exposed for tests and for other hosts of the same model) ---

// Bytes moved from the next level for output tiles tm x tn:
// [ceil(n/tn) m k + ceil(m/tm) n k + m n] * dbyte * num_op.
std::int64_t traffic_bytes(const Operator& op, std::int64_t tm, std::int64_t tn);
// Threadblocks of a tiling: ceil(m/tm) ceil(n/tn) num_op for FC, num_op otherwise.
std::int64_t threadblocks(const Operator& op, std::int64_t tm, std::int64_t tn);
// Wave utilisation nTB / (ceil(nTB / SMs) SMs).
double wave_utilisation(std::int64_t threadblocks, int sms);
// The L1 tile candidates {1,2,4,...,512} (before clipping to m, n).
const std::vector<std::int64_t>& l1_candidates();
// L1 search: first strict minimum of traffic / util^2 over the candidates
// (tm outer, tn inner), rejecting tiles whose (tm+tn) 32 dbyte + tm tn dbyte
// exceeds the L1 bytes per SM. Then the L2 search over multiples of the L1
// tile (and m, n themselves) under the L2 capacity. Throws std::invalid_argument
// if no L1 tile fits (an L1 smaller than one 1 x 1 x 32 tile).
Tiling search_tiles(const Host& h, const Operator& op);

// --- timing ---

// Times one operator on one GPU of a tensor-parallel group of `gpus` GPUs
// (gpus enters only the all-reduce: log2(gpus) hops). Energy is that GPU's.
OpResult time_operator(const Host& h, const Operator& op, int gpus, const Options& opt = {});
// Times a list; results in input order.
std::vector<OpResult> time_operators(const Host& h, const std::vector<Operator>& ops, int gpus,
                                     const Options& opt = {});

}  // namespace pimlab::gpu
