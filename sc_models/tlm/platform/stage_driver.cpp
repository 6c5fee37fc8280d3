#include "tlm/platform/stage_driver.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <deque>
#include <iterator>
#include <map>
#include <stdexcept>
#include <utility>

#include <nlohmann/json.hpp>
#include <systemc>
#include <tlm>

#include "firmware/compiler/npu_run.h"
#include "dram/spec.h"
#include "gpu/roofline.h"
#include "model/graph.h"
#include "pim/attacc.h"
#include "tlm/common/config.h"
#include "tlm/common/interrupt.h"
#include "tlm/common/sim_time.h"
#include "tlm/hbm/extensions.h"
#include "tlm/hbm/newton_timing.h"
#include "tlm/hbm/pim_path.h"

namespace pimlab::tlm_platform {

namespace {

namespace fc = firmware::compiler;
using npu::Cycle;
using tlm_common::ps_of;
using tlm_common::time_of;

constexpr std::uint64_t kBlockBytes = 64;                // one HBM2 request (BL4 x 128 bit)
constexpr std::uint64_t kRegionBase = 16384ull << 15;    // row 16384 of a channel (rows are bits 15..29): 512 MiB
constexpr std::uint64_t kRegionBytes = 16384ull << 15;   // rows 16384 .. 32767
constexpr std::uint64_t kChannelSpan = kRegionBase + kRegionBytes;  // what a channel must map: 1 GiB
constexpr std::uint64_t kMaxTransactionBytes = 16ull << 20;  // below the channel's default max_transaction_bytes (64 MiB)

[[noreturn]] void refuse(const std::string& key, const std::string& value, const std::string& allowed) {
  throw std::invalid_argument("stage driver: config key '" + key + "': value " + value + " is not allowed; allowed: " +
                              allowed);
}

std::string json_text(const nlohmann::json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

}  // namespace

struct StageDriver::Impl {
  Platform& p;
  const fc::SystemProgram* prog = nullptr;  // the program running
  bool gpu = false;  // a GPU host (host.kernels); else the NPU (host.npu)
  // The host's initiator socket: the NPU's or the GPU's.
  void transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
    if (gpu)
      p.gpu().socket->b_transport(gp, delay);
    else
      p.npu().socket->b_transport(gp, delay);
  }
  DriverOptions o;
  DriverReport rep;
  std::string failure;
  unsigned C = 0;
  // The channels the host's stream is striped over: all of an NPU platform's;
  // a GPU's own HBM (channels 0 .. S-1) on a platform with an AttAcc device.
  unsigned S = 0;
  std::uint64_t span = 0;  // router bytes per channel
  std::uint64_t period_ps = 0;
  // Per PIM segment: the channels with a file and their programs.
  std::map<int, std::vector<std::pair<unsigned, const std::vector<pim::Txn>*>>> segment_files;

  // ---- the NPU's DMA ---------------------------------------------------------------------------
  struct Ticket {
    int pending = 0;
    std::uint64_t done_ps = 0;
    sc_core::sc_event done;
  };
  struct Burst {
    std::uint64_t addr = 0, len = 0, at_ps = 0;
    bool write = false;
    Ticket* ticket = nullptr;
  };
  // One channel's posted bursts in the order of their issue time. Its
  // dispatcher hands them, at their time, to a worker that carries them
  // (blocked in b_transport until the channel completes them): the bursts
  // due by then that follow each other in address and direction as one
  // transaction whose segments complete on their own
  // (tlm_hbm::SegmentExtension), i.e. as the separate requests they are; at
  // most o.max_in_flight such transactions per channel.
  struct Worker {
    std::vector<Burst> parts;
    std::uint64_t seq = 0;  // dispatch order
    sc_core::sc_event go;
  };
  struct Lane {
    std::deque<Burst> queue;
    sc_core::sc_event posted, freed;
    // The kernel may run processes woken in one delta in any order: a worker
    // calls b_transport only in its turn (the channel queues requests of one
    // cycle in call order).
    std::uint64_t dispatched = 0, turn = 0;
    sc_core::sc_event turn_ev;
    std::deque<Worker> workers;  // stable addresses
    std::vector<Worker*> idle;
    bool dispatching = false;
  };
  std::deque<Lane> lanes;
  std::deque<Ticket> tickets;  // this stage's (stable addresses)
  // A stream striped over a range of channels (block i to the range's
  // channel i mod its size): the host's over its own memory, and on a
  // platform with a PIM device the transfers to and from the device over the
  // device's channels.
  struct Stream {
    unsigned first = 0;
    std::uint64_t bytes = 0;          // the stage's stream so far
    std::vector<std::uint64_t> have;  // blocks of the stream each channel of the range has been sent
  };
  Stream host_stream, device_stream;
  std::uint64_t stage_bytes = 0;

  Impl(Platform& pl, const DriverOptions& opt) : p(pl), o(opt) {}

  // Router address of byte `local` of channel c.
  std::uint64_t address(unsigned c, std::uint64_t local) const { return p.memory_base() + c * span + local; }

