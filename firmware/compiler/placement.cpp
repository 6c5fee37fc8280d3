#include "firmware/compiler/placement.h"

#include <algorithm>
#include <numeric>
#include <utility>

namespace pimlab::firmware::compiler {

namespace {
std::uint64_t ceil_div(std::uint64_t a, std::uint64_t b) { return a / b + (a % b != 0); }
}  // namespace

// ---- load estimate ----------------------------------------------------------------------------

std::uint64_t NeupimsLoadEstimate::operator()(std::uint64_t seq_len) const {
  const std::uint64_t ck = ceil_div(e_tp, page_elems);                 // q.K^T chunks (GWRITEs)
  const std::uint64_t tk = ceil_div(seq_len, banks);                   // GEMV rows per chunk
  const std::uint64_t cv = ceil_div(seq_len, page_elems) * pv_heads;   // p.V chunks (GWRITEs)
  const std::uint64_t tv = ceil_div(d_head, banks);                    // GEMV rows per chunk
  return ck * gwrite_cycles + ck * tk * gemv_cycles + cv * gwrite_cycles + cv * tv * gemv_cycles;
}

namespace {
NeupimsLoadEstimate make_estimate(std::uint64_t n_embd, std::uint64_t n_heads, std::uint64_t tp, bool all_heads) {
  if (n_embd == 0 || n_heads == 0 || tp == 0 || n_embd % n_heads != 0 || n_heads % tp != 0)
    throw std::invalid_argument("load estimate: n_embd " + std::to_string(n_embd) + ", n_heads " +
                                std::to_string(n_heads) + ", tp " + std::to_string(tp) +
                                ": need n_heads | n_embd and tp | n_heads, all >= 1");
  NeupimsLoadEstimate e;
  e.d_head = n_embd / n_heads;
  e.e_tp = n_embd / tp;
  e.pv_heads = all_heads ? n_heads : n_heads / tp;
  return e;
}
}  // namespace

NeupimsLoadEstimate NeupimsLoadEstimate::faithful(std::uint64_t n_embd, std::uint64_t n_heads, std::uint64_t tp) {
  return make_estimate(n_embd, n_heads, tp, false);
}

NeupimsLoadEstimate NeupimsLoadEstimate::trace_generator(std::uint64_t n_embd, std::uint64_t n_heads, std::uint64_t tp) {
  return make_estimate(n_embd, n_heads, tp, true);
}

// ---- footprint --------------------------------------------------------------------------------

std::uint64_t KvFootprint::bytes(std::uint64_t seq_len) const {
  std::uint64_t b = fixed_bytes;
  for (const auto& s : streams) b += ceil_div(seq_len, s.tokens_per_granule) * s.bytes_per_granule;
  return b;
}

KvFootprint KvFootprint::linear(std::uint64_t kv_bytes_per_token, std::uint64_t fixed_bytes) {
  KvFootprint f;
  if (kv_bytes_per_token > 0) f.streams.push_back({1, kv_bytes_per_token});
  f.fixed_bytes = fixed_bytes;
  return f;
}

KvFootprint KvFootprint::neupims_tiles(std::uint64_t e_tp, std::uint64_t layers, std::uint64_t elem_bytes,
                                       std::uint64_t banks, std::uint64_t row_bytes) {
  if (e_tp == 0 || layers == 0 || elem_bytes == 0 || banks == 0 || row_bytes < elem_bytes)
    throw std::invalid_argument("NeuPIMs KV footprint: every dimension must be >= 1 (and a row >= one element)");
  const std::uint64_t row_elems = row_bytes / elem_bytes;
  const std::uint64_t tile = banks * row_bytes;
  KvFootprint f;
  f.streams.push_back({banks, ceil_div(e_tp, row_elems) * tile * layers});      // keys
  f.streams.push_back({row_elems, ceil_div(e_tp, banks) * tile * layers});      // values
  return f;
}

std::uint64_t kv_capacity_per_channel(std::uint64_t channel_bytes, std::uint32_t channels, std::uint64_t weight_bytes) {
  if (channels == 0) throw std::invalid_argument("KV capacity: 0 channels");
  const std::uint64_t total = channel_bytes * channels;
  if (total / channels != channel_bytes) throw std::invalid_argument("KV capacity: memory size overflows 64 bits");
  if (weight_bytes >= total)
    throw std::invalid_argument("KV capacity: the weights (" + std::to_string(weight_bytes) + " B) fill all " +
                                std::to_string(channels) + " channels of " + std::to_string(channel_bytes) +
                                " B; no room is left for KV caches");
  return (total - weight_bytes) / channels;
}

// ---- placement --------------------------------------------------------------------------------

CapacityError::CapacityError(std::size_t req, std::uint64_t needed, std::uint64_t best_free, std::uint32_t best_ch,
                             std::uint64_t capacity, std::uint32_t channels)
    : std::invalid_argument("capacity: request " + std::to_string(req) + " needs " + std::to_string(needed) +
                            " B of KV/state memory but fits on none of the " + std::to_string(channels) +
                            " channels: the most free one (channel " + std::to_string(best_ch) + ") has " +
                            std::to_string(best_free) + " B free of " + std::to_string(capacity) + " B, " +
                            std::to_string(needed - best_free) + " B short"),
      request(req),
      needed_bytes(needed),
      best_free_bytes(best_free),
      best_channel(best_ch) {}

Placer::Placer(PlacementConfig cfg) : m_cfg(std::move(cfg)) {
  if (m_cfg.channels == 0) throw std::invalid_argument("placement: 0 channels");
  if (m_cfg.policy == Policy::greedy && !m_cfg.load)
    throw std::invalid_argument("placement: greedy balancing needs a load estimate");
}

void Placer::set_next_channel(std::uint32_t ch) {
  if (ch >= m_cfg.channels)
    throw std::invalid_argument("placement: channel " + std::to_string(ch) + " out of range [0, " +
                                std::to_string(m_cfg.channels - 1) + "]");
  m_next = ch;
}

namespace {
struct ChannelState {
  std::vector<std::uint64_t> load, used;
};

ChannelState residents_state(const PlacementConfig& cfg, const std::vector<Resident>& residents) {
  ChannelState s{std::vector<std::uint64_t>(cfg.channels, 0), std::vector<std::uint64_t>(cfg.channels, 0)};
  for (std::size_t i = 0; i < residents.size(); ++i) {
    const auto& r = residents[i];
    if (r.channel >= cfg.channels)
      throw std::invalid_argument("placement: resident " + std::to_string(i) + " is on channel " +
                                  std::to_string(r.channel) + ", out of range [0, " +
                                  std::to_string(cfg.channels - 1) + "]");
    if (cfg.load) s.load[r.channel] += cfg.load(r.seq_len);
    s.used[r.channel] += cfg.footprint.bytes(r.reserve_len ? r.reserve_len : r.seq_len);
  }
  return s;
}

std::uint64_t free_bytes(const PlacementConfig& cfg, std::uint64_t used) {
  return used >= cfg.capacity_bytes ? 0 : cfg.capacity_bytes - used;
}
}  // namespace

Placement Placer::place(const std::vector<Resident>& residents, const std::vector<NewRequest>& fresh, OnFull on_full) {
  ChannelState st = residents_state(m_cfg, residents);
  const std::uint32_t C = m_cfg.channels;

  std::vector<std::size_t> order(fresh.size());
  std::iota(order.begin(), order.end(), 0);
  if (m_cfg.policy == Policy::greedy) {
    // Descending seq_len; among equal lengths the later request first (a stable ascending sort,
    // reversed, as the NeuPIMs trace generator does).
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      if (fresh[a].seq_len != fresh[b].seq_len) return fresh[a].seq_len > fresh[b].seq_len;
      return a > b;
    });
  }

  Placement out;
  out.channel.assign(fresh.size(), kUnplaced);
  std::uint32_t next = m_next;
  for (std::size_t idx : order) {
    const NewRequest& r = fresh[idx];
    const std::uint64_t need = m_cfg.footprint.bytes(r.reserve_len ? r.reserve_len : r.seq_len);
    const std::uint64_t est = m_cfg.load ? m_cfg.load(r.seq_len) : 0;
    std::uint32_t chosen = kUnplaced;
    if (m_cfg.policy == Policy::round_robin) {
      for (std::uint32_t k = 0; k < C; ++k) {
        const std::uint32_t ch = static_cast<std::uint32_t>((static_cast<std::uint64_t>(next) + k) % C);
        if (need <= free_bytes(m_cfg, st.used[ch])) {
          chosen = ch;
          break;
        }
      }
    } else {
      for (std::uint32_t ch = 0; ch < C; ++ch)
        if (need <= free_bytes(m_cfg, st.used[ch]) && (chosen == kUnplaced || st.load[ch] < st.load[chosen]))
          chosen = ch;
    }
    if (chosen == kUnplaced) {
      if (on_full == OnFull::leave_unplaced) continue;
      std::uint32_t best = 0;
      for (std::uint32_t ch = 1; ch < C; ++ch)
        if (free_bytes(m_cfg, st.used[ch]) > free_bytes(m_cfg, st.used[best])) best = ch;
      throw CapacityError(idx, need, free_bytes(m_cfg, st.used[best]), best, m_cfg.capacity_bytes, C);
    }
    out.channel[idx] = chosen;
    out.order.push_back(idx);
    st.load[chosen] += est;
    st.used[chosen] += need;
    if (m_cfg.policy == Policy::round_robin) next = (chosen + 1) % C;
  }
  m_next = next;
  out.load = std::move(st.load);
  out.used_bytes = std::move(st.used);
  return out;
}

