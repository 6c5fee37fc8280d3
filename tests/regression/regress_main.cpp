// pimlab_regress: seeded random traffic through the channel engines, every
// command re-validated by the family's independent checker
// (docs/testing.md, "Random regressions").
//
//   pimlab_regress [--family hbm,pimba,newton,attacc,mixed] [--seed N] [--commands N]
//                  [--newton-types dual,single,dram]
//   pimlab_regress --family F --fault RULE [--seed N] [--commands N] [--newton-types LIST]
//
// Prints one line per family: commands checked, violations, chunks, a digest
// of every issue cycle (equal across reruns with the same options), then wall
// time and commands/s. Exit 0 when no violation was found, 1 otherwise, 2 for
// bad options, 3 for an internal error (a Newton controller that stops
// making progress: pim::NewtonStall, one line naming family, seed, chunk,
// cycle and outstanding responses).
// With --fault, the rule rows named RULE are shortened by one cycle in every
// engine (dram::set_planted_rule_fault), never in the checker: the run first
// checks the same traffic with the intact engine (0 violations needed), then
// with the planted fault, and exits 0 only if the checker caught it.
#include <chrono>
#include <cstdio>
#include <exception>
#include <string>

#include "cli.h"
#include "dram/engine.h"
#include "pim/newton_controller.h"
#include "regress.h"

using namespace pimlab;

namespace {

void print(const regress::FamilyResult& r, double seconds) {
  std::printf("%-7s %14llu %11llu %7llu  %016llx %10.1f %12.3e\n", r.family.c_str(),
              static_cast<unsigned long long>(r.commands), static_cast<unsigned long long>(r.violations),
              static_cast<unsigned long long>(r.chunks), static_cast<unsigned long long>(r.digest), seconds,
              seconds > 0 ? static_cast<double>(r.commands) / seconds : 0.0);
  for (const auto& [rule, n] : r.by_rule)
    std::printf("          violations of %s: %llu\n", rule.c_str(), static_cast<unsigned long long>(n));
  for (const std::string& m : r.first) std::printf("          e.g. %s\n", m.c_str());
  std::fflush(stdout);
}

int run(int argc, char** argv) {
  cli::Args a("regress",
              {{"family", "LIST", "families to run: hbm, pimba, newton, attacc, mixed", "all"},
               {"seed", "N", "seed of the random traffic", "1"},
               {"commands", "N", "commands to check per family (whole chunks)", "1000000"},
               {"fault", "RULE", "plant an off-by-one in the engine's rule RULE (one family)", ""},
               {"newton-types", "LIST", "newton and mixed families: the controller types the chunks rotate over (dual, single, dram)",
                "dual,single,dram"}});
  a.parse(argc, argv, 1);
  if (a.help_requested()) {
    std::printf("%s", a.help_text("pimlab_regress [options]", "random regressions under the independent checkers").c_str());
    return 0;
  }
  const std::vector<std::string> fams = a.list("family", regress::family_names(), regress::family_names());
  const std::uint64_t seed = a.u64("seed", 1);
  const std::uint64_t n = a.u64("commands", 1000000);
  const auto fault = a.opt("fault");
  const std::vector<pim::PimType> types = regress::parse_newton_types(a.str("newton-types", "dual,single,dram"));
  std::printf("%-7s %14s %11s %7s  %-16s %10s %12s\n", "family", "commands", "violations", "chunks", "digest", "wall s",
              "commands/s");
  if (fault) {
    if (fams.size() != 1) throw cli::UsageError("--fault needs exactly one --family");
    const auto t0 = std::chrono::steady_clock::now();
    const regress::FamilyResult base = regress::run_family(fams[0], seed, n, types);
    const auto t1 = std::chrono::steady_clock::now();
    print(base, std::chrono::duration<double>(t1 - t0).count());
    const dram::PlantedRuleFault f{*fault, 1};
    dram::set_planted_rule_fault(&f);
    const regress::FamilyResult bad = regress::run_family(fams[0], seed, n, types);
    const std::uint64_t rows = dram::planted_rule_fault_rows();
    dram::set_planted_rule_fault(nullptr);
    const auto t2 = std::chrono::steady_clock::now();
    std::printf("planted fault %s - 1 cycle (%s engine, %llu rule rows compiled with it):\n", fault->c_str(),
                fams[0].c_str(), static_cast<unsigned long long>(rows));
    print(bad, std::chrono::duration<double>(t2 - t1).count());
    const bool caught = base.violations == 0 && rows > 0 && bad.violations > 0;
    // A shortened rule that never binds (implied by other rules for these
    // timings) leaves the schedule bit-identical: no checker can see it.
    const char* verdict = caught ? "CAUGHT" : bad.digest == base.digest ? "INERT (schedule unchanged)" : "MISSED";
    std::printf("fault %s %s: %llu violations (intact engine: %llu)\n", fault->c_str(), verdict,
                static_cast<unsigned long long>(bad.violations), static_cast<unsigned long long>(base.violations));
    return caught ? 0 : 1;
  }
  std::uint64_t total = 0, viol = 0;
  double secs = 0;
  for (const std::string& f : fams) {
    const auto t0 = std::chrono::steady_clock::now();
    const regress::FamilyResult r = regress::run_family(f, seed, n, types);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    print(r, s);
    total += r.commands;
    viol += r.violations;
    secs += s;
  }
  std::printf("%-7s %14llu %11llu %7s  %-16s %10.1f %12.3e\n", "total", static_cast<unsigned long long>(total),
              static_cast<unsigned long long>(viol), "", "", secs, secs > 0 ? static_cast<double>(total) / secs : 0.0);
  return viol == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const cli::UsageError& e) {
    std::fprintf(stderr, "pimlab_regress: error: %s\n", e.what());
    return 2;
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "pimlab_regress: error: %s\n", e.what());
    return 2;
  } catch (const pim::NewtonStall& e) {
    std::fprintf(stderr, "pimlab_regress: error: %s\n", e.what());
    return 3;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "pimlab_regress: internal error: %s\n", e.what());
    return 3;
  }
}
