#!/usr/bin/env bash
# Boots Debian 12's own cloud kernel under qemu (software emulation, no KVM
# needed) with a small initramfs holding the WireGuard modules, wg(8), setpriv
# and the exporter, and checks the exporter against real kernel WireGuard.
#
# Usage: run_vm_test.sh EXPORTER_BINARY NETLINK_CAPTURE_BINARY WORK_DIR
# The kernel package is downloaded once with apt-get into a cache outside the
# source tree: $WGX_KERNEL_CACHE, else /var/cache/wireguard-exporter-test when
# writable, else ~/.cache/wireguard-exporter-test.
# Exit codes: 0 passed, 1 failed, 77 skipped (qemu cannot run here at all).
set -euo pipefail

usage="usage: run_vm_test.sh EXPORTER_BINARY NETLINK_CAPTURE_BINARY WORK_DIR"
exporter=${1:?$usage}
capture_tool=${2:?$usage}
work=${3:?$usage}
here=$(cd "$(dirname "$0")" && pwd)
started=$(date +%s.%N)

say() { echo "kernel-vm: $*"; }
die() {
  echo "kernel-vm: FAILED: $*" >&2
  exit 1
}
skip() {
  echo "kernel-vm: SKIPPED: $*"
  exit 77
}

# --- prerequisites ----------------------------------------------------------
command -v qemu-system-x86_64 > /dev/null ||
  skip "qemu-system-x86_64 is not installed (Debian package qemu-system-x86)"
qemu-system-x86_64 -machine help 2> /dev/null | grep -q '^q35' ||
  skip "qemu-system-x86_64 cannot run on this machine"
for tool in busybox wg setpriv ip depmod modprobe dpkg-deb apt-get apt-cache cpio gzip ldd flock; do
  command -v "$tool" > /dev/null || die "$tool is missing; run scripts/install-deps.sh test"
done
[ -x "$exporter" ] || die "exporter binary $exporter does not exist"
[ -x "$capture_tool" ] || die "capture tool $capture_tool does not exist"
busybox_path=$(command -v busybox)
ldd "$busybox_path" > /dev/null 2>&1 && die "$busybox_path is not static; install busybox-static"

# --- the kernel, cached -----------------------------------------------------
cache=${WGX_KERNEL_CACHE:-}
if [ -z "$cache" ]; then
  cache=/var/cache/wireguard-exporter-test
  if ! mkdir -p "$cache" 2> /dev/null || [ ! -w "$cache" ]; then
    cache=${XDG_CACHE_HOME:-$HOME/.cache}/wireguard-exporter-test
  fi
fi
mkdir -p "$cache"
exec 9> "$cache/lock"
flock 9 # another run may be downloading or unpacking

# The versioned package the meta package points at, e.g. linux-image-6.1.0-NN-cloud-amd64.
package=$(apt-cache depends linux-image-cloud-amd64 2> /dev/null |
  awk '$1 == "Depends:" && $2 ~ /^linux-image-6\.1\.0-[0-9]+-cloud-amd64$/ { print $2; exit }')
deb=""
if [ -n "$package" ]; then
  deb=$(ls -1 "$cache/${package}"_*.deb 2> /dev/null | tail -n 1 || true)
  if [ -z "$deb" ]; then
    say "downloading $package into $cache"
    (cd "$cache" && apt-get download -o APT::Sandbox::User=root "$package" > /dev/null) ||
      die "apt-get download $package failed"
    deb=$(ls -1 "$cache/${package}"_*.deb | tail -n 1)
    # Kernels the meta package no longer points at are not needed again.
    for old in "$cache"/linux-image-*.deb "$cache"/root-linux-image-*; do
      [ -e "$old" ] || continue
      case "$old" in "$deb" | "$cache/root-$(basename "$deb" .deb)") ;; *) rm -rf "$old" ;; esac
    done
  fi
else
  # No apt metadata for the meta package: fall back to any kernel already cached.
  deb=$(ls -1 "$cache"/linux-image-6.1.0-*-cloud-amd64_*.deb 2> /dev/null | sort -V | tail -n 1 || true)
  [ -n "$deb" ] || die "cannot find linux-image-cloud-amd64 in apt (run apt-get update)"
fi
say "kernel package $(basename "$deb")"

root="$cache/root-$(basename "$deb" .deb)"
if [ ! -f "$root/.unpacked" ]; then
  rm -rf "$root"
  dpkg-deb -x "$deb" "$root"
  touch "$root/.unpacked"
fi
kver=$(ls -1 "$root/lib/modules" | head -n 1)
[ -n "$kver" ] || die "no modules in $deb"
[ -f "$root/lib/modules/$kver/modules.dep" ] || depmod -b "$root" "$kver"
vmlinuz="$root/boot/vmlinuz-$kver"
[ -f "$vmlinuz" ] || die "no kernel image in $deb"
# wireguard and what it needs; veth joins the test's namespaces.
mapfile -t modules < <(modprobe -d "$root" -S "$kver" --show-depends -a wireguard veth |
  awk '$1 == "insmod" && !seen[$2]++ { print $2 }')
[ "${#modules[@]}" -gt 0 ] || die "the kernel package has no wireguard module"
flock -u 9

# --- the initramfs ----------------------------------------------------------
stage="$work/initramfs"
rm -rf "$stage"
mkdir -p "$stage"/{bin,usr/bin,lib/modules,lib64,proc,sys,dev,tmp,etc}
cp "$busybox_path" "$stage/bin/busybox"

