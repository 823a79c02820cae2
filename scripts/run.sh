#!/usr/bin/env bash
# The two commands of the README.
#   scripts/run.sh demo   install what is missing, build, start a virtual
#                         machine on this host, run the heat-equation job on
#                         it, halt it
#   scripts/run.sh test   install what is missing, build, run the whole suite
# Environment: BUILD (build directory, default ./build), JOBS (default nproc).
set -euo pipefail
cd "$(dirname "$0")/.."
SRC=$(pwd)
BUILD=${BUILD:-$SRC/build}
JOBS=${JOBS:-$(nproc)}

build() {
  scripts/setup.sh
  cmake -S "$SRC" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build "$BUILD" -j"$JOBS"
}

case "${1:-}" in
  demo)
    build
    exec scripts/demo.sh "$BUILD"
    ;;
  test)
    build
    ctest --test-dir "$BUILD" --output-on-failure -j"$JOBS" --timeout 300
    ;;
  *)
    echo "usage: scripts/run.sh demo|test" >&2
    exit 2
    ;;
esac
