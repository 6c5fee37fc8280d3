// bench_noc: transactions per second through the router (wall clock).
//
// Two initiators, four byte-array memories behind a router (default links:
// 32 B x 2 GHz, latency 1). Each initiator issues N 64-byte reads and writes
// (alternating) to seeded random 64-byte-aligned addresses, temporally
// decoupled with a 1 us quantum. For comparison a third initiator then runs
// the same pattern bound directly to one memory (no router). Prints one table
// with wall time, calls per second and the simulated bandwidth.
//
//   pimlab_bench_noc [N per initiator, default 1000000]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>
#include <tlm_utils/tlm_quantumkeeper.h>

#include "tlm/common/config.h"
#include "tlm/noc/router.h"

namespace {

constexpr std::uint64_t kMemBytes = 64 << 10;  // small: measure the calls, not cache misses

struct Mem : sc_core::sc_module {
  tlm_utils::simple_target_socket<Mem> socket;
  std::vector<std::uint8_t> mem;
  const sc_core::sc_time latency{10, sc_core::SC_NS};
  explicit Mem(const sc_core::sc_module_name& n) : sc_module(n), socket("socket"), mem(kMemBytes) {
    socket.register_b_transport(this, &Mem::b_transport);
  }
  void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
    const std::uint64_t a = gp.get_address();
    const unsigned len = gp.get_data_length();
    if (a >= mem.size() || len > mem.size() - a) {
      gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
      return;
    }
    if (gp.is_write())
      std::memcpy(&mem[a], gp.get_data_ptr(), len);
    else
      std::memcpy(gp.get_data_ptr(), &mem[a], len);
    delay += latency;
    gp.set_response_status(tlm::TLM_OK_RESPONSE);
  }
};

struct Driver : sc_core::sc_module {
  SC_HAS_PROCESS(Driver);
  tlm_utils::simple_initiator_socket<Driver> socket;
  std::uint64_t n, span, seed;
  sc_core::sc_event* start = nullptr;  // wait for it first (nullptr: start at once)
  sc_core::sc_event done;
  double wall_s = 0;
  sc_core::sc_time sim_start, sim_end;
  Driver(const sc_core::sc_module_name& nm, std::uint64_t count, std::uint64_t addr_span, std::uint64_t s)
      : sc_module(nm), socket("socket"), n(count), span(addr_span), seed(s) {
    SC_THREAD(run);
  }
  void run() {
    if (start) wait(*start);
    tlm_utils::tlm_quantumkeeper qk;
    tlm_utils::tlm_quantumkeeper::set_global_quantum(sc_core::sc_time(1, sc_core::SC_US));
    qk.reset();
    std::mt19937_64 rng(seed);
    std::uint8_t buf[64] = {};
    tlm::tlm_generic_payload gp;
    gp.set_data_ptr(buf);
    gp.set_data_length(64);
    gp.set_streaming_width(64);
    sim_start = sc_core::sc_time_stamp();
    const auto t0 = std::chrono::steady_clock::now();
    for (std::uint64_t i = 0; i < n; ++i) {
      gp.set_command(i & 1 ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
      gp.set_address((rng() % (span / 64)) * 64);
      gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
      sc_core::sc_time d = qk.get_local_time();
      socket->b_transport(gp, d);
      if (gp.get_response_status() != tlm::TLM_OK_RESPONSE) SC_REPORT_FATAL("bench_noc", "transaction failed");
      qk.set(d);
      if (qk.need_sync()) qk.sync();
    }
    qk.sync();
    wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    sim_end = sc_core::sc_time_stamp();
    done.notify(sc_core::SC_ZERO_TIME);
  }
};

struct Bench : sc_core::sc_module {
  std::unique_ptr<pimlab::tlm_noc::Router> noc;
  std::vector<std::unique_ptr<Driver>> cpu;
  std::vector<std::unique_ptr<Mem>> mem;
  std::unique_ptr<Driver> direct;
  std::unique_ptr<Mem> direct_mem;
  sc_core::sc_event both_done;
  Bench(const sc_core::sc_module_name& nm, std::uint64_t n) : sc_module(nm) {
    noc = std::make_unique<pimlab::tlm_noc::Router>("noc", 2, 4);
    for (int k = 0; k < 2; ++k) {
      cpu.push_back(std::make_unique<Driver>(("cpu" + std::to_string(k)).c_str(), n, 4 * kMemBytes, 42 + k));
      cpu[k]->socket.bind(noc->target_socket);
    }
    for (int p = 0; p < 4; ++p) {
      mem.push_back(std::make_unique<Mem>(("mem" + std::to_string(p)).c_str()));
      noc->initiator_socket.bind(mem[p]->socket);
    }
    direct = std::make_unique<Driver>("direct", 2 * n, kMemBytes, 7);
    direct_mem = std::make_unique<Mem>("direct_mem");
    direct->socket.bind(direct_mem->socket);
    direct->start = &cpu[1]->done;  // cpu1 finishes last (same count, same pattern)
  }
};

}  // namespace

int sc_main(int argc, char** argv) {
  const std::uint64_t n = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1000000;
  nlohmann::json map = nlohmann::json::array();
  for (int p = 0; p < 4; ++p) map.push_back({{"base", p * kMemBytes}, {"size", kMemBytes}, {"port", p}});
  pimlab::tlm_common::Config::instance().load({{"bench.noc.address_map", map}});
  Bench b("bench", n);
  pimlab::tlm_common::Config::instance().check_consumed();
  const auto t0 = std::chrono::steady_clock::now();
  sc_core::sc_start();
  const double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  // The two router initiators run interleaved (quantum by quantum): their rate is
  // both initiators' calls over the wall time until the later one finished.
  const double wall_router = std::max(b.cpu[0]->wall_s, b.cpu[1]->wall_s);
  const double sim_router = (std::max(b.cpu[0]->sim_end, b.cpu[1]->sim_end)).to_seconds();
  const double bytes = 2.0 * n * 64;
  std::printf("bench_noc: 64-byte reads/writes, random addresses, 1 us quantum, %llu calls per path\n",
              static_cast<unsigned long long>(2 * n));
  std::printf("| path                                 |     calls | wall s  |   calls/s wall | simulated GB/s |\n");
  std::printf("|--------------------------------------|-----------|---------|----------------|----------------|\n");
  std::printf("| 2 initiators -> router -> 4 memories | %9llu | %7.3f | %14.0f | %14.2f |\n",
              static_cast<unsigned long long>(2 * n), wall_router, 2.0 * n / wall_router, bytes / sim_router * 1e-9);
  const double sim_direct = (b.direct->sim_end - b.direct->sim_start).to_seconds();
  std::printf("| 1 initiator -> memory (no router)    | %9llu | %7.3f | %14.0f | %14.2f |\n",
              static_cast<unsigned long long>(2 * n), b.direct->wall_s, 2.0 * n / b.direct->wall_s,
              bytes / sim_direct * 1e-9);
  std::printf("total wall time %.3f s\n", total);
  return 0;
}