  void push(unsigned c, const Burst& b) {
    Lane& l = lanes[c];
    // In issue-time order; equal times keep the posting order.
    auto at = l.queue.end();
    while (at != l.queue.begin() && std::prev(at)->at_ps > b.at_ps) --at;
    l.queue.insert(at, b);
    if (!l.dispatching) {
      l.dispatching = true;
      sc_core::sc_spawn_options so;
      sc_core::sc_spawn([this, c] { dispatch(c); }, (std::string("npu_dma_ch") + std::to_string(c)).c_str(), &so);
    } else {
      l.posted.notify(sc_core::SC_ZERO_TIME);
    }
  }

  void dispatch(unsigned c) {
    Lane& l = lanes[c];
    bool counted = false;  // the front burst already counted as waiting
    for (;;) {
      if (l.queue.empty()) {
        sc_core::wait(l.posted);
        continue;
      }
      const std::uint64_t now = ps_of(sc_core::sc_time_stamp());
      if (l.queue.front().at_ps > now) {
        sc_core::wait(time_of(l.queue.front().at_ps - now), l.posted);
        continue;
      }
      Worker* w = nullptr;
      bool fresh = false;
      if (!l.idle.empty()) {
        w = l.idle.back();
        l.idle.pop_back();
      } else if (static_cast<int>(l.workers.size()) < o.max_in_flight) {
        w = &l.workers.emplace_back();
        fresh = true;
      } else {
        if (!counted) ++rep.bursts_waited;
        counted = true;
        sc_core::wait(l.freed);
        continue;
      }
      counted = false;
      w->parts.clear();
      std::uint64_t bytes = 0;
      do {
        w->parts.push_back(l.queue.front());
        bytes += l.queue.front().len;
        l.queue.pop_front();
      } while (!l.queue.empty() && l.queue.front().at_ps <= now && l.queue.front().write == w->parts.back().write &&
               l.queue.front().addr == w->parts.back().addr + w->parts.back().len &&
               bytes + l.queue.front().len <= kMaxTransactionBytes);
      w->seq = l.dispatched++;
      if (fresh) {
        sc_core::sc_spawn_options so;
        so.dont_initialize();
        so.set_sensitivity(&w->go);
        sc_core::sc_spawn([this, c, w] { work(c, *w); },
                          (std::string("npu_dma_ch") + std::to_string(c) + "_" + std::to_string(l.workers.size())).c_str(),
                          &so);
      }
      w->go.notify(sc_core::SC_ZERO_TIME);
      // A write's data crosses the router's links before the request reaches
      // the channel, so a read issued in the same instant would arrive
      // first; what follows a write goes out at the channel's next cycle.
      if (w->parts.front().write && !l.queue.empty()) {
        const std::uint64_t tck = ps_of(p.channel(c).tck()), t = ps_of(sc_core::sc_time_stamp());
        sc_core::wait(time_of(tck - t % tck));
      }
    }
  }

