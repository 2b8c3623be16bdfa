#!/bin/bash
# Quick start 2: install what is missing, build, and run the whole test suite.
#   scripts/test.sh              Release build in build/
#   scripts/test.sh --sanitize   AddressSanitizer + UndefinedBehaviorSanitizer build in build-sanitize/
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
bash "$ROOT/scripts/setup.sh"
if [ "${1:-}" = "--sanitize" ]; then
    BUILD="$ROOT/build-sanitize"
    BUILD_TYPE=RelWithDebInfo bash "$ROOT/scripts/build.sh" "$BUILD" -DINTERP_SANITIZE=ON -DINTERP_BUILD_PERF=OFF
    export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1"
    export LSAN_OPTIONS="suppressions=$ROOT/test/lsan.supp:print_suppressions=0"
    export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
else
    BUILD="$ROOT/build"
    bash "$ROOT/scripts/build.sh" "$BUILD"
fi
cd "$BUILD"
ctest --output-on-failure -j "$(nproc)" --timeout 900
