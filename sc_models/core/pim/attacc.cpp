#include "pim/attacc.h"

#include <algorithm>
#include <deque>
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
    case kREFab: return SlotKind::Row;
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
  const char* moves[] = {"WRGB", "MVSB", "MVGB", "SFM"};
  for (const char* from : moves)
    for (const char* to : moves) {
      if (art && std::string(to) == "SFM") continue;
      r.push_back({"tDATA_BL", from, to, S::PseudoChannel, "nBL"});
      r.push_back({"tDATA_CCDL", from, to, S::SameBankGroup, "nCCDL"});
    }
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

struct QReq {
  AttaccReq type;
  AttaccAddr a;
  std::int64_t stmt;  // index in the trace
};

int bank_bit(const AttaccAddr& a) { return ((a.pch * 2 + a.rank) * 4 + a.bg) * 4 + a.bank; }

// The request's current command (§4.3).
struct Cur {
  dram::Command cmd;
  bool final = false;    // the request's own command (MAC or data move)
  bool row_cmd = false;  // ACT* or PRE*
  bool row_hit = false;  // a MAC whose row is open
};

class Channel {
 public:
  Channel(const dram::DramSpec& spec, const CommandSet& set, const AttaccOptions& opt, bool record)
      : m_eng(spec, set, true), m_art(opt.artifact_compatible), m_refi(spec.t.nREFI), m_record(record) {}

  std::deque<QReq> q;
  std::deque<int> prio;  // pending refresh requests (pCH)
  AttaccCounts counts;
  std::int64_t refreshes = 0;
  std::vector<AttaccIssued> issued;

  bool idle() const { return q.empty() && prio.empty(); }

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

