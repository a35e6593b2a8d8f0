#!/usr/bin/env bash
# Runs every libFuzzer target briefly, two at a time (CI has two cores):
# from a copy of its checked-in corpus plus the conformance vectors, with
# the SX dictionary. A crash, a leak, a sanitizer report or CPU amplification
# fails the run; the input is kept in $work/TARGET/ and its log printed. The
# checked-in corpora are not changed.
#
# CPU amplification: fuzz/cpu_cap.cpp aborts on an input over the 100 ms CPU
# cap only when it stays over it in five runs in a row. Before that is
# called a failure here, the input is replayed in fresh processes (the
# target's replay executable, which applies the same cap): if any replay
# stays under the cap, the measurement was the machine's (steal, contention,
# ASan's housekeeping), not the input's; that is reported and fuzzing goes
# on for the rest of the target's time. An input over the cap in every
# fresh process fails, as real amplification must.
# usage: tools/fuzz_ci.sh BUILD_DIR [SECONDS_PER_TARGET]
set -euo pipefail
cd "$(dirname "$0")/.."
build=$1
secs=${2:-60}
work=$(mktemp -d /tmp/sxtp-fuzz-ci.XXXXXX)
targets=(sx_reader typed_read frame_reader server_connection message_decode mesh_channel)

# over_cap_everywhere TARGET INPUT: true when INPUT aborts the CPU cap in
# each of three fresh replay processes.
over_cap_everywhere() {
    local t=$1 input=$2 replay=$build/fuzz/fuzz_$1_replay i
    [ -x "$replay" ] || return 0  # nothing to check with: keep the failure
    for i in 1 2 3; do
        if "$replay" "$input" >/dev/null 2>&1; then return 1; fi
    done
    return 0
}

run_one() {
    local t=$1 dir=$work/$1 start=$SECONDS left=$secs attempt=0 inputs=0
    mkdir -p "$dir/corpus"
    cp fuzz/corpus/"$t"/* "$dir/corpus/"
    while ((left > 0)); do
        attempt=$((attempt + 1))
        rm -f "$dir"/crash-* "$dir"/leak-* "$dir"/timeout-* "$dir"/oom-*
        if "$build/fuzz/fuzz_$t" -max_total_time="$left" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
            -dict=fuzz/sx.dict -artifact_prefix="$dir/" -print_final_stats=1 \
            "$dir/corpus" tests/data/conformance/sx >"$dir/log.$attempt" 2>&1; then
            inputs=$((inputs + $(grep -E '^stat::number_of_executed_units' "$dir/log.$attempt" | awk '{print $2}')))
            echo "fuzz $t: $inputs inputs in ${secs}s, no failure"
            return 0
        fi
        local input
        input=$(ls "$dir"/crash-* 2>/dev/null | head -n 1 || true)
        if [ -n "$input" ] && grep -q 'CPU amplification' "$dir/log.$attempt" && ((attempt <= 5)) &&
            ! over_cap_everywhere "$t" "$input"; then
            echo "fuzz $t: $(grep -o 'one input of .* runs (limit [0-9]* ms)' "$dir/log.$attempt" | head -n 1)," \
                "but under the cap when replayed in a fresh process: machine noise, not amplification; fuzzing on"
            mv "$input" "$dir/noise-$attempt"
            left=$((secs - (SECONDS - start)))
            continue
        fi
        echo "fuzz $t: FAILED (log and input in $dir)"
        tail -n 40 "$dir/log.$attempt"
        return 1
    done
    echo "fuzz $t: ${secs}s, no failure"
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
