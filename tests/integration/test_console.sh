#!/bin/bash
# The console `pvm' against a private virtual machine (its own PVM_TMP):
# start by the console, conf/ps/spawn/kill/sig/pstat/mstat/jobs/reset
# (ps marking a task that left PVM, reset over two hosts keeping them),
# `spawn ->' output (to the console and to a file), the end of piped input
# waiting for jobs, help/echo/alias/version, add and delete as PVM 3.4.6's
# console prints them, a hostfile given to the console, the one-shot -e form, a second console attached to the running
# pvmd, quit leaving the pvmd up and halt stopping it and its tasks.
#
# usage: test_console.sh <source dir> <build dir>
set -u
B=${2:?usage: test_console.sh <source dir> <build dir>}
PVM=$B/console/pvm
PROGS=$B/tests/integration/progs
PRINT=$PROGS/c_print
WAIT=$PROGS/c_wait
for f in "$PVM" "$B/daemon/pvmd" "$PRINT" "$WAIT"; do
    [ -x "$f" ] || { echo "FAIL: $f is not built"; exit 1; }
done

T=$(mktemp -d /tmp/pvmcons.XXXXXX)
export PVM_TMP=$T HOME=$T/home
# A host that needs the remote shell fails at once, never reaching out.
export PVM_RSH=/bin/false
unset PVM_VMID PVM_SOCKDIR PVM_TASK_TID PVM_EXPORT
mkdir -p "$HOME"
SOCKDIR=$T/pvm.$(id -u)
PVMD_PID= PVMD_PGID= BG=
MYPGID=$(ps -o pgid= -p $$ | tr -d ' ')

