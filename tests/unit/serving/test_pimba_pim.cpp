// Exact reuse of PIM kernels (serving/pimba_pim.h) against the plain run:
// the geometry key (kernels with equal block rows and columns lower to equal
// streams) and the stream key (equal channel streams issue at equal cycles).
#include <catch2/catch.hpp>

#include "dram/spec.h"
#include "firmware/pimba/generator.h"
#include "pim/engine.h"
#include "pim/variant.h"
#include "serving/pimba_pim.h"

#include <vector>

namespace fw = pimlab::firmware::pimba;
using pimlab::serving::PimbaPim;
using pimlab::serving::PimbaPimOptions;

namespace {

void same(const pimlab::serving::PimKernelResult& a, const pimlab::serving::PimKernelResult& b) {
  CHECK(a.cycles == b.cycles);
  CHECK(a.counters.num_act == b.counters.num_act);
  CHECK(a.counters.num_comp == b.counters.num_comp);
  CHECK(a.counters.num_rdwr == b.counters.num_rdwr);
  CHECK(a.counters.commands == b.counters.commands);
  CHECK(a.counters.refreshes == b.counters.refreshes);
  CHECK(a.time_s == b.time_s);
  CHECK(a.energy_j == b.energy_j);
}

// Commands of two equally long streams that differ in a field the channel
// engine reads (kind, pseudo-channel, bank group, argument, barrier fields).
std::size_t differing(const std::vector<pimlab::pim::Command>& a, const std::vector<pimlab::pim::Command>& b) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < a.size(); ++i)
    n += a[i].kind != b[i].kind || a[i].pch != b[i].pch || a[i].bank_group != b[i].bank_group || a[i].arg != b[i].arg ||
         a[i].comps != b[i].comps || a[i].sched != b[i].sched || a[i].v_count != b[i].v_count;
  return n;
}

}  // namespace

TEST_CASE("kernels whose lengths share the column blocks lower to the same channel streams", "[serving][pim]") {
  for (fw::Op op : {fw::Op::Score, fw::Op::Attend}) {
    fw::KernelSpec a;
    a.op = op;
    a.num_op = 96;
    a.rows = 128;
    a.channels = 4;
    fw::KernelSpec b = a;
    a.cols = 2049;  // ceil(2049/32) = ceil(2080/32) = 65 column blocks (FP16 and MX8 alike)
    b.cols = 2080;
    for (const char* v : {"pimba", "hbm-pim"}) {
      a.variant = b.variant = v;
      REQUIRE(fw::geometry(a).block_cols == fw::geometry(b).block_cols);
      const fw::Program pa = fw::generate(a), pb = fw::generate(b);
      REQUIRE(pa.channel_streams.size() == pb.channel_streams.size());
      for (std::size_t c = 0; c < pa.channel_streams.size(); ++c) {
        const auto &sa = pa.channel_streams[c], &sb = pb.channel_streams[c];
        REQUIRE(sa.size() == sb.size());
        CHECK(differing(sa, sb) == 0);
      }
    }
  }
}

TEST_CASE("exact reuse gives the plain run's cycles, counts, time and energy", "[serving][pim]") {
  PimbaPimOptions plain;
  plain.reuse = false;
  plain.channels = 8;
  PimbaPimOptions reuse = plain;
  reuse.reuse = true;
  for (const char* v : {"pimba", "hbm-pim", "time-multiplexed"}) {
    plain.variant = reuse.variant = v;
    PimbaPim p(plain), r(reuse);
    // SU with a remainder of rounds (some channels get one more), attention
    // at lengths of one column-block group and of another.
    same(p.run(fw::Op::SU, 83, 128, 64), r.run(fw::Op::SU, 83, 128, 64));
    same(p.run(fw::Op::Score, 40, 128, 690), r.run(fw::Op::Score, 40, 128, 690));
    same(p.run(fw::Op::Score, 40, 128, 700), r.run(fw::Op::Score, 40, 128, 700));  // reused: 22 column blocks as 690
    same(p.run(fw::Op::Attend, 40, 128, 1000), r.run(fw::Op::Attend, 40, 128, 1000));
    CHECK(r.kernels_reused() == 1);
    CHECK(r.kernels_simulated() == 3);
  }
}

