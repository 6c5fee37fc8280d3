// The heap policy of pimlab's executables (process/heap_policy.h): which
// environments leave it to pimlab, and what it does to the heap of a process
// that links it (this test does, as pimlab and the benches do).
#include <catch2/catch.hpp>

#include <cstdlib>
#include <cstring>
#include <map>
#include <string>

#include "process/heap_policy.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

using pimlab::process::policy_wanted;

namespace {
auto env_of(const std::map<std::string, std::string>& vars) {
  return [vars](const char* name) -> const char* {
    auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  };
}
}  // namespace

TEST_CASE("heap policy: the user's malloc tunables win", "[process]") {
  CHECK(policy_wanted(env_of({})));
  CHECK(policy_wanted(env_of({{"GLIBC_TUNABLES", "glibc.pthread.rseq=0"}})));
  CHECK_FALSE(policy_wanted(env_of({{"GLIBC_TUNABLES", "glibc.pthread.rseq=0:glibc.malloc.trim_threshold=1"}})));
  for (const char* name : {"MALLOC_TRIM_THRESHOLD_", "MALLOC_MMAP_THRESHOLD_", "MALLOC_TOP_PAD_", "MALLOC_MMAP_MAX_"})
    CHECK_FALSE(policy_wanted(env_of({{name, "0"}})));
}

#if defined(__GLIBC__) && !defined(__SANITIZE_ADDRESS__)
TEST_CASE("heap policy: a 20 MiB block comes from the heap and its pages stay after free", "[process]") {
  const char* user = std::getenv("GLIBC_TUNABLES");
  if (std::getenv("MALLOC_TRIM_THRESHOLD_") || std::getenv("MALLOC_MMAP_THRESHOLD_") || std::getenv("MALLOC_TOP_PAD_") ||
      std::getenv("MALLOC_MMAP_MAX_") || (user && std::strstr(user, "glibc.malloc."))) {
    CHECK_FALSE(pimlab::process::heap_policy_applied());
    return;
  }
  REQUIRE(pimlab::process::heap_policy_applied());
  // glibc's defaults: a block this size is mapped (above the 128 KiB initial
  // mmap threshold; the dynamic threshold has not grown past it here) and
  // unmapped on free.
  constexpr std::size_t kBlock = std::size_t{20} << 20;
  const struct mallinfo2 before = mallinfo2();
  char* b = static_cast<char*>(std::malloc(kBlock));
  REQUIRE(b != nullptr);
  std::memset(b, 1, kBlock);
  asm volatile("" : : "r"(b) : "memory");  // the block is used: malloc and free stay
  const struct mallinfo2 held = mallinfo2();
  CHECK(held.hblkhd == before.hblkhd);     // not a mapped block
  CHECK(held.arena >= before.arena + kBlock);  // the heap grew to hold it
  std::free(b);
  const struct mallinfo2 after = mallinfo2();
  CHECK(after.arena == held.arena);  // not trimmed: the next block reuses these pages
  CHECK(after.fordblks >= kBlock);
}
#endif
