#!/usr/bin/env bash
# The two commands of the README.
#   scripts/run.sh demo   install what is missing, build, start a virtual
#                         machine on this host, run the heat-equation job on
#                         it, halt it
#   scripts/run.sh test   install what is missing, build, run the whole suite,
#                         then build again with AddressSanitizer and
#                         UndefinedBehaviorSanitizer and run it again
# Environment: BUILD (build directory, default ./build), JOBS (default nproc).
set -euo pipefail
cd "$(dirname "$0")/.."
SRC=$(pwd)
BUILD=${BUILD:-$SRC/build}
JOBS=${JOBS:-$(nproc)}

build() { # build <dir> [cmake options...]
  local dir=$1
  shift
  cmake -S "$SRC" -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
  cmake --build "$dir" -j"$JOBS"
}

suite() { # suite <dir>
  ctest --test-dir "$1" --output-on-failure -j"$JOBS" --timeout 300
}

case "${1:-}" in
  demo)
    scripts/setup.sh
    build "$BUILD"
    exec scripts/demo.sh "$BUILD"
    ;;
  test)
    scripts/setup.sh
    build "$BUILD"
    suite "$BUILD"
    echo "== the same suite under AddressSanitizer and UndefinedBehaviorSanitizer"
    build "$BUILD-asan" -DPVM_SANITIZE=ON
    suite "$BUILD-asan"
    ;;
  *)
    echo "usage: scripts/run.sh demo|test" >&2
    exit 2
    ;;
esac
