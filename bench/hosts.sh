#!/usr/bin/env bash
# Benchmarks of a virtual machine over many hosts, side by side in one run:
# this project's VM, Debian's PVM 3.4.6 and Open MPI.  See bench/README.md,
# "Many hosts".
#
#   bench/hosts.sh [build dir (default /work/main/build)]
#
#   1. time until a 32-host and a 128-host VM of ours is up (loopback hosts
#      127.0.0.2 ...; hosts_bench: one pvm_addhosts call, then pvm_config
#      until it lists them all), and every pvmd's resident memory;
#   2. spawn of 256 tasks over 8 hosts to the 256th message: ours on 8
#      loopback hosts and on 8 network-namespace hosts, PVM 3.4.6 on 8
#      namespace hosts (it cannot run several pvmds per user on loopback);
#      plus the time to add 7 namespace hosts, ours and PVM's;
#   3. round trip (8 B .. 1 MiB) between tasks on the first two namespace
#      hosts: ours direct (the default) and through the daemons
#      (PvmDontRoute), each in a machine that encrypts (the default) and in
#      one that does not (a second VM, PVM_MESH_PLAIN=1, on the same
#      hosts); PVM 3.4.6 default and direct route; Open MPI TCP.
#
# Two clusters of 8 namespace hosts (scripts/netns-cluster.sh): one for ours
# (PVM_ROOT = the build's lib/pvm3) and one for PVM 3.4.6 (PVM_ROOT =
# /usr/lib/pvm3, PVM_ALLOW_ROOT=1; Open MPI runs there too); both are made
# the same way (veth + bridge, 10.231.X.0/24).  Needs root for them; without
# root only part 1 and ours on loopback run.
#
# Environment: ROUNDS (3), FACTOR (divides ping-pong iterations; 1),
# BIG (hosts of the large VM; 128), NS_HOSTS (8), KEEP=1 keeps the work dir
# (logs), NO_NETNS=1 skips the namespace parts.
#
# Every daemon and namespace it starts is stopped on exit, whatever happens.
set -uo pipefail

SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "${1:-/work/main/build}" 2>/dev/null && pwd || echo "${1:-/work/main/build}")
ROUNDS=${ROUNDS:-3}
FACTOR=${FACTOR:-1}
BIG=${BIG:-128}
NS_HOSTS=${NS_HOSTS:-8}
ARCH=LINUX64
WORK=$(mktemp -d /tmp/pvmhosts.XXXXXX)
RES=$WORK/results.txt
: >"$RES"
CLUSTER=$SRC/scripts/netns-cluster.sh
OURS_BIN=$BUILD/lib/pvm3/bin/$ARCH
PVMD=$BUILD/daemon/pvmd
CONSOLE=$BUILD/console/pvm
PO=bo$$ # cluster prefixes (10 characters at most)
PP=bp$$

log() { printf '[%3ds] %s\n' "$SECONDS" "$*" >&2; }

