#include "dram/energy.h"

namespace pimlab::dram {

EnergyCounts& EnergyCounts::operator+=(const EnergyCounts& o) {
  act += o.act;
  banks_closed += o.banks_closed;
  rd += o.rd;
  wr += o.wr;
  ref += o.ref;
  refpb += o.refpb;
  active_cycles += o.active_cycles;
  precharged_cycles += o.precharged_cycles;
  return *this;
}

namespace {
// VDD [mV] x I [mA] x cycles x tCK [ps] is in units of 1e-18 J = 1e-6 pJ. The
// product of these integers is exact in a double below 2^53 (the presets stay
// below 1e11), so an event energy is exact whenever it is a whole number of
// 1e-6 pJ (408 pJ, not 407.99999...).
double pj(const DramSpec& s, std::int64_t milliamps, std::int64_t cycles) {
  return static_cast<double>(s.p.VDD_mV) * static_cast<double>(milliamps) * static_cast<double>(cycles) *
         static_cast<double>(s.t.tCK_ps) / 1e6;
}
}  // namespace

EnergyPerEvent energy_per_event(const DramSpec& s) {
  const Power& p = s.p;
  const Timing& t = s.t;
  EnergyPerEvent e;
  e.act = pj(s, p.IDD0 - p.IDD3N, t.nRAS);
  e.pre = pj(s, p.IDD0 - p.IDD2N, t.nRP);
  e.rd = pj(s, p.IDD4R - p.IDD3N, t.nBL);
  e.wr = pj(s, p.IDD4W - p.IDD3N, t.nBL);
  e.ref = pj(s, p.IDD5AB - p.IDD3N, t.nRFC);
  e.refpb = e.ref / banks_per_pseudo_channel(s.org);
  e.active_cycle = pj(s, p.IDD3N, 1);
  e.precharged_cycle = pj(s, p.IDD2N, 1);
  return e;
}

double EnergyBreakdown::total_pj() const {
  return act_pj + pre_pj + rd_pj + wr_pj + ref_pj + active_background_pj + precharged_background_pj;
}

void EnergyBreakdown::collect(stats::Sink& s) const {
  s.add("act", act_pj, "pJ", "activates: VDD (IDD0 - IDD3N) tRAS each");
  s.add("pre", pre_pj, "pJ", "banks closed by PRE / PREA: VDD (IDD0 - IDD2N) tRP each");
  s.add("rd", rd_pj, "pJ", "read bursts: VDD (IDD4R - IDD3N) nBL each");
  s.add("wr", wr_pj, "pJ", "write bursts: VDD (IDD4W - IDD3N) nBL each");
  s.add("ref", ref_pj, "pJ", "refreshes: VDD (IDD5AB - IDD3N) tRFC per REF, its bank share per REFPB");
  s.add("background_active", active_background_pj, "pJ", "active standby: VDD IDD3N per pseudo-channel cycle");
  s.add("background_precharged", precharged_background_pj, "pJ",
        "precharged standby: VDD IDD2N per pseudo-channel cycle");
}

nlohmann::json EnergyBreakdown::to_json() const { return stats::flat(*this); }

EnergyBreakdown dram_energy(const DramSpec& s, const EnergyCounts& c) {
  const EnergyPerEvent e = energy_per_event(s);
  auto d = [](std::uint64_t n) { return static_cast<double>(n); };
  EnergyBreakdown b;
  b.act_pj = d(c.act) * e.act;
  b.pre_pj = d(c.banks_closed) * e.pre;
  b.rd_pj = d(c.rd) * e.rd;
  b.wr_pj = d(c.wr) * e.wr;
  b.ref_pj = d(c.ref) * e.ref + d(c.refpb) * e.refpb;
  b.active_background_pj = static_cast<double>(c.active_cycles) * e.active_cycle;
  b.precharged_background_pj = static_cast<double>(c.precharged_cycles) * e.precharged_cycle;
  return b;
}

}  // namespace pimlab::dram
