#include "workload/snapshot.h"

#include <fstream>
#include <istream>
#include <limits>
#include <stdexcept>

#include "workload/text.h"

namespace pimlab::workload {

using detail::fail;
using detail::field_error;

Snapshot parse_snapshot(std::istream& in, const std::string& name) {
  Snapshot out;
  std::string line;
  std::size_t lineno = 0;
  bool header = false;
  while (std::getline(in, line)) {
    ++lineno;
    if (detail::trim(line).empty()) continue;
    const auto f = detail::split(line, ',');
    if (!header) {
      if (f.size() != 2 || f[0] != "seq_len" || f[1] != "ch_idx")
        fail(name, lineno, "expected the header 'seq_len,ch_idx', got '" + detail::trim(line) + "'");
      header = true;
      continue;
    }
    if (f.size() != 2) fail(name, lineno, "expected 2 fields (seq_len,ch_idx), got " + std::to_string(f.size()));
    SnapshotEntry e;
    std::uint64_t ch = 0;
    if (!detail::parse_u64(f[0], e.seq_len) || e.seq_len == 0)
      fail(name, lineno, field_error("seq_len", f[0], "an integer >= 1"));
    if (!detail::parse_u64(f[1], ch) || ch > std::numeric_limits<std::uint32_t>::max())
      fail(name, lineno, field_error("ch_idx", f[1], "a channel index, an integer in [0, 4294967295]"));
    e.channel = static_cast<std::uint32_t>(ch);
    out.push_back(e);
  }
  if (in.bad()) throw std::invalid_argument(name + ": read error");
  if (!header) fail(name, lineno == 0 ? 1 : lineno, "empty file: expected the header 'seq_len,ch_idx'");
  if (out.empty()) fail(name, lineno, "the snapshot has a header but no request");
  return out;
}

Snapshot read_snapshot(const std::string& path) {
  std::ifstream f(path);
  if (!f) throw std::invalid_argument("cannot open snapshot file '" + path + "'");
  return parse_snapshot(f, path);
}

}  // namespace pimlab::workload