# ------------------------------------------------------------------------
# Cleanup: every loopback VM of ours (by the pids in its pid files), both
# clusters (netns-cluster.sh down ends every process in their hosts)
# ------------------------------------------------------------------------
CLUSTERS=()
WATCHDOG=""
pids_of_vm() { # pids_of_vm <PVM_TMP>: the pvmds of one loopback VM of ours
    local f
    for f in "$1"/*/pvmd.pid; do [ -f "$f" ] && cat "$f"; done 2>/dev/null
}
halt_vm() { # halt_vm <vm dir>: console halt, then kill -9 whatever is left
    local dir=$1 pids left=""
    pids=$(pids_of_vm "$dir/tmp")
    [ -n "$pids" ] || return 0
    (vm_env "$dir"; cd "$dir/home" && echo halt | timeout 20 "$CONSOLE") >/dev/null 2>&1
    for _ in $(seq 50); do
        left=""
        for p in $pids; do kill -0 "$p" 2>/dev/null && left="$left $p"; done
        [ -z "$left" ] && break
        sleep 0.1
    done
    if [ -n "$left" ]; then
        log "hosts.sh: pvmds left after halt in $dir:$left (killed)"
        echo "leftover vm=$(basename "$dir") pids=$(echo $left | wc -w)" >>"$RES"
        kill -9 $left 2>/dev/null
    fi
    rm -f "$dir"/tmp/*/pvmd.pid
}
cleanup() {
    set +e
    [ -n "$WATCHDOG" ] && kill "$WATCHDOG" 2>/dev/null
    local d
    for d in "$WORK"/vm-*; do [ -d "$d" ] && halt_vm "$d"; done
    for c in "${CLUSTERS[@]}"; do "$CLUSTER" down --prefix "$c"; done
    if [ "${KEEP:-0}" = 1 ]; then
        log "hosts.sh: kept $WORK"
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# A pvmd per host needs descriptors (mesh links, its tasks): take the hard limit.
ulimit -n "$(ulimit -Hn)" 2>/dev/null
log "hosts.sh: open files limit $(ulimit -n), work dir $WORK"

# ------------------------------------------------------------------------
# Builds
# ------------------------------------------------------------------------
if [ -f "$BUILD/CMakeCache.txt" ]; then
    cmake --build "$BUILD" --target pvmd pvm_console hosts_bench pingpong_bench spawn_bench \
        >"$WORK/build.log" 2>&1 || { tail -20 "$WORK/build.log" >&2; exit 1; }
fi
for f in "$PVMD" "$CONSOLE" "$OURS_BIN/hosts_bench" "$OURS_BIN/pingpong_bench" \
    "$OURS_BIN/spawn_bench"; do
    [ -x "$f" ] || { log "hosts.sh: no $f (build $BUILD first)"; exit 1; }
done
PVM_PROGS=$WORK/pvmbin
mkdir -p "$PVM_PROGS"
HAVE_PVM=1
for prog in pingpong_bench spawn_bench hosts_bench; do
    gcc -O2 -Wall -Wextra -Werror -Wno-unused-parameter -o "$PVM_PROGS/$prog" \
        "$SRC/bench/$prog.c" -lpvm3 -lm 2>>"$WORK/build.log" || HAVE_PVM=0
done
[ "$HAVE_PVM" = 1 ] || log "hosts.sh: cannot build against PVM 3.4.6 (pvm-dev); PVM left out"
HAVE_MPI=0
command -v mpicc >/dev/null && mpicc -O2 -o "$WORK/pingpong_mpi" "$SRC/bench/mpi/pingpong_mpi.c" &&
    HAVE_MPI=1

# ------------------------------------------------------------------------
# Loopback VMs of ours: each its own PVM_TMP, HOME and PVM_VMID
# ------------------------------------------------------------------------
vm_env() { # in a subshell
    export PVM_ROOT=$BUILD/lib/pvm3 PVM_ARCH=$ARCH PVM_TMP=$1/tmp HOME=$1/home
    export PVM_VMID=h$$$(basename "$1")
    unset PVM_EXPORT PVM_DPATH PVM_RSH
}
VMN=0
VM=""
new_vm() { # new_vm: starts a pvmd; VM is its dir (not in $(...): VMN counts)
    VMN=$((VMN + 1))
    local dir=$WORK/vm-$VMN
    VM=$dir
    mkdir -p "$dir/tmp" "$dir/home"
    if ! (vm_env "$dir"; cd "$dir/home" && timeout 20 "$PVMD" </dev/null >"$dir/start.out" 2>&1); then
        log "hosts.sh: our pvmd did not start: $(cat "$dir/start.out")"
        return 1
    fi
}
in_vm() { # in_vm <dir> <limit s> cmd...: output to stdout
    local dir=$1 limit=$2
    shift 2
    (vm_env "$dir"; cd "$dir/home" && exec timeout "$limit" "$@")
}
# rss_kb <pid>, fds <pid>, threads <pid>
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null; }
# private (not shared with other processes) resident kB
priv_kb() { awk '/^Private_(Clean|Dirty):/ { s += $2 } END { print s }' "/proc/$1/smaps_rollup" 2>/dev/null; }
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null; }
nfds() { ls "/proc/$1/fd" 2>/dev/null | wc -l; }
nthreads() { awk '/^Threads:/ { print $2 }' "/proc/$1/status" 2>/dev/null; }
# mem_line <label> <first pid> <pid>...: resident memory of every pvmd
mem_line() {
    local label=$1 first=$2 p
    shift 2
    local all="" priv=""
    for p in "$@"; do
        all="$all $(rss_kb "$p")"
        priv="$priv $(priv_kb "$p")"
    done
    local pmed
    pmed=$(echo "$priv" | tr ' ' '\n' | grep . | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
    echo "$all" | tr ' ' '\n' | grep . | sort -n | awk -v l="$label" -v f="$(rss_kb "$first")" \
        -v fd="$(nfds "$first")" -v th="$(nthreads "$first")" -v fp="$(priv_kb "$first")" -v pm="$pmed" '
        { v[NR] = $1; s += $1 }
        END { printf "%s mem pvmds=%d first_kb=%s median_kb=%s max_kb=%s sum_kb=%d first_priv_kb=%s median_priv_kb=%s first_fds=%s first_threads=%s\n",
              l, NR, f, v[int((NR + 1) / 2)], v[NR], s, fp, pm, fd, th }' >>"$RES"
}

hosts_up() { # hosts_up <N> <label> [hosts_bench options]: one VM, up, measured, halted
    local n=$1 label=$2 dir first out
    shift 2
    new_vm || return 1
    dir=$VM
    first=$(pids_of_vm "$dir/tmp")
    local c0 c1
    c0=$(ticks "$first")
    out=$(in_vm "$dir" 120 "$OURS_BIN/hosts_bench" "$@" -t 60 -n "$n" 2>&1)
    c1=$(ticks "$first")
    # the first pvmd's CPU (user + system) over the whole add, in seconds
    grep '^hosts ' <<<"$out" | sed "s/\$/ first_cpu_s=$(awk -v a="$c0" -v b="$c1" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", (b - a) / hz }')/; s/^/$label /" >>"$RES"
    grep -v '^hosts ' <<<"$out" | sed "s/^/    $label: /" >&2
    # shellcheck disable=SC2046
    mem_line "$label" "$first" $(pids_of_vm "$dir/tmp")
    # Hosts that failed: what the first pvmd logged.
    grep -h 'not added' "$dir"/tmp/*/pvmd.log 2>/dev/null | head -3 | sed "s/^/    $label log: /" >&2
    halt_vm "$dir"
}

# ------------------------------------------------------------------------
# Namespace clusters
# ------------------------------------------------------------------------
HAVE_NS=0
if [ "${NO_NETNS:-0}" != 1 ] && [ "$(id -u)" = 0 ] && command -v ip >/dev/null; then
    HAVE_NS=1
fi
XO() { "$CLUSTER" exec --prefix "$PO" "$@"; }
XP() { "$CLUSTER" exec --prefix "$PP" "$@"; }
ns_up() { # ns_up <prefix> VAR=VALUE...
    local p=$1 e=() kv
    shift
    for kv in "$@"; do e+=(--env "$kv"); done
    CLUSTERS+=("$p")
    "$CLUSTER" up "$NS_HOSTS" --prefix "$p" --dir "$WORK/ns-$p" "${e[@]}" >"$WORK/up-$p.out" 2>&1 ||
        { cat "$WORK/up-$p.out" >&2; return 1; }
}
ns_pids() { # pvmd pids in a cluster's hosts, first host first
    local p=$1 i pid
    for i in $(seq 0 $((NS_HOSTS - 1))); do
        for pid in $(ip netns pids "$p$i" 2>/dev/null); do
            case $(readlink "/proc/$pid/exe" 2>/dev/null) in
            */pvmd | */pvmd3) echo "$pid" ;;
            esac
        done
    done
}
ns_others() { # host names 1 .. NS_HOSTS-1 of a cluster
    local i
    for i in $(seq 1 $((NS_HOSTS - 1))); do printf '%s%s ' "$1" "$i"; done
}

