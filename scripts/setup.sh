#!/usr/bin/env bash
# Installs the Debian packages this project needs, only those missing.
# Usage: scripts/setup.sh [extra-package ...]
# Needs root (or sudo) when something is missing; does nothing otherwise.
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config git
  libzmq3-dev libsodium-dev libprotobuf-c-dev protobuf-c-compiler libuv1-dev libcmocka-dev
  libreadline-dev gfortran
  iproute2 procps
  patchelf       # installed libraries get absolute SONAMEs (cmake/AbsoluteSoname.cmake)
  pvm-examples   # sources of PVM 3.4's examples: the compatibility test builds them
  pvm pvm-dev    # PVM 3.4.6 itself: the reference the namespace test runs beside ours
)
PACKAGES+=("$@")

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "setup: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "setup: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  SUDO=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
