// The heap policy of pimlab's executables (docs/architecture.md, "Process heap
// policy").
//
// A run generates and frees command streams, positions and traces of several
// megabytes many times over (a kernel per operator, a repetition per bench
// row). With glibc's defaults, blocks above a dynamic threshold are mapped and
// unmapped on every allocation, and a free that leaves more than the trim
// threshold at the top of the heap returns it to the kernel; the next
// allocation then faults every page in again. The policy keeps blocks up to
// 32 MiB on the heap and keeps up to 256 MiB of freed heap for reuse; the
// pages kept are those the run already touched at its peak.
#pragma once

#include <cstddef>
#include <functional>

namespace pimlab::process {

struct HeapPolicy {
  std::size_t mmap_threshold = std::size_t{32} << 20;  // glibc's largest allowed on 64-bit hosts
  std::size_t trim_threshold = std::size_t{256} << 20;
};

// Whether the environment leaves the heap to the policy: false when the user
// tunes glibc's allocator (MALLOC_TRIM_THRESHOLD_, MALLOC_MMAP_THRESHOLD_,
// MALLOC_TOP_PAD_, MALLOC_MMAP_MAX_, or a glibc.malloc.* entry of
// GLIBC_TUNABLES): their settings win.
bool policy_wanted(const std::function<const char*(const char*)>& getenv);

// Applies `p` through mallopt() when policy_wanted(std::getenv) holds and the
// C library is glibc. Returns whether it was applied.
bool apply_heap_policy(const HeapPolicy& p = {});

// Whether the policy was applied when the executable started (every pimlab
// executable links heap_policy_at_start.cpp, which applies it).
bool heap_policy_applied();

}  // namespace pimlab::process
