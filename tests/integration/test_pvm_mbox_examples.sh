#!/usr/bin/env bash
# PVM 3.4's mailbox programs (Debian pvm-examples: mbox, lmbi, gmbi),
# compiled unmodified against the installed tree, print what they print
# under PVM 3.4.6 (each answer below was read from a run against Debian's
# pvmd and libpvm3), on a one-host virtual machine and on a 3-host one
# (127.0.0.1-3): there the entries are put by a task on one host and read,
# refused or listed by tasks on the others.  Also the console's reset: it
# spares a PvmNoReset task and its entry, and clears persistent entries.
# Usage: test_pvm_mbox_examples.sh <source dir> <build dir>
set -uo pipefail
. "$(dirname "$0")/pvm_examples.sh"
examples_start pvmmbx "$1" "$2"
cc_prog() { # cc_prog <name> <sources...>
  cc -w ${PVM_TEST_CFLAGS:-} "${@:2}" -I"$P/include" -L"$P/lib" -lpvm3 -o "$BIN/$1" ||
    { echo "FAIL: compile $1"; fails=$((fails + 1)); }
}
cc_prog mbox "$T/examples/mbox.c"
cc_prog lmbi "$T/examples/lmbi.c" "$T/examples/taskf.c"
cc_prog gmbi "$T/examples/gmbi.c" "$T/examples/taskf.c"

mbox() { # mbox <args...>: runs mbox here; its output in $out, its status in $rc
  out=$(cd "$T" && timeout 30 "$BIN/mbox" "$@" 2>&1)
  rc=$?
}

# On one host: mbox's own sequence of checks (the comment at the top of
# mbox.c), with PVM 3.4.6's answers.
one_host() {
  local L="1 host"
  mbox
  check "$L: mbox: Retrieved Message is a Match." has "Retrieved Message is a Match." "$out"
  check "$L: mbox: 1 success" test $rc -eq 1
  mbox query
  check "$L: mbox query: the entry left with its owner" test $rc -eq 0
  check "$L: mbox query: No Message at Index=0" has "No Message at Index=0" "$out"
  mbox pers
  check "$L: mbox pers: a match" test $rc -eq 1
  mbox query 0
  check "$L: mbox query 0: the persistent entry stays" test $rc -eq 1
  check "$L: mbox query 0: its text" has 'Message at Index=0:  "This Message Left Here By Mbox"' "$out"
  mbox delete 0
  check "$L: mbox delete 0: an ownerless entry is locked" test $rc -eq 0
  check "$L: mbox delete 0: Permission denied" has "pvm_delinfo(): Permission denied" "$out"
  mbox default
  check "$L: mbox default: instances 1 to 6" has 'Inserted Message Into "mbox_test" at index=6: PERSISTENT FIRST_AVAIL MULTI_INSTANCE' "$out"
  check "$L: mbox default: the lowest free index again" has 'Inserted Message Into "mbox_test" at index=3: PERSISTENT FIRST_AVAIL MULTI_INSTANCE' "$out"
  check "$L: mbox default: ReadAndDelete of the locked entry refused" has "Retrieving Message: Permission denied" "$out"
  check "$L: mbox default: exits -1 there, as under PVM 3.4.6" test $rc -eq 255
  mbox info
  check "$L: mbox info: 5 entries" has 'Class "mbox_test" has 5 entries:' "$out"
  check "$L: mbox info: ownerless, flags" has "index=6 owner=0x0/0 flags=0xb" "$out"
  mbox name=db33 default33
  check "$L: mbox default33: pvm_insert/lookup/delete" has "First Available Lookup at Index=3 -> 123" "$out"
  check "$L: mbox default33: re-inserts refused" test "$(grep -c 'Failed as Expected' <<<"$out")" -eq 8
  check "$L: mbox default33: 29 successes" test $rc -eq 29
  out=$(cd "$T" && timeout 30 "$BIN/lmbi" 3 pm e 2>&1)
  check "$L: lmbi puts 3 persistent entries" test "$(grep -c 'just inserted entry' <<<"$out")" -eq 3
  out=$(cd "$T" && timeout 30 "$BIN/gmbi" lmbi 2>&1)
  check "$L: gmbi lmbi: 3 classes" has "gmbi: 3 mbox entries returned." "$out"
  check "$L: gmbi: ownerless, flags 3" test "$(grep -c 'owner_tid <t0>	flags <3> = <PvmMboxMultiInstance PvmMboxPersistent >' <<<"$out")" -eq 3

  # reset clears persistent entries...
  printf 'reset\n' | timeout 30 "$P/bin/pvm" >/dev/null 2>&1
  out=$(cd "$T" && timeout 30 "$BIN/gmbi" 2>&1)
  check "$L: after reset: persistent entries are gone" has "gmbi: 0 mbox entries returned." "$out"
  # ... but spares a PvmNoReset task and its entry (mbox.c's step 25).
  (cd "$T" && timeout 30 "$BIN/mbox" sleep=6 noreset >"$T/noreset.out" 2>&1; echo $? >"$T/noreset.rc") &
  local bg=$!
  for _ in $(seq 100); do mbox query 0; [ $rc -eq 1 ] && break; sleep 0.05; done
  check "$L: mbox noreset: its entry is there" test $rc -eq 1
  printf 'reset\n' | timeout 30 "$P/bin/pvm" >/dev/null 2>&1
  mbox query 0
  check "$L: after reset: the noreset task's entry stays" test $rc -eq 1
  wait $bg
  check "$L: after reset: the noreset task lived on" test "$(cat "$T/noreset.rc")" -eq 1
  mbox query 0
  check "$L: its entry went when it ended" test $rc -eq 0

  # A console registers itself in PVMNORESETCLASS, as PVM 3.4.6's does,
  # and another console's reset spares it (mbox's querynoreset lists it).
  mkfifo "$T/fifo"
  "$P/bin/pvm" <"$T/fifo" >"$T/console1.out" 2>&1 &
  local con=$!
  exec 3>"$T/fifo"
  for _ in $(seq 100); do mbox querynoreset; [ $rc -eq 1 ] && break; sleep 0.05; done
  check "$L: a console is in PVMNORESETCLASS" has "NoReset Message at Index=0:" "$out"
  printf 'reset\n' | timeout 30 "$P/bin/pvm" >/dev/null 2>&1
  check "$L: another console's reset spares it" kill -0 $con
  mbox querynoreset
  check "$L: ... and its entry" test $rc -eq 1
  exec 3>&-
  wait $con
  mbox querynoreset
  check "$L: its entry goes when it quits" test $rc -eq 0
}

