#include "regress.h"

#include <algorithm>
#include <random>
#include <stdexcept>

#include "dram/address_map.h"
#include "dram/checker.h"
#include "dram/controller.h"
#include "dram/memory_system.h"
#include "dram/spec.h"
#include "pim/attacc.h"
#include "pim/attacc_checker.h"
#include "pim/checker.h"
#include "pim/engine.h"
#include "pim/newton.h"
#include "pim/newton_checker.h"
#include "pim/newton_controller.h"
#include "pim/protocol.h"

namespace pimlab::regress {

namespace {

using Rng = std::mt19937_64;

// Uniform integer in [lo, hi] from raw draws (the standard distributions are
// implementation-defined; the modulo bias of 64-bit draws over small ranges is
// irrelevant here, determinism is what matters).
std::uint64_t pick(Rng& r, std::uint64_t lo, std::uint64_t hi) { return lo + r() % (hi - lo + 1); }
bool chance(Rng& r, int percent) { return static_cast<int>(r() % 100) < percent; }

// Each chunk has its own generator: seed and chunk index mixed (splitmix64).
Rng chunk_rng(std::uint64_t seed, std::uint64_t chunk) {
  std::uint64_t z = seed * 0x9E3779B97F4A7C15ULL + chunk + 1;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return Rng(z ^ (z >> 31));
}

struct Fnv {
  std::uint64_t h = 1469598103934665603ULL;
  void add(std::uint64_t v) {
    for (int i = 0; i < 8; ++i) {
      h ^= (v >> (8 * i)) & 0xff;
      h *= 1099511628211ULL;
    }
  }
};

void note(FamilyResult& r, const std::string& rule, const std::string& what) {
  ++r.violations;
  ++r.by_rule[rule];
  if (r.first.size() < 8) r.first.push_back(rule + ": " + what);
}

// ---------------------------------------------------------------- hbm ----
// The HBM devices the chunks rotate over: the four presets and one AttAcc
// grade, plus two test variants of hbm2-pimba in which a rule that every
// preset makes redundant binds (docs/testing.md): nCCDS = 3 > nBL (tCCD_S
// binds, not only tBURST) and nBL = 4 > nCCDS (tBURST binds). In hbm2-pimba
// nRC = nRAS + nRP, so tRC is implied there; hbm3-6400 (nRC 72 > 45 + 26)
// makes it bind.
dram::DramSpec hbm_spec(int k) {
  static const char* names[] = {"hbm2-pimba", "hbm3-6400", "hbm2-pim-samsung", "hbm3-5200", "attacc-hbm3-5.2",
                                "hbm2-pimba", "hbm2-pimba"};
  const int n = static_cast<int>(sizeof(names) / sizeof(names[0]));
  const int i = k % n;
  dram::DramSpec s = dram::preset(names[i]);
  s.org.channels = 1;
  if (i == 5) {
    s.name += "+nCCDS3";
    s.t.nCCDS = 3;
  } else if (i == 6) {
    s.name += "+nBL4";
    s.t.nBL = 4;
  }
  dram::validate(s);
  return s;
}

std::uint64_t hbm_chunk(FamilyResult& res, Rng& rng, std::uint64_t k, std::uint64_t requests) {
  using namespace dram;
  const DramSpec spec = hbm_spec(static_cast<int>(k));
  ControllerConfig cfg;
  cfg.page_policy = chance(rng, 50) ? PagePolicy::Open : PagePolicy::Closed;
  cfg.dual_command_bus = chance(rng, 50);
  const std::uint64_t rm = pick(rng, 0, 9);
  cfg.refresh = rm < 5 ? RefreshMode::AllBank : rm < 9 ? RefreshMode::PerBank : RefreshMode::Off;
  cfg.queue_size = static_cast<int>(pick(rng, 0, 1) ? 32 : pick(rng, 4, 64));
  cfg.write_high = std::max(2, cfg.queue_size * 3 / 4);
  cfg.write_low = std::max(1, cfg.queue_size / 4);
  static const char* maps[] = {"ro_ba_bg_pc_ch_co", "ro_bg_ba_co_pc_ch", "ro_ba_co_bg_pc_ch", "ro_co_ba_bg_pc_ch"};
  const AddressMap map(spec.org, maps[pick(rng, 0, 3)]);
  const int gap = static_cast<int>(1u << pick(rng, 0, 3));  // mean arrival gap 0..7 cycles: saturating to light
  const int local = static_cast<int>(pick(rng, 0, 2)) * 45;  // % of requests near the previous one (row hits)
  const int writes = static_cast<int>(pick(rng, 0, 4)) * 25;  // % writes
  MemorySystem mem(spec, cfg, map, false);
  // The independent checker of every command, through the command hook.
  RuleChecker chk(spec, cfg.dual_command_bus);
  ChannelController& ctl = mem.channel(0);
  const CommandSet& set = ctl.engine().command_set();
  std::vector<CheckedKind> kind;
  for (const CommandClass& c : set.classes) kind.push_back(checked_kind(c.name));
  Fnv fnv;
  std::uint64_t cmds = 0;
  ctl.set_command_hook([&](const Command& c, Cycle t) {
    ++cmds;
    fnv.add(static_cast<std::uint64_t>(t) * 16 + c.cls);
    const CheckedCommand cc{kind[c.cls], c.addr.pch, c.addr.bg, c.addr.bank, c.addr.row, t};
    for (const Violation& v : chk.check(cc)) note(res, v.rule, v.message);
  });
  std::uint64_t i = 0, prev = 0;
  Cycle t = 0;
  const std::uint64_t cap = map.capacity_bytes();
  mem.run([&](MemRequest& r) {
    if (i == requests) return false;
    ++i;
    t += static_cast<Cycle>(pick(rng, 0, static_cast<std::uint64_t>(2 * gap - 1)) / 2);
    const std::uint64_t a = chance(rng, local) ? prev + 32 * pick(rng, 0, 15) : rng();
    prev = (a % cap) & ~std::uint64_t{31};
    r.arrival = t;
    r.write = chance(rng, writes);
    r.address = prev;
    return true;
  });
  res.digest ^= fnv.h + k;
  return cmds;
}

// -------------------------------------------------------------- pimba ----
// Random rounds of the Pimba shape (barrier, four ACT4s with register
// writes, COMPs, precharge with results; or the unscheduled form) on both
// pseudo-channels, interleaved at random.
std::vector<pim::Command> pimba_stream(Rng& rng, int rounds, std::uint16_t ch) {
  using pim::CmdKind;
  auto mk = [&](CmdKind k, int pch, std::uint32_t arg = 0) {
    pim::Command c;
    c.kind = k;
    c.pch = static_cast<std::uint8_t>(pch);
    c.ch = ch;
    c.arg = arg;
    return c;
  };
  std::vector<pim::Command> per[2];
  for (int pch = 0; pch < 2; ++pch)
    for (int r = 0; r < rounds; ++r) {
      const bool sched = !chance(rng, 30);
      const int v = static_cast<int>(pick(rng, 1, 2));
      // 1 COMP lets the ACT4 -> precharge rule (nRAS) bind; many let COMP pacing dominate.
      const int comps = chance(rng, 20) ? static_cast<int>(pick(rng, 1, 3)) : static_cast<int>(pick(rng, 4, 47));
      std::uint32_t n[4], regs = 0;
      for (auto& x : n) regs += (x = static_cast<std::uint32_t>(chance(rng, 20) ? pick(rng, 0, 1) : pick(rng, 1, 20)));
      pim::Command b = mk(CmdKind::RefreshBarrier, pch, regs);
      b.sched = sched ? 1 : 0;
      b.v_count = static_cast<std::uint8_t>(v);
      b.comps = static_cast<std::uint16_t>(comps);
      per[pch].push_back(b);
      for (int g = 0; g < 4; ++g) {
        if (sched) {
          pim::Command a = mk(CmdKind::Act4WithReg, pch, n[g]);
          a.bank_group = static_cast<std::uint8_t>(g);
          per[pch].push_back(a);
        } else {
          pim::Command a = mk(CmdKind::Act4, pch);
          a.bank_group = static_cast<std::uint8_t>(g);
          per[pch].push_back(a);
          for (std::uint32_t j = 0; j < n[g]; ++j) per[pch].push_back(mk(CmdKind::RegWrite, pch));
        }
      }
      for (int j = 0; j < comps; ++j) per[pch].push_back(mk(CmdKind::Comp, pch));
      const std::uint32_t results = 8u * static_cast<std::uint32_t>(v);
      if (sched) {
        per[pch].push_back(mk(CmdKind::PrechargeWithResult, pch, results));
      } else {
        per[pch].push_back(mk(CmdKind::Precharge, pch));
        for (std::uint32_t j = 0; j < results; ++j) per[pch].push_back(mk(CmdKind::Result, pch));
      }
    }
  std::vector<pim::Command> out;
  out.reserve(per[0].size() + per[1].size());
  std::size_t a = 0, b = 0;
  while (a < per[0].size() || b < per[1].size()) {
    // Runs of 1..16 commands from one pseudo-channel.
    const int p = a == per[0].size() ? 1 : b == per[1].size() ? 0 : static_cast<int>(rng() & 1);
    for (std::uint64_t k = pick(rng, 1, 16); k > 0; --k) {
      if (p == 0 && a < per[0].size()) out.push_back(per[0][a++]);
      if (p == 1 && b < per[1].size()) out.push_back(per[1][b++]);
    }
  }
  return out;
}

std::uint64_t pimba_chunk(FamilyResult& res, Rng& rng, std::uint64_t k, int rounds) {
  // Rotate the refresh models: the contract (slot), the artifact (off,
  // window 33), and the full REFab model on a short refresh interval (nREFI
  // 800, nRFC 100) so that every stream crosses many refreshes; the largest
  // random round's estimate (about 700 cycles) fits in 800.
  const int mode = static_cast<int>(k % 3);
  pim::Protocol p = pim::pimba_protocol(mode == 1);
  dram::DramSpec spec = dram::preset("hbm2-pimba");
  if (mode == 2) {
    p.refresh = pim::RefreshModel::Full;
    spec.t.nREFI = 800;
    spec.t.nRFC = 100;
  }
  const pim::ChannelEngine eng(p, spec);
  std::vector<std::vector<pim::Command>> streams;
  for (std::uint16_t c = 0; c < 2; ++c) streams.push_back(pimba_stream(rng, rounds, c));
  std::vector<std::vector<std::uint64_t>> cycles;
  const pim::MultiChannelRun run = eng.run(streams, 2, &cycles);
  Fnv fnv;
  std::uint64_t cmds = 0;
  for (std::size_t c = 0; c < streams.size(); ++c) {
    for (std::uint64_t x : cycles[c]) fnv.add(x);
    const std::vector<std::uint64_t>* refs =
        p.refresh == pim::RefreshModel::Full ? &run.refresh_cycles.at(c) : nullptr;
    if (refs)
      for (std::uint64_t x : *refs) fnv.add(x);
    // The checker gets the family's own protocol (not the engine's compiled table).
    for (const pim::Violation& v : pim::check_channel(p, spec, streams[c], cycles[c], 2, 0, refs))
      note(res, v.rule, v.what);
    cmds += streams[c].size();
  }
  res.digest ^= fnv.h + k;
  return cmds;
}

// ------------------------------------------------------ newton / mixed ----
pim::NewtonWorkload newton_workload(Rng& rng, pim::PimType type, int gemvs, int host) {
  using namespace pim;
  NewtonWorkload w;
  for (int g = 0; g < (type == PimType::Dram ? 0 : gemvs); ++g) {
    const int row = 100 + static_cast<int>(pick(rng, 0, 63));
    if (chance(rng, 25)) {
      w.pim.push_back(make_txn(TxnType::PHeader, p_header_addr(0, 0, 1, 1)));
      w.pim.push_back(make_txn(TxnType::GWrite, normal_addr(0, static_cast<int>(pick(rng, 0, 1)),
                                                            static_cast<int>(pick(rng, 0, 3)),
                                                            static_cast<int>(pick(rng, 0, 3)),
                                                            static_cast<int>(pick(rng, 0, 7)), 0)));
    }
    // The P_HEADER carries log2 of both counts (newton.h): powers of two.
    int comps = 1 << pick(rng, 0, 5);
    const int readres = 1 << pick(rng, 0, 3);
    // The header's num_comps field holds log2 in 3 bits: at most 128 COMPs
    // per GEMV (p_header_addr refuses 32 x 8 = 256).
    if (comps * readres > 128) comps = 128 / readres;
    w.pim.push_back(make_txn(TxnType::PHeader, p_header_addr(0, row, static_cast<std::uint64_t>(comps * readres),
                                                             static_cast<std::uint64_t>(readres))));
    for (int r = 0; r < readres; ++r) {
      const bool last = r == readres - 1;
      if (type == PimType::Dual) {
        w.pim.push_back(make_txn(TxnType::CompsReadRes, comps_readres_addr(0, row, comps, last)));
      } else {
        for (int c = 0; c < comps; ++c) w.pim.push_back(make_txn(TxnType::Comp, comp_addr(0, row)));
        w.pim.push_back(make_txn(TxnType::ReadRes, readres_addr(0, row, last)));
      }
    }
  }
  // Host traffic: reads and writes over a few rows of every bank (row hits,
  // misses and conflicts), the PIM rows included.
  int prev_bank = 0, prev_row = 0;
  for (int i = 0; i < host; ++i) {
    if (!chance(rng, 50)) {
      prev_bank = static_cast<int>(pick(rng, 0, 31));
      prev_row = static_cast<int>(chance(rng, 20) ? pick(rng, 100, 163) : pick(rng, 0, 7));
    }
    const TxnType t = chance(rng, 30) ? TxnType::Write : TxnType::Read;
    w.mem.push_back(make_txn(t, normal_addr(0, prev_bank / 16, (prev_bank / 4) % 4, prev_bank % 4, prev_row,
                                            static_cast<int>(pick(rng, 0, 15)))));
  }
  return w;
}

std::uint64_t newton_chunk(FamilyResult& res, Rng& rng, std::uint64_t seed, std::uint64_t k, int gemvs, int host,
                          const std::vector<pim::PimType>& types) {
  using namespace pim;
  NewtonOptions o;
  const std::uint64_t n = types.size();
  o.type = types[k % n];
  o.artifact_compatible = (k / n) % 2 == 1;
  // A DRAM chunk has no GEMVs; in the newton family (no host traffic) it
  // gets host requests instead, about as many commands as a GEMV chunk.
  if (o.type == PimType::Dram && host == 0) host = 10 * gemvs;
  const NewtonWorkload w = newton_workload(rng, o.type, gemvs, host);
  std::vector<NewtonIssued> trace;
  try {
    run_newton(o, w, &trace);
  } catch (const NewtonStall& e) {
    throw NewtonStall(e.cycle(), e.outstanding(),
                      res.family + " seed " + std::to_string(seed) + " chunk " + std::to_string(k) + " (" +
                          pim_type_name(o.type) + (o.artifact_compatible ? ", artifact" : "") + ")");
  }
  Fnv fnv;
  for (const NewtonIssued& c : trace) fnv.add(c.cycle * 16 + static_cast<std::uint64_t>(c.cls));
  // The checker has its own table (pim/newton_checker.cpp), not the engine's rows.
  for (const NewtonViolation& v : check_newton(o, newton_spec().t, trace, 0)) note(res, v.rule, v.what);
  res.digest ^= fnv.h + k;
  return trace.size();
}

// ------------------------------------------------------------- attacc ----
std::uint64_t attacc_chunk(FamilyResult& res, Rng& rng, std::uint64_t k, int statements) {
  using namespace pim;
  static const char* grades[] = {"4.8", "5.2", "5.6", "6.0", "6.4"};
  dram::DramSpec spec = dram::preset(std::string("attacc-hbm3-") + grades[k % 5] + (k % 7 == 3 ? "-npc" : ""));
  spec.org.channels = 2;
  // Every AttAcc grade has nRC <= nRAS + nRP, so tRC is implied by tRAS and
  // tRP there; every fourth chunk runs a test variant with nRC = nRAS + nRP + 3
  // in which it binds (as hbm2-pimba's variants do for tCCD_S and tBURST).
  if (k % 4 == 1) {
    spec.name += "+nRC";
    spec.t.nRC = spec.t.nRAS + spec.t.nRP + 3;
  }
  AttaccOptions opt;
  opt.artifact_compatible = (k / 5) % 2 == 1;
  // One PU placement per chunk, as a generated kernel has (the controller
  // manages the rows of the placement's decisive banks only; an all-bank MAC
  // behind per-bank ones would wait forever for banks no request closes).
  const AttaccReq mac = static_cast<AttaccReq>((k / 2) % 3);
  std::vector<AttaccStatement> trace;
  while (static_cast<int>(trace.size()) < statements) {
    // A block of MACs on one or two rows with data moves among them, then
    // sometimes a barrier.
    const int rows[2] = {static_cast<int>(pick(rng, 0, 15)), static_cast<int>(pick(rng, 0, 15))};
    const int ch = static_cast<int>(pick(rng, 0, 1));
    for (std::uint64_t n = pick(rng, 1, 48); n > 0; --n) {
      AttaccAddr a{ch, static_cast<int>(pick(rng, 0, 1)), static_cast<int>(pick(rng, 0, 1)),
                   static_cast<int>(pick(rng, 0, 3)), static_cast<int>(pick(rng, 0, 3)),
                   rows[chance(rng, 85) ? 0 : 1], static_cast<int>(pick(rng, 0, 31))};
      trace.push_back({mac, encode_addr(a)});
      if (chance(rng, 10)) {
        const AttaccReq mv = static_cast<AttaccReq>(pick(rng, 3, 6));
        a.bank = static_cast<int>(pick(rng, 0, 3));
        trace.push_back({mv, encode_addr(a)});
      }
    }
    if (chance(rng, 30)) trace.push_back({AttaccReq::Barrier, encode_addr(AttaccAddr{ch, 0, 0, 0, 0, 0, 0})});
  }
  const AttaccResult r = run_attacc_stack(spec, trace, opt, true);
  Fnv fnv;
  std::uint64_t cmds = 0;
  for (const auto& chan : r.issued) {
    for (const AttaccIssued& c : chan) {
      fnv.add(static_cast<std::uint64_t>(c.cycle) * 16 + c.cls);
      if (c.cls != kMACPBAlias) ++cmds;
    }
    for (const AttaccViolation& v : check_attacc_channel(spec, chan, opt.artifact_compatible, 0))
      note(res, v.rule, v.what);
  }
  res.digest ^= fnv.h + k;
  return cmds;
}

}  // namespace

const std::vector<std::string>& family_names() {
  static const std::vector<std::string> n = {"hbm", "pimba", "newton", "attacc", "mixed"};
  return n;
}

const std::vector<pim::PimType>& all_newton_types() {
  static const std::vector<pim::PimType> t = {pim::PimType::Dual, pim::PimType::Single, pim::PimType::Dram};
  return t;
}

std::vector<pim::PimType> parse_newton_types(const std::string& list) {
  std::vector<pim::PimType> out;
  std::size_t b = 0;
  for (;;) {
    const std::size_t e = list.find(',', b);
    const std::string w = list.substr(b, e == std::string::npos ? std::string::npos : e - b);
    if (w != "dual" && w != "single" && w != "dram")
      throw std::invalid_argument("newton type '" + w + "' unknown (allowed: dual, single, dram)");
    const pim::PimType t = pim::parse_pim_type(w);
    if (std::find(out.begin(), out.end(), t) != out.end())
      throw std::invalid_argument("newton type '" + w + "' listed twice (allowed: dual, single, dram, each once)");
    out.push_back(t);
    if (e == std::string::npos) break;
    b = e + 1;
  }
  return out;
}

FamilyResult run_family(const std::string& family, std::uint64_t seed, std::uint64_t commands,
                        const std::vector<pim::PimType>& newton_types) {
  if (std::find(family_names().begin(), family_names().end(), family) == family_names().end())
    throw std::invalid_argument("unknown family '" + family + "' (allowed: hbm, pimba, newton, attacc, mixed)");
  if (newton_types.empty()) throw std::invalid_argument("no newton controller type (allowed: dual, single, dram)");
  FamilyResult r;
  r.family = family;
  // Chunk sizes: a few hundred thousand commands at most in long runs, so
  // that memory stays small; a few thousand in the fault runs (<= 200000
  // commands), so that every configuration of the rotation comes up.
  const int size = commands <= 200000 ? 0 : commands < 2000000 ? 1 : 2;
  static const int hbm_req[] = {4000, 20000, 100000}, pimba_rounds[] = {20, 100, 600},
                   newton_gemvs[] = {40, 200, 1000}, attacc_stmts[] = {1000, 4000, 20000},
                   mixed_gemvs[] = {20, 100, 500}, mixed_host[] = {400, 2000, 10000};
  for (std::uint64_t k = 0; r.commands < commands; ++k) {
    Rng rng = chunk_rng(seed, k);
    std::uint64_t n = 0;
    if (family == "hbm") n = hbm_chunk(r, rng, k, static_cast<std::uint64_t>(hbm_req[size]));
    else if (family == "pimba") n = pimba_chunk(r, rng, k, pimba_rounds[size]);
    else if (family == "newton") n = newton_chunk(r, rng, seed, k, newton_gemvs[size], 0, newton_types);
    else if (family == "attacc") n = attacc_chunk(r, rng, k, attacc_stmts[size]);
    else n = newton_chunk(r, rng, seed, k, mixed_gemvs[size], mixed_host[size], newton_types);
    r.commands += n;
    ++r.chunks;
    if (n == 0) throw std::logic_error(family + ": a chunk issued no command");
  }
  return r;
}

}  // namespace pimlab::regress
