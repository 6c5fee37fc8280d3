#include "pim/attacc.h"

#include <algorithm>
#include <array>
#include <deque>
#include <vector>
#include <stdexcept>

namespace pimlab::pim {

using dram::BankEffect;
using dram::Bus;
using dram::ClassId;
using dram::CommandSet;
using dram::Cycle;
using dram::kNever;
using dram::Rule;
using dram::Target;
using S = dram::Scope;

const char* placement_name(AttaccPlacement p) {
  switch (p) {
    case AttaccPlacement::Bank: return "bank";
    case AttaccPlacement::BankGroup: return "bg";
    case AttaccPlacement::Buffer: return "buffer";
  }
  return "?";
}

AttaccPlacement parse_placement(const std::string& s) {
  if (s == "bank") return AttaccPlacement::Bank;
  if (s == "bg") return AttaccPlacement::BankGroup;
  if (s == "buffer") return AttaccPlacement::Buffer;
  throw std::invalid_argument("unknown AttAcc placement '" + s + "'; allowed: bank, bg or buffer");
}

namespace {
const char* const kReqNames[kAttaccReqTypes] = {"PIM_MAC_AB", "PIM_MAC_SB", "PIM_MAC_PB", "PIM_WR_GB",
                                                "PIM_MV_SB",  "PIM_MV_GB",  "PIM_SFM",    "PIM_BARRIER"};
}

const char* req_name(AttaccReq r) { return kReqNames[static_cast<int>(r)]; }

AttaccReq parse_req(const std::string& s) {
  for (int i = 0; i < kAttaccReqTypes; ++i)
    if (s == kReqNames[i]) return static_cast<AttaccReq>(i);
  std::string allowed;
  for (int i = 0; i < kAttaccReqTypes; ++i) allowed += std::string(i ? ", " : "") + kReqNames[i];
  throw std::invalid_argument("unknown AttAcc request type '" + s + "'; allowed: " + allowed);
}

AttaccAddr decode_addr(std::uint64_t a) {
  AttaccAddr r;
  r.col = static_cast<int>((a >> 5) & 31);
  r.row = static_cast<int>((a >> 10) & 16383);
  r.bank = static_cast<int>((a >> 24) & 3);
  r.bg = static_cast<int>((a >> 26) & 3);
  r.rank = static_cast<int>((a >> 28) & 1);
  r.pch = static_cast<int>((a >> 29) & 1);
  r.ch = static_cast<int>(a >> 30);
  return r;
}

std::uint64_t encode_addr(const AttaccAddr& a) {
  return (static_cast<std::uint64_t>(a.ch) << 30) | (static_cast<std::uint64_t>(a.pch) << 29) |
         (static_cast<std::uint64_t>(a.rank) << 28) | (static_cast<std::uint64_t>(a.bg) << 26) |
         (static_cast<std::uint64_t>(a.bank) << 24) | (static_cast<std::uint64_t>(a.row) << 10) |
         (static_cast<std::uint64_t>(a.col) << 5);
}

SlotKind slot_kind(ClassId c, bool) {
  switch (c) {
    case kACTAB:
    case kACTSB:
    case kACTPB:
    case kPREA:
    case kREFab:
    case kACT:
    case kPRE: return SlotKind::Row;
    // The artifact's row/column classification omits PRESB and PREPB [Q];
    // kept in both modes (it only removes pairing opportunities).
    case kPRESB:
    case kPREPB: return SlotKind::Untyped;
    default: return SlotKind::Column;
  }
}

CommandSet attacc_command_set(const dram::DramSpec& spec, bool art) {
  if (spec.t.nCCDS > spec.t.nBL)
    throw std::invalid_argument("AttAcc command set: nCCDS " + std::to_string(spec.t.nCCDS) + " > nBL " +
                                std::to_string(spec.t.nBL) +
                                "; the rank-level rules are only implied by the nBL rules when nCCDS <= nBL");
  if (spec.t.nCCDAB <= 0 || spec.t.nCCDSB <= 0)
    throw std::invalid_argument("AttAcc command set: preset '" + spec.name +
                                "' has no nCCDAB / nCCDSB; use an attacc-hbm3-* preset");
  CommandSet s;
  s.name = art ? "attacc-artifact" : "attacc";
  // Artifact-compatible: every PIM command's timing is kept on its address
  // path only (one bank of pCH 0: the one the controller's row logic looks
  // at), so Target::Bank; faithful: the banks it physically touches.
  const Target ab = art ? Target::Bank : Target::Channel;
  const Target sb = art ? Target::Bank : Target::BankIndex;
  const Target pb = art ? Target::Bank : Target::BankAllPseudoChannels;
  s.classes = {
      {"ACTAB", ab, BankEffect::Open, Bus::Row},
      {"ACTSB", sb, BankEffect::Open, Bus::Row},
      {"ACTPB", pb, BankEffect::Open, Bus::Row},
      {"PREA", Target::Channel, BankEffect::Close, Bus::Row},
      {"PRESB", sb, BankEffect::Close, Bus::Row},
      {"PREPB", pb, BankEffect::Close, Bus::Row},
      {"REFab", Target::PseudoChannel, BankEffect::Refresh, Bus::Row},
      {"MACAB", ab, BankEffect::Access, Bus::Column},
      {"MACSB", sb, BankEffect::Access, Bus::Column},
      {"MACPB", pb, BankEffect::Access, Bus::Column},
      {"WRGB", Target::Bank, BankEffect::None, Bus::Column},
      {"MVSB", Target::Bank, BankEffect::None, Bus::Column},
      {"MVGB", Target::Bank, BankEffect::None, Bus::Column},
      {"SFM", Target::Bank, BankEffect::None, Bus::Column},
      {"MACPB_ALIAS", Target::Bank, BankEffect::None, Bus::Column},
      {"ACT", Target::Bank, BankEffect::Open, Bus::Row},
      {"PRE", Target::Bank, BankEffect::Close, Bus::Row},
      {"RD", Target::Bank, BankEffect::Access, Bus::Column},
      {"WR", Target::Bank, BankEffect::Access, Bus::Column},
  };
  auto& r = s.rules;
  // §4.1, channel level: two-cycle row commands, all-bank and same-bank MAC pacing.
  for (const char* to : {"ACTAB", "PREA", "REFab"}) r.push_back({"row_cmd_2", "ACTAB", to, S::Channel, "2"});
  for (const char* to : {"ACTSB", "PREA", "PRESB", "REFab"}) r.push_back({"row_cmd_2", "ACTSB", to, S::Channel, "2"});
  for (const char* to : {"ACTPB", "PREA", "PREPB", "REFab"}) r.push_back({"row_cmd_2", "ACTPB", to, S::Channel, "2"});
  r.push_back({"tRC", "ACTAB", "ACTAB", S::Channel, "nRC"});
  r.push_back({"tRCD", "ACTAB", "MACAB", S::Channel, "nRCDRD"});
  r.push_back({"tRAS", "ACTAB", "PREA", S::Channel, "nRAS"});
  r.push_back({"tCCDAB", "MACAB", "MACAB", S::Channel, "nCCDAB"});
  r.push_back({"tRTP", "MACAB", "PREA", S::Channel, "nRTPL"});
  r.push_back({"tRP", "PREA", "ACTAB", S::Channel, "nRP"});
  r.push_back({"tCCDSB", "MACSB", "MACSB", S::Channel, "nCCDSB"});
  r.push_back({"tMACPB_BL", "MACPB", "MACPB", S::Channel, "nBL"});
  r.push_back({"tMACPB_CCDL", "MACPB", "MACPB", S::SameBankGroup, "nCCDL"});
  // Bank level of the same-bank and per-bank families.
  for (const char* f : {"SB", "PB"}) {
    const std::string act = std::string("ACT") + f, mac = std::string("MAC") + f, pre = std::string("PRE") + f;
    r.push_back({"tRC", act, act, S::SameBank, "nRC"});
    r.push_back({"tRCD", act, mac, S::SameBank, "nRCDRD"});
    r.push_back({"tRAS", act, pre, S::SameBank, "nRAS"});
    r.push_back({"tRTP", mac, pre, S::SameBank, "nRTPL"});
    r.push_back({"tRP", pre, act, S::SameBank, "nRP"});
  }
  // Refresh: no activation within nRFC of its pseudo-channel's REFab.
  for (const char* to : {"ACTAB", "ACTSB", "ACTPB"}) r.push_back({"tRFC", "REFab", to, S::PseudoChannel, "nRFC"});
  // Data moves share the data path: pCH nBL, bank group nCCDL (rank nCCDS is
  // implied by the pCH rule). SFM checks only the channel level in the
  // artifact [Q], so it follows a data move at once; faithful: it waits too.
  const char* moves[] = {"WRGB", "MVSB", "MVGB", "SFM", "RD", "WR"};
  for (const char* from : moves)
    for (const char* to : moves) {
      if (art && std::string(to) == "SFM") continue;
      r.push_back({"tDATA_BL", from, to, S::PseudoChannel, "nBL"});
      r.push_back({"tDATA_CCDL", from, to, S::SameBankGroup, "nCCDL"});
    }
  // Host memory traffic (both modes; the artifact has none): the HBM3 bank
  // rules of RD / WR / ACT / PRE, and against the PIM row commands on the
  // banks they share, refresh, and the read / write turnarounds.
  r.push_back({"tRCD", "ACT", "RD", S::SameBank, "nRCDRD"});
  r.push_back({"tRCDWR", "ACT", "WR", S::SameBank, "nRCDWR"});
  r.push_back({"tRRD_S", "ACT", "ACT", S::PseudoChannel, "nRRDS"});
  r.push_back({"tRRD_L", "ACT", "ACT", S::SameBankGroup, "nRRDL"});
  r.push_back({"tFAW", "ACT", "ACT", S::PseudoChannel, "nFAW", 4});
  // Artifact-compatible PIM commands keep their state on the decisive bank
  // only, so there the rules between host and PIM row commands apply
  // channel-wide (conservative); faithful: on the banks both touch.
  const S pim_host = art ? S::Channel : S::SameBank;
  for (const char* act : {"ACT", "ACTAB", "ACTSB", "ACTPB"})
    for (const char* pre : {"PRE", "PREA", "PRESB", "PREPB"}) {
      const bool host = std::string(act) == "ACT", host_pre = std::string(pre) == "PRE";
      if (!host && !host_pre) continue;
      const S sc = host && host_pre ? S::SameBank : pim_host;
      r.push_back({"tRAS", act, pre, sc, "nRAS"});
      r.push_back({"tRP", pre, act, sc, "nRP"});
    }
  for (const char* act : {"ACTAB", "ACTSB", "ACTPB"}) {
    r.push_back({"tRC", "ACT", act, pim_host, "nRC"});
    r.push_back({"tRC", act, "ACT", pim_host, "nRC"});
  }
  r.push_back({"tRC", "ACT", "ACT", S::SameBank, "nRC"});
  for (const char* pre : {"PRE", "PREA"}) {
    r.push_back({"tRTP", "RD", pre, S::SameBank, "nRTPL"});
    r.push_back({"tWR", "WR", pre, S::SameBank, "nCWL+nBL+nWR"});
  }
  r.push_back({"tRFC", "REFab", "ACT", S::PseudoChannel, "nRFC"});
  r.push_back({"tRC_REF", "ACT", "REFab", S::SameBank, "nRC"});
  r.push_back({"tRP_REF", "PRE", "REFab", S::SameBank, "nRP"});
  r.push_back({"tRTW", "RD", "WR", S::PseudoChannel, "nCL+nBL+1-nCWL"});
  r.push_back({"tWTR_L", "WR", "RD", S::SameBankGroup, "nCWL+nBL+nWTRL"});
  r.push_back({"tWTR_S", "WR", "RD", S::OtherBankGroup, "nCWL+nBL+nWTRS"});
  if (art) {
    // [Q] MACPB side effect: MACPB -> PREPB (nRTPL) also on the bank at
    // (rank 0, BG = rank, bank) of the MAC; the controller records the alias.
    r.push_back({"tRTP_alias", "MACPB_ALIAS", "PREPB", S::SameBank, "nRTPL"});
  } else {
    // Physical rules the artifact never checks (§4.1 "never checked", §4.1
    // "notable absences"): refresh after row cycle and precharge, every
    // precharge after the row's activation and its reads, every activation
    // after any precharge of its banks.
    for (const char* act : {"ACTAB", "ACTSB", "ACTPB"}) {
      r.push_back({"tRC_REF", act, "REFab", S::SameBank, "nRC"});
      r.push_back({"tRAS", act, "PREA", S::SameBank, "nRAS"});
      for (const char* pre : {"PREA", "PRESB", "PREPB"}) r.push_back({"tRP", pre, act, S::SameBank, "nRP"});
    }
    for (const char* pre : {"PREA", "PRESB", "PREPB"}) r.push_back({"tRP_REF", pre, "REFab", S::SameBank, "nRP"});
    for (const char* mac : {"MACSB", "MACPB"}) r.push_back({"tRTP", mac, "PREA", S::SameBank, "nRTPL"});
  }
  return s;
}

namespace {

// The request's current command (§4.3).
struct Cur {
  dram::Command cmd;
  bool final = false;    // the request's own command (MAC or data move)
  bool row_cmd = false;  // ACT* or PRE*
  bool row_hit = false;  // a MAC whose row is open
  std::uint16_t fidx = 0;  // the command's entry in the floor table (class, pseudo-channel)
};

struct QReq {
  AttaccReq type = AttaccReq::Barrier;
  AttaccAddr a{};
  std::int64_t stmt = -1;  // index in the trace (host access: its tag)
  // Host memory access (AttaccController::push_host): 0 none, 1 read, 2 write;
  // `accessed`: its RD / WR issued, the closing PRE pending. A host access's
  // current command depends on more than the open rows: never cached.
  std::uint8_t host = 0;
  bool accessed = false;
  // The current command as of bank-state epoch `epoch` (it depends only on
  // the open rows, which change only with a row command).
  Cur cur;
  std::uint64_t epoch = ~std::uint64_t{0};
  // A lower bound on rules_ready() of the request's command of class `bcls`
  // (the address of that command is fixed by the request): the rule engine's
  // bounds only grow, so a request known unready until `bound` needs no
  // re-evaluation before then.
  dram::ClassId bcls = static_cast<dram::ClassId>(-1);
  Cycle bound = 0;
  // A MAC's decisive bank's open row (-1 closed) when `cur` was derived: an
  // unchanged row leaves the current command as it is.
  int seen = -2;
  // What the channel's counts hold of this request (Channel::count_add).
  bool counted = false, c_row_cmd = false, c_row_hit = false;
  std::uint16_t c_fidx = 0;
};

int bank_bit(const AttaccAddr& a) { return ((a.pch * 2 + a.rank) * 4 + a.bg) * 4 + a.bank; }

// The PIM queue: a ring of queued requests in arrival order (front = oldest),
// erasable at any position (the pick of select()). Capacity: a power of two
// at least the queue capacity.
class ReqRing {
 public:
  explicit ReqRing(std::size_t capacity) {
    std::size_t n = 1;
    while (n < capacity) n <<= 1;
    m_buf.resize(n);
    m_mask = n - 1;
  }
  bool empty() const { return m_size == 0; }
  std::size_t size() const { return m_size; }
  QReq& operator[](std::size_t i) { return m_buf[(m_head + i) & m_mask]; }
  const QReq& operator[](std::size_t i) const { return m_buf[(m_head + i) & m_mask]; }
  QReq& front() { return m_buf[m_head]; }
  const QReq& front() const { return m_buf[m_head]; }
  void push_back(const QReq& r) {
    m_buf[(m_head + m_size) & m_mask] = r;
    ++m_size;
  }
  // A trace statement appended in place: the fields a new request starts
  // with (QReq's defaults) set one by one instead of copying a whole request.
  QReq& push_statement(AttaccReq type, const AttaccAddr& a, std::int64_t stmt) {
    QReq& r = m_buf[(m_head + m_size) & m_mask];
    ++m_size;
    r.type = type;
    r.a = a;
    r.stmt = stmt;
    r.host = 0;
    r.accessed = false;
    r.epoch = ~std::uint64_t{0};
    r.bcls = static_cast<dram::ClassId>(-1);
    r.bound = 0;
    r.seen = -2;
    r.counted = r.c_row_cmd = r.c_row_hit = false;
    r.c_fidx = 0;
    return r;
  }
  void pop_front() {
    m_head = (m_head + 1) & m_mask;
    --m_size;
  }
  // Removes entry i; the entries before it move up one place (order kept).
  void erase(std::size_t i) {
    for (std::size_t k = i; k > 0; --k) (*this)[k] = (*this)[k - 1];
    pop_front();
  }

