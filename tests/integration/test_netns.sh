#!/usr/bin/env bash
# Three hosts in three network namespaces (scripts/netns-cluster.sh), and
# the recipe checked with Debian's PVM 3.4.6: from host 0's console, `add`
# hosts 1 and 2 through the PVM_RSH wrapper, `conf` lists 3 hosts,
# `spawn -<host2> -> hello` shows remote output, master1 spreads its workers
# over the three hosts and prints every result, `halt` leaves no process in
# any namespace.  Afterwards nothing of the cluster is left.
# Needs root and network namespaces; otherwise it prints SKIP and passes
# (exit 77: ctest counts it as skipped, SKIP_RETURN_CODE).
# Usage: test_netns.sh <source dir> <build dir>
set -uo pipefail
SRC=$(cd "$1" && pwd)
SKIP_RC=${NETNS_SKIP_RC:-77}
LIMIT=${NETNS_TEST_LIMIT:-90} # seconds for the whole test

skip() {
  echo "SKIP: $*"
  exit "$SKIP_RC"
}
[ -x /usr/bin/pvm ] && [ -x /usr/bin/pvmd ] || skip "Debian's PVM 3.4.6 not installed (apt-get install pvm pvm-dev)"
[ -f /usr/share/doc/pvm-examples/examples.tar.gz ] || skip "pvm-examples not installed"
# shellcheck source=netns.sh
. "$SRC/tests/integration/netns.sh"
netns_test_start netns-test "$LIMIT"

# ------------------------------------------------------------------------
# The cluster and its wrapper
# ------------------------------------------------------------------------
# What a login on every host gets beside HOME and PVM_TMP: Debian's PVM
# runs "$PVM_ROOT/lib/pvmd" there, and refuses root without PVM_ALLOW_ROOT.
netns_up 3 PVM_ROOT=/usr/lib/pvm3 PVM_ALLOW_ROOT=1 || { echo "FAIL: netns-cluster.sh up"; exit 1; }
H0=${NETNS_HOSTS[0]} H1=${NETNS_HOSTS[1]} H2=${NETNS_HOSTS[2]}
echo "cluster $NETNS_PREFIX: $H0 $H1 $H2 in 10.231.$NETNS_OCTET.0/24, PVM_RSH=$NETNS_RSH"

out=$("$NETNS_RSH" -l "$(id -un)" -n "$H1" 'echo $(hostname) $HOME $PVM_TMP; getent hosts' "$H2")
out=$(tr -s ' ' <<<"$out")
check "the wrapper runs a command line on the host, logged in there" \
  test "$out" = "$H1 $(netns_home "$H1") $NETNS_DIR/$H1/tmp
10.231.$NETNS_OCTET.3 $H2"
check "each host has its own address" \
  test "$(netns_exec "$H2" ip -4 -o addr show dev eth0 | awk '{ print $4 }')" = "10.231.$NETNS_OCTET.3/24"
out=$(printf 'line 1\nline 2\n' | "$NETNS_RSH" "$H2" -l "$(id -un)" cat)
check "the wrapper passes stdin through (options after the host too)" test "$out" = $'line 1\nline 2'
out=$(echo data | "$NETNS_RSH" -n "$H2" cat)
check "-n gives the command an empty stdin" test -z "$out"
"$NETNS_RSH" "$H0" 'echo to-stderr >&2; exit 3' 2>"$T/err"
rc=$?
check "the command's stderr and exit status come back" \
  test "$rc" = 3 -a "$(cat "$T/err")" = to-stderr
"$NETNS_RSH" "no-such-host$$" true 2>/dev/null
check "an unknown host fails as ssh does (255)" test $? = 255

