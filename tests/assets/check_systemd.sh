#!/usr/bin/env bash
# Verifies the systemd unit and its userspace and namespaces drop-ins with systemd-analyze and
# rates their exposure. Usage:
#   check_systemd.sh SOURCE_DIR EXPORTER_BINARY MAX_EXPOSURE [MAX_EXPOSURE_WITH_NAMESPACES]
#
# systemd-analyze verify insists that ExecStart= exists, so a temporary copy
# of the unit points at the built binary (or, when it was not built, at
# /bin/true: the unit's own settings are what is being checked).
set -euo pipefail
src=$1 binary=$2 max_exposure=$3 max_namespaces_exposure=${4:-$3}
[ -x "$binary" ] || binary=/bin/true
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

unit=wireguard-exporter.service
sed "s#/usr/bin/wireguard_exporter#${binary}#" "$src/systemd/$unit" > "$tmp/$unit"
grep -q "ExecStart=${binary} " "$tmp/$unit" || { echo "FAIL: ExecStart not rewritten"; exit 1; }

rc=0
exposure() {  # exposure LABEL: prints and checks the overall exposure of $tmp/$unit
  local out score
  out=$(cd "$tmp" && SYSTEMD_UNIT_PATH="$tmp:" systemd-analyze security --offline=true \
        --no-pager "$unit" 2>&1) || true
  score=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' <<<"$out")
  if [ -z "$score" ]; then
    echo "FAIL ($1): no exposure level in systemd-analyze output:"; echo "$out"; rc=1; return
  fi
  echo "$1: exposure $score (limit $max_exposure)"
  grep '✗' <<<"$out" | sed 's/^/    /'
  if ! awk -v s="$score" -v m="$max_exposure" 'BEGIN { exit !(s <= m) }'; then
    echo "FAIL ($1): exposure $score above $max_exposure"; rc=1
  fi
}

verify() {  # verify LABEL: systemd-analyze verify, where any message (even "ignoring") fails
  local out status=0
  out=$(cd "$tmp" && SYSTEMD_UNIT_PATH="$tmp:" systemd-analyze verify "$tmp/$unit" 2>&1) || status=$?
  if [ "$status" -ne 0 ] || [ -n "$out" ]; then
    echo "FAIL ($1): systemd-analyze verify exited $status:"; echo "$out"; rc=1
  else
    echo "$1: systemd-analyze verify clean"
  fi
}

verify "unit as shipped"
# What the unit must keep, whatever else changes: the capability set, the
# service user, reload by SIGHUP, the file-system and system-call sandbox.
for line in "User=wireguard-exporter" "AmbientCapabilities=CAP_NET_ADMIN" \
    "CapabilityBoundingSet=CAP_NET_ADMIN" 'ExecReload=/bin/kill -HUP $MAINPID' \
    "NoNewPrivileges=yes" "ProtectSystem=strict" "ProtectHome=yes" "PrivateTmp=yes" \
    "PrivateDevices=yes" "RestrictAddressFamilies=AF_UNIX AF_NETLINK AF_INET AF_INET6" \
    "SystemCallFilter=@system-service" "MemoryDenyWriteExecute=yes"; do
  grep -qxF "$line" "$tmp/$unit" || { echo "FAIL: $unit lacks '$line'"; rc=1; }
done
exposure "kernel WireGuard (unit as shipped)"

echo "--- with the userspace WireGuard drop-in"
mkdir -p "$tmp/$unit.d"
cp "$src/systemd/userspace-wireguard.conf" "$tmp/$unit.d/"
verify "with drop-in"
caps=$(cd "$tmp" && SYSTEMD_UNIT_PATH="$tmp:" systemd-analyze security --offline=true --no-pager \
       "$unit" 2>&1 | grep -c 'Service may override UNIX file/IPC permission checks' || true)
[ "$caps" -ge 1 ] || { echo "FAIL: drop-in was not applied (no CAP_DAC_OVERRIDE seen)"; rc=1; }
exposure "userspace WireGuard (with drop-in)"

echo "--- with the namespaces drop-in"
rm -f "$tmp/$unit.d/"*
cp "$src/systemd/namespaces.conf" "$tmp/$unit.d/"
verify "with namespaces drop-in"
report=$(cd "$tmp" && SYSTEMD_UNIT_PATH="$tmp:" systemd-analyze security --offline=true --no-pager \
         "$unit" 2>&1)
for expect in 'CAP_SYS_ADMIN' 'CAP_SYS_PTRACE'; do
  grep -q "$expect" <<<"$report" || { echo "FAIL: namespaces drop-in: no $expect seen"; rc=1; }
done
# Only network namespaces may be entered.
grep -qE '✗ RestrictNamespaces=~net' <<<"$report" ||
  { echo "FAIL: namespaces drop-in must allow network namespaces"; rc=1; }
grep -qE '✓ RestrictNamespaces=~mnt' <<<"$report" ||
  { echo "FAIL: namespaces drop-in must still forbid mount namespaces"; rc=1; }
max_exposure=$max_namespaces_exposure exposure "namespaces (with drop-in)"

[ "$rc" -eq 0 ] && echo "PASS"
exit "$rc"
