#!/usr/bin/env bash
# Installs every Debian 12 package that building, running and testing wireguard_exporter needs.
# Idempotent and non-interactive.
# Usage: scripts/install-deps.sh [build|image|test|all]
#   build  compiling the exporter
#   image  building and running the container image with podman
#   test   everything the test suite needs (build and image included)
set -euo pipefail
profile=${1:-all}

build_pkgs=(
  build-essential cmake pkg-config
  prometheus-cpp-dev libcivetweb-dev libyaml-cpp-dev libspdlog-dev libfmt-dev
  libmnl-dev libssl-dev libcrypt-dev libisal-dev libsqlite3-dev
)
test_pkgs=(
  libgtest-dev libgmock-dev googletest libbenchmark-dev zlib1g-dev libdeflate-dev
  clang clang-format clang-tidy libclang-rt-14-dev
  wireguard-go wireguard-tools iproute2 procps curl openssl python3 psmisc strace util-linux
  prometheus prometheus-alertmanager wrk python3-prometheus-client chromium
  qemu-system-x86 busybox-static kmod cpio libcap2-bin
  systemd
)
image_pkgs=(
  podman runc mmdebstrap
)
deploy_pkgs=(
  docker-compose util-linux
  qemu-user-static crossbuild-essential-arm64 binutils-aarch64-linux-gnu
)
# kubectl (for `kubectl kustomize`) and Node.js (for the manifest validator)
# may come from other repositories; Debian's packages only when they are missing.
command -v kubectl >/dev/null 2>&1 || deploy_pkgs+=(kubernetes-client)
command -v node >/dev/null 2>&1 || deploy_pkgs+=(nodejs)
command -v npm >/dev/null 2>&1 || deploy_pkgs+=(npm)

case "$profile" in
  build) pkgs=("${build_pkgs[@]}") ;;
  image) pkgs=("${image_pkgs[@]}") ;;
  test|all) pkgs=("${build_pkgs[@]}" "${test_pkgs[@]}" "${image_pkgs[@]}" "${deploy_pkgs[@]}") ;;
  *) echo "usage: $0 [build|image|test|all]" >&2; exit 2 ;;
esac

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#pkgs[@]} packages present"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: these Debian packages are missing: ${missing[*]}" >&2
  echo "install-deps: installing them needs root; run this again as root (for example: su -c '$0 $profile')" >&2
  exit 1
fi
SUDO=""
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# Debian's prometheus packages try to start their services on install; nothing here wants that.
if [ ! -x /usr/sbin/policy-rc.d ] && [ -z "$SUDO" ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
