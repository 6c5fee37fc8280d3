#include "tlm/common/log.h"

namespace pimlab::tlm_common {

LogLine::~LogLine() noexcept(false) {
  const std::string msg = m_os.str();
  if (m_severity == sc_core::SC_INFO)
    sc_core::sc_report_handler::report(m_severity, m_type.c_str(), msg.c_str(), m_verbosity, m_file, m_line);
  else
    sc_core::sc_report_handler::report(m_severity, m_type.c_str(), msg.c_str(), m_file, m_line);
}

}  // namespace pimlab::tlm_common
