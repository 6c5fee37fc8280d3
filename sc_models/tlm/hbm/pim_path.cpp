// The PIM path of HbmChannel (tlm/hbm/pim_path.h).
#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "tlm/common/interrupt.h"
#include "tlm/common/log.h"
#include "tlm/hbm/channel.h"

namespace pimlab::tlm_hbm {

namespace {

struct Event {
  Cycle cycle;
  int kind;          // 0 = row op (before unit commands of the same cycle), 1 = unit op
  std::size_t index; // into rows / ops
};

}  // namespace

void HbmChannel::pim_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay, PimExtension& ext) {
  ext.error.clear();
  ext.unit_errors.clear();
  // A PIM program is addressed to its channel (any byte address of it, by
  // convention the channel's base), so a router can route it like memory traffic.
  if (reject_outside(gp, ext)) return;
  // Queued front end: the kernel takes its turn in the one queue. It waits
  // until the requests inside the controller have been served; requests that
  // arrive meanwhile wait behind it (the controller thread admits nothing
  // while a kernel waits or runs) and enter the controller at its end.
  struct Turn {
    HbmChannel& ch;
    bool on;
    ~Turn() {
      if (on) {
        --ch.m_pim_waiting;
        ch.m_queue_ev.notify(sc_core::SC_ZERO_TIME);
      }
    }
  } turn{*this, m_queued};
  if (m_queued) {
    sync_initiator(delay);
    ++m_pim_waiting;
    while (!m_in_flight.empty()) sc_core::wait(m_drained_ev);
  }
  const sc_core::sc_time local = sc_core::sc_time_stamp() + delay;
  // Blocked PIM model: kernels on one channel run one after the other, and a
  // kernel starts after the last command of the memory traffic before it.
  const Cycle start = std::max({arrival_cycle(local), m_pim_free, m_timing->last_activity() + 1});
  Cycle done = start;
  bool ok = false;
  ext.interrupted = false;
  try {
    ok = run_pim_kernel(gp, start, ext, done);
  } catch (const tlm_common::Interrupted& e) {
    // SIGINT/SIGTERM inside the kernel (polled below and by the unit models):
    // the kernel stops where it is; the initiator sees an incomplete response.
    ++s_pim_interrupted;
    ext.interrupted = true;
    ext.error = e.what();
    PIMLAB_DEBUG(name()) << "PIM kernel interrupted";
    gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    return;
  } catch (const std::exception& e) {
    ext.error = e.what();
    ok = false;
  }
  if (!ok) {
    ++s_pim_rejected;
    PIMLAB_DEBUG(name()) << "PIM kernel rejected: " << ext.error;
    gp.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
    return;
  }
  m_pim_free = done;
  const sc_core::sc_time done_t(static_cast<double>(done) * static_cast<double>(m_timing->tck_ps()), sc_core::SC_PS);
  delay += done_t - local;
  if (m_queued) {
    // The initiator waits for the kernel's end here, as for a memory request.
    sync_initiator(delay);
  }
  gp.set_response_status(tlm::TLM_OK_RESPONSE);
}

