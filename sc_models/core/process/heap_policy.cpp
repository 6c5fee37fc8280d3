#include "process/heap_policy.h"

#include <cstdlib>
#include <cstring>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace pimlab::process {

namespace {
bool g_applied = false;
}

bool policy_wanted(const std::function<const char*(const char*)>& getenv) {
  for (const char* name : {"MALLOC_TRIM_THRESHOLD_", "MALLOC_MMAP_THRESHOLD_", "MALLOC_TOP_PAD_", "MALLOC_MMAP_MAX_"})
    if (getenv(name) != nullptr) return false;
  const char* tunables = getenv("GLIBC_TUNABLES");
  return tunables == nullptr || std::strstr(tunables, "glibc.malloc.") == nullptr;
}

bool apply_heap_policy(const HeapPolicy& p) {
#if defined(__GLIBC__)
  if (!policy_wanted([](const char* n) { return std::getenv(n); })) return false;
  // Setting either threshold also turns off glibc's dynamic adjustment of both.
  const bool ok = mallopt(M_MMAP_THRESHOLD, static_cast<int>(p.mmap_threshold)) == 1 &&
                  mallopt(M_TRIM_THRESHOLD, static_cast<int>(p.trim_threshold)) == 1;
  g_applied = g_applied || ok;
  return ok;
#else
  (void)p;
  return false;
#endif
}

bool heap_policy_applied() { return g_applied; }

}  // namespace pimlab::process
