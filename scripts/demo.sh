#!/usr/bin/env bash
# The demo: a virtual machine on this host, a real parallel job on it, and
# nothing left running afterwards.  Usage: scripts/demo.sh [build dir]
#
# It uses its own PVM_VMID, so a virtual machine you already run is not
# touched.  The job is examples/heat.c: a master spawns 4 workers that
# solve the heat equation on strips of a grid, exchanging halo rows each
# step; the master checks the result against a serial run.
set -euo pipefail
BUILD=${1:-$(cd "$(dirname "$0")/.." && pwd)/build}
PVM="$BUILD/console/pvm"
export PVM_VMID=demo.$$

cleanup() { echo halt | "$PVM" >/dev/null 2>&1 || true; }
trap cleanup EXIT

echo "== starting a virtual machine and running: spawn -> heat"
out=$(printf 'conf\nspawn -> heat\n' | "$PVM" 2>&1)
echo "$out"
echo "== halting it"
trap - EXIT
echo halt | "$PVM" >/dev/null 2>&1 || true
grep -q "heat: .*OK" <<<"$out" || { echo "demo: the heat job did not report OK" >&2; exit 1; }
echo "demo: OK"
