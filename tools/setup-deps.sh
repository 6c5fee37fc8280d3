#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages pimlab needs. Idempotent: does nothing
# when every package is already installed. Uses sudo when not run as root.
#   tools/setup-deps.sh          what the build and the test suite need
#   tools/setup-deps.sh --bench  also clang, lld and llvm (llvm-profdata) for
#                                the speed-tuned RTL bench (bench_rtl_tuned)
set -euo pipefail

PACKAGES=(
  g++ cmake ninja-build pkg-config ccache git
  libsystemc-dev verilator nlohmann-json3-dev catch2 zlib1g-dev
  gtkwave xvfb xauth yosys parallel gnuplot-nox
  slurmctld slurmd slurm-client munge
)
case "${1:-}" in
  "") ;;
  --bench) PACKAGES+=(clang lld llvm) ;;
  *) echo "usage: tools/setup-deps.sh [--bench]" >&2; exit 2 ;;
esac

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

if [ "$(id -u)" -eq 0 ]; then SUDO=(); else SUDO=(sudo); fi
echo "setup-deps: installing ${missing[*]}"
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
