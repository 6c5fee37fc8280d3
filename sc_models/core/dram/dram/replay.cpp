#include "dram/replay.h"

#include <fstream>
#include <stdexcept>

namespace pimlab::dram {

nlohmann::json replay_mem_trace(const std::string& path, const nlohmann::json& config) {
  std::ifstream in(path);
  if (!in) throw std::invalid_argument("cannot open memory trace '" + path + "'");
  return replay_mem_trace(in, path, config);
}

nlohmann::json replay_mem_trace(std::istream&, const std::string&, const nlohmann::json&) {
  throw std::runtime_error("dram: memory-trace replay is being implemented");
}

}  // namespace pimlab::dram
