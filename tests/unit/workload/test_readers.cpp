// Request traces, snapshots and histogram files: the accepted syntax, the errors (file and line
// named) and the write/read round trip.
#include <catch2/catch.hpp>

#include <cstring>
#include <sstream>
#include <stdexcept>
#include <string>

#include "workload/lengths.h"
#include "workload/request.h"
#include "workload/snapshot.h"
#include "workload/trace.h"

namespace wl = pimlab::workload;

namespace {
wl::Requests trace(const std::string& text) {
  std::istringstream in(text);
  return wl::parse_trace(in, "t.csv");
}
std::string trace_error(const std::string& text) {
  try {
    trace(text);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "(no error)";
}
std::string snapshot_error(const std::string& text) {
  try {
    std::istringstream in(text);
    wl::parse_snapshot(in, "s.csv");
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "(no error)";
}
}  // namespace

TEST_CASE("trace: header, rows, blank lines, spaces and CRLF") {
  const auto r = trace("\narrival_s, input_tokens ,output_tokens\r\n0,10,5\r\n\n 0.5 , 20, 1\n2.5e0,3,4\n");
  REQUIRE(r.size() == 3);
  CHECK(r[0].arrival_s == 0.0);
  CHECK(r[0].input_tokens == 10);
  CHECK(r[0].output_tokens == 5);
  CHECK(r[1].arrival_s == 0.5);
  CHECK(r[1].input_tokens == 20);
  CHECK(r[1].output_tokens == 1);
  CHECK(r[2].arrival_s == 2.5);
}

TEST_CASE("trace: a bad row names the file, the line, the column and the value") {
  const std::string h = "arrival_s,input_tokens,output_tokens\n";
  CHECK(trace_error(h + "0,1,1\n0.5,abc,3\n") == "t.csv:3: column 'input_tokens' is 'abc', expected an integer >= 1");
  CHECK(trace_error(h + "0,0,3\n") == "t.csv:2: column 'input_tokens' is '0', expected an integer >= 1");
  CHECK(trace_error(h + "0,5,-3\n") == "t.csv:2: column 'output_tokens' is '-3', expected an integer >= 1");
  CHECK(trace_error(h + "0,5,0\n") == "t.csv:2: column 'output_tokens' is '0', expected an integer >= 1");
  CHECK(trace_error(h + "-1,5,3\n") == "t.csv:2: column 'arrival_s' is '-1', expected a finite number of seconds >= 0");
  CHECK(trace_error(h + "nan,5,3\n").find("t.csv:2: column 'arrival_s' is 'nan'") == 0);
  CHECK(trace_error(h + "1e999,5,3\n").find("t.csv:2: column 'arrival_s' is '1e999'") == 0);
  CHECK(trace_error(h + "0x1p3,5,3\n").find("t.csv:2: column 'arrival_s'") == 0);
  CHECK(trace_error(h + "1,2.5,3\n").find("t.csv:2: column 'input_tokens' is '2.5'") == 0);
  CHECK(trace_error(h + "1,99999999999999999999,3\n").find("t.csv:2: column 'input_tokens'") == 0);
  CHECK(trace_error(h + "0,1,1\n\n1,2\n") == "t.csv:4: expected 3 fields (arrival_s,input_tokens,output_tokens), got 2");
  CHECK(trace_error(h + "0,1,1,7\n") == "t.csv:2: expected 3 fields (arrival_s,input_tokens,output_tokens), got 4");
  CHECK(trace_error(h + "2,1,1\n1,1,1\n").find("t.csv:3: arrival_s 1 is earlier than the previous row's 2") == 0);
}

TEST_CASE("trace: the header is required") {
  CHECK(trace_error("0,10,5\n") == "t.csv:1: expected the header 'arrival_s,input_tokens,output_tokens', got '0,10,5'");
  CHECK(trace_error("arrival,input_tokens,output_tokens\n0,1,1\n").find("t.csv:1: expected the header") == 0);
  CHECK(trace_error("").find("t.csv:1: empty file") == 0);
  CHECK(trace_error("arrival_s,input_tokens,output_tokens\n\n") ==
        "t.csv:2: the trace has a header but no request");
  CHECK_THROWS_WITH(wl::read_trace("/nonexistent/dir/x.csv"), "cannot open trace file '/nonexistent/dir/x.csv'");
}

TEST_CASE("trace: write then read gives the same requests, bit for bit") {
  wl::GeneratorConfig cfg;
  cfg.requests = 500;
  cfg.rate_per_s = 3.7;
  cfg.seed = 11;
  const wl::Requests a = wl::generate(wl::LengthTable::builtin("sharegpt"), cfg);
  std::stringstream s;
  wl::write_trace(s, a);
  const wl::Requests b = wl::parse_trace(s, "roundtrip");
  REQUIRE(b.size() == a.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    CHECK(std::memcmp(&a[i].arrival_s, &b[i].arrival_s, sizeof(double)) == 0);
    CHECK(a[i].input_tokens == b[i].input_tokens);
    CHECK(a[i].output_tokens == b[i].output_tokens);
  }
}

TEST_CASE("fixed batch: B equal requests at t = 0, zero sizes are errors") {
  const auto r = wl::fixed_batch(32, 2048, 2048);
  REQUIRE(r.size() == 32);
  for (const auto& q : r) {
    CHECK(q.arrival_s == 0.0);
    CHECK(q.input_tokens == 2048);
    CHECK(q.output_tokens == 2048);
  }
  CHECK_THROWS_AS(wl::fixed_batch(0, 1, 1), std::invalid_argument);
  CHECK_THROWS_AS(wl::fixed_batch(1, 0, 1), std::invalid_argument);
  CHECK_THROWS_AS(wl::fixed_batch(1, 1, 0), std::invalid_argument);
}

TEST_CASE("snapshot: rows in file order, errors name file and line") {
  std::istringstream in("seq_len,ch_idx\n2048,26\n12,0\n");
  const auto s = wl::parse_snapshot(in, "s.csv");
  REQUIRE(s.size() == 2);
  CHECK(s[0].seq_len == 2048);
  CHECK(s[0].channel == 26);
  CHECK(s[1].seq_len == 12);
  CHECK(s[1].channel == 0);
  CHECK(snapshot_error("12,0\n") == "s.csv:1: expected the header 'seq_len,ch_idx', got '12,0'");
  CHECK(snapshot_error("seq_len,ch_idx\n0,1\n") == "s.csv:2: column 'seq_len' is '0', expected an integer >= 1");
  CHECK(snapshot_error("seq_len,ch_idx\n5,-1\n").find("s.csv:2: column 'ch_idx' is '-1'") == 0);
  CHECK(snapshot_error("seq_len,ch_idx\n5,4294967296\n").find("s.csv:2: column 'ch_idx' is '4294967296'") == 0);
  CHECK(snapshot_error("seq_len,ch_idx\n5\n") == "s.csv:2: expected 2 fields (seq_len,ch_idx), got 1");
  CHECK(snapshot_error("seq_len,ch_idx\n") == "s.csv:1: the snapshot has a header but no request");
}

TEST_CASE("snapshot: the shipped NeuPIMs snapshots hold 512 requests on 32 channels, KV length <= 2048") {
  for (const char* alg : {"clb", "rr"})
    for (int i = 0; i < 10; ++i) {
      const std::string path = std::string(PIMLAB_WORKLOAD_DATA) + "/neupims_snapshots/share-gpt2-bs512-ms7B-tp4-" +
                               alg + "-" + std::to_string(i) + ".csv";
      const auto s = wl::read_snapshot(path);
      CHECK(s.size() == 512);
      for (const auto& e : s) {
        CHECK(e.channel < 32);
        CHECK(e.seq_len <= 2048);
      }
    }
}

TEST_CASE("length table: histogram syntax and errors") {
  auto err = [](const std::string& text) -> std::string {
    try {
      std::istringstream in(text);
      wl::LengthTable::parse_histogram(in, "h.tsv");
    } catch (const std::invalid_argument& e) {
      return e.what();
    }
    return "(no error)";
  };
  std::istringstream in("input_toks\toutput_toks\tcount\n3\t4\t2\n0\t5\t7\n5 6 1\n9\t0\t3\n");
  const auto t = wl::LengthTable::parse_histogram(in, "h.tsv");
  CHECK(t.rows() == 3);            // (3,4) x2 + (5,6) x1
  CHECK(t.excluded_rows() == 10);  // (0,5) x7 + (9,0) x3
  CHECK(t.row(0).input_tokens == 3);
  CHECK(t.row(1).input_tokens == 3);
  CHECK(t.row(2).input_tokens == 5);
  CHECK(t.sorted_outputs() == std::vector<std::uint64_t>{4, 4, 6});
  CHECK(err("1\t2\t3\n").find("h.tsv:1: expected the header") == 0);
  CHECK(err("input_toks\toutput_toks\tcount\n1\t2\t0\n") == "h.tsv:2: column 'count' is '0', expected an integer >= 1");
  CHECK(err("input_toks\toutput_toks\tcount\n1\t2\t1\n1\t2\t5\n") == "h.tsv:3: pair (1, 2) appears twice");
  CHECK(err("input_toks\toutput_toks\tcount\n0\t2\t1\n") == "h.tsv:2: no row with input and output tokens >= 1");
  CHECK_THROWS_WITH(wl::LengthTable::builtin("sharegtp"), "unknown length table 'sharegtp' (allowed: sharegpt, alpaca)");
}
