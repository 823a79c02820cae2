#!/usr/bin/env bash
# A cluster of hosts on one machine: each host a Linux network namespace
# joined to the others by a veth pair into one bridge, with its own host
# name, its own /etc/hosts and its own HOME and PVM_TMP.  Needs root and
# iproute2.  See README.md, "A cluster on one machine".
#
#   netns-cluster.sh up N [--prefix P] [--subnet X] [--dir D] [--env VAR=VALUE]...
#       hosts P0 .. P(N-1) (default prefix "pvmh"), addresses 10.231.X.(i+1)/24
#       (X: the lowest free third octet in 1..254 unless given), one bridge in
#       the root namespace without an address (traffic stays between the
#       hosts).  Each host's directory D/<host> (default
#       /tmp/pvm-netns/P/<host>) holds home/, tmp/ and env: the KEY=VALUE
#       lines a login there gets (like ~/.ssh/environment); --env adds
#       lines to every host's.  Prints the cluster's PVM_RSH wrapper.
#   netns-cluster.sh down [--prefix P]
#       removes processes left in the hosts, veths, bridge, namespaces,
#       /etc/netns entries and directories; idempotent.
#   netns-cluster.sh exec [--prefix P] HOST cmd args...
#       runs cmd inside HOST as if logged in there (below).
#   netns-cluster.sh rsh [--prefix P] [ssh options] HOST command args...
#       what the PVM_RSH wrapper runs: like ssh, joins the command words
#       with spaces and runs them with `sh -c` inside HOST.
#   netns-cluster.sh list [--prefix P]     hosts, addresses and namespaces
#   netns-cluster.sh status                every cluster this script made
#
# "Logged in" means: in HOST's network namespace (ip netns exec, which also
# bind-mounts /etc/netns/HOST/hosts over /etc/hosts, so names resolve per
# host), in a new UTS namespace whose host name is HOST (made afresh by
# `unshare --uts` on every entry: nothing persistent to mount or unmount),
# with an environment as ssh gives one (HOME, USER, LOGNAME, SHELL, PATH
# and nothing of the caller's) plus the host's env file (PVM_TMP at least),
# working directory HOME.  stdin, stdout and stderr are the caller's own
# file descriptors, passed on through exec: nothing copies them.
#
# Each cluster's state is /run/pvm-netns/P/ (cluster.conf, hosts, and the
# wrapper `rsh`, a symlink to scripts/pvm-rsh-netns that finds this file
# next to itself).  Two clusters coexist if their prefixes differ: each
# gets its own third octet, bridge and veth names.
set -uo pipefail

STATE_ROOT=${PVM_NETNS_STATE:-/run/pvm-netns}
SCRIPTS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LOGIN_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

die() {
  echo "netns-cluster: $*" >&2
  exit 1
}

# ------------------------------------------------------------------------
# Cluster state
# ------------------------------------------------------------------------
# cluster.conf is sourced: PREFIX, N, OCTET, BRIDGE, DIR.
# hosts has one line per host: name address namespace root-side-veth dir.
load_conf() { # load_conf <state dir>
  local st=$1
  [ -f "$st/cluster.conf" ] || return 1
  # shellcheck disable=SC1091
  . "$st/cluster.conf"
  STATE=$st
}

check_prefix() {
  [[ $1 =~ ^[A-Za-z][A-Za-z0-9-]{0,9}$ ]] ||
    die "prefix '$1': a letter, then up to 9 letters, digits or '-'"
}

