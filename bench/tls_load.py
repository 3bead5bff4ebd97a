#!/usr/bin/env python3
"""Load benchmark (not a test): the same exposition over plain HTTP and over
TLS, in one run.

    bench/tls_load.py                          # as root; 10 x 100 peers, ~3 minutes
    bench/tls_load.py --interfaces 1 --peers 10 --duration 10

Starts wireguard-go interfaces with fake peers in a private network namespace
(the interfaces stay down: nothing is sent) and three exporters over the very
same sockets: plain HTTP, TLS (NoClientCert) and TLS with verified client
certificates (RequireAndVerifyClientCert), with certificates made here by the
openssl CLI. Then, alternating between them so load from elsewhere hits all
alike, on loopback only:

- wrk --latency with keep-alive (a scrape per request on open connections),
  without and with gzip: requests/s, p50, p99;
- wrk with "Connection: close" (a new TCP connection, and a full handshake
  for TLS, per request);
- openssl s_time -new against the client-certificate exporter: full
  handshakes with a client certificate per second;

and every exporter's peak RSS (VmHWM) at the end. Everything started here is
stopped and removed on exit.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
sys.path.insert(0, os.path.join(ROOT, "tests", "tls"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wgnet  # noqa: E402
from netns_scale import fake_peers  # noqa: E402
from tlsutil import Exporter, Pki  # noqa: E402


def wrk(url, duration, threads, connections, headers=()):
    args = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency"]
    for header in headers:
        args += ["-H", header]
    out = subprocess.run(args + [url], capture_output=True, text=True,
                         timeout=duration + 60).stdout

    def field(pattern):
        m = re.search(pattern, out, re.M)
        return m.group(1) if m else "?"

    return {"rps": field(r"^Requests/sec:\s+([\d.]+)"), "p50": field(r"^\s+50%\s+(\S+)"),
            "p99": field(r"^\s+99%\s+(\S+)"), "requests": field(r"^\s+(\d+) requests in"),
            "errors": field(r"Socket errors: (.*)$") if "Socket errors" in out else "0",
            "non2xx": field(r"Non-2xx or 3xx responses: (\d+)") if "Non-2xx" in out else "0"}


def s_time(port, pki, seconds):
    out = subprocess.run(
        ["openssl", "s_time", "-connect", f"127.0.0.1:{port}", "-new", "-time", str(seconds),
         "-CAfile", pki.ca, "-cert", pki.client, "-key", pki.client_key, "-www", "/-/healthy"],
        capture_output=True, text=True, timeout=seconds + 60).stdout
    m = re.search(r"(\d+) connections in ([\d.]+)s; ([\d.]+) connections/user sec", out)
    return (f"{int(m.group(1)) / seconds:.0f}", m.group(3)) if m else ("?", "?")


def vm_hwm_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(re.search(r"^VmHWM:\s+(\d+)", f.read(), re.M).group(1))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--interfaces", type=int, default=10)
    parser.add_argument("--peers", type=int, default=100)
    parser.add_argument("--duration", type=int, default=15, help="seconds per wrk run")
    parser.add_argument("--runs", type=int, default=2, help="alternating runs per mode")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--exporter", default=os.environ.get(
        "WGX_EXPORTER", os.path.join(ROOT, "build", "wireguard_exporter")))
    args = parser.parse_args()
    for tool in ("wrk", "openssl", "curl"):
        if shutil.which(tool) is None:
            raise SystemExit(f"tls_load: {tool} is missing (scripts/install-deps.sh test)")
    import tlsutil
    tlsutil.EXPORTER = args.exporter

    work = tempfile.mkdtemp(prefix="wgx-tls-load-")
    exporters = {}
    try:
        with wgnet.Network("t") as net:
            ns = net.namespace("n")
            for i in range(args.interfaces):
                iface = net.wg_interface(ns, f"w{i}")
                iface.set_identity(wgnet.Keypair.generate(), 41000 + i)
                iface.setconf(f"[Interface]\nPrivateKey = {iface.keypair.private}\n"
                              f"ListenPort = {41000 + i}\n" + fake_peers(args.peers))
            config = os.path.join(work, "config.yml")
            with open(config, "w") as f:
                f.write(wgnet.yaml_dump({"exclude": wgnet.exclude_all_but(net.base)}) + "\n")
            pki = Pki(os.path.join(work, "pki"))
            base = f"tls_server_config:\n  cert_file: {pki.server}\n  key_file: {pki.server_key}\n"
            webs = {"plain": None, "tls": base,
                    "tls+client-cert": base + "  client_auth_type: RequireAndVerifyClientCert\n"
                                              f"  client_ca_file: {pki.ca}\n"}
            for label, web in webs.items():
                exporter = Exporter(os.path.join(work, label), web,
                                    [f"--config.file={config}", "--log.level=warn"],
                                    socket_dir=wgnet.SOCKET_DIR)
                exporters[label] = exporter.start()
            plain_url = f"http://127.0.0.1:{exporters['plain'].port}/metrics"
            tls_url = f"https://127.0.0.1:{exporters['tls'].port}/metrics"
            body = subprocess.run(["curl", "-sf", plain_url], capture_output=True,
                                  check=True).stdout
            tls_body = subprocess.run(["curl", "-sf", "--cacert", pki.ca, tls_url],
                                      capture_output=True, check=True).stdout
            peers = body.count(b"\nwireguard_peer_online{")
            if peers != args.interfaces * args.peers:
                raise SystemExit(f"expected {args.interfaces * args.peers} peers, got {peers}")

            lines = [f"# tls_load {time.strftime('%Y-%m-%d %H:%M:%S')}: {args.interfaces} "
                     f"interfaces x {args.peers} peers, exposition {len(body)} bytes plain, "
                     f"{len(tls_body)} over TLS; wrk -t{args.threads} -c{args.connections} "
                     f"-d{args.duration}s, {args.runs} alternating runs per row"]
            rows = []
            modes = [("keep-alive", []), ("keep-alive, gzip", ["Accept-Encoding: gzip"]),
                     ("new connection per request", ["Connection: close"])]
            for mode, headers in modes:
                for run in range(1, args.runs + 1):
                    for label, url in (("plain", plain_url), ("tls", tls_url)):
                        r = wrk(url, args.duration, args.threads, args.connections, headers)
                        rows.append((mode, label, run, r))
                        print(f"{mode:28} {label:6} run {run}: {r['rps']:>9} req/s  "
                              f"p50 {r['p50']:>8}  p99 {r['p99']:>8}  errors {r['errors']}",
                              flush=True)
            handshakes, per_cpu = s_time(exporters["tls+client-cert"].port, pki, args.duration)
            lines.append("")
            lines.append(f"| {'mode':28} | {'server':6} | run | req/s | p50 | p99 | non-2xx | "
                         "socket errors |")
            lines.append("|---|---|---|---|---|---|---|---|")
            for mode, label, run, r in rows:
                lines.append(f"| {mode:28} | {label:6} | {run} | {r['rps']} | {r['p50']} | "
                             f"{r['p99']} | {r['non2xx']} | {r['errors']} |")
            lines.append("")
            lines.append(f"openssl s_time -new with a client certificate (RequireAndVerify"
                         f"ClientCert), {args.duration}s: {handshakes} handshakes+requests/s "
                         f"({per_cpu} per client CPU second)")
            lines.append("peak RSS (VmHWM): " + ", ".join(
                f"{label} {vm_hwm_kb(e.process.pid) / 1024:.1f} MiB"
                for label, e in exporters.items()))
            for e in exporters.values():
                if not e.alive():
                    raise SystemExit(f"an exporter died: {e.log()}")
            print("\n".join(lines))
    finally:
        for e in exporters.values():
            e.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