 private:
  std::vector<QReq> m_buf;
  std::size_t m_mask = 0, m_head = 0, m_size = 0;
};

class Channel {
 public:
  Channel(const dram::DramSpec& spec, const CommandSet& set, const AttaccOptions& opt, bool record)
      : q(static_cast<std::size_t>(opt.queue_capacity)),
        m_eng(spec, set, true),
        m_art(opt.artifact_compatible),
        m_refi(spec.t.nREFI),
        m_record(record) {
    // The channel-scope rows of the rule table bind a class at every address:
    // their bound is a floor under rules_ready() of any command of the class,
    // kept here so that select() can pass over a class that cannot issue yet
    // without asking the engine for each queued request. Not with a planted
    // rule fault (the engine then times shorter rows than the table's).
    // Pseudo-channel-scope rows likewise, per pseudo-channel; one table per
    // class and pseudo-channel holds both (a channel row raises every
    // pseudo-channel's entry).
    const std::size_t nc = set.classes.size();
    m_floor_rows.assign(nc, {});
    m_npch = static_cast<std::size_t>(spec.org.pseudo_channels);
    m_pfloor.assign(nc * m_npch, 0);
    m_fmask_ok = nc * m_npch <= 64;
    m_pfloor_rows.assign(nc, {});
    m_narrow.assign(nc, 0);
    for (std::size_t c = 0; c < nc; ++c) {
      const Target tg = set.classes[c].target;
      m_narrow[c] = tg == Target::Bank || tg == Target::BankGroup || tg == Target::PseudoChannel;
    }
    if (dram::planted_rule_fault_rows() != 0) return;
    for (const Rule& r : set.rules) {
      if ((r.scope != S::Channel && r.scope != S::PseudoChannel) || r.nth != 1) continue;
      const dram::Distance d = dram::compile_distance(r.distance, spec.t);
      if (d.uses_arg()) continue;
      (r.scope == S::Channel ? m_floor_rows : m_pfloor_rows)[set.id(r.from)].push_back({set.id(r.to), d.base});
    }
  }

