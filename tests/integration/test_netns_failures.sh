#!/usr/bin/env bash
# Failures across network namespaces (issue 9, item 7): hosts h0 h1 h2 of
# scripts/netns-cluster.sh, this build's pvmd started on h0 by its console,
# h1 and h2 added through the PVM_RSH wrapper.  Three times h1 fails while
# f_survive (progs/f_survive.c) on h0 streams numbered messages to a peer
# on h2 that echoes them (10^5 at least, through the pvmds for two of the
# three):
#   kill -9 of h1's pvmd, SIGSTOP of it, its veth cut (the root-side end
#   set down).
# Each time: the task on h0 that asked PvmHostDelete for h1 and PvmTaskExit
# for its task there gets both within 2 s (the times are printed), and no
# notice for h2 or the peer; the stream loses, doubles and reorders nothing
# (checked at both ends); h1 ends up empty (the guardian ends the task of
# a killed pvmd; a frozen pvmd, once resumed, and a cut-off one halt
# themselves: they lost the first host); a resumed pvmd does not come
# back into the machine (conf lists 2 hosts, h0's pvmd refused it); and
# h1 can then be added again as a new host.
# Last, kill -9 of the first host's pvmd: every other pvmd and every task
# on every host (spawned ones and one started from a shell) is gone within
# 5 s (processes counted in each namespace before and after).
# Namespaces, veths and daemons are removed also when the test fails.
# Needs root and network namespaces; otherwise SKIP (exit 77).
# Usage: test_netns_failures.sh <source dir> <build dir>
set -uo pipefail
SRC=$(cd "$1" && pwd)
BUILD=$(cd "$2" && pwd)
SKIP_RC=${NETNS_SKIP_RC:-77}
LIMIT=${NETNS_TEST_LIMIT:-120} # seconds for the whole test
NMSG=${FAILURES_NMSG:-100000}  # messages streamed during each failure

skip() {
  echo "SKIP: $*"
  exit "$SKIP_RC"
}
PVM=$BUILD/console/pvm
PROG=$BUILD/tests/integration/progs/f_survive
[ -x "$BUILD/daemon/pvmd" ] && [ -x "$PVM" ] || skip "no pvmd/pvm in $BUILD"
[ -x "$PROG" ] || skip "no $PROG"
# shellcheck source=netns.sh
. "$SRC/tests/integration/netns.sh"
netns_test_start netns-failures-test "$LIMIT"
netns_test_cleanup() {
  jobs -p | xargs -r kill 2>/dev/null
}

netns_up 3 PVM_ROOT="$BUILD/lib/pvm3" || { echo "FAIL: netns-cluster.sh up"; exit 1; }
H0=${NETNS_HOSTS[0]} H1=${NETNS_HOSTS[1]} H2=${NETNS_HOSTS[2]}
echo "cluster $NETNS_PREFIX: $H0 $H1 $H2, PVM_RSH=$NETNS_RSH"
sockdir() { echo "$NETNS_DIR/$1/tmp/pvm.$(id -u)"; }
log_of() { cat "$(sockdir "$1")/pvmd.log" 2>/dev/null; }
pid_of() { cat "$(sockdir "$1")/pvmd.pid" 2>/dev/null; }
pids_in() { ip netns pids "$1" 2>/dev/null | tr '\n' ' '; }
empty_within() { # empty_within <host> <seconds>: waits until no process is left in host
  local end
  end=$(date +%s.%N | awk -v s="$2" '{ printf "%.3f", $1 + s }')
  while [ -n "$(pids_in "$1")" ]; do
    awk -v e="$end" -v n="$(date +%s.%N)" 'BEGIN { exit !(n > e) }' && return 1
    sleep 0.05
  done
}
ms_between() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%d", (b - a) * 1000 }'; }

console() { # console <timeout> <command>...: output in $con, also printed
  local t=$1 args=() c
  shift
  for c in "$@"; do args+=(-e "$c"); done
  echo "--- pvm on $H0: $*"
  con=$(timeout "$t" "$NETNS_CLUSTER" exec --prefix "$NETNS_PREFIX" "$H0" \
    env PVM_RSH="$NETNS_RSH" "$PVM" "${args[@]}" 2>&1)
  sed 's/^/    /' <<<"$con"
}

