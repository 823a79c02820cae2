# shellcheck shell=bash disable=SC2034
# Helpers for tests across network namespaces (sourced, not run).
# A test sets SRC (source dir) and T (its own temp dir), then:
#   netns_can_run            0 if root with ip netns, unshare and hostname
#   netns_up N [VAR=VALUE..]  a cluster of N hosts with a prefix of this run;
#                            sets NETNS_PREFIX, NETNS_RSH, NETNS_HOSTS (array),
#                            NETNS_OCTET, NETNS_DIR (hosts' directories)
#   netns_exec HOST cmd...   runs cmd logged in on HOST (scripts/netns-cluster.sh)
#   netns_home HOST          prints HOST's HOME
#   netns_down               removes the cluster (call from the EXIT trap)
#   netns_leftovers          prints whatever of the cluster is left (empty: none)
#   netns_pids               prints the pids of processes in the cluster's hosts
#   netns_test_start NAME LIMIT
#                            the start every namespace test shares: T (a new
#                            /tmp/NAME.XXXXXX), skip (the test's own function)
#                            when namespaces cannot be made, fails=0 and check,
#                            an EXIT trap that calls netns_test_cleanup if the
#                            test defines one, removes the cluster and T, and a
#                            watchdog of LIMIT seconds
NETNS_CLUSTER=$SRC/scripts/netns-cluster.sh
NETNS_PREFIX=""
NETNS_OCTET=""
NETNS_DIR=""
NETNS_HOSTS=()

netns_can_run() {
  [ "$(id -u)" = 0 ] || { echo "not root"; return 1; }
  command -v ip >/dev/null && command -v unshare >/dev/null && command -v hostname >/dev/null ||
    { echo "no iproute2/unshare/hostname"; return 1; }
  # A namespace we can make and enter, with a veth: the real thing, briefly.
  local probe=nsprobe$$
  if ! ip netns add "$probe" 2>/dev/null; then
    echo "cannot create a network namespace"
    return 1
  fi
  local ok=0
  ip netns exec "$probe" unshare --uts -- hostname "$probe" 2>/dev/null || ok=1
  ip netns del "$probe" 2>/dev/null
  [ $ok = 0 ] || echo "cannot enter a network and UTS namespace"
  return $ok
}

netns_up() { # netns_up N [VAR=VALUE...]
  local n=$1 envs=() kv out
  shift
  for kv in "$@"; do envs+=(--env "$kv"); done
  # 10 characters at most: "n" and the pid, unique among runs at one time.
  NETNS_PREFIX=n$$
  NETNS_DIR=$T/hosts
  # A cluster of this name is a crashed run's whose pid this one reuses.
  "$NETNS_CLUSTER" down --prefix "$NETNS_PREFIX"
  out=$("$NETNS_CLUSTER" up "$n" --prefix "$NETNS_PREFIX" --dir "$NETNS_DIR" "${envs[@]}") || return 1
  NETNS_RSH=$(sed -n 's/^PVM_RSH=//p' <<<"$out")
  NETNS_OCTET=$(sed -n 's/^OCTET=//p' "/run/pvm-netns/$NETNS_PREFIX/cluster.conf")
  NETNS_HOSTS=()
  local i
  for ((i = 0; i < n; i++)); do NETNS_HOSTS+=("$NETNS_PREFIX$i"); done
}

# Ends the test after $1 seconds (SIGTERM: its trap takes the cluster down)
# and, if a command hangs in a host so that the trap cannot run, takes the
# cluster down itself 5 s later.  Sets WATCHDOG (kill it in the trap).
netns_watchdog() {
  local limit=$1
  (
    trap 'kill "$s" 2>/dev/null; exit 0' TERM
    sleep "$limit" &
    s=$!
    wait "$s" || exit 0
    kill -TERM $$ 2>/dev/null
    sleep 5 &
    s=$!
    wait "$s" || exit 0
    # netns_up's prefix: $$ is the test's pid in this subshell too.
    "$NETNS_CLUSTER" down --prefix "n$$"
  ) &
  WATCHDOG=$!
}

netns_exec() { "$NETNS_CLUSTER" exec --prefix "$NETNS_PREFIX" "$@"; }

netns_home() { echo "$NETNS_DIR/$1/home"; }

netns_pids() {
  local h
  for h in "${NETNS_HOSTS[@]}"; do
    [ -e "/run/netns/$h" ] && ip netns pids "$h" 2>/dev/null
  done
}

# Waits (5 s at most) until no process is left in the cluster's hosts, as
# after a halt; prints the pids still there (and, on stderr, what they
# are).
netns_wait_empty() {
  local left
  for _ in $(seq 50); do
    [ -z "$(netns_pids)" ] && break
    sleep 0.1
  done
  left=$(netns_pids)
  [ -n "$left" ] && ps -o pid,args -p "$(tr '\n' ',' <<<"$left" | sed 's/,$//')" >&2
  echo "$left"
}

netns_down() {
  [ -n "$NETNS_PREFIX" ] && "$NETNS_CLUSTER" down --prefix "$NETNS_PREFIX"
}

netns_leftovers() {
  [ -n "$NETNS_PREFIX" ] || return 0
  local h
  for h in "${NETNS_HOSTS[@]}"; do
    [ -e "/run/netns/$h" ] && echo "namespace $h"
    [ -e "/etc/netns/$h" ] && echo "/etc/netns/$h"
  done
  [ -e "/run/pvm-netns/$NETNS_PREFIX" ] && echo "state /run/pvm-netns/$NETNS_PREFIX"
  [ -e "$NETNS_DIR" ] && echo "directory $NETNS_DIR"
  if [ -n "$NETNS_OCTET" ]; then
    ip -o link show 2>/dev/null | awk -F': ' '{ print $2 }' | sed 's/@.*//' |
      grep -E "^(pvb$NETNS_OCTET|pv${NETNS_OCTET}h[0-9]+)$" | sed 's/^/link /'
  fi
  # Every process logged in to a host has the host's PVM_TMP in its environment.
  grep -lsa "PVM_TMP=$NETNS_DIR/" /proc/[0-9]*/environ 2>/dev/null |
    sed 's|/proc/\([0-9]*\)/environ|process \1|' | grep -v "process $$\$"
  return 0
}

netns_test_start() { # netns_test_start NAME LIMIT
  T=$(mktemp -d "/tmp/$1.XXXXXX")
  local why
  why=$(netns_can_run) || {
    rm -rf "$T"
    skip "$why"
  }
  fails=0
  WATCHDOG=""
  trap netns_test_end EXIT
  trap 'echo "FAIL: interrupted or out of time"; exit 1' INT TERM HUP
  netns_watchdog "$2"
}

netns_test_end() {
  set +e
  [ -n "$WATCHDOG" ] && kill "$WATCHDOG" 2>/dev/null
  declare -F netns_test_cleanup >/dev/null && netns_test_cleanup
  netns_down
  rm -rf "$T"
}

check() { # check <description> <command...>
  if "${@:2}"; then echo "ok: $1"; else echo "FAIL: $1"; fails=$((fails + 1)); fi
}
