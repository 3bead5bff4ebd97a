#!/usr/bin/env python3
"""TLS works on a machine without libssl-dev, that is without the unversioned
links libssl.so and libcrypto.so that Debian's civetweb asks dlopen for.

In a private mount namespace the system's library directory is replaced by
a copy made of symbolic links to the real files, less those two links; there
a plain dlopen("libssl.so") must fail (the control) while the exporter still
serves HTTPS (its own helper libraries answer civetweb's dlopen). Nothing
outside the namespace changes; the namespace ends with the script.

Usage: check_without_dev_links.py EXPORTER_BINARY
Needs root (unshare --mount); exits 77 (skipped) without it.
"""

import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tlsutil  # noqa: E402

LIBDIR = "/usr/lib/x86_64-linux-gnu"

INSIDE = r"""
set -eu
work=$1 exporter=$2 port=$3
mkdir -p "$work/real" "$work/shadow"
mount --bind "$LIBDIR" "$work/real"
for entry in "$work/real"/* "$work/real"/.[!.]*; do
  [ -e "$entry" ] || [ -L "$entry" ] || continue
  name=${entry##*/}
  case "$name" in libssl.so|libcrypto.so) continue ;; esac
  ln -s "$entry" "$work/shadow/$name"
done
mount --bind "$work/shadow" "$LIBDIR"
if python3 -c 'import ctypes; ctypes.CDLL("libssl.so")' 2>/dev/null; then
  echo "CONTROL FAILED: libssl.so still loads by its bare name"; exit 3
fi
echo "control: dlopen(libssl.so) fails here"
"$exporter" --web.listen-address=127.0.0.1:$port --web.config.file="$work/web.yml" \
  --no-wireguard.kernel --wireguard.socket-dir="$work" >"$work/exporter.log" 2>&1 &
pid=$!
served=""
for _ in $(seq 100); do
  if curl -sf --cacert "$work/cert.pem" "https://127.0.0.1:$port/metrics" -o "$work/metrics"; then
    served=yes; break
  fi
  kill -0 $pid 2>/dev/null || break
  sleep 0.1
done
grep -E 'lib(ssl|crypto)\.so' /proc/$pid/maps | awk '{print $6}' | sort -u || true
kill $pid 2>/dev/null || true
wait $pid 2>/dev/null || true
cat "$work/exporter.log"
[ -n "$served" ] && grep -q '^wireguard_exporter_build_info' "$work/metrics"
echo "served over TLS without libssl.so/libcrypto.so links"
"""


def main(exporter):
    if os.geteuid() != 0 or not shutil.which("unshare"):
        print("skipped: needs root and unshare")
        return 77
    if not os.path.isdir(LIBDIR):
        print(f"skipped: no {LIBDIR} on this machine")
        return 77
    work = tempfile.mkdtemp(prefix="wgx-nodev-")
    try:
        tlsutil.run([tlsutil.OPENSSL, "req", "-x509", "-newkey", "ec", "-pkeyopt",
                     "ec_paramgen_curve:P-256", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                     "-addext", "subjectAltName=IP:127.0.0.1", "-keyout",
                     os.path.join(work, "key.pem"), "-out", os.path.join(work, "cert.pem")])
        with open(os.path.join(work, "web.yml"), "w", encoding="ascii") as f:
            f.write("tls_server_config:\n  cert_file: cert.pem\n  key_file: key.pem\n")
        result = subprocess.run(
            ["unshare", "--mount", "--propagation", "private", "bash", "-c", INSIDE, "inside",
             work, os.path.realpath(exporter), str(tlsutil.free_port())],
            env=dict(os.environ, LIBDIR=LIBDIR), capture_output=True, text=True, timeout=120)
        print(result.stdout, result.stderr, sep="\n")
        if result.returncode != 0:
            print(f"FAIL (exit {result.returncode})")
            return 1
        shim_dir = os.path.join(os.path.dirname(os.path.realpath(exporter)))
        if "wgx-tls-shims/libssl.so" not in result.stdout and \
                "lib/wireguard_exporter/libssl.so" not in result.stdout:
            print(f"FAIL: the exporter near {shim_dir} did not map its own libssl.so")
            return 1
        print("PASS")
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1]))
