#!/usr/bin/env bash
# Builds the benchmark programs (g++ -O3), runs them all, and writes
# docs/bench/results.md with PNG plots (gnuplot) from this run, recording the
# machine and the date.
# usage: bench/run.sh [seconds-per-measurement]   (from anywhere; default 1)
#        bench/run.sh --report   (only rewrites the page and plots from the last run's data)
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/deps.sh cmake ninja-build g++ libboost1.81-dev libboost-url1.81-dev libssl-dev bc python3 gnuplot-nox \
    libgrpc++-dev protobuf-compiler-grpc protobuf-compiler libprotobuf-dev libsimdjson-dev
cmake -S . -B build/bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DSXTP_BUILD_BENCH=ON -DSXTP_BUILD_TESTS=OFF \
    -DSXTP_BUILD_EXAMPLES=OFF -DSXTP_BUILD_TOOLS=OFF >/dev/null
cmake --build build/bench >/dev/null
data=build/bench/data
if [ "${1:-}" != "--report" ]; then
    secs=${1:-1}
    rm -rf "$data" && mkdir -p "$data"
    export SXTP_BENCH_DATA=$PWD/$data
    echo "$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -sr)" > "$data/machine"
    date -u +%F > "$data/day"
    echo "== machine: $(cat "$data/machine"); $(cat "$data/day")"
    run() {  # run NAME COMMAND...: prints and keeps the output
        echo
        "${@:2}" | tee "$data/$1.out"
    }
    run codec build/bench/bench/bench_sx_codec "$(echo "$secs / 2" | bc -l)"
    run typed build/bench/bench/bench_typed_codec "$(echo "$secs / 2" | bc -l)"
    run rpc build/bench/bench/bench_rpc "$secs"
    run stream build/bench/bench/bench_stream
    run idle build/bench/bench/bench_idle
    run compile bash bench/compile_time/measure.sh
fi
machine=$(cat "$data/machine")
day=$(cat "$data/day")

# -- plots ----------------------------------------------------------------------
out=docs/bench
mkdir -p "$out"
gnuplot <<GP
set terminal pngcairo noenhanced size 900,480 font "sans,10"
set datafile separator "\t"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set grid ytics
set key below horizontal

set output "$out/rpc.png"
set title "fetch /items/{id}, each server on its own core ($day)"
set ylabel "requests / s (log scale)"
set xtics nomirror
set logscale y
set yrange [1000:*]
# rows: call, shape, peer, req/s, p50, p99, server CPU us per call
sel(peer) = sprintf("< awk -F'\\t' '\$1==\"fetch /items/{id}\" && \$3==\"%s\"' $data/rpc.tsv", peer)
plot sel("sxtp") using 4:xtic(2) title "sxtp", \
     sel("gRPC 1.51") using 4 title "gRPC 1.51", \
     sel("Beast HTTP/1.1 + JSON") using 4 title "Beast HTTP/1.1 + JSON", \
     sel("raw Asio limit") using 4 title "raw Asio limit"

set output "$out/rpc_cpu.png"
unset logscale y
set yrange [0:*]
set title "Server CPU per call, 64 in flight on one connection ($day)"
set ylabel "microseconds of server CPU per call"
set xtics rotate by -10 font ",8"
cpu(peer) = sprintf("< awk -F'\\t' '\$2==\"1 conn, 64 in flight\" && \$3==\"%s\"' $data/rpc.tsv", peer)
plot cpu("sxtp") using 7:xtic(1) title "sxtp", cpu("raw Asio limit") using 7 title "raw Asio limit", \
     cpu("gRPC 1.51") using 7 title "gRPC 1.51", cpu("Beast HTTP/1.1 + JSON") using 7 title "Beast HTTP/1.1 + JSON"
set xtics norotate font ",10"

set output "$out/rpc_latency.png"
set title "fetch /items/{id}, one call at a time on one connection ($day)"
set ylabel "microseconds"
plot "< awk -F'\t' '\$1==\"fetch /items/{id}\" && \$2==\"1 conn\"' $data/rpc.tsv" using 5:xtic(3) title "p50", "" using 6 title "p99"

set output "$out/stream.png"
set title "One server stream: events per second ($day)"
set ylabel "events / s"
plot "$data/stream.tsv" using 2:xtic(1) notitle

set output "$out/codec.png"
set title "SX codec vs Boost.JSON (JSON time / SX time; above 1: SX faster) ($day)"
set ylabel "ratio"
set xtics rotate by -10 font ",8"
plot "< awk -F'\t' 'NR%7==1' $data/codec.tsv" using 3:xtic(1) title "read (heap) vs reused parser", \
     "< awk -F'\t' 'NR%7==2' $data/codec.tsv" using 3 title "read (document) vs parser + monotonic", \
     "< awk -F'\t' 'NR%7==4' $data/codec.tsv" using 3 title "read (document) vs simdjson (ceiling)", \
     "< awk -F'\t' 'NR%7==6' $data/codec.tsv" using 3 title "print vs reused serializer"
GP

# -- the results page -------------------------------------------------------------
{
    echo "# Benchmark results"
    echo
    echo "Written by \`bash bench/run.sh\` on $day: $machine."
    echo "Every comparison ran side by side in this one run; ratios are of figures from the same run."
    echo "[docs/bench.md](../bench.md) explains each program, what is compared, and why a target is missed."
    echo
    echo "## Targets"
    echo
    echo "| target | measured | goal | met |"
    echo "|---|---|---|---|"
    awk -F'\t' '{printf "| %s | %s | %s | %s |\n", $1, $2, $3, $4}' "$data/targets.tsv"
    echo
    echo "## Plots"
    echo
    echo "![unary RPC](rpc.png)"
    echo "![server CPU per call](rpc_cpu.png)"
    echo "![ping-pong latency](rpc_latency.png)"
    echo "![streaming](stream.png)"
    echo "![codec](codec.png)"
    for part in rpc stream idle codec typed compile; do
        echo
        echo "## $part"
        echo
        echo '```'
        cat "$data/$part.out"
        echo '```'
    done
} > "$out/results.md"
echo
echo "wrote $out/results.md and $out/*.png"