  ReqRing q;
  std::deque<int> prio;  // pending refresh requests (pCH)
  AttaccCounts counts;
  std::int64_t refreshes = 0;
  std::vector<AttaccIssued> issued;

  bool idle() const { return q.empty() && prio.empty(); }

  // The front-end's push.
  void push(const QReq& r) {
    q.push_back(r);
    count_add(q[q.size() - 1]);
  }
  void push_statement(AttaccReq type, const AttaccAddr& a, std::int64_t stmt) { count_add(q.push_statement(type, a, stmt)); }

  // Cycle at which this channel next needs a controller pass: an idle pass
  // changes nothing, so the passes in between are skipped (a push by the
  // front-end or a due refresh wakes it earlier).
  Cycle wake = 0;

  // One controller cycle; returns whether anything changed (a command
  // issued, a barrier consumed, a refresh enqueued).
  bool cycle(Cycle t) {
    m_active = false;
    if (t % m_refi == 0) {
      prio.push_back(0);
      prio.push_back(1);
      m_active = true;
    }
    cycle_slots(t);
    return m_active;
  }

  // The cycle to wake at for a request pushed at t: a push changes no other
  // request's eligibility (it joins the back of the queue: it passes nothing;
  // H and the row-command count only grow, and with the count at zero no
  // queued request waited for a row command), so only the new request's own
  // readiness can come earlier than the wake already due, and not before
  // its class's floor.
  Cycle push_wake(Cycle t) {
    QReq& r = q[q.size() - 1];
    if (r.host || r.type == AttaccReq::Barrier || !m_fmask_ok) return t;
    return std::max(t, m_pfloor[cur(r).fidx]);
  }

