#include "serving/neupims_backend.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "firmware/compiler/npu_program.h"
#include "firmware/compiler/npu_run.h"
#include "firmware/compiler/placement.h"
#include "firmware/neupims/streams.h"
#include "model/graph.h"
#include "npu/gemm.h"
#include "npu/vector.h"
#include "pim/newton_controller.h"
#include "serving/overlap.h"

namespace pimlab::serving {

namespace {

using i64 = std::int64_t;
using npu::Cycle;

constexpr int kDHead = 128;            // NeuPIMs' PIM layout is built for d_head 128 (neupims_pim.md §9)
constexpr int kBlockBytes = 64;        // one DRAM request (BL4 x 128 bit)
constexpr int kBlocksPerRow = 16;      // consecutive blocks of a channel in one 1 KB row
constexpr int kBanks = 32;
constexpr int kNpuFirstRow = 16384;    // rows of the NPU's striped stream (weights, activations)
constexpr int kRows = 32768;
constexpr int kWriteDelay = 6;         // WL + burst (neupims_pim.md §1)
constexpr int kReadDelay = 16;         // RL + burst
// Tags of the NPU's transactions in a channel run: kMemTag + their index in the stream.
constexpr std::uint64_t kMemTag = std::uint64_t{1} << 48;

i64 ceil_div(i64 a, i64 b) { return (a + b - 1) / b; }

// ---------------------------------------------------------------------------------------------
// NPU programs.

using firmware::compiler::NpuOp;
using firmware::compiler::NpuOpKind;
using Program = std::vector<NpuOp>;

using Transfer = firmware::compiler::RecordingDma::Entry;
using RecordDma = firmware::compiler::RecordingDma;

// Serves the k-th transfer of the program when the channels have completed
// the stream transactions up to its last block (`last[k]`, -1: none).
class CurveDma : public firmware::compiler::ProgramDma {
 public:
  CurveDma(const std::vector<i64>& last, const std::vector<Cycle>& done) : m_last(last), m_done(done) {}
  Cycle transfer(const npu::Transfer&, Cycle issue) override { return next(issue); }
  Cycle raw(i64, bool, Cycle issue) override { return next(issue); }

 private:
  Cycle next(Cycle issue) {
    const i64 k = m_last.at(m_i++);
    if (k < 0) return issue;
    return std::max(issue, m_done.at(static_cast<std::size_t>(k)));
  }
  const std::vector<i64>& m_last;
  const std::vector<Cycle>& m_done;
  std::size_t m_i = 0;
};

using firmware::compiler::ProgramRun;

// The operations of one stage that the CIM tiles take over (docs/serving.md
// "CIM tiles"), removed from its NPU program by take_cim: the NPU waits for
// the tiles where the first of them stood (the operations after it need their
// results), so the wait is part of the program's timeline and its traffic
// after the wait reaches the channels later.
struct CimWork {
  bool any = false;
  std::size_t pos = 0;  // index in the remaining program of the first operation after the wait
  std::string name, category;
  serving::CimOpCost cost;  // one device's chip
};

// Softmax placement: every softmax of the program (one per request: heads
// rows of its KV length) as one layer of rows on the chip. FFN placement:
// each ffn_1 .. ffn_2 run (the GEMMs and the activation between them) as one
// FFN block of the GEMM's token rows.
CimWork take_cim(Program& p, serving::CimPlacement& cp) {
  CimWork w;
  Program keep;
  auto first = [&](const NpuOp& op, const char* name) {
    if (w.any) return;
    w.any = true;
    w.pos = keep.size();
    w.name = name;
    w.category = op.category;
  };
  if (cp.system().place == serving::CimPlace::softmax) {
    std::vector<i64> lens;
    i64 heads = 0;
    for (const NpuOp& op : p) {
      if (op.kind == NpuOpKind::vector && op.vop == npu::VectorOp::softmax) {
        first(op, "softmax");
        lens.push_back(op.n);
        heads = op.rows;
      } else {
        keep.push_back(op);
      }
    }
    if (w.any) w.cost = cp.softmax_layer(lens, heads);
  } else if (cp.system().place == serving::CimPlace::ffn) {
    for (std::size_t i = 0; i < p.size(); ++i) {
      if (p[i].kind != NpuOpKind::gemm || p[i].name != "ffn_1") {
        keep.push_back(p[i]);
        continue;
      }
      std::size_t j = i + 1;
      while (j < p.size() && p[j].name != "ffn_2") ++j;
      if (j == p.size()) throw std::logic_error("NPU program: ffn_1 without ffn_2");
      first(p[i], "ffn_1+act+ffn_2");
      w.cost.add(cp.ffn_layer(p[i].shape.m));
      i = j;
    }
  }
  p.swap(keep);
  return w;
}

// Runs fn(0) .. fn(n - 1) on `threads` threads (the caller one of them),
// each index once, and returns when all are done; the first exception is
// rethrown. Used by the channel runs of a stage (RunSet) and by the
// lockstep, whose channels advance independently between the program's
// transfers; results do not depend on the thread count.
// The lockstep meets its helpers some 10 000 times per iteration, mostly for
// short spans of work: a helper (and the caller waiting for the helpers)
// first polls for up to kSpin before it sleeps on the condition variable,
// which saves the wake-up latency of the common case and bounds the CPU time
// it can take from other processes.
class WorkerPool {
 public:
  explicit WorkerPool(int threads) {
    for (int t = 1; t < threads; ++t) m_helpers.emplace_back([this] { serve(); });
  }
  ~WorkerPool() {
    {
      std::lock_guard<std::mutex> g(m_mu);
      m_stop.store(true);
    }
    m_wake.notify_all();
    for (auto& t : m_helpers) t.join();
  }
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  void run(std::size_t n, const std::function<void(std::size_t)>& fn) {
    if (m_helpers.empty() || n < 2) {
      for (std::size_t i = 0; i < n; ++i) fn(i);
      return;
    }
    {
      std::lock_guard<std::mutex> g(m_mu);
      m_fn = &fn;
      m_n = n;
      m_next.store(0);
      m_busy.store(m_helpers.size());
      m_error = nullptr;
      m_generation.fetch_add(1);
    }
    m_wake.notify_all();
    work();
    if (!poll([this] { return m_busy.load() == 0; })) {
      std::unique_lock<std::mutex> g(m_mu);
      m_done.wait(g, [this] { return m_busy.load() == 0; });
    }
    std::lock_guard<std::mutex> g(m_mu);
    m_fn = nullptr;
    if (m_error) std::rethrow_exception(m_error);
  }

 private:
  static constexpr std::chrono::microseconds kSpin{50};
  // Polls `ready` for up to kSpin; true when it held.
  template <class Ready>
  static bool poll(Ready ready) {
    const auto until = std::chrono::steady_clock::now() + kSpin;
    for (unsigned k = 0;; ++k) {
      if (ready()) return true;
      if ((k & 63) == 63 && std::chrono::steady_clock::now() >= until) return false;
      std::this_thread::yield();
    }
  }
  void work() {
    for (std::size_t i; (i = m_next.fetch_add(1)) < m_n;) {
      try {
        (*m_fn)(i);
      } catch (...) {
        std::lock_guard<std::mutex> g(m_mu);
        if (!m_error) m_error = std::current_exception();
        m_next.store(m_n);  // the others stop taking work
      }
    }
  }
  void serve() {
    std::uint64_t seen = 0;
    for (;;) {
      const auto fresh = [&] { return m_stop.load() || m_generation.load() != seen; };
      if (!poll(fresh)) {
        std::unique_lock<std::mutex> g(m_mu);
        m_wake.wait(g, fresh);
      }
      if (m_stop.load()) return;
      {
        std::lock_guard<std::mutex> g(m_mu);  // m_fn and m_n as the caller set them
        seen = m_generation.load();
      }
      work();
      if (m_busy.fetch_sub(1) == 1) {
        std::lock_guard<std::mutex> g(m_mu);
        m_done.notify_one();
      }
    }
  }
  std::vector<std::thread> m_helpers;
  std::mutex m_mu;
  std::condition_variable m_wake, m_done;
  const std::function<void(std::size_t)>* m_fn = nullptr;
  std::size_t m_n = 0;
  std::atomic<std::size_t> m_next{0};
  std::atomic<std::size_t> m_busy{0};
  std::atomic<std::uint64_t> m_generation{0};
  std::atomic<bool> m_stop{false};
  std::exception_ptr m_error;
};

}  // namespace

struct NeupimsBackend::Impl {
  const NeupimsOptions& o;
  firmware::compiler::ProgramTimer timer;  // the NPU programs' timing (firmware/compiler/npu_run.h)
  WorkerPool pool;                          // o.threads threads for the channel runs and the lockstep
  // Channel runs keyed on their exact inputs.
  struct ChannelRun {
    // Faithful: mem_done[k] = the cycle by which the NPU transactions 0..k of
    // the channel's stream have all completed (each at its own response:
    // READ issue + read delay, a WRITE when the controller accepts it, posted).
    // Artifact-compatible: the completion cycle of the k-th finished
    // transaction, whichever it is (the artifact counts responses).
    std::vector<Cycle> mem_done;
    Cycle pim_end = 0;            // last PIM response (0: no PIM work)
    Cycle end = 0;                // counters.cycles
    double pim_pj = 0, dram_pj = 0, background_pj = 0;
    std::uint64_t refreshes = 0;
    // Faithful mode: the channel as its run left it (idle), to run it on to
    // the stage's end (idle_tail_pj).
    std::shared_ptr<const pim::NewtonChannel> state;
  };
  std::map<std::string, ChannelRun> cache;
  std::uint64_t* hits;
  std::uint64_t* runs;
  std::uint64_t* late;  // NpuIssue::own: transfers issued after the channels had passed their cycle

  Impl(const NeupimsOptions& opt, std::uint64_t* h, std::uint64_t* r, std::uint64_t* l)
      : o(opt), timer(opt.npu), pool(std::max(1, opt.threads)), hits(h), runs(r), late(l) {}

  pim::PimType flavour() const {
    switch (o.system) {
      case NeupimsSystem::npu_only: return pim::PimType::Dram;
      case NeupimsSystem::npu_pim: return pim::PimType::Single;
      case NeupimsSystem::neupims: return pim::PimType::Dual;
    }
    return pim::PimType::Dual;
  }
  i64 width() const { return o.model.heads / o.tp * o.model.head_dim; }  // E_tp
  i64 heads_tp() const { return o.model.heads / o.tp; }
  int eb() const { return o.npu.element_bytes; }

