#include "serving/timeline.h"

#include <algorithm>
#include <cmath>
#include <map>

namespace pimlab::serving {

namespace {

std::int64_t ps(double s) { return static_cast<std::int64_t>(std::llround(s * 1e12)); }

// VCD string values may not hold blanks.
std::string token(std::string s) {
  for (char& c : s)
    if (c == ' ' || c == '\t' || c == '\n') c = '_';
  return s.empty() ? std::string("-") : s;
}

}  // namespace

void write_vcd(std::ostream& os, const Timeline& t, const std::string& title) {
  // Identifier codes: '!' host_busy, '"' pim_busy, '#' op, '$' category, then
  // one per pseudo-channel, then pim_op (concurrent), stage (with stages),
  // cim_busy (with CIM operators) and cim_op (CIM operators, concurrent).
  const char pim_op = static_cast<char>('%' + t.pseudo_channels);
  const char stage = static_cast<char>(pim_op + (t.concurrent ? 1 : 0));
  const char cim_busy = static_cast<char>(stage + (t.stages.empty() ? 0 : 1));
  const char cim_op = static_cast<char>(cim_busy + 1);
  const bool cim = std::any_of(t.ops.begin(), t.ops.end(), [](const Timeline::Op& o) { return o.device == "cim"; });
  os << "$comment " << title << (t.note.empty() ? "" : "; ") << t.note << " $end\n$timescale 1ps $end\n$scope module iteration $end\n"
     << "$var wire 1 ! host_busy $end\n$var wire 1 \" pim_busy $end\n"
     << "$var string 1 # op $end\n$var string 1 $ category $end\n";
  if (t.concurrent) os << "$var string 1 " << pim_op << " pim_op $end\n";
  if (!t.stages.empty()) os << "$var string 1 " << stage << " stage $end\n";
  if (cim) os << "$var wire 1 " << cim_busy << " cim_busy $end\n";
  if (cim && t.concurrent) os << "$var string 1 " << cim_op << " cim_op $end\n";
  os << "$upscope $end\n$scope module ch0 $end\n";
  for (int p = 0; p < t.pseudo_channels; ++p)
    os << "$scope module pch" << p << " $end\n$var string 1 " << static_cast<char>('%' + p) << " cmd $end\n$upscope $end\n";
  os << "$upscope $end\n$enddefinitions $end\n";
  // Value changes by time; within one time, in insertion order.
  std::multimap<std::int64_t, std::string> ch;
  auto at = [&](std::int64_t time, std::string v) { ch.emplace(time, std::move(v)); };
  at(0, "0!");
  at(0, "0\"");
  at(0, "s- #");
  at(0, "s- $");
  for (int p = 0; p < t.pseudo_channels; ++p) at(0, std::string("s- ") + static_cast<char>('%' + p));
  if (t.concurrent) at(0, std::string("s- ") + pim_op);
  if (!t.stages.empty()) at(0, std::string("s- ") + stage);
  if (cim) at(0, std::string("0") + cim_busy);
  if (cim && t.concurrent) at(0, std::string("s- ") + cim_op);
  for (const auto& o : t.stages) {
    at(ps(o.start_s), "s" + token(o.name) + " " + stage);
    at(ps(o.end_s), std::string("s- ") + stage);
  }
  for (const auto& o : t.ops) {
    const bool pim = o.device == "pim";
    const std::string busy(1, pim ? '"' : o.device == "cim" ? cim_busy : '!');
    at(ps(o.start_s), std::string("1") + busy);
    if ((pim || o.device == "cim") && t.concurrent) {  // op and category follow the host
      const char id = pim ? pim_op : cim_op;
      at(ps(o.start_s), "s" + token(o.name) + " " + id);
      at(ps(o.end_s), std::string("0") + busy);
      at(ps(o.end_s), std::string("s- ") + id);
      continue;
    }
    at(ps(o.start_s), "s" + token(o.name) + " #");
    at(ps(o.start_s), "s" + token(o.category) + " $");
    at(ps(o.end_s), std::string("0") + busy);
    at(ps(o.end_s), "s- #");
    at(ps(o.end_s), "s- $");
  }
  const auto slot = static_cast<std::int64_t>(std::llround(t.pim_clock_ps));
  for (const auto& c : t.pim_commands) {
    const char id = static_cast<char>('%' + c.pch);
    at(ps(c.time_s), "s" + token(c.name) + " " + id);
    at(ps(c.time_s) + slot, std::string("s- ") + id);
  }
  // An operator that ends where the next begins: the end's "0" and the next
  // start's "1" share a time; keep the last value of each signal per time.
  // Values that do not change a signal are left out.
  std::int64_t cur = -1;
  std::map<std::string, std::string> last;     // id -> value line, for the current time
  std::map<std::string, std::string> current;  // id -> value line in force
  std::vector<std::string> order;
  auto flush = [&]() {
    if (cur < 0) return;
    bool stamped = false;
    for (const auto& id : order) {
      if (current[id] == last[id]) continue;
      if (!stamped) os << '#' << cur << '\n';
      stamped = true;
      os << last[id] << '\n';
      current[id] = last[id];
    }
    last.clear();
    order.clear();
  };
  for (const auto& [time, line] : ch) {
    if (time != cur) {
      flush();
      cur = time;
    }
    const std::string id = line[0] == 's' ? line.substr(line.rfind(' ') + 1) : line.substr(1);
    if (!last.count(id)) order.push_back(id);
    last[id] = line;
  }
  flush();
}

}  // namespace pimlab::serving
