#!/usr/bin/env bash
# PVM 3.4's context and message-handler programs (Debian pvm-examples),
# compiled unmodified against the installed tree, print what they print
# under PVM 3.4.6 (docs/design.md "Contexts", "Message handlers"), on a
# one-host virtual machine and on a 3-host one (127.0.0.1-3, from a
# hostfile): inheritb (both inherit2 children received in their own
# contexts), inherita with inherit1 (a new context inherited by child and
# grandchild) and with inherit3 (a child's own new context inherited by its
# child), and, on one host, mhf_server driven by mhf_tickle (a handler
# loaded, hit, deleted, then missed).  mhf_server registers itself in the
# mailbox: without pvm_putinfo that part is skipped, saying so.
# Usage: test_pvm_ctx_examples.sh <source dir> <build dir>
set -uo pipefail
. "$(dirname "$0")/pvm_examples.sh"
examples_start pvmctx "$1" "$2"
examples_cleanup_hook() { exec 3>&- 2>/dev/null; }
cc_prog() { # cc_prog <name>
  cc -w ${PVM_TEST_CFLAGS:-} "$T/examples/$1.c" -I"$P/include" -L"$P/lib" -lpvm3 -o "$BIN/$1" ||
    { echo "FAIL: compile $1"; fails=$((fails + 1)); }
}
for prog in inherit1 inherit2 inherit3 inherita inheritb mhf_server mhf_tickle; do
  cc_prog $prog
done

# The context a line reports: "... with [...] context N."
ctx_in() { sed -n "s/.*$1.* context \([-0-9]*\)[. ].*/\1/p" <<<"$2" | head -1; }
# The tid a line names after its label: "label t40002 ..."
tid_in() { sed -n "s/.*$1 t\([0-9a-f]*\) .*/\1/p" <<<"$2" | head -1; }
host_of() { echo $((0x$1 >> 18)); } # a tid's host number
host_of_ctx() { echo $(($1 >> 18)); }

run_inherit() { # run_inherit <label> <fresh: PVM's first numbers expected>
  local L=$1 out c1 c2 c d
  out=$(cd "$T" && timeout 60 "$BIN/inheritb" 2>&1)
  echo "$out"
  c1=$(ctx_in "new #1" "$out")
  c2=$(ctx_in "new #2" "$out")
  if [ "$2" = fresh ]; then
    check "$L: inheritb's contexts are PVM's first two" test "$c1/$c2" = 262145/262146
  fi
  check "$L: inheritb's contexts differ" test -n "$c1" -a -n "$c2" -a "$c1" != "$c2"
  check "$L: inheritb: 2nd inherit2 received in context #2" \
    grep -qE "^3:inheritb: t[0-9a-f]+ 	inherit2 t[0-9a-f]+ on machine <.*> with context $c2\. <-- received from 2nd inherit2\.$" <<<"$out"
  check "$L: inheritb: 1st inherit2 received in context #1" \
    grep -qE "^5:inheritb: t[0-9a-f]+ 	inherit2 t[0-9a-f]+ on machine <.*> with context $c1\. <-- received from 1st inherit2\.$" <<<"$out"

  out=$(cd "$T" && timeout 60 "$BIN/inherita" inherit1 2>&1)
  echo "$out"
  c=$(ctx_in "with changed" "$out")
  check "$L: inherita: original context 0" has "with original context 0." "$out"
  check "$L: inherita: a new context" test -n "$c" -a "$c" != 0
  check "$L: inherit1 inherits it" grep -qE "inherit1 t[0-9a-f]+ on machine <.*> with context $c\.$" <<<"$out"
  check "$L: inherit1 spawns in it" has "I just spawned inherit2 as tid" "$out"
  check "$L: inherit2 (grandchild) inherits it" \
    grep -qE "inherit1: t[0-9a-f]+ 	inherit2 t[0-9a-f]+ on machine <.*> with context $c\.$" <<<"$out"
  check "$L: inherita: END from inherit1" grep -qE "END - sent from inherit1 .* with context $c\.$" <<<"$out"
  check "$L: inherita: back to context 0" has "with original context 0." "$(tail -1 <<<"$out")"

  out=$(cd "$T" && timeout 60 "$BIN/inherita" inherit3 2>&1)
  echo "$out"
  c=$(ctx_in "with changed" "$out")
  local i3
  i3=$(tid_in "inherita: t[0-9a-f]* inherit3" "$out")
  d=$(sed -n "s/.*inherit3: I just spawned inherit2 as tid t[0-9a-f]* with context \([0-9]*\)\..*/\1/p" <<<"$out")
  check "$L: inherit3 inherits inherita's context" \
    grep -qE "inherit3 t[0-9a-f]+ on machine <.*> with context $c\.$" <<<"$out"
  check "$L: inherit3's own new context, of its host" \
    test -n "$d" -a "$d" != "$c" -a "$(host_of_ctx "${d:-0}")" = "$(host_of "${i3:-0}")"
  check "$L: inherit2 inherits inherit3's new context" \
    grep -qE "inherit3: t[0-9a-f]+ 	inherit2 t[0-9a-f]+ on machine <.*> with context $d\.$" <<<"$out"
  check "$L: inherita: END from inherit3" grep -qE "END - sent from inherit3 .* with context $c\.$" <<<"$out"
}

