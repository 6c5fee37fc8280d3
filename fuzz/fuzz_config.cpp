// The platform configuration of the TLM shells (tlm/common/config.h): a JSON
// file loaded with Config::load_file, then taken by parameters of every type
// as modules declare them, and checked for unconsumed keys.
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz_common.h"
#include "tlm/common/config.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace tc = pimlab::tlm_common;
  const std::string& path = pimlab::fuzz::input_file(data, size, ".json");
  tc::Config& cfg = tc::Config::instance();
  cfg.clear();
  pimlab::fuzz::accept_bad_input([&] {
    cfg.load_file(path);
    // Keys as the shells declare them (tests/cosim/units_config.json sets these).
    tc::Param<std::string> model(std::string("top.hbm.pu_model"), "behavioural", "unit model", std::vector<std::string>{"behavioural", "rtl"});
    tc::Param<std::string> pair(std::string("top.hbm.pch0.bank_group1.pair1.model"), "behavioural", "unit model");
    tc::Param<bool> flag(std::string("top.hbm.trace"), false, "trace the channel");
    tc::Param<int> n(std::string("top.hbm.channels"), 1, "", "channels", 1, 64);
    tc::Param<std::uint64_t> cap(std::string("top.hbm.ch0.capacity_bytes"), 1ull << 30, "bytes", "capacity", 1024, 1ull << 40);
    tc::Param<std::int64_t> off(std::string("top.host.offset"), 0, "cycles", "offset");
    tc::Param<double> ghz(std::string("top.host.clock_ghz"), 1.0, "GHz", "clock", 0.1, 10.0);
    (void)cfg.effective();
    (void)cfg.describe();
    cfg.check_consumed();
  });
  cfg.clear();
  return 0;
}

// libsystemc refers to sc_main; the harness never starts a simulation.
int sc_main(int, char*[]) { return 0; }