  // ---- program timing -----------------------------------------------------------------------
  // NPU cycles of the wait for the CIM tiles: their time rounded up to whole
  // cycles (the 1e-12 keeps a whole number of cycles that the division leaves
  // a rounding error above from becoming one more).
  Cycle cim_cycles(const CimWork& w) const {
    return w.any ? static_cast<Cycle>(std::ceil(w.cost.time_s / o.npu.cycle_s() * (1 - 1e-12))) : 0;
  }

  ProgramRun run_program(const Program& p, firmware::compiler::ProgramDma& dma, const CimWork* cim = nullptr) {
    if (!cim || !cim->any) return timer.run(p, dma);
    const firmware::compiler::ProgramWait w{cim->pos, cim_cycles(*cim), cim->category};
    return timer.run(p, dma, 0, &w);
  }

  // ---- channel streams ----------------------------------------------------------------------
  // The NPU's stream on one channel: 64 B blocks striped over the channels
  // (block i -> channel i mod channels, neupims_pim.md §10.1); this channel
  // gets the first channel's (the largest) share; 16 consecutive blocks of the
  // channel share a row, then the bank changes. last[k] = index of the last
  // transaction of transfer k (-1 if it adds none).
  struct MemStream {
    std::vector<bool> write;  // per transaction
    std::vector<i64> last;    // per transfer
  };
  MemStream mem_stream(const std::vector<Transfer>& log) const {
    MemStream s;
    i64 total = 0, have = 0;
    for (const Transfer& t : log) {
      total += t.bytes;
      const i64 blocks = ceil_div(total, kBlockBytes);
      const i64 mine = ceil_div(blocks, o.channels);
      for (; have < mine; ++have) s.write.push_back(t.write);
      s.last.push_back(mine > 0 ? mine - 1 : -1);
    }
    // A transfer that added no block to this channel is ready when the previous one is.
    for (std::size_t k = 1; k < s.last.size(); ++k)
      if (s.last[k] == s.last[k - 1] && s.last[k] >= 0) s.last[k] = -1;
    return s;
  }
  static std::string stream_key(const MemStream& m) {
    std::string k;
    k.reserve(m.write.size() / 8 + 16);
    // Run-length code of the read/write pattern.
    std::size_t i = 0;
    while (i < m.write.size()) {
      std::size_t j = i;
      while (j < m.write.size() && m.write[j] == m.write[i]) ++j;
      k += (m.write[i] ? "w" : "r") + std::to_string(j - i);
      i = j;
    }
    return k;
  }

  void append_mem(pim::NewtonWorkload& w, const MemStream& m, int ch) const {
    w.mem.reserve(m.write.size());
    for (std::size_t v = 0; v < m.write.size(); ++v) {
      const i64 col = static_cast<i64>(v) % kBlocksPerRow;
      const i64 bank = (static_cast<i64>(v) / kBlocksPerRow) % kBanks;
      const i64 row = kNpuFirstRow + (static_cast<i64>(v) / (kBlocksPerRow * kBanks)) % (kRows - kNpuFirstRow);
      const std::uint64_t a = pim::normal_addr(ch, static_cast<int>(bank / 16), static_cast<int>((bank / 4) % 4),
                                               static_cast<int>(bank % 4), static_cast<int>(row), static_cast<int>(col));
      w.mem.push_back(pim::make_txn(m.write[v] ? pim::TxnType::Write : pim::TxnType::Read, a));
      w.mem.back().tag = kMemTag + v;
    }
  }

  // The PIM attention of the requests `lens` on channel `ch`: every request's
  // q.K^T, then every request's p.V (softmax on the NPU in between), each
  // request on its own K / V rows.
  void append_pim(pim::NewtonWorkload& w, const std::vector<i64>& lens, int ch) const {
    const pim::NewtonWorkload x = firmware::neupims::channel_attention(lens, flavour(), static_cast<int>(width()), ch);
    w.pim.insert(w.pim.end(), x.pim.begin(), x.pim.end());
  }

  // NPU reads in flight per channel: the DMA's max_outstanding shared by the
  // channels (0: unlimited, the whole stream is offered at once as in the artifact).
  i64 window() const {
    return o.npu.dma.max_outstanding > 0 ? ceil_div(o.npu.dma.max_outstanding, o.channels) : 0;
  }
  // run_newton's driver (each cycle: the PIM stream while the memory accepts,
  // then the NPU stream, then one clock) with at most window() NPU reads in
  // flight; a read leaves the window when its data return (READ issue + 16),
  // a write when the memory accepts it (posted).
  pim::NewtonCounters run_windowed(const pim::NewtonOptions& no, const pim::NewtonWorkload& w,
                                   std::vector<pim::NewtonIssued>* trace,
                                   std::vector<pim::NewtonChannel::Response>* responses,
                                   std::unique_ptr<pim::NewtonChannel>* end_state) const {
    pim::NewtonChannel ch(no);
    ch.set_trace(trace);
    ch.set_response_sink(responses);
    std::size_t ip = 0, im = 0, seen = 0, working = 0;  // working: commands other than REF and PRE
    i64 in_flight = 0;
    std::deque<std::uint64_t> returns;  // data-return cycles of issued READs
    const i64 win = window();
    std::uint64_t last_progress = 0, last_seen = 0;
    for (;;) {
      while (ip < w.pim.size() && ch.will_accept(w.pim[ip])) ch.add(w.pim[ip++]);
      while (im < w.mem.size() && in_flight < win && ch.will_accept(w.mem[im])) {
        if (w.mem[im].type == pim::TxnType::Read) ++in_flight;
        ch.add(w.mem[im++]);
      }
      ch.tick();
      for (; seen < trace->size(); ++seen) {
        const pim::NewtonClass cls = (*trace)[seen].cls;
        if (cls == pim::NewtonClass::READ) returns.push_back((*trace)[seen].cycle + kReadDelay);
        if (cls != pim::NewtonClass::REF && cls != pim::NewtonClass::PRE) ++working;
      }
      while (!returns.empty() && returns.front() <= ch.clk()) {
        returns.pop_front();
        --in_flight;
      }
      if (ip == w.pim.size() && im == w.mem.size() && ch.outstanding() == 0) break;
      // Refresh alone is no progress (as in run_newton).
      const std::uint64_t progress = working + ip + im + ch.counters().responses;
      if (progress != last_seen) {
        last_seen = progress;
        last_progress = ch.clk();
      }
      const auto stalled = [&] {
        if (ch.clk() - last_progress > 200000)
          throw std::runtime_error("neupims back-end: channel without progress for 200000 cycles at cycle " +
                                   std::to_string(ch.clk()));
      };
      stalled();
      // Idle cycles of the channel (pim/newton_controller.h), up to the next
      // data return that frees a window slot.
      if (no.event_skip) {
        std::uint64_t until = std::min(ch.idle_until(), last_progress + 200001);
        if (!returns.empty()) until = std::min(until, returns.front());
        ch.skip_to(until);
        while (!returns.empty() && returns.front() <= ch.clk()) {
          returns.pop_front();
          --in_flight;
        }
        stalled();
      }
    }
    if (end_state) {
      ch.set_trace(nullptr);
      ch.set_response_sink(nullptr);
      *end_state = std::make_unique<pim::NewtonChannel>(std::move(ch));
    }
    return ch.counters();
  }

  // keep: the issued commands (a traced run).
  ChannelRun run_channel(const std::vector<i64>& lens, const MemStream& m, int ch,
                         std::vector<pim::NewtonIssued>* keep = nullptr) {
    pim::NewtonWorkload w;
    append_pim(w, lens, ch);
    append_mem(w, m, ch);
    const pim::NewtonOptions no{flavour(), o.artifact_compatible};
    std::vector<pim::NewtonIssued> trace;
    // A PIM stream alone ends with its last response (summarize): its
    // commands are needed only when kept (or by the windowed driver).
    std::vector<pim::NewtonIssued>* tr = m.write.empty() && !keep && window() == 0 ? nullptr : &trace;
    std::vector<pim::NewtonChannel::Response> resp;  // faithful mode's per-transaction completions
    std::vector<pim::NewtonChannel::Response>* rs = o.artifact_compatible ? nullptr : &resp;
    std::unique_ptr<pim::NewtonChannel> state;
    std::unique_ptr<pim::NewtonChannel>* keep_state = o.artifact_compatible ? nullptr : &state;
    const pim::NewtonCounters c =
        window() > 0 ? run_windowed(no, w, tr, rs, keep_state) : pim::run_newton(no, w, tr, rs, keep_state);
    ChannelRun r = summarize(c, trace, resp, m, keep);
    r.state = std::move(state);
    return r;
  }

  // Faithful mode: the DRAM energy (background, refresh) of a channel whose
  // run ended before the stage did, from its run's end to DRAM cycle `until`
  // (the stage's end), or over `cycles` more than its end. A channel in the
  // state `r` left it is run on idle (pim::run_idle_until); no state (no run:
  // a channel without work in the stage): a fresh channel from cycle 0.
  double idle_tail_pj(const ChannelRun* r, std::uint64_t until) const {
    pim::NewtonChannel ch = r && r->state ? *r->state : pim::NewtonChannel(pim::NewtonOptions{flavour(), false});
    return idle_on_pj(ch, until);
  }
  // Runs an idle channel on to DRAM cycle `until`; returns the energy it adds.
  static double idle_on_pj(pim::NewtonChannel& ch, std::uint64_t until) {
    const double e0 = ch.counters().energy_pj;
    pim::run_idle_until(ch, until);
    return ch.counters().energy_pj - e0;
  }
  // NPU cycles per DRAM cycle (the channels' 1 GHz command clock), and the
  // conversions: the first DRAM cycle at or after NPU cycle `npu`, the first
  // NPU cycle at or after DRAM cycle `dram`.
  double npu_per_dram() const { return static_cast<double>(o.npu.clock_mhz) / 1000.0; }
  std::uint64_t dram_cycle_at(Cycle npu) const {
    return static_cast<std::uint64_t>(std::ceil(static_cast<double>(npu) / npu_per_dram() - 1e-9));
  }
  Cycle npu_cycle_at(std::uint64_t dram) const {
    return static_cast<Cycle>(std::ceil(static_cast<double>(dram) * npu_per_dram()));
  }
  // The stage's end in DRAM cycles: the later of the NPU program's end and
  // the last PIM response.
  std::uint64_t stage_end_dram(Cycle npu_end, Cycle pim_end) const {
    return std::max<std::uint64_t>(dram_cycle_at(npu_end), static_cast<std::uint64_t>(pim_end));
  }
  double idle_tail_pj_for(const ChannelRun& r, std::uint64_t cycles) const {
    return r.state ? idle_tail_pj(&r, r.state->clk() + cycles) : 0.0;
  }

