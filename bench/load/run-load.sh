#!/bin/sh
# The standard load and soak set of burrow-load (bench/RESULTS.md, "Load and soak (issue 6)"):
#   1. connections held: as many as the descriptor limit allows, up to 10,000, idle (connected
#      and resolved), with the server's memory per connection; baseline: as many raw QWebSocket
#      connections to a plain QWebSocketServer;
#   2. calls/s and latency at 1,000 connections, each with a server callback every second;
#   3. a soak at 1,000 connections (default 10 minutes): server memory sampled every 5 s, trend
#      and error count.
# Usage: bench/load/run-load.sh [build-dir] [soak-minutes (0: none)] [calls-per-second at 1,000 connections]
# Example: nice -n 5 bench/load/run-load.sh /work/build-load 10 | tee load.log
set -eu
BUILD=${1:-build}
SOAK_MINUTES=${2:-10}
RATE=${3:-10000}
LOAD="$BUILD/bench/load/burrow-load"
[ -x "$LOAD" ] || { echo "no $LOAD: build the burrow-load target (BURROW_BUILD_BENCH=ON)" >&2; exit 2; }

# One descriptor per connection in each process (burrow-load raises its soft limit itself too).
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
LIMIT=$(ulimit -n)
HELD=$((LIMIT - 200))
[ "$HELD" -gt 10000 ] && HELD=10000

echo "== $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, descriptor limit $LIMIT, load average $(cut -d' ' -f1-3 /proc/loadavg)"
status=0
echo "== 1. connections held and memory per idle connection ($HELD connections)"
"$LOAD" --connections "$HELD" --threads 4 --callback-period 0 --duration 0 --idle 5 || status=1
echo "== 1b. baseline: $HELD raw QWebSocket connections"
"$LOAD" --baseline raw --connections "$HELD" --threads 4 --idle 5 || status=1
echo "== 1c. $HELD connections, each subscribed (a server callback every 10 s), memory"
"$LOAD" --connections "$HELD" --threads 4 --callback-period 10000 --duration 0 --idle 5 || status=1
echo "== 2. 1,000 connections: $RATE calls/s offered, a callback per connection per second, 30 s"
"$LOAD" --connections 1000 --threads 4 --rate "$RATE" --callback-period 1000 --duration 30 --warmup 5 || status=1
[ "$SOAK_MINUTES" -gt 0 ] || { echo "== end (no soak), load average $(cut -d' ' -f1-3 /proc/loadavg)"; exit $status; }
echo "== 3. soak: 1,000 connections, 2,000 calls/s, a callback per connection per second, $SOAK_MINUTES min"
"$LOAD" --connections 1000 --threads 4 --rate 2000 --callback-period 1000 --duration $((SOAK_MINUTES * 60)) \
    --warmup 10 --soak --sample 5 || status=1
echo "== end, load average $(cut -d' ' -f1-3 /proc/loadavg)"
exit $status
