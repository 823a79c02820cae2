#!/usr/bin/env bash
# Packed sizes and values (compat/pvm_compat_pack.c) as PVM 3.4.6 gives
# them: test_pvm_compat.sh's comparison, run with that program.
# Usage: test_pvm_compat_pack.sh <source dir> <build dir>
exec bash "$(dirname "$0")/test_pvm_compat.sh" "$1" "$2" "$1/tests/integration/compat/pvm_compat_pack.c"
