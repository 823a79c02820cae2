#!/bin/bash
# The virtual machine's CurveZMQ key on disk (daemon/mesh_keys.h): the
# first host's pvmd makes it on first use, 0600 in a 0700 directory of the
# user's config directory, and uses the same key when it starts again; a
# key file others may read, or that is a symbolic link, is refused with a
# clear message; PVM_VMID has a key of its own; PVMD_KEY_DIR moves it;
# without a usable HOME it lives beside the socket directories in PVM_TMP;
# a plain mesh (PVM_MESH_PLAIN=1, -p) makes none, and its new hosts run
# plain too.  A host added on 127.0.0.2 joins with the key from its
# ticket: the key is in no pvmd's argv or environment and in no file
# under PVM_TMP.
#
# usage: test_mesh_keys.sh <source dir> <build dir>
set -u
B=${2:?usage: test_mesh_keys.sh <source dir> <build dir>}
PVMD=$B/daemon/pvmd
PVM=$B/console/pvm
for f in "$PVMD" "$PVM"; do
    [ -x "$f" ] || { echo "FAIL: $f is not built"; exit 1; }
done

T=$(mktemp -d /tmp/pvmkeys.XXXXXX)
export PVM_TMP=$T/tmp HOME=$T/home PVM_RSH=/bin/false
unset PVM_VMID PVM_SOCKDIR PVM_TASK_TID PVM_EXPORT PVMD_KEY_DIR XDG_CONFIG_HOME PVM_MESH_PLAIN
mkdir -p "$HOME" "$PVM_TMP"
SOCKDIR=$PVM_TMP/pvm.$(id -u)
KEY=$HOME/.config/pvm3/vm.key