void check_capacity(const PlacementConfig& cfg, const std::vector<Resident>& residents) {
  const ChannelState st = residents_state(cfg, residents);
  std::uint32_t worst = 0;
  for (std::uint32_t ch = 1; ch < cfg.channels; ++ch)
    if (st.used[ch] > st.used[worst]) worst = ch;
  if (st.used[worst] > cfg.capacity_bytes)
    throw std::invalid_argument("capacity: channel " + std::to_string(worst) + " holds " +
                                std::to_string(st.used[worst]) + " B of KV/state memory, " +
                                std::to_string(st.used[worst] - cfg.capacity_bytes) + " B more than its " +
                                std::to_string(cfg.capacity_bytes) + " B");
}

// ---- sub-batches ------------------------------------------------------------------------------

SubBatches split_sub_batches(const std::vector<std::uint32_t>& channel_of, std::uint32_t channels) {
  std::vector<std::vector<std::size_t>> queue(channels);
  for (std::size_t i = 0; i < channel_of.size(); ++i) {
    if (channel_of[i] >= channels)
      throw std::invalid_argument("sub-batch split: request " + std::to_string(i) + " is on channel " +
                                  std::to_string(channel_of[i]) + ", out of range [0, " +
                                  std::to_string(channels == 0 ? 0 : channels - 1) + "]");
    queue[channel_of[i]].push_back(i);
  }
  SubBatches sb;
  bool larger_first = true;
  for (const auto& q : queue) {
    std::size_t n1 = q.size() / 2;
    if (q.size() % 2 != 0) {
      if (larger_first) ++n1;
      larger_first = !larger_first;
    }
    sb.first.insert(sb.first.end(), q.begin(), q.begin() + static_cast<std::ptrdiff_t>(n1));
    sb.second.insert(sb.second.end(), q.begin() + static_cast<std::ptrdiff_t>(n1), q.end());
  }
  return sb;
}

PlacementConfig neupims_placement(Policy policy, std::uint32_t channels, std::uint64_t capacity_bytes,
                                  std::uint64_t hidden, std::uint64_t heads, std::uint64_t layers,
                                  std::uint64_t tp, std::uint64_t pp) {
  if (tp < 1 || pp < 1) throw std::invalid_argument("tp and pp must be >= 1");
  PlacementConfig pc;
  pc.policy = policy;
  pc.channels = channels;
  pc.capacity_bytes = capacity_bytes;
  pc.footprint = KvFootprint::neupims_tiles(hidden / tp, layers / pp);
  pc.load = NeupimsLoadEstimate::faithful(hidden, heads, tp);
  return pc;
}

}  // namespace pimlab::firmware::compiler
