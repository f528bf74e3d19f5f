#!/bin/bash
# Instructions per request with callgrind, one side at a time, fixed costs (start-up,
# connection set-up) cancelled by difference: the side runs twice, for D and 2*D ms, and each
# figure is (Ir(2D) - Ir(D)) / (completions(2D) - completions(D)).
#
#   bench/burrow-bench/profile.sh client <measure-regex> [D-ms]
#       this process under callgrind (servers native);
#   bench/burrow-bench/profile.sh server <server-kind> <measure-regex> [D-ms]
#       the server of that kind under callgrind (client native).
#
# Prints the total and the top functions by inclusive Ir per request. Profiles are kept in
# $PROFILE_DIR (default /work/build-bench/profiles); BURROW_BENCH is the executable (default
# /work/build-bench/bench/burrow-bench/burrow-bench). Build Release or RelWithDebInfo first.
set -euo pipefail
BIN=${BURROW_BENCH:-/work/build-bench/bench/burrow-bench/burrow-bench}
OUT=${PROFILE_DIR:-/work/build-bench/profiles}
mkdir -p "$OUT"
side=$1; shift
if [ "$side" = client ]; then
    kind=""; filter=$1; duration=${2:-2000}
else
    kind=$1; filter=$2; duration=${3:-2000}
fi
tag=$(echo "$side.$kind.$filter" | tr -c 'A-Za-z0-9_.\n' '_')

# run <duration> <outfile>: prints the completion count
run() {
    local d=$1 out=$2 line
    if [ "$side" = client ]; then
        line=$(valgrind --tool=callgrind --callgrind-out-file="$out" "$BIN" --filter "$filter" --no-baselines \
                   --runs 1 --warmup-ms 0 --duration-ms "$d" 2>&1 | grep -E 'completions|FAILED')
    else
        local fifo portfile vg port
        fifo=$(mktemp -u); mkfifo "$fifo"; portfile=$(mktemp)
        valgrind --tool=callgrind --callgrind-out-file="$out" "$BIN" --serve "$kind" \
            < "$fifo" > "$portfile" 2>/dev/null &
        vg=$!
        exec 3> "$fifo"   # the server's stdin: closing it stops the server
        for _ in $(seq 600); do grep -q PORT "$portfile" && break; sleep 0.1; done
        port=$(awk '/PORT/{print $2}' "$portfile")
        line=$("$BIN" --connect "$kind=$port" --filter "$filter" --no-baselines --runs 1 --warmup-ms 0 \
                   --duration-ms "$d" 2>&1 | grep -E 'completions|FAILED')
        exec 3>&-
        wait $vg || true
        rm -f "$fifo" "$portfile"
    fi
    echo "$line" >&2
    echo "$line" | sed -E 's/.*\(([0-9]+) completions.*/\1/'
}
n1=$(run "$duration" "$OUT/$tag.1.out")
n2=$(run $((duration * 2)) "$OUT/$tag.2.out")
python3 - "$OUT/$tag.1.out" "$n1" "$OUT/$tag.2.out" "$n2" <<'PY'
import re, subprocess, sys
def inclusive(path):
    out = subprocess.run(['callgrind_annotate', '--inclusive=yes', '--threshold=100', path],
                         capture_output=True, text=True).stdout
    costs = {}
    for line in out.splitlines():
        m = re.match(r'\s*([\d,]+)\s+(?:\([^)]*\)\s+)?(.*)$', line)
        if m and ':' in m.group(2):
            name = m.group(2)
            if name.startswith('???:'):
                name = name[4:]
            costs[name] = costs.get(name, 0) + int(m.group(1).replace(',', ''))
        if 'PROGRAM TOTALS' in line:
            costs['PROGRAM TOTALS'] = int(line.split()[0].replace(',', ''))
    return costs
f1, n1, f2, n2 = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
c1, c2 = inclusive(f1), inclusive(f2)
dn = n2 - n1
print(f"completions: {n1} and {n2}; per request = difference / {dn}")
rows = sorted(((c2.get(k, 0) - c1.get(k, 0)) / dn, k) for k in c2)
rows.reverse()
print(f"{rows and (c2['PROGRAM TOTALS'] - c1['PROGRAM TOTALS']) / dn:10.0f}  PROGRAM TOTALS")
for per, name in rows[:70]:
    if per >= 50 and name != 'PROGRAM TOTALS':
        print(f"{per:10.0f}  {name[:180]}")
PY
echo "profiles: $OUT/$tag.{1,2}.out"