bool HbmChannel::run_pim_kernel(tlm::tlm_generic_payload& gp, Cycle start, PimExtension& ext, Cycle& done) {
  const int pchs = m_timing->pseudo_channels(), bgs = m_timing->bank_groups(), banks = m_timing->banks_per_group();
  const int pairs = banks / 2;
  auto fail = [&](const std::string& why) {
    ext.error = why;
    return false;
  };
  // ---- validate the payload and the program before anything changes ----
  std::size_t results = 0;
  for (const firmware::pimba::UnitOp& op : ext.program.ops) results += (op.cmd.op & 7) == static_cast<std::uint8_t>(pim_unit::Op::result);
  if (gp.get_command() != tlm::TLM_READ_COMMAND) return fail("PIM payload command must be TLM_READ_COMMAND");
  if (gp.get_data_length() != 32 * results)
    return fail("PIM payload data_length " + std::to_string(gp.get_data_length()) + " != 32 x " +
                std::to_string(results) + " RESULT commands");
  if (results > 0 && gp.get_data_ptr() == nullptr) return fail("PIM payload without a result buffer");
  if (gp.get_byte_enable_ptr() != nullptr) return fail("PIM payload with byte enables");
  if (gp.get_streaming_width() < gp.get_data_length())
    return fail("PIM payload streaming_width " + std::to_string(gp.get_streaming_width()) + " < data_length " +
                std::to_string(gp.get_data_length()));
  if (!m_timing->rows_contiguous())
    return fail("the PIM path needs an address mapping whose column field is least significant (rows contiguous)");
  for (const firmware::pimba::RowOp& r : ext.program.rows) {
    if (r.step >= ext.program.stream.size()) return fail("row op refers to stream command " + std::to_string(r.step) +
                                                 " of " + std::to_string(ext.program.stream.size()));
    if (r.pch >= pchs || r.bank_group >= bgs || r.bank >= banks || r.row >= m_timing->rows())
      return fail("row op pch " + std::to_string(r.pch) + " bg " + std::to_string(r.bank_group) + " bank " +
                  std::to_string(r.bank) + " row " + std::to_string(r.row) + " outside the channel");
  }
  for (const firmware::pimba::UnitOp& op : ext.program.ops) {
    if (op.step >= ext.program.stream.size()) return fail("unit op refers to stream command " + std::to_string(op.step) +
                                                  " of " + std::to_string(ext.program.stream.size()));
    if (op.pch >= pchs || op.bank_group >= bgs || op.pair >= pairs)
      return fail("unit op pch " + std::to_string(op.pch) + " bg " + std::to_string(op.bank_group) + " pair " +
                  std::to_string(op.pair) + " outside the channel");
  }

  // Every row the kernel opens it closes again (the controller takes the banks
  // back closed): the last row op of each bank, in stream order, is a precharge.
  {
    std::vector<const firmware::pimba::RowOp*> last(static_cast<std::size_t>(pchs * bgs * banks), nullptr);
    std::vector<std::size_t> order(ext.program.rows.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return ext.program.rows[a].step < ext.program.rows[b].step; });
    for (std::size_t i : order) last[(ext.program.rows[i].pch * bgs + ext.program.rows[i].bank_group) * banks + ext.program.rows[i].bank] = &ext.program.rows[i];
    for (const firmware::pimba::RowOp* r : last)
      if (r && r->row >= 0)
        return fail("the kernel leaves pch " + std::to_string(r->pch) + " bg " + std::to_string(r->bank_group) +
                    " bank " + std::to_string(r->bank) + " open (row " + std::to_string(r->row) +
                    "); every row it opens must be precharged by a later stream command");
  }

  // ... and so does its stream: in each pseudo-channel, a PRECHARGE* follows the last ACT4*.
  {
    std::vector<int> open(static_cast<std::size_t>(pchs), -1);  // stream index of an unclosed ACT4*
    for (std::size_t i = 0; i < ext.program.stream.size(); ++i) {
      const pim::Command& c = ext.program.stream[i];
      if (c.pch >= pchs) continue;  // the PIM channel engine rejects it
      if ((c.kind == pim::CmdKind::Act4WithReg || c.kind == pim::CmdKind::Act4) && c.bank_group >= bgs)
        return fail("stream command " + std::to_string(i) + " activates bank group " + std::to_string(c.bank_group) +
                    " of " + std::to_string(bgs));
      if (c.kind == pim::CmdKind::Act4WithReg || c.kind == pim::CmdKind::Act4) open[c.pch] = static_cast<int>(i);
      if (c.kind == pim::CmdKind::PrechargeWithResult || c.kind == pim::CmdKind::Precharge) open[c.pch] = -1;
    }
    for (int p = 0; p < pchs; ++p)
      if (open[p] >= 0)
        return fail("stream command " + std::to_string(open[p]) + " (an ACT4 of pch " + std::to_string(p) +
                    ") is not followed by a PRECHARGE: the kernel must leave every bank closed");
  }

  // ---- timing: the PIM channel engine on the stream ----
  std::vector<std::uint64_t> issue;
  const pim::ChannelRun run = m_pim_engine->run(ext.program.stream, pchs, &issue);
  // Rows memory traffic left open are closed first (their precharges and tRP
  // are the kernel's delay); the stream starts once every bank may be activated.
  {
    const AccessTiming close = m_timing->close_rows(start);
    start = close.done;
    s_commands += close.commands;
    s_precharges += close.precharges;
    s_refreshes += close.refreshes;
  }
  // Engine cycle 1 is the kernel's first cycle: channel cycle `start`.
  auto at = [&](std::uint32_t step) { return start - 1 + static_cast<Cycle>(issue[step]); };
  const Cycle col = pim::col(m_timing->spec().t);
  ext.start_cycle = static_cast<std::uint64_t>(start);
  ext.kernel_cycles = run.last_issue_cycle;
  done = start - 1 + static_cast<Cycle>(run.last_issue_cycle) + 1;

  // ---- data: row and unit commands in cycle order ----
  std::vector<Event> ev;
  ev.reserve(ext.program.rows.size() + ext.program.ops.size());
  for (std::size_t i = 0; i < ext.program.rows.size(); ++i) ev.push_back({at(ext.program.rows[i].step), 0, i});
  for (std::size_t i = 0; i < ext.program.ops.size(); ++i)
    ev.push_back({at(ext.program.ops[i].step) + static_cast<Cycle>(ext.program.ops[i].offset) +
                      static_cast<Cycle>(ext.program.ops[i].col_slots) * col,
                  1, i});
  std::stable_sort(ev.begin(), ev.end(),
                   [](const Event& a, const Event& b) { return a.cycle != b.cycle ? a.cycle < b.cycle : a.kind < b.kind; });
  // Result slot of each RESULT op: its position among the RESULT ops of `ops`.
  std::vector<std::size_t> slot(ext.program.ops.size(), 0);
  for (std::size_t i = 0, k = 0; i < ext.program.ops.size(); ++i)
    if ((ext.program.ops[i].cmd.op & 7) == static_cast<std::uint8_t>(pim_unit::Op::result)) slot[i] = k++;

  auto unit_index = [&](int pch, int bg, int pair) { return (pch * bgs + bg) * pairs + pair; };
  std::size_t n_ev = 0;
  for (const Event& e : ev) {
    // Before the first event too: a kernel sent after an interrupt does not start.
    if (n_ev++ % tlm_common::kInterruptPollEvents == 0) tlm_common::throw_if_interrupted();
    if (e.kind == 0) {
      const firmware::pimba::RowOp& r = ext.program.rows[e.index];
      const int b = (r.pch * bgs + r.bank_group) * banks + r.bank;
      PimUnitModel& unit = *m_units[unit_index(r.pch, r.bank_group, r.bank / 2)];
      unit.settle(e.cycle);  // write-backs of earlier cycles land before the row closes
      if (r.row < 0) {
        if (unit.writeback_pending())
          throw std::logic_error("precharge of pch " + std::to_string(r.pch) + " bg " + std::to_string(r.bank_group) +
                                 " bank " + std::to_string(r.bank) + " in cycle " + std::to_string(e.cycle) +
                                 " before an SU write-back landed");
        m_pim_rows[b] = nullptr;
      } else {
        if (m_pim_rows[b] != nullptr)
          throw std::logic_error("activate of pch " + std::to_string(r.pch) + " bg " + std::to_string(r.bank_group) +
                                 " bank " + std::to_string(r.bank) + " with a row open");
        m_pim_rows[b] = m_store.page_for_write(m_timing->row_address(r.pch, r.bank_group, r.bank, r.row));
      }
      if (!m_trace_cmd.empty())
        m_trace_queue.push_back(IssuedCommand{e.cycle, r.row < 0 ? CmdCode::pre : CmdCode::act, r.pch, r.bank_group,
                                              r.bank, r.row});
      continue;
    }
    const firmware::pimba::UnitOp& op = ext.program.ops[e.index];
    PimUnitModel& unit = *m_units[unit_index(op.pch, op.bank_group, op.pair)];
    const int b0 = (op.pch * bgs + op.bank_group) * banks + 2 * op.pair;
    pim_unit::PimUnit::Rows rows;
    rows.row[0] = m_pim_rows[b0];
    rows.row[1] = m_pim_rows[b0 + 1];
    std::array<std::uint8_t, 32> res{};
    unit.issue(op.cmd, e.cycle, rows, &res);
    ++s_pim_ops;
    if ((op.cmd.op & 7) == static_cast<std::uint8_t>(pim_unit::Op::result))
      std::memcpy(gp.get_data_ptr() + 32 * slot[e.index], res.data(), 32);
    done = std::max(done, e.cycle + pim_unit::latency(unit.params(), op.cmd.op));
  }
  for (auto& u : m_units) u->settle_all();
  // The controller takes the banks back, all closed. It learns the stream's
  // bank commands: an ACT4* activates the four banks of its bank group, a
  // PRECHARGE* closes the pseudo-channel; they bind its next commands (tRP,
  // tRC, tRRD, tFAW), and no memory command issues before `done`.
  {
    std::vector<IssuedCommand> bank_cmds;
    for (std::size_t i = 0; i < ext.program.stream.size(); ++i) {
      const pim::Command& c = ext.program.stream[i];
      const Cycle t = at(static_cast<std::uint32_t>(i));
      if (c.kind == pim::CmdKind::Act4WithReg || c.kind == pim::CmdKind::Act4) {
        for (int b = 0; b < banks && b < 4; ++b) bank_cmds.push_back({t, CmdCode::act, c.pch, c.bank_group, b, 0});
      } else if (c.kind == pim::CmdKind::PrechargeWithResult || c.kind == pim::CmdKind::Precharge) {
        bank_cmds.push_back({t, CmdCode::pre, c.pch, -1, -1, -1});
      }
    }
    m_timing->pim_interval(start, done, bank_cmds, m_pim_engine->protocol().refresh != pim::RefreshModel::Off);
  }
  if (!m_trace_cmd.empty()) {
    for (std::size_t i = 0; i < ext.program.stream.size(); ++i)
      m_trace_queue.push_back(IssuedCommand{at(static_cast<std::uint32_t>(i)), CmdCode::pim, ext.program.stream[i].pch, -2, -2, -1});
    std::stable_sort(m_trace_queue.begin(), m_trace_queue.end(),
                     [](const IssuedCommand& a, const IssuedCommand& b) { return a.cycle < b.cycle; });
    m_trace_ev.notify(sc_core::SC_ZERO_TIME);
  }

  // ---- errors and stats ----
  ext.err_cause = 0;
  for (int p = 0; p < pchs; ++p)
    for (int g = 0; g < bgs; ++g)
      for (int q = 0; q < pairs; ++q) {
        const PimUnitModel& u = *m_units[unit_index(p, g, q)];
        if (!u.err()) continue;
        ext.err_cause |= u.err_cause();
        ext.unit_errors.push_back("pch" + std::to_string(p) + ".bank_group" + std::to_string(g) + ".pair" +
                                  std::to_string(q) + ": " + pim_unit::err_text(u.err_cause()) + " (" + u.last_error() + ")");
      }
  if (ext.err_cause) {
    ++s_pim_errors;
    PIMLAB_WARN(name()) << "PIM unit error after kernel: " << ext.unit_errors.front();
  }
  ++s_pim_transactions;
  s_pim_kernel_cycles += run.last_issue_cycle;
  s_pim_counters += run.counters;
  if (s_first_arrival < 0 || start < s_first_arrival) s_first_arrival = start;
  s_last_done = std::max(s_last_done, done);
  return true;
}

}  // namespace pimlab::tlm_hbm
