// (d) Decode-batch snapshots of the NeuPIMs evaluation: CSV with the header `seq_len,ch_idx`,
// one live request per line: its current KV length and the PIM channel holding its KV cache.
// Row order is kept: it is the order in which the requests were admitted (oldest first), which
// is also the per-channel queue order that sub-batch splitting uses.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

namespace pimlab::workload {

struct SnapshotEntry {
  std::uint64_t seq_len = 0;   // KV length of the request in this decode step (>= 1)
  std::uint32_t channel = 0;   // PIM channel that holds its KV cache
};

using Snapshot = std::vector<SnapshotEntry>;

// Header required; seq_len >= 1 and ch_idx >= 0 decimal integers (ch_idx < 2^32); errors are
// std::invalid_argument "FILE:LINE: ...". An empty snapshot is an error.
Snapshot read_snapshot(const std::string& path);
Snapshot parse_snapshot(std::istream& in, const std::string& name);

}  // namespace pimlab::workload
