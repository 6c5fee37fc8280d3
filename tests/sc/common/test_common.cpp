// Shared TLM infrastructure: logging, config parameters, stats walker, the
// sc_main helper and SIGINT handling. Each TEST_CASE runs in its own process.
#include <catch2/catch.hpp>

#include <csignal>
#include <fstream>
#include <iterator>
#include <string>

#include <nlohmann/json.hpp>
#include <systemc>

#include "tlm/common/config.h"
#include "tlm/common/log.h"
#include "tlm/common/session.h"
#include "tlm/common/stats.h"

using namespace pimlab::tlm_common;

namespace {

struct Counter : sc_core::sc_module, stats_provider {
  SC_HAS_PROCESS(Counter);
  Param<std::uint64_t> p_period_ns;
  Param<double> p_scale;
  std::uint64_t s_ticks = 0;
  std::uint64_t stop_after = 0;
  bool raise_sigint = false;
  std::uint64_t second_sigint_at = 0;  // tick of a second SIGINT (0: none)

  explicit Counter(const sc_core::sc_module_name& n)
      : sc_module(n),
        p_period_ns(*this, "period_ns", 10, "ns", "tick period", 1, 1000),
        p_scale(*this, "scale", 1.5, "1", "scale of the derived stat", 0.0, 10.0) {
    SC_THREAD(run);
  }
  void run() {
    for (;;) {
      wait(sc_core::sc_time(static_cast<double>(p_period_ns.get()), sc_core::SC_NS));
      ++s_ticks;
      if (raise_sigint && s_ticks == 5) std::raise(SIGINT);
      if (second_sigint_at && s_ticks == second_sigint_at) std::raise(SIGINT);
      if (stop_after && s_ticks == stop_after) return;
    }
  }
  void collect_stats(StatsSink& s) const override {
    s.add("ticks", s_ticks, "ticks", "periods elapsed");
    // Derived at dump time from the raw counter.
    s.add("scaled_ticks", static_cast<double>(s_ticks) * p_scale.get(), "1", "ticks x scale");
  }
};

nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path);
  REQUIRE(in.good());
  nlohmann::json j;
  in >> j;
  return j;
}

}  // namespace

TEST_CASE("log macros: type is the hierarchical name and a filtered message does not evaluate its operands") {
  sc_core::sc_report_handler::set_actions(sc_core::SC_INFO, sc_core::SC_CACHE_REPORT);
  sc_core::sc_report_handler::set_verbosity_level(sc_core::SC_MEDIUM);
  int evaluated = 0;
  auto count = [&]() { return ++evaluated; };
  PIMLAB_DEBUG("top.unit") << "hidden " << count();
  CHECK(evaluated == 0);
  PIMLAB_INFO("top.unit") << "shown " << count();
  CHECK(evaluated == 1);
  const sc_core::sc_report* r = sc_core::sc_report_handler::get_cached_report();
  REQUIRE(r != nullptr);
  CHECK(std::string(r->get_msg_type()) == "top.unit");
  CHECK(std::string(r->get_msg()) == "shown 1");
  CHECK(sc_core::sc_report_handler::get_count("top.unit") == 1);
}

TEST_CASE("config: nested and flat keys, wrong type, effective and described config") {
  auto& cfg = Config::instance();
  cfg.load({{"top", {{"c", {{"period_ns", 20}}}}}, {"top.c.scale", 2.0}});
  Counter c("top");  // hierarchical name "top"; keys are top.period_ns, top.scale
  // The preset was for top.c.*: unknown keys.
  CHECK(c.p_period_ns.get() == 10);
  CHECK(cfg.unconsumed() == std::vector<std::string>{"top.c.period_ns", "top.c.scale"});
  const auto eff = cfg.effective();
  CHECK(eff["top.period_ns"] == 10);
  const auto desc = cfg.describe();
  CHECK(desc["top.period_ns"]["unit"] == "ns");
  CHECK(desc["top.period_ns"]["allowed"] == "integer in [1, 1000]");
  CHECK(desc["top.scale"]["default"] == 1.5);
}

TEST_CASE("config: a value of the wrong type names key, value and what is allowed") {
  Config::instance().load({{"top.period_ns", "fast"}});
  try {
    Counter c("top");
    FAIL("no error");
  } catch (const ConfigError& e) {
    CHECK(std::string(e.what()) == "config key 'top.period_ns': value \"fast\" is not allowed; allowed: integer in [1, 1000]");
  }
}

