#include "serving/overlap.h"

#include <algorithm>
#include <cstdio>
#include <limits>
#include <stdexcept>

namespace pimlab::serving {

Spans merge_spans(Spans v) {
  std::sort(v.begin(), v.end());
  Spans m;
  for (const auto& p : v) {
    if (!m.empty() && p.first < m.back().second)
      m.back().second = std::max(m.back().second, p.second);
    else
      m.push_back(p);
  }
  return m;
}

double covered_time(const Spans& disjoint, double a, double b) {
  double x = 0;
  auto it = std::upper_bound(disjoint.begin(), disjoint.end(), a,
                             [](double t, const std::pair<double, double>& p) { return t < p.second; });
  for (; it != disjoint.end() && it->first < b; ++it) x += std::min(b, it->second) - std::max(a, it->first);
  return x;
}

const char* mode_name(ExecMode m) {
  switch (m) {
    case ExecMode::serial: return "serial";
    case ExecMode::interleaved: return "interleaved";
    case ExecMode::overlap: return "overlap";
  }
  return "?";
}

ExecMode parse_mode(const std::string& s) {
  for (ExecMode m : {ExecMode::serial, ExecMode::interleaved, ExecMode::overlap})
    if (s == mode_name(m)) return m;
  throw std::invalid_argument("mode '" + s + "' is not one of serial, interleaved, overlap");
}

std::vector<int> auto_sub_batch_candidates(std::size_t batch) {
  std::vector<int> c;
  for (int s : {1, 2, 4, 8})
    if (s == 1 || static_cast<std::size_t>(s) <= batch) c.push_back(s);
  return c;
}

std::string sub_batches_name(int sub_batches) {
  return sub_batches == kSubBatchesAuto ? "auto" : std::to_string(sub_batches);
}

std::string auto_candidate_note(int sub_batches, double time_s) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "S=%d %.9g s", sub_batches, time_s);
  return buf;
}

OverlapSchedule schedule_overlap(const std::vector<std::vector<OverlapOp>>& chains, bool shared_channels) {
  OverlapSchedule s;
  s.slots.resize(chains.size());
  for (std::size_t i = 0; i < chains.size(); ++i) {
    for (const OverlapOp& op : chains[i])
      if (!(op.time_s >= 0) || !(op.memory_s >= 0) || !(op.host_s >= 0))
        throw std::invalid_argument("overlap schedule: operator with a negative or undefined time");
      else if (op.pim && op.cim)
        throw std::invalid_argument("overlap schedule: an operator is a PIM kernel or a CIM operator, not both");
    s.slots[i].reserve(chains[i].size());
  }
  double host_free = 0, channels_free = 0, pim_free = 0, cim_free = 0;
  std::vector<std::size_t> next(chains.size(), 0);
  std::vector<double> ready(chains.size(), 0);  // end of each chain's last placed operator
  for (;;) {
    // The chain whose next operator can start earliest.
    std::size_t best = chains.size();
    double best_start = std::numeric_limits<double>::infinity();
    for (std::size_t i = 0; i < chains.size(); ++i) {
      if (next[i] >= chains[i].size()) continue;
      const OverlapOp& op = chains[i][next[i]];
      const double start = op.pim   ? std::max({ready[i], pim_free, shared_channels ? channels_free : 0.0})
                           : op.cim ? std::max(ready[i], cim_free)
                                    : std::max(ready[i], host_free);
      if (start < best_start) {
        best_start = start;
        best = i;
      }
    }
    if (best == chains.size()) break;
    const OverlapOp& op = chains[best][next[best]];
    OverlapSlot slot;
    slot.start_s = best_start;
    if (op.cim) {  // the tiles only: no channels, no host
      slot.end_s = best_start + op.time_s;
      slot.channel_start_s = slot.channel_end_s = best_start;
      slot.host_start_s = slot.host_end_s = best_start;
      cim_free = slot.end_s;
    } else if (op.pim) {
      slot.end_s = best_start + op.time_s;
      slot.channel_start_s = slot.start_s;
      slot.channel_end_s = slot.end_s;
      pim_free = slot.end_s;
      if (shared_channels) channels_free = slot.end_s;
      slot.host_start_s = slot.host_end_s = best_start;
      if (op.host_s > 0) {  // the host share, when the host is free
        slot.host_start_s = std::max(best_start, host_free);
        slot.host_end_s = slot.host_start_s + op.host_s;
        host_free = slot.host_end_s;
        slot.end_s = std::max(slot.end_s, slot.host_end_s);
      }
    } else {
      const double m = std::min(op.memory_s, op.time_s);
      if (m <= 0) {  // no off-chip traffic: the channels are not needed
        slot.channel_start_s = slot.channel_end_s = best_start;
        slot.end_s = best_start + op.time_s;
      } else if (channels_free <= best_start) {  // memory part first, then the compute-only rest
        slot.channel_start_s = best_start;
        slot.channel_end_s = best_start + m;
        slot.end_s = best_start + op.time_s;
      } else {  // compute-only part while the channels are held, then the memory part
        slot.channel_start_s = std::max(best_start + (op.time_s - m), channels_free);
        slot.channel_end_s = slot.channel_start_s + m;
        slot.end_s = slot.channel_end_s;
      }
      if (m > 0) channels_free = slot.channel_end_s;
      host_free = slot.end_s;
    }
    ready[best] = slot.end_s;
    s.makespan_s = std::max(s.makespan_s, slot.end_s);
    s.slots[best].push_back(slot);
    ++next[best];
  }
  return s;
}

}  // namespace pimlab::serving
