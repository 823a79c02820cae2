#!/usr/bin/env bash
# How long after kill -9 of a host's pvmd a task on another host receives
# PvmHostDelete for it: this project's VM against Debian's PVM 3.4.6, each
# over the same kind of network-namespace hosts (scripts/netns-cluster.sh,
# as bench/hosts.sh makes them).  Issue 9, item 8.
#
#   bench/failure.sh [build dir (default /work/main/build)]
#
# Each VM gets a cluster of TRIALS+1 hosts, h0 .. hTRIALS, all added from
# h0 (hosts_bench).  Trial k: failure_bench on h0 asks PvmHostDelete for
# hk and says READY; the script notes the time and sends SIGKILL to hk's
# pvmd; failure_bench prints the time the notice came (or NONE after the
# cap).  A fresh victim host per trial: PVM 3.4.6 may never give up a dead
# host, and a host it still lists could not be added again.  Prints every
# trial and a table: median, min, max, and the ratio PVM / ours.
#
# Environment: TRIALS (10), CAP (seconds a PVM trial may take, 60),
# PVM_TRIALS (trials of PVM, default TRIALS: each one that never notices
# costs CAP seconds), KEEP=1 keeps the work dir.  Needs root.
# Every daemon and namespace it starts is stopped on exit, whatever happens.
set -uo pipefail

SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "${1:-/work/main/build}" 2>/dev/null && pwd || echo "${1:-/work/main/build}")
TRIALS=${TRIALS:-10}
CAP=${CAP:-60}
PVM_TRIALS=${PVM_TRIALS:-$TRIALS}
ARCH=LINUX64
CLUSTER=$SRC/scripts/netns-cluster.sh
PVMD=$BUILD/daemon/pvmd
OURS_BIN=$BUILD/lib/pvm3/bin/$ARCH
PO=fo$$ # cluster prefixes (10 characters at most)
PP=fp$$
WORK=$(mktemp -d /tmp/pvmfailure.XXXXXX)

log() { printf '[%3ds] %s\n' "$SECONDS" "$*" >&2; }

[ "$(id -u)" = 0 ] || { log "failure.sh: needs root (network namespaces)"; exit 1; }
CLUSTERS=()
WATCHDOG=""
cleanup() {
    set +e
    [ -n "$WATCHDOG" ] && kill "$WATCHDOG" 2>/dev/null
    local c
    for c in "${CLUSTERS[@]}"; do "$CLUSTER" down --prefix "$c"; done
    if [ "${KEEP:-0}" = 1 ]; then log "failure.sh: kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
# The EXIT trap runs only when a foreground command ends: a watchdog takes
# the clusters down if something hangs inside a host.
(
    trap 'kill "$s" 2>/dev/null; exit 0' TERM
    sleep $(((TRIALS + PVM_TRIALS) * (CAP + 20) + 300)) &
    s=$!
    wait "$s" || exit 0
    "$CLUSTER" down --prefix "$PO"
    "$CLUSTER" down --prefix "$PP"
) &
WATCHDOG=$!

# ------------------------------------------------------------------------
# Programs
# ------------------------------------------------------------------------
if [ -f "$BUILD/CMakeCache.txt" ]; then
    cmake --build "$BUILD" --target pvmd pvm_console hosts_bench failure_bench \
        >"$WORK/build.log" 2>&1 || { tail -20 "$WORK/build.log" >&2; exit 1; }
fi
for f in "$PVMD" "$OURS_BIN/hosts_bench" "$OURS_BIN/failure_bench"; do
    [ -x "$f" ] || { log "failure.sh: no $f (build $BUILD first)"; exit 1; }
done
PVM_PROGS=$WORK/pvmbin
mkdir -p "$PVM_PROGS"
HAVE_PVM=1
for prog in hosts_bench failure_bench; do
    gcc -O2 -Wall -Wextra -Werror -o "$PVM_PROGS/$prog" "$SRC/bench/$prog.c" -lpvm3 \
        2>>"$WORK/build.log" || HAVE_PVM=0
done
[ -x /usr/lib/pvm3/lib/pvmd ] || HAVE_PVM=0
[ "$HAVE_PVM" = 1 ] || log "failure.sh: no PVM 3.4.6 (pvm, pvm-dev): PVM left out"

# ------------------------------------------------------------------------
# Clusters and machines
# ------------------------------------------------------------------------
N=$((TRIALS > PVM_TRIALS ? TRIALS : PVM_TRIALS))
ns_up() { # ns_up <prefix> VAR=VALUE...
    local p=$1 e=() kv
    shift
    for kv in "$@"; do e+=(--env "$kv"); done
    CLUSTERS+=("$p")
    "$CLUSTER" up $((N + 1)) --prefix "$p" --dir "$WORK/ns-$p" "${e[@]}" >"$WORK/up-$p.out" 2>&1 ||
        { cat "$WORK/up-$p.out" >&2; return 1; }
}
X() { "$CLUSTER" exec --prefix "$@"; } # X <prefix> <host> cmd...
others() { # host names 1 .. N of a cluster
    local i
    for i in $(seq 1 "$N"); do printf '%s%s ' "$1" "$i"; done
}
pvmd_in() { # pvmd_in <namespace>: the pid of the pvmd running there
    local pid
    for pid in $(ip netns pids "$1" 2>/dev/null); do
        case $(readlink "/proc/$pid/exe" 2>/dev/null) in
        */pvmd | */pvmd3) echo "$pid"; return 0 ;;
        esac
    done
    return 1
}

