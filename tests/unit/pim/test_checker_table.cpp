// The Pimba checker's own table and barrier estimate (pim/checker.cpp,
// written from pim_commands.md as C++ functions) against the engine's rule
// rows and estimate (pim/protocol.cpp: rows of distance expressions compiled
// by dram::compile_distance). For every pair of kinds and every argument the
// family uses, the binding distance of the two tables must be equal — at the
// HBM2 timing of Pimba and at timings whose every field is changed, so that
// two expressions agreeing by accident at one timing are still told apart.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <string>
#include <utility>

#include "helpers.h"
#include "pim/checker.h"
#include "pim/protocol.h"

using namespace pimtest;
using namespace pimlab::pim;
namespace dram = pimlab::dram;

namespace {

// Timings with every field the rules read changed (distinct primes added).
std::vector<dram::Timing> timings() {
  std::vector<dram::Timing> v{pimba_timing().t};
  const int add[][12] = {{1, 2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31}, {31, 29, 23, 19, 17, 13, 11, 7, 5, 3, 2, 1},
                         {40, 0, 0, 60, 0, 0, 9, 0, 0, 50, 0, 0}};
  for (const auto& a : add) {
    dram::Timing t = pimba_timing().t;
    t.nBL += a[0], t.nCCDL += a[1], t.nRRDS += a[2], t.nFAW += a[3], t.nRCDRD += a[4], t.nRCDWR += a[5];
    t.nRAS += a[6], t.nRP += a[7], t.nRTPL += a[8], t.nWR += a[9], t.nCCDS += a[10], t.nRFC += a[11];
    v.push_back(t);
  }
  return v;
}

}  // namespace

TEST_CASE("pimba checker table: every pair of kinds binds as in the engine's rows", "[pim][checker]") {
  const std::uint32_t args[] = {0, 1, 4, 8, 16, 20, 33};
  int compared = 0;
  for (bool artifact : {false, true}) {
    const Protocol p = pimba_protocol(artifact);
    for (const dram::Timing& t : timings())
      for (std::uint32_t n : args) {
        // (from, to) -> binding distance in each table (absent: none).
        std::map<std::pair<int, int>, int> engine, checker;
        for (const dram::Rule& r : p.set.rules) {
          const int from = p.set.id(r.from), to = p.set.id(r.to);
          const int d = rule_distance(r, t, n);
          auto [it, fresh] = engine.emplace(std::make_pair(from, to), d);
          if (!fresh) it->second = std::max(it->second, d);
        }
        for (const PimbaCheckRow& r : pimba_check_table()) {
          const int d = r.distance(t, n);
          auto [it, fresh] = checker.emplace(std::make_pair(index_of(r.from), index_of(r.to)), d);
          if (!fresh) it->second = std::max(it->second, d);
        }
        INFO((artifact ? "artifact" : "default") << ", n = " << n << ", nBL " << t.nBL << " nCCDL " << t.nCCDL);
        CHECK(engine.size() == checker.size());
        for (const auto& [pair, d] : engine) {
          INFO(class_name(static_cast<CmdKind>(pair.first)) << " -> " << class_name(static_cast<CmdKind>(pair.second)));
          REQUIRE(checker.count(pair) == 1);
          CHECK(checker.at(pair) == d);
          ++compared;
        }
      }
  }
  CHECK(compared > 500);
}

TEST_CASE("pimba checker: its refresh-barrier estimate equals the engine's", "[pim][checker]") {
  int compared = 0;
  for (const dram::Timing& t : timings())
    for (int sched : {0, 1})
      for (int v : {1, 2, 4})
        for (int comps : {0, 1, 7, 64, 512})
          for (int regs : {0, 1, 3, 4, 5, 16, 80, 1000}) {
            const BarrierArgs b = barrier(0, static_cast<unsigned>(regs), v, comps, sched).barrier();
            INFO("sched " << sched << " regs " << regs << " v " << v << " comps " << comps);
            CHECK(pimba_check_barrier_estimate(t, b) == barrier_estimate(t, b));
            ++compared;
          }
  CHECK(compared == 4 * 2 * 3 * 5 * 8);
}
