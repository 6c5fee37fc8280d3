#include "firmware/cim_schedule/schedule.h"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>

namespace pimlab::firmware::cim_schedule {

namespace {
long long cdiv(long long a, long long b) { return (a + b - 1) / b; }
}  // namespace

PeConfig PeConfig::rram() { return PeConfig{}; }

PeConfig PeConfig::uclm() {
  PeConfig p;
  p.name = "uclm";
  p.rows = 64;
  p.cols = 64;
  p.cell_bits = 8;  // the 8 bit-plane arrays form one INT8 logical column
  p.diff = 1;       // two's-complement bit-planes, no differential pair
  p.t_mvm_ns = 8.0; // one input bit: 8 columns per ADC at 1 GHz -> T_MVM = 64 ns
  return p;
}

void PeConfig::validate() const {
  auto pos = [](const char* k, double v) {
    if (!(v > 0)) throw std::invalid_argument(std::string(k) + " " + std::to_string(v) + " must be > 0");
  };
  pos("rows", rows);
  pos("cols", cols);
  pos("cell_bits", cell_bits);
  pos("weight_bits", weight_bits);
  pos("diff", diff);
  pos("in_bits", in_bits);
  pos("a_bits", a_bits);
  pos("t_mvm_ns", t_mvm_ns);
  pos("bus_bytes", bus_bytes);
  pos("bus_cycle_ns", bus_cycle_ns);
  pos("gpeu_elems_per_ns", gpeu_elems_per_ns);
  pos("set_rows", set_rows);
  if (!(t_acc_ns >= 0)) throw std::invalid_argument("t_acc_ns must be >= 0");
}

namespace {
long long pes_of(const PeConfig& pe, long long r, long long c) {
  return cdiv(c * cdiv(pe.weight_bits, pe.cell_bits) * pe.diff, pe.cols) * cdiv(r, pe.rows);
}
}  // namespace

long long PeConfig::pes(const Node& n) const {
  if (!n.is_mvm()) return 0;
  // Attention: per head K^T (d_head x L) and V (L x d_head).
  if (n.type == NodeType::Attention)
    return n.heads * (pes_of(*this, n.weight_rows, n.weight_cols) + pes_of(*this, n.weight_cols, n.weight_rows));
  return pes_of(*this, n.weight_rows, n.weight_cols);
}

long long mvm_invocations(const Node& n) {
  if (n.type == NodeType::Dense) return 1;
  // RWTH convention: q K^T and A V each have seqLen invocations, repeat = heads.
  if (n.type == NodeType::Attention) return 2LL * n.heads * n.ofm.h;
  return n.is_mvm() ? static_cast<long long>(n.ofm.h) * n.ofm.w : 0;
}

double PeConfig::t_mvm_full_ns() const { return static_cast<double>(cdiv(a_bits, in_bits)) * t_mvm_ns; }

int n_sets(const Node& n, const PeConfig& pe) {
  if (n.type == NodeType::Dense) return 1;
  return static_cast<int>(cdiv(n.ofm.h, pe.set_rows));
}

namespace {
int set_rows_of(const Node& n, int set, const PeConfig& pe) {
  if (n.type == NodeType::Dense) return 1;
  const int r0 = set * pe.set_rows;
  return std::min(pe.set_rows, n.ofm.h - r0);
}
}  // namespace

double set_time_ns(const Network& net, int node, int set, const PeConfig& pe) {
  const Node& n = net.nodes[node];
  if (n.type == NodeType::Input) return 0;
  const int rows = set_rows_of(n, set, pe);
  if (n.is_mvm()) {
    // Attention: q K^T, then (after softmax) P V, one after the other per token row.
    const long long mvms = n.type == NodeType::Dense ? 1
                           : n.type == NodeType::Attention ? 2LL * rows
                                                           : static_cast<long long>(rows) * n.ofm.w;
    return static_cast<double>(mvms) * pe.t_mvm_full_ns() + pe.t_acc_ns;
  }
  return static_cast<double>(rows) * n.ofm.w * n.ofm.c / pe.gpeu_elems_per_ns;
}

double move_time_ns(const Network& net, int node, int set, const PeConfig& pe) {
  const Node& n = net.nodes[node];
  if (!pe.move || n.type == NodeType::Input) return 0;
  const double bytes = static_cast<double>(set_rows_of(n, set, pe)) * n.ofm.w * n.ofm.c;
  return std::ceil(bytes / pe.bus_bytes) * pe.bus_cycle_ns;
}

double busy_pe_ns(const Network& net, int node, int set, const PeConfig& pe) {
  const Node& n = net.nodes[node];
  if (!n.is_mvm()) return 0;
  const double mvm_time = set_time_ns(net, node, set, pe) - pe.t_acc_ns;
  // Attention: the K^T and the V arrays each run one of the two MVMs.
  if (n.type == NodeType::Attention) return static_cast<double>(pe.pes(n)) * mvm_time / 2.0;
  return static_cast<double>(pe.pes(n)) * mvm_time;
}

std::vector<std::pair<int, std::pair<int, int>>> producer_sets(const Network& net, int node, int set, const PeConfig& pe) {
  const Node& n = net.nodes[node];
  std::vector<std::pair<int, std::pair<int, int>>> out;
  const int j0 = set * pe.set_rows, j1 = std::min(n.ofm.h - 1, j0 + pe.set_rows - 1);
  for (int in : n.inputs) {
    const Node& p = net.nodes[in];
    const int H = p.ofm.h;
    int r0 = 0, r1 = H - 1;
    switch (n.type) {
      case NodeType::Conv:
      case NodeType::MaxPool:
      case NodeType::AvgPool:
        r0 = std::max(0, j0 * n.s - n.p_top);
        r1 = std::min(H - 1, j1 * n.s - n.p_top + n.k - 1);
        break;
      case NodeType::Dense:
      case NodeType::Attention:  // every K and V row is written before the first q K^T
        break;
      case NodeType::Add:
      case NodeType::Concat:
      case NodeType::Split:
        r0 = j0;
        r1 = j1;
        break;
      case NodeType::Upsample:
        r0 = j0 / n.f;
        r1 = j1 / n.f;
        break;
      case NodeType::Input:
        break;
    }
    if (r1 < r0) r1 = r0;  // a window entirely in the padding still waits for the edge row
    r0 = std::min(r0, H - 1);
    r1 = std::min(r1, H - 1);
    const int last_set = n_sets(p, pe) - 1;
    const int s0 = p.type == NodeType::Dense ? 0 : std::min(last_set, r0 / pe.set_rows);
    const int s1 = p.type == NodeType::Dense ? 0 : std::min(last_set, r1 / pe.set_rows);
    out.push_back({in, {s0, s1}});
  }
  return out;
}

long long min_pes(const Network& net, const PeConfig& pe) {
  long long s = 0;
  for (const Node& n : net.nodes) s += pe.pes(n);
  return s;
}

Schedule schedule(const Network& net, const PeConfig& pe, long long n_pe, bool cross_layer, const std::vector<int>& dup) {
  pe.validate();
  const long long need = min_pes(net, pe);
  if (n_pe < 1) throw std::invalid_argument("--pes " + std::to_string(n_pe) + " is out of range (at least 1)");
  if (n_pe < need)
    throw std::invalid_argument("--pes " + std::to_string(n_pe) + " cannot hold one copy of every layer of " + net.name + " (needs " +
                                std::to_string(need) + " " + pe.name + " PEs)");
  if (dup.size() != net.nodes.size()) throw std::invalid_argument("duplication vector does not match the network");
  Schedule s;
  s.cross_layer = cross_layer;
  s.dup = dup;
  s.n_pe = n_pe;
  s.sets.resize(net.nodes.size());
  double layer_barrier = 0;  // layer by layer: end of everything before
  for (std::size_t i = 0; i < net.nodes.size(); ++i) {
    const Node& n = net.nodes[i];
    const int ns = n_sets(n, pe);
    auto& sets = s.sets[i];
    sets.resize(static_cast<std::size_t>(ns));
    if (n.type == NodeType::Input) continue;  // available at time 0
    const int D = n.is_mvm() ? dup[i] : 1;
    if (D < 1) throw std::invalid_argument("layer '" + n.name + "' has " + std::to_string(D) + " copies");
    s.pes_used += pe.pes(n) * D;
    std::vector<double> copy_free(static_cast<std::size_t>(D), cross_layer ? 0.0 : layer_barrier);
    double prev_start = cross_layer ? 0.0 : layer_barrier;
    double layer_end = layer_barrier;
    for (int k = 0; k < ns; ++k) {
      double ready = prev_start;
      for (const auto& [in, range] : producer_sets(net, static_cast<int>(i), k, pe))
        for (int q = range.first; q <= range.second; ++q)
          ready = std::max(ready, s.sets[in][q].finish + move_time_ns(net, in, q, pe));
      int c = 0;
      for (int j = 1; j < D; ++j)
        if (copy_free[j] < copy_free[c]) c = j;
      const double start = std::max(ready, copy_free[c]);
      const double t = set_time_ns(net, static_cast<int>(i), k, pe);
      sets[k] = {start, start + t, c};
      copy_free[c] = start + t;
      prev_start = start;
      layer_end = std::max(layer_end, start + t);
      s.busy_pe_ns += busy_pe_ns(net, static_cast<int>(i), k, pe);
    }
    s.makespan_ns = std::max(s.makespan_ns, layer_end);
    if (!cross_layer) layer_barrier = layer_end;
  }
  if (s.pes_used > n_pe)
    throw std::invalid_argument("the duplication uses " + std::to_string(s.pes_used) + " PEs, more than the " + std::to_string(n_pe) + " available");
  s.utilisation = s.makespan_ns > 0 ? s.busy_pe_ns / (static_cast<double>(n_pe) * s.makespan_ns) : 0;
  return s;
}

std::vector<int> greedy_duplication(const Network& net, const PeConfig& pe, long long n_pe, Fill fill,
                                    std::vector<std::vector<int>>* trace) {
  std::vector<int> D(net.nodes.size(), 1);
  long long free_pe = n_pe - min_pes(net, pe);
  if (free_pe < 0)
    throw std::invalid_argument("--pes " + std::to_string(n_pe) + " cannot hold one copy of every layer of " + net.name + " (needs " +
                                std::to_string(min_pes(net, pe)) + " " + pe.name + " PEs)");
  auto tau = [&](std::size_t i) {
    const Node& n = net.nodes[i];
    return set_time_ns(net, static_cast<int>(i), 0, pe) * static_cast<double>(cdiv(n_sets(n, pe), D[i]));
  };
  for (;;) {
    std::vector<std::size_t> order;
    for (std::size_t i = 0; i < net.nodes.size(); ++i)
      if (net.nodes[i].is_mvm()) order.push_back(i);
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return tau(a) > tau(b); });
    bool grown = false;
    for (std::size_t i : order) {
      const bool fits = pe.pes(net.nodes[i]) <= free_pe && D[i] < n_sets(net.nodes[i], pe);
      if (fits) {
        ++D[i];
        free_pe -= pe.pes(net.nodes[i]);
        grown = true;
        break;
      }
      if (fill == Fill::Stop) break;
    }
    if (!grown) break;
    if (trace) trace->push_back(D);
  }
  return D;
}

