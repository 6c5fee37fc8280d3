#include "pim/newton_controller.h"

#include <algorithm>
#include <stdexcept>

namespace pimlab::pim {

namespace {
constexpr std::size_t kTxnQueue = 32;     // read queue, write buffer, PIM transaction queue
constexpr std::size_t kCmdQueue = 128;    // per bank queue and the PIM command queue
constexpr int kBanks = 32;
}  // namespace

NewtonChannel::NewtonChannel(const NewtonOptions& o)
    : m_opt(o), m_engine(newton_spec(), newton_command_set(o)) {
  m_resp_limit = o.type == PimType::Dram ? 96 : 4352;
  m_bank_q.resize(kBanks);
  m_row_count.resize(kBanks);
  m_writes_q.assign(kBanks, 0);
  m_ready.resize(16 * 33);
  m_hits.assign(kBanks, 0);
  m_bank_epoch.assign(kBanks, 0);
  m_bank_wait.resize(kBanks);
  const dram::CommandSet& set = m_engine.command_set();
  // Skipping relies on a refused command staying refused until its first
  // legal cycle and legal after it (no refresh-interval fit in the set).
  for (const dram::CommandClass& c : set.classes) {
    if (c.fits_refresh_interval) m_opt.event_skip = false;
    // Classes whose command at a rank touches banks of that rank only.
    m_one_rank.push_back(c.target == dram::Target::Bank || c.target == dram::Target::BankGroup ||
                         c.target == dram::Target::PseudoChannel);
  }
}

int NewtonChannel::normal_row(int bi) const {
  const int r = bi / 16, g = (bi / 4) % 4, b = bi % 4;
  return idx(m_engine.open_row(dram::PchId{r}, dram::BankGroupId{g}, dram::BankId{b}, 0));
}
int NewtonChannel::pim_row(int bi) const {
  if (m_opt.type != PimType::Dual) return normal_row(bi);
  const int r = bi / 16, g = (bi / 4) % 4, b = bi % 4;
  return idx(m_engine.open_row(dram::PchId{r}, dram::BankGroupId{g}, dram::BankId{b}, 1));
}

namespace {
NewtonClass class_of(int k) {
  // Kind order after None: Act, Pre, Read, Write, Ref, GWrite, GAct, PimPre,
  // Comp, ReadRes, CompsReadRes, PHeader == NewtonClass order.
  return static_cast<NewtonClass>(k - 1);
}
}  // namespace

dram::Command NewtonChannel::engine_cmd(const Cand& c) const {
  dram::Command e;
  e.cls = cid(class_of(static_cast<int>(c.k)));
  e.addr.pch = dram::PchId{c.rank < 0 ? 0 : c.rank};
  e.addr.bg = dram::BankGroupId{c.bg < 0 ? 0 : c.bg};
  e.addr.bank = dram::BankId{c.bank < 0 ? 0 : c.bank};
  e.addr.row = dram::RowId{c.row};
  e.arg = c.arg;
  return e;
}

dram::Cycle NewtonChannel::first_legal(const Cand& c) const {
  const auto t = static_cast<dram::Cycle>(m_clk);
  const int bank = c.rank < 0 ? 32 : bank_index(c.rank, c.bg < 0 ? 0 : c.bg, c.bank < 0 ? 0 : c.bank);
  const std::size_t n = static_cast<std::size_t>(static_cast<int>(c.k) * 33 + bank);
  ReadyCache& rc = m_ready[n];
  if (m_opt.event_skip && t < rc.lower) {
    m_wake = std::min(m_wake, rc.lower);
    return rc.lower;  // refused; the first legal cycle is no earlier
  }
  const dram::Command e = engine_cmd(c);
  // The rule-table part of earliest() only changes when a command that can
  // reach the command's ranks issues (ChannelEngine::generation); the plain
  // controller watches both ranks, event_skip only the rank of a command
  // that touches one.
  const std::uint64_t g0 = m_engine.generation(dram::PchId{0}), g1 = m_engine.generation(dram::PchId{1});
  const bool one_rank = m_opt.event_skip && c.rank >= 0 && m_one_rank[static_cast<std::size_t>(e.cls)];
  if (one_rank ? (c.rank == 0 ? rc.g0 != g0 : rc.g1 != g1) : (rc.g0 != g0 || rc.g1 != g1)) {
    rc.ready = m_engine.rules_ready(e);
    rc.g0 = g0;
    rc.g1 = g1;
  }
  const dram::Cycle f = m_engine.earliest_after(e, rc.ready, t);
  rc.lower = f;
  if (f != t && f < m_wake) m_wake = f;
  return f;
}

NewtonChannel::Kind NewtonChannel::required_normal(int bi, const Txn& t) const {
  const Kind self = t.type == TxnType::Read ? Kind::Read : t.type == TxnType::Write ? Kind::Write : Kind::GWrite;
  const int open = normal_row(bi);
  if (open < 0) {
    if (m_opt.type == PimType::Dual && pim_row(bi) == t.a.row) return Kind::PimPre;
    return Kind::Act;
  }
  return open == t.a.row ? self : Kind::Pre;
}

NewtonChannel::Kind NewtonChannel::required_pim(int bi, const Txn& t) const {
  const int p = pim_row(bi);
  if (m_opt.type == PimType::Dual) {
    if (t.type == TxnType::PHeader) {
      if (p < 0) return normal_row(bi) == t.a.row ? Kind::Pre : Kind::PHeader;
      return p == t.a.row ? Kind::PHeader : Kind::PimPre;
    }
    return p < 0 ? Kind::GAct : Kind::CompsReadRes;
  }
  // SINGLE. A refresh may fall inside a GEMV (the deadline estimate counts
  // 2 cycles per READRES, the adder-tree fill takes 6 more): it closes the
  // rank's banks, and the GEMV's next COMP or READRES reopens its row with a
  // G_ACT first. (The reference leaves READRES on a closed bank undefined; a
  // READRES waiting there for ever would stop the channel.) DUAL's
  // COMPS_READRES does the same above.
  switch (t.type) {
    case TxnType::PHeader: return p < 0 || p == t.a.row ? Kind::PHeader : Kind::Pre;
    case TxnType::Comp: return p < 0 ? Kind::GAct : Kind::Comp;
    case TxnType::ReadRes: return p < 0 ? Kind::GAct : Kind::ReadRes;
    default: return Kind::None;
  }
}

const NewtonChannel::RowCount* NewtonChannel::row_count(int queue, int row) const {
  for (const RowCount& r : m_row_count[static_cast<std::size_t>(queue)])
    if (r.row == row) return &r;
  return nullptr;
}

void NewtonChannel::count_row(int queue, const Txn& t, int delta) {
  auto& v = m_row_count[static_cast<std::size_t>(queue)];
  auto it = std::find_if(v.begin(), v.end(), [&](const RowCount& r) { return r.row == t.a.row; });
  if (it == v.end()) it = v.insert(v.end(), RowCount{t.a.row, 0, 0});
  (t.type == TxnType::Write ? it->writes : it->reads) += delta;
  if (it->reads == 0 && it->writes == 0) v.erase(it);
}

NewtonChannel::Cand NewtonChannel::all_bank(const Txn& head, Kind self, bool self_timed) {
  const auto now = static_cast<dram::Cycle>(m_clk);
  // The result depends on the bank states and the commands' first legal
  // cycles, which only an issue changes: a refusal holds until the earliest
  // of those cycles.
  // event_skip: rule bounds only grow, so a refusal also outlives commands
  // that leave the row buffers alone, as long as the head is the same.
  const std::uint64_t epoch = m_opt.event_skip ? m_row_epoch : m_issued;
  if (m_bank_wait_issued == epoch && m_bank_wait_kind == static_cast<int>(self) &&
      (!m_opt.event_skip || m_bank_wait_head == m_pim_q.front().id) && now < m_bank_wait_until) {
    m_wake = std::min(m_wake, m_bank_wait_until);
    return {};
  }
  Cand me{self, -1, -1, -1, head.a.row, 0};
  if (self == Kind::CompsReadRes) me.arg = static_cast<std::uint32_t>(head.num_comps);
  if (self == Kind::Comp) me.arg = m_first_comp ? 1u : 0u;
  dram::Cycle next = dram::kNever;
  bool all_ready = true;
  int self_legal = -1;  // unknown
  for (int bi = 0; bi < kBanks; ++bi) {
    const Kind k = required_pim(bi, head);
    if (k == Kind::None) {
      all_ready = false;
      continue;
    }
    if (k == self) {
      if (self_timed) {
        if (self_legal < 0) {
          self_legal = legal(me) ? 1 : 0;
          if (!self_legal) next = std::min(next, first_legal(me));
        }
        if (!self_legal) all_ready = false;
      }
      continue;
    }
    Cand c{k, bi / 16, (bi / 4) % 4, bi % 4, head.a.row, 0};
    if (legal(c)) return c;
    next = std::min(next, first_legal(c));
    all_ready = false;
  }
  if (all_ready) return me;
  m_bank_wait_issued = epoch;
  m_bank_wait_head = m_pim_q.front().id;
  m_bank_wait_kind = static_cast<int>(self);
  m_bank_wait_until = next;
  return {};
}

bool NewtonChannel::deadline_check(const Txn& t) {
  m_deadline_asked = true;
  const std::int64_t stagger = m_tm.refresh_stagger;
  const std::int64_t slack = stagger - static_cast<std::int64_t>((m_clk + 1) % static_cast<std::uint64_t>(stagger));
  std::int64_t e = 0;
  if (t.type == TxnType::GWrite) {
    const int bi = bank_index(t.a.rank, t.a.bg, t.a.bank);
    const int open = normal_row(bi);
    e = (open < 0 ? 14 + 14 : open != t.a.row ? 5 + 14 + 14 : 0) + m_tm.gwrite_delay;
  } else {
    int ng = 0, np = 0;
    for (int r = 0; r < 2; ++r)
      for (int g = 0; g < 4; ++g) {
        bool all_open = true;
        int other = 0;
        for (int b = 0; b < 4; ++b) {
          const int p = pim_row(bank_index(r, g, b));
          if (p != t.a.row) all_open = false;
          if (p >= 0 && p != t.a.row) ++other;
        }
        if (!all_open) {
          ++ng;
          np += other;
        }
      }
    const std::int64_t c = static_cast<std::int64_t>(std::min<std::uint64_t>(t.num_comps, 1u << 20));
    const std::int64_t rr = static_cast<std::int64_t>(std::min<std::uint64_t>(t.num_readres, 1u << 30));
    e = 5 * np + 30 * (ng / 2 - 1) + 14 + 2 * std::max<std::int64_t>(c, 6) + 2 * (rr - 1);
  }
  if (slack - e > 0) {
    m_remain_slack = slack - e;
    return true;
  }
  m_remain_slack = 0;
  m_skip_pim = true;
  return false;
}

NewtonChannel::Cand NewtonChannel::pim_head() {
  if (m_pim_q.empty()) return {};
  const Txn& head = m_pim_q.front().t;
  auto gwrite_step = [&]() -> Cand {
    const int bi = bank_index(head.a.rank, head.a.bg, head.a.bank);
    Cand c{required_normal(bi, head), head.a.rank, head.a.bg, head.a.bank, head.a.row, 0};
    return legal(c) ? c : Cand{};
  };
  if (m_gwriting) return head.type == TxnType::GWrite ? gwrite_step() : Cand{};
  switch (head.type) {
    case TxnType::GWrite:
      if (!deadline_check(head)) return {};
      m_gwriting = true;
      m_gw_bank = bank_index(head.a.rank, head.a.bg, head.a.bank);
      return gwrite_step();
    case TxnType::PHeader:
      if (!deadline_check(head)) return {};
      m_reserved_row = head.a.row;
      if (m_opt.type == PimType::Single) m_pim_mode = true;
      return all_bank(head, Kind::PHeader, false);
    case TxnType::CompsReadRes: return all_bank(head, Kind::CompsReadRes, true);
    case TxnType::Comp: return all_bank(head, Kind::Comp, true);
    case TxnType::ReadRes: return all_bank(head, Kind::ReadRes, true);
    default: return {};
  }
}

NewtonChannel::Cand NewtonChannel::normal_scan() {
  const bool pim = m_opt.type != PimType::Dram;
  const int ref_rank = m_in_ref && !m_ref_pending.empty() ? m_ref_pending.front() : -1;
  const auto now = static_cast<dram::Cycle>(m_clk);
  const bool cacheable = !(m_opt.type == PimType::Single && m_pim_mode);  // that scan moves the pointer
  ScanWait key;
  key.valid = true;
  key.issued = m_opt.event_skip ? m_row_epoch : m_issued;  // event_skip: see all_bank()
  key.qepoch = m_qepoch;
  key.slack = m_remain_slack;
  key.ref_rank = ref_rank;
  key.gw_bank = m_gw_bank;
  key.reserved = m_reserved_row;
  key.gwriting = m_gwriting;
  key.pim_q_empty = m_pim_q.empty();
  const ScanWait& w = m_scan_wait;
  if (cacheable && w.valid && w.issued == key.issued && w.qepoch == key.qepoch && w.slack == key.slack &&
      w.ref_rank == key.ref_rank && w.gw_bank == key.gw_bank && w.reserved == key.reserved &&
      w.gwriting == key.gwriting && w.pim_q_empty == key.pim_q_empty && now < w.until) {
    m_wake = std::min(m_wake, w.until);
    return {};
  }
  dram::Cycle next = dram::kNever, bank_next = dram::kNever;
  auto refused = [&](const Cand& c) {
    const dram::Cycle f = first_legal(c);
    next = std::min(next, f);
    bank_next = std::min(bank_next, f);
  };
  // What a bank's visit reads besides its queue, its row buffers, its hit
  // count and the legality of its commands: the reserved row and the slack
  // budget's class (the comparisons with 0, 14 and 28 while the PIM queue
  // holds work).
  const int slack_class = pim && m_remain_slack > 0 && !m_pim_q.empty()
                              ? (m_remain_slack <= 14 ? 1 : m_remain_slack <= 28 ? 2 : 3)
                              : 0;
  for (int i = 0; i < kBanks; ++i) {
    m_rr = (m_rr + 1) % kBanks;
    const int qi = m_rr;
    const bool only_first = m_opt.type == PimType::Single && m_pim_mode;
    auto& q = m_bank_q[static_cast<std::size_t>(qi)];
    const bool skip = (ref_rank >= 0 && qi / 16 == ref_rank) || (pim && m_gwriting && m_gw_bank == qi);
    if (!skip && !q.empty()) {
      // event_skip: a visit that yielded nothing yields nothing again before
      // the first legal cycle of the commands it found refused, while its
      // inputs are unchanged (rule bounds only grow).
      const BankWait bkey{m_bank_epoch[static_cast<std::size_t>(qi)], m_reserved_row, slack_class,
                          normal_row(qi), pim_row(qi), m_hits[static_cast<std::size_t>(qi)], dram::kNever};
      BankWait& bw = m_bank_wait[static_cast<std::size_t>(qi)];
      if (m_opt.event_skip && bw.same_inputs(bkey) && now < bw.until) {
        next = std::min(next, bw.until);
        m_wake = std::min(m_wake, bw.until);
        if (only_first) break;
        continue;
      }
      bank_next = dram::kNever;
      signed char memo[16];
      for (auto& m : memo) m = -1;
      // No queued request hits the open row: only the oldest request can
      // yield a command (its PRE); skip the walk over the others.
      const int open_now = normal_row(qi);
      const auto queued_row = [&](int row) { return row_count(qi, row) != nullptr; };
      const RowCount* open_count = open_now >= 0 ? row_count(qi, open_now) : nullptr;
      std::size_t limit = q.size();
      if (open_now >= 0 && open_now != m_reserved_row && !open_count) limit = std::min<std::size_t>(limit, 1);
      // Open bank with queued hits: if neither a READ nor a WRITE of the bank
      // is legal now, only the oldest request can yield a command (its PRE).
      if (open_now >= 0 && limit > 1) {
        const Txn& h = q.front().t;
        Cand rd{Kind::Read, h.a.rank, h.a.bg, h.a.bank, open_now, 0};
        memo[static_cast<int>(Kind::Read)] = legal(rd) ? 1 : 0;
        if (!memo[static_cast<int>(Kind::Read)]) refused(rd);
        if (m_writes_q[static_cast<std::size_t>(qi)] > 0) {
          Cand wr = rd;
          wr.k = Kind::Write;
          memo[static_cast<int>(Kind::Write)] = legal(wr) ? 1 : 0;
          if (!memo[static_cast<int>(Kind::Write)]) refused(wr);
        }
        if (memo[static_cast<int>(Kind::Read)] == 0 &&
            (m_writes_q[static_cast<std::size_t>(qi)] == 0 || memo[static_cast<int>(Kind::Write)] == 0))
          limit = 1;
      }
      // event_skip: past the oldest request an open bank yields only READ /
      // WRITE hits of its open row; none queued, or the kind refused now: stop.
      const bool hits_only_prune = m_opt.event_skip && open_now >= 0;
      for (std::size_t pos = 0; pos < limit; ++pos) {
        if (pos == 1 && hits_only_prune) {
          const auto none = [&](Kind x, int queued) { return queued == 0 || memo[static_cast<int>(x)] == 0; };
          if (!open_count || (none(Kind::Read, open_count->reads) && none(Kind::Write, open_count->writes))) break;
        }
        const Txn& t = q[pos].t;
        if (pim && t.a.row == m_reserved_row) continue;
        const Kind k = required_normal(qi, t);
        Cand c{k, t.a.rank, t.a.bg, t.a.bank, t.a.row, 0};
        // Legality depends on the kind and the bank only (the row is not a
        // timing input): evaluate each kind once per queue visit.
        signed char& m = memo[static_cast<int>(k)];
        if (m < 0) {
          m = legal(c) ? 1 : 0;
          if (!m) refused(c);
        }
        // Stop once every command this bank could still yield is known to be
        // refused: open bank: READ / WRITE of a hit (a PRE only for the oldest
        // request); closed bank: ACT, or (DUAL) a PIM_PRECHARGE of the PIM row.
        const auto exhausted = [&] {
          const auto no = [&](Kind x) { return memo[static_cast<int>(x)] == 0; };
          return open_now >= 0 ? (no(Kind::Read) && (no(Kind::Write) || m_writes_q[static_cast<std::size_t>(qi)] == 0))
                               : (no(Kind::Act) && (pim_row(qi) < 0 || no(Kind::PimPre) || !queued_row(pim_row(qi))));
        };
        if (!m) {
          if (exhausted()) break;
          continue;
        }
        if (k == Kind::Pre) {
          if (pos != 0) continue;
          const int open = normal_row(qi);
          bool hits = false;
          for (std::size_t j = pos; j < q.size(); ++j)
            if (q[j].t.a.row == open) hits = true;
          if (hits && m_hits[static_cast<std::size_t>(qi)] < 4) continue;
        }
        if (k == Kind::Write) {
          bool dep = false;
          for (std::size_t j = 0; j < pos; ++j)
            if (q[j].t.type == TxnType::Read && q[j].t.a.row == t.a.row && q[j].t.a.col == t.a.col) dep = true;
          if (dep) continue;
        }
        if (pim && m_remain_slack > 0 && !m_pim_q.empty()) {
          if (k == Kind::Pre) {
            if (m_remain_slack <= 28) continue;
            m_remain_slack -= 14;
          } else if (k == Kind::Act) {
            if (m_remain_slack <= 14) {
              m = 0;  // refused for every request of this bank this cycle
              if (exhausted()) break;
              continue;
            }
            m_remain_slack -= 14;
          }
        }
        issue(c, qi, pos);
        return c;
      }
      if (m_opt.event_skip) {
        bw = bkey;
        bw.until = bank_next;
      }
    }
    if (only_first) break;
  }
  if (cacheable) {
    m_scan_wait = key;
    m_scan_wait.until = next;
  }
  return {};
}

void NewtonChannel::complete_at(std::uint64_t when, bool gwrite, std::uint64_t tag) { m_resp.push({when, gwrite, tag}); }

void NewtonChannel::issue(const Cand& c, int queue, std::size_t pos) {
  const dram::Command e = engine_cmd(c);
  m_engine.issue_unchecked(e, static_cast<dram::Cycle>(m_clk));
  ++m_issued;
  if (c.k == Kind::Act || c.k == Kind::Pre || c.k == Kind::Ref || c.k == Kind::GAct || c.k == Kind::PimPre) ++m_row_epoch;
  const int bi = c.rank >= 0 ? bank_index(c.rank, c.bg, c.bank) : -1;
  NewtonIssued rec{m_clk, class_of(static_cast<int>(c.k)), c.rank, c.bg, c.bank, c.row, e.arg};
  switch (c.k) {
    case Kind::Act:
      ++m_cnt.num_act_cmds;
      m_cnt.energy_pj += m_en.act;
      m_hits[static_cast<std::size_t>(bi)] = 0;
      break;
    case Kind::Pre:
      ++m_cnt.num_pre_cmds;
      m_hits[static_cast<std::size_t>(bi)] = 0;
      break;
    case Kind::Read:
    case Kind::Write: {
      auto& q = m_bank_q[static_cast<std::size_t>(queue)];
      const Txn t = q[pos].t;
      q.erase(q.begin() + static_cast<std::ptrdiff_t>(pos));
      ++m_qepoch;
      ++m_bank_epoch[static_cast<std::size_t>(queue)];
      count_row(queue, t, -1);
      if (t.type == TxnType::Write) --m_writes_q[static_cast<std::size_t>(queue)];
      ++m_hits[static_cast<std::size_t>(bi)];
      if (c.k == Kind::Read) {
        ++m_cnt.num_read_cmds;
        m_cnt.energy_pj += m_en.read;
        auto it = m_pending_reads.find(t.addr);
        if (it != m_pending_reads.end()) {
          const std::uint64_t when = m_clk + static_cast<std::uint64_t>(m_tm.read_delay);
          complete_at(when, false, it->second.tag);
          for (const std::uint64_t tag : it->second.more) complete_at(when, false, tag);
          m_pending_reads.erase(it);
        }
      } else {
        ++m_cnt.num_write_cmds;
        m_cnt.energy_pj += m_en.write;
      }
      break;
    }
    case Kind::Ref:
      ++m_cnt.num_ref_cmds;
      m_cnt.energy_pj += m_en.ref;
      break;
    case Kind::GWrite:
      ++m_cnt.num_gwrite_cmds;
      m_cnt.energy_pj += m_en.gwrite;
      complete_at(m_clk + static_cast<std::uint64_t>(m_tm.gwrite_delay), true, m_pim_q.front().t.tag);
      m_pim_q.pop_front();
      break;
    case Kind::GAct:
      ++m_cnt.num_gact_cmds;
      m_cnt.energy_pj += m_en.g_act;
      break;
    case Kind::PimPre: ++m_cnt.num_pim_precharge_cmds; rec.row = 0; break;
    case Kind::Comp:
      ++m_cnt.num_comp_cmds;
      m_cnt.energy_pj += m_en.comp;
      m_first_comp = false;
      complete_at(m_clk, false, m_pim_q.front().t.tag);
      m_pim_q.pop_front();
      break;
    case Kind::ReadRes: {
      const bool last = m_pim_q.front().t.last;
      ++m_cnt.num_readres_cmds;
      m_cnt.energy_pj += m_en.readres;
      m_first_comp = true;
      complete_at(m_clk + static_cast<std::uint64_t>(m_tm.read_delay), false, m_pim_q.front().t.tag);
      m_pim_q.pop_front();
      if (last && m_opt.type == PimType::Single) {
        m_pim_mode = false;
        m_reserved_row = -1;
        m_remain_slack = 0;
      }
      break;
    }
    case Kind::CompsReadRes: {
      const std::uint64_t nc = m_pim_q.front().t.num_comps, tag = m_pim_q.front().t.tag;
      m_cnt.num_comp_cmds += nc;
      ++m_cnt.num_readres_cmds;
      m_cnt.energy_pj += m_en.comp * static_cast<double>(nc) + m_en.readres;
      m_pim_q.pop_front();
      // Artifact: the data return ignores the MACs (quirk 1); faithful: the
      // results are read after 2 * max(num_comps, 6) cycles of MACs.
      const std::uint64_t mac = m_opt.artifact_compatible ? 0 : 2 * std::max<std::uint64_t>(nc, 6);
      complete_at(m_clk + mac + static_cast<std::uint64_t>(m_tm.read_delay), false, tag);
      break;
    }
    case Kind::PHeader:
      ++m_cnt.num_p_header_cmds;
      m_pim_q.pop_front();
      break;
    case Kind::None: break;
  }
  if (m_trace) m_trace->push_back(rec);
}

bool NewtonChannel::try_refresh() {
  if (m_ref_pending.empty()) return false;
  m_in_ref = true;
  const int r = m_ref_pending.front();
  bool all_ready = true;
  for (int g = 0; g < 4; ++g)
    for (int b = 0; b < 4; ++b) {
      const int bi = bank_index(r, g, b);
      Kind k = Kind::Ref;
      const int open = normal_row(bi);
      if (open >= 0) k = Kind::Pre;
      else if (m_opt.type == PimType::Dual && pim_row(bi) >= 0) k = Kind::PimPre;
      if (k == Kind::Ref) continue;
      Cand c{k, r, g, b, open >= 0 ? open : 0, 0};
      if (legal(c)) {
        issue(c);
        return true;
      }
      all_ready = false;
    }
  if (!all_ready) return false;
  Cand ref{Kind::Ref, r, 0, 0, 0, 0};
  if (!legal(ref)) return false;
  issue(ref);
  m_ref_pending.pop_front();
  m_in_ref = false;
  if (m_opt.type != PimType::Dram) {
    m_skip_pim = false;
    m_remain_slack = 0;
    m_reserved_row = -1;
  }
  return true;
}

bool NewtonChannel::normal_queues_empty() const {
  for (const auto& q : m_bank_q)
    if (!q.empty()) return false;
  return true;
}

void NewtonChannel::move_transaction() {
  if (m_rw_lock) {
    bool still = false;
    for (const Txn& t : m_read_q)
      if (t.type == TxnType::Read && t.addr == m_rw_addr) still = true;
    if (!still) m_rw_lock = false;
  }
  if (m_draining == 0 && !m_rw_lock) {
    if (m_write_buf.size() >= kTxnQueue || (m_write_buf.size() > 8 && normal_queues_empty()))
      m_draining = static_cast<int>(m_write_buf.size());
  }
  std::deque<Txn>* src = m_draining > 0 ? &m_write_buf : &m_read_q;
  if (m_opt.type == PimType::Dual && !m_pim_txq.empty()) {
    if (m_rw_lock) src = &m_read_q;
    else if (m_draining > 0 && m_pim_q.size() >= 2) src = &m_write_buf;
    else if (m_pim_q.size() < 2 || m_read_q.empty()) src = &m_pim_txq;
    else src = &m_read_q;
  }
  for (auto it = src->begin(); it != src->end(); ++it) {
    const Txn& t = *it;
    if (is_pim_txn(t.type)) {
      if (m_pim_q.size() >= kCmdQueue) continue;
      m_pim_q.push_back({t, m_next_id++});
      src->erase(it);
      return;
    }
    if (m_opt.type == PimType::Single && !m_pim_q.empty()) continue;
    const int bi = bank_index(t.a.rank, t.a.bg, t.a.bank);
    auto& q = m_bank_q[static_cast<std::size_t>(bi)];
    if (q.size() >= kCmdQueue) continue;
    if (t.type == TxnType::Write) {
      if (m_pending_reads.count(t.addr)) {
        m_rw_lock = true;
        m_rw_addr = t.addr;
        m_draining = 0;
        return;
      }
      if (m_draining > 0) --m_draining;
    }
    q.push_back({t, m_next_id++});
    ++m_qepoch;
    ++m_bank_epoch[static_cast<std::size_t>(bi)];
    count_row(bi, t, 1);
    if (t.type == TxnType::Write) ++m_writes_q[static_cast<std::size_t>(bi)];
    src->erase(it);
    return;
  }
}

bool NewtonChannel::will_accept(const Txn& t) const {
  if (t.type != TxnType::PHeader && m_outstanding >= m_resp_limit) return false;
  if (t.type == TxnType::Write) return m_write_buf.size() < kTxnQueue;
  if (t.type == TxnType::Read || m_opt.type != PimType::Dual) return m_read_q.size() < kTxnQueue;
  return m_pim_txq.size() < kTxnQueue;
}

void NewtonChannel::add(const Txn& t) {
  const char* flavour = pim_type_name(m_opt.type);
  if (is_pim_txn(t.type)) {
    bool ok = m_opt.type != PimType::Dram;
    if (m_opt.type == PimType::Dual && (t.type == TxnType::Comp || t.type == TxnType::ReadRes)) ok = false;
    if (m_opt.type == PimType::Single && t.type == TxnType::CompsReadRes) ok = false;
    if (!ok)
      throw std::invalid_argument(std::string("transaction ") + txn_type_name(t.type) + " is not accepted by the " +
                                  flavour + " controller");
    if (t.type == TxnType::PHeader && t.gwrite_header) {
      if (m_opt.type == PimType::Dual)
        throw std::invalid_argument("P_HEADER with the gwrite flag (column bit 3) is rejected by the dual controller");
      return;  // SINGLE drops it
    }
  }
  if (t.type != TxnType::PHeader) {
    ++m_outstanding;
    ++m_cnt.expected;
  }
  switch (t.type) {
    case TxnType::Read: {
      bool pending_write = std::any_of(m_write_buf.begin(), m_write_buf.end(), [&](const Txn& w) { return w.addr == t.addr; });
      const auto& bq = m_bank_q[static_cast<std::size_t>(bank_index(t.a.rank, t.a.bg, t.a.bank))];
      pending_write = pending_write || std::any_of(bq.begin(), bq.end(), [&](const Req& r) {
                        return r.t.type == TxnType::Write && r.t.addr == t.addr;
                      });
      if (pending_write) {
        complete_at(m_clk + 1, false, t.tag);
        return;
      }
      PendingRead& pr = m_pending_reads[t.addr];
      if (pr.count++ == 0) {
        pr.tag = t.tag;
        m_read_q.push_back(t);
      } else {
        pr.more.push_back(t.tag);
      }
      return;
    }
    case TxnType::Write:
      complete_at(m_clk + 1, false, t.tag);
      if (std::none_of(m_write_buf.begin(), m_write_buf.end(), [&](const Txn& w) { return w.addr == t.addr; }))
        m_write_buf.push_back(t);
      return;
    default:
      if (m_opt.type == PimType::Dual) m_pim_txq.push_back(t);
      else m_read_q.push_back(t);
      return;
  }
}

NewtonChannel::Snapshot NewtonChannel::snapshot() const {
  return Snapshot{m_issued, m_cnt.responses, m_next_id, m_qepoch, m_outstanding, m_ref_pending.size(), m_read_q.size(),
                  m_write_buf.size(), m_pim_txq.size(), m_pim_q.size(), m_gw_bank, m_reserved_row, m_rr, m_draining,
                  m_next_ref_rank, m_skip_pim, m_gwriting, m_pim_mode, m_first_comp, m_in_ref, m_rw_lock, m_rw_addr,
                  m_remain_slack};
}

bool NewtonChannel::Snapshot::operator==(const Snapshot& o) const {
  return issued == o.issued && responses == o.responses && next_id == o.next_id && qepoch == o.qepoch &&
         outstanding == o.outstanding && ref_pending == o.ref_pending && read_q == o.read_q &&
         write_buf == o.write_buf && pim_txq == o.pim_txq && pim_q == o.pim_q && gw_bank == o.gw_bank &&
         reserved_row == o.reserved_row && rr == o.rr && draining == o.draining && next_ref_rank == o.next_ref_rank &&
         skip_pim == o.skip_pim && gwriting == o.gwriting && pim_mode == o.pim_mode && first_comp == o.first_comp &&
         in_ref == o.in_ref && rw_lock == o.rw_lock && rw_addr == o.rw_addr && remain_slack == o.remain_slack;
}

void NewtonChannel::tick() {
  const bool skipping = m_opt.event_skip;
  Snapshot before{};
  if (skipping) {
    before = snapshot();
    m_wake = dram::kNever;
    m_deadline_asked = false;
  }
  // 1. responses
  while (!m_resp.empty() && m_resp.top().when <= m_clk) {
    const bool gw = m_resp.top().gwrite;
    if (m_sink) m_sink->push_back({m_resp.top().tag, m_clk});
    m_resp.pop();
    ++m_cnt.responses;
    --m_outstanding;
    m_last_response = static_cast<std::int64_t>(m_clk);
    if (gw) {
      m_gwriting = false;
      m_gw_bank = -1;
      m_remain_slack = 0;
    }
  }
  // 2. refresh timer (one rank every tREFI / 2)
  if (m_clk > 0 && m_clk % static_cast<std::uint64_t>(m_tm.refresh_stagger) == 0) {
    m_ref_pending.push_back(m_next_ref_rank);
    m_next_ref_rank ^= 1;
  }
  // 3. refresh step, 4. command selection
  if (!try_refresh()) {
    switch (m_opt.type) {
      case PimType::Dual:
        if (!m_skip_pim && !m_pim_q.empty() && !m_in_ref) {
          const Cand c = pim_head();
          if (c.k != Kind::None) {
            issue(c);
            break;
          }
          if (m_remain_slack < 10) break;
        }
        normal_scan();
        break;
      case PimType::Single:
        if (!m_skip_pim && (normal_queues_empty() || m_pim_mode)) {
          if (m_in_ref) break;
          const Cand c = pim_head();
          if (c.k != Kind::None) issue(c);
          break;
        }
        normal_scan();
        break;
      case PimType::Dram: normal_scan(); break;
    }
  }
  // 5. one transaction to the command queues
  move_transaction();
  // Background energy after the cycle's command, per rank (and PIM buffers).
  for (int r = 0; r < 2; ++r) {
    if (m_opt.event_skip && m_bg_epoch == m_row_epoch) {  // same row buffers: same terms
      m_cnt.background_pj += m_idle_bg[r];
      m_cnt.energy_pj += m_idle_bg[r];
      continue;
    }
    bool n = false, p = false;
    for (int g = 0; g < 4; ++g)
      for (int b = 0; b < 4; ++b) {
        const int bi = bank_index(r, g, b);
        n = n || normal_row(bi) >= 0;
        if (m_opt.type == PimType::Dual) p = p || pim_row(bi) >= 0;
      }
    double e = n ? m_en.bg_active : m_en.bg_idle;
    if (m_opt.type == PimType::Dual) e += p ? m_en.bg_active : m_en.bg_idle;
    m_cnt.background_pj += e;
    m_cnt.energy_pj += e;
    m_idle_bg[r] = e;
  }
  m_bg_epoch = m_row_epoch;
  if (skipping) {
    // The deadline check re-derives the slack every cycle (it falls by one):
    // not a change of state by itself (idle_until() bounds it).
    Snapshot after = snapshot();
    if (m_deadline_asked) after.remain_slack = before.remain_slack;
    m_quiet = after == before;
  }
  ++m_clk;
  m_cnt.cycles = m_last_response < 0 ? 0 : static_cast<std::uint64_t>(m_last_response) + 1;
}

std::uint64_t NewtonChannel::idle_until() const {
  if (!m_opt.event_skip || !m_quiet) return m_clk;
  // The tick at c = clk - 1 changed no state: the next ticks repeat it while
  // every refused command stays refused (m_wake: the first legal cycle of
  // each, or of a cached refusal), no response is due, the refresh timer does
  // not fire and the deadline slack neither wraps nor crosses 28, 14, 9 or 0
  // (the comparisons of normal_scan, tick and deadline_check).
  const auto c = static_cast<dram::Cycle>(m_clk) - 1;
  const auto stagger = static_cast<dram::Cycle>(m_tm.refresh_stagger);
  dram::Cycle t = m_wake;
  if (!m_resp.empty()) t = std::min(t, static_cast<dram::Cycle>(m_resp.top().when));
  t = std::min(t, (c / stagger + 1) * stagger);  // the timer fires at the tick of a multiple
  if (m_deadline_asked) {
    t = std::min(t, ((c + 1) / stagger + 1) * stagger - 1);  // slack = stagger - ((clk + 1) mod stagger)
    for (const std::int64_t h : {28, 14, 9, 0})
      if (m_remain_slack > h) t = std::min(t, c + (m_remain_slack - h));
  }
  return static_cast<std::uint64_t>(std::max(t, static_cast<dram::Cycle>(m_clk)));
}

void NewtonChannel::skip_to(std::uint64_t t) {
  if (t <= m_clk) return;
  if (!m_opt.event_skip || !m_quiet || t > idle_until())
    throw std::logic_error("newton channel: skip_to(" + std::to_string(t) + ") beyond the idle cycles");
  // Each skipped cycle: the background energy of the tick (rank 0, then 1,
  // added one by one as the ticks would), and the slack one lower.
  if (m_deadline_asked) m_remain_slack -= static_cast<std::int64_t>(t - m_clk);
  for (std::uint64_t u = m_clk; u < t; ++u)
    for (const double e : m_idle_bg) {
      m_cnt.background_pj += e;
      m_cnt.energy_pj += e;
    }
  m_clk = t;
  m_quiet = false;
}

namespace {
std::string stall_message(std::uint64_t cycle, std::uint64_t outstanding, const std::string& context) {
  return (context.empty() ? "" : context + ": ") + "newton channel: no progress for " +
         std::to_string(NewtonStall::kCycles) + " cycles at cycle " + std::to_string(cycle) + " (" +
         std::to_string(outstanding) + " responses outstanding)";
}
}  // namespace

NewtonStall::NewtonStall(std::uint64_t cycle, std::uint64_t outstanding, const std::string& context)
    : std::runtime_error(stall_message(cycle, outstanding, context)), m_cycle(cycle), m_outstanding(outstanding) {}

NewtonCounters run_newton(const NewtonOptions& o, const NewtonWorkload& w, std::vector<NewtonIssued>* trace,
                          std::vector<NewtonChannel::Response>* responses, std::unique_ptr<NewtonChannel>* end_state) {
  NewtonChannel ch(o);
  ch.set_trace(trace);
  ch.set_response_sink(responses);
  std::size_t ip = 0, im = 0;
  std::uint64_t last_progress = 0, last_seen = 0;
  for (;;) {
    while (ip < w.pim.size() && ch.will_accept(w.pim[ip])) ch.add(w.pim[ip++]);
    while (im < w.mem.size() && ch.will_accept(w.mem[im])) ch.add(w.mem[im++]);
    ch.tick();
    const NewtonCounters& c = ch.counters();
    if (ip == w.pim.size() && im == w.mem.size() && ch.outstanding() == 0) break;
    const std::uint64_t seen = c.responses + c.num_act_cmds + c.num_pre_cmds + c.num_read_cmds + c.num_write_cmds +
                               c.num_ref_cmds + c.num_gact_cmds + c.num_comp_cmds + c.num_pim_precharge_cmds +
                               c.num_p_header_cmds + c.num_gwrite_cmds + ip + im;
    // Refresh alone does not count as progress.
    if (seen - c.num_ref_cmds - c.num_pre_cmds != last_seen) {
      last_seen = seen - c.num_ref_cmds - c.num_pre_cmds;
      last_progress = ch.clk();
    }
    const auto stalled = [&] {
      if (ch.clk() - last_progress > NewtonStall::kCycles) throw NewtonStall(ch.clk(), ch.outstanding());
    };
    stalled();
    // Idle cycles: the stream heads stay refused (the state did not change).
    if (o.event_skip) {
      ch.skip_to(std::min(ch.idle_until(), last_progress + NewtonStall::kCycles + 1));
      stalled();
    }
  }
  NewtonCounters out = ch.counters();
  if (end_state) {
    ch.set_trace(nullptr);
    ch.set_response_sink(nullptr);
    *end_state = std::make_unique<NewtonChannel>(std::move(ch));
  }
  return out;
}

double NewtonCounters::pim_pj() const {
  const NewtonEnergy e;
  return static_cast<double>(num_gact_cmds) * e.g_act + static_cast<double>(num_comp_cmds) * e.comp +
         static_cast<double>(num_readres_cmds) * e.readres + static_cast<double>(num_gwrite_cmds) * e.gwrite;
}

void run_idle_until(NewtonChannel& ch, std::uint64_t until, const std::function<void()>& after_tick) {
  if (ch.outstanding() != 0) throw std::logic_error("newton channel: run_idle_until with transactions outstanding");
  while (ch.clk() < until) {
    ch.tick();
    if (after_tick) after_tick();
    const std::uint64_t t = std::min(ch.idle_until(), until);
    if (t > ch.clk()) ch.skip_to(t);
  }
}

NewtonWorkload newton_microbench(PimType type, int gemvs, int comps_per_readres, int readres, int loads, bool gwrite) {
  NewtonWorkload w;
  for (int g = 0; g < gemvs; ++g) {
    const int row = 100 + g;
    if (gwrite) {
      w.pim.push_back(make_txn(TxnType::PHeader, p_header_addr(0, 0, 1, 1)));
      w.pim.push_back(make_txn(TxnType::GWrite, normal_addr(0, 0, 0, 0, 0, 0)));
    }
    const std::uint64_t cr = static_cast<std::uint64_t>(comps_per_readres) * static_cast<std::uint64_t>(readres);
    w.pim.push_back(make_txn(TxnType::PHeader, p_header_addr(0, row, cr, static_cast<std::uint64_t>(readres))));
    for (int r = 0; r < readres; ++r) {
      const bool last = r == readres - 1;
      if (type == PimType::Dual) {
        w.pim.push_back(make_txn(TxnType::CompsReadRes, comps_readres_addr(0, row, comps_per_readres, last)));
      } else {
        for (int c = 0; c < comps_per_readres; ++c) w.pim.push_back(make_txn(TxnType::Comp, comp_addr(0, row)));
        w.pim.push_back(make_txn(TxnType::ReadRes, readres_addr(0, row, last)));
      }
    }
  }
  for (int l = 0; l < loads; ++l)
    for (int j = 0; j < 16; ++j)
      w.mem.push_back(make_txn(TxnType::Read, normal_addr(0, 0, j / 4, j % 4, 10 + l, (j + l) % 16)));
  return w;
}

}  // namespace pimlab::pim
