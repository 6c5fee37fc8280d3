#include "dram/spec.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <stdexcept>

namespace pimlab::dram {

namespace {

// ceil(ns * 1000 / tCK_ps): a time given in ns becomes the smallest cycle count
// that is at least as long.
int ns_to_cycles(std::int64_t ns, std::int64_t tck_ps) {
  return static_cast<int>((ns * 1000 + tck_ps - 1) / tck_ps);
}

// IDD model of the HBM2 8 Gb x128 configuration of the public simulator whose
// timing hbm2-pimba shares (reference: VDD 1.2 V; IDD0 65, IDD2N 40, IDD3N 55,
// IDD4R 390, IDD4W 500, IDD5AB 250 mA per pseudo-channel).
Power hbm2_power() { return {1200, 65, 40, 55, 390, 500, 250}; }
// HBM3: the sources give no IDD values. Chosen: the HBM2 currents at HBM3's
// core supply of 1.1 V (JEDEC HBM3 VDD); docs/dram.md says what this means.
Power hbm3_power() { return {1100, 65, 40, 55, 390, 500, 250}; }

// --- The four presets. Source: /reference hardware table, one column each.
// Conversions and choices are commented per value and repeated in docs/dram.md.

DramSpec make_hbm2_pimba() {
  DramSpec s;
  s.name = "hbm2-pimba";
  // Per channel 2 pch x 4 BG x 4 banks, 32768 rows, 1 KB page, 32 B atom
  // (pseudo-channel mode: 64 bit x BL4) -> 1024 / 32 = 32 columns.
  // channels = 8: one HBM2 stack (8 channels); the A100 setting of the papers
  // has 5 stacks = 40 channels. Chosen; the table gives no stack size.
  s.org = {8, 2, 4, 4, 32768, 32, 32, 1024};
  Timing& t = s.t;
  t.tCK_ps = 1000;
  t.nBL = 2;
  t.nCL = 14;
  t.nCWL = 4;
  t.nRCDRD = 14;
  t.nRCDWR = 14;
  t.nRP = 14;
  t.nRAS = 34;
  t.nRC = 48;
  t.nWR = 16;
  t.nRTPS = 4;
  t.nRTPL = 6;
  t.nCCDS = 2;
  t.nCCDL = 4;
  t.nRRDS = 4;
  t.nRRDL = 6;
  t.nWTRS = 6;
  t.nWTRL = 8;
  t.nFAW = 30;
  t.nRFC = ns_to_cycles(350, t.tCK_ps);  // 350 ns at 1 ns -> 350
  // Per-bank refresh: table silent. tRFCpb: the HBM2 8 Gb single-bank refresh
  // time, 160 ns (chosen). tREFIpb: every bank must be refreshed once per tREFI,
  // so the per-bank commands of a pseudo-channel come every tREFI / banks:
  // floor(3900 / 16) = 243. (Not tRFC: reading it from the refresh-cycle table
  // is a known simulator bug.)
  t.nRFCpb = ns_to_cycles(160, t.tCK_ps);
  t.nREFI = 3900;
  t.nREFIpb = 3900 / 16;
  s.p = hbm2_power();
  return s;
}

DramSpec make_hbm2_pim_samsung() {
  DramSpec s;
  s.name = "hbm2-pim-samsung";
  // Per pch 4 BG x 4 banks, 16384 rows x 128 device columns of 8 B (x64 pch) =
  // 1 KB page; one access is BL4 x 64 bit = 32 B, so 128 / 4 = 32 atom columns.
  // channels = 8 (one stack, chosen as for hbm2-pimba).
  s.org = {8, 2, 4, 4, 16384, 32, 32, 1024};
  Timing& t = s.t;
  t.tCK_ps = 1000;
  t.nBL = 2;
  t.nCL = 20;   // RL 20
  t.nCWL = 8;   // WL 8
  t.nRCDRD = 14;
  t.nRCDWR = 10;
  t.nRP = 14;
  t.nRAS = 33;
  t.nRC = 47;
  t.nWR = 16;
  t.nRTPS = 4;
  t.nRTPL = 5;
  t.nCCDS = 2;
  t.nCCDL = 4;
  t.nRRDS = 4;
  t.nRRDL = 6;
  t.nWTRS = 4;
  t.nWTRL = 9;
  t.nFAW = 16;
  t.nRFC = 350;   // given as 350 (cycles of 1 ns = 350 ns)
  t.nRFCpb = 160; // chosen as for hbm2-pimba (160 ns)
  t.nREFI = 3900;
  t.nREFIpb = 3900 / 16;
  // No IDD values in its source: the HBM2 8 Gb values (same generation,
  // density and clock), chosen.
  s.p = hbm2_power();
  return s;
}

DramSpec make_hbm3_6400() {
  DramSpec s;
  s.name = "hbm3-6400";
  // 2 pch x 4 BG x 4 banks; 1 KB page of 32 B atoms (DQ32 x BL8). Rows: an
  // 8 Gb channel = 2 pch x 16 banks x rows x 1 KB -> rows = 2^33 / 2^18 = 32768
  // (an "8 Gb" preset with any other row count has the wrong capacity).
  // channels = 16: one HBM3 stack.
  s.org = {16, 2, 4, 4, 32768, 32, 32, 1024};
  Timing& t = s.t;
  t.tCK_ps = 625;
  t.nBL = 2;
  t.nCL = 20;
  t.nCWL = 10;
  t.nRCDRD = 31;
  t.nRCDWR = 15;
  t.nRP = 26;
  t.nRAS = 45;
  t.nRC = 72;
  t.nWR = 33;
  t.nRTPS = 9;  // one value given: S = L = 9
  t.nRTPL = 9;
  t.nCCDS = 2;
  t.nCCDL = 4;
  t.nRRDS = 4;
  t.nRRDL = 5;
  t.nWTRS = 7;
  t.nWTRL = 10;
  t.nFAW = 24;
  // All-bank tRFC: the table gives only per-bank 320 cycles (= 200 ns at
  // 0.625 ns). All-bank chosen as 350 ns (as HBM2 8 Gb): ceil(350000/625) = 560.
  t.nRFC = ns_to_cycles(350, t.tCK_ps);
  t.nRFCpb = 320;
  t.nREFI = 6240;          // = 3.9 us
  t.nREFIpb = 6240 / 16;   // 390
  s.p = hbm3_power();
  return s;
}

DramSpec make_hbm3_5200() {
  DramSpec s;
  s.name = "hbm3-5200";
  // 16 ch x 2 pch x 2 SIDs x 4 BG x 4 banks, 16384 rows x 32 columns x 32 B.
  // The two stack IDs are folded into the bank-group level: bank_groups = 8
  // (SID-major). Commands to the other SID therefore obey the short (_S)
  // constraints as across bank groups, and tFAW is counted over the whole
  // pseudo-channel (stricter than per SID). Documented simplification.
  s.org = {16, 2, 8, 4, 16384, 32, 32, 1024};
  Timing& t = s.t;
  t.tCK_ps = 769;
  t.nBL = 2;
  t.nCL = 19;
  t.nCWL = 6;
  t.nRCDRD = 19;
  t.nRCDWR = 19;
  t.nRP = 19;
  t.nRAS = 45;
  t.nRC = 63;   // as given; note nRAS + nRP = 64 > nRC, both rules are enforced
  t.nWR = 21;
  t.nRTPS = 6;
  t.nRTPL = 8;
  t.nCCDS = 2;
  t.nCCDL = 4;
  t.nRRDS = 2;
  t.nRRDL = 4;
  t.nWTRS = 8;
  t.nWTRL = 11;
  t.nFAW = 39;
  // Same-bank refresh 260 cycles (= 200 ns) given; all-bank chosen 350 ns:
  // ceil(350000 / 769) = 456.
  t.nRFC = ns_to_cycles(350, t.tCK_ps);
  t.nRFCpb = 260;
  t.nREFI = 5070;          // = 3.9 us
  t.nREFIpb = 5070 / 32;   // 32 banks per pch (SIDs folded) -> 158
  s.p = hbm3_power();
  return s;
}

// --- AttAcc HBM3-PIM presets (the AttAcc artifact's HBM3_8Gb_2R speed grades;
// /reference attacc_pim.md §1-§2). One 8-Hi stack: 16 channels x 2 pCH x
// 2 SIDs x 4 BG x 4 banks, 16384 rows of 32 x 32 B. The SID ("rank") is folded
// into the bank-group level (bank_groups = 8, SID-major) as for hbm3-5200.
struct AttaccGrade {
  const char* tag;
  int rate, nCL, nRCD, nRP, nRAS, nRC, nWR, nRTPS, nRTPL, nCWL, nCCDAB, nCCDSB, nWTRS, nWTRL, nFAW, nRFCSB, nREFI;
};

DramSpec make_attacc(const AttaccGrade& g, bool npc) {
  DramSpec s;
  s.name = std::string("attacc-hbm3-") + g.tag + (npc ? "-npc" : "");
  s.org = {16, 2, 8, 4, 16384, 32, 32, 1024};
  Timing& t = s.t;
  // Quad-pumped data rate: clock = rate / 4 MHz, tCK_ps = floor(1e6 / (rate / 4)).
  t.tCK_ps = 1000000LL * 4 / g.rate;
  t.nBL = 2;
  t.nCL = g.nCL;
  t.nCWL = g.nCWL;
  t.nRCDRD = g.nRCD;
  t.nRCDWR = g.nRCD;
  t.nRP = g.nRP;
  t.nRAS = g.nRAS;
  t.nRC = g.nRC;
  t.nWR = g.nWR;
  t.nRTPS = g.nRTPS;
  t.nRTPL = g.nRTPL;
  t.nCCDS = 2;
  t.nCCDL = 4;
  t.nRRDS = 2;
  t.nRRDL = 4;
  t.nWTRS = g.nWTRS;
  t.nWTRL = g.nWTRL;
  t.nFAW = g.nFAW;
  // All-bank refresh: tRFC = 350 ns (8 Gb die), rounded as the artifact does:
  // floor((floor(350e6 / tCK_ps) + 974) / 1000) (456 at 5.2 Gbps).
  t.nRFC = static_cast<int>((350000LL * 1000 / t.tCK_ps + 974) / 1000);
  t.nRFCpb = g.nRFCSB;             // same-bank refresh time of the preset
  t.nREFI = g.nREFI;
  t.nREFIpb = g.nREFI / 32;        // 32 banks per pCH (SIDs folded)
  // Power constraint: MACAB/MACSB spacing 6..8 tCK; without it (-npc) 4.
  t.nCCDAB = npc ? 4 : g.nCCDAB;
  t.nCCDSB = npc ? 4 : g.nCCDSB;
  // No IDD values in the AttAcc sources: the HBM3 presets' (HBM2 currents at
  // 1.1 V, indicative only; docs/dram.md, Energy). AttAcc's own energy model
  // (attacc_pim.md) does not read them.
  s.p = hbm3_power();
  return s;
}

const AttaccGrade kAttaccGrades[] = {
    // tag  rate nCL nRCD nRP nRAS nRC nWR RTPS RTPL CWL CCDAB CCDSB WTRS WTRL FAW RFCSB REFI
    {"4.8", 4800, 17, 17, 17, 41, 58, 20, 5, 8, 5, 6, 6, 8, 10, 36, 240, 4680},
    {"5.2", 5200, 19, 19, 19, 45, 63, 21, 6, 8, 6, 6, 6, 8, 11, 39, 260, 5070},
    {"5.6", 5600, 20, 20, 20, 48, 68, 23, 6, 9, 6, 6, 7, 9, 12, 42, 280, 5460},
    {"6.0", 6000, 21, 21, 21, 51, 72, 24, 6, 9, 6, 6, 7, 9, 12, 45, 300, 5850},
    {"6.4", 6400, 23, 23, 23, 55, 77, 26, 7, 10, 7, 7, 8, 10, 13, 48, 320, 6240},
};

const std::map<std::string, DramSpec>& presets() {
  static const std::map<std::string, DramSpec> m = [] {
    std::map<std::string, DramSpec> r;
    for (auto s : {make_hbm2_pimba(), make_hbm2_pim_samsung(), make_hbm3_6400(), make_hbm3_5200()}) {
      validate(s);
      r.emplace(s.name, s);
    }
    for (const AttaccGrade& g : kAttaccGrades)
      for (bool npc : {false, true}) {
        DramSpec s = make_attacc(g, npc);
        validate(s);
        r.emplace(s.name, s);
      }
    return r;
  }();
  return m;
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i) out += (i + 1 == v.size()) ? " or " : ", ";
    out += v[i];
  }
  return out;
}

