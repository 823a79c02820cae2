#!/usr/bin/env bash
# fpvm3.h gives every constant of PVM 3.4.6's fpvm3.h the same value, and
# compiles from fixed-form and free-form source: fconsts.f, built against
# Debian's /usr/include/fpvm3.h (pvm-dev) and against ours both ways,
# prints the same.
# Usage: test_fpvm3_h.sh <tests/fortran dir> <include dir>
set -uo pipefail
DIR=$1
INC=$2
[ -f /usr/include/fpvm3.h ] || { echo "SKIP: no /usr/include/fpvm3.h (pvm-dev)"; exit 77; }
T=$(mktemp -d /tmp/fpvm3h.XXXXXX)
trap 'rm -rf "$T"' EXIT
mkdir "$T/pvm" "$T/ours"
cp /usr/include/fpvm3.h "$T/pvm/"
cp "$INC/fpvm3.h" "$T/ours/"
gfortran -std=legacy -I"$T/pvm" "$DIR/fconsts.f" -o "$T/c_pvm" || exit 1
gfortran -std=legacy -Wall -Werror -I"$T/ours" "$DIR/fconsts.f" -o "$T/c_fixed" || exit 1
gfortran -ffree-form -std=f2008 -Wall -Werror -I"$T/ours" "$DIR/fconsts.f" -o "$T/c_free" || exit 1
"$T/c_pvm" >"$T/pvm.out" && "$T/c_fixed" >"$T/fixed.out" && "$T/c_free" >"$T/free.out" || exit 1
fails=0
if cmp -s "$T/pvm.out" "$T/fixed.out"; then echo "ok: fixed form, PVM 3.4.6's values"; else
  echo "FAIL: fixed form differs"; diff "$T/pvm.out" "$T/fixed.out"; fails=1; fi
if cmp -s "$T/pvm.out" "$T/free.out"; then echo "ok: free form, PVM 3.4.6's values"; else
  echo "FAIL: free form differs"; diff "$T/pvm.out" "$T/free.out"; fails=1; fi
exit $fails
