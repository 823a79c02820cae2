#!/usr/bin/env bash
# Benchmarks side by side: this project's VM, PVM 3.4.6 (default route and
# direct route) and Open MPI, interleaved round by round, then one table of
# medians and ratios with PASS/FAIL per target.  See bench/README.md.
#
#   bench/run.sh [build dir (default /work/main/build)]
#
# Environment: ROUNDS (default 5), FACTOR (divides iteration counts; 1),
# IDLE_S (seconds for the idle-CPU test; 3), KEEP=1 keeps the work dir,
# MPI_START=1 also times `mpirun -np 256` of an empty MPI program (slow).
#
# Every daemon it starts is private (own temp dirs, own PVM_VMID) and is
# stopped on exit, whatever happens.
set -uo pipefail

SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "${1:-/work/main/build}" 2>/dev/null && pwd || echo "${1:-/work/main/build}")
ROUNDS=${ROUNDS:-5}
FACTOR=${FACTOR:-1}
IDLE_S=${IDLE_S:-3}
ARCH=LINUX64
WORK=$(mktemp -d /tmp/pvmbench.XXXXXX)
RES=$WORK/results.txt
: >"$RES"

log() { printf '%s\n' "$*" >&2; }

# ------------------------------------------------------------------------
# Cleanup: stop every daemon this script started, remove the work dir
# ------------------------------------------------------------------------
PVM_PID=""
OURS_UP=0
cleanup() {
    set +e
    if [ -n "$PVM_PID" ]; then
        # PVM's halt kills the console too: keep the shell's notice quiet.
        (pvm_env; echo halt | timeout 10 /usr/bin/pvm) >/dev/null 2>&1
        for _ in 1 2 3 4 5 6 7 8 9 10; do
            kill -0 "$PVM_PID" 2>/dev/null || break
            sleep 0.2
        done
        kill -9 "$PVM_PID" 2>/dev/null
        # Benchmark tasks left behind by a failed run: only programs under
        # this run's own temp dir, killed by pid.
        for pid in $(pgrep -f "^$WORK/" 2>/dev/null); do kill -9 "$pid" 2>/dev/null; done
    fi
    if [ "$OURS_UP" = 1 ]; then
        local pidfile pid
        pidfile=$(find "$OURS_TMP" -name pvmd.pid 2>/dev/null | head -1)
        pid=$( [ -n "$pidfile" ] && cat "$pidfile" 2>/dev/null)
        (ours_env; echo halt | timeout 10 "$BUILD/console/pvm") >/dev/null 2>&1
        if [ -n "$pid" ]; then
            for _ in 1 2 3 4 5 6 7 8 9 10; do
                kill -0 "$pid" 2>/dev/null || break
                sleep 0.2
            done
            kill -9 "$pid" 2>/dev/null
        fi
    fi
    if [ "${KEEP:-0}" = 1 ]; then
        log "run.sh: kept $WORK"
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# ------------------------------------------------------------------------
# Environments: each VM gets its own temp dir, VMID and HOME
# ------------------------------------------------------------------------
PVM_HOME=$WORK/pvmhome          # Debian's pvmd spawns from $HOME/pvm3/bin/LINUX64
PVM_BIN=$PVM_HOME/pvm3/bin/$ARCH
PVM_TMPDIR=$WORK/pvmtmp
OURS_TMP=$WORK/ourtmp
OURS_HOME=$WORK/ourhome
OURS_BIN=$BUILD/lib/pvm3/bin/$ARCH
mkdir -p "$PVM_BIN" "$PVM_TMPDIR" "$OURS_TMP" "$OURS_HOME"

# Runs in a subshell (callers use ( pvm_env; cmd )).
pvm_env() {
    export PVM_ROOT=/usr/lib/pvm3 PVM_ARCH=$ARCH PVM_TMP=$PVM_TMPDIR PVM_VMID=bench$$
    export HOME=$PVM_HOME PVM_ALLOW_ROOT=1
    unset PVM_EXPORT PVM_DPATH
}
ours_env() {
    export PVM_ROOT=$BUILD/lib/pvm3 PVM_ARCH=$ARCH PVM_TMP=$OURS_TMP PVM_VMID=bench$$
    export HOME=$OURS_HOME
    unset PVM_EXPORT PVM_DPATH PVM_ALLOW_ROOT
}

# ------------------------------------------------------------------------
# Build the PVM 3.4.6 and MPI variants
# ------------------------------------------------------------------------
CFLAGS="-O2 -Wall -Wextra -Werror -Wno-unused-parameter"
for prog in pingpong_bench spawn_bench idle_cpu; do
    # Debian's pvm3.h comes from /usr/include; nothing of this project's.
    gcc $CFLAGS -o "$PVM_BIN/$prog" "$SRC/bench/$prog.c" -lpvm3 -lm ||
        { log "run.sh: cannot build $prog against PVM 3.4.6 (apt-get install pvm-dev)"; exit 1; }
done
HAVE_MPI=0
if command -v mpicc >/dev/null && mpicc -O2 -o "$WORK/pingpong_mpi" "$SRC/bench/mpi/pingpong_mpi.c"; then
    HAVE_MPI=1
else
    log "run.sh: no MPI (apt-get install openmpi-bin libopenmpi-dev); MPI column left empty"
fi
MPIRUN=(mpirun -np 2 --oversubscribe)
[ "$(id -u)" = 0 ] && MPIRUN+=(--allow-run-as-root)

# Our variants come from the build dir (CMake builds bench/*.c against libpvm3).
HAVE_OURS=0
if [ -f "$BUILD/CMakeCache.txt" ]; then
    cmake --build "$BUILD" --target pingpong_bench spawn_bench idle_cpu pvmd pvm_console \
        >"$WORK/build.log" 2>&1 || log "run.sh: building ours failed (see below); ours left empty"
fi
if [ -x "$BUILD/daemon/pvmd" ] && [ -x "$BUILD/console/pvm" ] &&
    [ -x "$OURS_BIN/pingpong_bench" ] && [ -x "$OURS_BIN/spawn_bench" ] &&
    [ -x "$OURS_BIN/idle_cpu" ]; then
    HAVE_OURS=1
else
    log "run.sh: no usable build of ours in $BUILD; ours left empty"
    [ -s "$WORK/build.log" ] && tail -5 "$WORK/build.log" >&2
fi

# ------------------------------------------------------------------------
# Start the daemons
# ------------------------------------------------------------------------
start_pvm() {
    (
        pvm_env
        cd "$PVM_HOME" || exit 1
        # PVM's pvmd stays in the foreground; setsid keeps our signals off it.
        exec setsid /usr/lib/pvm3/lib/pvmd >"$WORK/pvmd3.out" 2>&1 </dev/null
    ) &
    PVM_PID=$!
    disown "$PVM_PID" 2>/dev/null # no "Terminated" notice when it halts
    for _ in $(seq 50); do
        [ -e "$PVM_TMPDIR/pvmd.$(id -u).bench$$" ] && return 0
        kill -0 "$PVM_PID" 2>/dev/null || break
        sleep 0.1
    done
    log "run.sh: PVM 3.4.6's pvmd did not start:"
    cat "$WORK/pvmd3.out" "$PVM_TMPDIR"/pvml.* >&2 2>/dev/null
    return 1
}

start_ours() {
    # Our pvmd daemonizes and exits 0 once it accepts tasks.
    if (ours_env; cd "$OURS_HOME" && timeout 20 "$BUILD/daemon/pvmd" </dev/null >"$WORK/ours.out" 2>&1); then
        OURS_UP=1
        return 0
    fi
    OURS_UP=1 # it may have half-started: let cleanup look for a pid file
    log "run.sh: our pvmd did not start:"
    cat "$WORK/ours.out" >&2
    return 1
}

start_pvm || exit 1
if [ "$HAVE_OURS" = 1 ]; then
    start_ours || HAVE_OURS=0
fi

# ------------------------------------------------------------------------
# Run, interleaved: ours, PVM default, PVM direct, MPI; ROUNDS times
# ------------------------------------------------------------------------
# run <label> <timeout s> <env: ours|pvm|none> cmd...: appends "<label> line"
# for every result line; a failed or timed-out run is logged and skipped.
run() {
    local label=$1 limit=$2 envkind=$3
    shift 3
    local out=$WORK/out.$$ rc
    case $envkind in
    ours) (ours_env; cd "$OURS_HOME" && exec timeout "$limit" "$@") >"$out" 2>&1 ;;
    pvm) (pvm_env; cd "$PVM_HOME" && exec timeout "$limit" "$@") >"$out" 2>&1 ;;
    *) timeout "$limit" "$@" >"$out" 2>&1 ;;
    esac
    rc=$?
    grep -E '^(pingpong|spawn|idle) ' "$out" | sed "s/^/$label /" >>"$RES"
    if [ $rc != 0 ]; then
        log "run.sh: $label $(basename "$1") failed (exit $rc):"
        tail -5 "$out" | sed 's/^/    /' >&2
    fi
}

