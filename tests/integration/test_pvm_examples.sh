#!/usr/bin/env bash
# PVM 3.4's own examples (Debian pvm-examples), compiled unmodified against
# the installed tree, run on a one-host virtual machine and give PVM's
# output: hello/hello_other, master1/slave1, timing/timing_slave from the
# shell, and spmd from the console as `spawn -4 -> spmd`.  Then a 3-host
# machine on this machine's loopback addresses, from a hostfile: master1
# over the hosts, spawn -6 and ps -a, delete, halt.
# Usage: test_pvm_examples.sh <source dir> <build dir>
set -uo pipefail
. "$(dirname "$0")/pvm_examples.sh"
examples_start pvmex "$1" "$2"
SOCKDIR=$PVM_TMP/pvm.$(id -u)
for prog in hello hello_other master1 slave1 timing timing_slave spmd; do
  cc -w ${PVM_TEST_CFLAGS:-} "$T/examples/$prog.c" -I"$P/include" -L"$P/lib" -lgpvm3 -lpvm3 -o "$BIN/$prog" ||
    { echo "FAIL: compile $prog"; fails=$((fails + 1)); }
done

timeout 20 "$P/bin/pvmd" || { echo "FAIL: pvmd did not start"; exit 1; }

# hello: "i'm t<tid>" then "from t<tid>: hello, world from <host>"
out=$(cd "$T" && timeout 30 "$BIN/hello" 2>&1)
echo "$out"
check "hello enrolls" grep -Eq "^i'm t[0-9a-f]+$" <<<"$out"
check "hello_other answers" grep -Eq "^from t[0-9a-f]+: hello, world from " <<<"$out"

# master1: every worker's result is the expected one
out=$(cd "$T" && timeout 60 "$BIN/master1" 2>&1)
echo "$out"
check "master1 spawns its workers" grep -q "SUCCESSFUL" <<<"$out"
check "master1 gets 3 results" test "$(grep -c 'I got' <<<"$out")" -eq 3
bad=$(grep 'I got' <<<"$out" | awk '{g=$3; e=$NF; sub(/\)/,"",e); if (g+0 != e+0) print}')
check "master1 results are as expected" test -z "$bad"

# timing: round trips and bandwidth table, then a normal exit
# (timing.c itself always ends with exit(1), so its status says nothing.)
out=$(cd "$T" && timeout 120 "$BIN/timing" 2>&1)
rc=$?
echo "$out" | head -20
check "timing finishes within its time-out" test $rc -ne 124
check "timing measures round trips" grep -q "RTT Avg uSec" <<<"$out"
check "timing measures bandwidth" grep -q "Message size" <<<"$out"

# spmd from the console: the token passes the 4-task ring
out=$(printf 'spawn -4 -> spmd\n' | timeout 60 "$P/bin/pvm" 2>&1)
echo "$out"
check "spmd prints the ring" grep -q "Pass a token through the   4 tid ring" <<<"$out"
check "spmd finishes the ring" grep -q "token ring done" <<<"$out"
check "the console reports the job finished" grep -Eq "^\[1\] finished" <<<"$out"

# halt leaves nothing behind
pid=$(cat "$SOCKDIR/pvmd.pid")
echo halt | timeout 20 "$P/bin/pvm" >/dev/null 2>&1
for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
check "halt stops the pvmd" bash -c "! kill -0 $pid 2>/dev/null"
left=$(examples_procs)
check "halt leaves no task" test -z "$left"

# Several hosts on this machine (CONTRACT.md): a hostfile of 127.0.0.2 and
# 127.0.0.3 given to the console makes a 3-host machine (its own PVM_VMID).
export PVM_VMID=hosts
SOCKDIR=$PVM_TMP/pvm.$(id -u).hosts
printf '# two more hosts on this machine\n127.0.0.2\n127.0.0.3\n' >"$T/hostfile"
out=$(echo conf | timeout 60 "$P/bin/pvm" "$T/hostfile" 2>&1)
echo "$out"
check "pvm hostfile: conf lists 3 hosts" grep -q "^3 hosts" <<<"$out"
check "pvm hostfile: 127.0.0.2 and 127.0.0.3 are hosts" \
  bash -c "grep -q ' 127.0.0.2 ' <<<'$out' && grep -q ' 127.0.0.3 ' <<<'$out'"
# master1 deals its workers over the hosts and gets every result
out=$(cd "$T" && timeout 60 "$BIN/master1" 2>&1)
echo "$out"
# (master1 starts three workers per host: 9)
check "3 hosts: master1 gets 9 results" test "$(grep -c 'I got' <<<"$out")" -eq 9
bad=$(grep 'I got' <<<"$out" | awk '{g=$3; e=$NF; sub(/\)/,"",e); if (g+0 != e+0) print}')
check "3 hosts: master1 results are as expected" test -z "$bad"
# spawn -6 puts tasks on every host; ps -a shows them; delete takes one host
out=$(printf 'spawn -6 sleep 5\nps -a\ndelete 127.0.0.3\nconf\nps -a\n' | timeout 60 "$P/bin/pvm" 2>&1)
echo "$out"
ps1=$(awk '/ps -a/{n++} n==1' <<<"$out")
check "3 hosts: spawn -6 runs tasks on host 2" grep -Eq "127\.0\.0\.2 +8[0-9a-f]{4} .*sleep" <<<"$ps1"
check "3 hosts: spawn -6 runs tasks on host 3" grep -Eq "127\.0\.0\.3 +c[0-9a-f]{4} .*sleep" <<<"$ps1"
check "delete 127.0.0.3 leaves 2 hosts" grep -q "^2 hosts" <<<"$out"
ps2=$(awk '/ps -a/{n++} n==2' <<<"$out")
check "delete 127.0.0.3 ends its tasks" bash -c "! grep -q '127.0.0.3' <<<'$ps2'"
pid=$(cat "$SOCKDIR/pvmd.pid")
echo halt | timeout 20 "$P/bin/pvm" >/dev/null 2>&1
for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
check "3 hosts: halt stops the first pvmd" bash -c "! kill -0 $pid 2>/dev/null"
for _ in $(seq 100); do [ -z "$(examples_procs)" ] && break; sleep 0.05; done
check "3 hosts: halt leaves no pvmd or task on any host" test -z "$(examples_procs)"

examples_end
