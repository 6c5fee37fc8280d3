#!/usr/bin/env bash
# The README's two commands:
#   tools/quickstart.sh run    install what is missing, build, run pimlab's main job
#   tools/quickstart.sh test   install what is missing, build, run the default test suite
# PRESET selects the CMake preset (release by default).
set -euo pipefail
cd "$(dirname "$0")/.."
preset=${PRESET:-release}
what=${1:-run}

tools/setup-deps.sh
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
    echo "usage: tools/quickstart.sh run|test" >&2
    exit 2
    ;;
esac
