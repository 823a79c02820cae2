#!/usr/bin/env bash
# Group collectives side by side: this project's VM on 1 host and on 4
# and 8 hosts of this machine (127.0.0.1-8), PVM 3.4.6 with its pvmgs on 1 host,
# Open MPI (oversubscribed), interleaved round by round; one table of
# medians (microseconds per operation) and the ratio ours/PVM.
#
#   bench/groups.sh [build dir (default /work/main/build)]
#
# Environment: NS (task counts, default "8 64"), ROUNDS (3), ITERS (50).
# Every daemon it starts is private (own temp dirs, own PVM_VMID) and is
# stopped on exit.  See bench/README.md.
set -uo pipefail

SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "${1:-/work/main/build}" 2>/dev/null && pwd || echo "${1:-/work/main/build}")
NS=${NS:-"8 64"}
ROUNDS=${ROUNDS:-3}
ITERS=${ITERS:-50}
ARCH=LINUX64
WORK=$(mktemp -d /tmp/pvmgbench.XXXXXX)
RES=$WORK/results.txt
: >"$RES"
log() { printf '%s\n' "$*" >&2; }

PVM_HOME=$WORK/pvmhome
PVM_BIN=$PVM_HOME/pvm3/bin/$ARCH
PVM_TMPDIR=$WORK/pvmtmp
OURS_TMP=$WORK/ourtmp
OURS_HOME=$WORK/ourhome
OURS_BIN=$BUILD/lib/pvm3/bin/$ARCH
mkdir -p "$PVM_BIN" "$PVM_TMPDIR" "$OURS_TMP" "$OURS_HOME"

pvm_env() {
    export PVM_ROOT=/usr/lib/pvm3 PVM_ARCH=$ARCH PVM_TMP=$PVM_TMPDIR PVM_VMID=gb$$
    export HOME=$PVM_HOME PVM_ALLOW_ROOT=1
    unset PVM_EXPORT PVM_DPATH
}
ours_env() { # ours_env <vmid>
    export PVM_ROOT=$BUILD/lib/pvm3 PVM_ARCH=$ARCH PVM_TMP=$OURS_TMP PVM_VMID=$1
    export HOME=$OURS_HOME
    unset PVM_EXPORT PVM_DPATH PVM_ALLOW_ROOT
}

PVM_PID=""
cleanup() {
    set +e
    if [ -n "$PVM_PID" ]; then
        (pvm_env; echo halt | timeout 10 /usr/bin/pvm) >/dev/null 2>&1
        sleep 0.5
        kill -9 "$PVM_PID" 2>/dev/null
        for pid in $(pgrep -f "^$WORK/" 2>/dev/null); do kill -9 "$pid" 2>/dev/null; done
    fi
    for vm in one four eight; do
        (ours_env $vm$$; echo halt | timeout 20 "$BUILD/console/pvm") >/dev/null 2>&1
    done
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# Builds: PVM 3.4.6 (Debian's headers and libraries) and MPI into the work
# dir, ours by CMake.
gcc -O2 -o "$PVM_BIN/group_bench" "$SRC/bench/group_bench.c" -lgpvm3 -lpvm3 ||
    { log "groups.sh: cannot build against PVM 3.4.6 (apt-get install pvm-dev)"; exit 1; }
ln -sf /usr/lib/pvm3/lib/pvmgs "$PVM_BIN/pvmgs" # libgpvm3 spawns its group server by name
HAVE_MPI=0
mpicc -O2 -o "$WORK/coll_mpi" "$SRC/bench/mpi/coll_mpi.c" 2>/dev/null && HAVE_MPI=1
MPIRUN=(mpirun --oversubscribe --mca mpi_yield_when_idle 1)
[ "$(id -u)" = 0 ] && MPIRUN+=(--allow-run-as-root)
cmake --build "$BUILD" --target group_bench pvmd pvm_console >"$WORK/build.log" 2>&1 ||
    { log "groups.sh: building ours failed"; tail -5 "$WORK/build.log" >&2; exit 1; }

# Daemons: PVM 3.4.6; ours with one host and ours with four.
(
    pvm_env
    cd "$PVM_HOME" || exit 1
    exec setsid /usr/lib/pvm3/lib/pvmd >"$WORK/pvmd3.out" 2>&1 </dev/null
) &
PVM_PID=$!
disown "$PVM_PID" 2>/dev/null
for _ in $(seq 50); do
    [ -e "$PVM_TMPDIR/pvmd.$(id -u).gb$$" ] && break
    sleep 0.1
done
(ours_env one$$; cd "$OURS_HOME" && timeout 20 "$BUILD/daemon/pvmd" </dev/null >/dev/null 2>&1) ||
    { log "groups.sh: our pvmd did not start"; exit 1; }
printf '127.0.0.2\n127.0.0.3\n127.0.0.4\n' >"$WORK/hosts4"
(ours_env four$$; cd "$OURS_HOME" && echo conf | timeout 60 "$BUILD/console/pvm" "$WORK/hosts4") \
    >"$WORK/conf4" 2>&1
grep -q "^4 hosts" "$WORK/conf4" || { log "groups.sh: 4 hosts did not start"; cat "$WORK/conf4" >&2; }
printf '127.0.0.%s\n' 2 3 4 5 6 7 8 >"$WORK/hosts8"
(ours_env eight$$; cd "$OURS_HOME" && echo conf | timeout 60 "$BUILD/console/pvm" "$WORK/hosts8") \
    >"$WORK/conf8" 2>&1
grep -q "^8 hosts" "$WORK/conf8" || { log "groups.sh: 8 hosts did not start"; cat "$WORK/conf8" >&2; }

run() { # run <label> <env> cmd...
    local label=$1 envkind=$2 out=$WORK/out
    shift 2
    case $envkind in
    pvm) (pvm_env; cd "$PVM_HOME" && exec timeout 300 "$@") >"$out" 2>&1 ;;
    one | four | eight) (ours_env $envkind$$; cd "$OURS_HOME" && exec timeout 300 "$@") >"$out" 2>&1 ;;
    *) timeout 300 "$@" >"$out" 2>&1 ;;
    esac
    local rc=$?
    grep -E '^coll ' "$out" | sed "s/^/$label /" >>"$RES"
    [ $rc = 0 ] || { log "groups.sh: $label $* failed ($rc):"; tail -3 "$out" >&2; }
}

