#!/bin/sh
# pack_compare.sh - packing speed of this libpvm3 against Debian's PVM 3.4.6.
#
# Usage: bench/pack_compare.sh BUILD_DIR [ROUNDS [REPS]]
#
# Builds bench/bench_pack.c twice into a temporary directory, once against
# BUILD_DIR/libpvm/libpvm3.a and once against /usr/lib/.../libpvm3.a (the
# pvm-dev package), then runs them interleaved (ours, PVM, ours, PVM, ...)
# ROUNDS times (default 5), each timing REPS repetitions (default 200) of
# packing and unpacking 1 MiB of doubles per encoding.  Prints, per
# operation and encoding, the median over rounds of each run's median, the
# ratio PVM/ours (above 1: ours is faster), and a plain 1 MiB memcpy as the
# reference.
#
# PVM 3.4.6 refuses to unpack an InPlace buffer that was never sent, so a
# private Debian pvmd is started (its files in the temporary directory) and
# PVM's InPlace unpack is timed on the received copy; the pvmd is stopped and
# everything removed on exit.
set -eu

if [ $# -lt 1 ]; then
    echo "usage: $0 BUILD_DIR [ROUNDS [REPS]]" >&2
    exit 2
fi
build=$(cd "$1" && pwd)
rounds=${2:-5}
reps=${3:-200}
src=$(cd "$(dirname "$0")/.." && pwd)
multiarch=$(${CC:-cc} -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
pvmlib=/usr/lib/$multiarch/libpvm3.a
for f in "$build/libpvm/libpvm3.a" "$pvmlib" /usr/bin/pvmd; do
    [ -e "$f" ] || { echo "$0: $f not found" >&2; exit 1; }
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/pack_compare.XXXXXX")
pvmd_pid=
cleanup() {
    if [ -n "$pvmd_pid" ]; then
        kill "$pvmd_pid" 2>/dev/null || true
        wait "$pvmd_pid" 2>/dev/null || true
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# ---- build both variants with the same compiler and flags ----------------
cc=${CC:-cc}
cflags="-O2"
$cc $cflags -I"$src/include" "$src/bench/bench_pack.c" -o "$tmp/ours" \
    "$build/libpvm/libpvm3.a" -lprotobuf-c -lsodium -lpthread -lm
$cc $cflags "$src/bench/bench_pack.c" -o "$tmp/pvm" "$pvmlib" -ltirpc

# ---- a private PVM 3.4.6 daemon for PVM's InPlace unpack -----------------
mkdir "$tmp/pvmtmp"
pvmenv="PVM_TMP=$tmp/pvmtmp PVM_ROOT=/usr/lib/pvm3 PVM_ALLOW_ROOT=1"
env $pvmenv /usr/bin/pvmd >"$tmp/pvmd.out" 2>&1 &
pvmd_pid=$!
i=0
until [ -e "$tmp/pvmtmp/pvmd.$(id -u)" ]; do
    i=$((i + 1))
    if [ $i -gt 50 ] || ! kill -0 "$pvmd_pid" 2>/dev/null; then
        echo "$0: PVM's pvmd did not start; InPlace unpack of PVM will be n/a" >&2
        break
    fi
    sleep 0.1
done

# ---- interleaved runs ------------------------------------------------------
r=1
while [ $r -le "$rounds" ]; do
    "$tmp/ours" "$reps" >"$tmp/ours.$r" 2>>"$tmp/ours.err"
    env $pvmenv "$tmp/pvm" "$reps" >"$tmp/pvm.$r" 2>>"$tmp/pvm.err" || true
    r=$((r + 1))
done

# ---- the table ---------------------------------------------------------------
# Input lines: "<lib> <op> <enc> <ns> <GB/s> <how>"; median over rounds.
for r in $(seq 1 "$rounds"); do
    sed 's/^/ours /' "$tmp/ours.$r"
    sed 's/^/pvm /' "$tmp/pvm.$r"
done | awk -v rounds="$rounds" -v reps="$reps" '
function median(list,    a, n, i, j, t) {
    n = split(list, a, " ")
    for (i = 2; i <= n; i++)
        for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) {
            t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
        }
    if (n == 0) return -1
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
$4 != "-" {
    key = $2 " " $3
    v[$1, key] = v[$1, key] " " $4
    how[$1, key] = $6
    if (!(key in seen)) { seen[key] = 1; order[++nk] = key }
}
END {
    mc = median(v["ours", "memcpy -"]) / 1000
    printf "1 MiB of doubles, %d rounds x %d reps; median of per-round medians, in microseconds\n\n", rounds, reps
    printf "| operation | encoding | ours (us) | ours GB/s | PVM 3.4.6 (us) | PVM/ours | memcpy (us) |\n"
    printf "|---|---|---:|---:|---:|---:|---:|\n"
    for (k = 1; k <= nk; k++) {
        key = order[k]
        if (key == "memcpy -") continue
        split(key, p, " ")
        o = median(v["ours", key]) / 1000
        q = v["pvm", key] == "" ? -1 : median(v["pvm", key]) / 1000
        note = how["pvm", key] == "recv" ? " (received copy)" : ""
        if (q < 0)
            printf "| %s | %s | %.1f | %.2f | n/a | n/a | %.1f |\n", p[1], p[2], o, 1048.576 / o, mc
        else
            printf "| %s | %s | %.1f | %.2f | %.1f%s | %.1f | %.1f |\n", p[1], p[2], o, 1048.576 / o, q, note, q / o, mc
    }
    printf "| memcpy | - | %.1f | %.2f | | | %.1f |\n", mc, 1048.576 / mc, mc
}'