# The pvmds of this test still running: a pid file's pid that is our pvmd
# with our PVM_TMP (a refused pvmd leaves its pid file behind, and its pid
# may be reused).
pids() {
    local p
    for p in $(cat "$PVM_TMP"/pvm.*/pvmd.pid 2>/dev/null); do
        [ "$(readlink "/proc/$p/exe" 2>/dev/null)" = "$(readlink -f "$PVMD")" ] &&
            tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -qxF "PVM_TMP=$PVM_TMP" &&
            echo "$p"
    done
}
cleanup() {
    for p in $(pids); do kill -KILL "$p" 2>/dev/null; done
    rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

fails=0
check() {
    local what=$1
    shift
    if "$@"; then
        echo "ok: $what"
    else
        echo "FAIL: $what"
        fails=$((fails + 1))
    fi
}
has() { grep -q -- "$1" <<<"$2"; }
mode() { stat -c %a "$1" 2>/dev/null; }

# Starts a pvmd (it daemonizes once ready); $out: what it said, $rc.
start() {
    out=$(timeout 20 env "$@" "$PVMD" 2>&1)
    rc=$?
}
# Stops every pvmd of the test and waits for each.
stop() {
    local p
    for p in $(pids); do
        kill -TERM "$p" 2>/dev/null
        timeout 10 tail --pid="$p" -f /dev/null
    done
}
log() { cat "${1:-$SOCKDIR}/pvmd.log" 2>/dev/null; }

# ---- made on first use ---------------------------------------------------
start
check "the first pvmd starts" test "$rc" -eq 0
check "it made the key file $KEY" test -f "$KEY"
check "the key file is 0600" test "$(mode "$KEY")" = 600
check "its directory is 0700" test "$(mode "$(dirname "$KEY")")" = 700
check "the log says it made the key" has "mesh: created the virtual machine's key $KEY" "$(log)"
check "the log says the mesh is CurveZMQ" has "mesh: CurveZMQ" "$(log)"
z=$(grep -v '^#' "$KEY" | head -1)
check "the key file holds a Z85 key" test "${#z}" -eq 40

# ---- a new host: the key on stdin only ------------------------------------
addout=$(timeout 30 "$PVM" -e "add 127.0.0.2" 2>&1)
echo "$addout" | sed 's/^/    /'
check "host 127.0.0.2 is added" has "1 successful" "$addout"
check "the new host's pvmd took the key from its ticket" \
    has "CurveZMQ" "$(log "$SOCKDIR-127.0.0.2")"
leaks=
for p in $(pids); do
    tr '\0' '\n' <"/proc/$p/cmdline" | grep -qF -- "$z" && leaks="$leaks argv:$p"
    tr '\0' '\n' <"/proc/$p/environ" | grep -qF -- "$z" && leaks="$leaks env:$p"
done
check "2 pvmds run" test "$(pids | wc -l)" -eq 2
check "the key is in no pvmd's argv or environment" test -z "$leaks"
check "the key is in no file under PVM_TMP" bash -c "! grep -rqF -- '$z' '$PVM_TMP'"
stop

# ---- used again -------------------------------------------------------------
before=$(md5sum <"$KEY")
start
check "a second start uses the same key" test "$rc" -eq 0 -a "$(md5sum <"$KEY")" = "$before"
check "the log says which key" has "mesh: using the virtual machine's key $KEY" "$(log)"
stop

# ---- refused when others may read it ------------------------------------------
chmod 640 "$KEY"
start
echo "$out" | sed 's/^/    /'
check "a group-readable key file is refused (exit 1)" test "$rc" -ne 0
check "it says the file is open to others" has "key file $KEY is open to others (mode 0640)" "$out"
check "and logs it" has "is open to others" "$(log)"
# (A zombie is not running: the container's init may be slow to reap.)
alive() {
    for p in $(pids); do
        if kill -0 "$p" 2>/dev/null && [ "$(awk '{print $3}' "/proc/$p/stat" 2>/dev/null)" != Z ]; then
            echo "$p"
        fi
    done
}
for _ in 1 2 3 4 5 6 7 8 9 10; do [ -z "$(alive)" ] && break; sleep 0.1; done
check "no pvmd is left running" test -z "$(alive)"
check "the refused key file is left as it was" test "$(md5sum <"$KEY")" = "$before"
chmod 604 "$KEY"
start
check "a world-readable key file is refused" test "$rc" -ne 0
chmod 600 "$KEY"
mv "$KEY" "$KEY.real"
ln -s "$KEY.real" "$KEY"
start
check "a key file that is a symbolic link is refused" test "$rc" -ne 0
check "it says so" has "symbolic link" "$out"
rm -f "$KEY"
mv "$KEY.real" "$KEY"
chmod 755 "$(dirname "$KEY")"
start
check "a key directory open to others is made 0700 again" \
    test "$rc" -eq 0 -a "$(mode "$(dirname "$KEY")")" = 700
stop

# ---- PVM_VMID, PVMD_KEY_DIR, no usable HOME, plain ----------------------------
start PVM_VMID=blue
check "PVM_VMID=blue has a key of its own" test "$rc" -eq 0 -a -f "$HOME/.config/pvm3/vm.blue.key"
stop
start PVMD_KEY_DIR="$T/keys"
check "PVMD_KEY_DIR moves the key" test "$rc" -eq 0 -a "$(mode "$T/keys/vm.key")" = 600
stop
start HOME=/nonexistent/home
fb=$PVM_TMP/pvm.$(id -u).keys/vm.key
check "without a usable HOME the key lives in PVM_TMP ($fb)" \
    test "$rc" -eq 0 -a "$(mode "$fb")" = 600 -a "$(mode "$(dirname "$fb")")" = 700
stop
rm -rf "$HOME/.config"
start PVM_MESH_PLAIN=1
check "PVM_MESH_PLAIN=1: the pvmd starts" test "$rc" -eq 0
check "PVM_MESH_PLAIN=1: no key file is made" test ! -e "$KEY"
check "PVM_MESH_PLAIN=1: the log says plain" has "mesh: plain TCP" "$(log)"
stop
# -p (not in the environment a new host inherits): the new host follows
# its ticket, which carries no key.
out=$(timeout 20 "$PVMD" -p 2>&1)
check "pvmd -p starts plain" has "mesh: plain TCP" "$(log)"
addout=$(timeout 30 "$PVM" -e "add 127.0.0.2" 2>&1)
check "pvmd -p: host 127.0.0.2 is added" has "1 successful" "$addout"
check "pvmd -p: the new host runs plain too" has "mesh: plain TCP" "$(log "$SOCKDIR-127.0.0.2")"
check "pvmd -p: still no key file" test ! -e "$KEY"
stop

if [ "$fails" -gt 0 ]; then
    echo "--- pvmd.log"
    log | sed 's/^/    /'
    echo "$fails check(s) failed"
    exit 1
fi
echo "all checks passed"
