#!/usr/bin/env bash
# Load benchmark (not a test): many concurrent scrapers against one exporter.
#
#   bench/load.sh [--exporter PATH] [--socket-dir DIR] [--interfaces N] [--peers N]
#                 [--duration 15s] [--runs 3] [--threads 2] [--connections 16]
#
# Without --socket-dir it builds its own setup (root needed): N wireguard-go
# interfaces (default 10, named wgfzb0...) with M fake peers each (default
# 100), loaded with `wg setconf` inside a private network namespace. The
# interfaces stay down, so WireGuard itself sends nothing.
#
# Then `wrk --latency` (loopback only) hits /metrics without and with gzip,
# RUNS times each, and after every run the exporter's peak RSS (VmHWM) is
# read from /proc, so growth across runs shows. Everything started here is
# stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

exporter=${WGX_EXPORTER:-build/wireguard_exporter}
socket_dir=""
interfaces=10
peers=100
duration=15s
runs=3
threads=2
connections=16
while [ $# -gt 0 ]; do
  case "$1" in
    --exporter) exporter=$2; shift 2 ;;
    --socket-dir) socket_dir=$2; shift 2 ;;
    --interfaces) interfaces=$2; shift 2 ;;
    --peers) peers=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "load.sh: unknown argument $1 (try --help)" >&2; exit 2 ;;
  esac
done

for tool in wrk python3 curl; do
  command -v "$tool" >/dev/null || { echo "load.sh: $tool is missing" >&2; exit 1; }
done
if [ ! -x "$exporter" ]; then
  echo "load.sh: no exporter at $exporter; build it (cmake --build build) or pass --exporter" >&2
  exit 1
fi