: > "$stage/lib/modules/load-order"
for module in "${modules[@]}"; do
  name=$(basename "$module")
  case "$name" in
    *.ko.xz) xz -dc "$module" > "$stage/lib/modules/${name%.xz}" ;;
    *.ko.zst) zstd -qdc "$module" > "$stage/lib/modules/${name%.zst}" ;;
    *.ko.gz) gzip -dc "$module" > "$stage/lib/modules/${name%.gz}" ;;
    *) cp "$module" "$stage/lib/modules/$name" ;;
  esac
  echo "${name%.ko*}.ko" >> "$stage/lib/modules/load-order"
done

# Copies a dynamically linked program and every library ldd names.
copy_program() {
  local source=$1 target=$2
  cp "$source" "$stage$target"
  ldd "$source" | awk '/=> \// { print $3 } /^[[:space:]]*\/[^ ]*ld-linux/ { print $1 }' |
    while read -r library; do
      mkdir -p "$stage$(dirname "$library")"
      cp -L "$library" "$stage$library"
    done
}
copy_program "$(command -v wg)" /usr/bin/wg
copy_program "$(command -v setpriv)" /usr/bin/setpriv
# iproute2's ip for `ip netns` (busybox's ip has no netns command).
copy_program "$(command -v ip)" /usr/bin/ip-full
copy_program "$exporter" /usr/bin/wireguard_exporter
copy_program "$capture_tool" /usr/bin/netlink_capture
# Debug information only makes the initramfs larger.
strip --strip-debug "$stage/usr/bin/wireguard_exporter" "$stage/usr/bin/netlink_capture" 2> /dev/null || true
echo "nobody:x:65534:65534:nobody:/nonexistent:/bin/false" > "$stage/etc/passwd"
echo "nogroup:x:65534:" > "$stage/etc/group"
install -m 0755 "$here/vm_init.sh" "$stage/init"

initramfs="$work/initramfs.cpio.gz"
(cd "$stage" && find . | cpio -o -H newc --quiet | gzip -1) > "$initramfs"
say "initramfs $(du -h "$initramfs" | cut -f1), ${#modules[@]} modules, kernel $kver"

# --- boot -------------------------------------------------------------------
console="$work/console.log"
boot_started=$(date +%s.%N)
set +e
timeout 600 qemu-system-x86_64 -machine q35,accel=tcg -cpu max -smp 1 -m 512M \
  -nographic -no-reboot -nic none \
  -kernel "$vmlinuz" -initrd "$initramfs" \
  -append 'console=ttyS0 panic=-1 quiet' < /dev/null > "$console" 2>&1
qemu_status=$?
set -e
boot_seconds=$(echo "$(date +%s.%N) $boot_started" | awk '{ printf "%.1f", $1 - $2 }')

# --- results ----------------------------------------------------------------
# The firmware's terminal escapes may precede the first line.
tr -d '\r' < "$console" | grep -o 'WGXVM .*' > "$work/results.txt" || true
grep -v '^WGXVM CAPTURE ' "$work/results.txt" | sed 's/^WGXVM /  /'

# Recorded netlink answers: decoded into the work directory, and into
# $WGX_UPDATE_NETLINK_FIXTURES when set (tests/data/netlink to refresh them).
mkdir -p "$work/captures"
for name in links family device-wgcap; do
  tr -d '\r' < "$console" |
    awk -v name="$name" '$0 ~ "WGXVM CAPTURE END " name "$" { on = 0 } on { print } $0 ~ "WGXVM CAPTURE BEGIN " name "$" { on = 1 }' |
    base64 -d > "$work/captures/kernel-6.1-$name.bin" 2> /dev/null || true
  if [ -n "${WGX_UPDATE_NETLINK_FIXTURES:-}" ] && [ -s "$work/captures/kernel-6.1-$name.bin" ]; then
    cp "$work/captures/kernel-6.1-$name.bin" "$WGX_UPDATE_NETLINK_FIXTURES/"
    say "wrote $WGX_UPDATE_NETLINK_FIXTURES/kernel-6.1-$name.bin"
  fi
done

# Every check the VM must report; a missing one fails like a failed one.
required=(modules capture_links capture_family capture_device-wgcap handshake big_device_config exporter_start wg0_info wg1_info wg0_up wg1_up
  wg0_labels handshake_online handshake_age handshake_timestamp handshake_bytes handshake_endpoint
  never_age never_online never_timestamp big_device_peers big_device_peer_count
  big_device_allowed_ips big_device_matches_wg added_interface added_interface_info
  removed_interface remaining_interfaces cap_is_nonroot cap_reads_kernel cap_reads_peers
  cap_reads_big_device nocap_is_nonroot nocap_interface_down nocap_no_peers nocap_log
  nocap_still_serving)
problems=()
grep -q '^WGXVM DONE' "$work/results.txt" ||
  problems+=("the VM did not finish (qemu exit status $qemu_status)")
while read -r _ _ name _; do problems+=("check $name failed"); done < <(grep '^WGXVM FAIL' "$work/results.txt" || true)
for name in "${required[@]}"; do
  grep -q "^WGXVM PASS $name " "$work/results.txt" ||
    grep -q "^WGXVM FAIL $name " "$work/results.txt" ||
    problems+=("check $name was never reported")
done

total_seconds=$(echo "$(date +%s.%N) $started" | awk '{ printf "%.1f", $1 - $2 }')
say "VM run ${boot_seconds}s, whole test ${total_seconds}s; console log: $console"
if [ "${#problems[@]}" -gt 0 ]; then
  echo "--- last console lines"
  tail -n 40 "$console" | tr -d '\r'
  printf 'kernel-vm: %s\n' "${problems[@]}" >&2
  die "${#problems[@]} problem(s)"
fi
say "all ${#required[@]} checks passed"