OURS=0
PVM=0
log "failure.sh: two clusters of $((N + 1)) namespace hosts; $TRIALS trials of ours, $PVM_TRIALS of PVM 3.4.6 (cap ${CAP} s)"
if ns_up "$PO" "PVM_ROOT=$BUILD/lib/pvm3"; then
    if X "$PO" "${PO}0" env PVM_RSH="/run/pvm-netns/$PO/rsh" "$PVMD" </dev/null >"$WORK/ours.out" 2>&1; then
        # shellcheck disable=SC2046
        out=$(X "$PO" "${PO}0" "$OURS_BIN/hosts_bench" -t 60 $(others "$PO") 2>&1)
        if grep -q "^hosts .*failed=0" <<<"$out"; then OURS=1; else log "ours: add failed: $out"; fi
    else
        log "ours: pvmd did not start: $(cat "$WORK/ours.out")"
    fi
fi
if [ "$HAVE_PVM" = 1 ] && ns_up "$PP" PVM_ROOT=/usr/lib/pvm3 PVM_ALLOW_ROOT=1; then
    for i in $(seq 0 "$N"); do
        mkdir -p "$WORK/ns-$PP/$PP$i/home/pvm3/bin/$ARCH"
        cp "$PVM_PROGS"/* "$WORK/ns-$PP/$PP$i/home/pvm3/bin/$ARCH/"
    done
    # PVM's pvmd stays in the foreground: in the background, in host 0.
    (X "$PP" "${PP}0" env PVM_RSH="/run/pvm-netns/$PP/rsh" setsid /usr/lib/pvm3/lib/pvmd \
        </dev/null >"$WORK/pvm.out" 2>&1 &)
    for _ in $(seq 50); do
        ls "$WORK/ns-$PP/${PP}0/tmp"/pvmd.* >/dev/null 2>&1 && break
        sleep 0.1
    done
    # shellcheck disable=SC2046
    out=$(X "$PP" "${PP}0" "pvm3/bin/$ARCH/hosts_bench" -t 60 $(others "$PP") 2>&1)
    if grep -q "^hosts .*failed=0" <<<"$out"; then PVM=1; else log "PVM 3.4.6: add failed: $out"; fi
fi

# ------------------------------------------------------------------------
# Trials
# ------------------------------------------------------------------------
# trial <label> <prefix> <watcher> <k>: prints the seconds from SIGKILL of
# host k's pvmd to the notice at h0, or "none" after the cap.
trial() {
    local label=$1 p=$2 prog=$3 k=$4 out=$WORK/$1.$4 wpid pid t0 l
    X "$p" "${p}0" "$prog" "$p$k" "$CAP" >"$out" 2>&1 &
    wpid=$!
    for _ in $(seq 200); do grep -q '^READY\|^FAIL' "$out" && break; sleep 0.05; done
    if ! grep -q '^READY' "$out" || ! pid=$(pvmd_in "$p$k"); then
        log "$label trial $k: not ready ($(cat "$out")); pvmd of $p$k: ${pid:-none}"
        kill "$wpid" 2>/dev/null
        echo error
        return
    fi
    t0=$(date +%s.%N)
    kill -9 "$pid"
    for _ in $(seq $(((CAP + 10) * 20))); do kill -0 "$wpid" 2>/dev/null || break; sleep 0.05; done
    kill "$wpid" 2>/dev/null
    wait "$wpid" 2>/dev/null
    l=$(grep '^NOTICE ' "$out")
    if [ -n "$l" ]; then
        awk -v a="$t0" -v b="${l##*t=}" 'BEGIN { printf "%.3f\n", b - a }'
    else
        echo none
    fi
}
: >"$WORK/ours.times"
: >"$WORK/pvm.times"
if [ "$OURS" = 1 ]; then
    for k in $(seq 1 "$TRIALS"); do
        r=$(trial ours "$PO" "$OURS_BIN/failure_bench" "$k")
        log "ours trial $k: $r s"
        echo "$r" >>"$WORK/ours.times"
    done
fi
if [ "$PVM" = 1 ]; then
    for k in $(seq 1 "$PVM_TRIALS"); do
        r=$(trial pvm "$PP" "pvm3/bin/$ARCH/failure_bench" "$k")
        log "PVM 3.4.6 trial $k: $r"
        echo "$r" >>"$WORK/pvm.times"
    done
fi

# ------------------------------------------------------------------------
# Table
# ------------------------------------------------------------------------
# stats <file>: "median min max n noticed" with "none" counted above the
# cap (a median that falls on one prints ">CAP").
stats() {
    awk -v cap="$CAP" '
        $1 == "none" { v[++n] = cap + 1e6; miss++; next }
        $1 ~ /^[0-9.]+$/ { v[++n] = $1 + 0 }
        END {
            if (!n) { print "- - - 0 0"; exit }
            for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
            m = n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
            f = "%.3f"
            printf "%s %s %s %d %d\n", (m > cap ? ">" cap : sprintf(f, m)), (v[1] > cap ? ">" cap : sprintf(f, v[1])),
                (v[n] > cap ? ">" cap : sprintf(f, v[n])), n, n - miss
        }' "$1"
}
read -r om omin omax on ook <<<"$(stats "$WORK/ours.times")"
read -r pm pmin pmax pn pok <<<"$(stats "$WORK/pvm.times")"
echo
echo "Time from kill -9 of a host's pvmd to PvmHostDelete at a task on the first host (s)"
echo "namespace hosts; PVM trials capped at ${CAP} s"
printf '%-14s %10s %10s %10s %8s %8s\n' "" median min max trials noticed
printf '%-14s %10s %10s %10s %8s %8s\n' "this VM" "$om" "$omin" "$omax" "$on" "$ook"
printf '%-14s %10s %10s %10s %8s %8s\n' "PVM 3.4.6" "$pm" "$pmin" "$pmax" "$pn" "$pok"
ratio=$(awk -v o="$om" -v p="$pm" 'BEGIN {
    if (o !~ /^[0-9.]+$/ || o + 0 == 0 || p == "-") { print "-"; exit }
    if (p ~ /^>/) { printf ">%.0fx\n", substr(p, 2) / o; exit }
    printf "%.1fx\n", p / o }')
echo "PVM 3.4.6 / this VM (median): $ratio"
echo "ours:      $(tr '\n' ' ' <"$WORK/ours.times")"
echo "PVM 3.4.6: $(tr '\n' ' ' <"$WORK/pvm.times")"