TEST_CASE("artifact-compatible kernels time cycles at the PIM clock", "[serving][pim]") {
  PimbaPimOptions o;
  o.artifact_compatible = true;
  o.clock_mhz = 1512;
  o.channels = 2;
  PimbaPim p(o);
  const auto r = p.run(fw::Op::SU, 16, 128, 64);
  CHECK(r.cycles > 0);
  CHECK(r.time_s == static_cast<double>(r.cycles) / 1512e6);
}

TEST_CASE("distinct_channels_only: every channel's stream equals the emitted stream of its source", "[serving][pim]") {
  struct Shape {
    fw::Op op;
    int num_op, rows, cols, channels;
    const char* variant;
  };
  for (const Shape& s : {Shape{fw::Op::SU, 83, 128, 64, 8, "pimba"}, Shape{fw::Op::SU, 40, 256, 128, 5, "hbm-pim"},
                         Shape{fw::Op::Score, 77, 128, 1000, 6, "pimba"},
                         Shape{fw::Op::Attend, 64, 128, 2049, 40, "hbm-pim"}}) {
    fw::KernelSpec k;
    k.op = s.op;
    k.num_op = s.num_op;
    k.rows = s.rows;
    k.cols = s.cols;
    k.channels = s.channels;
    k.variant = s.variant;
    const fw::Program full = fw::generate(k);
    k.distinct_channels_only = true;
    const fw::Program d = fw::generate(k);
    REQUIRE(d.stream_source.size() == full.channel_streams.size());
    std::size_t emitted = 0, differ = 0;
    for (std::size_t ch = 0; ch < full.channel_streams.size(); ++ch) {
      const int src = d.stream_source[ch];
      REQUIRE(src <= static_cast<int>(ch));
      if (src == static_cast<int>(ch)) ++emitted;
      const auto &a = full.channel_streams[ch], &b = d.channel_streams[static_cast<std::size_t>(src)];
      REQUIRE(a.size() == b.size());
      differ += differing(a, b);
    }
    CHECK(differ == 0);
    CHECK(emitted < full.channel_streams.size());  // something was shared
  }
}

// A kernel on the GPU hosts' HBM presets (gpu::Host::pim_dram): hbm3-5200's
// two stack IDs give 32 banks per pseudo-channel, so one COMP steps twice the
// units of HBM2's 16 banks. Independent of the engine's schedule: the rows
// activated are the data's (equal counts), the COMP steps halve, and the
// COMP energy of the kernel (the MACs' energy) is the same on both presets,
// since a COMP costs in proportion to the banks it steps (pim::energy_table).
TEST_CASE("a kernel on HBM3 channels: the same rows and MAC energy, half the COMP steps per bank count", "[serving][pim]") {
  PimbaPimOptions h2, h3;
  h2.channels = h3.channels = 8;
  h3.dram = "hbm3-5200";
  PimbaPim a(h2), b(h3);
  const auto ra = a.run(fw::Op::SU, 64, 128, 256), rb = b.run(fw::Op::SU, 64, 128, 256);
  CHECK(rb.counters.num_act == ra.counters.num_act);
  CHECK(2 * rb.counters.num_comp == ra.counters.num_comp);
  const pimlab::pim::Variant& v = pimlab::pim::variant("pimba");
  const auto e3 = pimlab::pim::energy_table(v, pimlab::dram::preset("hbm3-5200"));
  const auto e2 = pimlab::pim::energy_table(v, pimlab::dram::preset("hbm2-pimba"));
  CHECK(e2.comp_pj == v.comp_pj);
  CHECK(e3.comp_pj == 2 * v.comp_pj);
  CHECK(e3.act_pj == v.act_pj);
  CHECK(e3.rdwr_pj == v.rdwr_pj);
  CHECK(static_cast<double>(rb.counters.num_comp) * e3.comp_pj == static_cast<double>(ra.counters.num_comp) * e2.comp_pj);
  // The whole kernel's energy is the three terms on each preset.
  CHECK(rb.energy_j == Approx(pimlab::pim::energy_pj(rb.counters, e3) * 1e-12).epsilon(1e-12));
  CHECK(b.cycle_s() == Approx(769e-12).epsilon(1e-12));  // time at hbm3-5200's own clock
}
