#!/usr/bin/env python3
"""The systemd unit's sandbox lets the real exporter do its work.

Runs the exporter under strace against a real wireguard-go interface (in a
network namespace of its own) through everything it does in service: start,
scrapes with and without gzip, the landing page, POST /-/reload, SIGHUP,
SIGTERM, once over plain HTTP and once over TLS with a verified client
certificate. Then checks every system call it made against the unit's
SystemCallFilter= lines (group names expanded by systemd-analyze) and every
socket family against RestrictAddressFamilies=. A filter that would kill
the service on its first scrape fails here instead of in production.

Usage: check_syscalls.py UNIT_FILE EXPORTER_BINARY
Needs root (network namespace, wireguard-go) and strace; exits 77 (skipped)
without them.
"""

import contextlib
import functools
import os
import re
import shutil
import signal
import ssl
import subprocess
import sys
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "e2e"))
import wgnet  # noqa: E402


@functools.lru_cache(maxsize=None)
def expand(group):
    """System call names of a systemd group (@name), recursively."""
    out = subprocess.run(["systemd-analyze", "syscall-filter", group], capture_output=True,
                         text=True, check=True, timeout=30).stdout
    names = set()
    for line in out.splitlines()[1:]:
        item = line.strip()
        if not item or item.startswith("#"):
            continue
        names |= expand(item) if item.startswith("@") else {item}
    return frozenset(names)


def unit_filter(unit_text):
    """(allowed system calls, allowed address families) from a unit file,
    following systemd's rules: the first non-~ line sets an allow list, ~
    lines remove from it."""
    allowed = None
    for value in re.findall(r"(?m)^SystemCallFilter=(.*)$", unit_text):
        deny = value.startswith("~")
        names = set()
        for item in value.lstrip("~").split():
            names |= expand(item) if item.startswith("@") else {item}
        if deny:
            if allowed is None:
                raise SystemExit("a deny-list-only filter is not what this check expects")
            allowed -= names
        else:
            allowed = names if allowed is None else allowed | names
    families = set()
    for value in re.findall(r"(?m)^RestrictAddressFamilies=(.*)$", unit_text):
        families |= set(value.split())
    return allowed or set(), families


def main(unit_path, binary):
    if os.geteuid() != 0 or not shutil.which("strace") or not shutil.which("wireguard-go"):
        print("skipped: needs root, strace and wireguard-go")
        return 77
    wgnet.PREFIX = "wgas"

    with open(unit_path) as f:
        allowed, families = unit_filter(f.read())
    if not allowed or not families:
        print("FAIL: the unit has no SystemCallFilter= or RestrictAddressFamilies=")
        return 1

    with wgnet.Network() as net:
        a = net.namespace("na")
        b = net.namespace("nb")
        net.veth(a, b, "10.233.0.1/24", "10.233.0.2/24", suffix="c")
        gw = net.wg_interface(a, "c0")
        peer = net.wg_interface(b, "c1")
        gw.set_identity(wgnet.Keypair.generate(), 51820)
        peer.set_identity(wgnet.Keypair.generate(), 51821)
        gw.up()
        peer.up()
        net.connect(peer, gw, "10.234.0.2", "10.234.0.1", "10.233.0.1")
        config = os.path.join(net.workdir, "config.yml")
        with open(config, "w") as f:
            f.write(wgnet.yaml_dump({"discover": True,
                                     "exclude": wgnet.exclude_all_but(gw.name)}) + "\n")
        lines = []
        for tls in (False, True):
            trace = os.path.join(net.workdir, f"strace-{'tls' if tls else 'plain'}.out")
            failure = traced_run(binary, config, gw.name, trace, net.workdir, tls)
            if failure:
                print(failure)
                return 1
            with open(trace) as f:
                # strace's own execve of the exporter happens before systemd
                # would install the filter: leave the first line out.
                lines += f.read().splitlines()[1:]
    calls = set()
    used_families = set()
    for line in lines:
        m = re.match(r"^\d+\s+([a-z_0-9]+)\(", line)
        if m:
            calls.add(m.group(1))
        m = re.match(r"^\d+\s+socket\((AF_[A-Z0-9]+)", line)
        if m:
            used_families.add(m.group(1))
    blocked = sorted(calls - allowed)
    bad_families = sorted(used_families - families)
    print(f"{len(calls)} distinct system calls, families {sorted(used_families)}")
    if blocked:
        print(f"FAIL: the unit's SystemCallFilter= blocks {blocked}")
    if bad_families:
        print(f"FAIL: RestrictAddressFamilies= blocks {bad_families}")
    if blocked or bad_families:
        return 1
    print("PASS")
    return 0


