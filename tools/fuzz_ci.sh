#!/usr/bin/env bash
# Runs every libFuzzer target briefly, two at a time (CI has two cores):
# from a copy of its checked-in corpus plus the conformance vectors, with
# the SX dictionary. A crash, a leak, a sanitizer report or an input over
# the 100 ms CPU cap (fuzz/cpu_cap.cpp) fails the run; the input is kept in
# $work/TARGET/ and its log printed. The checked-in corpora are not changed.
# usage: tools/fuzz_ci.sh BUILD_DIR [SECONDS_PER_TARGET]
set -euo pipefail
cd "$(dirname "$0")/.."
build=$1
secs=${2:-60}
work=$(mktemp -d /tmp/sxtp-fuzz-ci.XXXXXX)
targets=(sx_reader typed_read frame_reader server_connection message_decode)

run_one() {
    local t=$1 dir=$work/$1
    mkdir -p "$dir/corpus"
    cp fuzz/corpus/"$t"/* "$dir/corpus/"
    if "$build/fuzz/fuzz_$t" -max_total_time="$secs" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
        -dict=fuzz/sx.dict -artifact_prefix="$dir/" -print_final_stats=1 \
        "$dir/corpus" tests/data/conformance/sx >"$dir/log" 2>&1; then
        echo "fuzz $t: $(grep -E '^stat::number_of_executed_units' "$dir/log" | awk '{print $2}') inputs in ${secs}s, no failure"
    else
        echo "fuzz $t: FAILED (log and input in $dir)"
        tail -n 40 "$dir/log"
        return 1
    fi
}

status=0
for ((i = 0; i < ${#targets[@]}; i += 2)); do
    pids=()
    for t in "${targets[@]:i:2}"; do
        run_one "$t" &
        pids+=($!)
    done
    for p in "${pids[@]}"; do wait "$p" || status=1; done
done
[ "$status" -eq 0 ] && rm -rf "$work"
exit "$status"