  // The cycle to wake at after a pass at t - 1 that changed something (true)
  // or nothing (false): a changed state is bounded cheaply first — when the
  // floor of every queued request's class lies past t, nothing can issue
  // before the lowest of them (the usual case in the cycle after a MAC).
  Cycle wake_after(Cycle t, bool changed) {
    if (!changed) return next_event(t);
    if (!m_fmask_ok || m_hosts > 0 || !prio.empty() || q.empty() || q.front().type == AttaccReq::Barrier)
      return t;
    hit_set();  // the counts of the current epoch
    Cycle m = (t + m_refi - 1) / m_refi * m_refi;
    for (std::uint64_t k = m_fmask; k != 0; k &= k - 1)
      m = std::min(m, m_pfloor[static_cast<std::size_t>(__builtin_ctzll(k))]);
    return std::max(m, t);
  }

  // First cycle >= t at which some queued request or the pending refresh
  // could issue, or the next refresh is due (state unchanged until then).
  // Only the requests select() may pick are considered: what makes a request
  // eligible (the host fence, barriers, the buffer-die order, the row-hit
  // guard) changes only when something issues or is pushed, and either wakes
  // the channel, so until the wake it is as now.
  Cycle next_event(Cycle t) {
    Cycle m = (t + m_refi - 1) / m_refi * m_refi;
    if (!q.empty() && q.front().type == AttaccReq::Barrier) return t;
    if (!q.empty() && q.front().host && q.front().accessed && m_host_bank < 0) return t;
    if (!prio.empty()) {
      dram::Command c;
      c.addr.pch = dram::PchId{prio.front()};
      c.cls = m_eng.open_banks() > 0 ? kPREA : kREFab;
      m = std::min(m, m_eng.earliest(c, t));
    }
    if (q.empty()) return m;
    auto consider = [&](QReq& r, const Cur& c) {
      // A floor at or past the earliest found cannot lower it.
      if (floor_of(c.cmd) >= m || (r.bcls == c.cmd.cls && r.bound >= m)) return;
      r.bcls = c.cmd.cls;
      r.bound = m_eng.rules_ready(c.cmd);
      m = std::min(m, m_eng.earliest_after(c.cmd, r.bound, t));
    };
    consider(q.front(), cur(q.front()));
    if (q.front().host || m == t) return m;  // a host access at the head is a fence
    const std::uint64_t hit = hit_set();
    bool past_barrier = false;
    bool sfm_passed = q.front().type == AttaccReq::Sfm, mvsb_passed = q.front().type == AttaccReq::MvSB;
    for (std::size_t i = 1; i < q.size(); ++i) {
      QReq& r = q[i];
      if (r.host) break;
      if (r.type == AttaccReq::Barrier) {
        if (m_row_cmds == 0) break;
        past_barrier = true;
        continue;
      }
      const Cur& c = cur(r);
      if (past_barrier && !c.row_cmd) continue;
      if (buffer_order_blocks(r.type, sfm_passed, mvsb_passed)) continue;
      if (!c.row_hit && (hit >> bank_bit(r.a) & 1)) continue;
      consider(r, c);
      if (m == t) break;
    }
    return m;
  }

 private:
  void cycle_slots(Cycle t) {
    // First slot.
    SlotKind ref = SlotKind::None;
    if (!prio.empty()) {
      const int p = prio.front();
      dram::Command c;
      c.addr.pch = dram::PchId{p};
      const bool any_open = m_eng.open_banks() > 0;
      c.cls = any_open ? kPREA : kREFab;
      if (m_eng.earliest(c, t) == t && m_eng.state_allows(c)) {
        issue(c, t, AttaccAddr{0, p, 0, 0, 0, 0, 0});
        if (!any_open) {
          prio.pop_front();
          ++refreshes;
        }
      }
      ref = SlotKind::Row;
    } else {
      Cur cur;
      const int pick = select(t, cur);
      if (pick == kBarrierNoop) {
        q.pop_front();
        m_active = true;
        ref = SlotKind::Untyped;
      } else if (pick >= 0) {
        issue_request(pick, cur, t);
        ref = slot_kind(cur.cmd.cls, m_art);
      }
    }
    // Second slot: only a command of the other kind (row vs column).
    if (ref == SlotKind::None || ref == SlotKind::Untyped) {
      if (!q.empty() && q.front().type == AttaccReq::Barrier) {
        q.pop_front();
        m_active = true;
      }
      return;
    }
    Cur cur;
    const int pick = select(t, cur, ref == SlotKind::Column);
    if (pick < 0) return;
    const SlotKind k = slot_kind(cur.cmd.cls, m_art);
    if (k == SlotKind::Untyped || k == ref) return;
    issue_request(pick, cur, t);
  }

  static constexpr int kNone = -1, kBarrierNoop = -2;

  // The bank a host access opened (engine bank index), -1: none open.
  int m_host_bank = -1;
  // Host accesses queued (the hit set and the scans stop at the first).
  std::size_t m_hosts = 0;
  void pop_host() {
    q.pop_front();
    --m_hosts;
  }
 public:
  void push_host(const QReq& r) {
    push(r);
    ++m_hosts;
  }
 private:
  static int engine_bank(const AttaccAddr& a) { return (a.pch * 8 + a.rank * 4 + a.bg) * 4 + a.bank; }

  Cur host_current(const QReq& r) const {
    Cur c;
    c.cmd.addr = engine_addr(r.a.pch, r.a.rank, r.a.bg, r.a.bank, r.a.row);
    const dram::PchId p{r.a.pch};
    const dram::BankGroupId g{r.a.rank * 4 + r.a.bg};
    const dram::BankId b{r.a.bank};
    const bool mine = m_host_bank == engine_bank(r.a) && m_eng.is_open(p, g, b);
    if (r.accessed) {
      c.cmd.cls = kPRE;  // only while the bank is still open (select() drops it otherwise)
      c.final = true;
      c.row_cmd = true;
    } else if (mine && dram::idx(m_eng.open_row(p, g, b)) == r.a.row) {
      c.cmd.cls = r.host == 2 ? kWR : kRD;
      c.final = true;
      c.row_hit = true;
    } else if (m_eng.open_banks() > 0) {
      c.cmd.cls = kPREA;
      c.row_cmd = true;
    } else {
      c.cmd.cls = kACT;
      c.row_cmd = true;
    }
    return c;
  }