OURS_NS=0
OURS_PLAIN=0
PVM_NS=0
if [ "$HAVE_NS" = 1 ]; then
    log "hosts.sh: two clusters of $NS_HOSTS namespace hosts"
    # The shell runs its EXIT trap only when a foreground command ends: a
    # watchdog takes the clusters down if something hangs in a host.
    (
        trap 'kill "$s" 2>/dev/null; exit 0' TERM
        sleep 1800 &
        s=$!
        wait "$s" || exit 0
        "$CLUSTER" down --prefix "$PO"
        "$CLUSTER" down --prefix "$PP"
    ) &
    WATCHDOG=$!
    RSH_O=/run/pvm-netns/$PO/rsh
    RSH_P=/run/pvm-netns/$PP/rsh
    if ns_up "$PO" "PVM_ROOT=$BUILD/lib/pvm3"; then
        # Our pvmd daemonizes in host 0; PVM_RSH is its to start the others.
        if XO "${PO}0" env PVM_RSH="$RSH_O" "$PVMD" </dev/null >"$WORK/ours-ns.out" 2>&1; then
            out=$(XO "${PO}0" "$OURS_BIN/hosts_bench" -t 60 $(ns_others "$PO") 2>&1)
            echo "$out" | grep '^hosts ' | sed 's/^/ours_ns7 /' >>"$RES"
            if grep -q "^hosts .*failed=0" <<<"$out"; then
                OURS_NS=1
                # shellcheck disable=SC2046
                mem_line ours_ns $(ns_pids "$PO")
                # A second machine of ours on hosts 0 and 1, unencrypted.
                if XO "${PO}0" env PVM_RSH="$RSH_O" PVM_VMID=plain PVM_MESH_PLAIN=1 "$PVMD" \
                    </dev/null >"$WORK/ours-plain.out" 2>&1 &&
                    XO "${PO}0" env PVM_VMID=plain "$OURS_BIN/hosts_bench" -t 60 "${PO}1" \
                        >>"$WORK/ours-plain.out" 2>&1; then
                    OURS_PLAIN=1
                else
                    log "hosts.sh: our unencrypted VM did not start: $(tail -3 "$WORK/ours-plain.out")"
                fi
            else
                log "hosts.sh: adding namespace hosts to ours failed: $out"
                for h in $(seq 0 $((NS_HOSTS - 1))); do
                    tail -5 "$WORK/ns-$PO/$PO$h"/tmp/*/pvmd.log 2>/dev/null | sed "s/^/    $PO$h: /" >&2
                done
            fi
        else
            log "hosts.sh: our pvmd did not start in ${PO}0: $(cat "$WORK/ours-ns.out")"
        fi
    fi
    if [ "$HAVE_PVM" = 1 ] && ns_up "$PP" PVM_ROOT=/usr/lib/pvm3 PVM_ALLOW_ROOT=1; then
        for i in $(seq 0 $((NS_HOSTS - 1))); do
            mkdir -p "$WORK/ns-$PP/$PP$i/home/pvm3/bin/$ARCH"
            cp "$PVM_PROGS"/* "$WORK/ns-$PP/$PP$i/home/pvm3/bin/$ARCH/"
        done
        # PVM's pvmd stays in the foreground: in the background, in host 0.
        (XP "${PP}0" env PVM_RSH="$RSH_P" setsid /usr/lib/pvm3/lib/pvmd \
            </dev/null >"$WORK/pvm-ns.out" 2>&1 &)
        for _ in $(seq 50); do
            ls "$WORK/ns-$PP/${PP}0/tmp"/pvmd.* >/dev/null 2>&1 && break
            sleep 0.1
        done
        out=$(XP "${PP}0" pvm3/bin/$ARCH/hosts_bench -t 60 $(ns_others "$PP") 2>&1)
        echo "$out" | grep '^hosts ' | sed 's/^/pvm_ns7 /' >>"$RES"
        if grep -q "^hosts .*failed=0" <<<"$out"; then
            PVM_NS=1
            # shellcheck disable=SC2046
            mem_line pvm_ns $(ns_pids "$PP")
        else
            log "hosts.sh: PVM 3.4.6 did not add its namespace hosts: $out"
            cat "$WORK/pvm-ns.out" "$WORK/ns-$PP/${PP}0/tmp"/pvml.* 2>/dev/null | tail -10 >&2
        fi
    fi
    if [ "$HAVE_MPI" = 1 ] && [ "$PVM_NS" = 1 ]; then
        printf '%s0 slots=1\n%s1 slots=1\n' "$PP" "$PP" >"$WORK/mpihosts"
    else
        HAVE_MPI=0
    fi
fi

# ------------------------------------------------------------------------
# Runs, interleaved round by round
# ------------------------------------------------------------------------
# run <label> <limit s> <where: ns-ours|ns-pvm|vm DIR|none> cmd...: appends
# "<label> line" for every result line; failures are logged and skipped.
run() {
    local label=$1 limit=$2 where=$3 out=$WORK/out.txt rc
    shift 3
    case $where in
    ns-ours) timeout "$limit" "$CLUSTER" exec --prefix "$PO" "${PO}0" "$@" >"$out" 2>&1 ;;
    ns-pvm) timeout "$limit" "$CLUSTER" exec --prefix "$PP" "${PP}0" "$@" >"$out" 2>&1 ;;
    vm:*) in_vm "${where#vm:}" "$limit" "$@" >"$out" 2>&1 ;;
    *) timeout "$limit" "$@" >"$out" 2>&1 ;;
    esac
    rc=$?
    grep -E '^(pingpong|spawn|hosts) ' "$out" | sed "s/^/$label /" >>"$RES"
    if [ $rc != 0 ]; then
        log "hosts.sh: $label $(basename "$1") failed (exit $rc):"
        tail -5 "$out" | sed 's/^/    /' >&2
    fi
}
settle() { # the spawned tasks of a spawn run are gone
    for _ in $(seq 100); do
        pgrep -x spawn_bench >/dev/null 2>&1 || return 0
        sleep 0.1
    done
}

# An 8-host loopback VM of ours for spawn (and a loopback ping-pong for reference).
LB8=""
if new_vm; then
    LB8=$VM
    in_vm "$LB8" 60 "$OURS_BIN/hosts_bench" -n "$NS_HOSTS" >"$WORK/lb8.out" 2>&1 ||
        { log "hosts.sh: 8 loopback hosts: $(cat "$WORK/lb8.out")"; }
    grep '^hosts ' "$WORK/lb8.out" | sed 's/^/ours_lb8 /' >>"$RES"
fi

SIZES=8,1024,65536,1048576
PP_ARGS=(-s "$SIZES" -f "$FACTOR")
MPIRUN=(mpirun -np 2 --hostfile "$WORK/mpihosts" --map-by node --mca plm_rsh_agent "${RSH_P:-}"
    --mca btl tcp,self --mca btl_tcp_if_include eth0 --mca oob_tcp_if_include eth0
    --mca mpi_yield_when_idle 1)
[ "$(id -u)" = 0 ] && MPIRUN+=(--allow-run-as-root)

for round in $(seq "$ROUNDS"); do
    log "hosts.sh: round $round of $ROUNDS"
    log "hosts.sh: VMs of 32 and $BIG loopback hosts"
    hosts_up 32 ours_up32
    hosts_up "$BIG" "ours_up$BIG"
    [ "$round" = 1 ] && hosts_up 32 ours_up32_one -b 1 # information: one host per call
    log "hosts.sh: spawn 256"
    [ -n "$LB8" ] && { run ours_lb8 120 "vm:$LB8" "$OURS_BIN/spawn_bench" -n 256; settle; }
    [ "$OURS_NS" = 1 ] && { run ours_ns 120 ns-ours "$OURS_BIN/spawn_bench" -n 256; settle; }
    [ "$PVM_NS" = 1 ] && { run pvm_ns 120 ns-pvm pvm3/bin/$ARCH/spawn_bench -n 256; settle; }
    log "hosts.sh: ping-pong"
    [ "$OURS_NS" = 1 ] &&
        run ours_ns 300 ns-ours "$OURS_BIN/pingpong_bench" -h "${PO}1" "${PP_ARGS[@]}"
    [ "$OURS_NS" = 1 ] &&
        run ours_ns_d 300 ns-ours "$OURS_BIN/pingpong_bench" -n -h "${PO}1" "${PP_ARGS[@]}"
    [ "$OURS_PLAIN" = 1 ] &&
        run ours_pl 300 ns-ours env PVM_VMID=plain "$OURS_BIN/pingpong_bench" -h "${PO}1" "${PP_ARGS[@]}"
    [ "$OURS_PLAIN" = 1 ] &&
        run ours_pl_d 300 ns-ours env PVM_VMID=plain "$OURS_BIN/pingpong_bench" -n -h "${PO}1" \
            "${PP_ARGS[@]}"
    [ "$PVM_NS" = 1 ] &&
        run pvm_default 300 ns-pvm pvm3/bin/$ARCH/pingpong_bench -h "${PP}1" "${PP_ARGS[@]}"
    [ "$PVM_NS" = 1 ] &&
        run pvm_direct 300 ns-pvm pvm3/bin/$ARCH/pingpong_bench -d -h "${PP}1" "${PP_ARGS[@]}"
    [ "$HAVE_MPI" = 1 ] && run mpi 300 ns-pvm "${MPIRUN[@]}" "$WORK/pingpong_mpi" -f "$FACTOR"
    [ -n "$LB8" ] &&
        run ours_lb 300 "vm:$LB8" "$OURS_BIN/pingpong_bench" -h 127.0.0.2 "${PP_ARGS[@]}"
done

# ------------------------------------------------------------------------
# Tables: medians over rounds
# ------------------------------------------------------------------------
median() {
    sort -g | awk '{ v[NR] = $1 }
        END { if (NR == 0) print "";
              else if (NR % 2) print v[(NR + 1) / 2];
              else printf "%.4f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
field() { # field <label> <kind> <key> [size]
    local sel="^$1 $2 "
    [ -n "${4:-}" ] && sel="$sel.*size=$4 "
    grep -E "$sel" "$RES" | sed -n "s/.* $3=\([-0-9.e+]*\).*/\1/p" | median
}
every() { grep -E "^$1 $2 " "$RES" | sed -n "s/.* $3=\([-0-9.e+]*\).*/\1/p" | tr '\n' ' '; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b + 0 == 0) print "-"; else printf "%.2f", a / b }'; }
rawratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b + 0 == 0) print "-"; else printf "%.6f", a / b }'; }
num() { [ -n "$1" ] && printf "%.${2:-1}f" "$1" || printf -- "-"; }
verdict() { awk -v v="$1" -v op="$2" -v l="$3" 'BEGIN {
    if (v == "" || v == "-") { print "n/a"; exit }
    ok = (op == "<=") ? (v + 0 <= l + 0) : (v + 0 >= l + 0)
    print ok ? "PASS" : "FAIL" }'; }
