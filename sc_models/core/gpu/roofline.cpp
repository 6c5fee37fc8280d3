// The Pimba GPU roofline (system.md §1.4). Every formula cites its line of the
// specification; the numbers that are model constants (not host facts) are
// named here, host facts live in host.cpp.
#include "gpu/roofline.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <stdexcept>

namespace pimlab::gpu {

namespace {

// L1 tile depth and the L2 tile depth divisor (tk2 = k / 64, real division).
constexpr std::int64_t kL1TileK = 32;
constexpr double kL2TileKDivisor = 64.0;
// Upper bound of the exhaustive L2 search (candidate pairs).
constexpr double kMaxL2Pairs = 1e7;
// Register-level tiling used for the L1 energy term.
constexpr std::int64_t kRegisterTile = 16;

// Element-wise kernel fits (UPMEM LLM framework, measured on a 1555 GB/s GPU,
// scaled by 1555e9 / peak bandwidth): t[us] = slope * scale * bytes + floor.
constexpr double kFitReferenceBw = 1555e9;
struct Fit {
  double slope_us_per_byte;
  double floor_us;
  int tensor_passes;   // bytes = passes * m n num_op dbyte
  int flops_per_elem;  // FLOPs = flops_per_elem * m n num_op
};
constexpr Fit kSoftmaxFit{6.15e-7, 6.87, 2, 5};
constexpr Fit kNormFit{1.6e-6, 6.87, 3, 5};
constexpr Fit kActFit{4.47e-7, 8.29, 2, 8};

// All-reduce hop: 6060 ns + 0.009 ns per byte at 600 GB/s NVLink (scaled by
// 600e9 / NVLink bandwidth), at least bytes / (NVLink / 2).
constexpr double kHopFixedS = 6060e-9;
constexpr double kHopPerByteS = 0.009e-9;
constexpr double kHopReferenceBw = 600e9;

std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }

bool is_gemm(OpClass c) { return c == OpClass::FC || c == OpClass::MATMUL; }

const Fit& fit_of(OpClass c) {
  switch (c) {
    case OpClass::SOFTMAX: return kSoftmaxFit;
    case OpClass::NORM: return kNormFit;
    default: return kActFit;
  }
}

// FP8 doubling: int(2 / dbyte) -> 2 for 1-byte operands, 1 for 2-byte ones.
double precision_factor(int dbyte) { return dbyte == 1 ? 2.0 : 1.0; }

}  // namespace

const char* class_name(OpClass c) {
  switch (c) {
    case OpClass::FC: return "FC";
    case OpClass::MATMUL: return "MATMUL";
    case OpClass::SOFTMAX: return "SOFTMAX";
    case OpClass::NORM: return "NORM";
    case OpClass::ACT: return "ACT";
    case OpClass::G2G: return "G2G";
    case OpClass::X2G: return "X2G";
  }
  return "?";
}

std::vector<std::string> class_names() { return {"FC", "MATMUL", "SOFTMAX", "NORM", "ACT", "G2G", "X2G"}; }

OpClass parse_class(const std::string& s) {
  for (OpClass c : {OpClass::FC, OpClass::MATMUL, OpClass::SOFTMAX, OpClass::NORM, OpClass::ACT, OpClass::G2G, OpClass::X2G})
    if (s == class_name(c)) return c;
  std::string allowed;
  const auto names = class_names();
  for (std::size_t i = 0; i < names.size(); ++i) allowed += (i ? ", " : "") + names[i];
  const std::string why = s == "SU" ? " (SU is a PIM operator)" : "";
  throw std::invalid_argument("operator class '" + s + "' is unknown" + why + "; allowed: " + allowed);
}