  // A channel run's figures from its counters, issued commands and responses.
  ChannelRun summarize(const pim::NewtonCounters& c, std::vector<pim::NewtonIssued>& trace,
                       const std::vector<pim::NewtonChannel::Response>& resp, const MemStream& m,
                       std::vector<pim::NewtonIssued>* keep) const {
    ChannelRun r;
    r.end = static_cast<Cycle>(c.cycles);
    for (const pim::NewtonIssued& x : trace) {
      switch (x.cls) {
        case pim::NewtonClass::READ:
          if (o.artifact_compatible) r.mem_done.push_back(static_cast<Cycle>(x.cycle) + kReadDelay);
          break;
        case pim::NewtonClass::WRITE:
          if (o.artifact_compatible) r.mem_done.push_back(static_cast<Cycle>(x.cycle) + kWriteDelay);
          break;
        case pim::NewtonClass::READRES:
          r.pim_end = std::max<Cycle>(r.pim_end, static_cast<Cycle>(x.cycle) + kReadDelay + 1);
          break;
        case pim::NewtonClass::COMPS_READRES: {
          // Faithful: the results are read after the MACs, 2 max(nc, 6) cycles
          // (docs/pim_protocols.md quirk 1); artifact: at issue + 16.
          const Cycle mac = o.artifact_compatible ? 0 : 2 * std::max<Cycle>(x.arg, 6);
          r.pim_end = std::max<Cycle>(r.pim_end, static_cast<Cycle>(x.cycle) + mac + kReadDelay + 1);
          break;
        }
        case pim::NewtonClass::GWRITE:
          r.pim_end = std::max<Cycle>(r.pim_end, static_cast<Cycle>(x.cycle) + 96 + 1);
          break;
        default: break;
      }
    }
    if (m.write.empty()) r.pim_end = r.end;  // PIM alone: the last response is the run's end
    if (o.artifact_compatible) {
      std::sort(r.mem_done.begin(), r.mem_done.end());
      // Writes may complete in the front end (posted) without a WRITE command yet.
      while (r.mem_done.size() < m.write.size()) r.mem_done.push_back(r.end);
    } else {
      r.mem_done.assign(m.write.size(), r.end);
      for (const pim::NewtonChannel::Response& x : resp)
        if (x.tag >= kMemTag && x.tag - kMemTag < r.mem_done.size())
          r.mem_done[static_cast<std::size_t>(x.tag - kMemTag)] = static_cast<Cycle>(x.cycle);
      for (std::size_t k = 1; k < r.mem_done.size(); ++k) r.mem_done[k] = std::max(r.mem_done[k], r.mem_done[k - 1]);
    }
    r.pim_pj = c.pim_pj();
    r.dram_pj = c.energy_pj - r.pim_pj;
    r.background_pj = c.background_pj;
    r.refreshes = c.num_ref_cmds;
    if (keep) *keep = std::move(trace);
    return r;
  }

  // ---- the NPU's own issue (NpuIssue::own) ----------------------------------------------------
  // The stage's channels (the NPU stream alone, for the channels without PIM
  // work, and each channel with PIM work with its PIM stream and the NPU
  // stream) advanced together with the NPU program: a transfer's
  // transactions enter the channels at the DRAM cycle the program issues it
  // (at once if the channels are already past it: a late issue, as the
  // platform's DMA posts it), and the program waits for a transfer until
  // every channel has answered all of its transactions. Each cycle a channel
  // takes the PIM stream while it accepts, then the released NPU
  // transactions in issue order, then ticks (run_newton's order).
  struct LockChannel {
    pim::NewtonChannel ch;
    pim::NewtonWorkload w;  // the PIM stream, and the NPU stream tagged kMemTag + index
    std::size_t ip = 0;
    std::deque<std::size_t> ready;  // released NPU transactions not yet taken
    i64 in_flight = 0;              // NPU reads taken whose data have not returned (the DMA window)
    std::vector<std::uint64_t> done;  // per NPU transaction: its response cycle (kNever: none yet)
    std::vector<std::size_t> left;    // per transfer: its transactions not answered yet
    std::vector<pim::NewtonChannel::Response> resp;
    std::size_t seen = 0;
    // The issued commands: every one when `all`, else only those summarize()
    // reads in faithful mode (the PIM results' READRES, COMPS_READRES and
    // GWRITE), the others dropped as they issue; `issued` counts them all.
    std::vector<pim::NewtonIssued> trace;
    bool all = true;
    std::size_t kept = 0, issued = 0;
    explicit LockChannel(const pim::NewtonOptions& no) : ch(no) {
      ch.set_trace(&trace);
      ch.set_response_sink(&resp);
    }
  };
  static constexpr std::uint64_t kNever = ~std::uint64_t{0};

  class LockstepDma : public firmware::compiler::ProgramDma {
   public:
    LockstepDma(const Impl& im, const MemStream& ms, WorkerPool& pool)
        : m_im(im), m_ms(ms), m_pool(pool), m_window(im.window()) {
      // The stream transactions of each transfer: [first[k], last[k]].
      std::size_t next = 0;
      m_transfer_of.resize(ms.write.size());
      for (std::size_t k = 0; k < ms.last.size(); ++k) {
        m_first.push_back(next);
        m_size.push_back(0);
        if (ms.last[k] < 0) continue;
        for (; next <= static_cast<std::size_t>(ms.last[k]); ++next) m_transfer_of[next] = k;
        m_size.back() = static_cast<std::size_t>(ms.last[k]) + 1 - m_first.back();
      }
    }
    LockChannel& add_channel(const std::vector<i64>& lens, int ch) {
      auto c = std::make_unique<LockChannel>(pim::NewtonOptions{m_im.flavour(), false});
      m_im.append_pim(c->w, lens, ch);
      m_im.append_mem(c->w, m_ms, ch);
      c->done.assign(c->w.mem.size(), kNever);
      c->left = m_size;
      m_ch.push_back(std::move(c));
      return *m_ch.back();
    }
    LockChannel& channel(std::size_t i) { return *m_ch[i]; }

    Cycle transfer(const npu::Transfer&, Cycle issue) override { return wait(release(issue), issue); }
    Cycle post(const npu::Transfer& t, Cycle issue) override {
      m_posted[t.id] = {release(issue), issue};
      return npu::kPending;
    }
    Cycle complete(const npu::Transfer& t) override {
      const auto [k, issue] = m_posted.at(t.id);
      return wait(k, issue);
    }
    Cycle raw(i64, bool, Cycle issue) override { return wait(release(issue), issue); }
    Cycle post_raw(i64, bool, Cycle issue, int tag) override {
      m_raw[tag] = {release(issue), issue};
      return npu::kPending;
    }
    Cycle complete_raw(int tag) override {
      const auto [k, issue] = m_raw.at(tag);
      return wait(k, issue);
    }
    std::uint64_t late() const { return m_late; }

    // After the program: every channel runs to its end (its PIM stream done).
    void drain() {
      m_pool.run(m_ch.size(), [&](std::size_t i) {
        LockChannel& c = *m_ch[i];
        advance(c, [&] { return c.ip == c.w.pim.size() && c.ready.empty() && c.ch.outstanding() == 0; }, kNever);
      });
    }

   private:
    // The program's next transfer (in program order) goes out at NPU cycle
    // `issue`: the channels are brought to that DRAM cycle and take its
    // transactions. Returns its index.
    std::size_t release(Cycle issue) {
      const std::size_t k = m_next++;
      const i64 last = m_ms.last.at(k);
      if (last < 0) return k;
      const std::uint64_t at = m_im.dram_cycle_at(issue);
      // A response handed back in the tick that ends at cycle t is the
      // transfer's completion at t - 1: one cycle past is no lateness.
      bool late_here = false, behind = false;
      for (auto& c : m_ch) {
        late_here = late_here || c->ch.clk() > at + 1;
        behind = behind || c->ch.clk() < at;
      }
      if (behind)
        m_pool.run(m_ch.size(), [&](std::size_t i) {
          LockChannel& c = *m_ch[i];
          advance(c, [&] { return c.ch.clk() >= at; }, at);
        });
      for (auto& c : m_ch)
        for (std::size_t v = m_first[k]; v <= static_cast<std::size_t>(last); ++v) c->ready.push_back(v);
      m_late += late_here;
      return k;
    }
    // Transfer k is complete when every channel has answered its transactions.
    Cycle wait(std::size_t k, Cycle issue) {
      const i64 last = m_ms.last.at(k);
      if (last < 0) return issue;
      if (std::any_of(m_ch.begin(), m_ch.end(), [&](const auto& c) { return c->left[k] != 0; }))
        m_pool.run(m_ch.size(), [&](std::size_t i) {
          LockChannel& c = *m_ch[i];
          advance(c, [&] { return c.left[k] == 0; }, kNever);
        });
      std::uint64_t end = 0;
      for (auto& c : m_ch)
        for (std::size_t v = m_first[k]; v <= static_cast<std::size_t>(last); ++v) end = std::max(end, c->done[v]);
      return std::max(issue, m_im.npu_cycle_at(end));
    }
    // Ticks channel c until `until` holds; bound < kNever: a wait for that
    // clock (no stall check, no skip past it).
    template <class Pred>
    void advance(LockChannel& c, Pred until, std::uint64_t bound) {
      std::uint64_t last_progress = c.ch.clk(), last_seen = ~std::uint64_t{0};
      while (!until()) {
        while (c.ip < c.w.pim.size() && c.ch.will_accept(c.w.pim[c.ip])) c.ch.add(c.w.pim[c.ip++]);
        // At most window() NPU reads in flight (0: no limit), as run_windowed.
        while (!c.ready.empty() && (m_window == 0 || c.in_flight < m_window) &&
               c.ch.will_accept(c.w.mem[c.ready.front()])) {
          if (c.w.mem[c.ready.front()].type == pim::TxnType::Read) ++c.in_flight;
          c.ch.add(c.w.mem[c.ready.front()]);
          c.ready.pop_front();
        }
        c.ch.tick();
        if (c.trace.size() > c.kept) {
          for (std::size_t i = c.kept; i < c.trace.size(); ++i) {
            ++c.issued;
            const pim::NewtonClass k = c.trace[i].cls;
            if (c.all || k == pim::NewtonClass::READRES || k == pim::NewtonClass::COMPS_READRES ||
                k == pim::NewtonClass::GWRITE)
              c.trace[c.kept++] = c.trace[i];
          }
          c.trace.resize(c.kept);
        }
        for (; c.seen < c.resp.size(); ++c.seen) {
          const auto& x = c.resp[c.seen];
          if (x.tag >= kMemTag && x.tag - kMemTag < c.done.size() && c.done[x.tag - kMemTag] == kNever) {
            c.done[x.tag - kMemTag] = x.cycle;
            --c.left[m_transfer_of[x.tag - kMemTag]];
            if (c.w.mem[x.tag - kMemTag].type == pim::TxnType::Read) --c.in_flight;
          }
        }
        const std::uint64_t progress = c.ip + c.ready.size() + c.seen + c.issued;
        if (progress != last_seen || bound != kNever) {
          last_seen = progress;
          last_progress = c.ch.clk();
        }
        if (c.ch.clk() - last_progress > 200000)
          throw std::runtime_error("neupims back-end: channel without progress for 200000 cycles at cycle " +
                                   std::to_string(c.ch.clk()) + " (NPU issue own)");
        if (until()) break;
        // Idle cycles: nothing changes before idle_until() unless the program
        // releases more (it does so only between advances).
        const std::uint64_t target = std::min({c.ch.idle_until(), last_progress + 200001, bound});
        if (target > c.ch.clk() + 1) c.ch.skip_to(target - 1);
      }
    }