bool is_pow2(std::int64_t v) { return v > 0 && (v & (v - 1)) == 0; }


template <typename F>
void for_org_fields(F&& f) {
  f("channels", &Organization::channels, 1, 1024);
  f("pseudo_channels", &Organization::pseudo_channels, 1, 16);
  f("bank_groups", &Organization::bank_groups, 1, 64);
  f("banks_per_group", &Organization::banks_per_group, 1, 64);
  f("rows", &Organization::rows, 1, 1 << 24);
  f("columns", &Organization::columns, 1, 1 << 16);
  f("atom_bytes", &Organization::atom_bytes, 1, 4096);
  f("page_bytes", &Organization::page_bytes, 1, 1 << 20);
}

template <typename F>
void for_timing_fields(F&& f) {
  const int big = 1 << 24;
  f("nBL", &Timing::nBL, 1, 64);
  f("nCL", &Timing::nCL, 1, 1024);
  f("nCWL", &Timing::nCWL, 0, 1024);
  f("nRCDRD", &Timing::nRCDRD, 1, 1024);
  f("nRCDWR", &Timing::nRCDWR, 1, 1024);
  f("nRP", &Timing::nRP, 1, 1024);
  f("nRAS", &Timing::nRAS, 1, 4096);
  f("nRC", &Timing::nRC, 1, 4096);
  f("nWR", &Timing::nWR, 1, 1024);
  f("nRTPS", &Timing::nRTPS, 1, 1024);
  f("nRTPL", &Timing::nRTPL, 1, 1024);
  f("nCCDS", &Timing::nCCDS, 1, 1024);
  f("nCCDL", &Timing::nCCDL, 1, 1024);
  f("nRRDS", &Timing::nRRDS, 1, 1024);
  f("nRRDL", &Timing::nRRDL, 1, 1024);
  f("nWTRS", &Timing::nWTRS, 1, 1024);
  f("nWTRL", &Timing::nWTRL, 1, 1024);
  f("nFAW", &Timing::nFAW, 1, 4096);
  f("nRFC", &Timing::nRFC, 1, big);
  f("nRFCpb", &Timing::nRFCpb, 1, big);
  f("nREFI", &Timing::nREFI, 1, big);
  f("nREFIpb", &Timing::nREFIpb, 1, big);
  f("nCCDAB", &Timing::nCCDAB, 0, 1024);
  f("nCCDSB", &Timing::nCCDSB, 0, 1024);
}