def make_tls_files(workdir):
    """A CA, a server and a client certificate (openssl CLI) and a web config
    asking for TLS with verified client certificates."""
    def openssl(*args):
        subprocess.run(["openssl", *args], check=True, capture_output=True, timeout=60)
    p = {name: os.path.join(workdir, name) for name in (
        "ca.key", "ca.crt", "server.key", "server.csr", "server.crt", "client.key",
        "client.csr", "client.crt", "web.yml")}
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    openssl("req", "-x509", *ec, "-keyout", p["ca.key"], "-out", p["ca.crt"], "-days", "1",
            "-subj", "/CN=syscall check CA")
    for name, san in (("server", "IP:127.0.0.1"), ("client", "DNS:scraper.example")):
        ext = os.path.join(workdir, name + ".ext")
        with open(ext, "w") as f:
            f.write(f"subjectAltName={san}\n")
        openssl("req", *ec, "-keyout", p[name + ".key"], "-out", p[name + ".csr"], "-subj",
                f"/CN={name}")
        openssl("x509", "-req", "-in", p[name + ".csr"], "-CA", p["ca.crt"], "-CAkey",
                p["ca.key"], "-CAcreateserial", "-days", "1", "-out", p[name + ".crt"],
                "-extfile", ext)
    with open(p["web.yml"], "w") as f:
        f.write("tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"
                "  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ca.crt\n")
    context = ssl.create_default_context(cafile=p["ca.crt"])
    context.load_cert_chain(p["client.crt"], p["client.key"])
    return p["web.yml"], context


def traced_run(binary, config, interface, trace, workdir, tls):
    """Runs the exporter under strace through start, scrapes (over TLS with a
    client certificate when `tls`), reload, SIGHUP and SIGTERM. Returns a
    failure text, or None."""
    port = wgnet.free_port()
    args = [binary, f"--web.listen-address=127.0.0.1:{port}", f"--config.file={config}",
            "--web.enable-lifecycle"]
    context = None
    if tls:
        web_config, context = make_tls_files(workdir)
        args.append(f"--web.config.file={web_config}")
    base = f"{'https' if tls else 'http'}://127.0.0.1:{port}"
    tracer = subprocess.Popen(["strace", "-f", "-qq", "-o", trace, *args],
                              stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    exporter_pid = None
    try:
        exporter_pid = wgnet.wait_until(lambda: _child_running(tracer.pid, binary), 10,
                                        what="exporter under strace")

        def get(path, data=None, headers=None):
            req = urllib.request.Request(base + path, data=data, headers=headers or {})
            with urllib.request.urlopen(req, timeout=10, context=context) as resp:
                return resp.read()

        wgnet.wait_until(lambda: _answers(get, "/-/healthy"), 15, what="exporter healthy")
        body = get("/metrics").decode()
        if f'wireguard_interface_up{{interface="{interface}"}} 1' not in body:
            return f"FAIL: the scrape did not read {interface}:\n{body[-2000:]}"
        try:
            get("/metrics", headers={"Accept-Encoding": "gzip"})
            get("/")
            get("/-/reload", data=b"")
            os.kill(exporter_pid, signal.SIGHUP)
            time.sleep(0.5)
            get("/metrics")
            os.kill(exporter_pid, signal.SIGTERM)
            tracer.wait(20)
        except OSError as err:
            with open(trace) as f:
                tail = f.read().splitlines()[-5:]
            return (f"FAIL: the exporter stopped during the {'TLS ' if tls else ''}run "
                    f"({err}); end of its trace:\n" + "\n".join(tail))
    finally:
        # Kill the traced exporter first: killing strace alone would leave
        # it running, detached.
        if tracer.poll() is None:
            for pid in set(_children(tracer.pid)) | {exporter_pid} - {None}:
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
            try:
                tracer.wait(10)
            except subprocess.TimeoutExpired:
                tracer.kill()
                tracer.wait(10)
    return None


def _children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(c) for c in f.read().split()]
    except OSError:
        return []


def _child_running(pid, binary):
    """The PID of the child of `pid` that runs `binary` (strace also forks
    short-lived children of its own to probe the kernel)."""
    for child in _children(pid):
        try:
            if os.readlink(f"/proc/{child}/exe") == os.path.realpath(binary):
                return child
        except OSError:
            continue
    return None


def _answers(get, path):
    try:
        get(path)
        return True
    except OSError:
        return False


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1], sys.argv[2]))