    const Impl& m_im;
    const MemStream& m_ms;
    WorkerPool& m_pool;
    i64 m_window;  // NPU reads in flight per channel (0: no limit)
    std::vector<std::size_t> m_first, m_size;  // per transfer: its first stream transaction, how many
    std::vector<std::size_t> m_transfer_of;     // per stream transaction: its transfer
    std::vector<std::unique_ptr<LockChannel>> m_ch;
    std::size_t m_next = 0;
    std::map<int, std::pair<std::size_t, Cycle>> m_posted, m_raw;
    std::uint64_t m_late = 0;
  };

  std::string run_key(const std::vector<i64>& lens, const std::string& mkey) const {
    std::string k = std::string(pim::pim_type_name(flavour())) + (o.artifact_compatible ? "A" : "F") +
                    std::to_string(window()) + "|";
    for (i64 L : lens) k += std::to_string(L) + ",";
    return k + "|" + mkey;
  }

  // ---- one stage ----------------------------------------------------------------------------
  struct StageRun {
    NeupimsStage st;
    ProgramRun npu;
    double pim_pj = 0, dram_pj = 0;
    double npu_bytes = 0;
    CimWork cim;  // what the CIM tiles ran (cim.any false: nothing)
  };

  // Channel runs asked for by a stage: answered from the cache, or simulated
  // (in parallel when threads > 1) by flush().
  struct RunSet {
    Impl& im;
    struct Pending {
      std::string key;
      std::vector<i64> lens;
      const MemStream* m;
      int ch;
    };
    std::vector<Pending> todo;
    std::map<std::string, std::vector<const ChannelRun**>> waiting;
    void want(const std::vector<i64>& lens, const MemStream& m, const std::string& mk, int ch, const ChannelRun** slot) {
      const std::string key = im.run_key(lens, mk);
      auto it = im.cache.find(key);
      if (it != im.cache.end()) {
        *slot = &it->second;
        ++*im.hits;
        return;
      }
      auto& wl = waiting[key];
      if (wl.empty()) todo.push_back({key, lens, &m, ch});
      wl.push_back(slot);
    }
    // `first`, when set, runs as one more task of the same parallel loop
    // (before the channel runs): work independent of them.
    void flush(const std::function<void()>& first = {}) {
      std::vector<ChannelRun> fresh(todo.size());
      const std::size_t k = first ? 1 : 0;
      im.pool.run(todo.size() + k, [&](std::size_t i) {
        if (i < k) first();
        else fresh[i - k] = im.run_channel(todo[i - k].lens, *todo[i - k].m, todo[i - k].ch);
      });
      *im.runs += todo.size();
      for (std::size_t i = 0; i < todo.size(); ++i) {
        auto it = im.cache.insert_or_assign(todo[i].key, std::move(fresh[i])).first;
        for (const ChannelRun** slot : waiting[todo[i].key]) *slot = &it->second;
      }
      todo.clear();
      waiting.clear();
    }
  };

