// Linked into every pimlab executable (the `pimlab_heap_policy` object
// library): applies the heap policy before main() runs, so every allocation of
// the run, SystemC's elaboration included, follows it.
#include "process/heap_policy.h"

namespace {
const bool g_at_start = pimlab::process::apply_heap_policy();
}
