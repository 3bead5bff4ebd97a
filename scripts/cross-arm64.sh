#!/usr/bin/env bash
# Cross-builds the exporter and its .deb for arm64 (Raspberry Pi OS 64-bit,
# Debian 12 arm64) with Debian's cross toolchain, against an arm64 sysroot of
# Debian 12's -dev packages made with mmdebstrap (downloaded once, cached in
# $WGX_CACHE; the host's own packages are left alone).
#
# Usage: scripts/cross-arm64.sh [BUILD_DIR]     (default: build-arm64)
# Writes BUILD_DIR/wireguard_exporter and BUILD_DIR/wireguard-exporter_VERSION-1_arm64.deb.
# Run it as root (it installs packages the first time).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -ne 0 ]; then
  echo "cross-arm64.sh: installing the cross toolchain and making the sysroot need root; run it as root (for example: su -c '$0')" >&2
  exit 1
fi
build=${1:-build-arm64}
cache=${WGX_CACHE:-/var/cache/wireguard-exporter-test}
for tool in aarch64-linux-gnu-g++ mmdebstrap qemu-aarch64-static dpkg-shlibdeps; do
  command -v "$tool" >/dev/null || { scripts/install-deps.sh all; break; }
done

# The arm64 libraries the exporter builds against, with their dependencies.
packages=(libc6-dev libstdc++-12-dev linux-libc-dev libcivetweb-dev libyaml-cpp-dev libsqlite3-dev
  libspdlog-dev libfmt-dev libmnl-dev libssl-dev libcrypt-dev libisal-dev)
key=$(printf '%s\n' "${packages[@]}" | sha256sum | cut -c1-12)
sysroot=$cache/arm64-sysroot-$key
if [ ! -d "$sysroot/usr/include" ]; then
  echo "cross-arm64: making the arm64 sysroot in $sysroot (once)"
  rm -rf "$sysroot.part"
  mkdir -p "$cache"
  mmdebstrap --quiet --arch=arm64 --variant=extract --skip=cleanup/apt/cache \
    --include="$(IFS=,; echo "${packages[*]}")" bookworm "$sysroot.part"
  mv "$sysroot.part" "$sysroot"
fi

# Links that name an absolute path (libcrypt.so -> /lib/...) would point out
# of the sysroot, and the linker would fall back to static archives.
find "$sysroot/usr" "$sysroot/lib" -lname '/*' | while read -r link; do
  ln -sfr "$sysroot$(readlink "$link")" "$link"
done

# The package's dependencies are those of the same source built natively:
# the same Debian release has the same library packages, names and versions,
# on every architecture (tests/cross checks each arm64 library against them).
native=${WGX_NATIVE_EXPORTER:-build/wireguard_exporter}
if [ ! -x "$native" ]; then
  echo "cross-arm64: building the native exporter for its dependency list"
  cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build build -j"$(nproc)" --target wireguard_exporter
  native=build/wireguard_exporter
fi
native=$(realpath "$native")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/debian"
printf 'Source: wireguard-exporter\n\nPackage: wireguard-exporter\nArchitecture: any\n' > "$tmp/debian/control"
# The TLS helper libraries beside it are part of the package too.
shims=$(find "$(dirname "$native")/wgx-tls-shims" -name 'lib*.so' -type f 2>/dev/null || true)
# shellcheck disable=SC2086
depends=$(cd "$tmp" && dpkg-shlibdeps -O "$native" $shims 2>/dev/null |
  sed -n 's/^shlibs:Depends=//p')
[ -n "$depends" ] || { echo "cross-arm64: dpkg-shlibdeps found no dependencies of $native" >&2; exit 1; }

cmake -S . -B "$build" -DCMAKE_TOOLCHAIN_FILE="$PWD/cmake/toolchain-aarch64.cmake" \
  -DWGX_SYSROOT="$sysroot" -DCMAKE_BUILD_TYPE=Release -DWGX_BUILD_TESTS=OFF \
  -DWGX_BUILD_BENCHMARKS=OFF -DWGX_DEB_SHLIB_DEPENDS="$depends" >/dev/null
cmake --build "$build" -j"$(nproc)" --target wireguard_exporter
(cd "$build" && cpack -G DEB >/dev/null)
deb=$(ls "$build"/wireguard-exporter_*_arm64.deb)
echo "cross-arm64: $build/wireguard_exporter and $deb; run it with"
echo "  qemu-aarch64-static -L $sysroot $build/wireguard_exporter"
echo "WGX_SYSROOT=$sysroot"
