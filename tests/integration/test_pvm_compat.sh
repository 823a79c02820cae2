#!/usr/bin/env bash
# The same PVM calls (compat/pvm_compat_calls.c) built against PVM 3.4.6's
# libpvm3 (Debian pvm-dev) run under PVM 3.4.6's pvmd, and built against
# ours under ours; what they print must match line by line, task ids
# numbered in order of appearance (the two pvmds hand out different ones).
# Skipped (77) when PVM 3.4.6 is not installed.
# Usage: test_pvm_compat.sh <source dir> <build dir> [program.c]
set -uo pipefail
SRC=$1
BUILD=$2
PROG=${3:-$SRC/tests/integration/compat/pvm_compat_calls.c} # or another program of compat/
DPVMD=/usr/lib/pvm3/lib/pvmd
if [ ! -x "$DPVMD" ] || [ ! -f /usr/include/pvm3.h ]; then
  echo "SKIP: PVM 3.4.6 (Debian pvm, pvm-dev) is not installed"
  exit 77
fi
T=$(mktemp -d /tmp/pvmcompat.XXXXXX)
unset PVM_VMID PVM_SOCKDIR PVM_TASK_TID PVM_EXPORT

# The processes of this test: those whose environment names $T.
procs_of_test() {
  for e in /proc/[0-9]*/environ; do
    p=${e#/proc/}
    p=${p%/environ}
    [ "$p" = $$ ] && continue
    { tr "\0" "\n" <"$e" | grep -q "^PVM_TMP=$T/"; } 2>/dev/null && echo "$p"
  done
}
cleanup() {
  for p in $(procs_of_test); do kill -9 "$p" 2>/dev/null; done
  rm -rf "$T"
}
trap cleanup EXIT

# run <which> <binary>: a private virtual machine of that kind, the program
# in its $HOME/pvm3/bin/LINUX64, its output (stdout and stderr) on stdout.
run() {
  local d=$T/$1
  mkdir -p "$d/home/pvm3/bin/LINUX64" "$d/tmp"
  cp "$2" "$d/home/pvm3/bin/LINUX64/pvm_compat_calls"
  (
    export HOME=$d/home PVM_TMP=$d/tmp PVM_ARCH=LINUX64
    cd "$HOME" || exit 1
    if [ "$1" = pvm ]; then
      export PVM_ROOT=/usr/lib/pvm3 PVM_ALLOW_ROOT=1
      setsid "$DPVMD" </dev/null >"$d/pvmd.out" 2>&1 &
      for _ in $(seq 100); do ls "$d"/tmp/pvmd.* >/dev/null 2>&1 && break; sleep 0.1; done
      CONSOLE=/usr/lib/pvm3/lib/pvm
    else
      export PVM_ROOT=$BUILD/lib/pvm3 PVMD_KEY_DIR=$d/keys
      timeout 20 "$BUILD/daemon/pvmd" </dev/null >"$d/pvmd.out" 2>&1 || cat "$d/pvmd.out" >&2
      CONSOLE=$BUILD/console/pvm
    fi
    timeout 60 "$HOME/pvm3/bin/LINUX64/pvm_compat_calls" 2>&1
    echo halt | timeout 10 "$CONSOLE" >/dev/null 2>&1
  )
}

# Task ids become T1, T2, ... in order of appearance.
normalise() {
  perl -pe 's/t([0-9a-f]{5,8})\b/exists $n{$1} ? "T$n{$1}" : "T" . ($n{$1} = ++$k)/ge'
}

CFLAGS=${PVM_TEST_CFLAGS:-}
if ! cc -o "$T/calls_pvm" "$PROG" -I/usr/include -lpvm3 2>"$T/cc.err"; then
  echo "SKIP: cannot build against PVM 3.4.6's libpvm3: $(head -1 "$T/cc.err")"
  exit 77
fi
# Debian's library is not sanitized: the flags only go to ours.
cc $CFLAGS -o "$T/calls_ours" "$PROG" -I"$SRC/include" -L"$BUILD/libpvm" \
  -Wl,-rpath,"$BUILD/libpvm" -lpvm3 || { echo "FAIL: cannot build against ours"; exit 1; }

run pvm "$T/calls_pvm" | normalise >"$T/pvm.txt"
run ours "$T/calls_ours" | normalise >"$T/ours.txt"
if ! grep -q '^pvm_exit: 0' "$T/pvm.txt"; then
  echo "FAIL: the PVM 3.4.6 run did not finish:"
  cat "$T/pvm.txt"
  exit 1
fi
if diff -u "$T/pvm.txt" "$T/ours.txt"; then
  echo "ok: $(wc -l <"$T/ours.txt") lines as PVM 3.4.6 prints them"
  exit 0
fi
echo "FAIL: ours differs from PVM 3.4.6 (- PVM, + ours)"
exit 1
