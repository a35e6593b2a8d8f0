#!/usr/bin/env bash
# Compile time of a 30-endpoint service TU: sxtp vs gRPC (generated code
# included), same compiler, same flags (-std=c++20 -O2), one job at a time.
# The sxtp TU includes the server and the client, registers a handler per
# endpoint and builds each endpoint's request; it is measured header-only
# and with SXTP_SEPARATE_COMPILATION (the ratio uses the latter: the
# server's and client's machinery is then compiled once per program, in the
# TU of sxtp/src.hpp, shown beside it, as gRPC's runtime is a library).
# usage: bench/compile_time/measure.sh [CXX]   (from the project root; default g++)
set -euo pipefail
cd "$(dirname "$0")/../.."
bash tools/deps.sh libgrpc++-dev protobuf-compiler-grpc protobuf-compiler libprotobuf-dev
cxx=${1:-g++}
out=build/compile_time
rm -rf "$out" && mkdir -p "$out"
python3 bench/compile_time/generate.py "$out"
(cd "$out" && protoc --cpp_out=. --grpc_out=. --plugin=protoc-gen-grpc="$(command -v grpc_cpp_plugin)" service.proto)
flags="-std=c++20 -O2 -c"
seconds() {  # seconds to compile $1 (best of 2)
    local best=""
    for _ in 1 2; do
        local t0 t1
        t0=$(date +%s.%N)
        $cxx $flags "$@" -o /dev/null || { echo "compile failed: $*" >&2; exit 1; }
        t1=$(date +%s.%N)
        local t; t=$(echo "$t1 - $t0" | bc)
        if [ -z "$best" ] || [ "$(echo "$t < $best" | bc)" -eq 1 ]; then best=$t; fi
    done
    echo "$best"
}
pb=$(seconds -I"$out" "$out/service.pb.cc")
grpc_pb=$(seconds -I"$out" "$out/service.grpc.pb.cc")
grpc_tu=$(seconds -I"$out" "$out/grpc_service.cpp")
sxtp_header_only=$(seconds -Iinclude "$out/sxtp_service.cpp")
# Separate compilation (include/sxtp/detail/config.hpp): the service TU, and
# once per program the TU of sxtp/src.hpp (as libgrpc++ is compiled once).
sxtp_tu=$(seconds -DSXTP_SEPARATE_COMPILATION -Iinclude "$out/sxtp_service.cpp")
echo '#include <sxtp/src.hpp>' > "$out/sxtp_src.cpp"
sxtp_src=$(seconds -DSXTP_SEPARATE_COMPILATION -Iinclude "$out/sxtp_src.cpp")
grpc_total=$(echo "$pb + $grpc_pb + $grpc_tu" | bc)
printf 'Compile time, 30 endpoints / 16 message types, %s -O2, best of 2 (seconds)\n\n' "$($cxx --version | head -1)"
printf '  %-44s %8s\n' "gRPC service.pb.cc (generated)" "$pb"
printf '  %-44s %8s\n' "gRPC service.grpc.pb.cc (generated)" "$grpc_pb"
printf '  %-44s %8s\n' "gRPC service implementation TU" "$grpc_tu"
printf '  %-44s %8s\n' "gRPC total" "$grpc_total"
printf '  %-44s %8s\n' "sxtp service TU, header-only" "$sxtp_header_only"
printf '  %-44s %8s\n' "sxtp service TU, separate compilation" "$sxtp_tu"
printf '  %-44s %8s\n' "sxtp src.hpp TU (once per program)" "$sxtp_src"
printf '\n  sxtp / gRPC total = %.2fx   (target <= 1.5x)\n' "$(echo "$sxtp_tu / $grpc_total" | bc -l)"
largest=$grpc_pb
for t in "$pb" "$grpc_tu"; do [ "$(echo "$t > $largest" | bc)" -eq 1 ] && largest=$t; done
printf '  sxtp / gRPC largest single TU = %.2fx\n' "$(echo "$sxtp_tu / $largest" | bc -l)"
ratio=$(printf '%.2f' "$(echo "$sxtp_tu / $grpc_total" | bc -l)")
if [ -n "${SXTP_BENCH_DATA:-}" ]; then
    met=yes; [ "$(echo "$ratio > 1.5" | bc)" -eq 1 ] && met='**no**'
    printf 'compile time, 30-endpoint TU / gRPC service TUs\t%sx\t≤ 1.50x\t%s\n' "$ratio" "$met" >> "$SXTP_BENCH_DATA/targets.tsv"
    printf '"gRPC (3 TUs)"\t%s\n"sxtp (1 TU)"\t%s\n' "$grpc_total" "$sxtp_tu" > "$SXTP_BENCH_DATA/compile.tsv"
fi
