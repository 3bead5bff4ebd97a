#!/usr/bin/env bash
# Builds the .deb with CPack from a configured and built tree and checks its
# layout and control fields. Usage: check_package.sh BUILD_DIR
set -euo pipefail
build=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cpack -G DEB --config "$build/CPackConfig.cmake" -B "$tmp" >"$tmp/cpack.log" 2>&1 || {
  cat "$tmp/cpack.log"; echo "FAIL: cpack -G DEB"; exit 1; }
deb=$(ls "$tmp"/*.deb)
echo "built $(basename "$deb") ($(stat -c %s "$deb") bytes)"
dpkg-deb -c "$deb" | awk '{print $1, $6}' | sed 's#\./#/#' > "$tmp/contents"
rc=0
expect() {  # expect MODE PATH
  grep -qxF -e "$1 $2" "$tmp/contents" || { echo "FAIL: no '$1 $2' in the package"; rc=1; }
}
expect -rwxr-xr-x /usr/bin/wireguard_exporter
expect -rw-r--r-- /usr/lib/systemd/system/wireguard-exporter.service
expect -rw-r--r-- /usr/lib/sysusers.d/wireguard-exporter.conf
expect -rw-r--r-- /etc/wireguard_exporter/config.yml
expect -rw-r--r-- /etc/default/wireguard-exporter
expect -rw-r--r-- /usr/share/wireguard_exporter/dashboards/wireguard-overview.json
expect -rw-r--r-- /usr/share/wireguard_exporter/dashboards/wireguard-peer.json
expect -rw-r--r-- /usr/share/wireguard_exporter/alerts/wireguard.rules.yml
expect -rw-r--r-- /usr/share/wireguard_exporter/alerts/wireguard.rules_test.yml
expect -rw-r--r-- /usr/share/wireguard_exporter/compat/prometheus_wireguard_exporter.rules.yml
expect -rw-r--r-- /usr/share/wireguard_exporter/compat/prometheus_wireguard_exporter.rules_test.yml
expect -rw-r--r-- /usr/share/wireguard_exporter/prometheus.yml
expect -rw-r--r-- /usr/share/wireguard_exporter/alertmanager.yml
expect -rw-r--r-- /usr/share/doc/wireguard-exporter/examples/userspace-wireguard.conf
expect -rw-r--r-- /usr/share/doc/wireguard-exporter/examples/namespaces.conf
if grep -E ' /usr/local/|/_CPack_|/tmp/' "$tmp/contents"; then
  echo "FAIL: paths outside the Debian layout"; rc=1
fi

dpkg-deb -x "$deb" "$tmp/root"
unit="$tmp/root/usr/lib/systemd/system/wireguard-exporter.service"
grep -q '^ExecStart=/usr/bin/wireguard_exporter --config.file=/etc/wireguard_exporter/config.yml \$ARGS$' "$unit" ||
  { echo "FAIL: ExecStart in the packaged unit:"; grep ExecStart "$unit"; rc=1; }
# The shipped example Prometheus config finds the shipped rules.
promtool check config "$tmp/root/usr/share/wireguard_exporter/prometheus.yml" >/dev/null ||
  { echo "FAIL: promtool check config of the installed example"; rc=1; }

dpkg-deb -f "$deb" Package Version Architecture Depends > "$tmp/control"
cat "$tmp/control"
grep -qx 'Package: wireguard-exporter' "$tmp/control" || { echo "FAIL: package name"; rc=1; }
for lib in libcivetweb1 libyaml-cpp0.7 libspdlog1.10 libmnl0 libssl3 libcrypt1 libisal2 libc6; do
  grep -q "^Depends:.*\b${lib}\b" "$tmp/control" || { echo "FAIL: Depends lacks $lib"; rc=1; }
done
dpkg-deb --ctrl-tarfile "$deb" | tar -t > "$tmp/ctrl"
for f in conffiles postinst prerm postrm; do
  grep -qx "./$f" "$tmp/ctrl" || { echo "FAIL: control member $f missing"; rc=1; }
done
dpkg-deb -I "$deb" conffiles

[ "$rc" -eq 0 ] && echo "PASS"
exit "$rc"
