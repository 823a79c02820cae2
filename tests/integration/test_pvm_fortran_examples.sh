#!/usr/bin/env bash
# PVM 3.4's Fortran examples (Debian pvm-examples), compiled unmodified
# against the installed tree with
#   gfortran -std=legacy -I$P/include prog.f -L$P/lib -lfpvm3 -lgpvm3 -lpvm3
# (they include '../include/fpvm3.h', which -I$P/include resolves), give
# PVM 3.4.6's output on a one-host virtual machine and on a 3-host one
# (127.0.0.1-3): fmaster1/fslave1's results, fgexample's 1-norm 5050 and
# 100 factorial, frsg's two "Test Ok" (4 tasks, 5 elements), hitc's
# "Program Finished" with every hitc_slave told to stop, and
# `spawn -4 -> fspmd' from the console completing its token ring.  Then
# this project's own Fortran examples, installed in $P/lib/pvm3/bin/LINUX64
# (fmw_master/fmw_worker, fring, fgreduce), from the console, and fring
# built by hand with the README's gfortran line.
# Usage: test_pvm_fortran_examples.sh <source dir> <build dir>
set -uo pipefail
command -v gfortran >/dev/null || { echo "SKIP: no gfortran"; exit 77; }
. "$(dirname "$0")/pvm_examples.sh"
examples_start pvmfex "$1" "$2" prefix/lib/pvm3
# Nothing but the install may provide fpvm3.h.
check "no ../include beside the sources" test ! -e "$T/include"
f_prog() { # f_prog <name> <source>: PVM's makefile names (fmaster1 ...)
  gfortran -std=legacy -w ${PVM_TEST_CFLAGS:-} -I"$P/include" "$2" -L"$P/lib" \
    -lfpvm3 -lgpvm3 -lpvm3 -o "$BIN/$1" || { echo "FAIL: compile $1"; fails=$((fails + 1)); }
}
f_prog fmaster1 "$T/examples/master1.f"
f_prog fslave1 "$T/examples/slave1.f"
f_prog fspmd "$T/examples/spmd.f"
f_prog fgexample "$T/examples/gexample.f"
f_prog hitc "$T/examples/hitc.f"
f_prog hitc_slave "$T/examples/hitc_slave.f"
f_prog frsg "$T/gexamples/frsg.f"
f_prog myring "$SRC/examples/fortran/fring.f"

run_all() { # run_all <label> <nhost>: every program on the running machine
  local L=$1 n=$2 out i
  out=$(cd "$T" && timeout 60 "$BIN/fmaster1" 2>&1)
  echo "$out"
  check "$L: fmaster1 spawns $((n * 3))" grep -q "Spawning *$((n * 3)) tasks" <<<"$out"
  for ((i = 0; i < n * 3; i++)); do
    check "$L: fmaster1's result from $i" \
      grep -Eq "I got +([0-9.]+) from +$i \(expected +\1 \)" <<<"$out"
  done

  out=$(cd "$T" && timeout 60 "$BIN/fgexample" 2>&1)
  echo "$out" | grep -E "machines|using|Norm|product"
  check "$L: fgexample uses $((n * 2)) processors" grep -q -- "--> using *$((n * 2)) *processors" <<<"$out"
  check "$L: fgexample's 1-norm is 5050" grep -q "The 1-Norm is *5050$" <<<"$out"
  check "$L: fgexample's product is 100 factorial" \
    grep -q "The product of column 1 is *9.33262154439441[0-9]*E+157" <<<"$out"

  out=$(cd "$T" && printf '4\n5\n' | timeout 60 "$BIN/frsg" 2>&1)
  echo "$out" | grep -E "INPUT|Test|ERROR"
  check "$L: frsg sum of squares" \
    grep -q "Test OK: Sum of Squares of first *20  integers is *2870" <<<"$out"
  check "$L: frsg user reduce function" \
    grep -Eq "Test Ok: Received \( *5.0+ *, *2.0+ *\)" <<<"$out"
  check "$L: frsg no error" bash -c "! grep -q ERROR <<<'$out'"

  out=$(cd "$T" && timeout 120 "$BIN/hitc" 2>&1)
  echo "$out" | head -2
  echo "$out" | tail -2
  check "$L: hitc sees $n hosts" grep -q "^ *$n  hosts detected" <<<"$out"
  check "$L: hitc gets $((n * 10)) results" test "$(grep -c 'I got result from tid' <<<"$out")" -eq $((n * 10))
  check "$L: hitc tells $n slaves to stop" test "$(grep -c 'task of size: *-1$' <<<"$out")" -eq "$n"
  check "$L: hitc Program Finished" grep -q "^ Program Finished$" <<<"$out"

  out=$(printf 'spawn -4 -> fspmd\n' | timeout 60 "$P/bin/pvm" 2>&1)
  echo "$out"
  check "$L: fspmd: 4 started" grep -q "^4 successful" <<<"$out"
  check "$L: fspmd: ring of 4" grep -q "Pass a token through the *4  tid ring:" <<<"$out"
  check "$L: fspmd: ring listed" grep -Eq "\] +[0-9]+ -> +[0-9]+ -> +[0-9]+ -> +[0-9]+ -> +[0-9]+$" <<<"$out"
  check "$L: fspmd: token ring done" grep -q "token ring done" <<<"$out"
  check "$L: fspmd finished" grep -Eq "^\[1\] finished" <<<"$out"

  out=$(printf 'spawn -> fmw_master\nspawn -4 -> fring\nspawn -> fgreduce\nspawn -3 -> myring\n' |
    timeout 60 "$P/bin/pvm" 2>&1)
  echo "$out" | grep -E "fmw_master:|fring:|fgreduce:|finished"
  check "$L: fmw_master's result" grep -q "fmw_master: result correct" <<<"$out"
  check "$L: fring's 4-task ring" grep -q "fring:   4 tasks,  3 laps, token     30" <<<"$out"
  check "$L: myring's 3-task ring" grep -q "fring:   3 tasks,  3 laps, token     18" <<<"$out"
  check "$L: fring done twice" test "$(grep -c 'fring: token ring done' <<<"$out")" -eq 2
  check "$L: fgreduce's results" grep -q "fgreduce: results correct" <<<"$out"
  check "$L: fgreduce's sum" grep -q "sum   500500, max  1000" <<<"$out"
  check "$L: 4 jobs finished" test "$(grep -Ec '^\[[1-4]\] finished' <<<"$out")" -eq 4
}


timeout 20 "$P/bin/pvmd" || { echo "FAIL: pvmd did not start"; exit 1; }
run_all "1 host" 1
halt_vm "1 host" "$PVM_TMP/pvm.$(id -u)"

export PVM_VMID=hosts
printf '127.0.0.2\n127.0.0.3\n' >"$T/hostfile"
out=$(echo conf | timeout 60 "$P/bin/pvm" "$T/hostfile" 2>&1)
check "3 hosts: conf lists 3 hosts" grep -q "^3 hosts" <<<"$out"
run_all "3 hosts" 3
halt_vm "3 hosts" "$PVM_TMP/pvm.$(id -u).hosts"

examples_end