for r in $(seq "$ROUNDS"); do
    for n in $NS; do
        log "round $r, $n tasks"
        run ours1 one "$OURS_BIN/group_bench" -n "$n" -k "$ITERS"
        run pvm pvm "$PVM_BIN/group_bench" -n "$n" -k "$ITERS"
        run ours4 four "$OURS_BIN/group_bench" -n "$n" -k "$ITERS"
        run ours8 eight "$OURS_BIN/group_bench" -n "$n" -k "$ITERS"
        [ $HAVE_MPI = 1 ] && run mpi none "${MPIRUN[@]}" -np "$n" "$WORK/coll_mpi" -k "$ITERS"
    done
done

# A host lost on the way (an overloaded machine can stall a pvmd past the
# link timeout) would leave its VM's later rounds on fewer hosts: say so.
for vm in four:4 eight:8; do
    have=$( (ours_env ${vm%%:*}$$; cd "$OURS_HOME" && echo conf | timeout 20 "$BUILD/console/pvm") 2>&1 |
        sed -n 's/^\([0-9]*\) hosts.*/\1/p')
    [ "${have:-0}" = "${vm##*:}" ] ||
        log "groups.sh: WARNING: the ${vm##*:}-host machine ended with ${have:-no} hosts: its columns are not ${vm##*:} hosts"
done

# Table: median over rounds per (op, n, label).
awk '
{ label=$1; for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
  key = f["op"] " " f["n"]; v[key, label, ++c[key, label]] = f["us"]; keys[key] = 1 }
function median(key, label,   k, a, m, i, j, t) {
  k = c[key, label]; if (!k) return -1e9
  for (i = 1; i <= k; i++) a[i] = v[key, label, i]
  for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
  return a[int((k + 1) / 2)]
}
function show(x) { return x == -1e9 ? "-" : sprintf("%.1f", x) }
END {
  printf "%-11s %4s %10s %10s %10s %10s %10s %9s\n", "op", "n", "ours1_us", "ours4_us", "ours8_us", "pvm_us", "mpi_us", "ours1/pvm"
  n = split("barrier bcast8 bcast1m reduce1 reduce100k", ops, " ")
  for (key in keys) { split(key, p, " "); ns[p[2]] = 1 }
  for (o = 1; o <= n; o++) for (m in ns) {
    key = ops[o] " " m; if (!(key in keys)) continue
    a = median(key, "ours1"); b = median(key, "ours4"); e = median(key, "ours8"); q = median(key, "pvm"); mm = median(key, "mpi")
    printf "%-11s %4s %10s %10s %10s %10s %10s %9s\n", ops[o], m, show(a), show(b), show(e), show(q), show(mm),
      (a != -1e9 && q > 0) ? sprintf("%.2f", a / q) : "-"
  }
}' "$RES"
