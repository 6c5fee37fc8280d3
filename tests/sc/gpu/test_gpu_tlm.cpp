// The GPU roofline host as a TLM initiator (tlm_gpu::Gpu): each kernel's HBM
// traffic moves as real transactions in its tiling's order, the bytes are the
// roofline's, and a kernel whose channel runs a PIM kernel ends later. Each
// TEST_CASE runs in its own process.
#include <catch2/catch.hpp>

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "gpu/host.h"
#include "gpu/roofline.h"
#include "noc_harness.h"
#include "open_close_kernel.h"
#include "tlm/common/config.h"
#include "tlm/common/stats.h"
#include "tlm/gpu/gpu.h"
#include "tlm/hbm/channel.h"
#include "tlm/hbm/dram_timing.h"
#include "tlm/hbm/pim_path.h"

using namespace pimlab;
using test::ProtocolChecker;

namespace {

// gpu -> checker -> router -> checker -> memory (one port).
struct MemTop : sc_core::sc_module {
  tlm_gpu::Gpu gpu;
  ProtocolChecker chk_in, chk_out;
  tlm_noc::Router noc;
  test::Memory mem;
  MemTop(const sc_core::sc_module_name& n, const tlm_gpu::DmaConfig& dma)
      : sc_module(n),
        gpu("gpu", gpu::preset("a100"), dma),
        chk_in("chk_in"),
        chk_out("chk_out"),
        noc("noc", 1, 1),
        mem("mem", 0x100000, sc_core::SC_ZERO_TIME) {
    gpu.socket.bind(chk_in.target_socket);
    chk_in.initiator_socket.bind(noc.target_socket);
    noc.initiator_socket.bind(chk_out.target_socket);
    chk_out.initiator_socket.bind(mem.socket);
  }
  void check_protocol() const {
    for (const auto& v : chk_in.violations) FAIL(v);
    for (const auto& v : chk_out.violations) FAIL(v);
  }
};

void load_router(unsigned width_bytes, unsigned clock_mhz) {
  nlohmann::json j = nlohmann::json::parse(R"({"top.noc.address_map": [{"base": 0, "size": "0x100000", "port": 0}],
      "top.noc.latency_cycles": 0})");
  j["top.noc.width_bytes"] = width_bytes;
  j["top.noc.clock_mhz"] = clock_mhz;
  tlm_common::Config::instance().load(j);
}

}  // namespace

TEST_CASE("gpu tlm: an FC kernel moves the roofline's HBM bytes in L2-tile order and writes C in place") {
  load_router(64, 2000);
  MemTop top("top", {64, 0});
  gpu::Operator op;
  op.cls = gpu::OpClass::FC;
  op.name = "fc";
  op.m = 12;
  op.n = 80;
  op.k = 48;
  op.num_op = 2;
  const std::uint64_t c_bytes = 12 * 80 * 2 * 2;
  std::vector<std::uint8_t> c(c_bytes);
  std::mt19937 g(3);
  for (auto& b : c) b = static_cast<std::uint8_t>(g());
  const tlm_gpu::OperandPlacement place{0x0, 0x10000, 0x40000};
  tlm_gpu::KernelRun run;
  top.gpu.program = [&](tlm_gpu::Gpu& gp) {
    gp.set_output(c);
    run = gp.kernel(op, place);
  };
  sc_core::sc_start();
  top.check_protocol();
  const gpu::OpResult ref = gpu::time_operator(gpu::preset("a100"), op, 1);
  REQUIRE(ref.tiles);
  // Exactly the roofline's HBM traffic: traffic_bytes(op, tm2, tn2).
  CHECK(static_cast<double>(run.bytes_read + run.bytes_written) == ref.hbm_bytes);
  CHECK(run.bytes_written == c_bytes);
  CHECK(run.bytes_read == static_cast<std::uint64_t>(gpu::traffic_bytes(op, ref.tiles->tm2, ref.tiles->tn2)) - c_bytes);
  // C landed row-major at its base, both instances.
  CHECK(std::equal(c.begin(), c.end(), top.mem.mem.begin() + 0x40000));
  // The first accesses: instance 0's first A row block, then the B column block row by row.
  REQUIRE(top.mem.accesses.size() > 2);
  CHECK(top.mem.accesses[0].addr == 0x0);
  CHECK(!top.mem.accesses[0].write);
  // The kernel ends when both its compute term and its last request are done.
  CHECK(run.end_s == std::max(run.compute_end_s, run.memory_end_s));
  // No faster than the link: its response direction carries every byte read (64 B x 2 GHz).
  CHECK(run.memory_end_s - run.start_s >= static_cast<double>(run.bytes_read) / 128e9 - 1e-15);
  const auto s = tlm_common::collect_stats();
  CHECK(s.at("top.gpu").at("bytes_written").at("value") == c_bytes);
  CHECK(s.at("top.gpu").at("kernels").at("value") == 1);
}