bw() { awk -v t="$1" 'BEGIN { if (t == "") print ""; else printf "%.1f", 2 * 1048576 / t }'; }

echo
echo "Many hosts, on $(hostname), $(nproc) cores, $ROUNDS rounds, medians (open files limit $(ulimit -n))"
echo
echo "1. Time until the VM is up (s; from before pvm_addhosts to its answer, and until pvm_config"
echo "   lists every host added; in_conf: hosts listed, median; failed: hosts not added, every round)"
printf "  %-30s %8s %8s %7s %8s %6s  %s\n" vm addhosts conf in_conf cpu_1st failed "conf, every round"
for l in ours_up32 "ours_up$BIG" ours_up32_one ours_ns7 pvm_ns7; do
    grep -q "^$l hosts " "$RES" || continue
    case $l in
    ours_up32) d="ours, 32 loopback hosts" ;;
    ours_up32_one) d="ours, 32, one host per call" ;;
    ours_ns7) d="ours, +$((NS_HOSTS - 1)) namespace hosts" ;;
    pvm_ns7) d="PVM 3.4.6, +$((NS_HOSTS - 1)) ns hosts" ;;
    *) d="ours, $BIG loopback hosts" ;;
    esac
    printf "  %-30s %8s %8s %7s %8s %6s  %s\n" "$d" "$(num "$(field "$l" hosts addhosts_s)" 3)" \
        "$(num "$(field "$l" hosts conf_s)" 3)" "$(field "$l" hosts n)" \
        "$(field "$l" hosts first_cpu_s)" "$(every "$l" hosts failed)" \
        "$(every "$l" hosts conf_s)"
