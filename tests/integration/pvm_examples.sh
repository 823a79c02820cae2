# pvm_examples.sh - sourced by the tests that compile PVM 3.4's own example
# programs (Debian pvm-examples) unmodified against the installed tree and
# run them (test_pvm_*_examples.sh).  examples_start sets up what they
# share: a temporary directory $T with the install in $P, a private HOME,
# PVM_TMP and PVM_ROOT, $BIN where spawn finds programs, both example
# tarballs unpacked in $T, and an EXIT trap that halts the machines
# (PVM_VMID unset and "hosts") and kills anything still running from $T.
# check and has count and show results; the test ends with examples_end.
#
#   . "$(dirname "$0")/pvm_examples.sh"
#   examples_start <name> <source dir> <build dir> [<PVM_ROOT under $T>]
#   examples_cleanup_hook() { ...; }  # optional: run first at exit

examples_start() { # examples_start <name> <source dir> <build dir> [<PVM_ROOT under $T>]
  SRC=$2
  BUILD=$3
  T=$(mktemp -d "/tmp/$1-test.XXXXXX")
  P=$T/prefix
  export HOME=$T/home PVM_TMP=$T/tmp PVM_ROOT=$T/${4:-root}
  unset PVM_VMID PVM_SOCKDIR PVM_TASK_TID
  mkdir -p "$HOME/pvm3/bin/LINUX64" "$PVM_TMP" "$PVM_ROOT"
  BIN=$HOME/pvm3/bin/LINUX64
  fails=0
  trap examples_cleanup EXIT
  cmake --install "$BUILD" --prefix "$P" >/dev/null || { echo "FAIL: install"; exit 1; }
  tar -xzf /usr/share/doc/pvm-examples/examples.tar.gz -C "$T" &&
    tar -xzf /usr/share/doc/pvm-examples/gexamples.tar.gz -C "$T" ||
    { echo "FAIL: pvm-examples missing"; exit 1; }
}

examples_procs() { # the processes whose program lies under $T
  for exe in /proc/[0-9]*/exe; do
    case "$(readlink "$exe" 2>/dev/null)" in "$T"/*) echo "${exe//[^0-9]/}" ;; esac
  done
}

examples_cleanup() {
  if declare -F examples_cleanup_hook >/dev/null; then examples_cleanup_hook; fi
  for vmid in "" hosts; do
    if [ -n "$vmid" ]; then export PVM_VMID=$vmid; else unset PVM_VMID; fi
    echo halt | timeout 20 "$P/bin/pvm" >/dev/null 2>&1
  done
  for pid in $(examples_procs); do kill -9 "$pid" 2>/dev/null; done
  rm -rf "$T"
}

check() { # check <description> <command...>
  if "${@:2}"; then echo "ok: $1"; else echo "FAIL: $1"; fails=$((fails + 1)); fi
}

has() { # has <fixed string> <text>: the text holds the string
  grep -qF -- "$1" <<<"$2"
}

examples_end() { # the count of failed checks, and the status
  echo "$fails failed"
  [ "$fails" -eq 0 ]
}

halt_vm() { # halt_vm <label> <sockdir>: the console's halt ends the pvmd and every task
  local pid
  pid=$(cat "$2/pvmd.pid")
  echo halt | timeout 20 "$P/bin/pvm" >/dev/null 2>&1
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
  check "$1: halt stops the pvmd" bash -c "! kill -0 $pid 2>/dev/null"
  for _ in $(seq 100); do [ -z "$(examples_procs)" ] && break; sleep 0.05; done
  check "$1: halt leaves no pvmd or task" test -z "$(examples_procs)"
}