# On three hosts: put on one, read on another (the console's spawn on a
# named host), as mbox.c's "*" steps.
three_hosts() {
  local L="3 hosts"
  out=$(printf 'spawn -127.0.0.2 -> mbox pers\n' | timeout 60 "$P/bin/pvm" 2>&1)
  check "$L: mbox pers on 127.0.0.2" has "Retrieved Message is a Match." "$out"
  local owner
  owner=$(sed -n 's/.*mbox started as tid=\(0x[0-9a-f]*\).*/\1/p' <<<"$out" | head -1)
  out=$(printf 'spawn -127.0.0.3 -> mbox query 0\n' | timeout 60 "$P/bin/pvm" 2>&1)
  check "$L: mbox query 0 on 127.0.0.3 reads it" has "Message at Index=0:  \"This Message Left Here By Mbox\"  $owner" "$out"
  out=$(printf 'spawn -127.0.0.3 -> mbox delete 0\n' | timeout 60 "$P/bin/pvm" 2>&1)
  check "$L: mbox delete 0 on 127.0.0.3 refused" has "No Message to Delete at Index=0" "$out"
  mbox query
  check "$L: mbox query on the first host" test $rc -eq 1
  out=$(printf 'spawn -127.0.0.2 -> lmbi 2 pm e\n' | timeout 60 "$P/bin/pvm" 2>&1)
  out=$(printf 'spawn -127.0.0.3 -> gmbi lmbi\n' | timeout 60 "$P/bin/pvm" 2>&1)
  check "$L: gmbi on 127.0.0.3 lists lmbi's 2 classes from 127.0.0.2" has "gmbi: 2 mbox entries returned." "$out"
  out=$(printf 'spawn -127.0.0.2 -> mbox minst\n' | timeout 60 "$P/bin/pvm" 2>&1)
  check "$L: mbox minst on 127.0.0.2: at index 1" has 'at index=1: MULTI_INSTANCE' "$out"
  check "$L: mbox minst on 127.0.0.2: a match" has "Retrieved Message is a Match." "$out"
  mbox query 1
  check "$L: its non-persistent entry went with it" test $rc -eq 0
}


timeout 20 "$P/bin/pvmd" || { echo "FAIL: pvmd did not start"; exit 1; }
one_host
halt_vm "1 host" "$PVM_TMP/pvm.$(id -u)"

export PVM_VMID=hosts
printf '127.0.0.2\n127.0.0.3\n' >"$T/hostfile"
out=$(echo conf | timeout 60 "$P/bin/pvm" "$T/hostfile" 2>&1)
check "3 hosts: conf lists 3 hosts" grep -q "^3 hosts" <<<"$out"
three_hosts
halt_vm "3 hosts" "$PVM_TMP/pvm.$(id -u).hosts"

examples_end
