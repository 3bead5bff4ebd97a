#!/usr/bin/env bash
# Installs what the exporter needs, builds it and runs it in the foreground on
# its built-in defaults (every WireGuard interface found, listening on :9586).
# Extra arguments are passed to the exporter, e.g. --config.file=config/example.yml
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -ne 0 ]; then
  echo "run.sh: reading WireGuard interfaces needs root (CAP_NET_ADMIN for kernel WireGuard, the" >&2
  echo "run.sh: root-owned sockets in /var/run/wireguard for wireguard-go), and installing the" >&2
  echo "run.sh: build packages needs root too: run it as root, for example: su -c '$0 $*'" >&2
  echo "run.sh: (to run unprivileged for good, install the .deb: its systemd unit grants just" >&2
  echo "run.sh: those rights; see docs/security.md)" >&2
  exit 1
fi
scripts/install-deps.sh build
cmake -S . -B build-release -DCMAKE_BUILD_TYPE=Release -DWGX_BUILD_TESTS=OFF \
  -DWGX_BUILD_BENCHMARKS=OFF >/dev/null
cmake --build build-release -j"$(nproc)" --target wireguard_exporter
exec build-release/wireguard_exporter "$@"