  // ch0: when set, channel 0 is simulated once more with the stage's streams
  // (its PIM work and the NPU's traffic) and its issued commands kept.
  // cim: the stage's CIM work (take_cim), waited for inside the NPU program.
  StageRun run_stage(const std::string& name, const Program& prog, const std::vector<std::vector<i64>>& pim_lens,
                     int npu_requests, std::vector<pim::NewtonIssued>* ch0 = nullptr, const CimWork& cim = {}) {
    if (cache.size() > 256) cache.clear();  // bounded; never while a stage holds pointers into it
    StageRun out;
    out.st.name = name;
    out.st.requests_npu = npu_requests;
    out.cim = cim;
    RecordDma rec;
    run_program(prog, rec, &cim);
    const MemStream ms = mem_stream(rec.log);
    const std::string mkey = stream_key(ms);
    const MemStream empty;

    const int C = o.channels;
    std::vector<int> with_pim;
    for (int c = 0; c < C; ++c)
      if (c < static_cast<int>(pim_lens.size()) && !pim_lens[c].empty()) with_pim.push_back(c);
    const int idle = C - static_cast<int>(with_pim.size());  // channels without PIM work
    const bool traffic = !ms.write.empty();
    if (o.npu_issue == NpuIssue::own && !o.artifact_compatible && traffic) {
      // Exact reuse: the lockstep run is a function of the program, the CIM
      // wait, whether a channel without PIM work takes part and each PIM
      // channel's KV lengths in channel order (the channel number itself is
      // not seen by the timing). A stage whose channel-0 commands are kept
      // is always run.
      std::string key = program_key(prog, cim) + "#" + std::to_string(idle > 0) + "#";
      for (int c : with_pim) key += run_key(pim_lens[static_cast<std::size_t>(c)], "") + ";";
      if (!ch0) {
        auto it = own_cache.find(key);
        if (it != own_cache.end()) {
          ++*hits;
          *late += it->second.late;
          StageRun r = it->second.run;
          r.st.name = out.st.name;
          r.st.requests_npu = out.st.requests_npu;
          r.cim = out.cim;
          return r;
        }
      }
      if (own_cache.size() > 64) own_cache.clear();
      const std::uint64_t late_before = *late;
      StageRun r = run_stage_own(std::move(out), prog, ms, pim_lens, with_pim, idle, ch0, cim);
      own_cache[key] = {r, *late - late_before};
      return r;
    }
    RunSet rs{*this, {}, {}};
    // The NPU stream alone (channels without PIM work are identical but for the
    // channel number, which the timing does not see), and every channel's PIM
    // stream alone when the NPU has traffic (the report; the fast path's choice).
    const ChannelRun* mem_only = nullptr;
    if (traffic) rs.want({}, ms, mkey, 0, &mem_only);
    std::vector<const ChannelRun*> alone(with_pim.size(), nullptr), mixed(with_pim.size(), nullptr);
    if (traffic)
      for (std::size_t j = 0; j < with_pim.size(); ++j) rs.want(pim_lens[with_pim[j]], empty, "", with_pim[j], &alone[j]);
    // The channels simulated with both streams in one run: all of them, or in
    // the fast path (o.exact_channels = K > 0) the K with the longest PIM
    // stream alone and the one with the shortest; the others take their
    // PIM-alone end, are assumed not to delay the NPU more than the longest K,
    // and take the length of their shared run interpolated between the
    // shortest and the longest (for their DRAM energy).
    std::vector<bool> exact(with_pim.size(), true);
    std::size_t lo = 0, hi = 0;  // the fast path's shortest and longest channel (indices into with_pim)
    if (traffic && o.exact_channels > 0 && static_cast<int>(with_pim.size()) > o.exact_channels + 1) {
      rs.flush();
      std::vector<std::size_t> order(with_pim.size());
      for (std::size_t j = 0; j < order.size(); ++j) order[j] = j;
      std::stable_sort(order.begin(), order.end(),
                       [&](std::size_t a, std::size_t b) { return alone[a]->pim_end > alone[b]->pim_end; });
      for (std::size_t r = static_cast<std::size_t>(o.exact_channels); r + 1 < order.size(); ++r) exact[order[r]] = false;
      hi = order.front();
      lo = order.back();
    }
    for (std::size_t j = 0; j < with_pim.size(); ++j)
      if (exact[j]) rs.want(pim_lens[with_pim[j]], ms, mkey, with_pim[j], &mixed[j]);
    rs.flush();

    // The NPU's transfers complete when every channel has delivered its part.
    auto to_npu = [&](Cycle d) { return npu_cycle_at(static_cast<std::uint64_t>(d)); };
    std::vector<Cycle> curve(ms.write.size(), 0), curve_alone(ms.write.size(), 0);
    Cycle pim_end = 0, pim_alone = 0;
    std::vector<double> est_len(with_pim.size(), 0);  // fast path: a channel's estimated shared-run length D
    if (mem_only) {
      for (std::size_t k = 0; k < curve.size(); ++k) curve_alone[k] = to_npu(mem_only->mem_done[k]);
      if (idle > 0) curve = curve_alone;
      out.pim_pj += mem_only->pim_pj * idle;
      out.dram_pj += mem_only->dram_pj * idle;
    }
    for (std::size_t j = 0; j < with_pim.size(); ++j) {
      if (exact[j]) {
        const ChannelRun& r = *mixed[j];
        for (std::size_t k = 0; k < curve.size(); ++k) curve[k] = std::max(curve[k], to_npu(r.mem_done[k]));
        pim_end = std::max(pim_end, r.pim_end);
        out.pim_pj += r.pim_pj;
        out.dram_pj += r.dram_pj;
      } else {
        // Fast path: PIM commands as alone. DRAM = the events of both alone
        // runs (NPU reads/writes and their ACTs; the GWRITEs' row opens), plus
        // refresh and background over D, the estimated length of the shared
        // run: the NPU stream's end in it (its alone end plus the delay the
        // PIM stream adds, interpolated linearly in the PIM-alone length
        // between the shortest and the longest exact channel) or the PIM
        // stream's end (its alone end stretched by the interpolated factor),
        // whichever is later. Background: the idle rate over D plus what each
        // alone run spent above the idle rate (its open-row time, which
        // sharing moves but does not add to: neupims_pim.md §7).
        const ChannelRun& a = *alone[j];
        for (std::size_t k = 0; k < curve.size(); ++k) curve[k] = std::max(curve[k], curve_alone[k]);
        pim_end = std::max(pim_end, a.pim_end);
        out.pim_pj += a.pim_pj;
        const pim::NewtonEnergy e;
        auto events = [&](const ChannelRun& r) {
          return r.dram_pj - r.background_pj - static_cast<double>(r.refreshes) * e.ref;
        };
        const ChannelRun &rl = *mixed[lo], &rh = *mixed[hi], &al = *alone[lo], &ah = *alone[hi];
        const double span = static_cast<double>(ah.end - al.end);
        const double t = span > 0 ? static_cast<double>(a.end - al.end) / span : 0.0;
        auto lerp = [t](double x0, double x1) { return x0 + t * (x1 - x0); };
        const double m_end = static_cast<double>(mem_only->end);
        auto npu_delay = [&](const ChannelRun& r) { return static_cast<double>(r.mem_done.back()) - m_end; };
        auto stretch = [](const ChannelRun& r, const ChannelRun& alone_run) {
          return static_cast<double>(r.pim_end) / static_cast<double>(alone_run.pim_end);
        };
        const double D = std::max({m_end + lerp(npu_delay(rl), npu_delay(rh)),
                                   lerp(stretch(rl, al), stretch(rh, ah)) * static_cast<double>(a.pim_end),
                                   static_cast<double>(a.end), m_end});
        const double idle_rate = 2 * (flavour() == pim::PimType::Dual ? 2 : 1) * e.bg_idle;  // 2 ranks
        auto above_idle = [&](const ChannelRun& r) { return r.background_pj - idle_rate * static_cast<double>(r.end); };
        out.dram_pj += events(*mem_only) + events(a) + std::floor(D / 1950.0) * e.ref + idle_rate * D +
                       above_idle(a) + above_idle(*mem_only);
        est_len[j] = D;
      }
    }
    for (const ChannelRun* a : alone)
      if (a) pim_alone = std::max(pim_alone, a->pim_end);
    if (!traffic) pim_alone = pim_end;  // no NPU traffic: the PIM runs are the PIM streams alone
    CurveDma dma(ms.last, curve);
    out.npu = run_program(prog, dma, &cim);
    if (!o.artifact_compatible) {
      // Every channel's background and refresh last until the stage ends: a
      // channel whose run ended earlier idles on, one without work in the
      // stage idles throughout. Fast path: the estimated channels idle from
      // their estimated length D on, as their PIM-alone run's end state.
      const std::uint64_t T = stage_end_dram(out.npu.end, pim_end);
      if (idle > 0) out.dram_pj += idle_tail_pj(mem_only, T) * idle;
      for (std::size_t j = 0; j < with_pim.size(); ++j)
        out.dram_pj += exact[j] ? idle_tail_pj(mixed[j], T)
                                : static_cast<double>(T) > est_len[j]
                                      ? idle_tail_pj_for(*alone[j], static_cast<std::uint64_t>(
                                                                        static_cast<double>(T) - std::ceil(est_len[j])))
                                      : 0.0;
    }
    const double cyc = o.npu.cycle_s();
    out.st.npu_s = static_cast<double>(out.npu.end) * cyc;
    out.st.pim_s = static_cast<double>(pim_end) * 1e-9;
    out.st.pim_alone_s = static_cast<double>(pim_alone) * 1e-9;
    if (mem_only && !mem_only->mem_done.empty()) out.st.mem_alone_s = static_cast<double>(mem_only->mem_done.back()) * 1e-9;
    if (traffic) {
      CurveDma da(ms.last, curve_alone);
      out.st.npu_alone_s = static_cast<double>(run_program(prog, da, &cim).end) * cyc;
    } else {
      out.st.npu_alone_s = out.st.npu_s;  // no traffic: the program is compute only
    }
    out.st.cim_s = static_cast<double>(cim_cycles(cim)) * cyc;
    out.st.time_s = std::max(out.st.npu_s, out.st.pim_s);
    for (const auto& l : pim_lens) out.st.requests_pim += static_cast<int>(l.size());
    for (const auto& [k, b] : out.npu.bytes) out.npu_bytes += b;
    if (ch0) run_channel(pim_lens.empty() ? std::vector<i64>{} : pim_lens[0], ms, 0, ch0);
    return out;
  }

  // NpuIssue::own: stage runs keyed on their exact inputs (run_stage), with
  // the late issues each counted.
  struct OwnRun {
    StageRun run;
    std::uint64_t late = 0;
  };
  std::map<std::string, OwnRun> own_cache;
  // Every field of a program's operations that its timing or its report can
  // see, and the CIM wait inside it.
  static std::string program_key(const Program& prog, const CimWork& cim) {
    std::string k;
    k.reserve(prog.size() * 48);
    auto put = [&k](std::int64_t v) { k += std::to_string(v) + ","; };
    for (const NpuOp& op : prog) {
      put(static_cast<std::int64_t>(op.kind));
      k += op.name + "," + op.category + ",";
      put(op.shape.m), put(op.shape.k), put(op.shape.n), put(op.shape.bias);
      put(static_cast<std::int64_t>(op.vop));
      put(op.rows), put(op.n), put(op.read_bytes), put(op.write_bytes), put(op.flops);
      put(op.len), put(op.heads), put(op.tokens);
      k += "|";
    }
    if (cim.any) {
      k += "cim:" + std::to_string(cim.pos) + "," + cim.name + "," + cim.category + ",";
      char buf[64];
      std::snprintf(buf, sizeof buf, "%a", cim.cost.time_s);
      k += buf;
    }
    return k;
  }

  // run_stage with the NPU's own issue (NpuIssue::own, a stage with NPU
  // traffic): the program and the stage's channels in lockstep (LockstepDma).
  StageRun run_stage_own(StageRun out, const Program& prog, const MemStream& ms,
                         const std::vector<std::vector<i64>>& pim_lens, const std::vector<int>& with_pim, int idle,
                         std::vector<pim::NewtonIssued>* ch0, const CimWork& cim) {
    // The PIM streams alone (the report's pim_alone_s), as in run_stage, and
    // beside them the program against the NPU stream alone (npu_alone_s,
    // mem_alone_s; a stage without PIM work takes them from the run below,
    // whose one channel is the NPU stream alone).
    RunSet rs{*this, {}, {}};
    const MemStream empty;
    std::vector<const ChannelRun*> alone(with_pim.size(), nullptr);
    for (std::size_t j = 0; j < with_pim.size(); ++j) rs.want(pim_lens[with_pim[j]], empty, "", with_pim[j], &alone[j]);
    Cycle alone_end = 0;
    std::uint64_t mem_last = 0;
    auto last_done = [&](const LockChannel& c) {
      for (std::uint64_t d : c.done) mem_last = std::max(mem_last, d == kNever ? 0 : d);
    };
    auto solo_run = [&] {
      LockstepDma solo(*this, ms, pool);  // one channel: advances on this thread
      LockChannel& sc = solo.add_channel({}, 0);
      sc.all = false;
      alone_end = run_program(prog, solo, &cim).end;
      solo.drain();
      last_done(sc);
    };
    rs.flush(with_pim.empty() ? std::function<void()>() : std::function<void()>(solo_run));
    Cycle pim_alone = 0;
    for (const ChannelRun* a : alone) pim_alone = std::max(pim_alone, a->pim_end);
    // Channel 0's issued commands (the timeline) come from its lockstep run.
    const bool ch0_pim = !pim_lens.empty() && !pim_lens[0].empty();
    // Channels whose PIM work has the same KV lengths (in order) take the same
    // streams and behave alike (the timing does not see the channel number,
    // as the run cache assumes; channels without PIM work likewise): one
    // lockstep channel per distinct list, the first channel that has it (so
    // channel 0 stands for its own list when its commands are kept).
    std::map<std::vector<i64>, std::size_t> distinct;
    std::vector<int> rep;                  // per distinct list: its channel
    std::vector<std::size_t> rep_of;       // per with_pim entry: its list
    for (int c : with_pim) {
      const auto [it, fresh] = distinct.emplace(pim_lens[static_cast<std::size_t>(c)], rep.size());
      if (fresh) rep.push_back(c);
      rep_of.push_back(it->second);
    }
    LockstepDma dma(*this, ms, pool);
    if (idle > 0) dma.add_channel({}, 0).all = ch0 && !ch0_pim;
    for (int c : rep) dma.add_channel(pim_lens[static_cast<std::size_t>(c)], c).all = ch0 && c == 0;
    out.npu = run_program(prog, dma, &cim);
    dma.drain();
    *late += dma.late();
    Cycle pim_end = 0;
    const std::size_t first_pim = idle > 0 ? 1 : 0;
    std::vector<ChannelRun> runs;
    for (std::size_t i = 0; i < first_pim + rep.size(); ++i) {
      LockChannel& lc = dma.channel(i);
      const bool mine = ch0 && (i < first_pim ? !ch0_pim : rep[i - first_pim] == 0);
      runs.push_back(summarize(lc.ch.counters(), lc.trace, lc.resp, ms, mine ? ch0 : nullptr));
      if (i >= first_pim) pim_end = std::max(pim_end, runs.back().pim_end);
    }
    // Every channel's background and refresh last until the stage ends (as
    // in run_stage): each lockstep channel runs on idle to the stage's end.
    const std::uint64_t T = stage_end_dram(out.npu.end, pim_end);
    pool.run(runs.size(), [&](std::size_t i) {
      pim::NewtonChannel& ch = dma.channel(i).ch;
      ch.set_trace(nullptr);
      ch.set_response_sink(nullptr);
      runs[i].dram_pj += idle_on_pj(ch, T);
    });
    // Summed channel by channel, in channel order.
    if (idle > 0) {
      out.pim_pj += runs[0].pim_pj * idle;
      out.dram_pj += runs[0].dram_pj * idle;
    }
    for (std::size_t j = 0; j < with_pim.size(); ++j) {
      const ChannelRun& r = runs[first_pim + rep_of[j]];
      out.pim_pj += r.pim_pj;
      out.dram_pj += r.dram_pj;
    }
    if (with_pim.empty()) {  // the NPU stream alone was this run
      alone_end = out.npu.end;
      last_done(dma.channel(0));
    }
    const double cyc = o.npu.cycle_s();
    out.st.npu_s = static_cast<double>(out.npu.end) * cyc;
    out.st.pim_s = static_cast<double>(pim_end) * 1e-9;
    out.st.pim_alone_s = static_cast<double>(pim_alone) * 1e-9;
    out.st.mem_alone_s = static_cast<double>(mem_last) * 1e-9;
    out.st.npu_alone_s = static_cast<double>(alone_end) * cyc;
    out.st.cim_s = static_cast<double>(cim_cycles(cim)) * cyc;
    out.st.time_s = std::max(out.st.npu_s, out.st.pim_s);
    for (const auto& l : pim_lens) out.st.requests_pim += static_cast<int>(l.size());
    for (const auto& [k, b] : out.npu.bytes) out.npu_bytes += b;
    return out;
  }

