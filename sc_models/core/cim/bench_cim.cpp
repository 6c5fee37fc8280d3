// bench_cim: wall time of the CIM models (docs/cim.md) and the accuracy of
// the integer numerics against FP64.
//  - BERT-base at sequence 512: the encoder pipeline model, and one attention
//    head of it (L = 512, d_model = 768, d_head = 64) run bit for bit on the
//    UCLM arrays with timing;
//  - the TinyYOLOv4 schedule study (four configurations, greedy duplication);
//  - softmax latency at L = 8192 in the three settings;
//  - exp and softmax accuracy of variants A and B.
#include <chrono>
#include <cstdio>
#include <ctime>
#include <vector>

#include "cim/attention.h"
#include "cim/bert.h"
#include "cim/softmax.h"
#include "firmware/cim_schedule/network.h"
#include "firmware/cim_schedule/schedule.h"
#include "golden/synth.h"
#include "golden_cim/accuracy.h"

namespace {
double now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }
double cpu() { return static_cast<double>(std::clock()) / CLOCKS_PER_SEC; }
}  // namespace

int main() {
  namespace cim = pimlab::cim;
  namespace cs = pimlab::firmware::cim_schedule;
  namespace gc = pimlab::golden_cim;

  double t0 = now();
  const cim::BertRun b = cim::bert_encoder(cim::TileConfig{}, cim::EnergyConfig{}, cim::bert_model("base"), 512);
  const double t_bert = now() - t0;
  std::printf("BERT-base seq 512 pipeline model: %.1f us simulated, %.1f TOPS, %.2f TOPS/W, bottleneck %s; wall %.6f s\n",
              b.latency_us, b.tops, b.tops_per_w, b.bottleneck.c_str(), t_bert);

  pimlab::golden::SynthRng rng(2026);
  auto r8 = [&](std::size_t n, int span) {
    std::vector<std::int8_t> v(n);
    for (auto& x : v) x = static_cast<std::int8_t>(static_cast<int>(rng.next() % (2 * span + 1)) - span);
    return v;
  };
  cim::AttentionSlice a;
  a.L = 512;
  a.d_model = 768;
  a.d_head = 64;
  a.X = r8(512 * 768, 127);
  a.Wq = r8(768 * 64, 20);
  a.Wk = r8(768 * 64, 20);
  a.Wv = r8(768 * 64, 20);
  a.rq_q = a.rq_k = a.rq_v = {1, 10};
  a.rq_score = {1, 3};
  a.rq_out = {1, 8};
  cim::Chip chip{cim::TileConfig{}};
  t0 = now();
  const double c0 = cpu();
  const cim::AttentionRun ar = cim::attention_on_chip(chip, a);
  const double t_attn = now() - t0, c_attn = cpu() - c0;
  std::printf("BERT-base attention head, L 512, on the arrays (bit-exact path): %lld cycles, %llu MVMs, %llu lookups; wall %.3f s (CPU %.3f s)\n",
              static_cast<long long>(ar.cycles), static_cast<unsigned long long>(chip.stats().mvms),
              static_cast<unsigned long long>(chip.stats().lookups), t_attn, c_attn);

  t0 = now();
  const cs::Network net = cs::load_network("tinyyolov4");
  const cs::Study st = cs::study(net, cs::PeConfig::rram(), 2 * cs::min_pes(net, cs::PeConfig::rram()));
  const double t_sched = now() - t0;
  std::printf("TinyYOLOv4 schedule study (4 configurations): speedup %.1fx with duplication; wall %.4f s\n",
              st.lbl.makespan_ns / st.xl_dup.makespan_ns, t_sched);

  t0 = now();
  const double puma = cim::softmax_latency(cim::TileConfig{}, cim::SoftmaxSetting::PumaLike, 8192).latency_us;
  const double one = cim::softmax_latency(cim::TileConfig{}, cim::SoftmaxSetting::OneUclm, 8192).latency_us;
  const double multi = cim::softmax_latency(cim::TileConfig{}, cim::SoftmaxSetting::MultiCore, 8192).latency_us;
  std::printf("softmax L 8192: PUMA-like %.2f us, one UCLM %.2f us, multi-core %.2f us (ratios %.2f, %.2f; HASTILY 3.69, 4.41); wall %.4f s\n",
              puma, one, multi, puma / one, one / multi, now() - t0);

  for (gc::ExpVariant v : {gc::ExpVariant::A, gc::ExpVariant::B}) {
    const gc::ExpAccuracy e = gc::exp_accuracy(v, v == gc::ExpVariant::A ? 0.005443 : 0.000030);
    std::printf("exp variant %s over all 32769 codes: mantissa error [%+.5f %%, %+.5f %%], output bound slack %.3f, monotone %s\n",
                gc::variant_name(v), 100 * e.mant_rel_min, 100 * e.mant_rel_max, e.out_bound_slack, e.monotone ? "yes" : "no");
    double p16a = 0, p16r = 0, u8a = 0;
    for (double sigma : {1.0, 3.0, 6.0})
      for (int n : {128, 512, 1024, 8192}) {
        const gc::SoftmaxAccuracy s = gc::softmax_accuracy(v, n, sigma, n == 8192 ? 3 : 20, 42);
        p16a = std::max(p16a, s.p16_max_abs);
        p16r = std::max(p16r, s.p16_max_rel);
        u8a = std::max(u8a, s.u8_max_abs);
      }
    std::printf("softmax variant %s vs FP64 (sigma 1/3/6, n 128..8192): p16 max |dp| %.3g, rel (p >= 0.01) %.3g %%, u8 max |dp| %.4g\n",
                gc::variant_name(v), p16a, 100 * p16r, u8a);
  }
  return 0;
}