TEST_CASE("run_sc_main: a clean run returns 0 and writes {meta, config, stats}") {
  char arg0[] = "t";
  char* argv[] = {arg0, nullptr};
  const int errors = run_sc_main(1, argv, [](int, char**) {
    Config::instance().load({{"top.period_ns", 20}});
    auto c = std::make_unique<Counter>("top");
    c->stop_after = 3;
    Session::instance().set_stats_path("common_clean.json");
    return c;
  });
  CHECK(errors == 0);
  const auto doc = read_json("common_clean.json");
  CHECK(doc["meta"]["partial"] == false);
  CHECK(doc["meta"]["sim_time_ps"] == 60000);  // 3 ticks of 20 ns; time stops at the last event
  CHECK(doc["config"]["top.period_ns"] == 20);
  CHECK(doc["stats"]["top"]["ticks"]["value"] == 3);
  CHECK(doc["stats"]["top"]["scaled_ticks"]["value"] == 4.5);
  CHECK(doc["stats"]["top"]["ticks"]["unit"] == "ticks");
}

TEST_CASE("run_sc_main: an SC_ERROR report and an exception are counted") {
  char arg0[] = "t";
  char* argv[] = {arg0, nullptr};
  sc_core::sc_report_handler::set_actions(sc_core::SC_ERROR, sc_core::SC_DISPLAY);
  const int errors = run_sc_main(
      1, argv, [](int, char**) { return std::make_unique<Counter>("top"); },
      []() -> int {
        PIMLAB_ERROR("top.x") << "first";  // thrown by the SC_ERROR action, caught and counted once
        return 0;
      });
  CHECK(errors == 1);
  const int errors2 = run_sc_main(
      1, argv, [](int, char**) -> std::unique_ptr<sc_core::sc_module> { throw std::runtime_error("bad model"); });
  CHECK(errors2 == 1);  // only this run's errors: the exception
}

TEST_CASE("SIGINT stops the run at the next slice and writes partial stats") {
  char arg0[] = "t";
  char* argv[] = {arg0, nullptr};
  const int errors = run_sc_main(
      1, argv,
      [](int, char**) {
        auto c = std::make_unique<Counter>("top");
        c->raise_sigint = true;  // raised inside the simulation at tick 5 (50 ns)
        Session::instance().set_stats_path("common_sigint.json");
        Session::instance().set_poll_interval(sc_core::sc_time(100, sc_core::SC_NS));
        return c;
      },
      []() {
        Session::instance().run(sc_core::sc_time(1, sc_core::SC_MS));
        return 0;
      });
  CHECK(errors == 1);  // the interrupted run
  const auto doc = read_json("common_sigint.json");
  CHECK(doc["meta"]["partial"] == true);
  CHECK(doc["meta"]["end_reason"] == "SIGINT");
  // Stopped after the first 100 ns slice: ticks at 10..90 ns ran; the one at
  // exactly 100 ns is left for the next sc_start (STYLE.md fact 8).
  CHECK(doc["stats"]["top"]["ticks"]["value"] == 9);
}

TEST_CASE("a second SIGINT still closes the trace files and writes partial stats") {
  // The second SIGINT exited from the signal handler: the process ended with
  // status 130 here, the VCD without its buffered tail.
  char arg0[] = "t";
  char* argv[] = {arg0, nullptr};
  const int errors = run_sc_main(
      1, argv,
      [](int, char**) {
        auto c = std::make_unique<Counter>("top");
        c->raise_sigint = true;     // tick 5 (50 ns)
        c->second_sigint_at = 6;    // tick 6 (60 ns), before the slice ends at 100 ns
        sc_core::sc_trace_file* tf = sc_core::sc_create_vcd_trace_file("common_sigint2");
        tf->set_time_unit(1, sc_core::SC_PS);
        sc_core::sc_trace(tf, c->s_ticks, "top.ticks");
        Session::instance().add_trace_file(tf);
        Session::instance().set_stats_path("common_sigint2.json");
        Session::instance().set_poll_interval(sc_core::sc_time(100, sc_core::SC_NS));
        return c;
      },
      []() {
        Session::instance().run(sc_core::sc_time(1, sc_core::SC_MS));
        return 0;
      });
  CHECK(errors == 1);
  const auto doc = read_json("common_sigint2.json");
  CHECK(doc["meta"]["end_reason"] == "SIGINT");
  CHECK(doc["stats"]["top"]["ticks"]["value"] == 9);  // the same slice as with one SIGINT
  std::ifstream in("common_sigint2.vcd");
  REQUIRE(in.good());
  const std::string vcd((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(vcd.find("$enddefinitions") != std::string::npos);
  // Tick 9 at 90 ns = 90000 ps is the last change, and the file ends after a whole line.
  CHECK(vcd.find("#90000\n") != std::string::npos);
  REQUIRE(!vcd.empty());
  CHECK(vcd.back() == '\n');
}