void validate(const Operator& op) {
  auto dim = [](const char* key, std::int64_t v) {
    if (v < 1) throw std::invalid_argument(std::string(key) + " " + std::to_string(v) + " is out of range; allowed: an integer >= 1");
  };
  dim("m", op.m);
  dim("n", op.n);
  dim("k", op.k);
  dim("num_op", op.num_op);
  if (op.dbyte != 1 && op.dbyte != 2)
    throw std::invalid_argument("dbyte " + std::to_string(op.dbyte) + " is not supported; allowed: 1 or 2");
  // Every byte count is an integer below 6 m n k num_op; keep it exact in a double.
  const double limit = 9007199254740992.0;  // 2^53
  const double size = 6.0 * static_cast<double>(op.m) * static_cast<double>(op.n) * static_cast<double>(op.k) *
                      static_cast<double>(op.num_op);
  if (!(size <= limit))
    throw std::invalid_argument("shape m=" + std::to_string(op.m) + " n=" + std::to_string(op.n) + " k=" +
                                std::to_string(op.k) + " num_op=" + std::to_string(op.num_op) +
                                " is too large; allowed: 6*m*n*k*num_op <= 2^53");
}

std::string shortest_real(double x) {
  // Python's repr: the shortest text that reads back exactly, in fixed
  // notation with at least one decimal for 1e-4 <= |x| < 1e16.
  char buf[64];
  const double ax = std::fabs(x);
  if (std::isfinite(x) && (ax == 0 || (ax >= 1e-4 && ax < 1e16))) {
    for (int d = 1; d <= 20; ++d) {
      std::snprintf(buf, sizeof buf, "%.*f", d, x);
      if (std::strtod(buf, nullptr) == x) return buf;
    }
  }
  for (int prec = 1; prec <= 17; ++prec) {
    std::snprintf(buf, sizeof buf, "%.*g", prec, x);
    if (std::strtod(buf, nullptr) == x) break;
  }
  return buf;
}

std::string tiles_string(const Tiling& t) {
  return std::to_string(t.tm) + "/" + std::to_string(t.tn) + "/" + std::to_string(t.tk) + "/" + std::to_string(t.tm2) +
         "/" + std::to_string(t.tn2) + "/" + shortest_real(t.tk2);
}

std::int64_t traffic_bytes(const Operator& op, std::int64_t tm, std::int64_t tn) {
  const std::int64_t a = ceil_div(op.n, tn) * op.m * op.k;  // A re-read per column of tiles
  const std::int64_t b = ceil_div(op.m, tm) * op.n * op.k;  // B re-read per row of tiles
  const std::int64_t c = op.m * op.n;                       // C written once
  return (a + b + c) * op.dbyte * op.num_op;
}

std::int64_t threadblocks(const Operator& op, std::int64_t tm, std::int64_t tn) {
  const std::int64_t tb = op.cls == OpClass::FC ? ceil_div(op.m, tm) * ceil_div(op.n, tn) : 1;
  return tb * op.num_op;
}

double wave_utilisation(std::int64_t tb, int sms) {
  const std::int64_t waves = ceil_div(tb, sms);
  return static_cast<double>(tb) / static_cast<double>(waves * sms);
}

const std::vector<std::int64_t>& l1_candidates() {
  static const std::vector<std::int64_t> c{1, 2, 4, 8, 16, 32, 64, 128, 192, 256, 320, 384, 448, 512};
  return c;
}