template <typename F>
void for_power_fields(F&& f) {
  f("VDD_mV", &Power::VDD_mV, 1, 5000);
  f("IDD0", &Power::IDD0, 0, 100000);
  f("IDD2N", &Power::IDD2N, 0, 100000);
  f("IDD3N", &Power::IDD3N, 0, 100000);
  f("IDD4R", &Power::IDD4R, 0, 100000);
  f("IDD4W", &Power::IDD4W, 0, 100000);
  f("IDD5AB", &Power::IDD5AB, 0, 100000);
}

std::int64_t read_int(const nlohmann::json& v, const std::string& key, std::int64_t lo,
                      std::int64_t hi) {
  const std::string range = "an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]";
  // An integral float converts only inside int64's range (a cast of 1e300 is undefined behaviour).
  const bool integral_float = v.is_number_float() && std::fabs(v.get<double>()) < 9.0e18 &&
                              v.get<double>() == std::floor(v.get<double>());
  if (!v.is_number_integer() && !integral_float) {
    throw std::invalid_argument("dram spec: key '" + key + "' has value " + v.dump() + "; allowed: " + range);
  }
  std::int64_t x = v.is_number_integer() ? v.get<std::int64_t>() : static_cast<std::int64_t>(v.get<double>());
  if (v.is_number_unsigned() && v.get<std::uint64_t>() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
    x = std::numeric_limits<std::int64_t>::max();
  if (x < lo || x > hi)
    throw std::invalid_argument("dram spec: key '" + key + "' has value " + v.dump() + "; allowed: " + range);
  return x;
}

}  // namespace

