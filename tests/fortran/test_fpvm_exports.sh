#!/usr/bin/env bash
# libfpvm3.so exports the Fortran routines and nothing else (pvmf*_ and
# the reduce operators pvmmax_ pvmmin_ pvmsum_ pvmproduct_), and every
# routine of PVM 3.4.6's libfpvm3 (Debian's libfpvm3.a, when pvm-dev is
# installed) is among them.
# Usage: test_fpvm_exports.sh <libfpvm3.so>
set -uo pipefail
LIB=$1
fails=0
syms=$(nm -D --defined-only "$LIB" | awk '{print $3}' | sort)
other=$(grep -Ev '^(pvmf[a-z]+|pvm(max|min|sum|product))_$' <<<"$syms")
if [ -z "$other" ]; then echo "ok: only Fortran routines exported ($(wc -l <<<"$syms"))"; else
  echo "FAIL: also exported: $other"; fails=1; fi
PVMLIB=/usr/lib/x86_64-linux-gnu/libfpvm3.a
if [ -f "$PVMLIB" ]; then
  missing=$(comm -23 <(nm "$PVMLIB" | awk '$2 == "T" && $3 ~ /_$/ {print $3}' | sort) <(echo "$syms"))
  if [ -z "$missing" ]; then echo "ok: every routine of PVM 3.4.6's libfpvm3"; else
    echo "FAIL: missing: $missing"; fails=1; fi
else
  echo "(no $PVMLIB: PVM 3.4.6's list not compared)"
fi
exit $fails