done
echo
echo "   cpu_1st: the first pvmd's CPU time over the add (s, user + system)"
echo
echo "   resident memory of every pvmd (kB, medians over rounds): VmRSS of the first, the median"
echo "   one, the largest and all together; private (not shared) kB of the first and the median one;"
echo "   descriptors and threads of the first"
printf "  %-12s %5s %7s %7s %7s %8s %9s %9s %5s %7s\n" vm pvmds first median max sum priv_1st priv_med fds threads
for l in ours_up32 "ours_up$BIG" ours_ns pvm_ns; do
    grep -q "^$l mem " "$RES" || continue
    printf "  %-12s %5s %7s %7s %7s %8s %9s %9s %5s %7s\n" "$l" "$(field "$l" mem pvmds)" \
        "$(field "$l" mem first_kb)" "$(field "$l" mem median_kb)" "$(field "$l" mem max_kb)" \
        "$(field "$l" mem sum_kb)" "$(field "$l" mem first_priv_kb)" "$(field "$l" mem median_priv_kb)" \
        "$(field "$l" mem first_fds)" "$(field "$l" mem first_threads)"
done
grep '^leftover ' "$RES" | sort | uniq -c | sed 's/^/  after halt, pvmds still running (killed): /'

echo
echo "2. Spawn of 256 tasks over $NS_HOSTS hosts, to the 256th message (s)"
for l in ours_lb8 ours_ns pvm_ns; do
    grep -q "^$l spawn " "$RES" || continue
    case $l in
    ours_lb8) d="ours, loopback hosts" ;;
    ours_ns) d="ours, namespace hosts" ;;
    pvm_ns) d="PVM 3.4.6, namespace hosts" ;;
    esac
    printf "  %-28s total %7s  in pvm_spawn %7s  hosts used %s  tasks per host %s\n" "$d" \
        "$(num "$(field $l spawn total_s)" 3)" "$(num "$(field $l spawn spawn_call_s)" 3)" \
        "$(field $l spawn hosts)" "$(grep "^$l spawn " "$RES" | tail -1 | sed -n 's/.*per_host=\([^ ]*\).*/\1/p')"