  // The NPU program's options (the iteration kind is set per decode).
  firmware::compiler::NpuProgramOptions program_options() const {
    firmware::compiler::NpuProgramOptions po;
    po.model = o.model;
    po.tp = o.tp;
    po.pp = o.pp;
    po.element_bytes = o.npu.element_bytes;
    po.lm_head = !o.artifact_compatible;  // the artifact models the decoder layers only
    return po;
  }

  // The iteration as a timeline, the stages' instances in the order they run
  // (firmware::compiler::stage_instances). Each stage instance: its NPU operations at
  // their simulated cycles, its PIM work from the stage's start to pim_s;
  // channel 0's commands of each stage's first instance.
  void lay_out(Timeline& t, const std::vector<firmware::compiler::NpuStage>& stages, const std::vector<StageRun>& runs,
               const std::vector<std::vector<pim::NewtonIssued>>& ch0, const std::vector<std::string>& pim_names) const {
    t = Timeline{};
    t.concurrent = true;
    t.pseudo_channels = 1;  // HBM2 channels without pseudo-channels
    t.pim_clock_ps = 1000;  // 1 GHz command clock (neupims_pim.md §1)
    const double cyc = o.npu.cycle_s();
    double now = 0;
    auto lay = [&](std::size_t k, bool first) {
      const StageRun& r = runs[k];
      t.stages.push_back({now, now + r.st.time_s, r.st.name, "", "", 0, 0});
      const std::vector<NpuOp>& ops = stages[k].ops;
      for (std::size_t i = 0; i < ops.size() && i < r.npu.spans.size(); ++i) {
        const NpuOp& x = ops[i];
        const std::string name = x.name.empty() ? firmware::compiler::to_string(x.kind) : x.name;
        t.ops.push_back({now + static_cast<double>(r.npu.spans[i].first) * cyc,
                         now + static_cast<double>(r.npu.spans[i].second) * cyc, name, x.category, "host", 0, 0});
      }
      if (r.cim.any)
        t.ops.push_back({now + static_cast<double>(r.npu.wait_span.first) * cyc,
                         now + static_cast<double>(r.npu.wait_span.second) * cyc, r.cim.name, r.cim.category, "cim", 0, 0});
      if (!pim_names[k].empty() && r.st.pim_s > 0)
        t.ops.push_back({now, now + r.st.pim_s, pim_names[k], "gemv", "pim", 0, 0});
      if (first)
        for (const pim::NewtonIssued& c : ch0[k]) {
          std::string n = pim::newton_class_name(c.cls);
          for (char& ch : n) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
          if (c.bank >= 0) n += "_b" + std::to_string(c.bank);
          t.pim_commands.push_back({now + static_cast<double>(c.cycle) * 1e-9, 0, n});
        }
      now += r.st.time_s;
    };
    for (const auto& [k, instance] : firmware::compiler::stage_instances(stages)) lay(k, instance == 0);
  }