# Waits (at most 20 s) until file $1 holds the fixed string $2.
wait_for() {
  for _ in $(seq 400); do
    grep -qF -- "$2" "$1" 2>/dev/null && return 0
    sleep 0.05
  done
  return 1
}

run_mhf() {
  local L=$1 S=$T/server.out K=$T/tickle.out ctx out pid tpid
  # The mailbox the server registers in may not be there yet.
  cat >"$T/putinfo.c" <<'EOF'
#include <pvm3.h>
int main(void) { pvm_setopt(PvmAutoErr, 0); pvm_initsend(PvmDataDefault);
  int cc = pvm_putinfo("probe", pvm_getsbuf(), PvmMboxDefault); pvm_exit(); return cc == PvmNotImpl; }
EOF
  cc ${PVM_TEST_CFLAGS:-} "$T/putinfo.c" -I"$P/include" -L"$P/lib" -lpvm3 -o "$T/putinfo" &&
    "$T/putinfo" ||
    { echo "skip: $L: mhf_server/mhf_tickle need the mailbox (pvm_putinfo)"; return; }
  (cd "$T" && exec timeout 60 "$BIN/mhf_server" >"$S" 2>&1) &
  pid=$!
  check "$L: mhf_server registered" wait_for "$S" "register_server: mailbox... just inserted server <mhf_server>"
  ctx=$(ctx_in "mhf_server: t[0-9a-f]* on machine" "$(cat "$S")")
  mkfifo "$T/tickle.in"
  (cd "$T" && exec timeout 60 "$BIN/mhf_tickle" <"$T/tickle.in" >"$K" 2>&1) &
  tpid=$!
  exec 3>"$T/tickle.in"
  # As a user types it: each step once the server has taken the last.
  printf '0\n' >&3
  check "$L: PMH reaches the server in its context" wait_for "$S" "PMH: Are you talking to me!!!"
  printf '1\n10\n%s\n1\n' "$ctx" >&3
  check "$L: LMH loads string_catcher1" wait_for "$S" "LMH: AFTER load with pvm_addmhf( src = t"
  printf '4\n10\n%s\n1\nhello world\n' "$ctx" >&3
  check "$L: HIT: the handler caught it" wait_for "$S" "HIT:  ping target 1 - SC1   strings match <hello world>."
  check "$L: string_catcher1 printed it" \
    wait_for "$S" "string_catcher1: string_catcher1 received message -->> <hello world>"
  printf '2\n9\n' >&3
  check "$L: DMH deletes handler 9" wait_for "$S" "DMH: AFTER delete with pvm_delmhf( mhid = 9 )"
  printf '4\n10\n%s\n1\nnot caught\n' "$ctx" >&3
  check "$L: after DMH the message is the server's own" wait_for "$S" "msgtag = <10>"
  check "$L: ... and no handler caught it" \
    wait_for "$S" "NO HIT:  lmh = 1 - SC1   mhf_catch = -99 - ?C?   strings NO match - local <not caught>   mhf <NO MATCH>."
  printf '9\n' >&3
  exec 3>&-
  wait "$pid"
  check "$L: mhf_server ends (SEAT)" test $? -eq 0
  wait "$tpid"
  out=$(cat "$S")
  echo "$out"
  check "$L: no handler error" bash -c "! grep -q 'pvm_addmhf failed\|pvm_delmhf failed' <<<'$out'"
}


timeout 20 "$P/bin/pvmd" || { echo "FAIL: pvmd did not start"; exit 1; }
run_inherit "1 host" fresh
run_mhf "1 host"
halt_vm "1 host" "$PVM_TMP/pvm.$(id -u)"

export PVM_VMID=hosts
printf '127.0.0.2\n127.0.0.3\n' >"$T/hostfile"
out=$(echo conf | timeout 60 "$P/bin/pvm" "$T/hostfile" 2>&1)
check "3 hosts: conf lists 3 hosts" grep -q "^3 hosts" <<<"$out"
run_inherit "3 hosts" fresh
halt_vm "3 hosts" "$PVM_TMP/pvm.$(id -u).hosts"

examples_end
