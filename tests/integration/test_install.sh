#!/usr/bin/env bash
# test_install.sh - the installed tree keeps CONTRACT.md's promises:
#   * the layout: bin/pvmd, bin/pvm, the headers, lib{,g,f}pvm3.{so,a},
#     pvm3.pc and the CMake package;
#   * installed programs and libraries need no LD_LIBRARY_PATH;
#   * every C example of PVM 3.4 (Debian's pvm-examples: examples and
#     gexamples) builds unmodified with
#       cc prog.c -I$P/include -L$P/lib -lgpvm3 -lpvm3
#     and runs without LD_LIBRARY_PATH (starter.c is left out: it does not
#     compile under gcc 12 even with PVM's own header; gmbi, lmbi, task0 and
#     task1 are linked with taskf.c, as PVM's makefile does);
#   * a consumer builds through pkg-config and through find_package(PVM3).
#
# Usage: test_install.sh <source dir> <build dir>
# PVM_INSTALL_SKIP_BINARIES=1 skips the checks of bin/pvmd and bin/pvm, for
# trees where the daemon or console is not built yet; never set it in CI.
set -uo pipefail

if [ $# -ne 2 ]; then
  echo "usage: $0 <source dir> <build dir>" >&2
  exit 2
fi
SRC=$1
BUILD=$2
T=$(mktemp -d /tmp/pvm-install-test.XXXXXX) || exit 1
trap 'rm -rf "$T"' EXIT
P=$T/prefix
# Nothing may be found through the environment: that is the point.
unset LD_LIBRARY_PATH PKG_CONFIG_PATH CMAKE_PREFIX_PATH

fails=0
passes=0
failed=()
pass() {
  passes=$((passes + 1))
  echo "ok: $1"
}
fail() {
  fails=$((fails + 1))
  failed+=("$1")
  echo "FAIL: $1"
}
check() { # check <description> <command...>
  if "${@:2}"; then pass "$1"; else fail "$1"; fi
}

# Succeeds when ldd resolves every library of file $1, and our libraries
# (lib{,g,f}pvm3) to $P/lib: a system PVM (Debian's libpvm3 package) has
# the same sonames and would otherwise be picked up silently.  Prints what
# is wrong.
resolves() {
  local out bad=0 name arrow path real
  out=$(ldd "$1" 2>&1) || {
    sed 's/^/    /' <<<"$out"
    return 1
  }
  if grep -q "not found" <<<"$out"; then
    grep "not found" <<<"$out" | sed 's/^/    /'
    bad=1
  fi
  while read -r name arrow path _; do
    case $name in
    lib*pvm3.so*)
      [ "$arrow" = "=>" ] || continue
      real=$(realpath -m "$path")
      case $real in
      "$PR"/lib/*) ;;
      *)
        echo "    $name => $path: not the installed $P/lib"
        bad=1
        ;;
      esac
      ;;
    esac
  done <<<"$out"
  return $bad
}

# ---------------------------------------------------------------------------
echo "== install into a temporary prefix"
if ! cmake --install "$BUILD" --prefix "$P" >"$T/install.log" 2>&1; then
  sed 's/^/    /' "$T/install.log"
  fail "cmake --install $BUILD"
  echo "1 failed: cannot go on without an installed tree"
  exit 1
fi
pass "cmake --install"
PR=$(realpath "$P")

# ---------------------------------------------------------------------------
echo "== layout"
for f in include/pvm3.h include/fpvm3.h \
  lib/libpvm3.so lib/libpvm3.a lib/libgpvm3.so lib/libgpvm3.a \
  lib/libfpvm3.so lib/libfpvm3.a \
  lib/pkgconfig/pvm3.pc lib/cmake/PVM3/PVM3Config.cmake \
  lib/cmake/PVM3/PVM3ConfigVersion.cmake; do
  check "$f installed" test -f "$P/$f"
done
if [ "${PVM_INSTALL_SKIP_BINARIES:-0}" = 1 ]; then
  echo "note: PVM_INSTALL_SKIP_BINARIES=1: bin/pvmd and bin/pvm not checked"
else
  for f in bin/pvmd bin/pvm; do
    check "$f installed and executable" test -x "$P/$f"
  done
fi

echo "== installed programs and libraries resolve without LD_LIBRARY_PATH"
for f in "$P"/bin/* "$P"/lib/*.so; do
  [ -e "$f" ] || continue
  check "ldd ${f#"$P"/}" resolves "$f"
done

# ---------------------------------------------------------------------------
echo "== PVM 3.4's C examples, unmodified"
EX=$T/ex
mkdir -p "$EX"
if ! tar -xzf /usr/share/doc/pvm-examples/examples.tar.gz -C "$EX" ||
  ! tar -xzf /usr/share/doc/pvm-examples/gexamples.tar.gz -C "$EX"; then
  fail "extract Debian's pvm-examples (apt-get install pvm-examples)"
else
  mkdir -p "$EX/bin"
  nex=0
  for src in "$EX"/examples/*.c "$EX"/gexamples/*.c; do
    name=$(basename "$src" .c)
    case $name in
    starter | taskf) continue ;; # see the header
    gmbi | lmbi | task0 | task1) extra=$EX/examples/taskf.c ;;
    *) extra= ;;
    esac
    nex=$((nex + 1))
    dir=$(dirname "$src")
    bin=$EX/bin/$(basename "$dir")-$name
    # The examples are K&R-era C: warnings are expected and not checked.
    if (cd "$dir" && cc ${PVM_TEST_CFLAGS:-} "$src" $extra -I"$P/include" -L"$P/lib" -lgpvm3 -lpvm3 -o "$bin") \
      >"$T/cc.log" 2>&1; then
      pass "compile $(basename "$dir")/$name.c"
      check "$(basename "$dir")/$name runs without LD_LIBRARY_PATH" resolves "$bin"
    else
      grep -E ": error:|undefined reference" "$T/cc.log" | sort -u | head -20 | sed 's/^/    /'
      fail "compile $(basename "$dir")/$name.c"
    fi
  done
  echo "   ($nex example programs)"
fi

# ---------------------------------------------------------------------------
# A consumer that uses both libraries and runs without a daemon.
mkdir -p "$T/consumer"
cat >"$T/consumer/consumer.c" <<'EOF'
#include <stdio.h>
#include <pvm3.h>

int main(void)
{
    int x[2] = {1, 2}, y[2] = {10, 20}, n = 2, type = PVM_INT, info = -1;
    PvmSum(&type, x, y, &n, &info);
    printf("%d %d %d %s\n", info, x[0], x[1], pvm_errlist[-PvmNoTask]);
    return !(info == PvmOk && x[0] == 11 && x[1] == 22);
}
EOF
want_out="0 11 22 No such task"

echo "== pkg-config consumer"
export PKG_CONFIG_PATH=$P/lib/pkgconfig
if flags=$(pkg-config --cflags --libs pvm3 2>"$T/pc.log"); then
  pass "pkg-config --cflags --libs pvm3"
  # pvm3.pc must describe the tree it was installed in, wherever that is.
  for v in includedir libdir; do
    got=$(pkg-config --variable=$v pvm3)
    case $v in
    includedir) want=$P/include ;;
    libdir) want=$P/lib ;;
    esac
    if [ "$(realpath -m "$got")" = "$(realpath -m "$want")" ]; then
      pass "pvm3.pc $v is the install prefix's"
    else
      echo "    pvm3.pc says $v=$got, the tree is in $want"
      fail "pvm3.pc $v is the install prefix's"
    fi
  done
  # shellcheck disable=SC2086 # flags are words
  if cc ${PVM_TEST_CFLAGS:-} "$T/consumer/consumer.c" $flags -o "$T/consumer/pc" >"$T/cc.log" 2>&1; then
    pass "compile with pkg-config flags"
    check "pkg-config consumer resolves" resolves "$T/consumer/pc"
    check "pkg-config consumer runs" test "$("$T/consumer/pc" 2>&1)" = "$want_out"
  else
    sed 's/^/    /' "$T/cc.log" | head -20
    echo "    (pkg-config says: $flags)"
    fail "compile with pkg-config flags"
  fi
else
  sed 's/^/    /' "$T/pc.log"
  fail "pkg-config --cflags --libs pvm3"
fi
unset PKG_CONFIG_PATH

echo "== CMake find_package(PVM3) consumer"
cat >"$T/consumer/CMakeLists.txt" <<'EOF'
cmake_minimum_required(VERSION 3.18)
project(consumer C)
find_package(PVM3 REQUIRED)
add_executable(consumer consumer.c)
target_link_libraries(consumer PRIVATE PVM3::gpvm3 PVM3::pvm3)
EOF
if cmake -S "$T/consumer" -B "$T/consumer/build" -DCMAKE_PREFIX_PATH="$P" -DCMAKE_C_FLAGS="${PVM_TEST_CFLAGS:-}" \
  >"$T/cmake.log" 2>&1 &&
  cmake --build "$T/consumer/build" >>"$T/cmake.log" 2>&1; then
  pass "find_package(PVM3) and link PVM3::pvm3"
  check "CMake consumer resolves" resolves "$T/consumer/build/consumer"
  check "CMake consumer runs" test "$("$T/consumer/build/consumer" 2>&1)" = "$want_out"
else
  grep -Ev "^--|^$" "$T/cmake.log" | head -20 | sed 's/^/    /'
  fail "find_package(PVM3) and link PVM3::pvm3"
fi

# ---------------------------------------------------------------------------
echo
echo "== summary: $passes passed, $fails failed"
for f in "${failed[@]}"; do
  echo "   failed: $f"
done
[ "$fails" -eq 0 ]
