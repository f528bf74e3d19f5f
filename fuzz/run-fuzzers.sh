#!/usr/bin/env bash
# Builds the Burrow fuzz targets (if needed) and runs each for a while on its corpus.
#
#   fuzz/run-fuzzers.sh [seconds-per-target]      default 60
#   fuzz/run-fuzzers.sh --ci                      15 s per target, fresh work directory
#   fuzz/run-fuzzers.sh 600 fuzz_http_request     only the named targets
#
# The seed corpus (fuzz/corpus/<target>/) is copied into a work directory, so the repository is
# never modified; the work corpus grows from run to run (except with --ci). Exits non-zero if any
# target crashes, times out, runs out of memory or fails a differential check; the inputs that
# did are left in <work>/artifacts/<target>/ and named in the summary, which also gives the
# executions of each target. See docs/RELIABILITY-fuzzing.md.
#
# Environment: BURROW_FUZZ_BUILD_DIR (default <repo>/build-fuzz), BURROW_FUZZ_WORK_DIR (default
# <build>/fuzz-work), BURROW_FUZZ_JOBS (targets run at the same time, default 2; also the build's
# -j), BURROW_FUZZ_ARGS (extra libFuzzer arguments).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${BURROW_FUZZ_BUILD_DIR:-$root/build-fuzz}
work=${BURROW_FUZZ_WORK_DIR:-$build/fuzz-work}
jobs=${BURROW_FUZZ_JOBS:-2}
seconds=60
ci=0
targets=()
for arg in "$@"; do
    case "$arg" in
        --ci) ci=1; seconds=15 ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        ''|*[!0-9]*) targets+=("$arg") ;;
        *) seconds=$arg ;;
    esac
done

all_targets=(fuzz_http_request fuzz_json_message fuzz_cbor_message fuzz_batch fuzz_envelope fuzz_marshal fuzz_http_rpc_body
             fuzz_orm_rest)
((${#targets[@]})) || targets=("${all_targets[@]}")

# Largest input libFuzzer generates, per target, and its dictionary.
max_len() {
    case "$1" in
        fuzz_http_request|fuzz_batch|fuzz_envelope) echo 8192 ;;
        *) echo 4096 ;;
    esac
}
dictionary() {
    case "$1" in
        fuzz_http_request) echo "$root/fuzz/dict/http.dict" ;;
        fuzz_json_message|fuzz_batch|fuzz_http_rpc_body) echo "$root/fuzz/dict/json.dict" ;;
        fuzz_orm_rest) echo "$root/fuzz/dict/orm.dict" ;;
    esac
}

start=$(date +%s)
if [[ ! -f "$build/CMakeCache.txt" ]]; then
    generator=()
    command -v ninja >/dev/null && generator=(-G Ninja)
    echo "run-fuzzers: configuring $build"
    CC=${CC:-clang} CXX=${CXX:-clang++} cmake -S "$root" -B "$build" "${generator[@]}" \
        -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBURROW_BUILD_FUZZERS=ON \
        -DBURROW_BUILD_TESTS=OFF -DBURROW_BUILD_APPS=OFF -DBURROW_BUILD_BENCH=OFF >/dev/null
fi
echo "run-fuzzers: building"
cmake --build "$build" --target burrow_fuzzers -j "$jobs" >"$build/fuzz-build.log" 2>&1 \
    || { tail -50 "$build/fuzz-build.log"; echo "run-fuzzers: build failed" >&2; exit 2; }
built=$(date +%s)
echo "run-fuzzers: built in $((built - start)) s; running ${#targets[@]} targets for $seconds s each, $jobs at a time"

((ci)) && rm -rf "$work"
mkdir -p "$work"
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=0:detect_leaks=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export QT_QPA_PLATFORM=offscreen

run_target() {
    local target=$1
    local binary=$build/fuzz/$target
    local corpus=$work/corpus/$target artifacts=$work/artifacts/$target/
    mkdir -p "$corpus" "$artifacts"
    cp -n "$root/fuzz/corpus/$target/"* "$corpus/" 2>/dev/null || true
    local args=(-max_total_time="$seconds" -max_len="$(max_len "$target")" -timeout=20 -rss_limit_mb=2560
                -print_final_stats=1 -artifact_prefix="$artifacts")
    local dict
    dict=$(dictionary "$target")
    [[ -n "$dict" ]] && args+=(-dict="$dict")
    local status=0
    # shellcheck disable=SC2086 # BURROW_FUZZ_ARGS is a list of arguments
    "$binary" "${args[@]}" ${BURROW_FUZZ_ARGS:-} "$corpus" >"$work/$target.log" 2>&1 || status=$?
    echo "$status" >"$work/$target.status"
}

for target in "${targets[@]}"; do
    [[ -x "$build/fuzz/$target" ]] || { echo "run-fuzzers: no such target: $target" >&2; exit 2; }
    rm -f "$work/$target.status"
    run_target "$target" &
    while (($(jobs -rp | wc -l) >= jobs)); do
        wait -n || true
    done
done
wait || true

failed=0
printf '\n%-20s %8s %12s %10s %7s  %s\n' target seconds executions exec/s corpus result
for target in "${targets[@]}"; do
    log=$work/$target.log
    status=$(cat "$work/$target.status" 2>/dev/null || echo 99)
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | awk '{print $2}' | tail -1)
    speed=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | awk '{print $2}' | tail -1)
    corpus=$(find "$work/corpus/$target" -type f | wc -l)
    result=ok
    if [[ "$status" != 0 ]]; then
        result="FAILED (exit $status): $(find "$work/artifacts/$target" -type f | tr '\n' ' ')"
        failed=1
    fi
    printf '%-20s %8s %12s %10s %7s  %s\n' "$target" "$seconds" "${runs:-?}" "${speed:-?}" "$corpus" "$result"
done
echo "run-fuzzers: total $(( $(date +%s) - start )) s (build $((built - start)) s); logs in $work"
if ((failed)); then
    for target in "${targets[@]}"; do
        if [[ "$(cat "$work/$target.status" 2>/dev/null)" != 0 ]]; then
            echo "---- $target (last 40 lines of $work/$target.log)"
            tail -40 "$work/$target.log"
        fi
    done
    exit 1
fi
