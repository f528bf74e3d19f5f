#!/usr/bin/env bash
# Builds Burrow and its tests with gcc's AddressSanitizer + LeakSanitizer + UndefinedBehaviorSanitizer
# in a build directory of their own, then runs the whole ctest suite under them. Any leak, memory
# error or undefined behaviour fails the test that hit it. See docs/RELIABILITY.md ("Leak checks").
#
#   scripts/leak-check.sh [extra ctest arguments, e.g. -R marshal]
#
# Environment: BURROW_ASAN_BUILD_DIR (default <repo>/build-asan), BURROW_SANITIZE (default
# address,undefined), BURROW_LEAK_JOBS (build and ctest -j, default nproc).
# Not part of CI: the instrumented build and the slower tests take well over the CI budget.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${BURROW_ASAN_BUILD_DIR:-$root/build-asan}
sanitize=${BURROW_SANITIZE:-address,undefined}
jobs=${BURROW_LEAK_JOBS:-$(nproc)}

"$root/scripts/setup-deps.sh"
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
# gcc (not clang): the compiler of the ordinary build, so the same code paths are checked.
# -O1 -g1: the sanitizers' usual level, and line tables for the reports; it builds faster.
CC=${CC:-gcc} CXX=${CXX:-g++} cmake -S "$root" -B "$build" "${generator[@]}" \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" \
    -DBURROW_SANITIZE="$sanitize" \
    -DBURROW_BUILD_TESTS=ON -DBURROW_BUILD_APPS=ON -DBURROW_BUILD_BENCH=OFF -DBURROW_BUILD_FUZZERS=OFF >/dev/null
cmake --build "$build" -j"$jobs"

# Child processes (the e2e tests start the server and client executables) inherit these.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:detect_stack_use_after_return=0:strict_init_order=1:check_initialization_order=1:abort_on_error=0:halt_on_error=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$root/scripts/lsan.supp:print_suppressions=1:report_objects=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# Test timeouts are 5 times the usual in a sanitized build (cmake/BurrowInternal.cmake); Qt
# Test's per-function watchdog (5 min by default) gets the same room.
export QTEST_FUNCTION_TIMEOUT=${QTEST_FUNCTION_TIMEOUT:-1500000}
cd "$build"
# No retries, unlike test.sh: a leak or error reported once is a failure.
exec ctest --output-on-failure -j"$jobs" "$@"
