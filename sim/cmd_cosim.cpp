// `pimlab cosim`: PIM kernels end to end through the TLM HBM channel with the
// Verilated PIM unit behind some or all bank pairs, checked bit for bit
// against the golden kernels (docs/cosim.md).
//
// SystemC and main(): libsystemc.so defines main() and calls sc_main(); the
// pimlab executable has its own main(), which takes precedence. This file
// provides sc_main() and the subcommand starts SystemC through
// sc_core::sc_elab_and_sim() after parsing its options (SystemC elaborates
// once per process, so one co-simulation per pimlab invocation).
#include <cstdlib>
#include <iostream>
#include <stdexcept>
#include <string>

#include <systemc>

#include "cli.h"
#include "cosim_process.h"
#include "tlm/pim_rtl/cosim.h"

namespace {

using pimlab::cli::Args;
using pimlab::cli::UsageError;
namespace cs = pimlab::tlm_pim_rtl;

cs::CosimOptions g_opts;

const char* kUsage =
    "--kernel su|attention [--model NAME] [--steps N] [--len L] [--units rtl|behavioural|mixed] [--data random|carry] [--config FILE] [--seed S] "
    "[--trace DIR] [--json [FILE|-] [--speed]]";
const char* kSummary =
    "Co-simulates PIM kernels through the TLM HBM channel: the firmware writes operands and state into\n"
    "the channel's memory, sends the generated Pimba command stream, reads the results back; each\n"
    "bank-pair unit is the behavioural model or the Verilated RTL (mixed: RTL for pch0.bank_group0.pair0).\n"
    "A scoreboard compares golden, channel and (per cycle) RTL vs behavioural. Exit status 0 on a full\n"
    "match, 1 on a mismatch, 2 on bad input, 3 on an internal or I/O error, 130 when interrupted.";

int run(int argc, char** argv) {
  Args a("cosim", {{"kernel", "K", "su (state update, N steps) or attention (SCORE -> host softmax -> ATTEND)", ""},
                   {"model", "NAME", "su: mamba2-2.7b (128 x 64) or retnet-2.7b (256 x 512); attention: opt-7b",
                    "mamba2-2.7b / opt-7b"},
                   {"steps", "N", "su: state-update steps", "2"},
                   {"len", "L", "attention: context length (a partial last 32-token chunk is padded with zero tokens)", "256"},
                   {"data", "D", "attention: random, or carry (directed vector for the adder's rounding carry)", "random"},
                   {"units", "U", "unit models: rtl (all), behavioural (all) or mixed (one RTL unit)",
                    "mixed (behavioural without RTL)"},
                   {"config", "FILE", "JSON configuration of the channel (keys top.hbm.*, e.g. "
                    "top.hbm.pch1.bank_group3.pair1.model: rtl); overrides --units", ""},
                   {"seed", "S", "seed of the data and of the RTL's X initialisation", "1"},
                   {"trace", "DIR", "write DIR/tlm.vcd (channel) and DIR/<unit>.fst (each RTL unit), both in ps", ""},
                   {"no-shadow", "", "do not compare RTL units with a behavioural twin every cycle", ""},
                   pimlab::cli::json_option(),
                   {"speed", "", "with --json: add the wall-clock speed figures (wall_s, cycles per second; they differ run to run)", ""}});
  a.parse(argc, argv, 2);
  if (a.help_requested()) {
    std::cout << a.help_text(kUsage, kSummary);
    return 0;
  }
  const pimlab::cli::JsonOutput json_out(a);
  if (!a.has("kernel")) throw UsageError("--kernel is required (su or attention)");
  g_opts.kernel = a.choice("kernel", "su", {"su", "attention"});
  // An option of the other kernel is an error, not ignored.
  if (g_opts.kernel == "su")
    for (const char* o : {"len", "data"})
      if (a.has(o)) throw UsageError(std::string("--") + o + " applies to --kernel attention only (su takes --steps)");
  if (g_opts.kernel == "attention" && a.has("steps"))
    throw UsageError("--steps applies to --kernel su only (attention takes --len)");
  g_opts.model = a.str("model", "");
  g_opts.steps = static_cast<int>(a.integer("steps", 2, 1, 100000));
  g_opts.len = static_cast<int>(a.integer("len", 256, 1, 65536));
  g_opts.data = a.str("data", "random");
  if (a.has("units")) g_opts.units = a.choice("units", "mixed", {"rtl", "behavioural", "mixed"});
  g_opts.seed = static_cast<std::uint32_t>(a.integer("seed", 1, 0, 0xffffffffll));
  g_opts.trace_dir = a.str("trace", "");
  g_opts.config_file = a.str("config", "");
  g_opts.json = json_out.to_stdout();
  g_opts.speed = a.has("speed");
  if (g_opts.speed && !json_out.requested()) throw UsageError("--speed adds figures to the --json document: give --json too");
  g_opts.shadow_check = !a.has("no-shadow");
  try {
    cs::validate(g_opts);
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
  const int rc = pimlab::sim::run_cosim_process(g_opts, argv[0]);
  // The document of a run that reached its report (match, mismatch or
  // interrupted); a bad configuration has none.
  if (!cs::last_document().empty()) json_out.write_text(cs::last_document());
  return rc == 0 || rc == 1 || rc == 2 || rc == 130 ? rc : 3;
}

}  // namespace

int pimlab::sim::run_cosim_process(const cs::CosimOptions& o, const char* argv0) {
  if (&o != &g_opts) g_opts = o;
  setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);
  char* sc_argv[] = {const_cast<char*>(argv0), nullptr};
  return sc_core::sc_elab_and_sim(1, sc_argv);
}

int sc_main(int argc, char** argv) { return cs::run_cosim(g_opts, argc, argv); }

PIMLAB_COMMAND("cosim", "co-simulate PIM kernels with the Verilated unit in the TLM channel, checked against golden", run);