  Cur current(const QReq& r) const {
    if (r.host) return host_current(r);
    Cur c;
    int rank = 0, bg = 0, bank = 0;
    ClassId act = 0, pre = 0, mac = 0;
    switch (r.type) {
      case AttaccReq::MacAB: act = kACTAB; pre = kPREA; mac = kMACAB; break;
      case AttaccReq::MacSB: act = kACTSB; pre = kPRESB; mac = kMACSB; bank = r.a.bank; break;
      case AttaccReq::MacPB: act = kACTPB; pre = kPREPB; mac = kMACPB; rank = r.a.rank; bg = r.a.bg; bank = r.a.bank; break;
      default: {
        static const ClassId move[] = {0, 0, 0, kWRGB, kMVSB, kMVGB, kSFM, 0};
        c.cmd.cls = move[static_cast<int>(r.type)];
        c.cmd.addr = engine_addr(r.a.pch, r.a.rank, r.a.bg, r.a.bank, r.a.row);
        c.final = true;
        return c;
      }
    }
    // The decisive bank: pCH 0, and the MAC's (rank, bg, bank) per family.
    c.cmd.addr = engine_addr(0, rank, bg, bank, r.a.row);
    mac_state(r, c, act, pre, mac, decisive_open(c));
    return c;
  }
  // The open row (-1: closed) of the bank a MAC's current command c addresses.
  int decisive_open(const Cur& c) const {
    return idx(m_eng.open_row(c.cmd.addr.pch, c.cmd.addr.bg, c.cmd.addr.bank));
  }
  // A MAC's current command from its decisive bank's open row (the address in
  // c.cmd is the decisive bank's).
  static void mac_state(const QReq& r, Cur& c, ClassId act, ClassId pre, ClassId mac, int open) {
    c.final = c.row_cmd = c.row_hit = false;
    if (open < 0) {
      c.cmd.cls = act;
      c.row_cmd = true;
    } else if (open == r.a.row) {
      c.cmd.cls = mac;
      c.final = true;
      c.row_hit = true;
    } else {
      c.cmd.cls = pre;
      c.row_cmd = true;
    }
  }

  // Ready by the timing rules alone (§4.2). The command bus is not part of
  // it: in the second slot the first slot's command holds its bus, and a pick
  // of that kind is refused by the slot rule after select() has chosen it — it
  // must not make select() pass over it to a later request.
  bool ready(const Cur& c, Cycle t) const {
    return m_eng.rules_ready(c.cmd) <= t && (m_art || m_eng.state_allows(c.cmd));
  }
  // ready() for a queued request, through its cached bound.
  // A floor under rules_ready(c) from the channel- and pseudo-channel-scope
  // rows (a command whose target spans several pseudo-channels is bound by
  // each of them, so the one of its address is a floor too).
  Cycle floor_of(const dram::Command& c) const {
    return m_pfloor[c.cls * m_npch + static_cast<std::size_t>(dram::idx(c.addr.pch))];
  }
  bool ready(QReq& r, const Cur& c, Cycle t) const {
    if (r.bcls == c.cmd.cls && r.bound > t) return false;
    const Cycle f = floor_of(c.cmd);
    if (f > t) {
      // The floor is under rules_ready(), and both only grow: a bound too.
      r.bcls = c.cmd.cls;
      r.bound = f;
      return false;
    }
    r.bcls = c.cmd.cls;
    r.bound = m_eng.rules_ready(c.cmd);
    return r.bound <= t && (m_art || m_eng.state_allows(c.cmd));
  }

  // §6.2; returns the index of a ready pick, kBarrierNoop, or kNone.
  // only_row: the caller refuses a column pick (second slot after a column
  // command). The pick is the same; select() then looks for the first ready
  // row command j first and checks only the column requests before j (none
  // ready: j is the pick; one ready: it is, and it is refused: kNone).
  int select(Cycle t, Cur& out, bool only_row = false) {
    if (only_row && m_hosts == 0 && !q.empty() && q.front().type != AttaccReq::Barrier) {
      // No queued request waits for a row command (and no barrier is to be
      // consumed): no row command to find, the head included.
      hit_set();
      if (m_row_cmds == 0) return kNone;
    }
    if (!q.empty() && q.front().host && q.front().accessed && m_host_bank < 0) {
      // A refresh's PREA closed a host access's bank after its RD / WR:
      // its closing PRE is not needed any more.
      pop_host();
      m_active = true;
    }
    if (q.empty()) return kNone;
    bool removed = false;
    if (q.front().type == AttaccReq::Barrier) {
      q.pop_front();
      removed = true;
      m_active = true;
      if (q.empty()) return kNone;
    }
    if (q.front().type == AttaccReq::Barrier) return removed ? kBarrierNoop : kNone;
    const Cur& head = cur(q.front());
    if (ready(q.front(), head, t)) {
      out = head;
      return 0;
    }
    // A host access at the head is a fence: nothing passes it.
    if (q.front().host) return kNone;
    // Every request's current command once; the banks on which a queued MAC
    // is a row hit (a barrier consumed above was no MAC: the set is the same).
    const std::uint64_t hit = hit_set();
    // No queued request's class may issue yet (the usual case in the cycle
    // after a MAC): nothing is ready, whatever its eligibility.
    if (floors_past(t)) return kNone;
    const std::size_t n = q.size();
    bool past_barrier = false;
    // Faithful: the buffer die's data dependencies keep their order — no MVSB,
    // MVGB or SFM passes a queued SFM (its probabilities are the MVGBs'
    // input), no SFM passes a queued MVSB (its scores are the SFM's input).
    std::size_t end = n;
    if (only_row) {
      if (m_row_cmds == 0) return kNone;  // no queued request waits for a row command
      std::size_t j = 1;
      for (; j < n; ++j) {
        QReq& r = q[j];
        if (r.host) {  // nothing passes a host access
          j = n;
          break;
        }
        if (r.type == AttaccReq::Barrier) continue;
        const Cur& c = cur(r);
        if (!c.row_cmd || (hit >> bank_bit(r.a) & 1)) continue;
        if (ready(r, c, t)) break;
      }
      if (j == n) return kNone;  // no row command ready: the pick, if any, is a column command
      end = j;                   // a ready column request before j would be the pick
    }
    bool sfm_passed = q.front().type == AttaccReq::Sfm, mvsb_passed = q.front().type == AttaccReq::MvSB;
    for (std::size_t i = 1; i < end; ++i) {
      QReq& r = q[i];
      if (r.host) break;  // nothing passes a host access
      if (r.type == AttaccReq::Barrier) {
        // Past a barrier only row commands are eligible: none queued, none to find.
        if (m_row_cmds == 0) break;
        past_barrier = true;
        continue;
      }
      if (known_unready(r, t)) {
        // Not the pick whatever its eligibility; only the order state moves on.
        buffer_order_blocks(r.type, sfm_passed, mvsb_passed);
        continue;
      }
      const Cur& c = cur(r);
      if (past_barrier && !c.row_cmd) continue;
      if (buffer_order_blocks(r.type, sfm_passed, mvsb_passed)) continue;
      // Row-hit guard (cheap) before the timing check.
      if (!c.row_hit && (hit >> bank_bit(r.a) & 1)) continue;
      if (only_row && c.row_cmd) continue;  // not ready (the first ready one is `end`)
      if (ready(r, c, t)) {
        if (only_row) return kNone;  // a column pick, refused
        out = c;
        return static_cast<int>(i);
      }
    }
    if (only_row) {
      out = cur(q[end]);
      return static_cast<int>(end);
    }
    return kNone;
  }