# The spawned tasks of a spawn run must be gone before the next run starts.
settle() {
    for _ in $(seq 50); do
        pgrep -x spawn_bench >/dev/null 2>&1 || return 0
        sleep 0.1
    done
}

# CPU ticks (user + system) used so far by process $1, or empty.
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null; }
# idle_run <label> <env> <daemon pid> cmd...: the idle test, plus the daemon's
# CPU over the same time (an idle VM should not wake its daemon either).
idle_run() {
    local label=$1 envkind=$2 dpid=$3 t0 c0 c1 t1
    shift 3
    t0=$(date +%s.%N)
    c0=$(ticks "$dpid")
    run "$label" 60 "$envkind" "$@"
    c1=$(ticks "$dpid")
    t1=$(date +%s.%N)
    [ -n "$c0" ] && [ -n "$c1" ] &&
        awk -v l="$label" -v c="$((c1 - c0))" -v hz="$(getconf CLK_TCK)" -v a="$t0" -v b="$t1" \
            'BEGIN { printf "%s daemon cpu_pct=%.3f\n", l, 100 * c / hz / (b - a) }' >>"$RES"
}
OURS_PID=$(cat "$(find "$OURS_TMP" -name pvmd.pid 2>/dev/null | head -1)" 2>/dev/null)