done
so=$(field ours_ns spawn total_s)
sl=$(field ours_lb8 spawn total_s)
sp=$(field pvm_ns spawn total_s)
printf "  ours/PVM: namespace hosts %s, loopback hosts %s\n" "$(ratio "$so" "$sp")" "$(ratio "$sl" "$sp")"

echo
echo "3. Round trip between tasks on two namespace hosts (us): ours direct (the default route) and"
echo "   through the daemons (PvmDontRoute), encrypted (the default) and in an unencrypted machine"
printf "  %9s %9s %9s %9s %9s %9s %9s %9s %9s %11s\n" size direct plain daemons dmn-plain \
    pvmdef pvmdir mpi "ours lo(*)" direct/pdir
for size in 8 1024 65536 1048576; do
    o=$(field ours_ns pingpong median_us $size)
    op=$(field ours_pl pingpong median_us $size)
    od=$(field ours_ns_d pingpong median_us $size)
    opd=$(field ours_pl_d pingpong median_us $size)
    d=$(field pvm_default pingpong median_us $size)
    r=$(field pvm_direct pingpong median_us $size)
    m=$(field mpi pingpong median_us $size)
    l=$(field ours_lb pingpong median_us $size)
    printf "  %9s %9s %9s %9s %9s %9s %9s %9s %9s %11s\n" $size "$(num "$o")" "$(num "$op")" \
        "$(num "$od")" "$(num "$opd")" "$(num "$d")" "$(num "$r")" "$(num "$m")" "$(num "$l")" \
        "$(ratio "$o" "$r")"
