#!/usr/bin/env bash
# The demo, from a fresh Debian 12 machine: installs what is missing, builds
# the demo and runs it: the mesh (three services, a private redis-server),
# then the seed documents read, canonicalised and hashed. Idempotent.
# usage: tools/demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/deps.sh cmake ninja-build g++ libboost1.81-dev libboost-url1.81-dev libboost-json1.81-dev libssl-dev \
    libhiredis-dev redis-server
cmake -S . -B build/demo -G Ninja -DCMAKE_BUILD_TYPE=Release -DSXTP_BUILD_TESTS=OFF >/dev/null
cmake --build build/demo --target read_documents sxtp_cli mesh_demo >/dev/null
echo "== The mesh: three services discover each other through a private redis-server"
echo
build/demo/examples/mesh_demo
echo
echo "== The seed SX documents, read, canonicalised and hashed"
echo
build/demo/examples/read_documents tests/data/seeds/spec.sx tests/data/seeds/sxtp-overview.sx
echo "== The example-query exchange of spec.sx, pretty-printed by 'sxtp pretty'"
echo
build/demo/tools/sxtp canon --all tests/data/seeds/spec.sx | sed -n 11p | build/demo/tools/sxtp pretty --width 72
