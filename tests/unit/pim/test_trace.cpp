// The PIM trace text format: round trip and error reporting.
#include <catch2/catch.hpp>

#include <sstream>

#include "pim/trace.h"

using pimlab::pim::CmdKind;
using pimlab::pim::TraceLimits;

TEST_CASE("trace lines round-trip") {
  const std::string text =
      "refresh_barrier 0 1 1 64 1 64\nact4_with_reg_16 0 1\nact4 3 0\nreg_write 3 0\ncomp 0 0\n"
      "precharge_with_result_8 0 0\nprecharge 1 1\nresult 1 1\n";
  std::istringstream is(text);
  const auto cmds = pimlab::pim::read_trace(is, "t.txt", TraceLimits{});
  REQUIRE(cmds.size() == 8);
  CHECK(cmds[0].kind == CmdKind::RefreshBarrier);
  CHECK(cmds[0].barrier().regs == 64);
  CHECK(cmds[0].barrier().comps == 64);
  CHECK(cmds[1].kind == CmdKind::Act4WithReg);
  CHECK(cmds[1].arg == 16);
  CHECK(cmds[5].arg == 8);
  std::ostringstream os;
  for (const auto& c : cmds) pimlab::pim::write_trace_line(os, c);
  CHECK(os.str() == text);
}

TEST_CASE("malformed trace lines name file, line and the problem") {
  auto err = [](const std::string& text, TraceLimits lim = {}) {
    std::istringstream is(text);
    try {
      pimlab::pim::read_trace(is, "k.trace", lim);
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK(err("comp 0 0\n\n# note\nfrobnicate 0 0\n").rfind("k.trace:4: unknown command 'frobnicate'", 0) == 0);
  CHECK(err("comp 0 2\n") == "k.trace:1: pseudo-channel 2 out of range [0, 1]");
  TraceLimits one;
  one.channels = 1;
  CHECK(err("comp 1 0\n", one) == "k.trace:1: channel 1 out of range [0, 0]");
  CHECK(err("comp 0\n") == "k.trace:1: 'comp' needs 2 fields after the name, got 1");
  CHECK(err("refresh_barrier 0 0 1 64 1\n") == "k.trace:1: 'refresh_barrier' needs 6 fields after the name, got 5");
  CHECK(err("act4_with_reg_x 0 0\n").find("k.trace:1: register-write count") == 0);
  CHECK(err("comp a 0\n") == "k.trace:1: channel 'a' is not an integer");
  TraceLimits ref;
  ref.reference_names_only = true;
  CHECK(err("act4_with_reg_7 0 0\n", ref).find("not a command of the reference simulator") != std::string::npos);
  CHECK(err("act4_with_reg_7 0 0\n") == "no error");
}