PP_ARGS=(-f "$FACTOR")
for round in $(seq "$ROUNDS"); do
    log "run.sh: round $round of $ROUNDS"
    [ "$HAVE_OURS" = 1 ] && run ours 300 ours "$OURS_BIN/pingpong_bench" "${PP_ARGS[@]}"
    run pvm_default 300 pvm "$PVM_BIN/pingpong_bench" "${PP_ARGS[@]}"
    run pvm_direct 300 pvm "$PVM_BIN/pingpong_bench" -d "${PP_ARGS[@]}"
    [ "$HAVE_MPI" = 1 ] && run mpi 300 none "${MPIRUN[@]}" "$WORK/pingpong_mpi" -f "$FACTOR"
    # Information only: ours without the spin before sleeping in a receive.
    [ "$HAVE_OURS" = 1 ] && run ours_nospin 300 ours "$OURS_BIN/pingpong_bench" -p 0 "${PP_ARGS[@]}"
    [ "$HAVE_OURS" = 1 ] && { run ours 120 ours "$OURS_BIN/spawn_bench" -n 256; settle; }
    run pvm_default 120 pvm "$PVM_BIN/spawn_bench" -n 256
    settle
    [ "$HAVE_OURS" = 1 ] && idle_run ours ours "$OURS_PID" "$OURS_BIN/idle_cpu" "$IDLE_S"
    idle_run pvm_default pvm "$PVM_PID" "$PVM_BIN/idle_cpu" "$IDLE_S"
done

