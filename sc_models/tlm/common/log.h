// Logging over sc_report. The message type is the hierarchical name of the
// object that logs (so `sc_report_handler::set_actions("top.hbm.ch0", ...)`
// works per instance), the verbosity maps onto SystemC's levels, and each
// message costs one `if` when it is filtered out: the stream operands are not
// evaluated at all.
//
//   PIMLAB_INFO(name()) << "opened row " << row;
//   PIMLAB_DEBUG(name()) << ...;   // SC_INFO at SC_DEBUG verbosity
//   PIMLAB_WARN(name())  << ...;   // SC_WARNING
//   PIMLAB_ERROR(name()) << ...;   // SC_ERROR (default action: throw)
#pragma once

#include <sstream>
#include <string>

#include <systemc>

namespace pimlab::tlm_common {

// One message under construction; reported when the statement ends.
class LogLine {
 public:
  LogLine(const char* type, sc_core::sc_severity severity, int verbosity, const char* file, int line)
      : m_type(type), m_severity(severity), m_verbosity(verbosity), m_file(file), m_line(line) {}
  LogLine(const LogLine&) = delete;
  LogLine& operator=(const LogLine&) = delete;
  // May throw: an SC_ERROR's default action is SC_THROW.
  ~LogLine() noexcept(false);
  std::ostringstream& stream() { return m_os; }

 private:
  std::string m_type;
  sc_core::sc_severity m_severity;
  int m_verbosity;
  const char* m_file;
  int m_line;
  std::ostringstream m_os;
};

inline bool log_enabled(int verbosity) {
  return sc_core::sc_report_handler::get_verbosity_level() >= verbosity;
}

}  // namespace pimlab::tlm_common

#define PIMLAB_LOG_AT(NAME, SEVERITY, VERBOSITY)                                    \
  if (!::pimlab::tlm_common::log_enabled(VERBOSITY)) {                             \
  } else                                                                           \
    ::pimlab::tlm_common::LogLine((NAME), (SEVERITY), (VERBOSITY), __FILE__, __LINE__).stream()

#define PIMLAB_TRACE(NAME) PIMLAB_LOG_AT(NAME, ::sc_core::SC_INFO, ::sc_core::SC_FULL)
#define PIMLAB_DEBUG(NAME) PIMLAB_LOG_AT(NAME, ::sc_core::SC_INFO, ::sc_core::SC_DEBUG)
#define PIMLAB_INFO(NAME) PIMLAB_LOG_AT(NAME, ::sc_core::SC_INFO, ::sc_core::SC_MEDIUM)
#define PIMLAB_WARN(NAME) PIMLAB_LOG_AT(NAME, ::sc_core::SC_WARNING, ::sc_core::SC_NONE)
#define PIMLAB_ERROR(NAME) PIMLAB_LOG_AT(NAME, ::sc_core::SC_ERROR, ::sc_core::SC_NONE)
