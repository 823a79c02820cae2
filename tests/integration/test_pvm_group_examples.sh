#!/usr/bin/env bash
# PVM 3.4's group programs (Debian pvm-examples), compiled unmodified
# against the installed tree, give PVM's answers on a one-host virtual
# machine and on a 3-host one (127.0.0.1-3, from a hostfile): gexample
# ("The 1-Norm is 5050", 100 factorial), trsg ("Test OK"), joinleave (300
# joins), thb/tnb ("done."), gexamp with 4 tasks from the console (every
# member synchronised, gids and tids match), tst, and dbwtest (bwtest.c
# with -DPACK -DENCODE=PvmDataDefault) as `spawn -2 -> dbwtest'.
# Usage: test_pvm_group_examples.sh <source dir> <build dir>
set -uo pipefail
. "$(dirname "$0")/pvm_examples.sh"
examples_start pvmgex "$1" "$2"
cc_prog() { # cc_prog <name> <source> [flags...]
  cc -w ${PVM_TEST_CFLAGS:-} "${@:3}" "$2" -I"$P/include" -L"$P/lib" -lgpvm3 -lpvm3 -o "$BIN/$1" ||
    { echo "FAIL: compile $1"; fails=$((fails + 1)); }
}
cc_prog gexample "$T/examples/gexample.c"
for prog in gexamp joinleave thb tnb trsg tst; do
  cc_prog $prog "$T/gexamples/$prog.c"
done
cc_prog dbwtest "$T/examples/bwtest.c" -DPACK -DENCODE=PvmDataDefault

run_all() { # run_all <label>: every program on the running machine
  local L=$1 out
  out=$(cd "$T" && printf '100\n3\n' | timeout 60 "$BIN/gexample" 2>&1)
  echo "$out"
  check "$L: gexample's 1-norm is 5050" grep -q "The 1-Norm is 5050" <<<"$out"
  check "$L: gexample's product is 100 factorial" grep -q "The product of column 1 is 9.33262e+157" <<<"$out"
  check "$L: gexample's barrier" bash -c "! grep -q 'Barrier failed' <<<'$out'"

  out=$(cd "$T" && printf '4\n10\n' | timeout 60 "$BIN/trsg" 2>&1)
  echo "$out"
  check "$L: trsg sum of squares" grep -q "Test OK: Sum of Squares of first 40 integers is 22140" <<<"$out"
  check "$L: trsg user reduce function" grep -q "Test Ok: Received (10.000000, 2.000000)" <<<"$out"
  check "$L: trsg no error" bash -c "! grep -q ERROR <<<'$out'"

  out=$(cd "$T" && timeout 60 "$BIN/joinleave" 300 2>&1)
  check "$L: joinleave joins 300 times" grep -q "^Joined 300 times" <<<"$out"
  check "$L: joinleave no error" bash -c "! grep -qi 'JoinLeave:' <<<'$out'"

  out=$(cd "$T" && timeout 60 "$BIN/thb" 4 2>&1)
  echo "$out" | tail -4
  check "$L: thb done." grep -q "^done\.$" <<<"$out"
  check "$L: thb consistent" bash -c "! grep -Eq \"not myself|trouble|joining\" <<<'$out'"

  out=$(cd "$T" && timeout 30 "$BIN/tst" 2>&1)
  echo "$out"
  check "$L: tst joins" grep -q "^joined prognosis 0, negative 0$" <<<"$out"
  check "$L: tst leaves" grep -q "^left prognosis 0, negative 0$" <<<"$out"

  out=$(printf 'spawn -> gexamp 4\n' | timeout 60 "$P/bin/pvm" 2>&1)
  echo "$out"
  check "$L: gexamp: 4 members synchronised" test "$(grep -c ': sync$' <<<"$out")" -eq 4
  check "$L: gexamp: gids and tids match" bash -c "! grep -q \"doesn't match\" <<<'$out'"
  check "$L: gexamp finished" grep -Eq "^\[1\] finished" <<<"$out"

  out=$(printf 'spawn -2 -> dbwtest\n' | timeout 120 "$P/bin/pvm" 2>&1)
  echo "$out" | grep -E "myinst|Roundtrip|correctly|error" | head -8
  check "$L: dbwtest pairs instances 0 and 1" \
    bash -c "grep -q 'myinst is 0' <<<'$out' && grep -q 'myinst is 1' <<<'$out'"
  check "$L: dbwtest measures" grep -q "Roundtrip T = " <<<"$out"
  check "$L: dbwtest data correct" bash -c "grep -q 'doubles received correctly' <<<'$out' && ! grep -q 'error: data' <<<'$out'"
  check "$L: dbwtest finished" grep -Eq "^\[1\] finished" <<<"$out"
}


timeout 20 "$P/bin/pvmd" || { echo "FAIL: pvmd did not start"; exit 1; }
run_all "1 host"
halt_vm "1 host" "$PVM_TMP/pvm.$(id -u)"

export PVM_VMID=hosts
printf '127.0.0.2\n127.0.0.3\n' >"$T/hostfile"
out=$(echo conf | timeout 60 "$P/bin/pvm" "$T/hostfile" 2>&1)
check "3 hosts: conf lists 3 hosts" grep -q "^3 hosts" <<<"$out"
run_all "3 hosts"
halt_vm "3 hosts" "$PVM_TMP/pvm.$(id -u).hosts"

examples_end