# ------------------------------------------------------------------------
# The table: medians over rounds of each run's median
# ------------------------------------------------------------------------
median() {
    sort -g | awk '{ v[NR] = $1 }
        END { if (NR == 0) print "";
              else if (NR % 2) print v[(NR + 1) / 2];
              else printf "%.4f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
# field <label> <kind> <key> [size]: median over rounds of key=
field() {
    local sel="^$1 $2 "
    [ -n "${4:-}" ] && sel="$sel.*size=$4 "
    grep -E "$sel" "$RES" | sed -n "s/.* $3=\([-0-9.e+]*\).*/\1/p" | median
}
# ratio a b: a/b to 2 places, or "-" when either is missing; rawratio unrounded
# (the PASS/FAIL verdicts use that, so 0.4999 passes and 0.5001 fails).
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b + 0 == 0) print "-"; else printf "%.2f", a / b }'; }
rawratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b + 0 == 0) print "-"; else printf "%.6f", a / b }'; }
num() { [ -n "$1" ] && printf "%.1f" "$1" || printf -- "-"; }
# verdict <value> <op> <limit>: PASS / FAIL, or n/a when the value is missing
verdict() { awk -v v="$1" -v op="$2" -v l="$3" 'BEGIN {
    if (v == "" || v == "-") { print "n/a"; exit }
    ok = (op == "<=") ? (v + 0 <= l + 0) : (op == "<") ? (v + 0 < l + 0) : (v + 0 >= l + 0)
    print ok ? "PASS" : "FAIL" }'; }

echo
echo "Side by side on $(hostname), $(nproc) cores, $ROUNDS rounds, medians of per-run medians"
echo "(round trip in microseconds; ratio < 1 means ours is faster)"
echo
printf "%9s %10s %10s %10s %9s %11s %11s %9s\n" size ours_us pvmdef_us pvmdir_us mpi_us \
    ours/pvmdef ours/pvmdir ours/mpi
for size in 8 64 1024 16384 65536 262144 1048576 4194304; do
    o=$(field ours pingpong median_us $size)
    d=$(field pvm_default pingpong median_us $size)
    r=$(field pvm_direct pingpong median_us $size)
    m=$(field mpi pingpong median_us $size)
    printf "%9s %10s %10s %10s %9s %11s %11s %9s\n" $size "$(num "$o")" "$(num "$d")" \
        "$(num "$r")" "$(num "$m")" "$(ratio "$o" "$d")" "$(ratio "$o" "$r")" "$(ratio "$o" "$m")"
done

if [ "$HAVE_OURS" = 1 ]; then
    echo
    echo "information: ours with PvmPollTime=0 (a receive sleeps at once instead of spinning 200 us):"
    for size in 8 1024 65536 1048576; do
        n=$(field ours_nospin pingpong median_us $size)
        printf "  %8s B: %s us (ours/pvmdef %s, ours/pvmdir %s)\n" $size "$(num "$n")" \
            "$(ratio "$n" "$(field pvm_default pingpong median_us $size)")" \
            "$(ratio "$n" "$(field pvm_direct pingpong median_us $size)")"
    done
fi

# Bandwidth: bytes carried per round trip (there and back) / round-trip time.
bw() { awk -v t="$1" 'BEGIN { if (t == "") print ""; else printf "%.1f", 2 * 1048576 / t }'; }
o1=$(field ours pingpong median_us 1048576)
d1=$(field pvm_default pingpong median_us 1048576)
r1=$(field pvm_direct pingpong median_us 1048576)
m1=$(field mpi pingpong median_us 1048576)
bo=$(bw "$o1"); bd=$(bw "$d1"); br=$(bw "$r1"); bm=$(bw "$m1")
echo
printf "bandwidth at 1 MiB (MB/s): ours %s, PVM default %s, PVM direct %s, MPI %s\n" \
    "${bo:--}" "${bd:--}" "${br:--}" "${bm:--}"
printf "  ours/PVM-default %s, ours/PVM-direct %s, ours/MPI %s\n" "$(ratio "$bo" "$bd")" \
    "$(ratio "$bo" "$br")" "$(ratio "$bo" "$bm")"

so=$(field ours spawn total_s)
sp=$(field pvm_default spawn total_s)
echo
printf "spawn 256 tasks to 256th message (s): ours %s, PVM %s, ours/PVM %s\n" "${so:--}" \
    "${sp:--}" "$(ratio "$so" "$sp")"
