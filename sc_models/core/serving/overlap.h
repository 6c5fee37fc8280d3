// The `overlap` execution mode's scheduler (docs/serving.md, "Execution
// modes"): a deterministic list scheduler of dependency chains of operators on
// four resources -- the host (GPU), the host's HBM channels, the PIM units and
// the CIM tiles.
//
// Each chain (one sub-batch's operators of one decode step, layer by layer in
// graph order) runs in order: an operator starts when its predecessor in the
// chain has ended and its resources are free. Every step places, among the
// chains' next operators, the one that can start earliest (ties: the lower
// chain index); a resource runs its segments in placement order (no back-fill).
//
// - A PIM kernel holds the PIM units for its time and, when the PIM sits in the
//   host's channels and blocks their host traffic (Pimba family: all-bank mode
//   holds every channel; Newton: the single row buffer), the channels too.
//   A kernel may carry a host share h (the NPU systems' attention stage: the
//   NPU's softmax and partial-sum adds of the kernel's results, compute only,
//   which the serial costing runs beside the kernel from the stage's start):
//   it runs on the host from the later of the kernel's start and the host
//   being free, for h, and the operator ends when both its parts have (with
//   the host free at its start: after max(T, h), the serial stage).
// - A host operator holds the host for its time T, of which its memory part M
//   (the roofline's memory term, <= T) needs the channels; only the rest,
//   T - M, can run while a PIM kernel holds them. When the channels are free
//   at its start the memory part goes first (freeing them soonest); when a
//   kernel holds them, the compute part goes first and the memory part waits
//   for the channels, the host held meanwhile (its kernel is resident).
// - A CIM operator (the platform's CIM tiles: a softmax, or an FFN block whose
//   weights the tiles hold) holds the CIM tiles for its time and nothing else:
//   the tiles receive their inputs and keep their own weights, so the host and
//   a PIM kernel can run meanwhile (the GPU-CIM transfers are not timed).
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace pimlab::serving {

// How host and PIM work of one iteration are composed: `serial` (they take
// turns), `interleaved` (NeuPIMs sub-batch stages A-F), `overlap` (sub-batch
// chains as the dependencies and resources allow, this scheduler).
enum class ExecMode { serial, interleaved, overlap };
const char* mode_name(ExecMode m);
// Throws std::invalid_argument naming the value and the allowed ones.
ExecMode parse_mode(const std::string& s);

struct OverlapOp {
  bool pim = false;      // a PIM kernel; otherwise a host operator (or, with `cim`, a CIM operator)
  double time_s = 0;     // host: the operator's time T; PIM: the kernel's time
  double memory_s = 0;   // host: the part needing the channels (clamped to [0, T]); PIM: unused
  double host_s = 0;     // PIM: its host share h (0: none); host: unused
  bool cim = false;      // a CIM operator (pim false): holds the CIM tiles for time_s
};

struct OverlapSlot {
  double start_s = 0, end_s = 0;                // the operator's span
  double channel_start_s = 0, channel_end_s = 0;  // host: its memory part; PIM: its kernel on the PIM units; CIM: none (equal)
  double host_start_s = 0, host_end_s = 0;        // PIM: its host share (equal: none); host, CIM: unused
};

struct OverlapSchedule {
  std::vector<std::vector<OverlapSlot>> slots;  // per chain, per operator
  double makespan_s = 0;
};

// `shared_channels`: PIM kernels hold the host's channels (Pimba family,
// Newton); false for PIM with memory of its own (AttAcc devices). Throws
// std::invalid_argument on a negative time or an operator both PIM and CIM.
OverlapSchedule schedule_overlap(const std::vector<std::vector<OverlapOp>>& chains, bool shared_channels);

// Time spans of a schedule, [start, end) in seconds.
using Spans = std::vector<std::pair<double, double>>;
// Sorted, with overlapping spans merged into one (touching ones stay apart).
Spans merge_spans(Spans v);
// The part of [a, b] that `disjoint` (sorted, disjoint: merge_spans) covers:
// how the back-ends charge an operator only for the time no other resource's
// work covers.
double covered_time(const Spans& disjoint, double a, double b);

// `--sub-batches auto`: the back-ends' sub-batch count 0 means "chosen per
// decode iteration": each candidate count S (those <= the batch size) is
// costed by the overlap path with S fixed, and the one with the shortest
// iteration time is kept (ties: the smaller S).
inline constexpr int kSubBatchesAuto = 0;
// The candidates, ascending; those not above `batch` (at least {1}).
std::vector<int> auto_sub_batch_candidates(std::size_t batch);
// "auto" for kSubBatchesAuto, else the count.
std::string sub_batches_name(int sub_batches);
// One candidate in auto's waveform comment: "S=2 0.0123 s" (%.9g seconds).
std::string auto_candidate_note(int sub_batches, double time_s);

// Auto's choice, for both back-ends: `run(S)` for each candidate count of
// `batch`, ascending; returns the result with the shortest `time_of(result)`
// (ties: the smaller S), sets `chosen` to its S and `note` to the waveform
// comment naming it and every candidate's time.
template <class Result, class Run, class TimeOf>
Result choose_sub_batches(std::size_t batch, Run run, TimeOf time_of, int& chosen, std::string& note) {
  Result best{};
  std::string times;
  chosen = 0;
  for (const int s : auto_sub_batch_candidates(batch)) {
    Result r = run(s);
    times += (times.empty() ? "" : ", ") + auto_candidate_note(s, time_of(r));
    if (chosen == 0 || time_of(r) < time_of(best)) {
      best = std::move(r);
      chosen = s;
    }
  }
  note = "sub-batches auto: S=" + std::to_string(chosen) + " chosen of " + times;
  return best;
}

}  // namespace pimlab::serving
