#!/usr/bin/env bash
# Installs what the exporter needs, builds it and runs it in the foreground on
# its built-in defaults (every WireGuard interface found, listening on :9586).
# Extra arguments are passed to the exporter, e.g. --config.file=config/example.yml
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh build
cmake -S . -B build-release -DCMAKE_BUILD_TYPE=Release -DWGX_BUILD_TESTS=OFF \
  -DWGX_BUILD_BENCHMARKS=OFF >/dev/null
cmake --build build-release -j"$(nproc)" --target wireguard_exporter
exec build-release/wireguard_exporter "$@"
