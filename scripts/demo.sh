#!/usr/bin/env bash
# The demo: a virtual machine of 4 hosts on this machine (loopback
# addresses 127.0.0.1-4, each host its own pvmd), a real parallel job
# across them, and nothing left running afterwards.
# Usage: scripts/demo.sh [build dir]
#
# It uses its own PVM_VMID, so a virtual machine you already run is not
# touched.  The job is examples/heat.c: a master spawns 4 workers, dealt
# over the hosts, that solve the heat equation on strips of a grid,
# exchanging halo rows each step; the master checks the result against a
# serial run.
set -euo pipefail
BUILD=${1:-$(cd "$(dirname "$0")/.." && pwd)/build}
PVM="$BUILD/console/pvm"
export PVM_VMID=demo.$$
# The machine's mesh key lives only as long as the demo.
PVMD_KEY_DIR=$(mktemp -d /tmp/pvm-demo-keys.XXXXXX)
export PVMD_KEY_DIR

cleanup() {
  echo halt | "$PVM" >/dev/null 2>&1 || true
  rm -rf "$PVMD_KEY_DIR"
}
trap cleanup EXIT

echo "== a virtual machine of 4 hosts: add 127.0.0.2 127.0.0.3 127.0.0.4, conf, spawn -> heat"
out=$(printf 'add 127.0.0.2 127.0.0.3 127.0.0.4\nconf\nspawn -> heat\n' | "$PVM" 2>&1)
echo "$out"
echo "== halting it"
trap - EXIT
echo halt | "$PVM" >/dev/null 2>&1 || true
rm -rf "$PVMD_KEY_DIR"
grep -q "heat: .*OK" <<<"$out" || { echo "demo: the heat job did not report OK" >&2; exit 1; }
grep -q "^4 hosts" <<<"$out" || { echo "demo: the machine did not have 4 hosts" >&2; exit 1; }
# Nothing of the machine is left: no process with its PVM_VMID.
vm_left() { # pids whose environment has this demo's PVM_VMID, this shell aside
  left=""
  for f in /proc/[0-9]*/environ; do
    p=${f#/proc/}
    p=${p%/environ}
    [ "$p" = $$ ] && continue
    env -u PVM_VMID grep -qsz "^PVM_VMID=$PVM_VMID\$" "$f" && left="$left $p"
  done
  [ -n "$left" ]
}
for _ in $(seq 50); do
  vm_left || break
  sleep 0.1
done
[ -z "$left" ] || { echo "demo: processes left running: $left" >&2; exit 1; }
echo "demo: OK"