  void issue_request(int i, const Cur& c, Cycle t) {
    const QReq& r = q[static_cast<std::size_t>(i)];  // in place until the pop / erase at the end
    const bool host_data = r.host && (c.cmd.cls == kRD || c.cmd.cls == kWR);
    issue(c.cmd, t, r.a, (r.host ? host_data : c.final) ? r.stmt : -1);
    if (m_art && c.cmd.cls == kMACPB) {
      // [Q] the broadcast helper's off-by-one-level side effect (§4.2).
      dram::Command alias;
      alias.cls = kMACPBAlias;
      alias.addr = engine_addr(0, 0, r.a.rank, r.a.bank, 0);
      m_eng.record_external(alias, t);
      raise_floors(alias, t);
    }
    if (r.host) {
      // Host access: ACT / PREA / RD / WR / PRE at the head (i == 0).
      if (c.cmd.cls == kACT) m_host_bank = engine_bank(r.a);
      if (c.cmd.cls == kPRE) m_host_bank = -1;
      if (c.cmd.cls == kRD || c.cmd.cls == kWR) {
        // The bank stays open for a following access to the same row.
        const bool same = q.size() > 1 && q[1].host && q[1].a.pch == r.a.pch && q[1].a.rank == r.a.rank &&
                          q[1].a.bg == r.a.bg && q[1].a.bank == r.a.bank && q[1].a.row == r.a.row;
        if (same) pop_host();
        else q.front().accessed = true;
      } else if (c.cmd.cls == kPRE) {
        pop_host();
      }
      return;
    }
    if (c.final) {
      count_remove(q[static_cast<std::size_t>(i)]);
      q.erase(static_cast<std::size_t>(i));
    }
  }

  void raise_floors(const dram::Command& c, Cycle t) {
    for (const auto& [to, d] : m_floor_rows[c.cls])
      for (std::size_t p = 0; p < m_npch; ++p) {
        Cycle& f = m_pfloor[to * m_npch + p];
        f = std::max(f, t + d);
      }
    // The engine bumps the pseudo-channel rows on every pseudo-channel of the
    // command's target: its own for the narrow targets, all for the others.
    const std::size_t p0 = m_narrow[c.cls] ? static_cast<std::size_t>(dram::idx(c.addr.pch)) : 0;
    const std::size_t p1 = m_narrow[c.cls] ? p0 + 1 : m_npch;
    for (const auto& [to, d] : m_pfloor_rows[c.cls])
      for (std::size_t p = p0; p < p1; ++p) {
        Cycle& f = m_pfloor[to * m_npch + p];
        f = std::max(f, t + d);
      }
  }

  // The order rule of the buffer moves in faithful mode (none in
  // artifact-compatible mode): a buffer move (MVSB, MVGB, SFM) does not pass
  // an earlier SFM, nor an SFM an earlier MVSB. Moves a scan's order state
  // past a request of `type` and says whether that request must wait.
  bool buffer_order_blocks(AttaccReq type, bool& sfm_passed, bool& mvsb_passed) const {
    if (m_art) return false;
    const bool buf_move = type == AttaccReq::MvSB || type == AttaccReq::MvGB || type == AttaccReq::Sfm;
    const bool blocked = (buf_move && sfm_passed) || (type == AttaccReq::Sfm && mvsb_passed);
    sfm_passed = sfm_passed || type == AttaccReq::Sfm;
    mvsb_passed = mvsb_passed || type == AttaccReq::MvSB;
    return blocked;
  }

  static bool is_mac(AttaccReq t) { return t == AttaccReq::MacAB || t == AttaccReq::MacSB || t == AttaccReq::MacPB; }

  // The current command through the request's cache.
  __attribute__((always_inline)) const Cur& cur(QReq& r) const {
    if (__builtin_expect(r.host != 0, 0)) return cur_host(r);
    if (r.epoch != m_epoch) refresh_cur(r);
    return r.cur;
  }
  __attribute__((noinline)) const Cur& cur_host(QReq& r) const {
    r.cur = host_current(r);
    set_fidx(r.cur);
    return r.cur;
  }
  __attribute__((noinline)) void refresh_cur(QReq& r) const {
    // A data move's command never changes; a MAC's address does not either
    // (only its class, from the decisive bank's state).
    constexpr std::uint64_t kUnset = ~std::uint64_t{0};
    if (r.epoch == kUnset) {
      r.cur = current(r);
      set_fidx(r.cur);
      if (is_mac(r.type)) r.seen = decisive_open(r.cur);
    } else if (is_mac(r.type)) {
      const int open = decisive_open(r.cur);
      if (open != r.seen) {
        r.seen = open;
        if (r.type == AttaccReq::MacAB) mac_state(r, r.cur, kACTAB, kPREA, kMACAB, open);
        else if (r.type == AttaccReq::MacSB) mac_state(r, r.cur, kACTSB, kPRESB, kMACSB, open);
        else mac_state(r, r.cur, kACTPB, kPREPB, kMACPB, open);
        set_fidx(r.cur);
      }
    }
    r.epoch = m_epoch;
  }
  void set_fidx(Cur& c) const {
    c.fidx = static_cast<std::uint16_t>(c.cmd.cls * m_npch + static_cast<std::size_t>(dram::idx(c.cmd.addr.pch)));
  }
  // A (non-host) request whose cached current command is known not to be
  // rules-ready at t: its class's floor or its own bound (of that class) lies
  // past t.
  bool known_unready(const QReq& r, Cycle t) const {
    return r.epoch == m_epoch && (m_pfloor[r.cur.fidx] > t || (r.bcls == r.cur.cmd.cls && r.bound > t));
  }
  // Whether the floor of every queued request's current command lies past t
  // (then none is rules-ready at t). Needs the counts up to date (hit_set()).
  bool floors_past(Cycle t) const {
    if (!m_fmask_ok) return false;
    for (std::uint64_t m = m_fmask; m != 0; m &= m - 1)
      if (m_pfloor[static_cast<std::size_t>(__builtin_ctzll(m))] <= t) return false;
    return true;
  }
  // The set H of §6.2 as select() uses it (m_row_cmds up to date with it).
  std::uint64_t hit_set() {
    if (m_hit_epoch != m_epoch) sync_counts();
    if (m_hosts == 0) return m_hit;
    // The set H up to the first host access (nothing behind it is eligible).
    std::uint64_t hit = 0;
    for (std::size_t i = 0; i < q.size(); ++i) {
      QReq& r = q[i];
      if (r.host) break;
      if (is_mac(r.type) && cur(r).row_hit) hit |= std::uint64_t{1} << bank_bit(r.a);
    }
    return hit;
  }
  // The set H of §6.2 (banks with a queued MAC row hit), kept as a count per
  // bank, m_row_cmds and the floor entries of the queued requests' current
  // commands: each queued request (host accesses and barriers: none) adds its
  // share when pushed and removes it when issued; when the open rows change
  // (a row command), the requests whose current command changed re-add theirs
  // (sync_counts, before the counts are next read).
  void count_add(QReq& r) {
    if (r.host || r.type == AttaccReq::Barrier) return;
    const Cur& c = cur(r);
    r.counted = true;
    r.c_fidx = c.fidx;
    r.c_row_cmd = c.row_cmd;
    r.c_row_hit = c.row_hit;
    tally(r, +1);
  }
  void count_remove(QReq& r) {
    if (!r.counted) return;
    tally(r, -1);
    r.counted = false;
  }
  void tally(const QReq& r, int d) {
    const std::size_t f = r.c_fidx;
    if (f < 64) {
      m_fcnt[f] += d;
      if (m_fcnt[f] > 0)
        m_fmask |= std::uint64_t{1} << f;
      else
        m_fmask &= ~(std::uint64_t{1} << f);
    }
    if (!is_mac(r.type)) return;
    if (r.c_row_cmd) m_row_cmds += d;
    if (!r.c_row_hit) return;
    const int b = bank_bit(r.a);
    m_hitcnt[static_cast<std::size_t>(b)] += d;
    if (m_hitcnt[static_cast<std::size_t>(b)] > 0)
      m_hit |= std::uint64_t{1} << b;
    else
      m_hit &= ~(std::uint64_t{1} << b);
  }
  void sync_counts() {
    m_hit_epoch = m_epoch;
    for (std::size_t i = 0; i < q.size(); ++i) {
      QReq& r = q[i];
      if (r.host || !is_mac(r.type)) continue;  // a data move's command never changes
      const Cur& c = cur(r);
      if (r.counted && r.c_fidx == c.fidx && r.c_row_cmd == c.row_cmd && r.c_row_hit == c.row_hit) continue;
      count_remove(r);
      count_add(r);
    }
  }