work=$(mktemp -d /tmp/wgx-load.XXXXXX)
namespace=""
wg_pids=()
exporter_pid=""
cleanup() {
  set +e
  [ -n "$exporter_pid" ] && kill "$exporter_pid" 2>/dev/null && wait "$exporter_pid" 2>/dev/null
  for pid in "${wg_pids[@]}"; do kill "$pid" 2>/dev/null; done
  for pid in "${wg_pids[@]}"; do wait "$pid" 2>/dev/null; done
  [ -n "$namespace" ] && ip netns del "$namespace" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

config_args=()
if [ -z "$socket_dir" ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "load.sh: setting up wireguard-go interfaces needs root (or pass --socket-dir)" >&2
    exit 1
  fi
  for tool in wireguard-go wg ip; do
    command -v "$tool" >/dev/null || { echo "load.sh: $tool is missing" >&2; exit 1; }
  done
  export WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KERNELSPACE=1
  namespace="wgfzbench$$"
  ip netns add "$namespace"
  socket_dir=/var/run/wireguard
  names=()
  for ((i = 0; i < interfaces; i++)); do
    name="wgfzb$i"
    if [ -e "$socket_dir/$name.sock" ]; then
      echo "load.sh: $socket_dir/$name.sock already exists; is another benchmark running?" >&2
      exit 1
    fi
    ip netns exec "$namespace" wireguard-go -f "$name" >"$work/$name.log" 2>&1 &
    wg_pids+=($!)
    names+=("$name")
  done
  # wg-quick style files with random keys, written by one Python call; the
  # YAML names half the peers, as a real deployment would.
  python3 - "$work" "$peers" "${names[@]}" <<'PY'
import base64, os, sys
work, peers, names = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
key = lambda: base64.b64encode(os.urandom(32)).decode()
yaml = ["discover: false", "interfaces:"]
for n, name in enumerate(names):
    lines = ["[Interface]", f"PrivateKey = {key()}", f"ListenPort = {52000 + n}"]
    yaml += [f"  - name: {name}", "    labels: {site: bench}", "    peers:"]
    for p in range(peers):
        public = key()
        lines += ["[Peer]", f"PublicKey = {public}",
                  f"AllowedIPs = 10.{n}.{p // 250}.{p % 250 + 1}/32, fd00:{n}::{p + 1:x}/128",
                  f"Endpoint = 127.0.0.1:{40000 + p}"]
        if p % 2 == 0:
            yaml += [f"      - public_key: \"{public}\"", f"        name: peer-{n}-{p}"]
    with open(os.path.join(work, name + ".conf"), "w") as f:
        f.write("\n".join(lines) + "\n")
with open(os.path.join(work, "exporter.yml"), "w") as f:
    f.write("\n".join(yaml) + "\n")
PY
  for name in "${names[@]}"; do
    for _ in $(seq 50); do [ -S "$socket_dir/$name.sock" ] && break; sleep 0.1; done
    wg setconf "$name" "$work/$name.conf"
  done
  config_args=(--config.file="$work/exporter.yml")
fi

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
url="http://127.0.0.1:$port/metrics"
"$exporter" --web.listen-address="127.0.0.1:$port" --wireguard.socket-dir="$socket_dir" \
  --no-wireguard.kernel --log.level=warn "${config_args[@]}" >"$work/exporter.log" 2>&1 &
exporter_pid=$!
for _ in $(seq 100); do
  curl -fsS -o /dev/null "http://127.0.0.1:$port/-/healthy" 2>/dev/null && break
  sleep 0.1
done
curl -fsS -o "$work/first.txt" "$url" || { cat "$work/exporter.log"; exit 1; }
curl -fsS -H 'Accept-Encoding: gzip' -o "$work/first.gz" "$url"
series_peers=$(grep -c '^wireguard_peer_online{' "$work/first.txt" || true)
series_up=$(grep -c '^wireguard_interface_up{.*} 1$' "$work/first.txt" || true)
rss_kb() { sed -nE "s/^$1:\s+([0-9]+) kB/\1/p" "/proc/$exporter_pid/status"; }

echo "exporter: $exporter (pid $exporter_pid), $series_up interfaces up, $series_peers peers"
echo "exposition: $(wc -c <"$work/first.txt") bytes plain, $(wc -c <"$work/first.gz") bytes gzip"
echo "wrk: -t$threads -c$connections -d$duration --latency, $runs runs per mode"
echo "RSS before load: VmRSS $(rss_kb VmRSS) kB, VmHWM $(rss_kb VmHWM) kB"
echo

rows=()
for mode in plain gzip; do
  header=()
  [ "$mode" = gzip ] && header=(-H 'Accept-Encoding: gzip')
  for ((run = 1; run <= runs; run++)); do
    out="$work/wrk-$mode-$run.txt"
    wrk -t"$threads" -c"$connections" -d"$duration" --latency "${header[@]}" "$url" >"$out" 2>&1
    rps=$(awk '/^Requests\/sec:/ {print $2}' "$out")
    p50=$(awk '/^ +50%/ {print $2}' "$out")
    p90=$(awk '/^ +90%/ {print $2}' "$out")
    p99=$(awk '/^ +99%/ {print $2}' "$out")
    requests=$(awk '/requests in/ {print $1}' "$out")
    non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $5}' "$out")
    socket_errors=$(sed -nE 's/.*Socket errors: (.*)/\1/p' "$out")
    if ! kill -0 "$exporter_pid" 2>/dev/null; then
      echo "load.sh: the exporter died during the $mode run $run" >&2
      cat "$work/exporter.log" >&2
      exit 1
    fi
    rows+=("$(printf '%-6s %4s %10s %10s %9s %9s %9s %8s %11s %11s' "$mode" "$run" \
      "${requests:-?}" "${rps:-?}" "${p50:-?}" "${p90:-?}" "${p99:-?}" "${non2xx:-0}" \
      "$(rss_kb VmHWM)" "$(rss_kb VmRSS)")")
    [ -n "$socket_errors" ] && rows+=("       socket errors: $socket_errors")
  done
done

printf '%-6s %4s %10s %10s %9s %9s %9s %8s %11s %11s\n' mode run requests req/s p50 p90 p99 \
  non-2xx VmHWM_kB VmRSS_kB
for row in "${rows[@]}"; do echo "$row"; done
if grep -q 'level=error' "$work/exporter.log"; then
  echo
  echo "exporter errors during the benchmark:"
  grep 'level=error' "$work/exporter.log" | sort | uniq -c | sort -rn | head -5
fi
