// `pimlab run`: the project's main job with built-in defaults. Until the
// system simulation exists it runs the default accuracy study (the same as
// `pimlab accuracy` without options) and says so on its first line.
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "cli.h"
#include "golden/accuracy.h"

namespace pimlab::sim {

// Defined in sim/cmd_accuracy.cpp.
std::vector<cli::OptionSpec> accuracy_json_option();
std::ofstream open_json_file(const std::string& path);
void write_accuracy_json(std::ofstream& os, const std::string& path, const golden::StudyResult& r);

namespace {

int run_run(int argc, char** argv) {
  cli::Args args("run", accuracy_json_option());
  args.parse(argc, argv, 2);
  if (args.help_requested()) {
    std::cout << args.help_text(
        "[options]",
        "Runs pimlab's main job with built-in defaults. The system simulation (NPU, HBM-PIM\n"
        "channels, CIM tiles) is not available yet, so this runs the default accuracy study\n"
        "instead: 'pimlab accuracy' with its defaults (Mamba-2-2.7B state update, formats\n"
        "mx8, int8, e4m3, e5m2, fp16, bf16 against FP64). See 'pimlab accuracy --help'.");
    return 0;
  }
  std::ofstream json;
  const auto json_path = args.opt("json");
  if (json_path) json = open_json_file(*json_path);
  std::cout << "pimlab run: no system simulation yet; running the default accuracy study (pimlab accuracy)\n";
  const golden::StudyResult r = golden::run_accuracy_study(golden::StudyConfig{});
  std::cout << "pimlab accuracy: " << golden::format_accuracy_table(r);
  if (json_path) write_accuracy_json(json, *json_path, r);
  return 0;
}

}  // namespace
}  // namespace pimlab::sim

PIMLAB_COMMAND("run", "the main job with built-in defaults (for now: the default accuracy study)",
               pimlab::sim::run_run);
