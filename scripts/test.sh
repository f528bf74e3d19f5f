#!/usr/bin/env bash
# Installs what is missing, builds Burrow, runs every fuzz target for 15 s (clang, ASan + UBSan;
# docs/RELIABILITY-fuzzing.md), then runs the whole test suite. A fuzz finding fails the command
# before the tests start. ctest's summary is the last thing printed.
#
# Environment: BURROW_BUILD_DIR (default build), BURROW_FUZZ=0 to skip the fuzzers (local runs
# only: CI runs them), and those of fuzz/run-fuzzers.sh (BURROW_FUZZ_BUILD_DIR, default
# build-fuzz: keep it between runs and the fuzz build takes seconds).
set -euo pipefail
cd "$(dirname "$0")/.."
fuzz=${BURROW_FUZZ:-1}
if [[ "$fuzz" == 1 ]]; then
    BURROW_WITH_FUZZERS=1 ./scripts/setup-deps.sh
else
    ./scripts/setup-deps.sh
fi
build=${BURROW_BUILD_DIR:-build}
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j"$(nproc)"
if [[ "$fuzz" == 1 ]]; then
    BURROW_FUZZ_JOBS=${BURROW_FUZZ_JOBS:-$(nproc)} ./fuzz/run-fuzzers.sh --ci
fi
cd "$build"
# Network and GUI suites run on shared, noisy machines: a failing test gets one more run, and
# ctest's summary still lists every test that failed twice.
exec ctest --output-on-failure --timeout 300 -j"$(nproc)" --repeat until-pass:2