done
echo "  (*) ours between loopback hosts 127.0.0.1 and 127.0.0.2 of one machine, encrypted, direct"
bo=$(bw "$(field ours_ns pingpong median_us 1048576)")
bp=$(bw "$(field ours_pl pingpong median_us 1048576)")
bod=$(bw "$(field ours_ns_d pingpong median_us 1048576)")
bpd=$(bw "$(field ours_pl_d pingpong median_us 1048576)")
bd=$(bw "$(field pvm_default pingpong median_us 1048576)")
br=$(bw "$(field pvm_direct pingpong median_us 1048576)")
bm=$(bw "$(field mpi pingpong median_us 1048576)")
printf "  bandwidth at 1 MiB (MB/s, 2 x 1 MiB per round trip): ours direct %s, unencrypted %s;\n" \
    "${bo:--}" "${bp:--}"
printf "  through the daemons %s, unencrypted %s; PVM default %s, PVM direct %s, MPI %s\n" \
    "${bod:--}" "${bpd:--}" "${bd:--}" "${br:--}" "${bm:--}"
runs8() { grep "^$1 pingpong size=8 " "$RES" | sed -n 's/.*median_us=\([0-9.]*\).*/\1/p' | tr '\n' ' '; }
echo "  8 B round trip, every run: ours direct $(runs8 ours_ns)| unencrypted $(runs8 ours_pl)" \
    "| PVM direct $(runs8 pvm_direct)"