Study study(const Network& net, const PeConfig& pe, long long n_pe, Fill fill) {
  Study st;
  st.n_pe = n_pe;
  st.min_pe = min_pes(net, pe);
  const std::vector<int> one(net.nodes.size(), 1);
  st.lbl = schedule(net, pe, n_pe, false, one);
  st.xl = schedule(net, pe, n_pe, true, one);
  const std::vector<int> D = greedy_duplication(net, pe, n_pe, fill);
  st.lbl_dup = schedule(net, pe, n_pe, false, D);
  st.xl_dup = schedule(net, pe, n_pe, true, D);
  return st;
}

std::string gantt_svg(const Network& net, const Schedule& s) {
  const double W = 1200, row_h = 14, left = 120;
  const double H = 40 + row_h * static_cast<double>(net.nodes.size());
  const double scale = s.makespan_ns > 0 ? (W - left - 10) / s.makespan_ns : 1;
  std::ostringstream o;
  o << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << W << "\" height=\"" << H << "\" font-family=\"monospace\" font-size=\"10\">\n";
  o << "<text x=\"4\" y=\"14\">" << net.name << (s.cross_layer ? " cross-layer" : " layer-by-layer") << ", makespan "
    << s.makespan_ns / 1000.0 << " us, utilisation " << s.utilisation << "</text>\n";
  for (std::size_t i = 0; i < net.nodes.size(); ++i) {
    const double y = 24 + row_h * static_cast<double>(i);
    o << "<text x=\"4\" y=\"" << y + 10 << "\">" << net.nodes[i].name << "</text>\n";
    const char* colour = net.nodes[i].is_mvm() ? "#3a6ea5" : "#a5a53a";
    for (const SetTime& t : s.sets[i]) {
      if (t.finish <= t.start) continue;
      o << "<rect x=\"" << left + t.start * scale << "\" y=\"" << y + 1 << "\" width=\"" << std::max(0.5, (t.finish - t.start) * scale)
        << "\" height=\"" << row_h - 2 << "\" fill=\"" << colour << "\" fill-opacity=\"0.6\"/>\n";
    }
  }
  o << "</svg>\n";
  return o.str();
}

}  // namespace pimlab::firmware::cim_schedule
