// Unit-model registration, the monitored behavioural unit, the records behind
// model_totals() and the mismatch sink (`tlm/pim_rtl/rtl_unit.h).
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <deque>
#include <map>
#include <optional>
#include <thread>

#include "tlm/pim_rtl/detail.h"

namespace pimlab::tlm_pim_rtl {

namespace detail {
namespace {

std::deque<UnitRecord>& records() {
  static std::deque<UnitRecord> r;
  return r;
}
std::optional<UnitMismatch>& first() {
  static std::optional<UnitMismatch> m;
  return m;
}
std::vector<std::string>& traces() {
  static std::vector<std::string> t;
  return t;
}
std::map<const void*, std::function<void()>>& closers() {
  static std::map<const void*, std::function<void()>> c;
  return c;
}

// The behavioural unit with the busy-cycle count the RTL wrapper keeps too:
// cycles in which some bank of the unit is busy (spec.md, "Busy window").
class MonitoredBehavioural : public tlm_hbm::BehaviouralUnitModel {
 public:
  MonitoredBehavioural(const pim_unit::PuParams& p, UnitRecord& rec) : BehaviouralUnitModel(p), m_rec(rec) {}
  bool issue(const pim_unit::Command& cmd, pim_unit::Cycle t, const pim_unit::PimUnit::Rows& rows,
             std::array<std::uint8_t, 32>* result) override {
    // Cycle t too: busy() looks at the bank's last COMP only, so cycle t's
    // value must be taken before the command of cycle t is applied (a COMP to
    // a busy bank keeps it busy in cycle t, as busy_o and the RTL wrapper's
    // shadow twin have it). Taken after, the wave dipped for one cycle at
    // every such COMP and the busy count missed that cycle.
    count_until(t + 1);
    ++m_rec.commands;
    m_rec.wave_command(t, cmd.op & 7);
    if ((cmd.op & 7) == static_cast<int>(pim_unit::Op::comp)) m_last_comp = t;
    return BehaviouralUnitModel::issue(cmd, t, rows, result);
  }
  void settle(pim_unit::Cycle t) override {
    count_until(t);
    BehaviouralUnitModel::settle(t);
  }
  void settle_all() override {
    count_until(std::max(m_cursor, m_last_comp + unit().params().acc_lat() + 1));
    BehaviouralUnitModel::settle_all();
  }

 private:
  // Cycles [m_cursor, t): no command of this unit applied so far lies in or
  // after them, so busy() of each is final (settled: written once per cycle).
  void count_until(pim_unit::Cycle t) {
    const pim_unit::Cycle end = std::min<pim_unit::Cycle>(t, m_cursor + 4 * unit().params().acc_lat() + 8);
    for (pim_unit::Cycle c = m_cursor; c < end; ++c) {
      const int busy = unit().busy_mask(c);
      m_rec.wave_busy_at(c, busy);
      if (busy) {
        ++m_rec.busy_cycles;
        m_rec.last_busy = std::max<std::int64_t>(m_rec.last_busy, c);
      }
    }
    // Past `end` nothing is busy (the last COMP's window has closed).
    m_cursor = std::max(m_cursor, t);
  }
  UnitRecord& m_rec;
  pim_unit::Cycle m_cursor = 0;
  pim_unit::Cycle m_last_comp = -1000;
};

}  // namespace

UnitRecord& new_unit(const std::string& name, const std::string& model, bool wave) {
  records().emplace_back();
  UnitRecord& r = records().back();
  r.name = name;
  r.model = model;
  r.wave = wave;
  return r;
}
void report_mismatch(UnitMismatch m) {
  if (!first()) first() = std::move(m);
}
void add_trace_file(const std::string& path) { traces().push_back(path); }
void add_trace_closer(const void* unit, std::function<void()> close) { closers()[unit] = std::move(close); }
void remove_trace_closer(const void* unit) { closers().erase(unit); }
std::string hex(const std::uint8_t* p, int n) {
  std::string s;
  char buf[16];
  if (n % 4 != 0) {
    for (int i = 0; i < n; ++i) {
      std::snprintf(buf, sizeof buf, "%s0x%02x", i ? " " : "", p[i]);
      s += buf;
    }
    return s;
  }
  for (int i = 0; i < n; i += 4) {
    const unsigned w = p[i] | (p[i + 1] << 8) | (p[i + 2] << 16) | (static_cast<unsigned>(p[i + 3]) << 24);
    std::snprintf(buf, sizeof buf, "%s%08x", i ? " " : "", w);
    s += buf;
  }
  return s;
}

}  // namespace detail

void register_unit_models(const RtlOptions& opt) {
  if (!opt.trace_dir.empty() && !rtl_can_trace())
    throw std::runtime_error(std::string("--trace needs the FST-traced pim_pu library; this program links '") +
                             rtl_variant() + "'");
  tlm_hbm::register_pim_unit_model("behavioural", [opt](const tlm_hbm::PimUnitSite& s) {
    return std::make_unique<detail::MonitoredBehavioural>(s.params,
                                                          detail::new_unit(s.name, "behavioural", opt.unit_waves));
  });
  if (rtl_available())
    tlm_hbm::register_pim_unit_model("rtl", [opt](const tlm_hbm::PimUnitSite& s) {
      return detail::make_rtl_unit(s, opt, detail::new_unit(s.name, "rtl", opt.unit_waves));
    });
}

const UnitMismatch* first_mismatch() { return detail::first() ? &*detail::first() : nullptr; }

std::vector<ModelTotals> model_totals() {
  std::map<std::string, ModelTotals> m;
  for (const auto& r : detail::records()) {
    ModelTotals& t = m[r.model];
    t.model = r.model;
    ++t.units;
    t.cycles_clocked += r.cycles_clocked;
    t.busy_cycles += r.busy_cycles;
    t.commands += r.commands;
    t.last_effect_cycle = std::max(t.last_effect_cycle, r.last_busy);
    t.seconds += r.seconds;
  }
  std::vector<ModelTotals> out;
  for (auto& [k, v] : m) out.push_back(v);
  return out;
}

std::int64_t unit_busy_cycles(const std::string& unit) {
  for (const auto& r : detail::records())
    if (r.name == unit) return static_cast<std::int64_t>(r.busy_cycles);
  return -1;
}

std::vector<std::string> trace_files() { return detail::traces(); }

void close_unit_traces() {
  std::vector<std::function<void()>> todo;
  for (auto& [unit, close] : detail::closers()) todo.push_back(std::move(close));
  detail::closers().clear();
  if (todo.empty()) return;
  std::atomic<std::size_t> next{0};
  auto work = [&] {
    for (std::size_t i; (i = next.fetch_add(1)) < todo.size();) todo[i]();
  };
  const std::size_t n = std::min<std::size_t>(todo.size(), std::max(1u, std::thread::hardware_concurrency()));
  std::vector<std::thread> threads;
  for (std::size_t t = 1; t < n; ++t) threads.emplace_back(work);
  work();
  for (std::thread& t : threads) t.join();
}

std::vector<std::string> wave_units() {
  std::vector<std::string> out;
  for (const auto& r : detail::records()) out.push_back(r.wave ? r.name : std::string());
  return out;
}
std::vector<UnitWaveEvent> take_wave_events(std::size_t unit) {
  std::vector<UnitWaveEvent> out;
  if (unit < detail::records().size()) out.swap(detail::records()[unit].events);
  return out;
}

}  // namespace pimlab::tlm_pim_rtl
