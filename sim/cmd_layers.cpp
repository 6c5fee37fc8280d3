// `pimlab layers`: times operator rows on a GPU roofline host (the Pimba GPU
// model, docs/gpu.md) and prints each row with its FLOPs, time, off-chip and
// on-chip energy and the chosen L1/L2 tiles.
#include <cstdint>
#include <iostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli.h"
#include "gpu/host.h"
#include "gpu/operators.h"
#include "gpu/roofline.h"

namespace {

using pimlab::cli::Args;
using pimlab::cli::UsageError;
namespace gpu = pimlab::gpu;

const char* kUsage = "--host a100|h100|b200|FILE.json [--gpus N] --csv FILE [--json [FILE|-]] [--faithful]";
const char* kSummary =
    "Times operator rows (CSV header cls,name,category,m,n,k,num_op,dbyte) on one GPU of a\n"
    "tensor-parallel group with the roofline model of the Pimba artifact and prints every row with\n"
    "flops, time_s, e_offchip_pJ, e_onchip_pJ (one GPU's energy) and tiles = tm/tn/tk/tm2/tn2/tk2\n"
    "(L1 then L2 tile). Output: CSV on stdout (the input columns, then those), or with --json a list\n"
    "of objects with the same keys. Bad input exits with status 2.";

// The shortest decimal that reads back to the same double (exact, like --json).
std::string real(double x) { return gpu::shortest_real(x); }

// FLOPs are integers below 2^53 (validate() bounds the shape): print them exactly.
std::int64_t flops_int(double f) { return static_cast<std::int64_t>(f); }

int run(int argc, char** argv) {
  Args a("layers",
         {{"host", "NAME|FILE", "GPU: a100, h100, b200, or a JSON host file (*.json; keys in docs/gpu.md)", ""},
          {"gpus", "N", "GPUs of the tensor-parallel group (the all-reduce takes log2(N) hops)", "1"},
          {"csv", "FILE", "operator rows: header cls,name,category,m,n,k,num_op,dbyte", ""},
          pimlab::cli::json_option(),
          {"faithful", "", "count register traffic of all num_op products (the artifact counts one)", ""}});
  a.parse(argc, argv, 2);
  if (a.help_requested()) {
    std::cout << a.help_text(kUsage, kSummary);
    return 0;
  }
  const pimlab::cli::JsonOutput json_out(a);
  for (const char* req : {"host", "csv"})
    if (!a.has(req)) throw UsageError(std::string("missing --") + req + " (see 'pimlab layers --help')");
  const std::string host_arg = a.str("host", "");
  gpu::Host host;
  const bool is_file = host_arg.size() > 5 && host_arg.compare(host_arg.size() - 5, 5, ".json") == 0;
  try {
    host = is_file ? gpu::host_from_file(host_arg) : gpu::preset(host_arg);
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("--host: ") + e.what());
  }
  const int gpus = static_cast<int>(a.integer("gpus", 1, 1, 1 << 20));
  gpu::Options opt;
  opt.faithful_register_bytes = a.has("faithful");

  const gpu::OperatorTable t = gpu::read_operator_csv_file(a.str("csv", ""));
  const std::vector<gpu::OpResult> res = gpu::time_operators(host, t.ops, gpus, opt);

  if (json_out.requested()) {
    nlohmann::ordered_json rows = nlohmann::ordered_json::array();
    for (std::size_t i = 0; i < res.size(); ++i) {
      const gpu::Operator& op = t.ops[i];
      const gpu::OpResult& r = res[i];
      nlohmann::ordered_json o = nlohmann::ordered_json::object();
      // Input columns in input order; the required ones as typed values.
      for (std::size_t c = 0; c < t.columns.size(); ++c) {
        const std::string& col = t.columns[c];
        if (col == "cls") o[col] = gpu::class_name(op.cls);
        else if (col == "m") o[col] = op.m;
        else if (col == "n") o[col] = op.n;
        else if (col == "k") o[col] = op.k;
        else if (col == "num_op") o[col] = op.num_op;
        else if (col == "dbyte") o[col] = op.dbyte;
        else o[col] = t.echo[i][c];
      }
      o["flops"] = flops_int(r.flops);
      o["time_s"] = r.time_s;
      o["e_offchip_pJ"] = r.e_offchip_pJ;
      o["e_onchip_pJ"] = r.e_onchip_pJ;
      o["tiles"] = r.tiles ? gpu::tiles_string(*r.tiles) : std::string();
      rows.push_back(std::move(o));
    }
    json_out.write(rows, 2);
    if (json_out.to_stdout()) return 0;
  }
  std::string line;
  for (std::size_t c = 0; c < t.columns.size(); ++c) line += (c ? "," : "") + t.columns[c];
  for (const std::string& c : gpu::result_columns()) line += (line.empty() ? "" : ",") + c;
  std::cout << line << "\n";
  for (std::size_t i = 0; i < res.size(); ++i) {
    const gpu::OpResult& r = res[i];
    line.clear();
    for (std::size_t c = 0; c < t.columns.size(); ++c) line += (c ? "," : "") + t.echo[i][c];
    line += (line.empty() ? "" : ",") + std::to_string(flops_int(r.flops)) + "," + real(r.time_s) + "," +
            real(r.e_offchip_pJ) + "," + real(r.e_onchip_pJ) + "," + (r.tiles ? gpu::tiles_string(*r.tiles) : "");
    std::cout << line << "\n";
  }
  return 0;
}

}  // namespace

PIMLAB_COMMAND("layers", "times operator rows on a GPU roofline host (A100, H100, B200)", run);
