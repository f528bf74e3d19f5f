#!/usr/bin/env bash
# Burrow's main demo: replica-monitor with an embedded master, a local slave following it in
# real time and the burst generator writing 200 rows/s (docs/REPLICA-MONITOR.md).
#
#     scripts/demo.sh [extra replica-monitor options]
#
# Installs the missing Debian packages, configures a Release build with Ninja into build/ (or
# $BURROW_BUILD_DIR), builds replica-monitor and runs it. Without a display (no DISPLAY nor
# WAYLAND_DISPLAY) it runs offscreen for 10 seconds and prints where replication got to.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${BURROW_BUILD_DIR:-$root/build}"

"$root/scripts/setup-deps.sh"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build "$build" --target replica-monitor

args=(--embedded --burst 200)
if [[ -z "${DISPLAY:-}" && -z "${WAYLAND_DISPLAY:-}" ]]; then
    echo "demo: no DISPLAY or WAYLAND_DISPLAY: running offscreen (QT_QPA_PLATFORM=offscreen) for 10 seconds;" \
         "for a picture, see scripts/screenshots-replica-monitor.sh"
    export QT_QPA_PLATFORM=offscreen
    args+=(--quit-after 10)
fi
export QT_LOGGING_RULES="${QT_LOGGING_RULES:-burrow.*.info=false}"
exec "$build/apps/replica-monitor/app/replica-monitor" "${args[@]}" "$@"