cleanup() {
    exec 3>&- 2>/dev/null
    [ -n "$BG" ] && kill "$BG" 2>/dev/null
    if [ -n "$PVMD_PID" ] && kill -0 "$PVMD_PID" 2>/dev/null; then
        timeout 10 "$PVM" -e halt >/dev/null 2>&1
        timeout 5 tail --pid="$PVMD_PID" -f /dev/null
        kill -KILL "$PVMD_PID" 2>/dev/null
    fi
    # Tasks stay in the pvmd's process group: take what is left of it
    # (never our own group).
    if [ -n "$PVMD_PGID" ] && [ "$PVMD_PGID" != "$MYPGID" ]; then
        kill -KILL -- "-$PVMD_PGID" 2>/dev/null
    fi
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
# Runs the console with stdin from $1 (a string); the rest are its arguments.
pipe_pvm() {
    local input=$1
    shift
    printf '%s' "$input" | timeout 60 "$PVM" "$@" 2>&1
}
one() { timeout 60 "$PVM" "$@" 2>&1; }
has() { grep -Eq -- "$1" <<<"$2"; }
hasnt() { ! grep -Eq -- "$1" <<<"$2"; }
# Waits (bounded) until file $1 has a line matching $2.
wait_line() {
    for _ in $(seq 200); do
        grep -Eq -- "$2" "$1" 2>/dev/null && return 0
        sleep 0.05
    done
    return 1
}
# Waits (bounded) until the pvmd no longer knows task $1.
wait_gone() {
    for _ in $(seq 100); do
        has "No such task" "$(one -e "pstat $1")" && return 0
        sleep 0.1
    done
    return 1
}

# ---- the console starts the pvmd; conf ---------------------------------
out=$(pipe_pvm $'conf\n')
rc=$?
echo "$out"
check "console exits 0 at end of input" test $rc -eq 0
check "the console started a pvmd" test -s "$SOCKDIR/pvmd.pid"
PVMD_PID=$(cat "$SOCKDIR/pvmd.pid" 2>/dev/null)
PVMD_PGID=$(ps -o pgid= -p "$PVMD_PID" 2>/dev/null | tr -d ' ')
check "piped commands are echoed after the prompt" has '^pvm> conf$' "$out"
check "conf counts hosts and formats" has '^1 host, 1 data format$' "$out"
# PVM's columns, then the address the pvmd announces for the mesh
check "conf heading" has '^ {20}HOST     DTID     ARCH   SPEED       DSIG ADDRESS$' "$out"
check "conf lists the first pvmd" has '^ +[^ ]+    40000 +[A-Z0-9]+ +[0-9]+ 0x[0-9a-f]{8} [0-9.]+$' "$out"
check "quit at end of input says the pvmd still runs" has '^pvmd still running\.$' "$out"
check "quit leaves the pvmd running" kill -0 "$PVMD_PID"
HOST=$(awk '$2 == "40000" { print $1 }' <<<"$out")

# ---- the one-shot form ---------------------------------------------------
out=$(one -e 'id; version' -e 'echo one  shot')
rc=$?
echo "$out"
check "-e exits 0" test $rc -eq 0
check "-e runs commands separated by ;" has '^t[0-9a-f]+$' "$out"
check "version is PVM's" has '^3\.4\.6$' "$out"
check "several -e run in order" test "$(tail -1 <<<"$out")" = "one shot"
check "-e prints no prompt" hasnt 'pvm>' "$out"
out=$(one -e 'nosuchcommand')
check "-e exits 1 when a command fails" test $? -eq 1
check "unknown command" has '^nosuchcommand: not found$' "$out"
check "the one-shot form reused the running pvmd" test "$(cat "$SOCKDIR/pvmd.pid")" = "$PVMD_PID"

# ---- help, echo, alias, setenv, export, add -------------------------------
out=$(one -e help)
check "help lists commands" has '^Commands are:$' "$out"
check "help lists spawn" has '^  spawn +Spawn task$' "$out"
out=$(one -e 'help spawn')
check "help spawn shows -> options" has '^ +->\(file\) +redirect output of job to file$' "$out"
out=$(one -e 'echo hello   "a  b" c')
check "echo joins words, quotes keep blanks" test "$out" = "hello a  b c"
out=$(pipe_pvm $'alias hi echo hello\nhi there\nalias\nunalias hi\nhi\n')
echo "$out"
check "alias runs" has '^hello there$' "$out"
check "alias lists" has $'^hi\techo hello$' "$out"
check "unalias removes" has '^hi: not found$' "$out"
out=$(one -e 'setenv CONSOLE_T v1 ; setenv CONSOLE_T; export CONSOLE_T; export')
check "setenv sets and shows" has '^v1$' "$out"
check "export adds to PVM_EXPORT" has '^PVM_EXPORT=(.*:)?CONSOLE_T(:.*)?$' "$out"
out=$(one -e 'help add')
check "help add as PVM's" has "^  or     add 'hostname <option>=<value>...' ...$" "$out"

# ---- add and delete: PVM 3.4.6's texts ----------------------------------
out=$(one -e "add nosuchhost.invalid 'h xx=1' '& h'")
rc=$?
echo "$out"
check "add -e of failing hosts exits 1" test $rc -eq 1
check "add counts" has '^0 successful$' "$out"
check "add heading" has '^ {20}HOST     DTID$' "$out"
check "add of an unreachable host says why" \
    has "^      nosuchhost.invalid (No such host|Can't start pvmd)$" "$out"
check "add of a bad option" has '^ {18}h xx=1 Bad parameter$' "$out"
check "add of an & line" has '^ {21}& h Bad parameter$' "$out"
out=$(one -e 'add')
check "add without hosts" has '^add: wrong #args$' "$out"
out=$(one -e "delete nosuchhost.invalid $HOST")
echo "$out"
check "delete counts" has '^0 successful$' "$out"
check "delete heading" has '^ {20}HOST  STATUS$' "$out"
check "delete of an unknown host" has '^      nosuchhost.invalid  No such host$' "$out"
check "delete of the first host" has "^ +$HOST  Bad parameter$" "$out"

out=$(one -e "spawn -127.0.0.2 $PRINT; spawn -h2 $PRINT")
echo "$out"
check "spawn -127.0.0.2 names a host, not 127 tasks" hasnt '^127 successful$' "$out"
check "spawn -HOST of a host not in the machine" test "$(grep -c '^No such host$' <<<"$out")" -eq 2

# ---- hostfiles: mistakes are reported first; a running pvmd keeps its hosts
printf 'h1\n# comment\nh2 xx=1\n' >"$T/bad.hosts"
out=$("$PVM" "$T/bad.hosts" </dev/null 2>&1)
check "a bad hostfile stops the console" test $? -eq 1
check "a bad hostfile says where and what" \
    has "^pvm: $T/bad.hosts:3: unknown option \"xx=1\"" "$out"
out=$("$PVM" "$T/nonexistent.hosts" </dev/null 2>&1)
check "a missing hostfile is reported" has "^pvm: $T/nonexistent.hosts: No such file" "$out"
printf 'nosuchhost.invalid\n' >"$T/one.hosts"
out=$(pipe_pvm $'conf\n' "$T/one.hosts")
check "a hostfile for a running pvmd: as PVM's console" has '^pvmd already running\.$' "$out"
check "... and its hosts are not added" hasnt 'nosuchhost' "$out"

# ---- $HOME/.pvmrc runs first -------------------------------------------
printf 'alias rcalias echo from-pvmrc\n' >"$HOME/.pvmrc"
out=$(pipe_pvm $'rcalias\n')
check ".pvmrc is read before the commands" has '^from-pvmrc$' "$out"
rm -f "$HOME/.pvmrc"

# ---- spawn ->: every line, then [1] finished, before the console exits ---
out=$(pipe_pvm "spawn -3 -> $PRINT 4
")
rc=$?
echo "$out"
check "spawn -> exits 0" test $rc -eq 0
check "spawn -> announces job 1" has '^\[1\]$' "$out"
check "spawn -3 starts three" has '^3 successful$' "$out"
ntid=$(grep -Ec '^t[0-9a-f]+$' <<<"$out")
check "spawn lists three tids" test "$ntid" -eq 3
for t in $(grep -E '^t[0-9a-f]+$' <<<"$out"); do
    n=$(grep -Ec "^\[1:$t\] c_print line [1-4] of 4$" <<<"$out")
    check "all 4 lines of $t" test "$n" -eq 4
    check "end of output of $t" has "^\[1:$t\] EOF$" "$out"
done
check "job 1 finished" has '^\[1\] finished$' "$out"
last_line=$(grep -En 'c_print line' <<<"$out" | tail -1 | cut -d: -f1)
fin_line=$(grep -En '^\[1\] finished$' <<<"$out" | cut -d: -f1)
check "finished comes after the last line" test "${fin_line:-0}" -gt "${last_line:-999}"

# tasks spawned by a job's tasks belong to the job
out=$(one -e "spawn -> $PRINT 2 2")
echo "$out"
check "children's output joins the job" test "$(grep -c '^\[1:t[0-9a-f]*\] c_print line' <<<"$out")" -eq 6
check "the job ends with its children" test "$(grep -c '^\[1:t[0-9a-f]*\] EOF$' <<<"$out")" -eq 3
check "[1] finished is the last line" test "$(tail -1 <<<"$out")" = "[1] finished"

# ->file
out=$(one -e "spawn ->$T/job.out $PRINT 2")
echo "$out"
check "spawn ->file reports the job finished" has '^\[1\] finished$' "$out"
check "spawn ->file keeps output off the console" hasnt 'c_print line' "$out"
check "spawn ->file writes the lines" test "$(grep -c 'c_print line' "$T/job.out" 2>/dev/null)" = 2
one -e "spawn ->>$T/job.out $PRINT 1" >/dev/null
check "spawn ->>file appends" test "$(grep -c 'c_print line' "$T/job.out" 2>/dev/null)" = 3

out=$(one -e "spawn -> $T/no/such/prog")
check "spawn of a missing program" has '^0 successful$' "$out"
check "spawn of a missing program says why" has '^No such file$' "$out"

# ---- ps, pstat, kill, sig, mstat ----------------------------------------
out=$(one -e "spawn -2 $WAIT")
echo "$out"
check "spawn without -> starts two" has '^2 successful$' "$out"
mapfile -t TIDS < <(grep -E '^t[0-9a-f]+$' <<<"$out")
out=$(one -e 'ps -a')
echo "$out"
check "ps heading" has '^ {20}HOST      TID   FLAG 0x COMMAND$' "$out"
for t in "${TIDS[@]}"; do
    check "ps -a lists ${t}" has "^ +[^ ]+ +${t#t} +[0-9a-f]+/[a-z,]+ .*c_wait" "$out"
done
check "ps hides the console" hasnt '\(cons\)' "$out"
out=$(one -e 'ps -x')
check "ps -x shows the console" has '^ +[^ ]+ +\(cons\) ' "$out"
out=$(one -e "pstat ${TIDS[0]}")
check "pstat of a running task" has "^t +${TIDS[0]#t}  run$" "$out"
out=$(one -e "kill ${TIDS[0]}")
check "kill exits 0" test $? -eq 0
check "the killed task ends" wait_gone "${TIDS[0]}"
out=$(one -e "sig 15 ${TIDS[1]}")
check "sig exits 0" test $? -eq 0
check "the signalled task ends" wait_gone "${TIDS[1]}"
out=$(one -e 'ps -a')
check "ps -a no longer lists them" hasnt 'c_wait' "$out"
out=$(one -e 'pstat t7ffff')
check "pstat of an unknown task" has '^t +7ffff  No such task$' "$out"
out=$(one -e "mstat $HOST nosuchhost.invalid")
echo "$out"
check "mstat of this host" has "^ +$HOST  ok$" "$out"
check "mstat of an unknown host" has '^ +nosuchhost.invalid  No such host$' "$out"

# ---- jobs and reset; the end of input waits until the job ends -----------
out=$(pipe_pvm "spawn -> $WAIT
jobs
reset
")
echo "$out"
check "jobs lists the running job" has '^ 1: t[0-9a-f]+$' "$out"
check "reset ends the job" has '^\[1\] finished$' "$out"

# ---- ps marks a task that has left PVM (PVM's flag o); reset ends every
# task on every host and keeps the hosts, printing nothing (as PVM's)
LEAVE=$PROGS/c_leave
out=$(one -e 'help ps')
check "help ps explains the flag o" has '^  o   task has left PVM' "$out"
out=$(one -e 'help reset')
check "help reset says the hosts stay" has 'the hosts stay' "$out"
out=$(one -e "add 127.0.0.2")
echo "$out"
check "a second host for reset" has '^1 successful$' "$out"
out=$(one -e "spawn --host=$HOST $LEAVE" -e "spawn --host=$HOST $WAIT" -e "spawn -127.0.0.2 $WAIT")
echo "$out"
mapfile -t RTIDS < <(grep -E '^t[0-9a-f]+$' <<<"$out")
check "spawned c_leave and two c_wait" test "${#RTIDS[@]}" -eq 3
LTID=${RTIDS[0]:-t0}
marked() {
    out=$(one -e 'ps -a')
    has "^ +[^ ]+ +${LTID#t} +[0-9a-f]+/o(,[a-z]+)* +.*c_leave" "$out"
}
for _ in $(seq 100); do marked && break; sleep 0.05; done
echo "$out"
check "ps marks the task that left PVM with o" marked
check "ps does not mark running tasks" \
    test "$(grep -E '^ +[^ ]+ +[0-9a-f]+ +[0-9a-f]+/[a-z,]+ +.*c_wait' <<<"$out" | grep -c '/o')" -eq 0
check "ps -a lists c_wait on both hosts" test "$(grep -c 'c_wait' <<<"$out")" -eq 2
out=$(one -e reset)
rc=$?
check "reset prints nothing" test -z "$out"
check "reset exits 0" test $rc -eq 0
for t in "${RTIDS[@]}"; do
    check "reset ended $t" wait_gone "$t"
done
out=$(one -e conf)
check "reset keeps the hosts" has '^2 hosts, 1 data format$' "$out"
out=$(one -e "delete 127.0.0.2")
check "the second host is deleted again" has '^1 successful$' "$out"

# ---- on a terminal (readline): `script' gives the console a pty ----------
if command -v script >/dev/null; then
    out=$(printf 'version\nspawn -> %s 2\n' "$PRINT" |
        timeout 60 script -qec "$PVM" /dev/null 2>&1 | tr -d '\r' |
        sed 's/\x1b\[[?0-9;]*[a-zA-Z]//g')
    echo "$out"
    check "tty: the prompt and readline" has 'pvm> version' "$out"
    check "tty: commands run" has '^3\.4\.6$' "$out"
    check "tty: job output" test "$(grep -c '\] c_print line' <<<"$out")" -eq 2
    check "tty: ^D waits for the job, then quits" has '\[1\] finished' "$out"
    check "tty: ^D quits" has '^pvmd still running\.$' "$out"
fi

# ---- a second console attaches to the running pvmd -------------------------
mkfifo "$T/in"
"$PVM" <"$T/in" >"$T/first.out" 2>&1 &
BG=$!
exec 3>"$T/in"
echo id >&3
# Its answer to `id' (its tid) says it has enrolled; only then ask.
check "the first console enrolled" wait_line "$T/first.out" '^t[0-9a-f]+$'
out=$(one -e 'ps -x')
echo "$out"
check "a second console sees the first" test "$(grep -Ec '^ +[^ ]+ +([0-9a-f]+|\(cons\)) ' <<<"$out")" -ge 2
check "still one pvmd" test "$(cat "$SOCKDIR/pvmd.pid")" = "$PVMD_PID"
one -e reset >/dev/null
check "reset spares the other console" kill -0 "$BG"
echo quit >&3
exec 3>&-
timeout 30 tail --pid="$BG" -f /dev/null
wait "$BG"
check "the first console quits cleanly" test $? -eq 0
BG=
check "the first console printed its id" has '^t[0-9a-f]+$' "$(cat "$T/first.out")"
check "quit leaves the pvmd running" kill -0 "$PVMD_PID"

# ---- halt after spawn ->: output first, then nothing is left ---------------
out=$(pipe_pvm "spawn -2 -> $PRINT 2
halt
")
rc=$?
echo "$out"
check "halt exits 0" test $rc -eq 0
check "halt waits for the job's output" test "$(grep -c 'c_print line' <<<"$out")" -eq 4
check "halt after the job finished" has '^\[1\] finished$' "$out"
timeout 10 tail --pid="$PVMD_PID" -f /dev/null
check "halt stops the pvmd" bash -c "! kill -0 $PVMD_PID 2>/dev/null"
check "halt leaves no task" bash -c "! pgrep -f '$PROGS/c_(print|wait)' >/dev/null"
if [ "$PVMD_PGID" != "$MYPGID" ]; then
    check "halt leaves nothing in the pvmd's process group" bash -c "! pgrep -g '$PVMD_PGID' >/dev/null"
fi
check "halt removes the pvmd's socket" test ! -e "$SOCKDIR/pvmd.sock"

# ---- a hostfile given to a console that starts the pvmd ------------------
# Its hosts are added, except `&' ones and the host the pvmd runs on; a
# failure is shown as `add' shows it.  (192.0.2.77 needs the remote shell.)
printf '* sp=77\n192.0.2.77\n& 127.0.0.3 sp=5\n%s\n' "$HOST" >"$T/vm.hosts"
out=$(pipe_pvm $'halt\n' "$T/vm.hosts")
echo "$out"
PVMD_PID=$(cat "$SOCKDIR/pvmd.pid" 2>/dev/null)
check "hostfile: the failed host is reported" has "^ +192\.0\.2\.77 Can't start pvmd$" "$out"
check "hostfile: the report comes first" test "$(head -1 <<<"$out")" = "0 successful"
check "hostfile: & hosts are not started" hasnt '127\.0\.0\.3' "$out"
check "hostfile: the pvmd's own host is not added again" hasnt "^ +$HOST (Dup|[0-9a-f])" "$out"
timeout 10 tail --pid="${PVMD_PID:-0}" -f /dev/null 2>/dev/null
check "hostfile: halt stops the pvmd" test ! -e "$SOCKDIR/pvmd.sock"

echo "$fails failed"
[ $fails -eq 0 ]
