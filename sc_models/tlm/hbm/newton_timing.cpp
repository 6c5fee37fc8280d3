#include "tlm/hbm/newton_timing.h"

#include <algorithm>
#include <stdexcept>

#include "pim/newton_trace.h"

namespace pimlab::tlm_hbm {

std::uint64_t newton_address_of_local(std::uint64_t local) {
  // Insert the 5 channel bits (0) above byte offset and column.
  return (local & 0x3FFu) | ((local >> 10) << 15);
}

std::uint64_t local_of_newton_address(std::uint64_t addr) { return (addr & 0x3FFu) | ((addr >> 15) << 10); }

NewtonTiming::NewtonTiming(const pim::NewtonOptions& o, bool keep_trace)
    : m_opt(o), m_spec(pim::newton_spec()), m_ch(o), m_keep_trace(keep_trace) {
  m_spec.org.channels = 1;
  m_opt.event_skip = true;  // idle cycles are skipped: results are those of the plain controller
  m_ch.set_trace(&m_trace);
  m_ch.set_response_sink(&m_resp);
}

std::string NewtonTiming::describe() const {
  return std::string("pim::NewtonChannel (") + pim::pim_type_name(m_opt.type) + ", " + m_spec.name +
         (m_opt.artifact_compatible ? ", artifact-compatible" : ", faithful") +
         (m_keep_trace ? ", independent checker on" : "") + ")";
}

std::uint64_t NewtonTiming::row_address(int pch, int bank_group, int bank, int row) const {
  pim::NewtonAddress a;
  a.rank = pch;
  a.bg = bank_group;
  a.bank = bank;
  a.row = row;
  return local_of_newton_address(pim::encode_newton_address(a));
}

bool NewtonTiming::idle() const { return m_pim_in.empty() && m_mem_in.empty() && m_tags.empty(); }

void NewtonTiming::submit(std::uint64_t tag, const std::vector<AtomAccess>& atoms, Cycle arrival) {
  if (arrival < 0) throw std::invalid_argument("NewtonTiming: negative arrival cycle " + std::to_string(arrival));
  if (atoms.empty()) throw std::invalid_argument("NewtonTiming: a request without atoms");
  if (m_tags.count(tag)) throw std::logic_error("NewtonTiming: tag " + std::to_string(tag) + " is outstanding");
  if (idle()) m_last_progress = std::max<std::uint64_t>(m_ch.clk(), static_cast<std::uint64_t>(arrival));
  TagState& ts = m_tags[tag];
  ts.remaining = atoms.size();
  ts.timing.arrival = ts.timing.first_issue = ts.timing.done = arrival;
  for (const AtomAccess& a : atoms) {
    pim::Txn t = pim::make_txn(a.write ? pim::TxnType::Write : pim::TxnType::Read, newton_address_of_local(a.addr));
    t.tag = tag;
    m_mem_in.push_back({t, arrival});
  }
}

std::string NewtonTiming::program_error(const std::vector<pim::Txn>& program) const {
  int row = -1;
  std::uint64_t macs = 0;  // MAC steps since the P_HEADER
  bool answers = false;
  for (std::size_t i = 0; i < program.size(); ++i) {
    const pim::Txn& t = program[i];
    const std::string at = "transaction " + std::to_string(i) + " (" + pim::txn_type_name(t.type) + "): ";
    if (!pim::is_pim_txn(t.type)) return at + "not a PIM transaction (memory requests travel as plain reads/writes)";
    const std::string why = pim::newton_refusal(m_opt.type, t);
    if (!why.empty()) return at + why;
    if (t.type == pim::TxnType::PHeader) {
      row = t.a.row;
      macs = 0;
    } else if (t.type != pim::TxnType::GWrite && row >= 0 && t.a.row != row) {
      return at + "addresses row " + std::to_string(t.a.row) + ", but its GEMV's P_HEADER opened row " +
             std::to_string(row);
    }
    macs += t.type == pim::TxnType::Comp ? 1 : t.type == pim::TxnType::CompsReadRes ? t.num_comps : 0;
    if (macs > 32)
      return at + "MAC step " + std::to_string(macs) + " on the row of its P_HEADER (a 1 KB row holds 32 steps of 16 "
                  "values; pim/newton_unit.h)";
    answers = answers || t.type != pim::TxnType::PHeader;
  }
  if (!answers) return "the program has no transaction that answers (only P_HEADERs, or none)";
  return {};
}

void NewtonTiming::submit_program(std::uint64_t tag, std::vector<pim::Txn> program, Cycle arrival) {
  if (arrival < 0) throw std::invalid_argument("NewtonTiming: negative arrival cycle " + std::to_string(arrival));
  const std::string why = program_error(program);
  if (!why.empty()) throw std::invalid_argument("NewtonTiming: " + why);
  if (m_tags.count(tag)) throw std::logic_error("NewtonTiming: tag " + std::to_string(tag) + " is outstanding");
  if (idle()) m_last_progress = std::max<std::uint64_t>(m_ch.clk(), static_cast<std::uint64_t>(arrival));
  TagState& ts = m_tags[tag];
  ts.timing.arrival = ts.timing.first_issue = ts.timing.done = arrival;
  for (pim::Txn& t : program) {
    t.tag = tag;
    ts.remaining += t.type != pim::TxnType::PHeader;
    m_pim_in.push_back({t, arrival});
  }
}

void NewtonTiming::push_streams() {
  const auto now = static_cast<Cycle>(m_ch.clk());
  // As run_newton: the PIM stream while the controller accepts, then the memory stream.
  while (!m_pim_in.empty() && m_pim_in.front().arrival <= now && m_ch.will_accept(m_pim_in.front().t)) {
    m_ch.add(m_pim_in.front().t);
    m_pim_in.pop_front();
  }
  while (!m_mem_in.empty() && m_mem_in.front().arrival <= now && m_ch.will_accept(m_mem_in.front().t)) {
    m_ch.add(m_mem_in.front().t);
    m_mem_in.pop_front();
  }
}

std::size_t NewtonTiming::count_commands(std::size_t from) {
  std::size_t work = 0;
  for (std::size_t i = from; i < m_trace.size(); ++i) {
    const pim::NewtonIssued& c = m_trace[i];
    ++m_counts.commands;
    m_counts.activates += c.cls == pim::NewtonClass::ACT;
    m_counts.precharges += c.cls == pim::NewtonClass::PRE;
    m_counts.refreshes += c.cls == pim::NewtonClass::REF;
    m_counts.reads += c.cls == pim::NewtonClass::READ;
    m_counts.writes += c.cls == pim::NewtonClass::WRITE;
    m_last_issue = static_cast<Cycle>(c.cycle);
    work += c.cls != pim::NewtonClass::REF && c.cls != pim::NewtonClass::PRE;
    if (on_command) {
      // For waveforms: the normal row buffer's commands by their HBM codes,
      // every PIM command (G_ACT, PIM_PRECHARGE, COMP, ...) as `pim`.
      IssuedCommand ic;
      ic.cycle = static_cast<Cycle>(c.cycle);
      ic.pch = std::max(c.rank, 0);
      ic.bank_group = c.bg;
      ic.bank = c.bank;
      switch (c.cls) {
        case pim::NewtonClass::ACT: ic.code = CmdCode::act; ic.row = c.row; break;
        case pim::NewtonClass::PRE: ic.code = CmdCode::pre; break;
        case pim::NewtonClass::READ: ic.code = CmdCode::rd; break;
        case pim::NewtonClass::WRITE: ic.code = CmdCode::wr; break;
        case pim::NewtonClass::REF: ic.code = CmdCode::ref; ic.bank_group = ic.bank = -1; break;
        default: ic.code = CmdCode::pim; ic.bank_group = ic.bank = -1; break;
      }
      on_command(ic);
    }
  }
  return work;
}

void NewtonTiming::collect() {
  for (const pim::NewtonChannel::Response& r : m_resp) {
    const auto it = m_tags.find(r.tag);
    if (it == m_tags.end()) throw std::logic_error("NewtonTiming: response of an unknown transaction");
    AccessTiming& a = it->second.timing;
    a.done = std::max(a.done, static_cast<Cycle>(r.cycle));
    if (--it->second.remaining == 0) {
      m_done.push_back({it->first, a});
      m_tags.erase(it);
    }
  }
  m_resp.clear();
}

void NewtonTiming::advance(Cycle until) {
  while (!idle() && static_cast<Cycle>(m_ch.clk()) <= until) {
    const std::size_t queued = m_pim_in.size() + m_mem_in.size();
    push_streams();
    const std::size_t from = m_trace.size();
    m_ch.tick();
    // Progress: a transaction accepted, a command other than REF / PRE, a response.
    bool progress = queued != m_pim_in.size() + m_mem_in.size();
    progress = count_commands(from) > 0 || progress;
    if (!m_keep_trace) m_trace.clear();
    progress = progress || !m_resp.empty();
    if (!m_resp.empty()) collect();
    // Waiting for a request that has not arrived yet (the controller empty, the
    // queues' fronts due later) is not a stall: the channel's clock lags the
    // simulation's while it is idle, so a request submitted beside one still in
    // flight can be due far beyond the cycle that one completes in.
    const auto clk = static_cast<Cycle>(m_ch.clk());
    const bool waiting = m_ch.outstanding() == 0 && (m_pim_in.empty() || m_pim_in.front().arrival > clk) &&
                         (m_mem_in.empty() || m_mem_in.front().arrival > clk);
    if (progress || waiting) m_last_progress = m_ch.clk();
    if (m_ch.clk() > m_last_progress + pim::NewtonStall::kCycles && !idle())
      throw pim::NewtonStall(m_ch.clk(), m_ch.outstanding(), "HBM channel (newton)");
    if (idle()) break;
    // Cycles in which provably nothing happens: up to the controller's next
    // change, the next arrival, or the end of the window.
    Cycle skip = static_cast<Cycle>(m_ch.idle_until());
    if (!m_pim_in.empty()) skip = std::min(skip, std::max(m_pim_in.front().arrival, static_cast<Cycle>(m_ch.clk())));
    if (!m_mem_in.empty()) skip = std::min(skip, std::max(m_mem_in.front().arrival, static_cast<Cycle>(m_ch.clk())));
    skip = std::min(skip, until + 1);
    if (skip > static_cast<Cycle>(m_ch.clk())) m_ch.skip_to(static_cast<std::uint64_t>(skip));
  }
}

void NewtonTiming::settle(Cycle until) {
  if (!idle() || until <= static_cast<Cycle>(m_ch.clk())) return;
  // The commands it issues (refresh, the precharges that close rows left
  // open) counted and traced as advance() does.
  std::size_t from = m_trace.size();
  pim::run_idle_until(m_ch, static_cast<std::uint64_t>(until), [&] {
    count_commands(from);
    if (!m_keep_trace) m_trace.clear();
    from = m_trace.size();
  });
}

Cycle NewtonTiming::next_event() const {
  if (idle()) return kNoEvent;
  const auto clk = static_cast<Cycle>(m_ch.clk());
  Cycle t = static_cast<Cycle>(m_ch.idle_until());
  if (!m_pim_in.empty()) t = std::min(t, std::max(m_pim_in.front().arrival, clk));
  if (!m_mem_in.empty()) t = std::min(t, std::max(m_mem_in.front().arrival, clk));
  return std::max(t, clk);
}

std::vector<TimingSource::Done> NewtonTiming::take_done() { return std::move(m_done); }

AccessTiming NewtonTiming::take_command_counts() {
  AccessTiming c = m_counts;
  m_counts = AccessTiming{};
  return c;
}

AccessTiming NewtonTiming::access(const std::vector<AtomAccess>& atoms, Cycle arrival) {
  return access_incrementally(atoms, arrival, m_private_tag--, m_counts);
}

std::vector<pim::NewtonViolation> NewtonTiming::check() const {
  return pim::check_newton(m_opt, m_spec.t, m_trace);
}

}  // namespace pimlab::tlm_hbm