console 40 "add $H1" "add $H2" conf
check "the machine has 3 hosts" grep -q "^3 hosts" <<<"$con"

# ------------------------------------------------------------------------
# h1 fails while h0 and h2 stream
# ------------------------------------------------------------------------
# scenario <name> <route: default|dontroute> <fail> <after>: the function
# <fail> makes h1 fail (and sets $failed_at), <after> runs once the notices
# came; each gets the pid of h1's pvmd.
NSCEN=0
scenario() {
  local name=$1 route=$2 fail_h1=$3 after_notices=$4 out mpid l r sent
  NSCEN=$((NSCEN + 1))
  out=$T/master.$NSCEN
  echo "=== $name (stream: $route, $NMSG messages at least)"
  local h1pid
  h1pid=$(pid_of "$H1")
  netns_exec "$H0" "$PROG" master "$H1" "$H2" "$NMSG" 2 "$route" >"$out" 2>&1 &
  mpid=$!
  for _ in $(seq 400); do grep -q '^READY\|^FAIL' "$out" && break; sleep 0.05; done
  check "$name: the stream is running before $H1 fails" grep -q '^READY' "$out"
  $fail_h1 "$h1pid"
  for _ in $(seq 100); do
    [ "$(grep -Ec '^NOTICE tag=7[01] ' "$out")" -ge 2 ] && break
    sleep 0.05
  done
  $after_notices "$h1pid"
  # The master goes on 2 s after the notices, then drains (30 s at most).
  for _ in $(seq 600); do kill -0 "$mpid" 2>/dev/null || break; sleep 0.05; done
  kill "$mpid" 2>/dev/null
  wait "$mpid" 2>/dev/null
  sed 's/^/    /' "$out"
  for tag in 70 71; do
    l=$(grep "^NOTICE tag=$tag " "$out" | head -1)
    what=$([ $tag = 70 ] && echo "PvmHostDelete for $H1" || echo "PvmTaskExit for the task on $H1")
    if [ -z "$l" ]; then
      check "$name: $what arrives" false
      continue
    fi
    r=$(ms_between "$failed_at" "${l##*t=}")
    echo "    measured: $name -> $what in $r ms"
    check "$name: $what within 2 s (${r} ms)" test "$r" -le 2000
  done
  check "$name: no notice for $H2 or the peer there" bash -c "! grep -Eq '^NOTICE tag=7[23] ' '$out'"
  l=$(grep '^STREAM ' "$out")
  sent=$(sed -n 's/.* sent=\([0-9]*\).*/\1/p' <<<"$l")
  check "$name: $NMSG messages or more streamed ($sent)" test "${sent:-0}" -ge "$NMSG"
  check "$name: every echo came back once and in order" \
    grep -Eq "^STREAM sent=$sent inorder=$sent dup=0 gap=0 peer_inorder=$sent peer_bad=0$" "$out"
  check "$name: no failed call" bash -c "! grep -q '^FAIL\|^UNEXPECTED' '$out'"
  check "$name: $H1 is left empty (its pvmd ended and its tasks with it) within 5 s" empty_within "$H1" 5
  console 20 conf
  check "$name: conf lists 2 hosts, without $H1" \
    bash -c "grep -q '^2 hosts' <<<\"\$1\" && ! grep -Eq '^ +$H1 ' <<<\"\$1\"" _ "$con"
}

# kill -9
fail_kill() {
  failed_at=$(date +%s.%N)
  kill -9 "$1"
}
nothing() { :; }
scenario "kill -9 of $H1's pvmd" default fail_kill nothing

# SIGSTOP, then SIGCONT once the machine gave it up
fail_stop() {
  failed_at=$(date +%s.%N)
  kill -STOP "$1"
}
resume() {
  h0mark=$(log_of "$H0" | wc -l)
  h2mark=$(log_of "$H2" | wc -l)
  kill -CONT "$1"
  echo "    resumed $H1's pvmd (pid $1)"
}
console 40 "add $H1"
check "$H1 is added again after its pvmd was killed (a new host)" grep -Eq "^ +$H1 +[0-9a-f]+ " <<<"$(console 20 conf; echo "$con")"
h0mark=0 h2mark=0
scenario "SIGSTOP of $H1's pvmd" dontroute fail_stop resume
h1log=$(log_of "$H1")
check "the resumed pvmd of $H1 found it lost the first host and halted" \
  grep -Eq "lost the first host|first host is gone" <<<"$h1log"
