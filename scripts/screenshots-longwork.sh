#!/usr/bin/env bash
# Renders longwork-client's window (offscreen, against a longwork service in its own process)
# to docs/screenshots/longwork-client.png and longwork-client-reconnecting.png.
#
#     scripts/screenshots-longwork.sh [build-dir]      (default: build)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$root/build}"
cmake --build "$build" --target longwork-client
client="$build/apps/longwork/client/longwork-client"
mkdir -p "$root/docs/screenshots"
export QT_QPA_PLATFORM=offscreen
export QT_LOGGING_RULES="burrow.*.warning=false;longwork.*.info=false"
"$client" --screenshot "$root/docs/screenshots/longwork-client.png" --screenshot-scene works
"$client" --screenshot "$root/docs/screenshots/longwork-client-reconnecting.png" --screenshot-scene reconnecting