std::vector<std::string> preset_names() {
  std::vector<std::string> v{"hbm2-pimba", "hbm2-pim-samsung", "hbm3-6400", "hbm3-5200"};
  for (const AttaccGrade& g : kAttaccGrades)
    for (const char* suffix : {"", "-npc"}) v.push_back(std::string("attacc-hbm3-") + g.tag + suffix);
  return v;
}

const DramSpec& preset(const std::string& name) {
  const auto& m = presets();
  auto it = m.find(name);
  if (it == m.end())
    throw std::invalid_argument("dram preset '" + name + "' is unknown; allowed: " + join(preset_names()));
  return it->second;
}

int banks_per_pseudo_channel(const Organization& o) { return o.bank_groups * o.banks_per_group; }

double peak_bytes_per_ns_per_pch(const DramSpec& s) {
  const int cyc = std::max(s.t.nBL, s.t.nCCDS);
  return static_cast<double>(s.org.atom_bytes) / (static_cast<double>(cyc) * static_cast<double>(s.t.tCK_ps) / 1000.0);
}

void validate(const DramSpec& s) {
  auto fail = [&](const std::string& key, std::int64_t v, const std::string& allowed) {
    throw std::invalid_argument("dram spec '" + s.name + "': key '" + key + "' has value " +
                                std::to_string(v) + "; allowed: " + allowed);
  };
  for_org_fields([&](const char* key, int Organization::*m, int lo, int hi) {
    const int v = s.org.*m;
    if (v < lo || v > hi) fail(std::string("org.") + key, v, "[" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
    if (!is_pow2(v)) fail(std::string("org.") + key, v, "a power of two (the address mapping slices bit fields)");
  });
  if (static_cast<std::int64_t>(s.org.columns) * s.org.atom_bytes != s.org.page_bytes)
    fail("org.page_bytes", s.org.page_bytes,
         "columns * atom_bytes = " + std::to_string(static_cast<std::int64_t>(s.org.columns) * s.org.atom_bytes));
  if (s.t.tCK_ps < 1 || s.t.tCK_ps > 1000000) fail("timing.tCK_ps", s.t.tCK_ps, "[1, 1000000]");
  for_timing_fields([&](const char* key, int Timing::*m, int lo, int hi) {
    const int v = s.t.*m;
    if (v < lo || v > hi) fail(std::string("timing.") + key, v, "[" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
  });
  if (s.t.nCCDL < s.t.nCCDS) fail("timing.nCCDL", s.t.nCCDL, ">= nCCDS = " + std::to_string(s.t.nCCDS));
  if (s.t.nRRDL < s.t.nRRDS) fail("timing.nRRDL", s.t.nRRDL, ">= nRRDS = " + std::to_string(s.t.nRRDS));
  if (s.t.nREFI <= s.t.nRFC) fail("timing.nREFI", s.t.nREFI, "> nRFC = " + std::to_string(s.t.nRFC));
  if (s.t.nRAS < s.t.nRCDRD) fail("timing.nRAS", s.t.nRAS, ">= nRCDRD = " + std::to_string(s.t.nRCDRD));
  for_power_fields([&](const char* key, int Power::*m, int lo, int hi) {
    const int v = s.p.*m;
    if (v < lo || v > hi) fail(std::string("power.") + key, v, "[" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
  });
  // Every increment of the energy model (dram/energy.h) is non-negative.
  const Power& p = s.p;
  if (p.IDD3N < p.IDD2N) fail("power.IDD3N", p.IDD3N, ">= IDD2N = " + std::to_string(p.IDD2N));
  if (p.IDD0 < p.IDD3N) fail("power.IDD0", p.IDD0, ">= IDD3N = " + std::to_string(p.IDD3N));
  if (p.IDD4R < p.IDD3N) fail("power.IDD4R", p.IDD4R, ">= IDD3N = " + std::to_string(p.IDD3N));
  if (p.IDD4W < p.IDD3N) fail("power.IDD4W", p.IDD4W, ">= IDD3N = " + std::to_string(p.IDD3N));
  if (p.IDD5AB < p.IDD3N) fail("power.IDD5AB", p.IDD5AB, ">= IDD3N = " + std::to_string(p.IDD3N));
}

DramSpec spec_from_json(const nlohmann::json& j, const DramSpec& base) {
  if (!j.is_object()) throw std::invalid_argument("dram spec: expected a JSON object, got " + j.dump());
  DramSpec s = base;
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& key = it.key();
    if (key == "name") {
      if (!it->is_string()) throw std::invalid_argument("dram spec: key 'name' has value " + it->dump() + "; allowed: a string");
      s.name = it->get<std::string>();
    } else if (key == "org") {
      if (!it->is_object()) throw std::invalid_argument("dram spec: key 'org' has value " + it->dump() + "; allowed: an object");
      for (auto f = it->begin(); f != it->end(); ++f) {
        bool found = false;
        std::vector<std::string> names;
        for_org_fields([&](const char* k, int Organization::*m, int lo, int hi) {
          names.push_back(k);
          if (f.key() == k) {
            s.org.*m = static_cast<int>(read_int(*f, "org." + f.key(), lo, hi));
            found = true;
          }
        });
        if (!found) throw std::invalid_argument("dram spec: unknown key 'org." + f.key() + "'; allowed: " + join(names));
      }
    } else if (key == "timing") {
      if (!it->is_object()) throw std::invalid_argument("dram spec: key 'timing' has value " + it->dump() + "; allowed: an object");
      for (auto f = it->begin(); f != it->end(); ++f) {
        if (f.key() == "tCK_ps") {
          s.t.tCK_ps = read_int(*f, "timing.tCK_ps", 1, 1000000);
          continue;
        }
        bool found = false;
        std::vector<std::string> names{"tCK_ps"};
        for_timing_fields([&](const char* k, int Timing::*m, int lo, int hi) {
          names.push_back(k);
          if (f.key() == k) {
            s.t.*m = static_cast<int>(read_int(*f, "timing." + f.key(), lo, hi));
            found = true;
          }
        });
        if (!found) throw std::invalid_argument("dram spec: unknown key 'timing." + f.key() + "'; allowed: " + join(names));
      }
    } else if (key == "power") {
      if (!it->is_object()) throw std::invalid_argument("dram spec: key 'power' has value " + it->dump() + "; allowed: an object");
      for (auto f = it->begin(); f != it->end(); ++f) {
        bool found = false;
        std::vector<std::string> names;
        for_power_fields([&](const char* k, int Power::*m, int lo, int hi) {
          names.push_back(k);
          if (f.key() == k) {
            s.p.*m = static_cast<int>(read_int(*f, "power." + f.key(), lo, hi));
            found = true;
          }
        });
        if (!found) throw std::invalid_argument("dram spec: unknown key 'power." + f.key() + "'; allowed: " + join(names));
      }
    } else {
      throw std::invalid_argument("dram spec: unknown key '" + key + "'; allowed: name, org, timing or power");
    }
  }
  validate(s);
  return s;
}

nlohmann::json to_json(const DramSpec& s) {
  nlohmann::json org = nlohmann::json::object();
  for_org_fields([&](const char* k, int Organization::*m, int, int) { org[k] = s.org.*m; });
  nlohmann::json t = nlohmann::json::object();
  t["tCK_ps"] = s.t.tCK_ps;
  for_timing_fields([&](const char* k, int Timing::*m, int, int) { t[k] = s.t.*m; });
  nlohmann::json p = nlohmann::json::object();
  for_power_fields([&](const char* k, int Power::*m, int, int) { p[k] = s.p.*m; });
  return {{"name", s.name}, {"org", org}, {"timing", t}, {"power", p}};
}

}  // namespace pimlab::dram
