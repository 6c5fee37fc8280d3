// bench_hbm: speed of the HBM channel shell (wall-clock rates) and the
// simulated bandwidth it reports, for three patterns:
//   random 32 B reads (one b_transport per atom, temporally decoupled with a
//   1 us quantum), sequential 64 KB write bursts (one b_transport each), and
//   strided 64 B x 128 reads (one b_transport each); with and without the
//   independent rule checker; with the immediate (default) or the queued
//   front end (docs/tlm.md, "Front ends"). Prints one table.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <random>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/tlm_quantumkeeper.h>

#include "tlm/common/config.h"
#include "tlm/common/stats.h"
#include "tlm/hbm/channel.h"
#include "tlm/hbm/extensions.h"
#include "firmware/pimba/lowering.h"

using namespace pimlab;

namespace {

enum class Pattern { random32, burst64k, strided, pim_su };

struct Driver : sc_core::sc_module {
  SC_HAS_PROCESS(Driver);
  tlm_utils::simple_initiator_socket<Driver> socket;
  Pattern pattern;
  std::uint64_t n;
  std::uint64_t capacity;
  std::uint64_t calls = 0, bytes = 0;
  tlm_hbm::PimKernel* kernel = nullptr;  // pim_su
  Driver(const sc_core::sc_module_name& nm, Pattern p, std::uint64_t count, std::uint64_t cap)
      : sc_module(nm), socket("socket"), pattern(p), n(count), capacity(cap) {
    SC_THREAD(run);
  }
  void run() {
    tlm_utils::tlm_quantumkeeper qk;
    tlm_utils::tlm_quantumkeeper::set_global_quantum(sc_core::sc_time(1, sc_core::SC_US));
    qk.reset();
    std::mt19937_64 rng(42);
    std::vector<std::uint8_t> buf(64 * 1024);
    tlm_hbm::StrideExtension stride(64, 4096);
    tlm::tlm_generic_payload gp;
    if (pattern == Pattern::pim_su) {
      std::vector<std::uint8_t> res(kernel->result_bytes());
      for (std::uint64_t i = 0; i < n; ++i) {
        gp.set_command(tlm::TLM_READ_COMMAND);
        gp.set_address(0);
        gp.set_data_ptr(res.data());
        gp.set_data_length(static_cast<unsigned>(res.size()));
        gp.set_streaming_width(static_cast<unsigned>(res.size()));
        gp.set_byte_enable_ptr(nullptr);
        gp.set_extension(&kernel->ext);
        sc_core::sc_time d = qk.get_local_time();
        socket->b_transport(gp, d);
        gp.clear_extension(&kernel->ext);
        if (gp.get_response_status() != tlm::TLM_OK_RESPONSE) SC_REPORT_FATAL("bench", kernel->ext.error.c_str());
        qk.set(d);
        if (qk.need_sync()) qk.sync();
        ++calls;
      }
      qk.sync();
      return;
    }
    for (std::uint64_t i = 0; i < n; ++i) {
      unsigned len = 32;
      std::uint64_t addr = 0;
      tlm::tlm_command cmd = tlm::TLM_READ_COMMAND;
      if (pattern == Pattern::random32) {
        addr = (rng() % (capacity / 32)) * 32;
      } else if (pattern == Pattern::burst64k) {
        len = 64 * 1024;
        addr = (i * len) % capacity;
        cmd = tlm::TLM_WRITE_COMMAND;
      } else {
        len = 64 * 128;
        addr = (i * 4096 * 128) % (capacity - 4096 * 128);
      }
      gp.set_command(cmd);
      gp.set_address(addr);
      gp.set_data_ptr(buf.data());
      gp.set_data_length(len);
      gp.set_streaming_width(len);
      gp.set_byte_enable_ptr(nullptr);
      gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
      if (pattern == Pattern::strided) gp.set_extension(&stride);
      sc_core::sc_time d = qk.get_local_time();
      socket->b_transport(gp, d);
      if (pattern == Pattern::strided) gp.clear_extension(&stride);
      if (gp.get_response_status() != tlm::TLM_OK_RESPONSE) SC_REPORT_FATAL("bench", "transaction failed");
      qk.set(d);
      if (qk.need_sync()) qk.sync();
      ++calls;
      bytes += len;
    }
    qk.sync();
  }
};

struct Top : sc_core::sc_module {
  tlm_hbm::HbmChannel ch0;
  Driver drv;
  Top(const sc_core::sc_module_name& nm, Pattern p, std::uint64_t n)
      : sc_module(nm), ch0("ch0"), drv("drv", p, n, ch0.capacity_bytes()) {
    drv.socket.bind(ch0.socket);
  }
};

}  // namespace

