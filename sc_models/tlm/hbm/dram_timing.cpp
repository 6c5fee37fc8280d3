#include "tlm/hbm/dram_timing.h"

#include <algorithm>
#include <stdexcept>

namespace pimlab::tlm_hbm {

dram::DramSpec one_channel_spec(const std::string& preset, const nlohmann::json& overrides) {
  dram::DramSpec s = dram::spec_from_json(overrides, dram::preset(preset));
  s.org.channels = 1;
  dram::validate(s);
  return s;
}

namespace {
dram::DramSpec checked(dram::DramSpec s) {
  s.org.channels = 1;
  dram::validate(s);
  return s;
}
}  // namespace

DramTiming::DramTiming(const dram::DramSpec& spec, const dram::ControllerConfig& cfg, const std::string& mapping,
                       bool check)
    : m_spec(checked(spec)),
      m_cfg(cfg),
      m_map(m_spec.org, mapping),
      m_checker(check ? std::make_unique<dram::RuleChecker>(m_spec, cfg.dual_command_bus) : nullptr),
      m_ctl(m_spec, m_cfg, dram::ChannelId{0}) {
  if (m_checker) m_ctl.attach_checker(m_checker.get());
  const dram::CommandSet& cs = m_ctl.engine().command_set();
  m_cls = dram::HbmClassIds::of(cs);
  m_ctl.set_command_hook([this](const dram::Command& c, dram::Cycle t) { on_issue(c, t); });
}

std::uint64_t DramTiming::row_address(int pch, int bank_group, int bank, int row) const {
  dram::Address a;
  a.pch = dram::PchId{pch};
  a.bg = dram::BankGroupId{bank_group};
  a.bank = dram::BankId{bank};
  a.row = dram::RowId{row};
  a.col = dram::ColumnId{0};
  return m_map.encode(a);
}

bool DramTiming::rows_contiguous() const {
  dram::Address a;
  const std::uint64_t base = m_map.encode(a);
  a.col = dram::ColumnId{1};
  return m_map.encode(a) == base + static_cast<std::uint64_t>(m_spec.org.atom_bytes) &&
         m_spec.org.columns * m_spec.org.atom_bytes == m_spec.org.page_bytes;
}

std::string DramTiming::describe() const {
  return "dram::ChannelController (" + m_spec.name + ", mapping " + m_map.order_string() + ", " +
         (m_cfg.page_policy == dram::PagePolicy::Open ? "open" : "closed") + " page, queue " +
         std::to_string(m_cfg.queue_size) + (m_checker ? ", rule checker on" : "") + ")";
}

void DramTiming::on_issue(const dram::Command& c, dram::Cycle t) {
  m_last_issue = t;
  IssuedCommand ic;
  ic.cycle = t;
  ic.pch = dram::idx(c.addr.pch);
  ic.bank_group = dram::idx(c.addr.bg);
  ic.bank = dram::idx(c.addr.bank);
  if (c.cls == m_cls.ACT) {
    ic.code = CmdCode::act;
    ic.row = dram::idx(c.addr.row);
  } else if (c.cls == m_cls.PRE) {
    ic.code = CmdCode::pre;
  } else if (c.cls == m_cls.PREA) {
    ic.code = CmdCode::pre;
    ic.bank_group = ic.bank = -1;
  } else if (c.cls == m_cls.RD) {
    ic.code = CmdCode::rd;
  } else if (c.cls == m_cls.WR) {
    ic.code = CmdCode::wr;
  } else if (c.cls == m_cls.REF) {
    ic.code = CmdCode::ref;
    ic.bank_group = ic.bank = -1;
  } else if (c.cls == m_cls.REFPB) {
    ic.code = CmdCode::ref;
  }
  {
    AccessTiming& b = m_batch ? *m_batch : m_counts;
    if (b.commands == 0) b.first_issue = t;
    ++b.commands;
    b.activates += ic.code == CmdCode::act;
    b.precharges += ic.code == CmdCode::pre;
    b.refreshes += ic.code == CmdCode::ref;
    b.reads += ic.code == CmdCode::rd;
    b.writes += ic.code == CmdCode::wr;
  }
  if (on_command) on_command(ic);
}

AccessTiming DramTiming::close_rows(Cycle now) {
  AccessTiming result;
  result.arrival = result.first_issue = result.done = now;
  if (!m_started) return result;  // no memory traffic yet: every bank is closed
  m_batch = &result;
  struct Unhook {
    AccessTiming*& p;
    ~Unhook() { p = nullptr; }
  } unhook{m_batch};
  // An idle controller catches up with its refreshes before `now`, as before a batch.
  while (m_ctl.pending() == 0 && m_next_step < now) {
    m_next_step = m_ctl.step(m_next_step);
    m_ctl.take_completions(m_completions);
  }
  result.done = m_ctl.close_all(now);
  m_now = std::max(m_now, m_last_issue);
  if (m_next_step != dram::kNever) m_next_step = std::max(m_next_step, m_last_issue + 1);
  return result;
}

void DramTiming::pim_interval(Cycle begin, Cycle end, const std::vector<IssuedCommand>& bank_commands,
                              bool refreshed) {
  dram::ExternalUse u;
  u.begin = begin;
  u.end = end;
  u.refreshed = refreshed;
  for (const IssuedCommand& c : bank_commands) {
    if (c.code != CmdCode::act && c.code != CmdCode::pre)
      throw std::invalid_argument("DramTiming: a PIM interval holds activates and precharges only, got " +
                                  std::string(cmd_name(c.code)));
    if (c.code == CmdCode::pre && c.bank_group >= 0)
      throw std::invalid_argument("DramTiming: a PIM precharge closes a whole pseudo-channel (bank_group -1)");
    dram::ExternalCommand e;
    e.kind = c.code == CmdCode::act ? dram::ExternalCommand::Kind::Activate : dram::ExternalCommand::Kind::PrechargeAll;
    e.addr.pch = dram::PchId{c.pch};
    e.addr.bg = dram::BankGroupId{std::max(c.bank_group, 0)};
    e.addr.bank = dram::BankId{std::max(c.bank, 0)};
    e.addr.row = dram::RowId{std::max(c.row, 0)};
    e.t = c.cycle;
    u.commands.push_back(e);
  }
  m_ctl.account_external(u);
  if (!m_started) return;  // the controller's clock starts with the first memory batch
  m_now = std::max(m_now, end - 1);
  if (m_next_step != dram::kNever) m_next_step = std::max(m_next_step, end);
}

void DramTiming::start_at(Cycle arrival) {
  // As MemorySystem::run: the controller's clock starts at the first arrival.
  m_started = true;
  m_ctl.set_time_origin(arrival);
  m_next_step = m_cfg.refresh == dram::RefreshMode::Off ? dram::kNever : arrival;
}

void DramTiming::catch_up(Cycle arrival) {
  // An idle controller catches up with its refreshes up to the arrival.
  while (m_ctl.pending() == 0 && m_next_step < arrival) {
    m_now = std::max(m_now, m_next_step);
    m_next_step = m_ctl.step(m_next_step);
    (void)m_ctl.take_completions();
  }
}

void DramTiming::submit(std::uint64_t tag, const std::vector<AtomAccess>& atoms, Cycle arrival) {
  if (arrival < 0) throw std::invalid_argument("DramTiming: negative arrival cycle " + std::to_string(arrival));
  if (atoms.empty()) throw std::invalid_argument("DramTiming: a request without atoms");
  if (m_tags.count(tag)) throw std::logic_error("DramTiming: tag " + std::to_string(tag) + " is outstanding");
  Cycle at = arrival;
  if (!m_started) {
    start_at(arrival);
    m_now = arrival - 1;
  } else {
    catch_up(arrival);
    // A request arriving at or before the cycle the controller last ran joins
    // it after that cycle's step, as a request admitted late in a cycle does.
    if (arrival <= m_now) at = m_now + 1;
  }
  TagState& ts = m_tags[tag];
  ts.remaining = atoms.size();
  ts.timing.arrival = arrival;
  ts.timing.first_issue = dram::kNever;
  ts.timing.done = arrival;
  for (const AtomAccess& a : atoms) {
    m_id_tag.emplace(m_id, tag);
    m_ctl.enqueue({m_id++, a.write, m_map.decode(a.addr), arrival});
  }
  m_next_step = std::min(m_next_step, at);
}

void DramTiming::advance(Cycle until) {
  while (m_ctl.pending() > 0 && m_next_step <= until) {
    const Cycle now = m_next_step;
    m_next_step = m_ctl.step(now);
    m_now = std::max(m_now, now);
    for (const dram::Completion& d : m_ctl.take_completions()) {
      const auto it = m_id_tag.find(d.req.id);
      if (it == m_id_tag.end()) throw std::logic_error("DramTiming: completion of an unknown request");
      const auto t = m_tags.find(it->second);
      m_id_tag.erase(it);
      AccessTiming& a = t->second.timing;
      a.done = std::max(a.done, d.done);
      a.first_issue = std::min(a.first_issue, d.column_issue);
      a.row_hits += d.outcome == dram::RowOutcome::Hit;
      if (--t->second.remaining == 0) {
        m_done.push_back({t->first, a});
        m_tags.erase(t);
      }
    }
    if (m_ctl.pending() > 0 && m_next_step == dram::kNever)
      throw std::logic_error("DramTiming: no next event while requests are pending");
  }
}

Cycle DramTiming::next_event() const { return m_ctl.pending() > 0 ? m_next_step : kNoEvent; }

std::vector<TimingSource::Done> DramTiming::take_done() { return std::move(m_done); }

AccessTiming DramTiming::take_command_counts() {
  AccessTiming c = m_counts;
  m_counts = AccessTiming{};
  return c;
}

AccessTiming DramTiming::access(const std::vector<AtomAccess>& atoms, Cycle arrival) {
  if (arrival < 0) throw std::invalid_argument("DramTiming: negative arrival cycle " + std::to_string(arrival));
  AccessTiming result;
  result.arrival = arrival;
  result.first_issue = arrival;
  result.done = arrival;
  m_batch = &result;
  // The command hook counts into `result` only while this call runs.
  struct Unhook {
    AccessTiming*& p;
    ~Unhook() { p = nullptr; }
  } unhook{m_batch};
  const bool refresh_off = m_cfg.refresh == dram::RefreshMode::Off;
  Cycle now;
  bool resume = false;
  if (!m_started) {
    // As MemorySystem::run: the controller's clock starts at the first arrival.
    m_started = true;
    m_ctl.set_time_origin(arrival);
    m_next_step = refresh_off ? dram::kNever : arrival;
    now = arrival;
  } else {
    // An idle controller catches up with its refreshes up to the arrival; a
    // batch arriving before the controller's current cycle waits behind it.
    while (m_ctl.pending() == 0 && m_next_step < arrival) {
      m_next_step = m_ctl.step(m_next_step);
      m_ctl.take_completions(m_completions);
    }
    // A batch arriving at or before the cycle the controller last ran joins
    // it after that cycle's step, as a request admitted late in a cycle does.
    resume = arrival <= m_now;
    now = resume ? m_now : arrival;
  }

  std::size_t next = 0, in_flight = 0;
  const std::uint64_t first_id = m_id;
  auto admit = [&](Cycle step_at) {
    while (next < atoms.size() && !m_ctl.full()) {
      m_ctl.enqueue({m_id++, atoms[next].write, m_map.decode(atoms[next].addr), arrival});
      ++next, ++in_flight;
      m_next_step = std::min(m_next_step, step_at);
    }
  };
  auto collect = [&]() {
    m_ctl.take_completions(m_completions);
    for (const dram::Completion& d : m_completions) {
      if (d.req.id < first_id) continue;  // cannot happen: batches do not overlap
      --in_flight;
      result.done = std::max(result.done, d.done);
      result.row_hits += d.outcome == dram::RowOutcome::Hit;
    }
  };
  // A batch on an otherwise idle controller whose requests all go to one row
  // of one bank (a 64 B transaction's two atoms): the controller serves it in
  // one call, as the steps below would, up to a refresh falling due.
  bool alone = m_ctl.pending() == 0;
  if (resume) {
    admit(now + 1);
    now = std::max(m_next_step, now + 1);
  }
  for (;;) {
    admit(now);
    if (m_next_step <= now) {
      Cycle last = now;
      if (alone && next == atoms.size() && m_ctl.serve_alone(now, last, m_next_step)) {
        now = last;
      } else {
        m_next_step = m_ctl.step(now);
      }
      alone = false;
      collect();
    }
    admit(now + 1);
    if (next == atoms.size() && in_flight == 0) break;
    const Cycle t = m_next_step;
    if (t == dram::kNever) throw std::logic_error("DramTiming: no next event while requests are pending");
    now = std::max(t, now + 1);
  }
  m_now = now;
  return result;
}

}  // namespace pimlab::tlm_hbm
