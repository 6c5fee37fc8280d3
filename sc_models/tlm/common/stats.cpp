#include "tlm/common/stats.h"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <stdexcept>

#include "tlm/common/config.h"

#ifndef PIMLAB_VERSION
#define PIMLAB_VERSION "unknown"
#endif

namespace pimlab::tlm_common {

namespace {

template <class Fn>
void walk(const std::vector<sc_core::sc_object*>& objects, Fn&& fn) {
  for (sc_core::sc_object* obj : objects) {
    fn(obj);
    walk(obj->get_child_objects(), fn);
  }
}

}  // namespace

nlohmann::json collect_stats() {
  nlohmann::json stats = nlohmann::json::object();
  walk(sc_core::sc_get_top_level_objects(), [&](sc_core::sc_object* obj) {
    if (auto* p = dynamic_cast<const stats_provider*>(obj)) {
      nlohmann::json group = nlohmann::json::object();
      ::pimlab::stats::Document sink(group);
      p->collect_stats(sink);
      stats[obj->name()] = std::move(group);
    }
  });
  return stats;
}

void reset_all_stats() {
  walk(sc_core::sc_get_top_level_objects(), [](sc_core::sc_object* obj) {
    if (auto* p = dynamic_cast<stats_provider*>(obj)) p->reset_stats();
  });
}

nlohmann::json build_stats_document(const StatsMeta& meta) {
  nlohmann::json doc;
  doc["meta"] = {{"generator", "pimlab"},
                 {"version", PIMLAB_VERSION},
                 {"systemc", sc_core::sc_version()},
                 {"sim_time_ps", static_cast<std::uint64_t>(
                                     std::llround(sc_core::sc_time_stamp().to_seconds() * 1e12))},
                 {"delta_cycles", static_cast<std::uint64_t>(sc_core::sc_delta_count())},
                 {"partial", meta.partial},
                 {"end_reason", meta.reason.empty() ? std::string("finished") : meta.reason}};
  doc["config"] = Config::instance().effective();
  doc["stats"] = collect_stats();
  return doc;
}

void write_stats_document(const std::string& path, const StatsMeta& meta) {
  const nlohmann::json doc = build_stats_document(meta);
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp);
    if (!out) throw std::runtime_error("stats file '" + path + "': cannot be written");
    out << doc.dump(2) << "\n";
    if (!out) throw std::runtime_error("stats file '" + path + "': write failed");
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0)
    throw std::runtime_error("stats file '" + path + "': cannot be renamed from " + tmp);
}

void ResponseErrors::count(tlm::tlm_response_status status) {
  switch (status) {
    case tlm::TLM_OK_RESPONSE:
    case tlm::TLM_INCOMPLETE_RESPONSE: break;
    case tlm::TLM_ADDRESS_ERROR_RESPONSE: ++address; break;
    case tlm::TLM_BURST_ERROR_RESPONSE: ++burst; break;
    case tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE: ++byte_enable; break;
    case tlm::TLM_COMMAND_ERROR_RESPONSE: ++command; break;
    case tlm::TLM_GENERIC_ERROR_RESPONSE: ++generic; break;
  }
}

void ResponseErrors::collect(StatsSink& sink, const std::string& burst_cause, const std::string& generic_cause) const {
  const auto with = [](const char* what, const std::string& cause) {
    return cause.empty() ? std::string(what) : std::string(what) + " (" + cause + ")";
  };
  sink.add("address_errors", address, "transactions", "answered TLM_ADDRESS_ERROR_RESPONSE");
  sink.add("burst_errors", burst, "transactions", with("answered TLM_BURST_ERROR_RESPONSE", burst_cause));
  sink.add("byte_enable_errors", byte_enable, "transactions", "answered TLM_BYTE_ENABLE_ERROR_RESPONSE");
  sink.add("command_errors", command, "transactions", "answered TLM_COMMAND_ERROR_RESPONSE");
  sink.add("generic_errors", generic, "transactions", with("answered TLM_GENERIC_ERROR_RESPONSE", generic_cause));
}

}  // namespace pimlab::tlm_common
