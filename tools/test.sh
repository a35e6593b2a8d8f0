#!/usr/bin/env bash
# The whole test suite, from a fresh Debian 12 machine: installs what is
# missing, then builds and tests
#   1. clang 14 with AddressSanitizer + UndefinedBehaviorSanitizer (and the
#      libFuzzer targets, whose corpora are replayed, then each fuzzed for a
#      minute: tools/fuzz_ci.sh),
#   2. clang 14 with ThreadSanitizer: the server layer's tests (a server on
#      several threads among them), the threads example and a short soak,
#   3. g++ 12 with AddressSanitizer: the calls written with braces inside
#      co_await (tests/client/call_forms.cpp), which g++ 12 gets wrong for
#      aggregates,
#   4. g++ 12, optimised (-O1: most of -O3's speed for the soak at two
#      thirds of its compile time): the soak for about two minutes (55 s over TCP, 55 s
#      over TLS), then everything else,
# all with -Wall -Wextra -Wpedantic -Werror. CTest's summary of the g++ run
# is the last thing printed. Idempotent; re-running rebuilds incrementally.
# usage: tools/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/deps.sh cmake ninja-build g++ clang-14 libclang-rt-14-dev libfuzzer-14-dev \
    libboost1.81-dev libboost-url1.81-dev libboost-json1.81-dev libssl-dev catch2 libhiredis-dev redis-server python3-prometheus-client \
    libnghttp2-dev python3-h2 nghttp2-client
jobs=$(nproc)

echo "== clang 14, ASan + UBSan"
# Line tables only (not full debug info): sanitizer reports keep file:line,
# and the template-heavy tests compile much faster on CI's two cores. The
# compile-only checks (compile-fail tests, headers on their own) run in the
# g++ build alone.
cmake -S . -B build/ci-asan -G Ninja -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_BUILD_TYPE=Debug \
    -DCMAKE_CXX_FLAGS_DEBUG=-gline-tables-only \
    -DSXTP_SANITIZE=address,undefined -DSXTP_BUILD_FUZZ=ON -DSXTP_COMPILE_FAIL_TESTS=OFF \
    -DSXTP_HEADER_CHECK=OFF >/dev/null
cmake --build build/ci-asan -j "$jobs"
# (the installed-tree consumer is the same under every compiler: the g++ stage runs it)
(cd build/ci-asan && ASAN_OPTIONS=detect_leaks=1 ctest -j "$jobs" -E '^sx\.install_consumer$' --output-on-failure)

echo "== libFuzzer, a minute per target (100 ms CPU cap per input)"
bash tools/fuzz_ci.sh build/ci-asan 60

echo "== clang 14, ThreadSanitizer (server layer)"
cmake -S . -B build/ci-tsan -G Ninja -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -gline-tables-only -DNDEBUG" \
    -DSXTP_SANITIZE=thread -DSXTP_COMPILE_FAIL_TESTS=OFF >/dev/null
cmake --build build/ci-tsan -j "$jobs" --target test_server threads test_soak
(cd build/ci-tsan && TSAN_OPTIONS=halt_on_error=1 SXTP_SOAK_SECONDS=3 ctest -j "$jobs" -R '^(server|soak)\.' --output-on-failure)

echo "== g++ 12, AddressSanitizer: calls written with braces inside co_await"
# g++ 12 destroys an aggregate temporary built inside a co_await expression
# twice; tests/client/call_forms.cpp writes calls that way and must stay
# clean under g++'s own ASan. (Not UBSan: g++ 12's -fsanitize=undefined
# makes the endpoint checks' constexpr evaluation fail to compile.)
cmake -S . -B build/ci-gcc-asan -G Ninja -DCMAKE_CXX_COMPILER=g++ -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG=-g1 \
    -DSXTP_SANITIZE=address -DSXTP_COMPILE_FAIL_TESTS=OFF -DSXTP_HEADER_CHECK=OFF >/dev/null
cmake --build build/ci-gcc-asan -j "$jobs" --target test_call_forms
ASAN_OPTIONS=detect_leaks=1 build/ci-gcc-asan/tests/test_call_forms

echo "== g++ 12, release"
cmake -S . -B build/ci-gcc -G Ninja -DCMAKE_CXX_COMPILER=g++ -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE="-O1 -DNDEBUG" >/dev/null
cmake --build build/ci-gcc -j "$jobs"
cd build/ci-gcc
if ! SXTP_SOAK_SECONDS=55 ctest -L soak --verbose >soak.log 2>&1; then
    cat soak.log
    exit 1
fi
grep -oE '(tcp|tls) soak: .*' soak.log
ctest -j "$jobs" -LE soak --output-on-failure