echo "    $H0's and $H2's pvmd.log after the resume:"
log_of "$H0" | tail -n +"$((h0mark + 1))" | sed 's/^/      /'
log_of "$H2" | tail -n +"$((h2mark + 1))" | sed 's/^/      /'
after_resume=$(log_of "$H0" | tail -n +"$((h0mark + 1))"; log_of "$H2" | tail -n +"$((h2mark + 1))")
check "neither $H0 nor $H2 took the resumed pvmd back (no 'is up' for $H1 after the resume)" \
  bash -c "! grep -q 'host $H1 .* is up' <<<\"\$1\"" _ "$after_resume"
check "what the resumed pvmd sent was refused" grep -q "refused" <<<"$after_resume"

# The veth cut
VETH=pv${NETNS_OCTET}h1
fail_cut() {
  failed_at=$(date +%s.%N)
  ip link set "$VETH" down
}
console 40 "add $H1"
check "$H1 is added again after its frozen pvmd was given up" grep -Eq "^ +$H1 +[0-9a-f]+ " <<<"$(console 20 conf; echo "$con")"
scenario "$H1's veth cut" dontroute fail_cut nothing
check "the cut-off pvmd of $H1 halted itself (lost the first host)" \
  grep -Eq "lost the first host|first host is gone" <<<"$(log_of "$H1")"
ip link set "$VETH" up
console 40 "add $H1" conf
check "$H1 is added again once its veth is back" grep -q "^3 hosts" <<<"$con"

# ------------------------------------------------------------------------
# The first host's pvmd killed: everything ends
# ------------------------------------------------------------------------
echo "=== kill -9 of $H0's (the first host's) pvmd"
console 20 "spawn -$H0 sleep 100" "spawn -$H1 sleep 100" "spawn -$H2 sleep 100" \
  "spawn -$H1 $PROG victim" "spawn -$H2 $PROG victim"
netns_exec "$H0" "$PROG" victim >"$T/shell-victim" 2>&1 &
vpid=$!
for _ in $(seq 100); do grep -q VICTIM "$T/shell-victim" && break; sleep 0.05; done
check "a task started from a shell on $H0 enrolled" grep -q VICTIM "$T/shell-victim"
for h in "$H0" "$H1" "$H2"; do
  n=$(wc -w <<<"$(pids_in "$h")")
  echo "    before: $n processes in $h: $(pids_in "$h")"
  # pvmd, its guardian and the tasks (h0 also the shell's task)
  check "before: $h runs its pvmd and tasks ($n processes)" test "$n" -ge 3
done
t0=$(date +%s.%N)
kill -9 "$(pid_of "$H0")"
all_pids() { pids_in "$H0"; pids_in "$H1"; pids_in "$H2"; }
end=$(awk -v t="$t0" 'BEGIN { printf "%.3f", t + 5 }')
while [ -n "$(all_pids | tr -d ' ')" ] && awk -v e="$end" -v n="$(date +%s.%N)" 'BEGIN { exit !(n < e) }'; do
  sleep 0.05
done
echo "    measured: the last process ended $(ms_between "$t0" "$(date +%s.%N)") ms after the kill"
for h in "$H0" "$H1" "$H2"; do
  echo "    after: in $h: $(pids_in "$h")"
  check "after: no process left in $h within 5 s of the kill" test -z "$(pids_in "$h")"
done
wait "$vpid" 2>/dev/null

if [ $fails -gt 0 ]; then
  for h in "$H0" "$H1" "$H2"; do
    echo "--- $h's pvmd.log (last 40 lines)"
    log_of "$h" | tail -40 | sed 's/^/    /'
  done
fi

netns_down
left=$(netns_leftovers)
check "down leaves no namespace, veth, bridge, directory or process" test -z "$left"
[ -n "$left" ] && echo "$left"
echo "$fails failed"
[ $fails -eq 0 ]