Tiling search_tiles(const Host& h, const Operator& op) {
  validate(op);
  const double db = op.dbyte;
  // L1: first strict minimum of traffic / u^2, tm outer, tn inner.
  Tiling t;
  double best = std::numeric_limits<double>::infinity();
  bool found = false;
  for (std::int64_t cm : l1_candidates()) {
    const std::int64_t tm = std::min(cm, op.m);
    for (std::int64_t cn : l1_candidates()) {
      const std::int64_t tn = std::min(cn, op.n);
      const double need = static_cast<double>(tm + tn) * kL1TileK * db + static_cast<double>(tm * tn) * db;
      if (need > h.l1_bytes_per_sm) continue;
      const std::int64_t tb = threadblocks(op, tm, tn);
      const double u = wave_utilisation(tb, h.sms);
      // traffic x (1/u)^2, in this association, so that near-ties break as in the reference.
      const double inv_u = 1.0 / u;
      const double cost = static_cast<double>(traffic_bytes(op, tm, tn)) * (inv_u * inv_u);
      if (cost < best) {
        best = cost;
        found = true;
        t.tm = tm;
        t.tn = tn;
        t.threadblocks = tb;
        t.util = u;
      }
    }
  }
  if (!found)
    throw std::invalid_argument("host '" + h.name + "': no L1 tile fits in l1_bytes_per_sm " +
                                std::to_string(h.l1_bytes_per_sm));
  t.tk = kL1TileK;
  // L2: tk2 = k/64; candidates i * tm1 (i = 1..floor(m/tm1)) then m, likewise n;
  // capacity (tm2+tn2) tk2 dbyte + tm2 tn2 dbyte <= L2, the L1 tile itself
  // always allowed; first strict minimum of ceil(m/tm2) n k + ceil(n/tn2) m k + m n.
  t.tk2 = static_cast<double>(op.k) / kL2TileKDivisor;
  // The search is exhaustive over (m/tm1 + 1) x (n/tn1 + 1) pairs; real operator
  // shapes give a few thousand at most. Refuse degenerate ones instead of hanging.
  const double pairs = (static_cast<double>(op.m / t.tm) + 1.0) * (static_cast<double>(op.n / t.tn) + 1.0);
  if (pairs > kMaxL2Pairs)
    throw std::invalid_argument("shape m=" + std::to_string(op.m) + " n=" + std::to_string(op.n) + " with L1 tile " +
                                std::to_string(t.tm) + "x" + std::to_string(t.tn) +
                                " needs more than 1e7 L2 tile candidates; allowed: (m/tm+1)(n/tn+1) <= 1e7");
  auto candidates = [](std::int64_t dim, std::int64_t step) {
    std::vector<std::int64_t> v;
    for (std::int64_t i = 1; i <= dim / step; ++i) v.push_back(i * step);
    v.push_back(dim);
    return v;
  };
  const auto cms = candidates(op.m, t.tm);
  const auto cns = candidates(op.n, t.tn);
  std::int64_t best2 = std::numeric_limits<std::int64_t>::max();
  for (std::int64_t tm2 : cms) {
    for (std::int64_t tn2 : cns) {
      const bool is_l1 = tm2 == t.tm && tn2 == t.tn;
      const double need = static_cast<double>(tm2 + tn2) * t.tk2 * db + static_cast<double>(tm2) * static_cast<double>(tn2) * db;
      if (!is_l1 && need > h.l2_bytes) continue;
      const std::int64_t cost = ceil_div(op.m, tm2) * op.n * op.k + ceil_div(op.n, tn2) * op.m * op.k + op.m * op.n;
      if (cost < best2) {
        best2 = cost;
        t.tm2 = tm2;
        t.tn2 = tn2;
      }
    }
  }
  return t;
}