TEST_CASE("gpu tlm: a compute-bound kernel on fast memory ends at its compute term") {
  load_router(4096, 100000);  // 409.6 TB/s: memory takes a few ns
  MemTop top("top", {4096, 0});
  gpu::Operator op;
  op.cls = gpu::OpClass::FC;
  op.name = "square";
  op.m = op.n = op.k = 256;
  tlm_gpu::KernelRun run;
  top.gpu.program = [&](tlm_gpu::Gpu& gp) { run = gp.kernel(op, {0x0, 0x20000, 0x40000}); };
  sc_core::sc_start();
  top.check_protocol();
  REQUIRE(run.roofline.compute_s > run.memory_end_s - run.start_s);
  CHECK(run.end_s == run.compute_end_s);
  CHECK(run.compute_end_s == Approx(run.start_s + run.roofline.compute_s).margin(1e-12));  // rounded up to 1 ps
  CHECK(sc_core::sc_time_stamp().to_seconds() == Approx(run.end_s).epsilon(1e-12));
}

TEST_CASE("gpu tlm: an element-wise kernel reads its input passes - 1 times and writes the output once") {
  load_router(64, 2000);
  MemTop top("top", {256, 4});
  gpu::Operator op;
  op.cls = gpu::OpClass::NORM;  // 3 tensor passes
  op.name = "norm";
  op.m = 4;
  op.n = 1000;
  tlm_gpu::KernelRun run;
  top.gpu.program = [&](tlm_gpu::Gpu& gp) { run = gp.kernel(op, {0x0, 0, 0x10000}); };
  sc_core::sc_start();
  top.check_protocol();
  CHECK(run.bytes_read == 2 * 4 * 1000 * 2);
  CHECK(run.bytes_written == 4 * 1000 * 2);
  CHECK(static_cast<double>(run.bytes_read + run.bytes_written) == run.roofline.hbm_bytes);
  // 8000-byte passes in requests of at most 256 B at 256-byte boundaries: 32 per pass (0x0 and 0x10000 aligned).
  CHECK(run.read_requests == 2 * 32);
  CHECK(run.write_requests == 32);
}

TEST_CASE("gpu tlm: an all-reduce moves no HBM bytes and lasts the roofline's link time") {
  static std::unique_ptr<tlm_gpu::Gpu> g;
  g = std::make_unique<tlm_gpu::Gpu>("g", gpu::preset("h100"), tlm_gpu::DmaConfig{}, 4);
  test::Memory mem("mem", 16, sc_core::SC_ZERO_TIME);
  g->socket.bind(mem.socket);
  gpu::Operator op;
  op.cls = gpu::OpClass::G2G;
  op.name = "allreduce";
  op.m = 256;
  op.n = 4096;
  tlm_gpu::KernelRun run;
  g->program = [&](tlm_gpu::Gpu& gp) { run = gp.kernel(op, {}); };
  sc_core::sc_start();
  CHECK(run.bytes_read + run.bytes_written == 0);
  CHECK(mem.accesses.empty());
  CHECK(run.end_s == Approx(gpu::time_operator(gpu::preset("h100"), op, 4).time_s).epsilon(1e-9));
}

TEST_CASE("gpu tlm: a request outside the address map is an error naming the address") {
  load_router(64, 2000);
  MemTop top("top", {256, 0});
  gpu::Operator op;
  op.cls = gpu::OpClass::ACT;
  op.name = "act";
  op.m = 1;
  op.n = 64;
  std::string err;
  top.gpu.program = [&](tlm_gpu::Gpu& gp) {
    try {
      gp.kernel(op, {0x200000, 0, 0});
    } catch (const std::runtime_error& e) {
      err = e.what();
    }
  };
  sc_core::sc_start();
  CHECK(err == "gpu dma: read of 128 bytes at 0x200000 answered TLM_ADDRESS_ERROR_RESPONSE");
}

