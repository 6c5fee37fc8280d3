#include "tlm/hbm/attacc_timing.h"

#include <algorithm>
#include <cstdio>
#include <stdexcept>

namespace pimlab::tlm_hbm {

namespace {
pim::AttaccOptions options(bool art) {
  pim::AttaccOptions o;
  o.artifact_compatible = art;
  return o;
}
const dram::DramSpec& checked(const dram::DramSpec& s) {
  if (s.t.nCCDAB <= 0 || s.t.nCCDSB <= 0)
    throw std::invalid_argument("preset '" + s.name + "' is not an AttAcc HBM3-PIM preset (no nCCDAB / nCCDSB); "
                                "allowed: attacc-hbm3-{4.8,5.2,5.6,6.0,6.4}[-npc]");
  return s;
}
}  // namespace

AttaccTiming::AttaccTiming(const dram::DramSpec& spec, pim::AttaccPlacement placement, bool art, bool keep_trace)
    : m_spec(checked(spec)), m_placement(placement), m_opt(options(art)), m_ctl(m_spec, m_opt), m_keep_trace(keep_trace) {
  m_spec.org.channels = 1;
}

std::string AttaccTiming::describe() const {
  return std::string("pim::AttaccController (") + pim::placement_name(m_placement) + ", " + m_spec.name +
         (m_opt.artifact_compatible ? ", artifact-compatible" : ", faithful") +
         (m_keep_trace ? ", independent checker on" : "") + ")";
}

std::uint64_t AttaccTiming::row_address(int pch, int bank_group, int bank, int row) const {
  return pim::encode_addr(pim::AttaccAddr{0, pch, bank_group / 4, bank_group % 4, bank, row, 0});
}

bool AttaccTiming::idle() const {
  return m_host_in.empty() && m_pim_in.empty() && m_tags.empty() && m_ctl.idle();
}

void AttaccTiming::submit(std::uint64_t tag, const std::vector<AtomAccess>& atoms, Cycle arrival) {
  if (arrival < 0) throw std::invalid_argument("AttaccTiming: negative arrival cycle " + std::to_string(arrival));
  if (atoms.empty()) throw std::invalid_argument("AttaccTiming: a request without atoms");
  if (m_tags.count(tag)) throw std::logic_error("AttaccTiming: tag " + std::to_string(tag) + " is outstanding");
  TagState& ts = m_tags[tag];
  ts.remaining = atoms.size();
  ts.timing.arrival = ts.timing.first_issue = ts.timing.done = arrival;
  for (const AtomAccess& a : atoms) m_host_in.push_back({a, tag, arrival});
}

std::string AttaccTiming::program_error(const std::vector<pim::AttaccStatement>& program) const {
  const pim::AttaccReq mac = m_placement == pim::AttaccPlacement::Bank        ? pim::AttaccReq::MacAB
                             : m_placement == pim::AttaccPlacement::BankGroup ? pim::AttaccReq::MacSB
                                                                              : pim::AttaccReq::MacPB;
  bool work = false;
  for (std::size_t i = 0; i < program.size(); ++i) {
    const pim::AttaccStatement& s = program[i];
    const std::string at = "statement " + std::to_string(i) + " (" + pim::req_name(s.type) + "): ";
    if (s.addr >= capacity_bytes())
      return at + "address 0x" + [&] {
        char b[32];
        std::snprintf(b, sizeof b, "%llx", static_cast<unsigned long long>(s.addr));
        return std::string(b);
      }() + " is beyond the channel (1 GiB; a program carries channel-local addresses)";
    const bool is_mac =
        s.type == pim::AttaccReq::MacAB || s.type == pim::AttaccReq::MacSB || s.type == pim::AttaccReq::MacPB;
    if (is_mac && s.type != mac)
      return at + "a MAC of another placement; the channel's placement is '" +
             pim::placement_name(m_placement) + "' (" + pim::req_name(mac) + ")";
    work = work || s.type != pim::AttaccReq::Barrier;
  }
  if (!work) return "the program has no request other than barriers";
  return {};
}

void AttaccTiming::submit_program(std::uint64_t tag, const std::vector<pim::AttaccStatement>& program,
                                  Cycle arrival) {
  if (arrival < 0) throw std::invalid_argument("AttaccTiming: negative arrival cycle " + std::to_string(arrival));
  const std::string why = program_error(program);
  if (!why.empty()) throw std::invalid_argument("AttaccTiming: " + why);
  if (m_tags.count(tag)) throw std::logic_error("AttaccTiming: tag " + std::to_string(tag) + " is outstanding");
  TagState& ts = m_tags[tag];
  ts.program = true;
  ts.timing.arrival = ts.timing.first_issue = ts.timing.done = arrival;
  for (std::size_t i = 0; i < program.size(); ++i) {
    ts.remaining += program[i].type != pim::AttaccReq::Barrier;
    ++m_requests.req[static_cast<int>(program[i].type)];
    m_pim_in.push_back({program[i], tag, i, arrival});
  }
}

std::vector<std::size_t> AttaccTiming::take_program_order(std::uint64_t tag) {
  const auto it = m_orders.find(tag);
  if (it == m_orders.end()) return {};
  std::vector<std::size_t> o = std::move(it->second);
  m_orders.erase(it);
  return o;
}

bool AttaccTiming::push_streams(Cycle t) {
  bool pushed = false;
  // Host accesses first, then the PIM stream, while the queue accepts.
  while (!m_host_in.empty() && m_host_in.front().arrival <= t && m_ctl.can_accept()) {
    const HostIn& h = m_host_in.front();
    const std::int64_t seq = m_next_stmt++;
    m_stmt[seq] = {h.tag, 0};
    TagState& ts = m_tags.at(h.tag);
    if (!ts.started) ts.timing.first_issue = t, ts.started = true;
    m_ctl.push_host(h.a.addr, h.a.write, seq);
    m_host_in.pop_front();
    pushed = true;
  }
  while (!m_pim_in.empty() && m_pim_in.front().arrival <= t && m_ctl.can_accept()) {
    const PimIn& p = m_pim_in.front();
    const std::int64_t seq = m_next_stmt++;
    if (p.s.type != pim::AttaccReq::Barrier) m_stmt[seq] = {p.tag, p.index};
    TagState& ts = m_tags.at(p.tag);
    if (!ts.started) ts.timing.first_issue = t, ts.started = true;
    m_ctl.push(p.s.type, p.s.addr, seq);
    m_pim_in.pop_front();
    pushed = true;
  }
  return pushed;
}

void AttaccTiming::collect(Cycle) {
  for (const pim::AttaccIssued& c : m_ctl.take_issued()) {
    ++m_counts.commands;
    switch (c.cls) {
      case pim::kACT: case pim::kACTAB: case pim::kACTSB: case pim::kACTPB: ++m_counts.activates; break;
      case pim::kPRE: case pim::kPREA: case pim::kPRESB: case pim::kPREPB: ++m_counts.precharges; break;
      case pim::kREFab: ++m_counts.refreshes; break;
      case pim::kRD: ++m_counts.reads; break;
      case pim::kWR: ++m_counts.writes; break;
      default: break;
    }
    m_last_issue = c.cycle;
    if (on_command) {
      // For waveforms: host commands by their codes; PIM row commands as
      // ACT / PRE / REF of the banks they touch; MACs and moves as `pim`.
      auto emit = [&](CmdCode code, int pch, int bg, int bank, int row) {
        IssuedCommand ic;
        ic.cycle = c.cycle;
        ic.code = code;
        ic.pch = pch;
        ic.bank_group = bg;
        ic.bank = bank;
        ic.row = row;
        on_command(ic);
      };
      const pim::AttaccAddr& a = c.addr;
      switch (c.cls) {
        case pim::kACT: emit(CmdCode::act, a.pch, a.rank * 4 + a.bg, a.bank, a.row); break;
        case pim::kPRE: emit(CmdCode::pre, a.pch, a.rank * 4 + a.bg, a.bank, -1); break;
        case pim::kRD: emit(CmdCode::rd, a.pch, a.rank * 4 + a.bg, a.bank, -1); break;
        case pim::kWR: emit(CmdCode::wr, a.pch, a.rank * 4 + a.bg, a.bank, -1); break;
        case pim::kREFab: emit(CmdCode::ref, a.pch, -1, -1, -1); break;
        case pim::kACTAB: for (int p = 0; p < 2; ++p) emit(CmdCode::act, p, -1, -1, a.row); break;
        case pim::kPREA: for (int p = 0; p < 2; ++p) emit(CmdCode::pre, p, -1, -1, -1); break;
        case pim::kACTSB: for (int p = 0; p < 2; ++p) emit(CmdCode::act, p, -1, a.bank, a.row); break;
        case pim::kPRESB: for (int p = 0; p < 2; ++p) emit(CmdCode::pre, p, -1, a.bank, -1); break;
        case pim::kACTPB: for (int p = 0; p < 2; ++p) emit(CmdCode::act, p, a.rank * 4 + a.bg, a.bank, a.row); break;
        case pim::kPREPB: for (int p = 0; p < 2; ++p) emit(CmdCode::pre, p, a.rank * 4 + a.bg, a.bank, -1); break;
        default: emit(CmdCode::pim, a.pch, -1, -1, -1); break;
      }
    }
    if (c.stmt >= 0) {
      const auto s = m_stmt.find(c.stmt);
      if (s == m_stmt.end()) throw std::logic_error("AttaccTiming: a command of an unknown request");
      const auto it = m_tags.find(s->second.first);
      if (it == m_tags.end()) throw std::logic_error("AttaccTiming: a command of a finished request");
      TagState& ts = it->second;
      Cycle end = c.cycle + 1;  // a PIM final: the cycle after it
      if (c.cls == pim::kRD) end = c.cycle + m_spec.t.nCL + m_spec.t.nBL;
      if (c.cls == pim::kWR) end = c.cycle + m_spec.t.nCWL + m_spec.t.nBL;
      ts.timing.done = std::max(ts.timing.done, end);
      if (ts.program) {
        ts.order.push_back(s->second.second);
        if (on_final) on_final(it->first, s->second.second);
      }
      m_stmt.erase(s);
      if (--ts.remaining == 0) {
        m_done.push_back({it->first, ts.timing});
        if (ts.program) m_orders[it->first] = std::move(ts.order);
        m_tags.erase(it);
      }
    }
    if (m_keep_trace) m_trace.push_back(c);
  }
}

Cycle AttaccTiming::next_arrival() const {
  Cycle a = kNoEvent;
  if (!m_ctl.can_accept()) return a;  // a push waits for an issue (the controller's next pass)
  if (!m_host_in.empty()) a = std::min(a, m_host_in.front().arrival);
  if (!m_pim_in.empty()) a = std::min(a, m_pim_in.front().arrival);
  return a;
}

void AttaccTiming::advance(Cycle until) {
  const Cycle refi = m_spec.t.nREFI;
  // With nothing outstanding the controller is not run; with a request
  // waiting for its arrival it runs its refreshes up to it (from event to event).
  while (m_t < until) {
    if (idle()) break;
    const Cycle t = m_t + 1;
    if (push_streams(t)) m_wake = t;
    if (m_wake <= t || t % refi == 0) m_wake = m_ctl.cycle(t) ? t + 1 : m_ctl.next_event(t + 1);
    m_t = t;
    collect(t);
    // Skip the cycles in which nothing can change.
    Cycle next = std::min(m_wake, (t + 1 + refi - 1) / refi * refi);
    const Cycle arr = next_arrival();
    if (arr != kNoEvent) next = std::min(next, std::max(arr, t + 1));
    if (next > t + 1) m_t = std::min(next, until + 1) - 1;
  }
}

Cycle AttaccTiming::next_event() const {
  if (idle()) return kNoEvent;
  const Cycle refi = m_spec.t.nREFI;
  Cycle n = std::min(m_wake, (m_t + 1 + refi - 1) / refi * refi);
  const Cycle arr = next_arrival();
  if (arr != kNoEvent) n = std::min(n, arr);
  return std::max(n, m_t + 1);
}

std::vector<TimingSource::Done> AttaccTiming::take_done() { return std::move(m_done); }

AccessTiming AttaccTiming::take_command_counts() {
  AccessTiming c = m_counts;
  m_counts = AccessTiming{};
  return c;
}

AccessTiming AttaccTiming::access(const std::vector<AtomAccess>& atoms, Cycle arrival) {
  return access_incrementally(atoms, arrival, m_private_tag--, m_counts);
}

std::vector<pim::AttaccViolation> AttaccTiming::check() const {
  return pim::check_attacc_channel(m_spec, m_trace, m_opt.artifact_compatible, 0);
}

}  // namespace pimlab::tlm_hbm