  void issue(const dram::Command& c, Cycle t, const AttaccAddr& a, std::int64_t stmt = -1) {
    m_active = true;
    if (c.cls == kPREA) m_host_bank = -1;
    // ACT*, PRE* and the host's ACT / PRE: the open rows change.
    if (c.cls <= kPREPB || c.cls == kACT || c.cls == kPRE) ++m_epoch;
    m_eng.issue_unchecked(c, t);
    raise_floors(c, t);
    ++counts.cmd[c.cls];
    if (m_record) issued.push_back({t, c.cls, a, stmt});
  }

  std::uint64_t m_epoch = 0;  // bank-state epoch: bumped by every row command
  std::uint64_t m_hit = 0, m_hit_epoch = 0;  // the counts below are of epoch m_hit_epoch
  std::array<int, 64> m_hitcnt{};
  int m_row_cmds = 0;  // queued MACs whose current command is an ACT* or PRE*
  // Queued requests (not host accesses) per floor entry of their current
  // command, and the entries with any (entries >= 64, which
  // no AttAcc preset has, are not tracked and disable the test below).
  std::array<int, 64> m_fcnt{};
  std::uint64_t m_fmask = 0;
  bool m_fmask_ok = true;
  std::size_t m_npch = 1;      // pseudo-channels of the channel
  // Per class and pseudo-channel: no command of it before (channel- and
  // pseudo-channel-scope rules).
  std::vector<Cycle> m_pfloor;
  std::vector<char> m_narrow;   // per class: its target lies in one pseudo-channel
  std::vector<std::vector<std::pair<ClassId, int>>> m_pfloor_rows;
  std::vector<std::vector<std::pair<ClassId, int>>> m_floor_rows;  // per class: (next class, distance)
  dram::ChannelEngine m_eng;
  bool m_art;
  Cycle m_refi;
  bool m_record;
  bool m_active = false;
};

}  // namespace

AttaccResult run_attacc_stack(const dram::DramSpec& spec, const std::vector<AttaccStatement>& trace,
                              const AttaccOptions& opt, bool record) {
  const CommandSet set = attacc_command_set(spec, opt.artifact_compatible);
  const int nch = spec.org.channels;
  // Every statement's channel checked before anything runs; a statement
  // becomes a queued request only when the front-end pushes it.
  AttaccResult res;
  for (std::size_t i = 0; i < trace.size(); ++i) {
    const AttaccAddr a = decode_addr(trace[i].addr);
    if (a.ch >= nch)
      throw std::invalid_argument("AttAcc trace statement " + std::to_string(i) + ": channel " + std::to_string(a.ch) +
                                  " outside the stack's " + std::to_string(nch) + " channels");
    ++res.counts.req[static_cast<int>(trace[i].type)];
  }
  auto channel_of = [&](std::size_t i) { return static_cast<std::size_t>(decode_addr(trace[i].addr).ch); };
  std::vector<Channel> chans;
  chans.reserve(static_cast<std::size_t>(nch));
  for (int c = 0; c < nch; ++c) chans.emplace_back(spec, set, opt, record);
  const std::size_t cap = static_cast<std::size_t>(opt.queue_capacity);
  std::size_t pos = 0;
  Cycle t = 0;
  for (;;) {
    ++t;
    // (a) The front-end feeds statements in order until a target queue is full.
    while (pos < trace.size()) {
      Channel& ch = chans[channel_of(pos)];
      if (ch.q.size() >= cap) break;
      ch.push_statement(trace[pos].type, decode_addr(trace[pos].addr), static_cast<std::int64_t>(pos));
      ch.wake = std::min(ch.wake, ch.push_wake(t));
      ++pos;
    }
    // (b) Every channel's controller cycle (skipped while it sleeps: an idle
    // pass changes nothing; refresh enqueues are due at multiples of nREFI).
    bool idle = pos == trace.size();
    Cycle next = kNever;
    for (Channel& ch : chans) {
      if (ch.wake <= t || t % spec.t.nREFI == 0) {
        ch.wake = ch.wake_after(t + 1, ch.cycle(t));
      }
      next = std::min(next, ch.wake);
      idle = idle && ch.idle();
    }
    if (idle) break;
    // Nothing can change before the next wake unless the front-end can push.
    const bool can_push = pos < trace.size() && chans[channel_of(pos)].q.size() < cap;
    if (!can_push && next > t + 1) {
      const Cycle refi = spec.t.nREFI;
      const Cycle due = (t + 1 + refi - 1) / refi * refi;
      t = std::min(next, due) - 1;
    }
  }
  res.cycles = t;
  res.channel_classes = nch;
  for (Channel& ch : chans) {
    for (int k = 0; k < kAttaccClasses; ++k) res.counts.cmd[k] += ch.counts.cmd[k];
    res.refreshes += ch.refreshes;
    if (record) res.issued.push_back(std::move(ch.issued));
  }
  return res;
}

struct AttaccController::Impl {
  Impl(const dram::DramSpec& spec, const AttaccOptions& opt)
      : ch(spec, attacc_command_set(spec, opt.artifact_compatible), opt, true), cap(opt.queue_capacity) {}
  Channel ch;
  std::size_t cap;
};

AttaccController::AttaccController(const dram::DramSpec& spec, const AttaccOptions& opt)
    : m(std::make_unique<Impl>(spec, opt)) {}
AttaccController::~AttaccController() = default;
bool AttaccController::can_accept() const { return m->ch.q.size() < m->cap; }
void AttaccController::push(AttaccReq type, std::uint64_t addr, std::int64_t stmt) {
  AttaccAddr a = decode_addr(addr);
  a.ch = 0;
  QReq r;
  r.type = type;
  r.a = a;
  r.stmt = stmt;
  m->ch.push(r);
}
void AttaccController::push_host(std::uint64_t addr, bool write, std::int64_t tag) {
  AttaccAddr a = decode_addr(addr);
  a.ch = 0;
  QReq r;
  r.type = AttaccReq::WrGB;  // unused for a host access
  r.a = a;
  r.stmt = tag;
  r.host = write ? 2 : 1;
  m->ch.push_host(r);
}
bool AttaccController::cycle(std::int64_t t) { return m->ch.cycle(t); }
std::int64_t AttaccController::next_event(std::int64_t t) const { return m->ch.next_event(t); }
bool AttaccController::idle() const { return m->ch.idle(); }
const AttaccCounts& AttaccController::counts() const { return m->ch.counts; }
std::int64_t AttaccController::refreshes() const { return m->ch.refreshes; }
std::vector<AttaccIssued> AttaccController::take_issued() {
  std::vector<AttaccIssued> out;
  out.swap(m->ch.issued);
  return out;
}

double attacc_energy_pj(AttaccPlacement p, const AttaccCounts& c, bool art) {
  // FGDRAM figures (pJ/bit): ACT/PRE 0.11 per row bit; PIM access up to the PU:
  // bank 0.55, BG 1.56, buffer 3.29; IO path interposer 0.3, TSV 0.5,
  // GIO 1.23, BG mux 1.01; ALU 0.32 pJ per MAC (one FP16 lane).
  const double atom_bits = 32.0 * 8.0;
  std::uint64_t macs = 0, units = 0;
  double access = 0, io_path = 0;
  switch (p) {
    case AttaccPlacement::Bank:
      macs = c.req[static_cast<int>(AttaccReq::MacAB)];
      units = 64;
      access = 0.55;
      io_path = 0.3 + 0.5 + 1.23 + 1.01;  // host/buffer die down to the bank PUs
      break;
    case AttaccPlacement::BankGroup:
      macs = c.req[static_cast<int>(AttaccReq::MacSB)];
      units = 16;
      access = 1.56;
      io_path = 0.3 + 0.5 + 1.23;  // down to the BG PUs
      break;
    case AttaccPlacement::Buffer:
      macs = c.req[static_cast<int>(AttaccReq::MacPB)];
      units = art ? 1 : 2;  // [Q] run() counts one atom per MACPB; it reads one per pCH
      access = 3.29;
      io_path = 0.3;  // host to the buffer die
      break;
  }
  const double array_bits = static_cast<double>(macs) * static_cast<double>(units) * atom_bits;
  const std::uint64_t moves = c.req[static_cast<int>(AttaccReq::WrGB)] + c.req[static_cast<int>(AttaccReq::MvSB)] +
                              c.req[static_cast<int>(AttaccReq::MvGB)];
  // [Q] the IO energies are pJ/bit but multiplied by bytes.
  const double io_units = static_cast<double>(moves) * 32.0 * (art ? 1.0 : 8.0);
  const double lanes = static_cast<double>(macs) * static_cast<double>(units) * 16.0;
  // Row activations: banks opened x 1 KiB row x 8 bits.
  const double acts = static_cast<double>(c.cmd[kACTAB]) * 64 + static_cast<double>(c.cmd[kACTSB]) * 16 +
                      static_cast<double>(c.cmd[kACTPB]) * 2;
  return array_bits * access + io_units * io_path + lanes * 0.32 + acts * 1024.0 * 8.0 * 0.11 +
         attacc_host_energy_pj(c);
}

double attacc_host_energy_pj(const AttaccCounts& c) {
  // The same FGDRAM figures (pJ/bit) along the host's path: a host ACT opens
  // one bank's 1 KiB row (ACT/PRE 0.11, as a PIM activation per bank); a RD /
  // WR moves one 32 B atom between the cell and the host: cell RD/WR 0.44,
  // column decoder -> BG mux 1.01, BG mux -> GIO 1.23, TSV 0.5, interposer
  // 0.3 = 3.48. The artifact has no host traffic: per bit (x 8) in both modes.
  const double per_bit = 0.44 + 1.01 + 1.23 + 0.5 + 0.3;
  const double rdwr = static_cast<double>(c.cmd[kRD] + c.cmd[kWR]);
  return static_cast<double>(c.cmd[kACT]) * 1024.0 * 8.0 * 0.11 + rdwr * 32.0 * 8.0 * per_bit;
}

void AttaccCounts::collect(stats::Sink& s) const {
  auto rq = [&](AttaccReq t) { return req[static_cast<int>(t)]; };
  s.add("mac_ab", rq(AttaccReq::MacAB), "requests", "all-bank MAC requests (PIM_MAC_AB: every bank's unit, one atom each)");
  s.add("mac_sb", rq(AttaccReq::MacSB), "requests", "same-bank MAC requests (PIM_MAC_SB: one bank per bank group)");
  s.add("mac_pb", rq(AttaccReq::MacPB), "requests", "per-bank MAC requests (PIM_MAC_PB: one bank, to the buffer-die unit)");
  s.add("wrgb", rq(AttaccReq::WrGB), "requests", "writes of a 32 B query chunk into the GEMV buffer (PIM_WR_GB)");
  s.add("mvsb", rq(AttaccReq::MvSB), "requests", "moves of 32 B of MAC results to the softmax buffer (PIM_MV_SB)");
  s.add("mvgb", rq(AttaccReq::MvGB), "requests", "moves of 32 B of probabilities into the GEMV buffers (PIM_MV_GB)");
  s.add("sfm", rq(AttaccReq::Sfm), "requests", "softmax requests (PIM_SFM)");
  s.add("barriers", rq(AttaccReq::Barrier), "requests", "barriers of the trace (PIM_BARRIER)");
  s.add("mac_cmds", cmd[kMACAB] + cmd[kMACSB] + cmd[kMACPB], "commands", "MAC commands (MACAB, MACSB, MACPB)");
  s.add("move_cmds", cmd[kWRGB] + cmd[kMVSB] + cmd[kMVGB] + cmd[kSFM], "commands", "data moves (WRGB, MVSB, MVGB, SFM)");
  s.add("pim_act_cmds", cmd[kACTAB] + cmd[kACTSB] + cmd[kACTPB], "commands", "PIM activations (ACTAB, ACTSB, ACTPB)");
  s.add("pim_pre_cmds", cmd[kPREA] + cmd[kPRESB] + cmd[kPREPB], "commands", "PIM and refresh precharges (PREA, PRESB, PREPB)");
  s.add("host_act_cmds", cmd[kACT], "commands", "host activations (ACT)");
  s.add("host_rdwr_cmds", cmd[kRD] + cmd[kWR], "commands", "host column commands (RD, WR)");
}

}  // namespace pimlab::pim
