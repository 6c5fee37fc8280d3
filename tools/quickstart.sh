#!/usr/bin/env bash
# The README's two commands:
#   tools/quickstart.sh run    install what is missing, build, run pimlab's main job
#   tools/quickstart.sh test   install what is missing, build, run the default test suite
#   tools/quickstart.sh asan   CI's sanitizer step (docs/fuzzing.md): the unit tests of
#                              the pure C++ cores and the fuzz regression inputs, built
#                              with address + undefined-behaviour sanitizers, no RTL
# PRESET selects the CMake preset (release by default).
set -euo pipefail
cd "$(dirname "$0")/.."
preset=${PRESET:-release}
what=${1:-run}

tools/setup-deps.sh
if [ "$what" = asan ]; then
  cmake --preset asan -DPIMLAB_WITH_RTL=OFF
  cmake --build --preset asan --target unit_tests fuzz_regressions
  exec ctest --preset asan -L '^(unit|fuzz_regression)$'
fi
cmake --preset "$preset"
cmake --build --preset "$preset"

case "$what" in
  run)
    shift || true
    exec "build/$preset/bin/pimlab" run "$@"
    ;;
  test)
    ctest --preset "$preset"
    ;;
  *)
    echo "usage: tools/quickstart.sh run|test|asan" >&2
    exit 2
    ;;
esac
