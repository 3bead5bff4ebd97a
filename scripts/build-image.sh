#!/usr/bin/env bash
# Builds the container image with Debian's podman, without any registry:
# the Debian base image the Containerfile names is made here with mmdebstrap
# (cached in $WGX_IMAGE_CACHE) and imported under that name, and the build
# never pulls. With Docker Hub at hand, `docker build -f
# deploy/container/Containerfile .` builds the same file unchanged.
#
# Usage: scripts/build-image.sh [TAG]   (default localhost/wireguard_exporter:VERSION)
# Must run as root.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -ne 0 ]; then
  echo "build-image.sh: building images with podman here needs root; run it as root (for example: su -c '$0')" >&2
  exit 1
fi
for tool in podman mmdebstrap runc; do
  command -v "$tool" >/dev/null || {
    echo "build-image.sh: $tool is missing; run scripts/install-deps.sh image (as root)" >&2; exit 1; }
done
source scripts/podman-env.sh

version=$(sed -nE 's/^project\(wireguard_exporter VERSION ([0-9.]+).*/\1/p' CMakeLists.txt)
revision=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
source_url=$(git config --get remote.origin.url 2>/dev/null || true)
tag=${1:-localhost/wireguard_exporter:${version}}
also_latest=$([ $# -eq 0 ] && echo yes || true)

wgx_base_image docker.io/library/debian:bookworm
echo "build-image: building $tag (version $version, revision $revision)"
start=$(date +%s)
# The build stage's packages, kept under a name of their own so that pruning
# the intermediate images of earlier builds keeps them.
podman "${WGX_PODMAN_GLOBAL[@]}" build "${WGX_PODMAN_BUILD[@]}" --target deps \
  -f deploy/container/Containerfile -t localhost/wireguard_exporter-deps:bookworm .
podman "${WGX_PODMAN_GLOBAL[@]}" build "${WGX_PODMAN_BUILD[@]}" \
  --build-arg VERSION="$version" --build-arg REVISION="$revision" \
  --build-arg SOURCE="$source_url" --build-arg JOBS="$(nproc)" \
  -f deploy/container/Containerfile -t "$tag" .
[ -z "$also_latest" ] || podman "${WGX_PODMAN_GLOBAL[@]}" tag "$tag" localhost/wireguard_exporter:latest
podman "${WGX_PODMAN_GLOBAL[@]}" image prune -f >/dev/null
size=$(podman "${WGX_PODMAN_GLOBAL[@]}" image inspect --format '{{.Size}}' "$tag")
echo "build-image: $tag built in $(( $(date +%s) - start )) s, $((size / 1000)) kB uncompressed"