u32=$(field ours_up32 hosts conf_s)
# Every round must have made all 32 hosts.
short=$(grep -E '^ours_up32 hosts ' "$RES" | grep -cv ' n=32 ')
o8=$(field ours_ns pingpong median_us 8)
p8=$(field ours_pl pingpong median_us 8)
r8=$(field pvm_direct pingpong median_us 8)
echo
echo "Targets"
if [ "$short" -gt 0 ]; then
    printf "  %-62s %8s  %s\n" "32 hosts up in <= 2 s (s)" "$(num "$u32" 3)" \
        "FAIL (fewer than 32 hosts in $short of $ROUNDS rounds)"
else
    printf "  %-62s %8s  %s\n" "32 hosts up in <= 2 s (s)" "$(num "$u32" 3)" "$(verdict "$u32" "<=" 2)"
fi
printf "  %-62s %8s  %s\n" "8 B round trip <= PVM 3.4.6 direct route (ours/PVM)" "$(ratio "$o8" "$r8")" \
    "$(verdict "$(rawratio "$o8" "$r8")" "<=" 1)"
printf "  %-62s %8s  %s\n" "  the same, unencrypted" "$(ratio "$p8" "$r8")" \
    "$(verdict "$(rawratio "$p8" "$r8")" "<=" 1)"
printf "  %-62s %8s  %s\n" "1 MiB unencrypted direct >= Open MPI TCP (ours/MPI)" "$(ratio "$bp" "$bm")" \
    "$(verdict "$(rawratio "$bp" "$bm")" ">=" 1)"
printf "  %-62s %8s  %s\n" "1 MiB encrypted direct >= PVM direct route (ours/PVM)" "$(ratio "$bo" "$br")" \
    "$(verdict "$(rawratio "$bo" "$br")" ">=" 1)"
printf "  %-62s %8s  %s\n" "1 MiB through the daemons >= 5 x PVM default route, encrypted" \
    "$(ratio "$bod" "$bd")" "$(verdict "$(rawratio "$bod" "$bd")" ">=" 5)"
printf "  %-62s %8s  %s\n" "  the same, unencrypted" "$(ratio "$bpd" "$bd")" \
    "$(verdict "$(rawratio "$bpd" "$bd")" ">=" 5)"
echo
echo "raw lines: $( [ "${KEEP:-0}" = 1 ] && echo "$RES" || echo "rerun with KEEP=1 to keep them")"
