#!/usr/bin/env bash
# test_exports.sh - libpvm3.so exports PVM's API and libpvm's private
# interface, nothing else (libpvm/libpvm3.map):
#   * every name `nm -D --defined-only' shows is declared in include/pvm3.h,
#     or in libpvm/lpvm.h, or is one of
#     the few names PVM's libpvm3 exports undeclared (UNDECLARED below);
#   * every name those headers declare that libpvm3 defines is exported
#     (nothing the map forgot);
#   * the check itself rejects what must never leak (a protobuf-c name, the
#     per-process state, a core function) and accepts PVM's own names, so
#     a header the parser misreads cannot make it pass.
# The headers are read through the C preprocessor, keeping only their own
# lines, so a declaration added there is allowed at once.
#
# Usage: test_exports.sh <source dir> <build dir>
set -uo pipefail

if [ $# -ne 2 ]; then
  echo "usage: $0 <source dir> <build dir>" >&2
  exit 2
fi
SRC=$1
BUILD=$2
SO=$BUILD/libpvm/libpvm3.so
AR=$BUILD/libpvm/libpvm3.a
CC=${CC:-cc}

# PVM 3.4's libpvm3 exports these without declaring them in pvm3.h, and its
# examples use them (libpvm/notimpl.c): bwtest, mbox and trsg call
# pvmsleep; bwtest pvmgetclock; mhf_server pvmdisplaymhfinfo; ptest sets
# pvmdebmask; mhf_server, mhf_tickle, rme, task0, task1, task_end call
# lpvmerr.
UNDECLARED="pvmsleep pvmgetclock pvmdisplaymhfinfo pvmdebmask lpvmerr"

T=$(mktemp -d /tmp/pvm-exports-test.XXXXXX) || exit 1
trap 'rm -rf "$T"' EXIT

fails=0
fail() {
  fails=$((fails + 1))
  echo "FAIL: $*"
}

for f in "$SO" "$AR"; do
  if [ ! -f "$f" ]; then
    echo "FAIL: $f is not built"
    exit 1
  fi
done

# The names a header declares, one per line: functions (an identifier
# right before '(') and variables (extern declarations).  Reads the header
# through cpp with the given flags and keeps the lines that come from the
# header itself, not from what it includes.
declared() { # declared <header> <cpp flags...>
  local hdr=$1
  shift
  "$CC" -E "$@" -I"$SRC/include" -I"$SRC/libpvm" "$hdr" |
    awk -v want="$(basename "$hdr")" '
      /^# [0-9]+ "/ { f = $3; gsub(/"/, "", f); n = split(f, p, "/"); mine = (p[n] == want); next }
      mine { print }' |
    tr '\n' ' ' |
    sed 's/;/;\n/g' |
    awk '
      {
        s = $0
        if (s ~ /^[ \t]*extern[ \t]/ && s !~ /"C"/) {
          # extern T *name[];  extern T name;
          v = s
          sub(/[ \t]*(\[[^]]*\])?[ \t]*;.*$/, "", v)
          n = split(v, w, /[^A-Za-z0-9_]+/)
          if (n > 0) print w[n]
        }
        while (match(s, /[A-Za-z_][A-Za-z0-9_]*\(/)) {
          print substr(s, RSTART, RLENGTH - 1)
          s = substr(s, RSTART + RLENGTH)
        }
      }' |
    grep -vxE 'int|char|void|long|short|unsigned|signed|float|double|struct|enum|const|return|sizeof|__attribute__|typeof|if|while|for|switch' |
    sort -u
}

declared "$SRC/include/pvm3.h" >"$T/pvm3.names"
declared "$SRC/libpvm/lpvm.h" >"$T/lpvm.names"
tr ' ' '\n' <<<"$UNDECLARED" | grep . >"$T/undeclared.names"
sort -u "$T/pvm3.names" "$T/lpvm.names" "$T/undeclared.names" >"$T/allowed"

# Prints the names of file $1 (one per line) that are not allowed.
not_allowed() {
  sort -u "$1" | comm -23 - "$T/allowed"
}

# ---- the checker checks --------------------------------------------------
for name in pvm_mytid pvm_recvf pvm_errno pvm_errlist pvm_nerr pvmgetrsh lpvm_err \
  lpvm_output_parse pvmsleep lpvmerr; do
  grep -qx "$name" "$T/allowed" || fail "the header parser misses $name"
done
printf '%s\n' pvm__hello__descriptor pvm__ctl_type__descriptor lpvm_state lpvm_core_get \
  lpvm_request io_wait catchout_handle paths_sockdir ctl_pack >"$T/leaks"
caught=$(not_allowed "$T/leaks" | wc -l)
[ "$caught" -eq "$(wc -l <"$T/leaks")" ] ||
  fail "the check lets through: $(comm -12 <(sort "$T/leaks") "$T/allowed" | tr '\n' ' ')"

# ---- the library ---------------------------------------------------------
nm -D --defined-only "$SO" | awk 'NF >= 3 { sub(/@.*/, "", $3); print $3 }' | sort -u >"$T/exported"
if [ ! -s "$T/exported" ]; then
  fail "nm -D shows no names in $SO"
fi
leaked=$(not_allowed "$T/exported")
if [ -n "$leaked" ]; then
  fail "libpvm3.so exports $(wc -l <<<"$leaked") name(s) that no header declares:"
  sed 's/^/    /' <<<"$leaked"
fi

# Declared, defined by libpvm3, yet not exported: the map forgot it.
nm --defined-only -g "$AR" 2>/dev/null | awk 'NF == 3 { print $3 }' | sort -u >"$T/defined"
missing=$(comm -12 "$T/allowed" "$T/defined" | comm -23 - "$T/exported")
if [ -n "$missing" ]; then
  fail "libpvm3 defines but does not export:"
  sed 's/^/    /' <<<"$missing"
fi

echo "libpvm3.so exports $(wc -l <"$T/exported") names;" \
  "not pvm_*: $(grep -v '^pvm_' "$T/exported" | tr '\n' ' ')"
if [ "$fails" -ne 0 ]; then
  echo "$fails check(s) failed"
  exit 1
fi
echo "ok"
