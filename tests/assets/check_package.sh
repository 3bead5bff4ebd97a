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
# The TLS helper libraries, in the exporter's private directory only.
expect -rw-r--r-- /usr/lib/wireguard_exporter/libssl.so
expect -rw-r--r-- /usr/lib/wireguard_exporter/libcrypto.so
if grep -E ' /usr/lib/(x86_64-linux-gnu/)?lib(ssl|crypto)\.so' "$tmp/contents"; then
  echo "FAIL: a libssl.so/libcrypto.so on the system's library path"; rc=1
fi
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

# The unpacked tree serves TLS: the executable finds the helpers next to it.
pki="$tmp/pki"
mkdir -p "$pki"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=localhost \
  -addext subjectAltName=IP:127.0.0.1 -keyout "$pki/key.pem" -out "$pki/cert.pem" 2>/dev/null
printf 'tls_server_config:\n  cert_file: cert.pem\n  key_file: key.pem\n' > "$pki/web.yml"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$tmp/root/usr/bin/wireguard_exporter" --web.listen-address="127.0.0.1:$port" \
  --web.config.file="$pki/web.yml" --no-wireguard.kernel --wireguard.socket-dir="$pki" \
  >"$tmp/exporter.log" 2>&1 &
exporter=$!
served=""
for _ in $(seq 50); do
  if curl -sf --cacert "$pki/cert.pem" "https://127.0.0.1:$port/metrics" -o "$tmp/metrics"; then
    served=yes; break
  fi
  sleep 0.1
done
kill "$exporter" 2>/dev/null; wait "$exporter" 2>/dev/null || true
if [ -n "$served" ] && grep -q '^wireguard_exporter_build_info' "$tmp/metrics"; then
  echo "the packaged exporter serves TLS"
else
  echo "FAIL: the packaged exporter did not serve TLS:"; cat "$tmp/exporter.log"; rc=1
fi

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