namespace {

// Two copies of one system: GPU + firmware initiator -> router -> HBM channel;
// in `shared` the firmware sends a PIM kernel at time 0, in `alone` it does not.
struct Side : sc_core::sc_module {
  tlm_gpu::Gpu gpu;
  test::Initiator fw;
  tlm_noc::Router noc;
  tlm_hbm::HbmChannel ch;
  Side(const sc_core::sc_module_name& n)
      : sc_module(n), gpu("gpu", gpu::preset("a100"), {256, 0}), fw("fw"), noc("noc", 2, 1), ch("ch") {
    gpu.socket.bind(noc.target_socket);
    fw.socket.bind(noc.target_socket);
    noc.initiator_socket.bind(ch.socket);
  }
};

}  // namespace

TEST_CASE("gpu tlm: the GPU's reads of a bank a PIM kernel is using wait for the kernel (taking turns)") {
  nlohmann::json j;
  for (const char* s : {"shared", "alone"}) {
    j[std::string(s) + ".noc.address_map"] = nlohmann::json::parse(R"([{"base": 0, "size": "0x40000000", "port": 0}])");
    j[std::string(s) + ".noc.width_bytes"] = 64;
    j[std::string(s) + ".noc.clock_mhz"] = 2000;
    j[std::string(s) + ".noc.latency_cycles"] = 0;
  }
  tlm_common::Config::instance().load(j);
  Side shared("shared"), alone("alone");
  gpu::Operator op;
  op.cls = gpu::OpClass::ACT;
  op.name = "act";
  op.m = 1;
  op.n = 16;  // 32 B in, 32 B out: one atom each
  // Input in row 9 of pch0 bank group 0 bank 0: the bank the kernel activates.
  const std::uint64_t a = shared.ch.timing().row_address(0, 0, 0, 9);
  const std::uint64_t c = shared.ch.timing().row_address(1, 3, 3, 9);
  tlm_hbm::PimExtension ext = test::open_close_kernel();
  sc_core::sc_time d_kernel;
  shared.fw.body = [&](test::Initiator& i) {
    tlm::tlm_generic_payload gp;  // a PIM kernel: a read of its (0) result bytes carrying the program
    gp.set_command(tlm::TLM_READ_COMMAND);
    gp.set_address(0);
    gp.set_data_ptr(nullptr);
    gp.set_data_length(0);
    gp.set_streaming_width(0);
    gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    gp.set_extension(&ext);
    i.socket->b_transport(gp, d_kernel);
    gp.clear_extension(&ext);
    CHECK(gp.get_response_status() == tlm::TLM_OK_RESPONSE);
  };
  tlm_gpu::KernelRun with_pim, without;
  // The GPU starts 1 ns in (after the firmware's kernel reached the channel).
  shared.gpu.program = [&](tlm_gpu::Gpu& gp) {
    sc_core::wait(1, sc_core::SC_NS);
    with_pim = gp.kernel(op, {a, 0, c});
  };
  alone.gpu.program = [&](tlm_gpu::Gpu& gp) {
    sc_core::wait(1, sc_core::SC_NS);
    without = gp.kernel(op, {a, 0, c});
  };
  sc_core::sc_start();
  const double kernel_end = d_kernel.to_seconds();
  REQUIRE(kernel_end > 30e-9);  // the kernel holds the channel for its 37 cycles
  // Alone the read is an unloaded row miss; shared it waits for the kernel and
  // then misses again (the kernel left every bank closed).
  CHECK(without.memory_end_s < kernel_end);
  CHECK(with_pim.memory_end_s >= kernel_end + (without.memory_end_s - without.start_s) - 1e-9 - 1e-12);
  CHECK(with_pim.end_s > without.end_s);
  // Hand-derived (hbm2-pimba, tCK 1 ns): alone, the read's ACT issues in cycle
  // 2 (start 1 ns + the router); shared, the kernel's PRECHARGE issues in its
  // cycle 36 (2 + nRAS 34) and closes bank 0, so the ACT waits for 36 + nRP 14 =
  // 50; everything after the ACT (nRCDRD, nCL, nBL, the router) is the same:
  // the read completes 50 - 2 = 48 ns later. The write of C (pseudo-channel 1)
  // completes earlier in both.
  CHECK(with_pim.memory_end_s - without.memory_end_s == Approx(48e-9).margin(1e-12));
  CHECK(dynamic_cast<tlm_hbm::DramTiming&>(shared.ch.timing()).checker_violations() == 0);
}