  // First cycle >= t at which some queued request or the pending refresh
  // could issue, or the next refresh is due (state unchanged until then).
  Cycle next_event(Cycle t) const {
    Cycle m = (t + m_refi - 1) / m_refi * m_refi;
    if (!q.empty() && q.front().type == AttaccReq::Barrier) return t;
    if (!prio.empty()) {
      dram::Command c;
      c.addr.pch = dram::PchId{prio.front()};
      c.cls = m_eng.open_banks() > 0 ? kPREA : kREFab;
      m = std::min(m, m_eng.earliest(c, t));
    }
    for (const QReq& r : q) {
      if (r.type == AttaccReq::Barrier) continue;
      m = std::min(m, m_eng.earliest(current(r).cmd, t));
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
    const int pick = select(t, cur);
    if (pick < 0) return;
    const SlotKind k = slot_kind(cur.cmd.cls, m_art);
    if (k == SlotKind::Untyped || k == ref) return;
    issue_request(pick, cur, t);
  }

  static constexpr int kNone = -1, kBarrierNoop = -2;

  Cur current(const QReq& r) const {
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
    const dram::PchId p{0};
    const dram::BankGroupId g{rank * 4 + bg};
    const dram::BankId b{bank};
    if (!m_eng.is_open(p, g, b)) {
      c.cmd.cls = act;
      c.row_cmd = true;
    } else if (dram::idx(m_eng.open_row(p, g, b)) == r.a.row) {
      c.cmd.cls = mac;
      c.final = true;
      c.row_hit = true;
    } else {
      c.cmd.cls = pre;
      c.row_cmd = true;
    }
    return c;
  }

  // Ready by the timing rules alone (§4.2). The command bus is not part of
  // it: in the second slot the first slot's command holds its bus, and a pick
  // of that kind is refused by the slot rule after select() has chosen it — it
  // must not make select() pass over it to a later request.
  bool ready(const Cur& c, Cycle t) const {
    return m_eng.rules_ready(c.cmd) <= t && (m_art || m_eng.state_allows(c.cmd));
  }

  // §6.2; returns the index of a ready pick, kBarrierNoop, or kNone.
  int select(Cycle t, Cur& out) {
    if (q.empty()) return kNone;
    bool removed = false;
    if (q.front().type == AttaccReq::Barrier) {
      q.pop_front();
      removed = true;
      m_active = true;
      if (q.empty()) return kNone;
    }
    if (q.front().type == AttaccReq::Barrier) return removed ? kBarrierNoop : kNone;
    Cur head = current(q.front());
    if (ready(head, t)) {
      out = head;
      return 0;
    }
    // Every request's current command once; the banks on which a queued MAC
    // is a row hit (a barrier consumed above was no MAC: the set is the same).
    m_cur.clear();
    std::uint64_t hit = 0;
    for (const QReq& r : q) {
      m_cur.push_back(r.type == AttaccReq::Barrier ? Cur{} : current(r));
      if (r.type != AttaccReq::MacAB && r.type != AttaccReq::MacSB && r.type != AttaccReq::MacPB) continue;
      if (m_cur.back().row_hit) hit |= std::uint64_t{1} << bank_bit(r.a);
    }
    bool past_barrier = false;
    // Faithful: the buffer die's data dependencies keep their order — no MVSB,
    // MVGB or SFM passes a queued SFM (its probabilities are the MVGBs'
    // input), no SFM passes a queued MVSB (its scores are the SFM's input).
    bool sfm_passed = q.front().type == AttaccReq::Sfm, mvsb_passed = q.front().type == AttaccReq::MvSB;
    for (std::size_t i = 1; i < q.size(); ++i) {
      const QReq& r = q[i];
      if (r.type == AttaccReq::Barrier) {
        past_barrier = true;
        continue;
      }
      const Cur& c = m_cur[i];
      if (past_barrier && !c.row_cmd) continue;
      if (!m_art) {
        const bool buf_move = r.type == AttaccReq::MvSB || r.type == AttaccReq::MvGB || r.type == AttaccReq::Sfm;
        const bool blocked = (buf_move && sfm_passed) || (r.type == AttaccReq::Sfm && mvsb_passed);
        sfm_passed = sfm_passed || r.type == AttaccReq::Sfm;
        mvsb_passed = mvsb_passed || r.type == AttaccReq::MvSB;
        if (blocked) continue;
      }
      // Row-hit guard (cheap) before the timing check.
      if (!c.row_hit && (hit >> bank_bit(r.a) & 1)) continue;
      if (ready(c, t)) {
        out = c;
        return static_cast<int>(i);
      }
    }
    return kNone;
  }

  void issue_request(int i, const Cur& c, Cycle t) {
    const QReq r = q[static_cast<std::size_t>(i)];
    issue(c.cmd, t, r.a, c.final ? r.stmt : -1);
    if (m_art && c.cmd.cls == kMACPB) {
      // [Q] the broadcast helper's off-by-one-level side effect (§4.2).
      dram::Command alias;
      alias.cls = kMACPBAlias;
      alias.addr = engine_addr(0, 0, r.a.rank, r.a.bank, 0);
      m_eng.record_external(alias, t);
    }
    if (c.final) q.erase(q.begin() + i);
  }

  void issue(const dram::Command& c, Cycle t, const AttaccAddr& a, std::int64_t stmt = -1) {
    m_active = true;
    m_eng.issue_unchecked(c, t);
    ++counts.cmd[c.cls];
    if (m_record) issued.push_back({t, c.cls, a, stmt});
  }

  std::vector<Cur> m_cur;  // select()'s scratch: the current command of each queued request
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
  std::vector<QReq> reqs;
  reqs.reserve(trace.size());
  AttaccResult res;
  for (std::size_t i = 0; i < trace.size(); ++i) {
    const AttaccAddr a = decode_addr(trace[i].addr);
    if (a.ch >= nch)
      throw std::invalid_argument("AttAcc trace statement " + std::to_string(i) + ": channel " + std::to_string(a.ch) +
                                  " outside the stack's " + std::to_string(nch) + " channels");
    reqs.push_back({trace[i].type, a, static_cast<std::int64_t>(i)});
    ++res.counts.req[static_cast<int>(trace[i].type)];
  }
  std::vector<Channel> chans;
  chans.reserve(static_cast<std::size_t>(nch));
  for (int c = 0; c < nch; ++c) chans.emplace_back(spec, set, opt, record);
  const std::size_t cap = static_cast<std::size_t>(opt.queue_capacity);
  std::size_t pos = 0;
  Cycle t = 0;
  for (;;) {
    ++t;
    // (a) The front-end feeds statements in order until a target queue is full.
    while (pos < reqs.size()) {
      Channel& ch = chans[static_cast<std::size_t>(reqs[pos].a.ch)];
      if (ch.q.size() >= cap) break;
      ch.q.push_back(reqs[pos]);
      ch.wake = t;
      ++pos;
    }
    // (b) Every channel's controller cycle (skipped while it sleeps: an idle
    // pass changes nothing; refresh enqueues are due at multiples of nREFI).
    bool idle = pos == reqs.size();
    Cycle next = kNever;
    for (Channel& ch : chans) {
      if (ch.wake <= t || t % spec.t.nREFI == 0) {
        ch.wake = ch.cycle(t) ? t + 1 : ch.next_event(t + 1);
      }
      next = std::min(next, ch.wake);
      idle = idle && ch.idle();
    }
    if (idle) break;
    // Nothing can change before the next wake unless the front-end can push.
    const bool can_push = pos < reqs.size() && chans[static_cast<std::size_t>(reqs[pos].a.ch)].q.size() < cap;
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
  return array_bits * access + io_units * io_path + lanes * 0.32 + acts * 1024.0 * 8.0 * 0.11;
}

}  // namespace pimlab::pim
