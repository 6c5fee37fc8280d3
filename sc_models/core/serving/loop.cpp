#include "serving/loop.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <deque>
#include <stdexcept>
#include <string>

namespace pimlab::serving {

namespace fc = firmware::compiler;

namespace {

std::string gib(double bytes) {
  char b[64];
  std::snprintf(b, sizeof b, "%.3f GiB", bytes / (1024.0 * 1024.0 * 1024.0));
  return b;
}

}  // namespace

RunResult serve(Backend& backend, const workload::Requests& reqs, const LoopOptions& o, const std::vector<int>* pinned) {
  if (o.max_batch < 1) throw std::invalid_argument("max batch " + std::to_string(o.max_batch) + " must be >= 1");
  if (o.prefill_chunk < 0) throw std::invalid_argument("prefill chunk must be >= 0");
  if (pinned && pinned->size() != reqs.size()) throw std::invalid_argument("pinned channels: one per request");
  const int channels = backend.kv_channels();
  if (channels > 0 && !o.placement && !pinned)
    throw std::invalid_argument("the system pins requests to channels: a placement is required");

  RunResult r;
  r.requests.resize(reqs.size());
  for (std::size_t i = 0; i < reqs.size(); ++i) {
    const auto& q = reqs[i];
    if (q.input_tokens < 1 || q.output_tokens < 1) throw std::invalid_argument("request " + std::to_string(i) + ": token counts must be >= 1");
    if (i && q.arrival_s < reqs[i - 1].arrival_s) throw std::invalid_argument("requests must be in arrival order");
    RequestRecord& rec = r.requests[i];
    rec.arrival_s = q.arrival_s;
    rec.input = static_cast<std::int64_t>(q.input_tokens);
    rec.output = static_cast<std::int64_t>(q.output_tokens);
    if (pinned) {
      rec.channel = (*pinned)[i];
      if (channels > 0 && (rec.channel < 0 || rec.channel >= channels))
        throw std::invalid_argument("request " + std::to_string(i) + ": channel " + std::to_string(rec.channel) +
                                    " out of range (the system has " + std::to_string(channels) + ")");
    }
  }
  auto final_len = [&](std::size_t i) { return r.requests[i].input + r.requests[i].output - 1; };

  // A request that cannot fit even alone is an error before anything runs.
  if (o.request_bytes && channels == 0 && o.capacity_bytes > 0) {
    for (std::size_t i = 0; i < reqs.size(); ++i) {
      const double need = o.request_bytes(final_len(i));
      if (need > o.capacity_bytes)
        throw std::invalid_argument("request " + std::to_string(i) + " needs " + gib(need) + " of KV/state at length " +
                                    std::to_string(final_len(i)) + " but only " + gib(o.capacity_bytes) +
                                    " is free after the weights (short by " + gib(need - o.capacity_bytes) + ")");
    }
  }
  std::optional<fc::Placer> placer;
  if (channels > 0 && o.placement) placer.emplace(*o.placement);

  std::size_t next = 0;           // next request to admit
  std::vector<std::size_t> live;  // admitted, not finished (admission order)
  double used = 0;                // reserved bytes (no pinned channels)
  std::vector<std::int64_t> prefilled(reqs.size(), 0);
  double t = 0;

  auto admit = [&]() {
    std::vector<std::size_t> fresh;
    while (next < reqs.size() && r.requests[next].arrival_s <= t &&
           static_cast<std::int64_t>(live.size() + fresh.size()) < o.max_batch) {
      if (o.request_bytes && channels == 0 && o.capacity_bytes > 0) {
        const double need = o.request_bytes(final_len(next));
        if (used + need > o.capacity_bytes) break;  // waits for memory
        used += need;
      }
      fresh.push_back(next++);
    }
    if (placer && !pinned && !fresh.empty()) {
      std::vector<fc::Resident> res;
      for (std::size_t i : live) {
        fc::Resident x;
        x.seq_len = static_cast<std::uint64_t>(r.requests[i].input + std::max<std::int64_t>(0, r.requests[i].generated - 1));
        x.channel = static_cast<std::uint32_t>(r.requests[i].channel);
        x.reserve_len = static_cast<std::uint64_t>(final_len(i));
        res.push_back(x);
      }
      std::vector<fc::NewRequest> nr;
      for (std::size_t i : fresh) nr.push_back({static_cast<std::uint64_t>(r.requests[i].input), static_cast<std::uint64_t>(final_len(i))});
      const fc::Placement p = placer->place(res, nr, live.empty() ? fc::OnFull::throw_error : fc::OnFull::leave_unplaced);
      std::size_t kept = 0;
      for (std::size_t j = 0; j < fresh.size(); ++j) {
        if (p.channel[j] == fc::kUnplaced) break;  // later requests wait in order
        r.requests[fresh[j]].channel = static_cast<int>(p.channel[j]);
        ++kept;
      }
      if (kept < fresh.size()) {
        next = fresh[kept];
        fresh.resize(kept);
      }
    }
    for (std::size_t i : fresh) {
      r.requests[i].admitted_s = t;
      live.push_back(i);
      if (!o.prefill) {
        prefilled[i] = r.requests[i].input;
        r.requests[i].first_token_s = t;
        r.requests[i].generated = 1;
      }
    }
  };
  auto finish = [&](std::size_t i) {
    r.requests[i].finish_s = t;
    if (o.request_bytes && channels == 0 && o.capacity_bytes > 0) used -= o.request_bytes(final_len(i));
  };
  auto stopped = [&]() { return o.stop && o.stop->load(); };

  while (next < reqs.size() || !live.empty()) {
    if (stopped()) {
      r.interrupted = true;
      break;
    }
    if (o.max_iterations > 0 && r.decode_iterations >= o.max_iterations) {
      r.truncated = true;
      break;
    }
    admit();
    // Requests whose output is a single token are done after their prompt.
    for (auto it = live.begin(); it != live.end();) {
      if (prefilled[*it] == r.requests[*it].input && r.requests[*it].generated >= r.requests[*it].output) {
        finish(*it);
        it = live.erase(it);
      } else {
        ++it;
      }
    }
    if (live.empty()) {
      if (next < reqs.size()) {
        if (r.requests[next].arrival_s > t) {
          t = r.requests[next].arrival_s;
        } else {
          throw std::invalid_argument("request " + std::to_string(next) + " can never be admitted (its KV/state does not fit)");
        }
      }
      continue;
    }
    // Prefill of the admitted requests whose prompt is not done.
    std::vector<PrefillChunk> chunks;
    std::vector<std::size_t> chunk_of;
    for (std::size_t i : live) {
      const std::int64_t left = r.requests[i].input - prefilled[i];
      if (left <= 0) continue;
      const std::int64_t q = o.prefill_chunk > 0 ? std::min(left, o.prefill_chunk) : left;
      chunks.push_back({q, prefilled[i] + q, r.requests[i].channel});
      chunk_of.push_back(i);
    }
    if (!chunks.empty()) {
      IterationCost c;
      try {
        c = backend.prefill(chunks);
      } catch (const IterationInterrupted&) {
        r.interrupted = true;
        break;
      }
      r.prefill.add(c);
      ++r.prefill_iterations;
      t += c.time_s;
      for (std::size_t j = 0; j < chunks.size(); ++j) {
        const std::size_t i = chunk_of[j];
        prefilled[i] += chunks[j].tokens;
        if (prefilled[i] == r.requests[i].input) {
          r.requests[i].first_token_s = t;
          r.requests[i].generated = 1;
        }
      }
      continue;  // a prefill iteration; decode in the next one (no mixing)
    }
    // One decode step of every live request.
    std::vector<DecodeRequest> batch;
    batch.reserve(live.size());
    for (std::size_t i : live) batch.push_back({r.requests[i].input + r.requests[i].generated, r.requests[i].channel});
    IterationCost c;
    try {
      c = backend.decode(batch);
    } catch (const IterationInterrupted&) {
      r.interrupted = true;
      break;
    }
    r.decode.add(c);
    ++r.decode_iterations;
    r.decode_tokens += static_cast<std::int64_t>(batch.size());
    r.iteration_times.push_back(c.time_s);
    r.iteration_batch.push_back(static_cast<std::int64_t>(batch.size()));
    r.peak_batch = std::max<std::int64_t>(r.peak_batch, static_cast<std::int64_t>(batch.size()));
    t += c.time_s;
    for (auto it = live.begin(); it != live.end();) {
      RequestRecord& rec = r.requests[*it];
      ++rec.generated;
      if (rec.generated >= rec.output) {
        finish(*it);
        it = live.erase(it);
      } else {
        ++it;
      }
    }
    if (o.progress) o.progress(r.decode_iterations, t, r.decode_tokens);
  }
  r.end_s = t;
  return r;
}

}  // namespace pimlab::serving
