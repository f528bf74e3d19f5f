#!/usr/bin/env bash
# Renders replica-monitor's window (offscreen: embedded master, sync on, burst generator at
# ~200 writes/s, one disconnection and resumption) to docs/screenshots/replica-monitor.png.
#
#     scripts/screenshots-replica-monitor.sh [build-dir]      (default: build)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$root/build}"
cmake --build "$build" --target replica-monitor
mkdir -p "$root/docs/screenshots"
export QT_QPA_PLATFORM=offscreen
export QT_LOGGING_RULES="burrow.*.warning=false;burrow.*.info=false"
"$build/apps/replica-monitor/app/replica-monitor" --screenshot "$root/docs/screenshots/replica-monitor.png"