# Lowest third octet no cluster holds and no interface here uses.
free_octet() {
  local x used
  used=$(cat "$STATE_ROOT"/*/cluster.conf 2>/dev/null | sed -n 's/^OCTET=//p')
  for x in $(seq 1 254); do
    grep -qx "$x" <<<"$used" && continue
    ip -4 -o addr show 2>/dev/null | grep -q " 10\.231\.$x\." && continue
    ip link show "pvb$x" >/dev/null 2>&1 && continue
    echo "$x"
    return 0
  done
  return 1
}

# ------------------------------------------------------------------------
# up / down
# ------------------------------------------------------------------------
cmd_up() {
  local n=${1:-}
  shift || true
  [[ $n =~ ^[0-9]+$ ]] && [ "$n" -ge 1 ] && [ "$n" -le 250 ] || die "up: N from 1 to 250"
  local prefix=pvmh octet="" dir="" extra=()
  while [ $# -gt 0 ]; do
    case $1 in
      --prefix) prefix=$2; shift 2 ;;
      --subnet) octet=$2; shift 2 ;;
      --dir) dir=$2; shift 2 ;;
      --env) [[ $2 == [A-Za-z_]*=* ]] || die "--env VAR=VALUE"; extra+=("$2"); shift 2 ;;
      *) die "up: unknown option $1" ;;
    esac
  done
  check_prefix "$prefix"
  [ "$(id -u)" = 0 ] || die "up: needs root"
  dir=${dir:-/tmp/pvm-netns/$prefix}
  local st=$STATE_ROOT/$prefix i
  mkdir -p "$STATE_ROOT" || die "cannot create $STATE_ROOT"

  # The lock makes choosing the octet and claiming it one step.
  exec 9>"$STATE_ROOT/.lock"
  flock 9
  [ -e "$st" ] && die "cluster '$prefix' exists ($st): netns-cluster.sh down --prefix $prefix"
  for i in $(seq 0 $((n - 1))); do
    [ -e "/run/netns/$prefix$i" ] && die "namespace $prefix$i exists already"
  done
  if [ -z "$octet" ]; then
    octet=$(free_octet) || die "no free subnet in 10.231.0.0/16"
  else
    [[ $octet =~ ^[0-9]+$ ]] && [ "$octet" -ge 1 ] && [ "$octet" -le 254 ] || die "--subnet 1..254"
    grep -qx "OCTET=$octet" "$STATE_ROOT"/*/cluster.conf 2>/dev/null && die "subnet 10.231.$octet.0/24 is taken"
  fi
  mkdir -p "$st"
  # Written first: `down` can undo a half-made cluster.
  printf 'PREFIX=%q\nN=%q\nOCTET=%q\nBRIDGE=%q\nDIR=%q\n' \
    "$prefix" "$n" "$octet" "pvb$octet" "$dir" >"$st/cluster.conf"
  : >"$st/hosts"
  for i in $(seq 0 $((n - 1))); do
    printf '%s 10.231.%s.%s %s pv%sh%s %s\n' "$prefix$i" "$octet" $((i + 1)) \
      "$prefix$i" "$octet" "$i" "$dir/$prefix$i" >>"$st/hosts"
  done
  flock -u 9
  exec 9>&-

  if ! make_cluster "$st" "${extra[@]}"; then
    echo "netns-cluster: up failed; removing what was made" >&2
    cmd_down --prefix "$prefix"
    exit 1
  fi
  ln -sf "$SCRIPTS/pvm-rsh-netns" "$st/rsh"
  echo "cluster $prefix: $n hosts in 10.231.$octet.0/24"
  echo "PVM_RSH=$st/rsh"
}

make_cluster() { # make_cluster <state dir> [VAR=VALUE...]
  load_conf "$1" || return 1
  shift
  local name addr ns veth hdir
  ip link add "$BRIDGE" type bridge || return 1
  ip link set "$BRIDGE" up || return 1
  while read -r name addr ns veth hdir; do
    ip netns add "$ns" || return 1
    ip link add "$veth" type veth peer name eth0 netns "$ns" || return 1
    ip link set "$veth" master "$BRIDGE" up || return 1
    ip -n "$ns" link set lo up || return 1
    ip -n "$ns" addr add "$addr/24" dev eth0 || return 1
    ip -n "$ns" link set eth0 up || return 1
    mkdir -p "/etc/netns/$ns" "$hdir/home" "$hdir/tmp" || return 1
    {
      echo "127.0.0.1 localhost"
      echo "::1 localhost ip6-localhost ip6-loopback"
      awk '{ print $2, $1 }' "$STATE/hosts"
    } >"/etc/netns/$ns/hosts"
    {
      echo "PVM_TMP=$hdir/tmp"
      printf '%s\n' "$@"
    } >"$hdir/env"
  done <"$STATE/hosts"
}

cmd_down() {
  local prefix=pvmh
  while [ $# -gt 0 ]; do
    case $1 in
      --prefix) prefix=$2; shift 2 ;;
      *) die "down: unknown option $1" ;;
    esac
  done
  check_prefix "$prefix"
  local st=$STATE_ROOT/$prefix name addr ns veth hdir pids
  load_conf "$st" || return 0
  if [ -f "$st/hosts" ]; then
    while read -r name addr ns veth hdir; do
      if [ -e "/run/netns/$ns" ]; then
        # Whatever still runs in the host: its own processes, by pid.
        pids=$(ip netns pids "$ns" 2>/dev/null)
        [ -n "$pids" ] && kill -TERM $pids 2>/dev/null
        for _ in $(seq 20); do
          [ -z "$(ip netns pids "$ns" 2>/dev/null)" ] && break
          sleep 0.1
        done
        pids=$(ip netns pids "$ns" 2>/dev/null)
        [ -n "$pids" ] && kill -KILL $pids 2>/dev/null
      fi
      # Namespace deletion is lazy: the veth goes explicitly, so that
      # the same name can be made again at once.
      ip link del "$veth" 2>/dev/null
      ip netns del "$ns" 2>/dev/null
      rm -rf "/etc/netns/$ns"
      case $hdir in /*/"$ns") rm -rf "$hdir" ;; esac
    done <"$st/hosts"
  fi
  ip link del "$BRIDGE" 2>/dev/null
  case $DIR in /?*) rmdir "$DIR" 2>/dev/null ;; esac
  [ "$DIR" = "/tmp/pvm-netns/$PREFIX" ] && rmdir /tmp/pvm-netns 2>/dev/null
  rm -rf "$st"
  return 0
}

# ------------------------------------------------------------------------
# Entering a host
# ------------------------------------------------------------------------
# find_host <name or address> [prefix]: sets H_NAME, H_NS, H_DIR, STATE.
find_host() {
  local want=$1 prefix=${2:-} st name addr ns veth hdir
  for st in "$STATE_ROOT"/*/; do
    st=${st%/}
    [ -n "$prefix" ] && [ "$st" != "$STATE_ROOT/$prefix" ] && continue
    [ -f "$st/hosts" ] || continue
    while read -r name addr ns veth hdir; do
      if [ "$want" = "$name" ] || [ "$want" = "$addr" ]; then
        H_NAME=$name H_NS=$ns H_DIR=$hdir
        load_conf "$st"
        return 0
      fi
    done <"$st/hosts"
  done
  return 1
}