  // Iteration cost of the stage runs: time, categories (the side that sets a
  // stage's length is charged with it), energy by place: the layer stages run on
  // every device (tp x pp), the LM head on the tp devices of the last pipeline stage.
  void assemble(const std::vector<StageRun>& runs, IterationCost& cost, std::vector<NeupimsStage>& stages) const {
    for (const StageRun& r : runs) {
      const double devices = static_cast<double>(o.tp) * (r.st.name == "head" ? 1.0 : static_cast<double>(o.pp));
      const double rep = static_cast<double>(r.st.repeat);
      const NeupimsStage& s = r.st;
      cost.time_s += s.time_s * rep;
      cost.host_busy_s += (s.npu_s - s.cim_s) * rep;
      cost.cim_busy_s += s.cim_s * rep;
      if (r.cim.any) {
        cost.cim_transfer_s += r.cim.cost.transfer.time_s() * rep;
        cost.cim_transfer_bytes += static_cast<double>(r.cim.cost.transfer.bytes()) * rep;
        // The tiles' time under the stage's PIM work (which runs from the
        // stage's start for pim_s): the NPU waits, the channels compute.
        const double cyc = o.npu.cycle_s();
        const double a = static_cast<double>(r.npu.wait_span.first) * cyc, b = static_cast<double>(r.npu.wait_span.second) * cyc;
        cost.cim_hidden_s += std::max(0.0, std::min(b, s.pim_s) - std::min(a, s.pim_s)) * rep;
      }
      cost.pim_busy_s += s.pim_s * rep;
      cost.host_bytes += r.npu_bytes * rep;
      // Times.
      charge_stage_time(cost, s.time_s * rep, s.npu_s, s.pim_s, r.npu.busy, r.npu.end);
      // Energies (pJ -> J), per device x devices.
      const double k = 1e-12 * rep * devices;
      charge_stage_energy(cost, k, r.npu.host_pj, r.npu.bytes, r.dram_pj, r.pim_pj);
      if (r.cim.any) cost.charge(r.cim.category, 0, r.cim.cost.energy_j * rep * devices, &cost.cim_energy_j);
      stages.push_back(s);
      stages.back().dram_energy_j = r.dram_pj * 1e-12;
      stages.back().pim_energy_j = r.pim_pj * 1e-12;
    }
  }
};

// ---------------------------------------------------------------------------------------------

void charge_stage_time(IterationCost& cost, double time_s, double npu_s, double pim_s,
                       const std::map<std::string, npu::Cycle>& busy, npu::Cycle total) {
  if (npu_s >= pim_s) {
    for (const auto& [cat, cyc] : busy)
      if (total > 0) cost.charge(cat, time_s * static_cast<double>(cyc) / static_cast<double>(total), 0, nullptr);
  } else {
    cost.charge("gemv", time_s, 0, nullptr);
  }
}

void charge_stage_energy(IterationCost& cost, double k, const std::map<std::string, double>& host_pj,
                         const std::map<std::string, double>& bytes, double dram_pj, double pim_pj) {
  double npu_bytes = 0;
  for (const auto& [cat, b] : bytes) npu_bytes += b;
  for (const auto& [cat, pj] : host_pj) cost.charge(cat, 0, pj * k, &cost.host_energy_j);
  for (const auto& [cat, b] : bytes)
    if (npu_bytes > 0) cost.charge(cat, 0, dram_pj * k * b / npu_bytes, &cost.dram_energy_j);
  if (npu_bytes <= 0 && dram_pj > 0) cost.charge("gemv", 0, dram_pj * k, &cost.dram_energy_j);
  if (pim_pj > 0) cost.charge("gemv", 0, pim_pj * k, &cost.pim_energy_j);
}

const char* to_string(NeupimsSystem s) {
  switch (s) {
    case NeupimsSystem::npu_only: return "npu-only";
    case NeupimsSystem::npu_pim: return "npu+pim";
    case NeupimsSystem::neupims: return "neupims";
  }
  return "?";
}

const char* to_string(NpuIssue i) { return i == NpuIssue::own ? "own" : "offered"; }

NpuIssue parse_npu_issue(const std::string& s) {
  for (NpuIssue x : {NpuIssue::offered, NpuIssue::own})
    if (s == to_string(x)) return x;
  throw std::invalid_argument("unknown NPU issue model '" + s + "' (allowed: offered, own)");
}

NeupimsSystem parse_neupims_system(const std::string& s) {
  for (NeupimsSystem x : {NeupimsSystem::npu_only, NeupimsSystem::npu_pim, NeupimsSystem::neupims})
    if (s == to_string(x)) return x;
  throw std::invalid_argument("unknown NeuPIMs system '" + s + "' (allowed: npu-only, npu+pim, neupims)");
}

bool is_neupims_system(const std::string& s) {
  for (NeupimsSystem x : {NeupimsSystem::npu_only, NeupimsSystem::npu_pim, NeupimsSystem::neupims})
    if (s == to_string(x)) return true;
  return false;
}

NeupimsBackend::NeupimsBackend(const NeupimsOptions& o) : m_opt(o) {
  const model::ModelConfig& m = m_opt.model;
  auto bad = [&](const std::string& what) {
    throw std::invalid_argument("system " + std::string(to_string(m_opt.system)) + ", model '" + m.name + "': " + what);
  };
  if (!model::has_attention(m.family) || model::has_state(m.family))
    bad("the NeuPIMs systems serve attention-only transformers, e.g. --model gpt3-7b (family " +
        std::string(model::family_name(m.family)) + " has recurrent state or no attention)");
  if (m.kv_heads != m.heads) bad("grouped-query attention is not in the NeuPIMs PIM layout (heads " +
                                 std::to_string(m.heads) + ", kv_heads " + std::to_string(m.kv_heads) + ")");
  if (m.head_dim != kDHead) bad("head_dim " + std::to_string(m.head_dim) + " (the PIM layout needs 128)");
  if (m.parallel_residual) bad("parallel-residual blocks are not in the NeuPIMs stage schedule");
  if (m_opt.tp < 1 || m.heads % m_opt.tp) bad("tp " + std::to_string(m_opt.tp) + " must divide the " +
                                              std::to_string(m.heads) + " heads");
  if (m_opt.pp < 1 || m.layers % m_opt.pp)
    bad("pp " + std::to_string(m_opt.pp) + " must divide the " + std::to_string(m.layers) + " layers");
  if (m_opt.channels < 1 || m_opt.channels > 32)
    bad("channels " + std::to_string(m_opt.channels) + " (allowed: 1..32, the address field has 5 bits)");
  if (m_opt.threads < 1) bad("threads " + std::to_string(m_opt.threads) + " (allowed: >= 1)");
  if (m_opt.exact_channels < 0)
    bad("exact_channels " + std::to_string(m_opt.exact_channels) + " (allowed: 0 = every channel, or K >= 1)");
  if (m_opt.exact_channels > 0 && m_opt.npu_issue == NpuIssue::own && !m_opt.artifact_compatible)
    bad("exact_channels " + std::to_string(m_opt.exact_channels) +
        " with the NPU's own issue (its lockstep run simulates every channel; the fast path approximates the "
        "offered stream: allowed: 0, or npu_issue offered)");
  if (m_opt.overlap) {
    if (m_opt.system == NeupimsSystem::npu_only) bad("mode 'overlap' needs PIM to overlap with the NPU (allowed: serial)");
    if (m_opt.system == NeupimsSystem::neupims)
      bad("mode 'overlap' would run the NPU's traffic under PIM kernels without their interference on the banks, "
          "which only 'interleaved' simulates (allowed: serial, interleaved)");
    if (m_opt.artifact_compatible) bad("the artifacts have no overlap; mode 'overlap' is not artifact-compatible");
    if (m_opt.sub_batches != kSubBatchesAuto && (m_opt.sub_batches < 1 || m_opt.sub_batches > 64))
      bad("sub-batches " + std::to_string(m_opt.sub_batches) + " out of range (1..64, or auto)");
    m_opt.sub_batch = false;  // each sub-batch is costed serially
  }
  if (m_opt.system != NeupimsSystem::neupims) m_opt.sub_batch = false;
  if (m_opt.cim.place != CimPlace::none) {
    if (m_opt.artifact_compatible) bad("CIM placement is not part of the artifacts (drop --artifact-compatible)");
    if (m_opt.overlap)
      bad(std::string("mode 'overlap' does not schedule CIM tiles; allowed with CIM: serial") +
          (m_opt.system == NeupimsSystem::neupims ? ", interleaved" : ""));
    if (m_opt.cim.place == CimPlace::softmax && m_opt.system == NeupimsSystem::npu_only)
      bad("cim.place \"softmax\": npu-only runs each request's attention as one NPU operation (scores, softmax and "
          "p.V together), so there is no softmax to place (allowed here: \"ffn\"; or npu+pim, neupims)");
    m_cim = std::make_unique<CimPlacement>(m_opt.cim, m, m_opt.tp, m_opt.pp);
  }
  if (m_opt.artifact_compatible) m_opt.npu.mode = npu::Mode::artifact;
  npu::validate(m_opt.npu);
  m_impl = std::make_unique<Impl>(m_opt, &m_cache_hits, &m_channel_runs, &m_late_issues);
}

NeupimsBackend::~NeupimsBackend() = default;

int NeupimsBackend::kv_channels() const { return m_opt.system == NeupimsSystem::npu_only ? 0 : m_opt.channels; }

double NeupimsBackend::kv_capacity_bytes() const {
  model::FormatSet f;
  const double weights = model::weight_memory_bytes(m_opt.model, f) / (m_opt.tp * m_opt.pp);
  const std::uint64_t per = firmware::compiler::kv_capacity_per_channel(
      static_cast<std::uint64_t>(m_opt.channel_bytes), static_cast<std::uint32_t>(m_opt.channels),
      static_cast<std::uint64_t>(std::ceil(weights)));
  // npu-only pins nothing: the room of every channel of every device (the
  // loop compares it with a request's memory over all shards); otherwise one
  // channel's room on one device (the placement's footprint is one device's).
  return m_opt.system == NeupimsSystem::npu_only ? static_cast<double>(per) * m_opt.channels * m_opt.tp * m_opt.pp
                                                 : static_cast<double>(per);
}

std::map<std::string, std::string> NeupimsBackend::describe() const {
  std::map<std::string, std::string> d;
  d["system"] = to_string(m_opt.system);
  d["host"] = "npu:" + m_opt.npu.name;
  d["npu_mode"] = npu::to_string(m_opt.npu.mode);
  d["model"] = m_opt.model.name;
  d["tp"] = std::to_string(m_opt.tp);
  d["pp"] = std::to_string(m_opt.pp);
  d["channels"] = std::to_string(m_opt.channels);
  d["pim_family"] = m_opt.system == NeupimsSystem::npu_only ? "none"
                    : m_opt.system == NeupimsSystem::npu_pim ? "newton (single row buffer)"
                                                             : "neupims (dual row buffer)";
  d["channel_controller"] = pim::pim_type_name(m_impl->flavour());
  d["mode"] = m_opt.system == NeupimsSystem::npu_only ? "npu"
              : m_opt.overlap                         ? "overlap"
              : m_opt.sub_batch                       ? "interleaved"
                                                      : "serial";
  if (m_opt.overlap) d["sub_batches"] = sub_batches_name(m_opt.sub_batches);
  d["artifact_compatible"] = m_opt.artifact_compatible ? "true" : "false";
  d["comm"] = "none (no all-reduce is modelled)";
  d["npu_dma_window_per_channel"] = m_impl->window() > 0 ? std::to_string(m_impl->window()) : "unlimited";
  d["exact_channels"] = m_opt.exact_channels > 0 ? std::to_string(m_opt.exact_channels) : "all";
  d["npu_issue"] = m_opt.artifact_compatible ? "offered" : to_string(m_opt.npu_issue);
  // 64 B per 2-cycle burst at 1 GHz: 32 GB/s per channel (system.md §3.5).
  d["host_peak_bytes_per_s"] = std::to_string(static_cast<long long>(32e9) * m_opt.channels);
  char peak[64];
  std::snprintf(peak, sizeof peak, "%.17g", m_opt.npu.peak_flops_per_cycle() / m_opt.npu.cycle_s());
  d["host_peak_flops"] = peak;
  if (m_cim) m_cim->describe(d);
  return d;
}

IterationCost NeupimsBackend::prefill(const std::vector<PrefillChunk>& chunks) {
  // Every prefill operator runs on the NPU (the PIM units serve decode
  // attention GEMVs only) or, placed there, on the CIM tiles; the channels
  // serve the NPU's transfers alone.
  m_stages.clear();
  IterationCost cost;
  if (chunks.empty()) return cost;
  if (m_opt.artifact_compatible)
    throw std::invalid_argument("prefill with artifact-compatible mode: the NeuPIMs artifact models decode iterations only");
  std::vector<firmware::compiler::NpuPrefillChunk> c;
  for (const PrefillChunk& ch : chunks) c.push_back({ch.tokens, ch.context});
  std::vector<Impl::StageRun> runs;
  for (firmware::compiler::NpuStage& s : firmware::compiler::npu_prefill_stages(m_impl->program_options(), c)) {
    // The FFN placement takes each layer's FFN block over the pass's token
    // rows, as in decode; the softmax placement finds nothing to take: each
    // request's prefill attention is one NPU operation (scores, softmax and
    // context), so its softmax stays on the NPU.
    const CimWork cim = m_cim ? take_cim(s.ops, *m_cim) : CimWork{};
    runs.push_back(m_impl->run_stage(s.name, s.ops, {}, static_cast<int>(s.tokens), nullptr, cim));
    runs.back().st.repeat = s.repeat;
  }
  m_impl->assemble(runs, cost, m_stages);
  cost.breakdown["comm"];  // no all-reduce is modelled (system.md §2.3)
  return cost;
}

IterationCost NeupimsBackend::decode(const std::vector<DecodeRequest>& batch) {
  using Impl = NeupimsBackend::Impl;
  Impl& im = *m_impl;
  m_stages.clear();
  IterationCost cost;
  if (batch.empty()) return cost;
  const int C = m_opt.channels;
  std::vector<std::uint32_t> channel_of;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const DecodeRequest& r = batch[i];
    if (r.context < 1)
      throw std::invalid_argument("decode request " + std::to_string(i) + ": context " + std::to_string(r.context) +
                                  " (allowed: >= 1)");
    if (m_opt.system != NeupimsSystem::npu_only && (r.channel < 0 || r.channel >= C))
      throw std::invalid_argument("decode request " + std::to_string(i) + ": channel " + std::to_string(r.channel) +
                                  " (allowed: 0.." + std::to_string(C - 1) + ")");
    channel_of.push_back(static_cast<std::uint32_t>(std::max(0, r.channel)));
  }
  if (m_opt.overlap) return decode_overlap(batch, channel_of);
  std::vector<Impl::StageRun> runs;
  auto per_channel = [&](const std::vector<std::size_t>& idx) {
    std::vector<std::vector<i64>> l(static_cast<std::size_t>(C));
    for (std::size_t i : idx) l[channel_of[i]].push_back(batch[i].context);
    return l;
  };
  std::vector<std::size_t> all(batch.size());
  for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;

