#!/bin/bash
# Builds burrow-bench (Release, into build-bench/ next to the source tree unless BUILD_DIR is
# set) and runs it; the JSON lines go to $BUILD_DIR/results-latest.jsonl (not committed), the
# progress and the summary table to stderr. Extra arguments go to burrow-bench, e.g.
#   bench/run-bench.sh --filter 'pipe64' --duration-ms 1000
set -euo pipefail
SOURCE_DIR=$(cd "$(dirname "$0")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$(dirname "$SOURCE_DIR")/build-bench}
cmake -S "$SOURCE_DIR" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release \
      -DBURROW_BUILD_TESTS=OFF -DBURROW_BUILD_APPS=OFF > /dev/null
cmake --build "$BUILD_DIR" -j"$(nproc)" --target burrow-bench
{
    echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
    echo "load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "commit: $(git -C "$SOURCE_DIR" rev-parse --short HEAD)$(git -C "$SOURCE_DIR" diff --quiet HEAD -- libs || echo ' (libs modified)')"
} >&2
status=0
"$BUILD_DIR/bench/burrow-bench/burrow-bench" "$@" | tee "$BUILD_DIR/results-latest.jsonl" || status=$?
echo "load average after the run: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
echo "JSON lines: $BUILD_DIR/results-latest.jsonl" >&2
exit $status
