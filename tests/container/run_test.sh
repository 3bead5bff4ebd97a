#!/usr/bin/env bash
# Builds the exporter image and the stand-in WireGuard image with podman, then
# runs the container suites against them. Exit 77 (skipped) with the reason
# when this machine cannot run podman containers.
# Usage: run_test.sh SOURCE_DIR
set -uo pipefail
src=$1
cd "$src"
skip() { echo "skipped: $*"; exit 77; }
[ "$(id -u)" -eq 0 ] || skip "needs root"
for tool in podman mmdebstrap runc curl; do
  command -v "$tool" >/dev/null || skip "$tool is not installed (scripts/install-deps.sh all installs it)"
done
source scripts/podman-env.sh
if ! out=$(podman "${WGX_PODMAN_GLOBAL[@]}" info 2>&1); then
  skip "podman cannot run here: $(tail -1 <<<"$out")"
fi

export WGX_IMAGE=localhost/wireguard_exporter:test
export WGX_WIREGUARD_IMAGE=localhost/wgx-test-wireguard-go:latest
start=$(date +%s)
scripts/build-image.sh "$WGX_IMAGE" || { echo "FAIL: building the exporter image"; exit 1; }
wgx_base_image docker.io/library/debian:bookworm-slim || exit 1
podman "${WGX_PODMAN_GLOBAL[@]}" build "${WGX_PODMAN_BUILD[@]}" -q -t "$WGX_WIREGUARD_IMAGE" \
  tests/container/wireguard-go >/dev/null || { echo "FAIL: building the WireGuard image"; exit 1; }
echo "images built in $(( $(date +%s) - start )) s"

rc=0
for suite in test_container.py test_compose.py; do
  python3 tests/e2e/run_suite.py "tests/container/$suite" || rc=1
done
exit "$rc"