int sc_main(int argc, char** argv) {
  // One design per process: argv selects the pattern and the checker.
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s random32|burst64k|strided|pim_su COUNT check(0|1) [mapping [immediate|queued]]\n",
                 argv[0]);
    return 2;
  }
  const std::string name = argv[1];
  const Pattern p = name == "random32"   ? Pattern::random32
                    : name == "burst64k" ? Pattern::burst64k
                    : name == "pim_su"   ? Pattern::pim_su
                                         : Pattern::strided;
  const std::uint64_t n = std::strtoull(argv[2], nullptr, 10);
  const bool check = std::strcmp(argv[3], "1") == 0;
  sc_core::sc_report_handler::set_actions(sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
  tlm_common::Config::instance().load({{"top.ch0.check", check}});
  const std::string mapping = argc > 4 ? argv[4] : "ro_ba_bg_pc_ch_co";
  tlm_common::Config::instance().load({{"top.ch0.mapping", mapping}});
  const std::string frontend = argc > 5 ? argv[5] : "immediate";
  tlm_common::Config::instance().load({{"top.ch0.frontend", frontend}});
  Top top("top", p, n);
  // pim_su: a generated SU kernel (2 state matrices of 128 x 256, MX8) on zero
  // state with random operands, sent n times.
  tlm_hbm::PimKernel kernel;
  if (p == Pattern::pim_su) {
    firmware::pimba::KernelSpec spec;
    spec.num_op = 2;
    spec.rows = 128;
    spec.cols = 256;
    const auto prog = firmware::pimba::generate(spec);
    std::mt19937 rng(7);
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    kernel = firmware::pimba::lower_kernel(prog, 0, 0, [&](const auto&, const auto&, pim_unit::Slot) {
      float v[32];
      for (float& x : v) x = u(rng);
      numerics::Mx8Block b[2] = {numerics::mx8_encode(v, numerics::Rounding::nearest), numerics::mx8_encode(v + 16, numerics::Rounding::nearest)};
      firmware::pimba::Atom32 a;
      std::memcpy(a.data(), b[0].bytes.data(), 16);
      std::memcpy(a.data() + 16, b[1].bytes.data(), 16);
      return a;
    });
    top.drv.kernel = &kernel;
  }
  const auto t0 = std::chrono::steady_clock::now();
  sc_core::sc_start();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const auto s = tlm_common::collect_stats()["top.ch0"];
  if (p == Pattern::pim_su) {
    const double ops = static_cast<double>(s["pim_unit_commands"]["value"].get<std::uint64_t>());
    std::printf("| %-17s | %-9s | %-7s | %9llu | %12.0f | %12.0f | cycles/kernel %llu, unit cmds/kernel %llu |\n",
                "pim path", name.c_str(), check ? "on" : "off", static_cast<unsigned long long>(top.drv.calls),
                static_cast<double>(top.drv.calls) / wall, ops / wall,
                static_cast<unsigned long long>(kernel.ext.kernel_cycles),
                static_cast<unsigned long long>(kernel.ext.program.ops.size()));
    return 0;
  }
  const double atoms = static_cast<double>(s["atoms_read"]["value"].get<std::uint64_t>() +
                                           s["atoms_written"]["value"].get<std::uint64_t>());
  const std::string label = frontend == "queued" ? mapping + " q" : mapping;
  std::printf("| %-19s | %-9s | %-7s | %9llu | %12.0f | %12.0f | %10.2f | %8.3f |\n", label.c_str(), name.c_str(), check ? "on" : "off",
              static_cast<unsigned long long>(top.drv.calls), static_cast<double>(top.drv.calls) / wall, atoms / wall,
              s["bandwidth_GBps"]["value"].get<double>(), s["row_hit_rate"]["value"].get<double>());
  return 0;
}