# Paired per round (the runs were side by side), to show how close the call is.
paste -d' ' <(grep -E '^ours spawn ' "$RES" | sed -n 's/.* total_s=\([0-9.]*\).*/\1/p') \
    <(grep -E '^pvm_default spawn ' "$RES" | sed -n 's/.* total_s=\([0-9.]*\).*/\1/p') |
    awk 'NF == 2 && $2 > 0 { r = r sprintf(" %.2f", $1 / $2) } END { if (r != "") print "  per round, ours/PVM:" r }'
sco=$(field ours spawn spawn_call_s)
scp=$(field pvm_default spawn spawn_call_s)
printf "  of which inside pvm_spawn: ours %s, PVM %s\n" "${sco:--}" "${scp:--}"

if [ "${MPI_START:-0}" = 1 ] && [ "$HAVE_MPI" = 1 ] &&
    mpicc -O2 -o "$WORK/hello_mpi" "$SRC/bench/mpi/hello_mpi.c"; then
    t0=$(date +%s.%N)
    if timeout 300 mpirun -np 256 --oversubscribe $([ "$(id -u)" = 0 ] && echo --allow-run-as-root) \
        "$WORK/hello_mpi" >/dev/null 2>&1; then
        printf "  reference: mpirun -np 256 of an MPI_Init/MPI_Finalize program: %.2f s\n" \
            "$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')"
    else
        echo "  reference: mpirun -np 256 failed or took over 300 s"
    fi
fi

io=$(field ours idle cpu_pct)
ip=$(field pvm_default idle cpu_pct)
echo
printf "idle task blocked in pvm_recv for %s s, CPU %%: ours %s, PVM %s\n" "$IDLE_S" "${io:--}" "${ip:--}"
printf "  its pvmd over the same time (incl. the spawn), CPU %%: ours %s, PVM %s\n" \
    "$(field ours daemon cpu_pct)" "$(field pvm_default daemon cpu_pct)"

# The 8 B figures are bimodal here (both tasks on one core, or not): show them all.
each() { grep -E "^$1 pingpong size=8 " "$RES" | sed -n 's/.* median_us=\([0-9.]*\).*/\1/p' | tr '\n' ' '; }
echo
echo "8 B round trip, every run (us):"
printf "  %-12s %s\n" ours "$(each ours)" "PVM default" "$(each pvm_default)" \
    "PVM direct" "$(each pvm_direct)" MPI "$(each mpi)" "ours no spin" "$(each ours_nospin)"

o8=$(field ours pingpong median_us 8)
d8=$(field pvm_default pingpong median_us 8)
r8=$(field pvm_direct pingpong median_us 8)
echo
echo "Targets (our default options):"
printf "  %-46s %8s  %s\n" "8 B round trip <= 0.5 x PVM default route" "$(ratio "$o8" "$d8")" \
    "$(verdict "$(rawratio "$o8" "$d8")" "<=" 0.5)"
printf "  %-46s %8s  %s\n" "8 B round trip <= PVM direct route" "$(ratio "$o8" "$r8")" \
    "$(verdict "$(rawratio "$o8" "$r8")" "<=" 1)"
printf "  %-46s %8s  %s\n" "1 MiB bandwidth >= 3 x PVM (default route)" "$(ratio "$bo" "$bd")" \
    "$(verdict "$(rawratio "$bo" "$bd")" ">=" 3)"
printf "  %-46s %8s  %s\n" "  (information: vs PVM direct route)" "$(ratio "$bo" "$br")" \
    "$(verdict "$(rawratio "$bo" "$br")" ">=" 3)"
printf "  %-46s %8s  %s\n" "256 spawns <= 0.5 x PVM's time" "$(awk -v r="$(rawratio "$so" "$sp")" 'BEGIN { if (r == "-") print r; else printf "%.3f", r }')" \
    "$(verdict "$(rawratio "$so" "$sp")" "<=" 0.5)"
printf "  %-46s %8s  %s\n" "idle task < 1% CPU" "${io:--}" "$(verdict "$io" "<" 1)"
echo
echo "raw per-run lines: $( [ "${KEEP:-0}" = 1 ] && echo "$RES" || echo "rerun with KEEP=1 to keep $RES")"
