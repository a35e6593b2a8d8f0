#!/usr/bin/env bash
# Builds and runs the benchmark programs (optimised, g++), printing each table.
# usage: bench/run.sh [seconds-per-measurement]   (from anywhere)
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/deps.sh cmake ninja-build g++ libboost1.81-dev libboost-url1.81-dev libssl-dev bc libgrpc++-dev protobuf-compiler-grpc
cmake -S . -B build/bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DSXTP_BUILD_BENCH=ON -DSXTP_BUILD_TESTS=OFF \
    -DSXTP_BUILD_EXAMPLES=OFF -DSXTP_BUILD_TOOLS=OFF >/dev/null
cmake --build build/bench >/dev/null
echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(date -u +%F)"
echo
build/bench/bench/bench_sx_codec "${1:-0.5}"
echo
build/bench/bench/bench_typed_codec "${1:-0.5}"
echo
build/bench/bench/bench_rpc "${1:-1}"
echo
build/bench/bench/bench_idle
echo
build/bench/bench/bench_stream
echo
bash bench/compile_time/measure.sh
