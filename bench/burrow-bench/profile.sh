#!/bin/bash
# Instructions per request with callgrind, one side at a time, over a window of steady state:
# BURROW_BENCH_PROFILE="<skip>,<count>" makes the profiled process zero its counters after
# <skip> requests and dump them after <count> more (see profileTick() in harness.h), so set-up
# and start-up costs are left out and every figure is exact per request.
#
#   bench/burrow-bench/profile.sh client <measure-regex> [count] [skip]
#       this process (the client) under callgrind, servers native;
#   bench/burrow-bench/profile.sh server <server-kind> <measure-regex> [count] [skip]
#       the server of that kind under callgrind, client native.
#
# Prints the top functions by inclusive instructions per request. Profiles are kept in
# $PROFILE_DIR (default /work/build-bench/profiles); BURROW_BENCH is the executable (default
# /work/build-bench/bench/burrow-bench/burrow-bench).
set -euo pipefail
BIN=${BURROW_BENCH:-/work/build-bench/bench/burrow-bench/burrow-bench}
OUT=${PROFILE_DIR:-/work/build-bench/profiles}
mkdir -p "$OUT"
side=$1; shift
if [ "$side" = client ]; then
    kind=""; filter=$1; count=${2:-3000}; skip=${3:-500}
else
    kind=$1; filter=$2; count=${3:-3000}; skip=${4:-500}
fi
tag=$(echo "$side.$kind.$filter" | tr -c 'A-Za-z0-9_.\n' '_')
rm -f "$OUT/$tag".out*
export BURROW_BENCH_PROFILE="$skip,$count"
# burrow-bench re-executes itself to set malloc tunables unless they are set (main.cpp): under
# valgrind that would leave the profiled process, so set them here (valgrind's own allocator
# ignores them anyway).
export GLIBC_TUNABLES="glibc.malloc.trim_threshold=268435456:glibc.malloc.top_pad=16777216"
args=(--filter "$filter" --no-baselines --runs 1 --warmup-ms 0 --duration-ms 36000000 --json-only)
if [ "$side" = client ]; then
    valgrind --tool=callgrind --callgrind-out-file="$OUT/$tag.out" "$BIN" "${args[@]}" > /dev/null 2>&1 || true
else
    fifo=$(mktemp -u); mkfifo "$fifo"; portfile=$(mktemp)
    valgrind --tool=callgrind --callgrind-out-file="$OUT/$tag.out" "$BIN" --serve "$kind" \
        < "$fifo" > "$portfile" 2>/dev/null &
    vg=$!
    exec 3> "$fifo"   # the server's stdin: closing it stops the server
    for _ in $(seq 600); do grep -q PORT "$portfile" && break; sleep 0.1; done
    port=$(awk '/PORT/{print $2}' "$portfile")
    "$BIN" --connect "$kind=$port" "${args[@]}" > /dev/null 2>&1 || true
    exec 3>&-
    wait $vg || true
    rm -f "$fifo" "$portfile"
fi
window=$(grep -l '^desc: Trigger: Client Request: window' "$OUT/$tag".out* 2>/dev/null | head -1 || true)
if [ -z "$window" ]; then
    echo "no profile window was dumped (fewer than $((skip + count)) requests?)" >&2
    exit 1
fi
python3 - "$window" "$count" "$side ${kind:+$kind }$filter" <<'PY'
import re, subprocess, sys
path, count, what = sys.argv[1], int(sys.argv[2]), sys.argv[3]
out = subprocess.run(['callgrind_annotate', '--inclusive=yes', '--threshold=100', path],
                     capture_output=True, text=True).stdout
total = 0
rows = []
for line in out.splitlines():
    if 'PROGRAM TOTALS' in line:
        total = int(line.split()[0].replace(',', ''))
        continue
    m = re.match(r'\s*([\d,]+)\s+(?:\([^)]*\)\s+)?(.*)$', line)
    if m and ':' in m.group(2):
        name = m.group(2)[4:] if m.group(2).startswith('???:') else m.group(2)
        name = re.sub(r' \[/[^\]]*/([^/\]]+)\]$', r' [\1]', name)
        rows.append((int(m.group(1).replace(',', '')) / count, name))
print(f"{what}: {count} requests; instructions per request (inclusive)")
print(f"{total / count:10.0f}  PROGRAM TOTAL")
for per, name in rows[:80]:
    if per >= 40:
        print(f"{per:10.0f}  {name[:190]}")
PY
echo "profile: $window"
