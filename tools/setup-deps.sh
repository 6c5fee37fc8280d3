#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages pimlab needs. Idempotent: does nothing
# when every package is already installed. Uses sudo when not run as root.
set -euo pipefail

PACKAGES=(
  g++ cmake ninja-build pkg-config ccache git
  libsystemc-dev verilator nlohmann-json3-dev catch2 zlib1g-dev
  gtkwave xvfb xauth yosys
)

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