  void work(unsigned c, Worker& w) {
    Lane& l = lanes[c];
    tlm::tlm_generic_payload gp;
    tlm_hbm::SegmentExtension seg;
    std::vector<std::uint8_t> buf;
    gp.set_extension(&seg);
    for (;;) {
      seg.ends.clear();
      std::uint64_t len = 0;
      for (const Burst& b : w.parts) seg.ends.push_back(len += b.len);
      seg.on_done = [&w](std::size_t i, const sc_core::sc_time& at) {
        Ticket& t = *w.parts[i].ticket;
        const std::uint64_t at_ps = ps_of(at), now = ps_of(sc_core::sc_time_stamp());
        t.done_ps = std::max(t.done_ps, at_ps);
        if (--t.pending == 0) t.done.notify(at_ps > now ? time_of(at_ps - now) : sc_core::SC_ZERO_TIME);
      };
      const Burst& first = w.parts.front();
      buf.assign(len, 0);
      gp.set_command(first.write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
      gp.set_address(first.addr);
      gp.set_data_ptr(buf.data());
      gp.set_data_length(static_cast<unsigned>(len));
      gp.set_streaming_width(static_cast<unsigned>(len));
      gp.set_byte_enable_ptr(nullptr);
      gp.set_byte_enable_length(0);
      gp.set_dmi_allowed(false);
      gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
      sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
      ++rep.npu_requests;
      while (l.turn != w.seq) sc_core::wait(l.turn_ev);
      ++l.turn;
      l.turn_ev.notify(sc_core::SC_ZERO_TIME);
      transport(gp, delay);
      if (!gp.is_response_ok() && failure.empty()) {
        failure = std::string(gpu ? "gpu dma: " : "npu dma: ") + (first.write ? "write" : "read") + " of " + std::to_string(len) +
                  " B at 0x" + hex(first.addr) + " answered " + gp.get_response_string();
        sc_core::sc_stop();
      }
      l.idle.push_back(&w);
      l.freed.notify(sc_core::SC_ZERO_TIME);
      sc_core::wait();  // w.go
    }
  }

  static std::string hex(std::uint64_t v) {
    char s[20];
    std::snprintf(s, sizeof s, "%llx", static_cast<unsigned long long>(v));
    return s;
  }

  // The next `bytes` of the stage's stream (`st`: the host's by default),
  // from cycle `issue`: one burst per channel that gets new blocks (split
  // where the region wraps).
  Ticket* post(std::int64_t bytes, bool write, Cycle issue) { return post(host_stream, bytes, write, issue); }
  Ticket* post(Stream& st, std::int64_t bytes, bool write, Cycle issue) {
    Ticket& t = tickets.emplace_back();
    const std::uint64_t now = ps_of(sc_core::sc_time_stamp());
    const std::uint64_t want = static_cast<std::uint64_t>(issue) * period_ps;
    if (want < now) {
      ++rep.late_posts;
      rep.late_s += static_cast<double>(now - want) * 1e-12;
    }
    const std::uint64_t at = std::max(want, now);
    t.done_ps = at;
    st.bytes += static_cast<std::uint64_t>(bytes);
    if (&st == &host_stream) stage_bytes += static_cast<std::uint64_t>(bytes);
    const std::uint64_t blocks = (st.bytes + kBlockBytes - 1) / kBlockBytes;
    const auto R = static_cast<unsigned>(st.have.size());
    for (unsigned i = 0; i < R; ++i) {
      const std::uint64_t mine = blocks > i ? (blocks - i + R - 1) / R : 0;
      std::uint64_t from = st.have[i];
      st.have[i] = mine;
      while (from < mine) {
        const std::uint64_t off = (from * kBlockBytes) % kRegionBytes;
        const std::uint64_t n = std::min(mine - from, (kRegionBytes - off) / kBlockBytes);
        ++t.pending;
        const unsigned c = st.first + i;
        push(c, Burst{address(c, kRegionBase + off), n * kBlockBytes, at, write, &t});
        from += n;
      }
    }
    return &t;
  }
  Cycle complete(Ticket* t) {
    if (t->pending > 0) sc_core::wait(t->done);
    return static_cast<Cycle>((t->done_ps + period_ps - 1) / period_ps);
  }

  class Dma : public fc::ProgramDma {
   public:
    explicit Dma(Impl& im) : m(im) {}
    Cycle transfer(const npu::Transfer& t, Cycle issue) override { return m.complete(m.post(t.bytes, t.write, issue)); }
    Cycle post(const npu::Transfer& t, Cycle issue) override {
      m_gemm[t.id] = m.post(t.bytes, t.write, issue);
      return npu::kPending;
    }
    Cycle complete(const npu::Transfer& t) override { return m.complete(m_gemm.at(t.id)); }
    Cycle raw(std::int64_t bytes, bool write, Cycle issue) override { return m.complete(m.post(bytes, write, issue)); }
    Cycle post_raw(std::int64_t bytes, bool write, Cycle issue, int tag) override {
      m_raw[tag] = m.post(bytes, write, issue);
      return npu::kPending;
    }
    Cycle complete_raw(int tag) override { return m.complete(m_raw.at(tag)); }

   private:
    Impl& m;
    std::map<int, Ticket*> m_gemm, m_raw;
  };

  // The back-end's model (DriverOptions::offer_whole_stream): the stage's
  // transfers, recorded in program order, all posted at the stage's start;
  // the program's k-th transfer is ready when the k-th posting completes.
  class OfferedDma : public fc::ProgramDma {
   public:
    OfferedDma(Impl& im, std::vector<Ticket*> t) : m(im), m_t(std::move(t)) {}
    Cycle transfer(const npu::Transfer&, Cycle issue) override { return next(issue); }
    Cycle raw(std::int64_t, bool, Cycle issue) override { return next(issue); }

   private:
    Cycle next(Cycle issue) { return std::max(issue, m.complete(m_t.at(m_i++))); }
    Impl& m;
    std::vector<Ticket*> m_t;
    std::size_t m_i = 0;
  };

  // ---- PIM programs ----------------------------------------------------------------------------
  // One channel's PIM program of a segment: exactly one of the three.
  struct PimProgram {
    const std::vector<pim::Txn>* txns = nullptr;                 // Newton family
    const std::vector<pim::Command>* pimba = nullptr;            // Pimba family (a timing-only stream)
    const std::vector<pim::AttaccStatement>* attacc = nullptr;  // AttAcc family (timing only)
    bool any() const { return txns || pimba || attacc; }
  };
  // One issuer per channel, started by the stage with its program.
  struct PimIssuer {
    PimProgram prog;
    std::uint64_t done_ps = 0;
    sc_core::sc_event start;
    bool spawned = false;
  };
  std::vector<PimIssuer> issuers;
  int pim_pending = 0;
  sc_core::sc_event pim_done;

  void start_pim(unsigned c, const PimProgram& prog) {
    PimIssuer& is = issuers[c];
    is.prog = prog;
    is.done_ps = 0;
    ++pim_pending;
    if (!is.spawned) {
      is.spawned = true;
      sc_core::sc_spawn_options so;
      sc_core::sc_spawn([this, c] { pim_issuer(c); }, (std::string("pim_issuer_ch") + std::to_string(c)).c_str(), &so);
    } else {
      is.start.notify(sc_core::SC_ZERO_TIME);
    }
  }

  void pim_issuer(unsigned c) {
    PimIssuer& is = issuers[c];
    tlm_hbm::PimExtension ext;
    tlm::tlm_generic_payload gp;
    std::vector<std::uint8_t> res;
    for (;;) {
      if (!is.prog.any()) sc_core::wait(is.start);
      std::size_t bytes = 0;
      ext.newton.clear();
      ext.program = firmware::pimba::ChannelProgram{};
      ext.attacc.clear();
      if (is.prog.txns) {
        ext.newton = *is.prog.txns;
        for (const pim::Txn& x : ext.newton)
          bytes += 64 * (x.type == pim::TxnType::ReadRes || x.type == pim::TxnType::CompsReadRes);
      } else if (is.prog.pimba) {
        ext.program.stream = *is.prog.pimba;  // no unit ops: the channel times the stream, no result slots
      } else {
        ext.attacc = *is.prog.attacc;  // no unit ops: the read data is the program's 8-byte cycle count
        bytes = 8;
      }
      is.prog = PimProgram{};
      ext.error.clear();
      res.assign(bytes, 0);
      gp.set_command(tlm::TLM_READ_COMMAND);
      gp.set_address(address(c, 0));
      gp.set_data_ptr(res.data());
      gp.set_data_length(static_cast<unsigned>(res.size()));
      gp.set_streaming_width(static_cast<unsigned>(res.size()));
      gp.set_byte_enable_ptr(nullptr);
      gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
      gp.set_extension(&ext);
      sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
      transport(gp, delay);
      gp.clear_extension(&ext);
      if (!gp.is_response_ok() && failure.empty()) {
        failure = "PIM program on channel " + std::to_string(c) + " answered " + gp.get_response_string() +
                  (ext.error.empty() ? "" : ": " + ext.error);
        sc_core::sc_stop();
      }
      is.done_ps = ps_of(sc_core::sc_time_stamp() + delay);
      if (--pim_pending == 0) pim_done.notify(sc_core::SC_ZERO_TIME);
    }
  }

  // ---- the iteration ---------------------------------------------------------------------------
  // Step mode (StageDriver::run): the programs handed in from outside, one at
  // a time; otherwise the one program of the constructor.
  bool stepping = false;
  bool step_ready = false;
  bool step_ended = false;  // the NPU's thread has returned (interrupt or failure)
  sc_core::sc_event step_ev;
  fc::SystemProgram step_prog;

  void run() {
    for (std::size_t i = 0;; ++i) {
      if (stepping) {
        while (!step_ready) sc_core::wait(step_ev);
        step_ready = false;
        prog = &step_prog;
      }
      rep.program_s.push_back(0.0);
      run_program(i);
      const bool ok = !rep.interrupted && failure.empty();
      if (ok) ++rep.programs_done;
      if (!stepping) return;
      step_ended = !ok;
      sc_core::sc_pause();  // sc_start() returns to StageDriver::run at the end of this delta
      if (!ok) return;
    }
  }

  void run_program(std::size_t index) {
    if (gpu) return run_gpu_program(index);
    const fc::SystemProgram& prog = *this->prog;
    fc::ProgramTimer timer(p.npu().config());
    Dma dma(*this);
    std::vector<unsigned> pim_channels;
    for (const auto& [k, instance] : fc::stage_instances(prog.npu)) {
      if (o.first_instances_only && instance > 0) continue;
      if (tlm_common::interrupt_requested()) {
        rep.interrupted = true;
        return;
      }
      const fc::NpuStage& st = prog.npu[k];
      const std::uint64_t start = ps_of(sc_core::sc_time_stamp());
      StageInstanceRun r = begin(index, st.name, k, instance, start);
      double dram0 = 0, pim0 = 0;
      channel_energy(dram0, pim0);
      // The PIM programs start with the stage.
      pim_channels.clear();
      const auto files = segment_files.find(st.segment);
      if (files != segment_files.end())
        for (const auto& [ch, txns] : files->second) {
          pim_channels.push_back(ch);
          start_pim(ch, PimProgram{txns, nullptr, nullptr});
        }
      const Cycle c0 = static_cast<Cycle>((start + period_ps - 1) / period_ps);
      fc::ProgramRun pr;
      if (o.offer_whole_stream) {
        fc::RecordingDma rec;
        timer.run(st.ops, rec, c0);
        std::vector<Ticket*> posted;
        for (const fc::RecordingDma::Entry& e : rec.log) posted.push_back(post(e.bytes, e.write, c0));
        OfferedDma offered(*this, std::move(posted));
        pr = timer.run(st.ops, offered, c0);
      } else {
        pr = timer.run(st.ops, dma, c0);
      }
      if (pim_pending > 0) sc_core::wait(pim_done);
      if (!failure.empty()) return;
      const std::uint64_t npu_end = static_cast<std::uint64_t>(pr.end) * period_ps;
      std::uint64_t pim_end = start;
      for (unsigned c : pim_channels) pim_end = std::max(pim_end, issuers[c].done_ps);
      const std::uint64_t end = std::max({npu_end, pim_end, ps_of(sc_core::sc_time_stamp())});
      if (end > ps_of(sc_core::sc_time_stamp())) sc_core::wait(time_of(end - ps_of(sc_core::sc_time_stamp())));
      r.npu_s = static_cast<double>(npu_end - std::min(npu_end, start)) * 1e-12;
      r.pim_s = pim_channels.empty() ? 0.0 : static_cast<double>(pim_end - start) * 1e-12;
      r.time_s = static_cast<double>(end - start) * 1e-12;
      r.npu_bytes = stage_bytes;
      r.pim_programs = static_cast<int>(pim_channels.size());
      r.npu_cycles = pr.end - c0;
      r.npu_busy.insert(pr.busy.begin(), pr.busy.end());
      r.npu_bytes_by = pr.bytes;
      r.npu_host_pj = pr.host_pj;
      channel_energy(r.dram_pj, r.pim_pj);
      r.dram_pj -= dram0;
      r.pim_pj -= pim0;
      finish(r, st.repeat);
    }
  }

  // The energy every Newton channel has counted so far (pJ), each first run on
  // to now if it is idle (tlm_hbm::HbmChannel::settle): its DRAM part
  // (commands, refresh, background) and its PIM commands' part.
  void channel_energy(double& dram_pj, double& pim_pj) {
    dram_pj = pim_pj = 0;
    for (unsigned c = 0; c < C; ++c) {
      tlm_hbm::HbmChannel& ch = p.channel(c);
      ch.settle();
      const auto* nt = dynamic_cast<const tlm_hbm::NewtonTiming*>(&ch.timing());
      if (nt == nullptr) continue;
      const pim::NewtonCounters& k = nt->controller().counters();
      const double pim = k.pim_pj();
      pim_pj += pim;
      dram_pj += k.energy_pj - pim;
    }
  }

  // A stage instance (an NPU's stage, a GPU's kernel or PIM launch) begins at
  // `start`: a fresh stream over the channels, its run's record.
  StageInstanceRun begin(std::size_t index, const std::string& name, std::size_t k, std::int64_t instance,
                         std::uint64_t start) {
    StageInstanceRun r;
    r.program = index;
    r.name = name;
    r.stage = k;
    r.instance = instance;
    r.start_s = static_cast<double>(start) * 1e-12;
    tickets.clear();
    stage_bytes = 0;
    host_stream = Stream{0, 0, std::vector<std::uint64_t>(S, 0)};
    device_stream = Stream{S, 0, std::vector<std::uint64_t>(C - S, 0)};
    return r;
  }
  // It has ended: recorded, and counted `repeat` times when only first instances run.
  void finish(const StageInstanceRun& r, std::int64_t repeat) {
    rep.runs.push_back(r);
    const double t = r.time_s * static_cast<double>(o.first_instances_only ? std::max<std::int64_t>(1, repeat) : 1);
    rep.iteration_s += t;
    rep.program_s.back() += t;
  }

  // A GPU host's program: its kernels and PIM launches in order
  // (firmware::compiler::host_instances), each starting when the previous one
  // has ended (the serial composition of GpuBackend). A kernel is timed by the
  // roofline's compute term (gpu::time_operator) and its memory by the
  // channels: the roofline's HBM bytes (its reads, then the C operand's
  // writes) posted at the kernel's start (an element-wise kernel's: after its
  // fitted floor, OpResult::fixed_s) through the same lanes as an NPU stage's
  // stream, the kernel ending at the later of the two; an all-reduce lasts
  // the roofline's link time and moves no HBM bytes, a transfer to or from a
  // PIM device (X2G) lasts at least that and moves its bytes through the
  // device's channels. A PIM launch sends its segment's stream to every
  // channel with one (a Pimba channel file, or one channel's part of an
  // AttAcc stack's trace) and ends when the last has answered.
  void run_gpu_program(std::size_t index) {
    const fc::SystemProgram& prog = *this->prog;
    const gpu::Host& host = p.gpu().host();
    const int tp = static_cast<int>(std::max<std::int64_t>(1, prog.header.tp));
    std::vector<unsigned> pim_channels;
    for (const auto& [k, instance] : fc::host_instances(prog.host)) {
      if (o.first_instances_only && instance > 0) continue;
      if (tlm_common::interrupt_requested()) {
        rep.interrupted = true;
        return;
      }
      const fc::HostEntry& e = prog.host[k];
      const std::uint64_t start = ps_of(sc_core::sc_time_stamp());
      StageInstanceRun r = begin(index, e.name, k, instance, start);
      std::uint64_t end = start;
      if (e.kind == fc::EntryKind::kernel) {
        const gpu::Operator op = kernel_operator(e);
        const gpu::OpResult res = gpu::time_operator(host, op, tp);
        const auto ps = [](double sec) { return static_cast<std::uint64_t>(std::ceil(sec * 1e12 - 1e-6)); };
        if (gpu::is_link(op.cls)) {
          end = start + ps(res.time_s);
          // A transfer to or from a PIM device (model/graph.h: kX2gToDevice
          // takes the attention's Q, K and V to it, kX2gFromDevice its output back)
          // moves its bytes through the device's channels too; it ends when
          // both the link and the channels are done.
          if (op.cls == gpu::OpClass::X2G && C > S) {
            Ticket* t = post(device_stream, static_cast<std::int64_t>(std::llround(res.hbm_bytes)), e.name != model::kX2gFromDevice,
                             static_cast<Cycle>(start / period_ps));
            end = std::max(end, static_cast<std::uint64_t>(complete(t)) * period_ps);
            if (!failure.empty()) return;
          }
        } else {
          const double c_bytes = static_cast<double>(e.m) * static_cast<double>(e.n) * static_cast<double>(e.num_op) *
                                 static_cast<double>(e.dbyte);
          const auto reads = static_cast<std::int64_t>(std::llround(std::max(0.0, res.hbm_bytes - c_bytes)));
          const auto writes = static_cast<std::int64_t>(std::llround(std::min(c_bytes, res.hbm_bytes)));
          // An element-wise kernel's fitted floor (launch and setup) comes
          // before its traffic; the rest of the fit is what the channels time.
          const std::uint64_t issue = start + ps(res.fixed_s);
          Ticket* rd = reads > 0 ? post(reads, false, static_cast<Cycle>(issue)) : nullptr;
          Ticket* wr = writes > 0 ? post(writes, true, static_cast<Cycle>(issue)) : nullptr;
          std::uint64_t mem = issue;
          if (rd) mem = std::max(mem, static_cast<std::uint64_t>(complete(rd)));
          if (wr) mem = std::max(mem, static_cast<std::uint64_t>(complete(wr)));
          if (!failure.empty()) return;
          end = std::max(start + ps(res.compute_s), mem);
        }
        r.category = e.category;
      } else {
        pim_channels.clear();
        const auto files = launch_files.find(e.segment);
        if (files != launch_files.end())
          for (const auto& [ch, launch] : files->second) {
            pim_channels.push_back(ch);
            start_pim(ch, launch);
          }
        if (pim_pending > 0) sc_core::wait(pim_done);
        if (!failure.empty()) return;
        for (unsigned c : pim_channels) end = std::max(end, issuers[c].done_ps);
        r.pim_s = static_cast<double>(end - start) * 1e-12;
        r.pim_programs = static_cast<int>(pim_channels.size());
        r.category = fc::pim_entry_category(e);
      }
      const std::uint64_t now = ps_of(sc_core::sc_time_stamp());
      if (end > now) sc_core::wait(time_of(end - now));
      end = std::max(end, now);
      r.time_s = static_cast<double>(end - start) * 1e-12;
      if (e.kind == fc::EntryKind::kernel) r.npu_s = r.time_s;
      r.npu_bytes = stage_bytes;
      finish(r, e.repeat);
    }
  }

  // The platform's side: what every program needs of it.
  void validate_platform() {
    gpu = p.gpu_host();
    C = p.channel_count();
    if (p.explicit_map())
      refuse("top.noc.address_map", "(an explicit map)",
             "the generated map (no top.noc.address_map): the driver stripes the NPU's stream itself");
    if (p.p_interleave_bytes.get() != 0)
      refuse(p.p_interleave_bytes.key(), std::to_string(p.p_interleave_bytes.get()),
             "0 (one contiguous range per channel; the driver stripes the NPU's stream in 64 B blocks)");
    span = p.memory_bytes() / C;
    if (span < kChannelSpan)
      refuse(p.p_memory_bytes.key(), std::to_string(p.memory_bytes()),
             "0 or at least " + std::to_string(C) + " x 1 GiB (the NPU's stream uses rows 16384.. of each channel)");
    if (o.max_in_flight < 1 || o.max_in_flight > 4096)
      throw std::invalid_argument("stage driver: max_in_flight " + std::to_string(o.max_in_flight) +
                                  " is not allowed; allowed: 1..4096 bursts per channel");
    if (gpu) {
      if (o.offer_whole_stream)
        throw std::invalid_argument("stage driver: offer_whole_stream applies to an NPU's program (a GPU kernel's "
                                    "traffic is posted at the kernel's start anyway)");
      period_ps = 1;  // a GPU host's program is timed in picoseconds
    } else {
      const npu::NpuConfig& cfg = p.npu().config();
      if (cfg.dma.max_outstanding != 0)
        refuse(p.name() + std::string(".npu.dma.max_outstanding"), std::to_string(cfg.dma.max_outstanding),
               "0 (the driver keeps every posted burst in flight, up to max_in_flight per channel)");
      if (1000000 % cfg.clock_mhz != 0)
        refuse(p.name() + std::string(".npu.clock_mhz"), std::to_string(cfg.clock_mhz), "a divisor of 1000000");
      period_ps = static_cast<std::uint64_t>(1000000 / cfg.clock_mhz);
    }
    S = C;
    if (gpu) {
      // The GPU's own HBM first, then an AttAcc device's channels, if any.
      const nlohmann::json& eff = tlm_common::Config::instance().effective();
      const auto key = [&](unsigned c) { return p.name() + std::string(".ch") + std::to_string(c) + ".pim_family"; };
      S = 0;
      while (S < C && json_text(eff.at(key(S))) != "attacc") ++S;
      if (S == 0)
        refuse(key(0), "attacc", "pimba (the GPU's own HBM comes first: channels 0 .. F-1; an AttAcc device's after "
                                 "them, top.pim_device.first_channel = F)");
      for (unsigned c = S; c < C; ++c)
        if (json_text(eff.at(key(c))) != "attacc")
          refuse(key(c), json_text(eff.at(key(c))),
                 "attacc (an AttAcc device's channels, " + std::to_string(S) + " .. " + std::to_string(C - 1) +
                     ", follow the GPU's own HBM)");
    }
    for (unsigned c = 0; c < C; ++c) lanes.emplace_back();
    issuers = std::vector<PimIssuer>(C);
  }

  // The program's side: it fits the platform; its channel files by segment.
  void use(const fc::SystemProgram& pr) {
    const fc::ProgramHeader& h = pr.header;
    if (pr.npu_host == gpu)
      throw std::invalid_argument(
          "stage driver: the program of system '" + h.system + "' has " +
          (pr.npu_host ? "an NPU host (host.npu)" : "a GPU host (host.kernels)") + "; the platform's host is " +
          (gpu ? "a GPU: allowed: a GPU system's program (gpu, gpu+q, gpu+pim, pimba, time-multiplexed, pipelined)"
               : "the NPU: allowed: an NPU system's program (npu-only, npu+pim, neupims)"));
    if (gpu) return use_gpu(pr);
    // A program without PIM (npu-only) names no channels: the platform's serve it.
    if (h.channels != 0 && static_cast<int>(C) != h.channels)
      refuse(p.p_channels.key(), std::to_string(C), std::to_string(h.channels) + " (the program's channels)");
    const nlohmann::json& eff = tlm_common::Config::instance().effective();
    const std::string top = p.name();
    const bool pim = h.family == "newton" || h.family == "neupims";
    for (unsigned c = 0; c < C; ++c) {
      const std::string k = top + ".ch" + std::to_string(c) + ".";
      auto need = [&](const std::string& key, const std::string& want, const std::string& why) {
        const std::string have = json_text(eff.at(k + key));
        if (have != want) refuse(k + key, have, want + " (" + why + ")");
      };
      need("pim_family", "newton", "the NeuPIMs systems' HBM2 channels");
      need("frontend", "queued", "the NPU's requests and the PIM programs share one controller queue");
      if (pim) need("pim_type", h.variant, "the program's controller, system " + h.system);
      need("artifact_compatible", h.artifact_compatible ? "true" : "false",
           "the program was compiled " + std::string(h.artifact_compatible ? "with" : "without") + " --artifact-compatible");
    }
    // The NPU's timing rules follow the program's mode, as in the back-end.
    const bool npu_artifact = p.npu().config().mode == npu::Mode::artifact;
    if (npu_artifact != h.artifact_compatible)
      refuse(top + ".npu.mode", npu_artifact ? "artifact" : "faithful",
             std::string(h.artifact_compatible ? "artifact" : "faithful") + " (the program was compiled " +
                 (h.artifact_compatible ? "with" : "without") + " --artifact-compatible)");
    segment_files.clear();
    for (const fc::ChannelFile& f : pr.files) {
      if (f.channel < 0 || f.channel >= static_cast<int>(C))
        throw std::invalid_argument("stage driver: program file '" + f.path + "' is for channel " +
                                    std::to_string(f.channel) + "; the platform has " + std::to_string(C));
      segment_files[f.segment].push_back({static_cast<unsigned>(f.channel), &f.newton.pim});
    }
  }

  // A GPU system's program: the GPU's own HBM, Pimba-family channels (or
  // plain ones without PIM) behind the queued front end, one per program
  // channel; an AttAcc system's: the same for the GPU's HBM and the
  // platform's AttAcc device, whose channels run each stack file's trace
  // split by channel (stack s's channel k is platform channel S + 16 s + k).
  std::map<int, std::vector<std::pair<unsigned, PimProgram>>> launch_files;
  std::deque<std::vector<pim::AttaccStatement>> attacc_streams;  // the split traces (stable addresses)
  void use_gpu(const fc::SystemProgram& pr) {
    const fc::ProgramHeader& h = pr.header;
    const std::string fmt = fc::channel_format(h.family);
    if (h.family != "none" && fmt != "pimba" && fmt != "attacc")
      throw std::invalid_argument("stage driver: the program of system '" + h.system + "' has PIM family '" + h.family +
                                  "'; allowed on a GPU platform: none, the Pimba family (pimba, hbm-pim, "
                                  "time-multiplexed, pipelined) or attacc");
    const bool attacc = fmt == "attacc";
    const int per_stack = attacc ? dram::preset(h.preset).org.channels : 0;
    if (attacc && static_cast<int>(C - S) != h.channels * per_stack)
      refuse(p.p_channels.key(), std::to_string(C) + " with " + std::to_string(C - S) + " AttAcc channels",
             std::to_string(S + static_cast<unsigned>(h.channels * per_stack)) + " with " +
                 std::to_string(h.channels * per_stack) + " AttAcc channels from channel " + std::to_string(S) +
                 " (the program's " + std::to_string(h.channels) + " stacks of " + std::to_string(per_stack) + ")");
    if (fmt == "pimba" && static_cast<int>(C) != h.channels)
      refuse(p.p_channels.key(), std::to_string(C), std::to_string(h.channels) + " (the program's channels)");
    const nlohmann::json& eff = tlm_common::Config::instance().effective();
    const std::string top = p.name();
    for (unsigned c = 0; c < C; ++c) {
      const std::string k = top + ".ch" + std::to_string(c) + ".";
      auto need = [&](const std::string& key, const std::string& want, const std::string& why) {
        const std::string have = json_text(eff.at(k + key));
        if (have != want) refuse(k + key, have, want + " (" + why + ")");
      };
      need("frontend", "queued", "the GPU's requests and the PIM programs share one controller queue");
      if (c >= S) {
        if (!attacc) continue;  // an AttAcc device the program does not use
        need("preset", h.preset, "the program's stacks, system " + h.system);
        need("placement", h.variant, "the program's processing units, system " + h.system);
        need("artifact_compatible", h.artifact_compatible ? "true" : "false",
             "the program was compiled " + std::string(h.artifact_compatible ? "with" : "without") +
                 " --artifact-compatible");
        continue;
      }
      need("pim_family", "pimba", "the Pimba systems' HBM2 channels, also a GPU's own HBM");
      if (fmt == "pimba" && h.preset != "-") need("preset", h.preset, "the program's channels, system " + h.system);
    }
    launch_files.clear();
    attacc_streams.clear();
    const int files_for = attacc ? h.channels : static_cast<int>(C);
    for (const fc::ChannelFile& f : pr.files) {
      if (f.channel < 0 || f.channel >= files_for)
        throw std::invalid_argument("stage driver: program file '" + f.path + "' is for " + (attacc ? "stack " : "channel ") +
                                    std::to_string(f.channel) + "; the platform has " + std::to_string(files_for));
      if (!attacc) {
        launch_files[f.segment].push_back({static_cast<unsigned>(f.channel), PimProgram{nullptr, &f.pimba, nullptr}});
        continue;
      }
      std::vector<std::vector<pim::AttaccStatement>> split(static_cast<std::size_t>(per_stack));
      for (const pim::AttaccStatement& st : f.attacc) {
        pim::AttaccAddr a = pim::decode_addr(st.addr);
        if (a.ch >= per_stack)
          throw std::invalid_argument("stage driver: program file '" + f.path + "' names channel " + std::to_string(a.ch) +
                                      " of a stack of " + std::to_string(per_stack));
        const std::size_t ch = static_cast<std::size_t>(a.ch);
        a.ch = 0;  // a channel's program carries channel-local addresses
        split[ch].push_back({st.type, pim::encode_addr(a)});
      }
      for (int ch = 0; ch < per_stack; ++ch) {
        // A channel left only barriers (fewer heads than channels) has nothing to run.
        const auto& part = split[static_cast<std::size_t>(ch)];
        if (std::all_of(part.begin(), part.end(),
                        [](const pim::AttaccStatement& st) { return st.type == pim::AttaccReq::Barrier; }))
          continue;
        attacc_streams.push_back(std::move(split[static_cast<std::size_t>(ch)]));
        launch_files[f.segment].push_back(
            {S + static_cast<unsigned>(f.channel * per_stack + ch), PimProgram{nullptr, nullptr, &attacc_streams.back()}});
      }
    }
  }

  // The host's thread runs the programs; what goes wrong inside ends the
  // simulation with failure() set.
  void guarded_run() {
    try {
      run();
    } catch (const std::exception& e) {
      if (failure.empty()) failure = e.what();
      sc_core::sc_stop();
    }
  }
  void install() {
    if (gpu)
      p.gpu().program = [this](tlm_gpu::Gpu&) { guarded_run(); };
    else
      p.npu().program = [this](tlm_npu::Npu&) { guarded_run(); };
  }
};

StageDriver::StageDriver(Platform& p, const fc::SystemProgram& prog, const DriverOptions& o)
    : m(std::make_unique<Impl>(p, o)) {
  m->validate_platform();
  m->use(prog);
  m->prog = &prog;
  m->install();
}

StageDriver::StageDriver(Platform& p, const DriverOptions& o) : m(std::make_unique<Impl>(p, o)) {
  m->validate_platform();
  m->stepping = true;
  m->install();
}

gpu::Operator kernel_operator(const firmware::compiler::HostEntry& e) {
  gpu::Operator op;
  op.cls = gpu::parse_class(e.cls);
  op.name = e.name;
  op.category = e.category;
  op.m = e.m;
  op.n = e.n;
  op.k = e.k;
  op.num_op = e.num_op;
  op.dbyte = e.dbyte;
  return op;
}

double StageDriver::run(fc::SystemProgram prog) {
  if (!m->stepping) throw std::logic_error("stage driver: run() is for the step mode (StageDriver(platform, options))");
  if (!m->failure.empty() || m->step_ended)
    throw std::logic_error("stage driver: the simulation has ended (" +
                           (m->failure.empty() ? std::string("interrupted") : m->failure) + ")");
  m->step_prog = std::move(prog);
  m->use(m->step_prog);  // std::invalid_argument before anything runs; the PIM issuers read its channel files
  m->step_ready = true;
  m->step_ev.notify(sc_core::SC_ZERO_TIME);
  sc_core::sc_start();
  if (m->rep.program_s.empty()) throw std::logic_error("stage driver: the simulation did not start the program");
  return m->rep.program_s.back();
}

StageDriver::~StageDriver() = default;
const DriverReport& StageDriver::report() const { return m->rep; }
const std::string& StageDriver::failure() const { return m->failure; }

}  // namespace pimlab::tlm_platform
