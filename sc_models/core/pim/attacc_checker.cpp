#include "pim/attacc_checker.h"

#include <map>
#include <tuple>

namespace pimlab::pim {

namespace {

enum Level { kCh = 0, kPch = 1, kRank = 2, kBg = 3, kBank = 4 };

struct Rule {
  const char* name;
  int from, to;
  int level;
  int dist;
};

// Node key at a level along an address path.
using Key = std::tuple<int, int, int, int, int>;
Key node(const AttaccAddr& a, int level) {
  return Key{level, level >= kPch ? a.pch : -1, level >= kRank ? a.rank : -1, level >= kBg ? a.bg : -1,
             level >= kBank ? a.bank : -1};
}

std::vector<Rule> table(const dram::Timing& t, bool art) {
  std::vector<Rule> r;
  auto add = [&](const char* n, int f, int to, int lv, int d) { r.push_back({n, f, to, lv, d}); };
  for (int to : {kACTAB, kPREA, kREFab}) add("row_cmd_2", kACTAB, to, kCh, 2);
  for (int to : {kACTSB, kPREA, kPRESB, kREFab}) add("row_cmd_2", kACTSB, to, kCh, 2);
  for (int to : {kACTPB, kPREA, kPREPB, kREFab}) add("row_cmd_2", kACTPB, to, kCh, 2);
  add("tRC", kACTAB, kACTAB, kCh, t.nRC);
  add("tRCD", kACTAB, kMACAB, kCh, t.nRCDRD);
  add("tRAS", kACTAB, kPREA, kCh, t.nRAS);
  add("tCCDAB", kMACAB, kMACAB, kCh, t.nCCDAB);
  add("tRTP", kMACAB, kPREA, kCh, t.nRTPL);
  add("tRP", kPREA, kACTAB, kCh, t.nRP);
  add("tCCDSB", kMACSB, kMACSB, kCh, t.nCCDSB);
  add("tRC", kACTSB, kACTSB, kBank, t.nRC);
  add("tRCD", kACTSB, kMACSB, kBank, t.nRCDRD);
  add("tRAS", kACTSB, kPRESB, kBank, t.nRAS);
  add("tRTP", kMACSB, kPRESB, kBank, t.nRTPL);
  add("tRP", kPRESB, kACTSB, kBank, t.nRP);
  add("tMACPB_BL", kMACPB, kMACPB, kCh, t.nBL);
  add("tMACPB_CCDS", kMACPB, kMACPB, kRank, t.nCCDS);
  add("tMACPB_CCDL", kMACPB, kMACPB, kBg, t.nCCDL);
  add("tRC", kACTPB, kACTPB, kBank, t.nRC);
  add("tRCD", kACTPB, kMACPB, kBank, t.nRCDRD);
  add("tRAS", kACTPB, kPREPB, kBank, t.nRAS);
  add("tRTP", kMACPB, kPREPB, kBank, t.nRTPL);
  add("tRP", kPREPB, kACTPB, kBank, t.nRP);
  for (int to : {kACTAB, kACTSB, kACTPB}) add("tRFC", kREFab, to, kPch, t.nRFC);
  for (int f : {kWRGB, kMVSB, kMVGB, kSFM})
    for (int to : {kWRGB, kMVSB, kMVGB, kSFM}) {
      add("tDATA_BL", f, to, kPch, t.nBL);
      add("tDATA_CCDS", f, to, kRank, t.nCCDS);
      add("tDATA_CCDL", f, to, kBg, t.nCCDL);
    }
  // Host memory traffic (RD / WR / ACT / PRE of one bank of one pCH).
  add("tRCD", kACT, kRD, kBank, t.nRCDRD);
  add("tRCDWR", kACT, kWR, kBank, t.nRCDWR);
  add("tRC", kACT, kACT, kBank, t.nRC);
  add("tRAS", kACT, kPRE, kBank, t.nRAS);
  add("tRP", kPRE, kACT, kBank, t.nRP);
  add("tRRD_S", kACT, kACT, kPch, t.nRRDS);
  add("tRRD_L", kACT, kACT, kBg, t.nRRDL);
  add("tRTP", kRD, kPRE, kBank, t.nRTPL);
  add("tWR", kWR, kPRE, kBank, t.nCWL + t.nBL + t.nWR);
  add("tRTW", kRD, kWR, kPch, t.nCL + t.nBL + 1 - t.nCWL);
  add("tWTR_S", kWR, kRD, kPch, t.nCWL + t.nBL + t.nWTRS);
  add("tWTR_L", kWR, kRD, kBg, t.nCWL + t.nBL + t.nWTRL);
  add("tRFC", kREFab, kACT, kPch, t.nRFC);
  for (int f : {kWRGB, kMVSB, kMVGB, kSFM, kRD, kWR})
    for (int to : {kWRGB, kMVSB, kMVGB, kSFM, kRD, kWR}) {
      if (f < kRD && to < kRD) continue;  // the data moves among themselves: above
      add("tDATA_BL", f, to, kPch, t.nBL);
      add("tDATA_CCDS", f, to, kRank, t.nCCDS);
      add("tDATA_CCDL", f, to, kBg, t.nCCDL);
    }
  if (!art) {
    for (int act : {kACTAB, kACTSB, kACTPB}) {
      add("tRC_REF", act, kREFab, kPch, t.nRC);
      for (int pre : {kPREA, kPRESB, kPREPB}) add("tRP", pre, act, kBank, t.nRP);
    }
    for (int pre : {kPREA, kPRESB, kPREPB}) add("tRP_REF", pre, kREFab, kPch, t.nRP);
  }
  return r;
}

// Deepest level a class is checked down to.
int depth(int cls, bool art) {
  if (cls == kREFab) return art ? kCh : kPch;
  if (cls == kPREA) return kCh;
  if (cls == kSFM) return art ? kCh : kBank;
  return kBank;
}

bool row_kind(int c) {
  return c == kACTAB || c == kACTSB || c == kACTPB || c == kPREA || c == kREFab || c == kACT || c == kPRE;
}
bool host_cls(int c) { return c == kACT || c == kPRE || c == kRD || c == kWR; }

// The banks (pch, rank, bg, bank) a row or MAC command physically touches.
std::vector<Key> touched(int cls, const AttaccAddr& a) {
  std::vector<Key> out;
  for (int p = 0; p < 2; ++p)
    for (int r = 0; r < 2; ++r)
      for (int g = 0; g < 4; ++g)
        for (int b = 0; b < 4; ++b) {
          bool t = false;
          switch (cls) {
            case kACTAB: case kPREA: case kMACAB: t = true; break;
            case kREFab: t = p == a.pch; break;
            case kACTSB: case kPRESB: case kMACSB: t = b == a.bank; break;
            case kACTPB: case kPREPB: case kMACPB: t = r == a.rank && g == a.bg && b == a.bank; break;
            default: t = p == a.pch && r == a.rank && g == a.bg && b == a.bank; break;
          }
          if (t) out.push_back(Key{kBank, p, r, g, b});
        }
  return out;
}
bool untyped(int c) { return c == kPRESB || c == kPREPB; }

}  // namespace

std::vector<AttaccViolation> check_attacc_channel(const dram::DramSpec& spec, const std::vector<AttaccIssued>& s,
                                                  bool art, std::size_t max_report) {
  std::vector<AttaccViolation> out;
  auto report = [&](std::size_t i, const std::string& rule, const std::string& what) {
    if (max_report == 0 || out.size() < max_report) out.push_back({i, rule, what});
  };
  const std::vector<Rule> rules = table(spec.t, art);
  std::map<std::pair<int, Key>, long long> last;  // (class, node) -> last issue
  // Decisive-bank state (pCH 0 path banks): rank*16 + bg*4 + bank -> open row.
  std::map<int, int> open;
  // Host traffic: per (class, physical bank) the last issue; host-opened banks; tFAW windows.
  std::map<std::pair<int, Key>, long long> bank_last;
  std::map<Key, int> host_open;
  std::map<int, std::vector<long long>> faw;
  long long prev = -1;
  int in_cycle = 0;
  bool had_row = false, had_col = false, had_untyped = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const AttaccIssued& c = s[i];
    if (c.cls == kMACPBAlias) continue;
    const int cls = c.cls;
    if (c.cycle < prev) report(i, "order", "issued before the previous command");
    if (c.cycle != prev) {
      in_cycle = 0;
      had_row = had_col = had_untyped = false;
    }
    ++in_cycle;
    const bool row = row_kind(cls), unt = untyped(cls);
    if (in_cycle > 2 || had_untyped || (in_cycle == 2 && (unt || (row && had_row) || (!row && !unt && had_col))))
      report(i, "slots", "a second command in cycle " + std::to_string(c.cycle) + " of the same kind or with an untyped one");
    had_row |= row && !unt;
    had_col |= !row && !unt;
    had_untyped |= unt;
    prev = c.cycle;
    // Timing: every rule into cls on the path nodes down to its depth.
    const int d = depth(cls, art);
    AttaccAddr path = c.addr;
    if (cls == kMACAB || cls == kACTAB) path = AttaccAddr{0, 0, 0, 0, 0, 0, 0};
    if (cls == kMACSB || cls == kACTSB || cls == kPRESB) path = AttaccAddr{0, 0, 0, 0, c.addr.bank, 0, 0};
    if (cls == kMACPB || cls == kACTPB || cls == kPREPB) path.pch = 0;
    for (const Rule& r : rules) {
      if (r.to != cls || r.level > d) continue;
      auto it = last.find({r.from, node(path, r.level)});
      if (it != last.end() && c.cycle < it->second + r.dist)
        report(i, r.name, "cycle " + std::to_string(c.cycle) + " < " + std::to_string(it->second) + " + " +
                               std::to_string(r.dist));
    }
    // [Q] MACPB alias (artifact): PREPB waits nRTPL after any MACPB of rank = its BG in rank 0.
    if (art && cls == kPREPB && c.addr.rank == 0 && c.addr.bg < 2) {
      auto it = last.find({1000 + c.addr.bg * 4 + c.addr.bank, Key{}});
      if (it != last.end() && c.cycle < it->second + spec.t.nRTPL) report(i, "tRTP_alias", "PREPB inside the MACPB alias window");
    }
    // Host traffic against the PIM row commands on the banks both touch
    // (physical; artifact-compatible: anywhere in the channel) and the tFAW
    // window of the host activations; the host bank's state.
    const bool is_host = host_cls(cls);
    const bool pim_row = cls == kACTAB || cls == kACTSB || cls == kACTPB || cls == kPREA || cls == kPRESB ||
                         cls == kPREPB || cls == kREFab;
    if (is_host || pim_row) {
      const std::vector<Key> mine = touched(cls, c.addr);
      auto after = [&](int from, int dist, const char* name) {
        for (const Key& k : mine) {
          auto it = bank_last.find({from, art ? Key{} : k});
          if (it != bank_last.end() && c.cycle < it->second + dist) {
            report(i, name, "cycle " + std::to_string(c.cycle) + " < " + std::to_string(it->second) + " + " +
                                std::to_string(dist) + " (host / PIM row commands)");
            return;
          }
        }
      };
      if (cls == kACT) {
        for (int pre : {kPREA, kPRESB, kPREPB}) after(pre, spec.t.nRP, "tRP");
        for (int act : {kACTAB, kACTSB, kACTPB}) after(act, spec.t.nRC, "tRC");
      } else if (cls == kACTAB || cls == kACTSB || cls == kACTPB) {
        after(kPRE, spec.t.nRP, "tRP");
        after(kACT, spec.t.nRC, "tRC");
      } else if (cls == kPREA || cls == kPRESB || cls == kPREPB) {
        after(kACT, spec.t.nRAS, "tRAS");
        if (cls == kPREA) {
          after(kRD, spec.t.nRTPL, "tRTP");
          after(kWR, spec.t.nCWL + spec.t.nBL + spec.t.nWR, "tWR");
        }
      } else if (cls == kREFab && !art) {
        after(kACT, spec.t.nRC, "tRC_REF");
        after(kPRE, spec.t.nRP, "tRP_REF");
      }
      if (cls == kACT) {
        std::vector<long long>& w = faw[c.addr.pch];
        if (w.size() >= 4 && c.cycle < w[w.size() - 4] + spec.t.nFAW)
          report(i, "tFAW", "fifth activation of pCH " + std::to_string(c.addr.pch) + " within nFAW");
        w.push_back(c.cycle);
      }
      const Key hb{kBank, c.addr.pch, c.addr.rank, c.addr.bg, c.addr.bank};
      if (cls == kACT) {
        if (!open.empty() || host_open.count(hb)) report(i, "state", "host activation while a row of the channel is open");
        host_open[hb] = c.addr.row;
      } else if (cls == kRD || cls == kWR) {
        auto it = host_open.find(hb);
        if (it == host_open.end() || it->second != c.addr.row) report(i, "state", "host access to a closed bank or another row");
      } else if (cls == kPRE) {
        if (!host_open.erase(hb)) report(i, "state", "host precharge of a closed bank");
      } else if (cls == kPREA) {
        host_open.clear();
      } else if (!host_open.empty()) {
        report(i, "state", "PIM row command while a host row is open");
      }
      for (const Key& k : mine) bank_last[{cls, art ? Key{} : k}] = c.cycle;
    }
    // Bank state of the decisive bank.
    const int bank = path.rank * 16 + path.bg * 4 + path.bank;
    auto is_open = open.find(bank);
    if (cls == kACTAB || cls == kACTSB || cls == kACTPB) {
      if (is_open != open.end()) report(i, "state", "activation of an open bank");
      open[bank] = c.addr.row;
    } else if (cls == kMACAB || cls == kMACSB || cls == kMACPB) {
      if (is_open == open.end() || is_open->second != c.addr.row) report(i, "state", "MAC on a closed bank or another row");
    } else if (cls == kPRESB || cls == kPREPB) {
      if (is_open == open.end()) report(i, "state", "precharge of a closed bank");
      else open.erase(is_open);
    } else if (cls == kPREA) {
      open.clear();
    } else if (cls == kREFab) {
      if (!open.empty()) report(i, "state", "refresh with an open bank");
    }
    // Record on every node of the path (issue updates all levels).
    AttaccAddr rec = path;
    if (cls == kREFab) rec = AttaccAddr{0, c.addr.pch, 0, 0, 0, 0, 0};
    const int rec_depth = cls == kREFab ? kPch : kBank;
    for (int lv = kCh; lv <= rec_depth; ++lv) last[{cls, node(rec, lv)}] = c.cycle;
    if (art && cls == kMACPB) last[{1000 + c.addr.rank * 4 + c.addr.bank, Key{}}] = c.cycle;
  }
  return out;
}

}  // namespace pimlab::pim