  // The NPU's instruction stream of the iteration (firmware/compiler/npu_program.h),
  // each stage timed with the PIM attention of its request group.
  firmware::compiler::NpuProgramOptions po = im.program_options();
  std::vector<std::vector<std::size_t>> groups;
  if (m_opt.system == NeupimsSystem::npu_only) {
    po.iteration = firmware::compiler::NpuIteration::npu_only;
    groups = {all};
  } else if (!m_opt.sub_batch) {
    po.iteration = firmware::compiler::NpuIteration::serial;
    groups = {all};
  } else {
    po.iteration = firmware::compiler::NpuIteration::interleaved;
    const firmware::compiler::SubBatches sb =
        firmware::compiler::split_sub_batches(channel_of, static_cast<std::uint32_t>(C));
    groups = {sb.first, sb.second};
  }
  std::vector<i64> contexts;
  for (const DecodeRequest& r : batch) contexts.push_back(r.context);
  std::vector<firmware::compiler::NpuStage> stages = firmware::compiler::npu_decode_stages(po, contexts, groups);
  std::vector<std::vector<pim::NewtonIssued>> ch0(m_trace ? stages.size() : 0);
  std::vector<std::string> pim_names;  // the PIM work of each stage, "" none
  for (std::size_t k = 0; k < stages.size(); ++k) {
    firmware::compiler::NpuStage& s = stages[k];
    const bool pim = s.pim_group >= 0 && m_opt.system != NeupimsSystem::npu_only;
    const CimWork cim = m_cim ? take_cim(s.ops, *m_cim) : CimWork{};
    runs.push_back(im.run_stage(s.name, s.ops, pim ? per_channel(groups[static_cast<std::size_t>(s.pim_group)])
                                                   : std::vector<std::vector<i64>>{},
                                static_cast<int>(s.tokens), m_trace ? &ch0[k] : nullptr, cim));
    runs.back().st.repeat = s.repeat;
    pim_names.push_back(!pim ? std::string()
                        : m_opt.sub_batch ? "attention.sb" + std::to_string(s.pim_group + 1)
                                          : std::string("attention"));
  }
  if (m_trace) im.lay_out(*m_trace, stages, runs, ch0, pim_names);

  im.assemble(runs, cost, m_stages);
  cost.breakdown["comm"];  // no all-reduce is modelled (system.md §2.3)
  return cost;
}

IterationCost NeupimsBackend::decode_overlap(const std::vector<DecodeRequest>& batch,
                                            const std::vector<std::uint32_t>& channel_of) {
  if (m_opt.sub_batches != kSubBatchesAuto) {
    m_stages.clear();
    return overlap_with(batch, channel_of, m_opt.sub_batches, m_trace, m_stages);
  }
  // Auto: every candidate count costed by the same path (choose_sub_batches).
  struct Run {
    IterationCost cost;
    Timeline trace;
    std::vector<NeupimsStage> stages;
  };
  int chosen = 0;
  std::string note;
  Run best = choose_sub_batches<Run>(
      batch.size(),
      [&](int s) {
        Run r;
        r.cost = overlap_with(batch, channel_of, s, m_trace ? &r.trace : nullptr, r.stages);
        return r;
      },
      [](const Run& r) { return r.cost.time_s; }, chosen, note);
  ++m_sb_chosen[chosen];
  m_stages = std::move(best.stages);
  if (m_trace) {
    *m_trace = std::move(best.trace);
    m_trace->note = note;
  }
  return best.cost;
}

IterationCost NeupimsBackend::overlap_with(const std::vector<DecodeRequest>& batch,
                                          const std::vector<std::uint32_t>& channel_of, int sub_batches,
                                          Timeline* trace, std::vector<NeupimsStage>& stages_out) {
  Impl& im = *m_impl;
  IterationCost cost;
  // Sub-batches: every channel's requests, in queue order, cut into S
  // consecutive parts whose sizes differ by at most one, the larger parts
  // dealt to the sub-batches in turn across the channels (S = 2: the NeuPIMs
  // split, firmware::compiler::split_sub_batches), so every sub-batch has its
  // share of every channel's attention.
  const std::size_t S = std::min(static_cast<std::size_t>(sub_batches), batch.size());
  std::vector<std::vector<std::size_t>> queue(static_cast<std::size_t>(m_opt.channels)), sub(S);
  for (std::size_t i = 0; i < batch.size(); ++i) queue[channel_of[i]].push_back(i);
  std::size_t turn = 0;
  for (const std::vector<std::size_t>& q : queue) {
    const std::size_t base = q.size() / S, extra = q.size() % S;
    std::size_t at = 0;
    for (std::size_t j = 0; j < S; ++j) {
      const std::size_t n = base + ((j + S - turn) % S < extra ? 1 : 0);
      sub[j].insert(sub[j].end(), q.begin() + static_cast<std::ptrdiff_t>(at),
                    q.begin() + static_cast<std::ptrdiff_t>(at + n));
      at += n;
    }
    turn = (turn + extra) % S;
  }
  // Each sub-batch costed by the serial path (its own NPU program, stages A, B,
  // E per layer and the LM head, run at command level on the channels); its
  // chain: the stages in the order they run (the loop rule of lay_out), a
  // stage with PIM attention (B) a kernel of its PIM time whose host share is
  // the stage's NPU program (softmax, partial-sum adds: compute only), the
  // others NPU operations whose memory part is their traffic's time on a
  // channel alone.
  firmware::compiler::NpuProgramOptions po = im.program_options();
  po.iteration = firmware::compiler::NpuIteration::serial;
  std::vector<std::vector<Impl::StageRun>> runs(S);
  std::vector<std::vector<OverlapOp>> chains(S);
  std::vector<std::vector<const Impl::StageRun*>> of(S);
  for (std::size_t j = 0; j < S; ++j) {
    std::vector<i64> contexts;
    std::vector<std::vector<i64>> lens(static_cast<std::size_t>(m_opt.channels));
    std::vector<std::size_t> all;
    for (std::size_t i : sub[j]) {
      all.push_back(contexts.size());
      contexts.push_back(batch[i].context);
      lens[channel_of[i]].push_back(batch[i].context);
    }
    const std::vector<firmware::compiler::NpuStage> stages = firmware::compiler::npu_decode_stages(po, contexts, {all});
    for (const firmware::compiler::NpuStage& s : stages) {
      runs[j].push_back(im.run_stage(s.name, s.ops, s.pim_group >= 0 ? lens : std::vector<std::vector<i64>>{},
                                     static_cast<int>(s.tokens)));
      runs[j].back().st.repeat = s.repeat;
    }
    for (std::size_t i = 0; i < runs[j].size();) {
      const std::int64_t R = runs[j][i].st.repeat;
      std::size_t e = i + 1;
      if (R > 1)
        while (e < runs[j].size() && runs[j][e].st.repeat == R) ++e;
      for (std::int64_t rep = 0; rep < std::max<std::int64_t>(1, R); ++rep)
        for (std::size_t k = i; k < e; ++k) {
          const NeupimsStage& st = runs[j][k].st;
          const bool pim = st.pim_s > 0;
          chains[j].push_back({pim, pim ? st.pim_s : st.time_s, pim ? 0.0 : st.mem_alone_s, pim ? st.npu_s : 0.0});
          of[j].push_back(&runs[j][k]);
        }
      i = e;
    }
  }
  // npu+pim (Newton, single row buffer): a kernel holds the channels.
  const OverlapSchedule sch = schedule_overlap(chains, true);
  // Energy, busy times and bytes: the sub-batches' own (assemble); time: the
  // makespan; categories: a kernel's time on the PIM units charged to gemv, an
  // NPU stage or a kernel's host share the part of its span no kernel covers,
  // split over the stage's categories by their cycles (as assemble splits a
  // stage).
  for (std::size_t j = 0; j < S; ++j) im.assemble(runs[j], cost, stages_out);
  cost.time_s = sch.makespan_s;
  for (auto& [k, v] : cost.breakdown) v.time_s = 0;
  Spans pim_spans;  // disjoint (one PIM resource)
  for (std::size_t j = 0; j < S; ++j)
    for (std::size_t i = 0; i < chains[j].size(); ++i)
      if (chains[j][i].pim) {
        const OverlapSlot& s = sch.slots[j][i];
        pim_spans.emplace_back(s.channel_start_s, s.channel_end_s);
        cost.breakdown["gemv"].time_s += s.channel_end_s - s.channel_start_s;
      }
  pim_spans = merge_spans(std::move(pim_spans));
  for (std::size_t j = 0; j < S; ++j)
    for (std::size_t i = 0; i < chains[j].size(); ++i) {
      const OverlapSlot& s = sch.slots[j][i];
      const double a = chains[j][i].pim ? s.host_start_s : s.start_s, b = chains[j][i].pim ? s.host_end_s : s.end_s;
      const double covered = covered_time(pim_spans, a, b);
      const ProgramRun& r = of[j][i]->npu;
      const double total = static_cast<double>(r.end);
      for (const auto& [cat, cyc] : r.busy)
        if (total > 0) cost.breakdown[cat].time_s += ((b - a) - covered) * static_cast<double>(cyc) / total;
    }
  cost.breakdown["comm"];  // no all-reduce is modelled (system.md §2.3)
  if (trace) {
    // Each stage instance at its scheduled span, named <stage>.sb<k> (the
    // PIM attention: attention.sb<k>, its NPU share B.sb<k>); no channel commands.
    Timeline& t = *trace;
    t = Timeline{};
    t.concurrent = true;
    t.pseudo_channels = 1;
    t.pim_clock_ps = 1000;
    for (std::size_t j = 0; j < S; ++j)
      for (std::size_t i = 0; i < chains[j].size(); ++i) {
        const OverlapSlot& s = sch.slots[j][i];
        const std::string sb = ".sb" + std::to_string(j + 1);
        const bool pim = chains[j][i].pim;
        if (!pim) {
          t.ops.push_back({s.start_s, s.end_s, of[j][i]->st.name + sb, "gemm", "host", 0, 0});
          continue;
        }
        t.ops.push_back({s.channel_start_s, s.channel_end_s, "attention" + sb, "gemv", "pim", 0, 0});
        if (s.host_end_s > s.host_start_s)
          t.ops.push_back({s.host_start_s, s.host_end_s, of[j][i]->st.name + sb, "gemv", "host", 0, 0});
      }
    std::stable_sort(t.ops.begin(), t.ops.end(),
                     [](const Timeline::Op& a, const Timeline::Op& b) { return a.start_s < b.start_s; });
  }
  return cost;
}

std::unique_ptr<Backend> make_neupims_backend(const NeupimsOptions& o) { return std::make_unique<NeupimsBackend>(o); }

}  // namespace pimlab::serving