# enter <host> cmd args...: exec cmd inside the host, logged in (see top).
enter() {
  local host=$1 line
  shift
  local envv=(HOME="$H_DIR/home" USER="$(id -un)" LOGNAME="$(id -un)" SHELL=/bin/sh
    PATH="$LOGIN_PATH")
  if [ -f "$H_DIR/env" ]; then
    while IFS= read -r line; do
      [[ $line == [A-Za-z_]*=* ]] && envv+=("$line")
    done <"$H_DIR/env"
  fi
  [ -e "/run/netns/$H_NS" ] || die "host $host: no namespace $H_NS"
  # shellcheck disable=SC2016
  exec ip netns exec "$H_NS" unshare --uts -- /bin/sh -c \
    'hostname "$1" && cd "$2" && shift 2 && exec "$@"' sh "$H_NAME" "$H_DIR/home" \
    env -i "${envv[@]}" "$@"
}

cmd_exec() {
  local prefix=""
  [ "${1:-}" = --prefix ] && { prefix=$2; shift 2; }
  [ $# -ge 2 ] || die "exec [--prefix P] HOST cmd args..."
  local host=$1
  shift
  find_host "$host" "$prefix" || die "no host $host"
  enter "$host" "$@"
}

# ssh's options that take an argument (OpenSSH 9), the rest are flags.
SSH_ARGOPTS=BbcDEeFIiJLlmOoPpQRSWw

cmd_rsh() {
  local prefix="" host="" user="" nostdin=0 a opt rest
  [ "${1:-}" = --prefix ] && { prefix=$2; shift 2; }
  # Options may come before and after the host, as ssh takes them
  # (PVM 3.4 runs `$PVM_RSH host -l user command`).
  while [ $# -gt 0 ]; do
    a=$1
    if [ "$a" = -- ]; then
      shift
      [ -z "$host" ] && { host=${1:-}; shift; }
      break
    elif [[ $a == -?* ]]; then
      shift
      rest=${a#-}
      while [ -n "$rest" ]; do
        opt=${rest:0:1}
        rest=${rest:1}
        if [[ $SSH_ARGOPTS == *"$opt"* ]]; then
          if [ -z "$rest" ]; then
            [ $# -gt 0 ] || die "rsh: option -$opt needs a value"
            rest=$1
            shift
          fi
          [ "$opt" = l ] && user=$rest
          rest=""
        elif [ "$opt" = n ]; then
          nostdin=1
        fi
      done
    elif [ -z "$host" ]; then
      host=$1
      shift
    else
      break
    fi
  done
  [ -n "$host" ] || die "rsh: usage: [ssh options] host command..."
  if [[ $host == *@* ]]; then
    user=${host%@*}
    host=${host#*@}
  fi
  if [ -n "$user" ] && [ "$user" != "$(id -un)" ]; then
    echo "netns-cluster: $host: logging in as '$user' is not supported; running as $(id -un)" >&2
  fi
  find_host "$host" "$prefix" || {
    echo "ssh: Could not resolve hostname $host: Name or service not known" >&2
    exit 255
  }
  [ $nostdin = 1 ] && exec </dev/null
  if [ $# -eq 0 ]; then
    enter "$host" /bin/sh -i
  fi
  # As ssh: the words joined with spaces are one command line for the shell.
  enter "$host" /bin/sh -c "$*"
}

cmd_list() {
  local prefix=""
  [ "${1:-}" = --prefix ] && prefix=$2
  local st
  for st in "$STATE_ROOT"/*/; do
    st=${st%/}
    [ -n "$prefix" ] && [ "$st" != "$STATE_ROOT/$prefix" ] && continue
    [ -f "$st/hosts" ] || continue
    load_conf "$st"
    echo "# cluster $PREFIX: bridge $BRIDGE, PVM_RSH=$st/rsh"
    echo "# host address namespace veth directory"
    cat "$st/hosts"
  done
}

case "${1:-}" in
  up) shift; cmd_up "$@" ;;
  down) shift; cmd_down "$@" ;;
  exec) shift; cmd_exec "$@" ;;
  rsh) shift; cmd_rsh "$@" ;;
  list | status) shift; cmd_list "$@" ;;
  *) sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2 ;;
esac