# ------------------------------------------------------------------------
# PVM 3.4.6 across the hosts
# ------------------------------------------------------------------------
# The examples, compiled unmodified against Debian's PVM, in every host's
# $HOME/pvm3/bin/LINUX64 (the hosts share nothing else of PVM's).
tar -xzf /usr/share/doc/pvm-examples/examples.tar.gz -C "$T" || { echo "FAIL: pvm-examples"; exit 1; }
mkdir -p "$T/bin"
for prog in hello hello_other master1 slave1; do
  cc -w "$T/examples/$prog.c" -o "$T/bin/$prog" -lpvm3 || { echo "FAIL: compile $prog"; exit 1; }
done
for h in "${NETNS_HOSTS[@]}"; do
  mkdir -p "$(netns_home "$h")/pvm3/bin/LINUX64"
  cp "$T"/bin/* "$(netns_home "$h")/pvm3/bin/LINUX64/"
done

# One console session on host 0.  Its stdout is a pipe: line-buffered, or
# `halt` (which kills the console) would lose what it printed.  The pauses
# let remote output arrive before the next command.
session() {
  printf 'add %s\nadd %s\nconf\nspawn -%s -> hello\n' "$H1" "$H2" "$H2"
  sleep 2
  printf 'spawn -> master1\n'
  for _ in $(seq 100); do
    grep -q '^\[2\] finished' "$T/console.out" 2>/dev/null && break
    sleep 0.1
  done
  printf 'halt\n'
  sleep 1
}
# (In a subshell with stderr closed: bash's "Terminated" notice for it.)
(session | timeout 40 "$NETNS_CLUSTER" exec --prefix "$NETNS_PREFIX" "$H0" \
  env PVM_RSH="$NETNS_RSH" stdbuf -oL /usr/bin/pvm >"$T/console.out" 2>&1) 2>/dev/null
cat "$T/console.out"
con=$(cat "$T/console.out")

check "add $H1 through PVM_RSH" grep -Eq "^ +$H1 +[0-9a-f]+$" <<<"$con"
check "add $H2 through PVM_RSH" grep -Eq "^ +$H2 +[0-9a-f]+$" <<<"$con"
check "conf lists 3 hosts" grep -q "^3 hosts" <<<"$con"
for h in "$H0" "$H1" "$H2"; do
  check "conf lists $h" grep -Eq "^ +$h +[0-9a-f]+ +LINUX64 " <<<"$con"
done
check "hello on $H2 prints at the console" grep -Eq "\[1:tc[0-9a-f]{4}\] i'm tc" <<<"$con"
check "hello_other answers hello across hosts" \
  grep -Eq "\[1:tc[0-9a-f]{4}\] from t[0-9a-f]+: hello, world from ${NETNS_PREFIX}[0-9]" <<<"$con"
check "master1 spawns its workers" grep -q "Spawning 9 worker tasks ... SUCCESSFUL" <<<"$con"
check "master1 prints 9 results" test "$(grep -c '\] I got ' <<<"$con")" = 9
bad=$(grep '\] I got ' <<<"$con" | awk '{ e = $NF; sub(/\)/, "", e); if ($4 + 0 != e + 0) print }')
check "master1's results are as expected" test -z "$bad"
# Tids t4xxxx, t8xxxx, tcxxxx: tasks of job 2 on hosts 1, 2 and 3.
hosts_used=$(grep -oE '\[2:t[0-9a-f]+\]' <<<"$con" | sort -u |
  sed -E 's/^\[2:t([0-9a-f]+)\]/\1/' | while read -r tid; do echo $((0x$tid >> 18)); done | sort -u | wc -l)
check "master1's tasks ran on all 3 hosts" test "$hosts_used" = 3

left=$(netns_wait_empty)
check "halt leaves no process in any namespace" test -z "$left"

# ------------------------------------------------------------------------
# Nothing of the cluster is left
# ------------------------------------------------------------------------
netns_down
left=$(netns_leftovers)
check "down leaves no namespace, veth, bridge, directory or process" test -z "$left"
[ -n "$left" ] && echo "$left"
netns_down
check "down again is harmless" test $? = 0

echo "$fails failed"
[ $fails -eq 0 ]
