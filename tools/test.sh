#!/usr/bin/env bash
# The whole test suite, from a fresh Debian 12 machine: installs what is
# missing, then builds and tests
#   1. clang 14 with AddressSanitizer + UndefinedBehaviorSanitizer (and the
#      libFuzzer targets, whose corpora are replayed),
#   2. g++ 12, optimised,
# both with -Wall -Wextra -Wpedantic -Werror. CTest's summary of the g++ run
# is the last thing printed. Idempotent; re-running rebuilds incrementally.
# usage: tools/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/deps.sh cmake ninja-build g++ clang-14 libclang-rt-14-dev libfuzzer-14-dev \
    libboost1.81-dev libboost-url1.81-dev libssl-dev catch2
jobs=$(nproc)

echo "== clang 14, ASan + UBSan"
cmake -S . -B build/ci-asan -G Ninja -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_BUILD_TYPE=Debug \
    -DSXTP_SANITIZE=address,undefined -DSXTP_BUILD_FUZZ=ON -DSXTP_COMPILE_FAIL_TESTS=OFF >/dev/null
cmake --build build/ci-asan -j "$jobs"
(cd build/ci-asan && ASAN_OPTIONS=detect_leaks=1 ctest -j "$jobs" --output-on-failure)

echo "== g++ 12, release"
cmake -S . -B build/ci-gcc -G Ninja -DCMAKE_CXX_COMPILER=g++ -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/ci-gcc -j "$jobs"
cd build/ci-gcc
ctest -j "$jobs" --output-on-failure
