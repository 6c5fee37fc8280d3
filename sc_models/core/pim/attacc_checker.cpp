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

bool row_kind(int c) { return c == kACTAB || c == kACTSB || c == kACTPB || c == kPREA || c == kREFab; }
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
