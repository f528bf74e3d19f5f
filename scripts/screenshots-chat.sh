#!/usr/bin/env bash
# Renders chat-client's window (offscreen) to docs/screenshots/:
#   chat-client.png               a conversation on a real chat-server (started here on a free
#                                 port), with scripted participants joining, talking and leaving
#   chat-client-reconnecting.png  the window after its server went away
#
#     scripts/screenshots-chat.sh [build-dir]      (default: build)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$root/build}"
cmake --build "$build" --target chat-server chat-client
server="$build/apps/chat/server/chat-server"
client="$build/apps/chat/client/chat-client"
mkdir -p "$root/docs/screenshots"
export QT_QPA_PLATFORM=offscreen
export QT_LOGGING_RULES="burrow.*.warning=false;chat.*.info=false"

output=$(mktemp)
"$server" --port 0 >"$output" 2>/dev/null &
server_pid=$!
trap 'kill "$server_pid" 2>/dev/null || true; rm -f "$output"' EXIT
for _ in $(seq 100); do
    grep -q "listening on" "$output" && break
    sleep 0.1
done
port=$(sed -n 's|^chat-server listening on ws://[^:]*:\([0-9]*\)/$|\1|p' "$output")
[[ -n "$port" ]] || { echo "screenshots-chat: chat-server did not start" >&2; exit 1; }

"$client" --host 127.0.0.1 --port "$port" --nick alice \
    --screenshot "$root/docs/screenshots/chat-client.png"
"$client" --nick alice --screenshot "$root/docs/screenshots/chat-client-reconnecting.png" \
    --screenshot-scene reconnecting
