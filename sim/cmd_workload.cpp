// `pimlab workload`: draws or reads a request workload and prints its statistics. Sources: the
// seeded ShareGPT / Alpaca generators, a request trace (CSV), or a NeuPIMs decode snapshot. The
// workload itself lives in sc_models/core/workload (docs/workload.md); this file parses options
// and formats the statistics.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli.h"
#include "workload/lengths.h"
#include "workload/snapshot.h"
#include "workload/stats.h"
#include "workload/trace.h"

namespace {

using pimlab::cli::UsageError;
namespace wl = pimlab::workload;
using json = nlohmann::json;

std::string fmt(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

void put_lengths(json& j, const std::string& prefix, const wl::LengthStats& s) {
  j[prefix + "_mean"] = s.mean;
  j[prefix + "_p50"] = s.p50;
  j[prefix + "_p99"] = s.p99;
  j[prefix + "_min"] = s.min;
  j[prefix + "_max"] = s.max;
}

std::string length_row(const std::string& name, const wl::LengthStats& s) {
  char buf[160];
  std::snprintf(buf, sizeof buf, "%-15s %12s %8llu %8llu %8llu %8llu\n", name.c_str(), fmt(s.mean, 2).c_str(),
                static_cast<unsigned long long>(s.p50), static_cast<unsigned long long>(s.p99),
                static_cast<unsigned long long>(s.min), static_cast<unsigned long long>(s.max));
  return buf;
}

const char* kLengthHeader = "                        mean      p50      p99      min      max\n";

int report_snapshot(const std::string& path, const pimlab::cli::JsonOutput& json_out) {
  const wl::Snapshot snap = wl::read_snapshot(path);
  std::vector<std::uint64_t> lens;
  std::uint32_t channels = 0;
  for (const auto& e : snap) {
    lens.push_back(e.seq_len);
    channels = std::max(channels, e.channel + 1);
  }
  std::vector<std::uint64_t> per_ch_requests(channels, 0), per_ch_tokens(channels, 0);
  for (const auto& e : snap) {
    ++per_ch_requests[e.channel];
    per_ch_tokens[e.channel] += e.seq_len;
  }
  const wl::LengthStats s = wl::length_stats(lens);
  const auto [rq_min, rq_max] = std::minmax_element(per_ch_requests.begin(), per_ch_requests.end());
  const auto [tk_min, tk_max] = std::minmax_element(per_ch_tokens.begin(), per_ch_tokens.end());
  if (json_out.requested()) {
    json j;
    j["source"] = "snapshot:" + path;
    j["kind"] = "snapshot";
    j["count"] = snap.size();
    put_lengths(j, "seq_len", s);
    j["channels"] = channels;
    j["requests_per_channel_min"] = *rq_min;
    j["requests_per_channel_max"] = *rq_max;
    j["channel_tokens_min"] = *tk_min;
    j["channel_tokens_max"] = *tk_max;
    json_out.write(j, 2);
    if (json_out.to_stdout()) return 0;
  }
  std::cout << "source          snapshot:" << path << "\n"
            << "requests        " << snap.size() << " (one decode step each)\n\n"
            << kLengthHeader << length_row("seq_len", s) << "\n"
            << "channels        " << channels << " (highest ch_idx + 1)\n"
            << "requests/ch     " << *rq_min << " .. " << *rq_max << "\n"
            << "seq_len sum/ch  " << *tk_min << " .. " << *tk_max << "\n";
  return 0;
}

int run_workload(int argc, char** argv) {
  pimlab::cli::Args args(
      "workload",
      {{"requests", "N", "requests to draw, 1..100000000 (generators only)", "1000"},
       {"rate", "R", "mean arrival rate in requests/s, > 0, or inf: all at t = 0 (generators only)", "1"},
       {"arrival", "KIND", "poisson (exponential gaps) or fixed (gaps of 1/R) (generators only)", "poisson"},
       {"seed", "S", "seed of the generator, 0..2^64-1 (generators only)", "1"},
       {"trace-out", "FILE", "also write the requests as a trace CSV (not for snapshots)", ""},
       pimlab::cli::json_option()},
      1, "SOURCE");
  args.parse(argc, argv, 2);
  if (args.help_requested()) {
    std::cout << args.help_text(
        "sharegpt|alpaca|FILE|snapshot:FILE|fixed:B,IN,OUT [--requests N] [--rate R] [--arrival poisson|fixed] [--seed S]\n"
        "       [--trace-out FILE] [--json [FILE|-]]",
        "Draws or reads a workload and prints its statistics (docs/workload.md).\n"
        "\n"
        "SOURCE:\n"
        "  sharegpt, alpaca   seeded draws of (input, output) token pairs from the ShareGPT\n"
        "                     (391 726 rows) or Alpaca (52 002 rows) length table; rows with 0\n"
        "                     input or 0 output tokens are not drawn. The first request arrives\n"
        "                     at t = 0. Same seed and options => the same requests.\n"
        "  FILE               a request trace: CSV with the header\n"
        "                     arrival_s,input_tokens,output_tokens, rows in arrival order.\n"
        "  snapshot:FILE      a NeuPIMs decode snapshot: CSV with the header seq_len,ch_idx.\n"
        "  fixed:B,IN,OUT     B requests at t = 0 with IN prompt and OUT output tokens (the\n"
        "                     Pimba setting), e.g. fixed:32,2048,2048.\n"
        "output: count; input and output lengths (mean, nearest-rank p50 and p99, min, max);\n"
        "  arrival rate = (count - 1) / (last - first arrival), none if they all coincide.\n"
        "  Snapshots: seq_len statistics and the spread over channels instead.\n"
        "  JSON keys: count, input_mean, input_p50, input_p99, input_min, input_max, output_*,\n"
        "  arrival_rate, duration_s, source, kind (generator, trace, snapshot or fixed);\n"
        "  generators add seed, arrival, rate, table_rows, excluded_rows; snapshots give\n"
        "  seq_len_*, channels, requests_per_channel_min/max, channel_tokens_min/max instead.\n"
        "errors: a malformed trace row (FILE:LINE named), an unknown source or option, or a\n"
        "  generator option given with a file exit with status 2 and one line.");
    return 0;
  }
  const pimlab::cli::JsonOutput json_out(args);
  if (args.positional().empty())
    throw UsageError("missing SOURCE: sharegpt, alpaca, a trace FILE, snapshot:FILE or fixed:B,IN,OUT");
  const std::string source = args.positional().front();
  const bool generator = source == "sharegpt" || source == "alpaca";
  // Options that only a generator uses are errors elsewhere (they would silently do nothing).
  if (!generator)
    for (const char* o : {"requests", "rate", "arrival", "seed"})
      if (args.has(o))
        throw UsageError(std::string("--") + o + " applies to the generators (sharegpt, alpaca) only, not to '" +
                         source + "'");

  const std::string snap_prefix = "snapshot:";
  if (source.compare(0, snap_prefix.size(), snap_prefix) == 0) {
    if (args.has("trace-out")) throw UsageError("--trace-out: a snapshot has no arrival times or output lengths");
    const std::string path = source.substr(snap_prefix.size());
    if (path.empty()) throw UsageError("snapshot: needs a file name (snapshot:FILE)");
    return report_snapshot(path, json_out);
  }

  json j;
  wl::Requests reqs;
  std::string label;
  if (generator) {
    wl::GeneratorConfig cfg;
    cfg.requests = static_cast<std::uint64_t>(args.integer("requests", 1000, 1, 100000000));
    const std::string rate_text = args.str("rate", "1");
    if (rate_text == "inf") {
      cfg.rate_per_s = std::numeric_limits<double>::infinity();
    } else {
      cfg.rate_per_s = args.real("rate", 1.0);
      if (!(cfg.rate_per_s > 0)) throw UsageError("--rate " + rate_text + " must be > 0 requests/s (or inf)");
    }
    const std::string arrival = args.choice("arrival", "poisson", {"poisson", "fixed"});
    cfg.arrival = arrival == "fixed" ? wl::Arrival::fixed : wl::Arrival::poisson;
    cfg.seed = args.u64("seed", 1);
    const wl::LengthTable& table = wl::LengthTable::builtin(source);
    reqs = wl::generate(table, cfg);
    j["kind"] = "generator";
    j["seed"] = cfg.seed;
    j["arrival"] = arrival;
    j["rate"] = std::isinf(cfg.rate_per_s) ? json(nullptr) : json(cfg.rate_per_s);
    j["table_rows"] = table.rows();
    j["excluded_rows"] = table.excluded_rows();
    label = source + " (seed " + std::to_string(cfg.seed) + ", " +
            (std::isinf(cfg.rate_per_s) ? std::string("all at t = 0")
                                        : arrival + " arrivals at " + rate_text + " requests/s") +
            ")";
  } else if (source.compare(0, 6, "fixed:") == 0) {
    // fixed:B,IN,OUT -- the Pimba setting: B requests at t = 0, IN prompt and OUT output tokens.
    std::vector<std::uint64_t> v;
    std::string rest = source.substr(6), item;
    std::size_t pos = 0;
    bool ok = true;
    while (ok && pos <= rest.size()) {
      const std::size_t comma = rest.find(',', pos);
      item = rest.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
      char* end = nullptr;
      const unsigned long long x = std::strtoull(item.c_str(), &end, 10);
      ok = !item.empty() && item.find_first_not_of("0123456789") == std::string::npos && *end == '\0' && x >= 1 &&
           x <= 100000000ull;
      v.push_back(x);
      if (comma == std::string::npos) break;
      pos = comma + 1;
    }
    if (!ok || v.size() != 3)
      throw UsageError("SOURCE '" + source + "': expected fixed:B,IN,OUT with integers in [1, 100000000] " +
                       "(batch, input tokens, output tokens)");
    reqs = wl::fixed_batch(v[0], v[1], v[2]);
    j["kind"] = "fixed";
    label = source + " (all at t = 0)";
  } else {
    if (!std::ifstream(source))
      throw UsageError("SOURCE '" + source + "' is not a readable file (sources: sharegpt, alpaca, a trace FILE, snapshot:FILE or fixed:B,IN,OUT)");
    reqs = wl::read_trace(source);
    j["kind"] = "trace";
    label = source;
  }
  if (auto out = args.opt("trace-out")) {
    std::ofstream f(*out);
    if (!f) throw std::runtime_error("--trace-out: cannot write '" + *out + "'");  // I/O error: status 3
    wl::write_trace(f, reqs);
    if (!f.flush()) throw std::runtime_error("--trace-out: writing '" + *out + "' failed");
  }
  const wl::WorkloadStats s = wl::workload_stats(reqs);
  const double duration = s.last_arrival_s - s.first_arrival_s;
  if (json_out.requested()) {
    j["source"] = source;
    j["count"] = s.count;
    put_lengths(j, "input", s.input);
    put_lengths(j, "output", s.output);
    j["arrival_rate"] = s.arrival_rate_per_s ? json(*s.arrival_rate_per_s) : json(nullptr);
    j["duration_s"] = duration;
    json_out.write(j, 2);
    if (json_out.to_stdout()) return 0;
  }
  std::cout << "source          " << label << "\n"
            << "requests        " << s.count << "\n\n"
            << kLengthHeader << length_row("input_tokens", s.input) << length_row("output_tokens", s.output) << "\n"
            << "arrival rate    "
            << (s.arrival_rate_per_s ? fmt(*s.arrival_rate_per_s, 4) + " requests/s over " + fmt(duration, 3) + " s"
                                     : std::string("- (all requests arrive at t = ") + fmt(s.first_arrival_s, 3) + " s)")
            << "\n";
  return 0;
}

}  // namespace

PIMLAB_COMMAND("workload", "draw or read a request workload (sharegpt, alpaca, trace, snapshot) and print statistics",
               run_workload);