OpResult time_operator(const Host& h, const Operator& op, int gpus, const Options& opt) {
  validate(op);
  if (gpus < 1) throw std::invalid_argument("gpus " + std::to_string(gpus) + " is out of range; allowed: >= 1");
  const EnergyTable& e = h.energy;
  OpResult r;
  const double mnop = static_cast<double>(op.m) * static_cast<double>(op.n) * static_cast<double>(op.num_op);

  if (op.cls == OpClass::X2G) {
    // m n num_op dbyte bytes over the link to a PIM device (or back) at half
    // the link's bandwidth, each direction (attacc_pim.md §9: x2g = bytes /
    // (BW / 2)); energy at the link's pJ per byte.
    const double bytes = mnop * op.dbyte;
    r.time_s = bytes / (h.nvlink_bytes_per_s / 2.0);
    r.memory_s = r.time_s;
    r.hbm_bytes = bytes;
    r.e_offchip_pJ = bytes * e.link_pj_per_byte;
    return r;
  }
  if (op.cls == OpClass::G2G) {
    // One all-reduce of m n num_op dbyte bytes, log2(gpus) hops of
    // max(6060 ns + 0.009 ns/B * bytes * 600e9/BW, bytes / (BW/2)).
    const double bytes = mnop * op.dbyte;
    const double hop = std::max(kHopFixedS + kHopPerByteS * bytes * (kHopReferenceBw / h.nvlink_bytes_per_s),
                                bytes / (h.nvlink_bytes_per_s / 2.0));
    r.time_s = hop * std::log2(static_cast<double>(gpus));
    r.memory_s = r.time_s;
    // A single GPU has nothing to reduce: no transfer, no energy.
    r.hbm_bytes = gpus > 1 ? bytes : 0.0;
    r.e_offchip_pJ = r.hbm_bytes * e.hbm_pj_per_byte;
    return r;
  }

  const Tiling t = search_tiles(h, op);
  r.tiles = t;
  const double u = t.util;
  if (is_gemm(op.cls)) {
    r.flops = 2.0 * mnop * static_cast<double>(op.k);
  } else {
    r.flops = fit_of(op.cls).flops_per_elem * mnop;
  }
  // Compute = FLOPs / (peak * 0.8 * u * int(2/dbyte)).
  r.compute_s = r.flops / (h.peak_flops * h.max_compute_util * u * precision_factor(op.dbyte));

  if (is_gemm(op.cls)) {
    // Memory = HBM bytes of the L2 tiling / (BW * 0.85 * u).
    r.hbm_bytes = static_cast<double>(traffic_bytes(op, t.tm2, t.tn2));
    r.memory_s = r.hbm_bytes / (h.hbm_bytes_per_s * h.max_memory_util * u);
    // Energy: HBM at the L2 tiling, L2 at the L1 tiling, L1 at a 16 x 16
    // register tiling, registers 3 m n k (the artifact counts one of the
    // num_op products), ALU per FLOP/2.
    const double l2_bytes = static_cast<double>(traffic_bytes(op, t.tm, t.tn));
    const double l1_bytes = static_cast<double>(
        traffic_bytes(op, std::min(kRegisterTile, op.m), std::min(kRegisterTile, op.n)));
    double reg_bytes = 3.0 * static_cast<double>(op.m) * static_cast<double>(op.n) * static_cast<double>(op.k);
    if (opt.faithful_register_bytes) reg_bytes *= static_cast<double>(op.num_op);
    r.e_offchip_pJ = r.hbm_bytes * e.hbm_pj_per_byte;
    r.e_onchip_pJ = l2_bytes * e.l2_pj_per_byte + l1_bytes * e.l1_pj_per_byte + reg_bytes * e.reg_pj_per_byte +
                    r.flops / 2.0 * e.alu_pj_per_mac;
  } else {
    // Element-wise: fitted memory time; every level moves the same bytes.
    const Fit& f = fit_of(op.cls);
    const double bytes = f.tensor_passes * mnop * op.dbyte;
    r.hbm_bytes = bytes;
    r.memory_s = (f.slope_us_per_byte * (kFitReferenceBw / h.hbm_bytes_per_s) * bytes + f.floor_us) * 1e-6;
    r.fixed_s = f.floor_us * 1e-6;
    r.e_offchip_pJ = bytes * e.hbm_pj_per_byte;
    r.e_onchip_pJ = bytes * e.l2_pj_per_byte + bytes * e.l1_pj_per_byte + bytes * e.reg_pj_per_byte +
                    r.flops / 2.0 * e.alu_pj_per_mac;
  }
  r.compute_bound = r.compute_s >= r.memory_s;
  r.time_s = std::max(r.compute_s, r.memory_s);
  return r;
}

std::vector<OpResult> time_operators(const Host& h, const std::vector<Operator>& ops, int gpus, const Options& opt) {
  std::vector<OpResult> out;
  out.reserve(ops.size());
  for (const Operator& op : ops) out.push_back(time_operator(h, op, gpus, opt));
  return out;
}

}  // namespace pimlab::gpu
